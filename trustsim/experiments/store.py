"""The run store: finished runs on disk, so that an interrupted experiment resumes.

Each run (one replicate of one resolved scenario, see :mod:`trustsim.experiments.runs`)
is kept as one Parquet file named by its key in ``<out>/.runs/``, written atomically as
soon as it finishes, with the key in the file's schema metadata (:data:`KEY_FIELD`).

A stored file is checked before it is used (:meth:`RunStore.load_checked`); it is
accepted only if

* it can be read as Parquet at all (not truncated, empty, or some other file renamed);
* its metadata names the same run key (not another run's file copied or renamed);
* its columns are the timeseries columns, in order;
* it holds one row per step, ``0 .. steps``, in order, all of the wanted replicate.

Anything else is reported as a problem string; the batch then recomputes that run, says
so in a warning, and overwrites the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from trustsim.model.metrics import COLUMNS
from trustsim.output.folders import STORE_DIR

#: Schema metadata key holding the run key.
KEY_FIELD = b"trustsim.run_key"


class RunStore:
    """Finished runs on disk, one Parquet file per run key, written atomically.

    Args:
        folder: the store folder (created on the first write).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, key: str) -> Path:
        """Where the run ``key`` is (or will be) stored."""
        return self.folder / f"{key}.parquet"

    def has(self, key: str) -> bool:
        """True if a file for the run ``key`` exists (it may still be unusable)."""
        return self.path(key).is_file()

    def load(self, key: str) -> pd.DataFrame:
        """The stored timeseries of run ``key``, unchecked."""
        return pd.read_parquet(self.path(key))

    def load_checked(
        self,
        key: str,
        steps: int,
        replicate: int,
        recorded_steps: Sequence[int] | None = None,
    ) -> tuple[pd.DataFrame | None, str | None]:
        """``(timeseries, None)`` if the stored run ``key`` is sound for a run of ``steps``
        steps of replicate ``replicate`` that kept the rows of ``recorded_steps`` (None:
        every step), else ``(None, problem)``."""
        return read_checked(self.path(key), key, COLUMNS, steps, replicate, recorded_steps)

    def save(self, key: str, timeseries: pd.DataFrame) -> None:
        """Store a run atomically, its key in the file's metadata (see :func:`write`)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write(self.path(key), timeseries, key)

    def keys(self) -> set[str]:
        """Keys of every stored run."""
        if not self.folder.is_dir():
            return set()
        return {path.stem for path in self.folder.glob("*.parquet")}


def store_for(out: Path) -> RunStore:
    """The run store of a results folder: ``out/.runs/``."""
    return RunStore(out / STORE_DIR)


def write(path: Path, timeseries: pd.DataFrame, key: str) -> None:
    """Write a run's timeseries to ``path`` atomically, its key in the Parquet metadata.

    A hidden temporary file (``.<name>-<pid>.tmp``) is written and renamed; it is removed
    on any error.
    """
    table = pa.Table.from_pandas(timeseries, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), KEY_FIELD: key.encode()}
    )
    temporary = path.parent / f".{path.stem}-{os.getpid()}.tmp"
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_checked(
    path: Path,
    key: str,
    columns: Sequence[str],
    steps: int,
    replicate: int,
    recorded_steps: Sequence[int] | None = None,
) -> tuple[pd.DataFrame | None, str | None]:
    """``(timeseries, None)`` for a sound stored run, ``(None, problem)`` otherwise: its
    key, columns and replicate, and one row for each step of 0..``steps``, or of
    ``recorded_steps`` within them when the run kept only those."""
    if recorded_steps is None:
        expected_steps = np.arange(steps + 1)
    else:
        expected_steps = np.array(sorted({s for s in recorded_steps if 0 <= s <= steps}))
    try:
        table = pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        return None, f"unreadable ({type(exc).__name__}: {str(exc)[:120]})"
    stored_key = (table.schema.metadata or {}).get(KEY_FIELD, b"").decode(errors="replace")
    if stored_key != key:
        return None, f"it belongs to run {stored_key[:12] or '(none)'}, not {key[:12]}"
    if table.column_names != list(columns):
        return None, "its columns are not the timeseries columns"
    if table.num_rows != expected_steps.size:
        return None, f"{table.num_rows} rows instead of {expected_steps.size}"
    try:
        frame = table.to_pandas()
    except (ValueError, pa.ArrowException) as exc:
        return None, f"unreadable ({type(exc).__name__}: {str(exc)[:120]})"
    if not np.array_equal(frame["step"].to_numpy(), expected_steps):
        if recorded_steps is None:
            return None, "its steps are not 0.." + str(steps)
        return None, "its steps are not the recorded steps"
    if not (frame["replicate"].to_numpy() == replicate).all():
        return None, f"it is not replicate {replicate}"
    return frame, None
