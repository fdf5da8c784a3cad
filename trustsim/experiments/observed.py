"""Observed data for ``trustsim calibrate``: a firm's own table, read and checked.

The table is a CSV file with a header. One column says when: ``step`` (whole numbers from 0
to the scenario's ``steps``) or ``date`` (``YYYY-MM-DD``, converted to steps with
``calibrate.start_date`` and ``calibrate.step_length_days``). Every other column must be a
timeseries column of the model (``active``, ``churned``, ``trust_mean``, ``nps``...), every
cell a finite number. A step may appear once. Lines starting with ``#`` are comments (a
synthetic data set says so there).

Every problem is a :class:`~trustsim.errors.ScenarioError` naming the file, the row (its
line in the file) and column, the value and what is allowed; nothing runs.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from trustsim.errors import ScenarioError

#: Largest observed table read (bytes): a firm's monthly or daily series is far smaller.
MAX_BYTES = 50_000_000


@dataclass(frozen=True)
class Observed:
    """A checked observed table.

    Attributes:
        path: the file read.
        steps: the observed steps, ascending.
        columns: observed column -> values, one per step (same order as ``steps``).
        sha256: hash of the file's bytes (recorded in the manifest).
    """

    path: Path
    steps: tuple[int, ...]
    columns: dict[str, tuple[float, ...]]
    sha256: str


def _allowed_columns() -> tuple[str, ...]:
    from trustsim.model.metrics import COLUMNS

    return tuple(column for column in COLUMNS if column not in ("step", "replicate"))


def _number(text: str, where: str, column: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise ScenarioError(f"{where}, column {column!r}: empty cell; every cell needs a number")
    try:
        value = float(stripped)
    except ValueError:
        raise ScenarioError(
            f"{where}, column {column!r}: value {text!r} is not a number; allowed: a finite "
            "number such as 1250 or 0.62"
        ) from None
    if not math.isfinite(value):
        raise ScenarioError(
            f"{where}, column {column!r}: value {text!r} is not finite (NaN or infinity); "
            "allowed: a finite number (leave the row out when a value is missing)"
        )
    return value


def _step_of_date(
    text: str, where: str, start: dt.date | None, step_length_days: float, origin: str
) -> int:
    if start is None:
        raise ScenarioError(
            f"{where}, column 'date': dates need a start: set calibrate.start_date (the date of "
            f"step 0) in {origin}, or give a 'step' column instead"
        )
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ScenarioError(
            f"{where}, column 'date': value {text!r} is not a date; allowed: YYYY-MM-DD"
        ) from None
    steps = (day - start).days / step_length_days
    if steps != int(steps):
        raise ScenarioError(
            f"{where}, column 'date': value {text!r} is {steps:g} steps of {step_length_days:g} "
            f"day(s) after {start.isoformat()}; allowed: a whole number of steps"
        )
    return int(steps)


def read_observed(
    path: Path,
    horizon: int,
    origin: str,
    start_date: str | None = None,
    step_length_days: float = 1.0,
) -> Observed:
    """Read and check an observed table.

    Args:
        path: the CSV file.
        horizon: the scenario's ``steps`` (the last step an observation may have).
        origin: the scenario file, named in messages about its calibrate block.
        start_date: date of step 0 (needed for a ``date`` column).
        step_length_days: days per step (for dates).

    Raises:
        ScenarioError: unreadable file, unknown or missing columns, a bad cell, a step
            outside 0..horizon, a step given twice, no rows.
    """
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScenarioError(
            f"{shown}: cannot read the observed data: {error.strerror or error}"
        ) from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(f"{shown}: {len(data)} bytes; allowed: at most {MAX_BYTES}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{shown}: not UTF-8 text; allowed: a CSV file with a header") from None
    start: dt.date | None = None
    if start_date is not None:
        try:
            start = dt.date.fromisoformat(start_date)
        except ValueError:
            raise ScenarioError(
                f"{origin}: field 'calibrate.start_date': value {start_date!r} is not a date; "
                "allowed: YYYY-MM-DD"
            ) from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as error:
        raise ScenarioError(f"{shown}: not a CSV table ({error})") from None
    rows = [
        row
        for row in rows
        if any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        raise ScenarioError(f"{shown}: empty; allowed: a header (step, columns...) and rows")
    header = [cell.strip() for cell in rows[0]]
    allowed = _allowed_columns()
    when = [name for name in header if name in ("step", "date")]
    if len(when) != 1:
        raise ScenarioError(
            f"{shown}: header {header!r}: needs exactly one of the columns 'step' or 'date' "
            f"(found {when or 'neither'})"
        )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ScenarioError(f"{shown}: header: column {name!r} appears twice")
        seen.add(name)
        if name not in allowed and name not in ("step", "date"):
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(
                f"{shown}: header: column {name!r} is not a timeseries column{hint}; allowed: "
                f"step or date, and any of {', '.join(allowed)}"
            )
    measured = [name for name in header if name not in ("step", "date")]
    if not measured:
        raise ScenarioError(
            f"{shown}: header {header!r}: no observed column; add at least one of "
            f"{', '.join(allowed[:8])}, ..."
        )
    found: dict[int, dict[str, float]] = {}
    lines: dict[int, int] = {}
    for index, row in enumerate(rows[1:], start=2):
        where = f"{shown}: row {index}"
        if len(row) != len(header):
            raise ScenarioError(f"{where}: {len(row)} cell(s) where the header has {len(header)}")
        cells = dict(zip(header, row, strict=True))
        if when[0] == "step":
            value = _number(cells["step"], where, "step")
            if value != int(value):
                raise ScenarioError(
                    f"{where}, column 'step': value {cells['step']!r} is not a whole number"
                )
            step = int(value)
        else:
            step = _step_of_date(cells["date"], where, start, step_length_days, origin)
        if not 0 <= step <= horizon:
            raise ScenarioError(
                f"{where}, column {when[0]!r}: step {step} is outside the simulated horizon; "
                f"allowed: 0 to {horizon} (the scenario's steps)"
            )
        if step in found:
            raise ScenarioError(
                f"{where}, column {when[0]!r}: step {step} is already given in row "
                f"{lines[step]}; allowed: each step once"
            )
        found[step] = {name: _number(cells[name], where, name) for name in measured}
        lines[step] = index
    if not found:
        raise ScenarioError(f"{shown}: no data rows under the header")
    steps = tuple(sorted(found))
    columns = {name: tuple(found[step][name] for step in steps) for name in measured}
    return Observed(path, steps, columns, hashlib.sha256(data).hexdigest())
