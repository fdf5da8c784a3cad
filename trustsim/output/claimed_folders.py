"""Result folder names claimed atomically, and what killed processes left behind.

Several trustsim processes may write into the same ``<out>/<name>/`` at once (three
identical runs started in the same second get the same run id). A process therefore
claims a folder name before writing: it creates ``.incomplete-<name>.owner`` with
``O_CREAT | O_EXCL`` (exactly one process can), recording its process id, host and start
time, then writes into the hidden folder ``.incomplete-<name>`` and renames it to
``<name>`` when complete. A name whose folder or owner file exists is taken; the next
candidate is ``<name>-2``, ``<name>-3``...

A process killed while writing leaves its owner file and hidden folder behind. The next
process that writes into the same folder removes them when their owner is certainly
gone (same host, and no process with that id and start time), and names in a warning
what it removed — and what it found but cannot judge (another host, or no owner record,
as left by trustsim before this scheme).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import warnings
from pathlib import Path

from trustsim.errors import TrustsimWarning

INCOMPLETE_PREFIX = ".incomplete-"
OWNER_SUFFIX = ".owner"


class LeftoverWarning(TrustsimWarning):
    """Unfinished folders of killed processes were removed or found."""


def _start_time(pid: int) -> float | None:
    try:
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:  # psutil.NoSuchProcess, AccessDenied, ImportError
        return None


def owner_record() -> dict[str, object]:
    """Who is writing: this process's id, host and start time."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": _start_time(os.getpid())}


def owner_gone(record: dict[str, object]) -> bool | None:
    """True if the writer is certainly gone, False if it runs, None if it cannot be told
    (another host, a malformed record)."""
    pid, started = record.get("pid"), record.get("started")
    if record.get("host") != socket.gethostname() or not isinstance(pid, int):
        return None
    now = _start_time(pid)
    if now is None:
        return True
    return isinstance(started, int | float) and abs(now - started) > 1.0


def claim(final: Path) -> tuple[Path, Path, Path]:
    """Claim ``final`` (or ``final-2``, ...): ``(hidden folder to write, final, owner file)``.

    Raises:
        OSError: the folder cannot be written.
    """
    parent, suffix = final.parent, 1
    record = json.dumps(owner_record())
    while True:
        candidate = final if suffix == 1 else final.with_name(f"{final.name}-{suffix}")
        suffix += 1
        owner = parent / f"{INCOMPLETE_PREFIX}{candidate.name}{OWNER_SUFFIX}"
        temporary = parent / f"{INCOMPLETE_PREFIX}{candidate.name}"
        if candidate.exists() or temporary.exists():
            continue
        try:
            descriptor = os.open(owner, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(record)
            temporary.mkdir()
        except FileExistsError:
            owner.unlink(missing_ok=True)
            continue
        except BaseException:
            owner.unlink(missing_ok=True)
            raise
        return temporary, candidate, owner


def final_of(temporary: Path) -> Path:
    """The folder name claimed by the hidden folder ``temporary``."""
    return temporary.with_name(temporary.name.removeprefix(INCOMPLETE_PREFIX))


def clean_leftovers(parent: Path) -> None:
    """Remove unfinished folders of dead writers in ``parent``; warn about them and about
    those that cannot be judged."""
    if not parent.is_dir():
        return
    removed: list[str] = []
    unknown: list[str] = []
    owned: set[str] = set()
    try:
        entries = sorted(parent.glob(f"{INCOMPLETE_PREFIX}*"))
    except OSError:
        return
    for owner in (entry for entry in entries if entry.name.endswith(OWNER_SUFFIX)):
        folder = owner.with_name(owner.name.removesuffix(OWNER_SUFFIX))
        owned.add(folder.name)
        try:
            record = json.loads(owner.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        gone = owner_gone(record) if isinstance(record, dict) else None
        if gone is None:
            unknown.append(folder.name)
        elif gone:
            shutil.rmtree(folder, ignore_errors=True)
            owner.unlink(missing_ok=True)
            removed.append(folder.name)
    for entry in entries:
        if entry.is_dir() and entry.name not in owned:
            unknown.append(entry.name)
    if removed:
        warnings.warn(
            f"removed {len(removed)} unfinished folder(s) in {parent} left by trustsim "
            f"processes that were killed: {', '.join(removed)}",
            LeftoverWarning,
            stacklevel=3,
        )
    if unknown:
        warnings.warn(
            f"found {len(unknown)} unfinished folder(s) in {parent} whose writer cannot be "
            f"checked (another machine, or an older trustsim): {', '.join(unknown)}; delete "
            "them if no trustsim process is writing there",
            LeftoverWarning,
            stacklevel=3,
        )
