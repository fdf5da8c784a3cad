"""Result folders: safe locations, atomic creation, and the one folder writer.

Before any work starts, :func:`check_writable` refuses a location that is a symbolic-link
loop, lies under a file, or where this user cannot create a folder (a read-only results
folder, ``.runs`` or ``<out>/<name>``), by actually creating and removing a hidden probe
folder there (which also holds for root-owned mounts and ACLs). A write that fails later
(disk full, I/O error) raises :class:`~trustsim.errors.OutputFailed` naming what was being
written; the temporary folder is removed.

Every experiment kind writes ``<out>/<scenario-name>/<prefix><run-id>/`` through
:func:`write_folder` (a plain run has no prefix; a sweep has ``sweep-``...). Everything is
first written to a hidden temporary sibling (``.incomplete-<run-id>``) and renamed when
complete, so a folder with the run id exists only when the experiment finished; an error,
Ctrl-C or SIGTERM removes the temporary folder. The name is claimed atomically first
(:mod:`trustsim.output.claimed_folders`), so processes writing into the same folder at
once each keep their result (``<run-id>-2``...), and leftovers of killed processes are
cleaned up or reported by the next write. Scenario names are validated by the schema and
the final path is checked to lie inside ``out``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustsim.errors import OutputFailed, ResultsError, os_problem
from trustsim.output.claimed_folders import INCOMPLETE_PREFIX, claim, clean_leftovers, final_of
from trustsim.output.manifest import MANIFEST_FILE, utc_now

if TYPE_CHECKING:
    import pandas as pd

FIGURES_DIR = "figures"
REPORT_FILE = "report.html"
#: Folder of ``--out`` where an experiment keeps its finished runs
#: (:mod:`trustsim.experiments.store`).
STORE_DIR = ".runs"


def run_folder(out: Path, scenario_name: str, run_id: str) -> Path:
    """``out/scenario_name/run_id``, refusing anything that would land outside ``out``."""
    root = out.resolve()
    for part, label in ((scenario_name, "scenario name"), (run_id, "run id")):
        if not part or part in {".", ".."} or "/" in part or "\\" in part or os.sep in part:
            raise ResultsError(f"{label} {part!r} is not allowed: it must be a plain folder name")
    target = (root / scenario_name / run_id).resolve()
    if not target.is_relative_to(root):
        raise ResultsError(f"{label} would write outside {root}: {target}")
    return target


def new_run_id(config_hash: str, when: datetime | None = None) -> str:
    """Run id ``YYYYmmdd-HHMMSS-<first 8 hex of the config hash>``."""
    moment = when or datetime.now(UTC)
    return f"{moment:%Y%m%d-%H%M%S}-{config_hash[:8]}"


@contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``final`` to write into; rename it to ``final`` on success.

    The name is claimed first (:mod:`trustsim.output.claimed_folders`): when another
    process holds ``final`` already, the folder becomes ``final-2``, ``final-3``...;
    :func:`final_path` of the yielded folder says which. Unfinished folders left in the
    same place by killed processes are removed (and named in a warning) on the way.
    On any exception (Ctrl-C included) the temporary folder is removed, and so are the
    folders this call created on the way, if they are empty.
    """
    parent = final.parent
    missing = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"cannot create results folder {parent}: {exc.strerror}") from None
    owner: Path | None = None
    temporary = parent / f"{INCOMPLETE_PREFIX}{final.name}"
    try:
        clean_leftovers(parent)
        temporary, final, owner = claim(final)
        yield temporary
        os.rename(temporary, final)
        owner.unlink(missing_ok=True)
    except BaseException as exc:
        if owner is not None:  # only what this call claimed
            shutil.rmtree(temporary, ignore_errors=True)
            with contextlib.suppress(OSError):
                owner.unlink(missing_ok=True)
        for folder in missing:  # deepest first; only folders this call created, if empty
            try:
                folder.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError):
            raise OutputFailed(
                f"cannot write the results folder {final}: {os_problem(exc)}; nothing was kept"
            ) from None
        raise


