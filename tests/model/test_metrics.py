"""Trust statistics of a step (trustsim/model/metrics.py) against NumPy on the snapshot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trustsim.model.engines.base import Snapshot
from trustsim.model.metrics import TRUST_SUMS, trust_means, trust_statistics
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT
from trustsim.model.step_totals import StepTotals, step_totals


def _snapshot(states: list[int], seed: int = 3) -> Snapshot:
    rng = np.random.default_rng(seed)
    size = len(states)
    return Snapshot(
        state=np.array(states, dtype=np.int8),
        competence=rng.random(size),
        integrity=rng.random(size),
        benevolence=rng.random(size),
        overall=rng.random(size),
        value_per_step=rng.gamma(2.0, 3.0, size),
    )


def _totals(snapshot: Snapshot) -> StepTotals:
    return step_totals(snapshot, np.zeros(snapshot.state.size, dtype=np.int64), 0.7, 0.4)


@pytest.mark.parametrize("active_share", [0.05, 0.7, 1.0])
def test_statistics_are_numpy_s_over_the_active(active_share: float) -> None:
    rng = np.random.default_rng(11)
    states = np.where(rng.random(20_000) < active_share, ACTIVE, PROSPECT).tolist()
    snapshot = _snapshot(states)
    active = snapshot.state == ACTIVE
    statistics = trust_statistics(_totals(snapshot), snapshot)
    selected = snapshot.overall[active]
    assert statistics["trust_mean"] == pytest.approx(selected.mean(), rel=1e-13)
    assert statistics["trust_integrity"] == pytest.approx(
        snapshot.integrity[active].mean(), rel=1e-13
    )
    # Percentiles are exact: numpy's linear method on the active customers, bit for bit.
    percentiles = [statistics[f"trust_p{percent}"] for percent in (10, 50, 90)]
    np.testing.assert_array_equal(percentiles, np.percentile(selected, [10, 50, 90]))


def test_with_nobody_active_the_statistics_are_over_everyone() -> None:
    snapshot = _snapshot([PROSPECT, CHURNED, PROSPECT, CHURNED, PROSPECT])
    statistics = trust_statistics(_totals(snapshot), snapshot)
    assert statistics["trust_mean"] == pytest.approx(snapshot.overall.mean(), rel=1e-15)
    assert statistics["trust_p50"] == float(np.median(snapshot.overall))
    assert not any(math.isnan(value) for value in statistics.values())


def test_means_stay_within_the_unit_interval_when_a_sum_rounds_beyond_it() -> None:
    """A sum one unit in the last place above the count (or below zero) gives a mean of
    exactly 1 (or 0), never a trust outside [0, 1]."""
    snapshot = _snapshot([ACTIVE] * 3)
    above, below = math.nextafter(3.0, math.inf), math.nextafter(0.0, -math.inf)
    sums = {name: above for name in TRUST_SUMS} | {"value_per_step": 1.0}
    sums["integrity"] = below
    totals = StepTotals(
        prospects=0,
        active=3,
        churned=0,
        promoters=0,
        detractors=0,
        active_sums=sums,
        event_counts={},
    )
    assert above / 3 > 1.0  # the unclamped mean would leave the interval
    means = trust_means(totals, snapshot)
    assert means["overall"] == means["competence"] == means["benevolence"] == 1.0
    assert means["integrity"] == 0.0
