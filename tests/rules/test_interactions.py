"""Tests for trustsim.rules.interactions: touchpoints and promises kept or broken."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.interactions import promise_outcomes

unit = st.floats(0.0, 1.0)
draw = st.floats(0.0, 1.0, exclude_max=True)


def test_scalar_matches_array(elementwise):
    rng = np.random.default_rng(1)
    n = 200
    elementwise(
        promise_outcomes,
        {
            "touch_draw": rng.random(n),
            "keep_draw": rng.random(n),
            "interaction_rate": rng.random(n),
            "promise_reliability": rng.random(n),
            "outage": rng.random(n) < 0.2,
        },
    )


def test_broadcasts_scalar_parameters_over_array_draws():
    rng = np.random.default_rng(2)
    touch, keep = rng.random(1000), rng.random(1000)
    kept, broken = promise_outcomes(touch, keep, 0.3, 0.9)
    assert kept.shape == broken.shape == (1000,)
    np.testing.assert_array_equal(kept | broken, touch < 0.3)
    np.testing.assert_array_equal(broken, (touch < 0.3) & (keep >= 0.9))


@given(touch=draw, keep=draw, rate=unit, reliability=unit, outage=st.booleans())
def test_kept_and_broken_exclusive_and_cover_touchpoints(touch, keep, rate, reliability, outage):
    kept, broken = promise_outcomes(touch, keep, rate, reliability, outage)
    assert not (kept and broken)
    assert bool(kept or broken) == (touch < rate)


def test_no_touchpoint_gives_neither():
    kept, broken = promise_outcomes(0.5, 0.0, 0.5, 1.0, outage=True)
    assert not kept and not broken


def test_outage_breaks_every_promise():
    draws = np.linspace(0.0, 0.99, 100)
    kept, broken = promise_outcomes(np.zeros(100), draws, 1.0, 1.0, outage=True)
    assert not kept.any()
    assert broken.all()


def test_outage_can_be_per_customer():
    outage = np.array([True, False, True, False])
    kept, broken = promise_outcomes(np.zeros(4), np.zeros(4), 1.0, 1.0, outage)
    np.testing.assert_array_equal(broken, outage)
    np.testing.assert_array_equal(kept, ~outage)


@pytest.mark.parametrize(("reliability", "all_kept"), [(1.0, True), (0.0, False)])
def test_reliability_extremes(reliability, all_kept):
    keep = np.linspace(0.0, 0.999, 50)
    kept, broken = promise_outcomes(np.zeros(50), keep, 1.0, reliability)
    assert kept.all() == all_kept
    assert broken.all() == (not all_kept)


def test_frequencies_match_rates():
    n = 200_000
    rng = np.random.default_rng(0)
    rate, reliability = 0.3, 0.8
    kept, broken = promise_outcomes(rng.random(n), rng.random(n), rate, reliability)
    for share, p in ((kept.mean(), rate * reliability), (broken.mean(), rate * (1 - reliability))):
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)