def final_path(temporary: Path) -> Path:
    """The folder that :func:`atomic_folder`'s temporary folder becomes when complete."""
    return final_of(temporary)


def check_writable(folder: Path, what: str) -> None:
    """Refuse now if ``folder`` (or the folder that would hold it) cannot be written.

    Args:
        folder: the folder results will be written to; it need not exist yet.
        what: how to name it in the message, e.g. "results folder".

    Raises:
        ResultsError: a symbolic-link loop, a path under a file, or no permission to
            create a folder there.
    """
    try:
        folder.resolve()
        os.stat(folder)
    except FileNotFoundError:
        pass
    except (RuntimeError, OSError) as exc:  # Python 3.11 raises RuntimeError on a loop
        problem = os_problem(exc) if isinstance(exc, OSError) else "symbolic link loop"
        raise ResultsError(f"{what} {folder}: cannot be used: {problem}") from None
    existing = folder
    while not existing.exists():
        if existing.is_symlink():  # a dangling or looping link in the way
            raise ResultsError(f"{what} {folder}: {existing} is a broken symbolic link")
        existing = existing.parent
    if not existing.is_dir():
        raise ResultsError(f"{what} {folder}: {existing} is a file, not a folder")
    try:
        probe = tempfile.mkdtemp(prefix=".trustsim-probe-", dir=existing)
        os.rmdir(probe)
    except OSError as exc:
        raise ResultsError(
            f"{what} {folder}: cannot write in {existing}: {os_problem(exc)}; choose another "
            "folder with --out"
        ) from None


def check_experiment_output(store: Path, results: Path) -> None:
    """An experiment writes finished runs to ``store`` (``<out>/.runs``) and its folder
    under ``results`` (``<out>/<name>``): both must be writable before the first run."""
    check_writable(store, "run store")
    check_writable(results, "results folder")


def write_json(path: Path, data: Any) -> None:
    """Write JSON with sorted keys and a final newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """Write a CSV deterministically (shortest round-trip floats, '\\n' line ends)."""
    frame.to_csv(path, index=False, lineterminator="\n")


def write_folder(
    out: Path,
    prefix: str,
    manifest: dict[str, Any],
    tables: Mapping[str, pd.DataFrame],
    parquet: tuple[str, ...] = (),
    draw_figures: Callable[[Path], list[Path]] | None = None,
    write_report: Callable[[Path], Path] | None = None,
) -> Path:
    """Write ``out/<scenario name>/<prefix><run-id>/`` atomically; return its path
    (``<prefix><run-id>-2``... when another process took that name meanwhile).

    Args:
        out: the results folder.
        prefix: the folder name's prefix, e.g. ``"sweep-"`` ("" for a plain run).
        manifest: from :func:`trustsim.output.manifest.build_manifest`; ``run_id``,
            ``finished_at`` and ``files`` are added.
        tables: name -> table, each written as ``<name>.csv``.
        parquet: names of the tables also written as ``<name>.parquet``.
        draw_figures: writes the figures into the folder it is given; None: no figures.
        write_report: writes ``report.html`` into the finished folder (after the
            manifest); None: no report.
    """
    run_id = new_run_id(str(manifest["config_hash"]))
    # the -2, -3... suffix is chosen by claim() alone: choosing one here from what exists
    # already raced with writers finishing meanwhile and gave names such as '<id>-2-2'
    final = run_folder(out, str(manifest["scenario_name"]), f"{prefix}{run_id}")
    with atomic_folder(final) as folder:
        final = final_path(folder)
        for name, table in tables.items():
            write_table(folder / f"{name}.csv", table)
            if name in parquet:
                table.to_parquet(folder / f"{name}.parquet", index=False)
        if draw_figures is not None:
            draw_figures(folder / FIGURES_DIR)
        manifest["run_id"] = final.name
        manifest["finished_at"] = utc_now()
        written = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        extra = [REPORT_FILE] if write_report is not None else []
        manifest["files"] = sorted([*written, MANIFEST_FILE, *extra])
        write_json(folder / MANIFEST_FILE, manifest)
        if write_report is not None:
            write_report(folder)
    return final
