"""The agents and vectorized engines give identical numbers, on any number of threads.

Both engines call the same compiled per-customer functions (:mod:`trustsim.model.phases`)
with the same counter-based draws, so every timeseries column must be equal, bit for bit:
the agents engine (one Mesa agent at a time, from Python), the vectorized engine's serial
loops (small populations) and its parallel loops on one and on two threads. Checked for
every scenario in ``scenarios/`` at a reduced population, over a horizon long enough for
their scripted events, and for a stress scenario where every mechanism is busy, on every
kind of network, and for a population of several of the vectorized engine's batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from trustsim import compiled
from trustsim.compiled import set_threads, threads
from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.model.engines.vectorized import DECIDE_BATCH
from trustsim.model.model import TrustModel
from trustsim.rules import trust
from trustsim.scenario.loading import scenario_from_dict, with_overrides
from trustsim.scenario.schema import Scenario

SCENARIO_FILES = sorted((Path(__file__).resolve().parents[3] / "scenarios").glob("*.yaml"))
CUSTOMERS = 150
#: Long enough for every scripted event of the shipped scenarios (the latest starts at day
#: 90 and policy changes ramp over weeks).
MAX_STEPS = 200
REPLICATES = 2


@contextmanager
def thread_count(count: int) -> Iterator[None]:
    """Run the compiled parallel loops on ``count`` threads, then restore the setting."""
    before = threads()
    set_threads(count)
    try:
        yield
    finally:
        set_threads(before)


@contextmanager
def parallel_loops() -> Iterator[None]:
    """Make the vectorized engine use its parallel loops whatever the population size
    (they start at PARALLEL_MIN_ITEMS customers)."""
    before = compiled.PARALLEL_MIN_ITEMS
    compiled.PARALLEL_MIN_ITEMS = 0
    try:
        yield
    finally:
        compiled.PARALLEL_MIN_ITEMS = before


def three_ways(scenario: Scenario) -> dict[str, pd.DataFrame]:
    """The timeseries of the agents engine, of the vectorized engine's serial loops, and of
    its parallel loops on 1 and 2 threads."""
    runs = {}
    with thread_count(1):
        runs["agents"] = simulate(with_overrides(scenario, {"engine": "agents"}))
        runs["vectorized, serial loops"] = simulate(
            with_overrides(scenario, {"engine": "vectorized"})
        )
        with parallel_loops():
            runs["vectorized, parallel loops on 1 thread"] = simulate(
                with_overrides(scenario, {"engine": "vectorized"})
            )
    with thread_count(2), parallel_loops():
        runs["vectorized, parallel loops on 2 threads"] = simulate(
            with_overrides(scenario, {"engine": "vectorized"})
        )
    return runs


def assert_identical(runs: dict[str, pd.DataFrame], what: str) -> None:
    (reference_name, reference), *others = runs.items()
    for name, frame in others:
        differing = [c for c in reference.columns if not reference[c].equals(frame[c])]
        assert not differing, f"{what}: {name} differs from {reference_name} in {differing}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_engines_and_thread_counts_give_identical_timeseries(path: Path) -> None:
    scenario = load_experiment(path)
    reduced = with_overrides(
        scenario,
        {
            "replicates": REPLICATES,
            "steps": min(scenario.steps, MAX_STEPS),
            "population.customers": CUSTOMERS,
        },
    )
    runs = three_ways(reduced)
    assert_identical(runs, path.name)
    frame = runs["agents"]
    # Not vacuous: the customers lived through events and changed state.
    assert frame[["failures", "complaints", "acquired"]].to_numpy().sum() > 0
    assert frame["trust_mean"].nunique() > 10


# --- a stress scenario where every mechanism is busy ----------------------------------------

STRESS: dict[str, Any] = {
    "name": "stress",
    "steps": 60,
    "replicates": 2,
    "seed": 4242,
    "population": {
        "customers": 120,
        "initial_active_share": 0.6,
        "segments": [
            {
                "interaction_rate": 0.5,
                "honest_share": 0.7,
                "complaint_propensity": {"mean": 0.4, "sd": 0.1},
            }
        ],
    },
    "firm": {
        "promise_reliability": 0.9,
        "verification_strictness": 0.6,
        "data_protection": 0.97,
        "service_recovery": 0.5,
        "channel_simplicity": 0.7,
    },
    "claims": {"money_problems_per_year": 20.0, "false_claims_per_year": 20.0},
    "trust": {"relaxation_half_life_days": 60.0},
    "wom": {"talk_rate_per_year": 60.0, "bad_experience_tell": 0.8},
    "churn": {"base_rate_per_year": 2.0, "unresolved_failure_exit": 0.05},
    "acquisition": {"innovation_per_year": 3.0, "imitation_per_year": 10.0},
    "events": [
        {"type": "data_breach", "at": 20, "affected_share": 0.5},
        {"type": "outage", "from": 30, "until": 33},
        {"type": "campaign", "from": 40, "until": 45, "multiplier": 3.0},
    ],
}

NETWORKS: dict[str, dict[str, Any]] = {
    "complete": {"kind": "complete"},
    "erdos_renyi": {"kind": "erdos_renyi", "mean_degree": 6},
    "small_world": {"kind": "small_world", "mean_degree": 6, "rewiring": 0.2},
    "scale_free": {"kind": "scale_free", "mean_degree": 6},
}


@pytest.mark.parametrize("network", NETWORKS, ids=str)
def test_engines_agree_exactly_under_stress_on_every_network(network: str) -> None:
    scenario = scenario_from_dict({**STRESS, "network": NETWORKS[network]})
    runs = three_ways(scenario)
    assert_identical(runs, f"stress on {network}")
    frame = runs["agents"]
    for busy in ("claims_checked", "recoveries_poor", "customers_leaked", "wom_negative"):
        assert frame[busy].sum() > 0, busy


def test_engines_agree_exactly_across_the_batches_of_phase_one() -> None:
    """The vectorized engine computes the base draws of ``DECIDE_BATCH`` people at a time
    (``vectorized.decide_batch``), the agents engine one person at a time. Two full batches
    and a partial one give identical timeseries. (The other engine tests stay within one
    batch. Giving the people from 600 on their touch word as their claim draw, in the
    vectorized engine only, fails this test.)"""
    population = {**STRESS["population"], "customers": 2 * DECIDE_BATCH + 137}
    scenario = scenario_from_dict(
        {
            **STRESS,
            "steps": 46,  # every scripted event of STRESS
            "replicates": 1,
            "population": population,
            "network": NETWORKS["small_world"],
        }
    )
    runs = three_ways(scenario)
    assert_identical(runs, "three batches")
    assert runs["agents"]["claims_checked"].sum() > 0


def test_the_comparison_sees_the_smallest_change_of_a_rate() -> None:
    """Companion: exact equality is sensitive to any change of a rule's input. A loss rate
    one part in 10^4 higher changes the timeseries."""
    scenario = scenario_from_dict({**STRESS, "network": NETWORKS["small_world"]})
    with thread_count(1):
        base = simulate(scenario)
        changed = simulate(with_overrides(scenario, {"trust.loss_rate": 0.150015}))
    assert not base["trust_mean"].equals(changed["trust_mean"])


def test_a_state_set_from_outside_runs_identically_in_both_engines() -> None:
    """``Engine.set_trust`` (how the scar and repair experiments start a population from a
    chosen state) puts the same trust and scar into both engines and recomputes overall
    trust, so the engines go on identically from there."""
    scenario = scenario_from_dict({**STRESS, "replicates": 1, "network": NETWORKS["complete"]})
    size = STRESS["population"]["customers"]
    level = np.linspace(0.1, 0.9, size)
    scar = np.where(np.arange(size) % 2 == 1, 2.0, 0.0)
    # The sampled weights of the population (the same for both engines: same seed).
    population = TrustModel(scenario, engine="vectorized").engine.arrays
    expected = [
        trust.overall_trust(c, g, 0.3, wc, wg, wb)
        for c, g, wc, wg, wb in zip(
            level,
            level[::-1],
            population.weight_competence,
            population.weight_integrity,
            population.weight_benevolence,
            strict=True,
        )
    ]
    paths = {}
    for engine in ("agents", "vectorized"):
        model = TrustModel(scenario, engine=engine)
        before = model.engine.snapshot().overall.copy()
        model.engine.set_trust(level, level[::-1].copy(), np.full(size, 0.3), scar)
        snapshot = model.engine.snapshot()
        np.testing.assert_array_equal(snapshot.competence, level)
        np.testing.assert_array_equal(snapshot.benevolence, np.full(size, 0.3))
        np.testing.assert_array_equal(snapshot.overall, expected)
        assert not np.array_equal(before, snapshot.overall)
        scars = [model.engine.customer(index).scar for index in range(size)]
        np.testing.assert_array_equal(scars, scar)
        path = []
        for _ in range(20):
            model.step()
            path.append(model.engine.snapshot().overall.copy())
        paths[engine] = np.array(path)
    np.testing.assert_array_equal(paths["agents"], paths["vectorized"])
