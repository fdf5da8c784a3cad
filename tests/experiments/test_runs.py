"""The unit of work (trustsim/batch.py): run keys, seeds, the run store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trustsim.experiments.executors import SerialExecutor
from trustsim.experiments.file import experiment_from_dict
from trustsim.experiments.replicates import replicate_seed, replicate_seeds, simulate
from trustsim.experiments.runs import execute, make_spec, run_batch, run_key
from trustsim.experiments.store import RunStore
from trustsim.scenario.loading import with_overrides

BASE = {"name": "unit", "steps": 10, "replicates": 3, "population": {"customers": 80}}


def test_replicate_seed_does_not_depend_on_the_replicate_count() -> None:
    for r in range(4):
        expected = replicate_seeds(42, 4)[r]
        for count in (r + 1, 10):
            assert replicate_seeds(42, count)[r].generate_state(4).tolist() == (
                expected.generate_state(4).tolist()
            )
        assert np.array_equal(replicate_seed(42, r).generate_state(4), expected.generate_state(4))


def test_run_key_ignores_experiment_blocks_and_replicate_count() -> None:
    plain = experiment_from_dict(BASE)
    planned = experiment_from_dict(
        {**BASE, "replicates": 7, "sweep": {"steps": [1, 2]}, "executor": {"workers": 2}}
    )
    assert run_key(plain, 1) == run_key(planned, 1)
    assert run_key(plain, 0) != run_key(plain, 1)
    assert run_key(plain, 0) != run_key(with_overrides(plain, {"firm.transparency": 0.9}), 0)
    assert run_key(plain, 0) != run_key(with_overrides(plain, {"seed": 1}), 0)


def test_a_run_that_keeps_some_steps_keeps_exactly_those_rows_under_its_own_key(
    tmp_path: Path,
) -> None:
    """A calibration's proposals keep only the observed steps' rows (TrustModel's
    recorded_steps): the same rows as the full run's at those steps, to the last bit (the
    cumulative profit included), stored under a key of their own, while a full run keeps
    the key it always had."""
    scenario = experiment_from_dict({**BASE, "steps": 40})
    full = execute(make_spec(scenario, 1))
    steps = (7, 20, 40)
    lean_spec = make_spec(scenario, 1, recorded_steps=[40, 7, 20, 7])
    assert lean_spec.recorded_steps == steps  # sorted, once each
    lean = execute(lean_spec)
    expected = full[full["step"].isin(steps)].reset_index(drop=True)
    pd.testing.assert_frame_equal(lean, expected, check_exact=True)
    assert lean_spec.key != make_spec(scenario, 1).key
    assert make_spec(scenario, 1).key == run_key(scenario, 1)
    store = RunStore(tmp_path / "store")
    outcome = run_batch([make_spec(scenario, 1), lean_spec], SerialExecutor(), store)
    assert (outcome.computed, outcome.reused) == (2, 0)
    pd.testing.assert_frame_equal(store.load(lean_spec.key), expected, check_exact=True)
    again = run_batch([make_spec(scenario, 1), lean_spec], SerialExecutor(), store)
    assert (again.computed, again.reused) == (0, 2)  # the stored rows pass the store's checks
    pd.testing.assert_frame_equal(again.results[lean_spec.key], expected, check_exact=True)


def test_a_run_equals_the_same_replicate_of_simulate() -> None:
    scenario = experiment_from_dict(BASE)
    together = simulate(scenario)
    for r in range(3):
        alone = execute(make_spec(scenario, r))
        expected = together[together["replicate"] == r].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, expected)


def test_store_round_trips_exactly_and_batches_skip_stored_runs(tmp_path: Path) -> None:
    scenario = experiment_from_dict(BASE)
    specs = [make_spec(scenario, r) for r in range(3)]
    store = RunStore(tmp_path / "store")
    first = run_batch(specs[:2], SerialExecutor(), store)
    assert (first.computed, first.reused) == (2, 0)
    second = run_batch(specs + specs, SerialExecutor(), store)  # duplicates run once
    assert (second.computed, second.reused) == (1, 2)
    assert store.keys() == {spec.key for spec in specs}
    for spec in specs:
        pd.testing.assert_frame_equal(store.load(spec.key), execute(spec), check_exact=True)
    assert not [p for p in (tmp_path / "store").iterdir() if p.suffix != ".parquet"]
