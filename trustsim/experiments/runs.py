"""The unit of work of every experiment: one replicate of one resolved scenario.

A run is identified by a stable key, the SHA-256 of the resolved model scenario (without
its replicate count; experiment blocks are not part of it), the replicate index, the
bytes of the files the scenario reads and the code that computes it (so an edited edge
list or an upgrade never serves an old result). Its
seed depends only on the scenario's root seed and the replicate index —
``SeedSequence(seed).spawn(R)[r]``, whose value does not depend on ``R`` — so a run's
result does not depend on the worker count, the order of execution or the executor,
and two variants of a comparison share their random numbers (common random numbers).

Finished runs are kept in a :class:`~trustsim.experiments.store.RunStore` as they complete;
a batch computes only the runs the store lacks, which makes every experiment resumable
after Ctrl-C or a kill. A stored file is checked before it is reused; one that is not
sound (truncated, empty, another run's, foreign) is computed again with a warning.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from tqdm import tqdm

from trustsim.errors import OutputFailed, StoredRunWarning, os_problem
from trustsim.experiments.code_fingerprint import code_fingerprint
from trustsim.experiments.executors import Executor
from trustsim.experiments.replicates import run_replicate
from trustsim.experiments.store import RunStore
from trustsim.scenario.schema import Scenario


def run_key(
    scenario: Scenario, replicate: int, recorded_steps: tuple[int, ...] | None = None
) -> str:
    """Stable identity of replicate ``replicate`` of ``scenario`` (64 hex characters).

    Only the model's scenario counts (:func:`model_scenario`): experiment blocks and the
    replicate count never change what one run computes. The key also covers the bytes of
    the files the scenario reads, as recorded when it was validated, the code that
    computes it (:mod:`trustsim.experiments.code_fingerprint`) and, for a run that keeps
    only some steps' rows, those steps (a run that keeps every row has the key it had
    before such runs existed).
    """
    data = model_scenario(scenario).resolved_dict()
    data.pop("replicates", None)
    identity: dict[str, Any] = {
        "scenario": data,
        "replicate": replicate,
        "input_files": scenario.input_files(),
        "code": code_fingerprint(),
    }
    if recorded_steps is not None:
        identity["recorded_steps"] = list(recorded_steps)
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def model_scenario(scenario: Scenario) -> Scenario:
    """The model's scenario of an experiment file: its fields of the model schema only.

    The experiment file's schema extends :class:`Scenario`; the runs see exactly the
    fields the model reads, so a run's identity never depends on experiment blocks.
    """
    if type(scenario) is Scenario:
        return scenario
    values = {name: getattr(scenario, name) for name in Scenario.model_fields}
    model = Scenario.model_construct(**values)
    model._input_files = scenario.input_files()  # the bytes that were validated
    return model


@dataclass(frozen=True)
class RunSpec:
    """One run: a resolved model scenario, a replicate index and the steps whose rows it
    keeps (None: every step; sorted, see :class:`~trustsim.model.model.TrustModel`)."""

    scenario: Scenario
    replicate: int
    recorded_steps: tuple[int, ...] | None = None

    @property
    def key(self) -> str:
        """The run's stable key (see :func:`run_key`)."""
        return run_key(self.scenario, self.replicate, self.recorded_steps)


def make_spec(
    scenario: Scenario, replicate: int, recorded_steps: Collection[int] | None = None
) -> RunSpec:
    """The run of replicate ``replicate`` of ``scenario`` (an experiment file or a model
    scenario), keeping the rows of ``recorded_steps`` only (None: every step)."""
    steps = None if recorded_steps is None else tuple(sorted(set(recorded_steps)))
    return RunSpec(model_scenario(scenario), replicate, steps)


def execute(spec: RunSpec) -> pd.DataFrame:
    """Simulate one run and return its tidy timeseries (one row per step, step 0 included).

    Module-level and free of side effects so that process pools and Dask workers can run it.

    Raises:
        ScenarioError: a file the scenario reads changed since it was validated (the run's
            key describes the old bytes).
    """
    spec.scenario.check_inputs_unchanged()
    return run_replicate(spec.scenario, spec.replicate, recorded_steps=spec.recorded_steps)


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
    executor: Executor,
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
    unusable: list[str] = []
    for key, spec in unique:
        stored, problem = (
            store.load_checked(key, spec.scenario.steps, spec.replicate, spec.recorded_steps)
            if store is not None and store.has(key)
            else (None, None)
        )
        if stored is not None:
            results[key] = stored
        else:
            missing.append((key, spec))
            if problem is not None:
                unusable.append(f"{key[:12]}: {problem}")
    if unusable and store is not None:
        warnings.warn(
            f"{len(unusable)} stored run(s) in {store.folder} cannot be used and are computed "
            f"again: {'; '.join(unusable[:5])}{'; ...' if len(unusable) > 5 else ''}",
            StoredRunWarning,
            stacklevel=2,
        )
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
                try:
                    store.save(key, timeseries)
                except OSError as exc:
                    raise OutputFailed(
                        f"cannot store a finished run in {store.folder}: {os_problem(exc)}; "
                        "the runs stored so far are kept: run the same command again, once "
                        "the problem is solved, to compute only the missing ones"
                    ) from None
            results[key] = timeseries
            bar.update(1)
    return BatchOutcome(results, computed=len(missing), reused=reused)


def _as_completed(
    executor: Executor, missing: list[tuple[str, RunSpec]]
) -> Iterator[tuple[str, pd.DataFrame]]:
    yield from executor.map_unordered(execute, missing)


def batch_table(specs: Sequence[RunSpec], outcome: BatchOutcome) -> pd.DataFrame:
    """The timeseries of ``specs`` concatenated in the order given."""
    return pd.concat([outcome.results[spec.key] for spec in specs], ignore_index=True)
