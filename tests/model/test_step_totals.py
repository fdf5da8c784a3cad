"""The step's totals in one compiled pass (trustsim/model/step_totals.py) against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from trustsim.model.engines.base import Snapshot
from trustsim.model.phases import EVENT_BITS, count_bits
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT
from trustsim.model.step_totals import CHUNK, StepTotals, step_totals

PROMOTER, DETRACTOR = 0.7, 0.4


def _population(size: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    events = np.where(rng.random(size) < 0.1, rng.integers(0, 1 << len(EVENT_BITS), size), 0)
    return {
        "state": rng.choice(np.array([PROSPECT, ACTIVE, CHURNED], dtype=np.int8), size),
        "overall": rng.random(size),
        "competence": rng.random(size),
        "integrity": rng.random(size),
        "benevolence": rng.random(size),
        "value_per_step": rng.gamma(2.0, 3.0, size),
        "events": events.astype(np.int64),
    }


def _totals(arrays: dict[str, np.ndarray]) -> StepTotals:
    customers = {name: value for name, value in arrays.items() if name != "events"}
    return step_totals(Snapshot(**customers), arrays["events"], PROMOTER, DETRACTOR)


@pytest.mark.parametrize("size", [1, 17, CHUNK, 3 * CHUNK + 17])
def test_totals_equal_numpy(size: int) -> None:
    arrays = _population(size, seed=size)
    totals = _totals(arrays)
    state, overall = arrays["state"], arrays["overall"]
    active = state == ACTIVE
    assert (totals.prospects, totals.active, totals.churned) == (
        np.count_nonzero(state == PROSPECT),
        np.count_nonzero(active),
        np.count_nonzero(state == CHURNED),
    )
    assert totals.promoters == np.count_nonzero(active & (overall >= PROMOTER))
    assert totals.detractors == np.count_nonzero(active & (overall < DETRACTOR))
    for name in ("overall", "competence", "integrity", "benevolence", "value_per_step"):
        expected = arrays[name][active].sum()
        assert totals.active_sums[name] == pytest.approx(expected, rel=1e-13, abs=1e-300)
    bits = count_bits(arrays["events"])
    assert totals.event_counts == {name: int(bits[k]) for k, name in enumerate(EVENT_BITS)}


def test_sums_are_added_chunk_by_chunk_in_index_order() -> None:
    """The fixed order of every sum (the order the vectorized engine also adds people in
    while it settles them, on any thread count: tests/model/engines/test_vectorized.py):
    each chunk in index order, then the chunks in order; not NumPy's pairwise order."""
    arrays = _population(5 * CHUNK + 3, seed=1)
    one = _totals(arrays)
    active = arrays["state"] == ACTIVE
    chunked = 0.0
    for first in range(0, active.size, CHUNK):
        part = 0.0
        for value in arrays["overall"][first : first + CHUNK][active[first : first + CHUNK]]:
            part += float(value)
        chunked += part
    assert one.active_sums["overall"] == chunked
