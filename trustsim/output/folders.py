"""Result folders: safe locations, atomic creation, manifest, and loading.

A run is written to ``<out>/<scenario-name>/<run-id>/``. Everything is first written to a
hidden temporary sibling (``.incomplete-<run-id>``) and renamed when complete, so a folder
with the run id exists only when the run finished; an error or Ctrl-C removes the
temporary folder. Scenario names are validated by the schema and the final path is checked
to lie inside ``out``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim.errors import ResultsError

TIMESERIES_FILE = "timeseries.csv"
SUMMARY_FILE = "summary.csv"
MANIFEST_FILE = "manifest.json"
FIGURES_DIR = "figures"
REPORT_FILE = "report.html"
INCOMPLETE_PREFIX = ".incomplete-"


def versions() -> dict[str, str]:
    """Versions of trustsim, its main dependencies and Python, for the manifest."""
    found = {"python": platform.python_version(), "platform": platform.platform()}
    for package in ("trustsim", "mesa", "numpy", "pandas", "scipy", "pydantic", "matplotlib"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def utc_now() -> str:
    """Current UTC time in ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


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


def unique_run_folder(out: Path, scenario_name: str, run_id: str) -> Path:
    """A run folder that does not exist yet (``-2``, ``-3``... appended if needed)."""
    folder = run_folder(out, scenario_name, run_id)
    suffix = 2
    while folder.exists():
        folder = run_folder(out, scenario_name, f"{run_id}-{suffix}")
        suffix += 1
    return folder


@contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``final`` to write into; rename it to ``final`` on success.

    On any exception (Ctrl-C included) the temporary folder is removed, and so are the
    folders this call created on the way, if they are empty.
    """
    parent = final.parent
    missing = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"cannot create results folder {parent}: {exc.strerror}") from None
    temporary = parent / f"{INCOMPLETE_PREFIX}{final.name}-{os.getpid()}"
    try:
        temporary.mkdir()
        yield temporary
        os.replace(temporary, final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        for folder in missing:  # deepest first; only folders this call created, if empty
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def write_json(path: Path, data: Any) -> None:
    """Write JSON with sorted keys and a final newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """Write a CSV deterministically (shortest round-trip floats, '\\n' line ends)."""
    frame.to_csv(path, index=False, lineterminator="\n")


@dataclass
class RunFiles:
    """What goes into a run folder."""

    manifest: dict[str, Any]
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    draw_figures: Callable[[Path], list[Path]] | None = None
    #: Writes ``report.html`` into the finished folder (after the manifest); None: no report.
    write_report: Callable[[Path], Path] | None = None


def write_run(final: Path, files: RunFiles) -> Path:
    """Write a complete run folder atomically and return its path."""
    with atomic_folder(final) as folder:
        write_table(folder / TIMESERIES_FILE, files.timeseries)
        write_table(folder / SUMMARY_FILE, files.summary)
        if files.draw_figures is not None:
            files.draw_figures(folder / FIGURES_DIR)
        files.manifest["finished_at"] = utc_now()
        written = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        extra = [REPORT_FILE] if files.write_report is not None else []
        files.manifest["files"] = sorted([*written, MANIFEST_FILE, *extra])
        write_json(folder / MANIFEST_FILE, files.manifest)
        if files.write_report is not None:
            files.write_report(folder)
    return final


def load_run(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Read back ``(manifest, timeseries, summary)`` from a run folder."""
    path = Path(folder)
    if not (path / MANIFEST_FILE).is_file():
        raise ResultsError(f"{path}: not a trustsim run folder (no {MANIFEST_FILE})")
    manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    return manifest, pd.read_csv(path / TIMESERIES_FILE), pd.read_csv(path / SUMMARY_FILE)


def command_line() -> list[str]:
    """The command line of this process, for the manifest."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
