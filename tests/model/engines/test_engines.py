"""The agents and vectorized engines agree in distribution on every shipped scenario.

Both engines call the same rules; they draw their random numbers in a different order, so
single runs differ but the distributions must not. For each scenario in ``scenarios/`` we
run R = 30 replicates per engine on a reduced population and horizon (80 people, 50
steps: the agents engine manages about 6,000 customer-steps per second) and compare the
mean trajectories of trust_mean, active and profit at checkpoints. The difference of the
two means is compared with its standard error sqrt(se_a^2 + se_v^2); with K comparisons
per scenario the bound is
the two-sided normal quantile at a family-wise error rate of 1% (Bonferroni), i.e.
z = Phi^-1(1 - 0.01 / (2K)). The seeds are fixed, so the test is deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trustsim.experiments.file import load_experiment
from trustsim.experiments.replicates import simulate
from trustsim.scenario.loading import with_overrides
from trustsim.scenario.schema import Scenario

SCENARIO_FILES = sorted((Path(__file__).resolve().parents[3] / "scenarios").glob("*.yaml"))
REPLICATES = 30
CUSTOMERS = 80
STEPS = 50
CHECKPOINTS = list(range(10, STEPS + 1, 10))
METRICS = ("trust_mean", "active", "profit")
FAMILY_ERROR = 0.01


def reduced(scenario: Scenario, engine: str) -> Scenario:
    """The scenario at test size; scripted events keep their steps if they fall inside."""
    return with_overrides(
        scenario,
        {
            "engine": engine,
            "replicates": REPLICATES,
            "steps": STEPS,
            "population.customers": CUSTOMERS,
        },
    )


def checkpoint_values(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """Replicates x checkpoints matrix of one metric."""
    table = frame.pivot(index="replicate", columns="step", values=metric)
    return table[CHECKPOINTS].to_numpy(dtype=float)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_engines_agree_in_distribution(path: Path) -> None:
    scenario = load_experiment(path)
    agents = simulate(reduced(scenario, "agents"))
    vectorized = simulate(reduced(scenario, "vectorized"))
    comparisons = len(METRICS) * len(CHECKPOINTS)
    bound = float(stats.norm.ppf(1 - FAMILY_ERROR / (2 * comparisons)))
    for metric in METRICS:
        a = checkpoint_values(agents, metric)
        v = checkpoint_values(vectorized, metric)
        difference = a.mean(axis=0) - v.mean(axis=0)
        standard_error = np.sqrt(
            a.var(axis=0, ddof=1) / REPLICATES + v.var(axis=0, ddof=1) / REPLICATES
        )
        z = np.abs(difference) / np.where(standard_error > 0, standard_error, np.inf)
        exact = (standard_error == 0) & (difference == 0)
        assert ((z < bound) | exact).all(), (
            f"{path.name}: {metric} differs between engines at steps "
            f"{[s for s, ok in zip(CHECKPOINTS, (z < bound) | exact, strict=True) if not ok]}: "
            f"z = {np.round(z, 2).tolist()} (bound {bound:.2f})"
        )


def test_the_test_can_tell_engines_apart_when_they_differ() -> None:
    """A real difference (promise reliability 0.95 vs 0.6) is detected with this design."""
    scenario = load_experiment(SCENARIO_FILES[0])
    good = simulate(reduced(scenario, "vectorized"))
    bad = simulate(
        with_overrides(reduced(scenario, "vectorized"), {"firm.promise_reliability": 0.6})
    )
    a, v = checkpoint_values(good, "trust_mean"), checkpoint_values(bad, "trust_mean")
    se = np.sqrt(a.var(axis=0, ddof=1) / REPLICATES + v.var(axis=0, ddof=1) / REPLICATES)
    z = np.abs(a.mean(axis=0) - v.mean(axis=0)) / se
    bound = float(stats.norm.ppf(1 - FAMILY_ERROR / (2 * len(METRICS) * len(CHECKPOINTS))))
    assert (z > bound).any()
