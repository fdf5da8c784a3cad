"""The run store: finished runs on disk, so that an interrupted experiment resumes.

Each run (one replicate of one resolved scenario, see :mod:`trustsim.experiments.runs`)
is kept as one Parquet file named by its key in ``<out>/.runs/``, written atomically as
soon as it finishes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

#: Folder of the run store inside a results folder.
STORE_DIR = ".runs"


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
        """True if the run ``key`` finished earlier."""
        return self.path(key).is_file()

    def load(self, key: str) -> pd.DataFrame:
        """The stored timeseries of run ``key``."""
        return pd.read_parquet(self.path(key))

    def save(self, key: str, timeseries: pd.DataFrame) -> None:
        """Store a run: write a hidden temporary file, then rename it (atomic)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{key}-{os.getpid()}.tmp"
        try:
            timeseries.to_parquet(temporary, index=False)
            os.replace(temporary, self.path(key))
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def keys(self) -> set[str]:
        """Keys of every stored run."""
        if not self.folder.is_dir():
            return set()
        return {path.stem for path in self.folder.glob("*.parquet")}


def store_for(out: Path) -> RunStore:
    """The run store of a results folder: ``out/.runs/``."""
    return RunStore(out / STORE_DIR)
