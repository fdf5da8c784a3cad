"""The unit of work of every experiment: one replicate of one resolved scenario.

A run is identified by a stable key, the SHA-256 of the resolved scenario (experiment
blocks and the replicate count removed) and the replicate index. Its seed depends only on
the scenario's root seed and the replicate index — ``SeedSequence(seed).spawn(R)[r]``,
whose value does not depend on ``R`` — so a run's result does not depend on the worker
count, the order of execution or the executor, and two variants of a comparison share
their random numbers (common random numbers).

Finished runs are kept in a :class:`RunStore` as they complete; a batch computes only the
runs the store lacks, which makes every experiment resumable after Ctrl-C or a kill.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from trustsim.experiments.executors import RunExecutor
from trustsim.experiments.replicates import run_replicate
from trustsim.scenario.schema import Scenario, load_scenario, with_overrides

#: Scenario fields that say how to run an experiment, not what one run computes.
EXPERIMENT_FIELDS: tuple[str, ...] = ("sweep", "variants", "sensitivity", "executor")
#: Folder of the run store inside a results folder.
STORE_DIR = ".runs"


def resolve(
    scenario: Scenario | str | Path, overrides: Mapping[str, Any] | None = None
) -> tuple[Scenario, str]:
    """A validated scenario (loaded from a file if a path is given) and how to name it in errors.

    Raises:
        ScenarioError: invalid file or override.
    """
    if isinstance(scenario, Scenario):
        resolved = with_overrides(scenario, overrides) if overrides else scenario
        return resolved, f"scenario {scenario.name!r}"
    return load_scenario(scenario, overrides), str(scenario)


def run_scenario(scenario: Scenario) -> Scenario:
    """The scenario of a single run: experiment blocks removed (not validated again)."""
    return scenario.model_copy(update=dict.fromkeys(EXPERIMENT_FIELDS))


def run_key(scenario: Scenario, replicate: int) -> str:
    """Stable identity of replicate ``replicate`` of ``scenario`` (64 hex characters)."""
    data = run_scenario(scenario).resolved_dict()
    for name in (*EXPERIMENT_FIELDS, "replicates"):
        data.pop(name, None)
    canonical = json.dumps(
        {"scenario": data, "replicate": replicate}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class RunSpec:
    """One run: a resolved scenario (without experiment blocks) and a replicate index."""

    scenario: Scenario
    replicate: int

    @property
    def key(self) -> str:
        """The run's stable key (see :func:`run_key`)."""
        return run_key(self.scenario, self.replicate)


def make_spec(scenario: Scenario, replicate: int) -> RunSpec:
    """A run of ``scenario``'s replicate ``replicate``, experiment blocks stripped."""
    return RunSpec(run_scenario(scenario), replicate)


def execute(spec: RunSpec) -> pd.DataFrame:
    """Simulate one run and return its tidy timeseries (one row per step, step 0 included).

    Module-level and free of side effects so that process pools and Dask workers can run it.
    """
    return run_replicate(spec.scenario, spec.replicate)


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


@dataclass
class BatchOutcome:
    """What :func:`run_batch` did: results by key, and how many runs it computed or reused."""

    results: dict[str, pd.DataFrame]
    computed: int
    reused: int


def _unique(specs: Sequence[RunSpec]) -> list[tuple[str, RunSpec]]:
    seen: dict[str, RunSpec] = {}
    for spec in specs:
        seen.setdefault(spec.key, spec)
    return list(seen.items())


def run_batch(
    specs: Sequence[RunSpec],
    executor: RunExecutor,
    store: RunStore | None,
    progress: bool = False,
    label: str = "runs",
) -> BatchOutcome:
    """Run every spec the store lacks; return every spec's timeseries by key.

    Each result is stored as soon as it arrives, so an interrupted batch loses only the
    runs in flight. Identical specs (same key) run once.

    Args:
        specs: the runs wanted.
        executor: where to compute the missing runs.
        store: finished runs (None: keep nothing on disk).
        progress: progress bar on stderr with runs done / total and time left.
        label: the progress bar's description.
    """
    unique = _unique(specs)
    results: dict[str, pd.DataFrame] = {}
    missing: list[tuple[str, RunSpec]] = []
    for key, spec in unique:
        if store is not None and store.has(key):
            results[key] = store.load(key)
        else:
            missing.append((key, spec))
    reused = len(results)
    with tqdm(
        total=len(unique),
        initial=reused,
        desc=label,
        unit="run",
        file=sys.stderr,
        disable=not progress,
        smoothing=0.1,
        delay=0.5,
    ) as bar:
        for key, timeseries in _as_completed(executor, missing):
            if store is not None:
                store.save(key, timeseries)
            results[key] = timeseries
            bar.update(1)
    return BatchOutcome(results, computed=len(missing), reused=reused)


def _as_completed(
    executor: RunExecutor, missing: list[tuple[str, RunSpec]]
) -> Iterator[tuple[str, pd.DataFrame]]:
    yield from executor.map_unordered(execute, missing)


def batch_table(specs: Sequence[RunSpec], outcome: BatchOutcome) -> pd.DataFrame:
    """The timeseries of ``specs`` concatenated in the order given."""
    return pd.concat([outcome.results[spec.key] for spec in specs], ignore_index=True)
