"""Tests for trustsim.rules.interactions: touchpoints and promises kept or broken."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import EDGE_DRAWS, EDGE_UNIT, around, grid
from trustsim.rules.interactions import promise_outcomes

unit = st.floats(0.0, 1.0)
draw = st.floats(0.0, 1.0, exclude_max=True)


def test_compiled_equals_python(elementwise):
    rng = np.random.default_rng(1)
    n = 200
    kept, broken = elementwise(
        promise_outcomes,
        {
            "touch_draw": rng.random(n),
            "keep_draw": rng.random(n),
            "interaction_rate": rng.random(n),
            "promise_reliability": rng.random(n),
            "outage": rng.random(n) < 0.2,
        },
    )
    assert not (kept & broken).any()


def test_compiled_equals_python_at_the_thresholds(elementwise):
    # draws equal to a rate, and one ulp either side of it
    rates = (0.0, 0.3, 0.9, 1.0)
    kept, broken = elementwise(
        promise_outcomes,
        grid(
            touch_draw=(*EDGE_DRAWS, *around(*rates[1:3])),
            keep_draw=(*EDGE_DRAWS, *around(*rates[1:3])),
            interaction_rate=(*rates, *EDGE_UNIT),
            promise_reliability=rates,
            outage=(False, True),
        ),
    )
    assert not (kept & broken).any()


def test_a_draw_at_the_rate_is_no_touchpoint_and_a_broken_promise():
    below, at, above = around(0.3)
    assert promise_outcomes(below, 0.0, 0.3, 1.0) == (True, False)
    assert promise_outcomes(at, 0.0, 0.3, 1.0) == (False, False)
    assert promise_outcomes(above, 0.0, 0.3, 1.0) == (False, False)
    assert promise_outcomes(0.0, below, 1.0, 0.3) == (True, False)
    assert promise_outcomes(0.0, at, 1.0, 0.3) == (False, True)
    assert promise_outcomes(0.0, above, 1.0, 0.3) == (False, True)


def test_scalar_parameters_over_many_draws(elementwise):
    rng = np.random.default_rng(2)
    touch, keep = rng.random(1000), rng.random(1000)
    kept, broken = elementwise(
        promise_outcomes,
        {"touch_draw": touch, "keep_draw": keep},
        interaction_rate=0.3,
        promise_reliability=0.9,
    )
    assert kept.shape == broken.shape == (1000,)
    np.testing.assert_array_equal(kept | broken, touch < 0.3)
    np.testing.assert_array_equal(broken, (touch < 0.3) & (keep >= 0.9))


@settings(deadline=None)  # the first call may compile the rule
@given(touch=draw, keep=draw, rate=unit, reliability=unit, outage=st.booleans())
def test_kept_and_broken_exclusive_and_cover_touchpoints(touch, keep, rate, reliability, outage):
    kept, broken = promise_outcomes(touch, keep, rate, reliability, outage)
    assert not (kept and broken)
    assert bool(kept or broken) == (touch < rate)


def test_no_touchpoint_gives_neither():
    kept, broken = promise_outcomes(0.5, 0.0, 0.5, 1.0, outage=True)
    assert not kept and not broken


def test_outage_breaks_every_promise(elementwise):
    draws = np.linspace(0.0, 0.99, 100)
    kept, broken = elementwise(
        promise_outcomes,
        {"keep_draw": draws},
        touch_draw=0.0,
        interaction_rate=1.0,
        promise_reliability=1.0,
        outage=True,
    )
    assert not kept.any()
    assert broken.all()


def test_outage_can_be_per_customer(elementwise):
    outage = np.array([True, False, True, False])
    kept, broken = elementwise(
        promise_outcomes,
        {"outage": outage},
        touch_draw=0.0,
        keep_draw=0.0,
        interaction_rate=1.0,
        promise_reliability=1.0,
    )
    np.testing.assert_array_equal(broken, outage)
    np.testing.assert_array_equal(kept, ~outage)


@pytest.mark.parametrize(("reliability", "all_kept"), [(1.0, True), (0.0, False)])
def test_reliability_extremes(elementwise, reliability, all_kept):
    keep = np.array([*np.linspace(0.0, 0.999, 50), *EDGE_DRAWS])
    kept, broken = elementwise(
        promise_outcomes,
        {"keep_draw": keep},
        touch_draw=0.0,
        interaction_rate=1.0,
        promise_reliability=reliability,
    )
    assert kept.all() == all_kept
    assert broken.all() == (not all_kept)


def test_frequencies_match_rates():
    n = 200_000
    rng = np.random.default_rng(0)
    rate, reliability = 0.3, 0.8
    kept, broken = np.vectorize(promise_outcomes, otypes=[bool, bool])(
        rng.random(n), rng.random(n), rate, reliability
    )
    for share, p in ((kept.mean(), rate * reliability), (broken.mean(), rate * (1 - reliability))):
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)
