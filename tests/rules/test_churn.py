"""Tests for trustsim.rules.churn: the trust-driven hazard and exits after unresolved failures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.churn import churn_hazard, leave_probability

unit = st.floats(0.0, 1.0)
steepness = st.floats(1e-3, 1.0)

# default-like parameters (see trustsim.scenario.Churn)
BASE, DISTRUST, THRESHOLD, STEEP = 0.0005, 0.006, 0.4, 0.05


def hazard(trust):
    return churn_hazard(trust, BASE, DISTRUST, THRESHOLD, STEEP)


@given(trust=unit, base=unit, distrust=unit, threshold=unit, steep=steepness)
def test_hazard_in_unit_interval(trust, base, distrust, threshold, steep):
    assert 0.0 <= churn_hazard(trust, base, distrust, threshold, steep) <= 1.0


@given(t1=unit, t2=unit, base=unit, distrust=unit, threshold=unit, steep=steepness)
def test_hazard_decreases_as_trust_rises(t1, t2, base, distrust, threshold, steep):
    t1, t2 = sorted((t1, t2))
    assert churn_hazard(t1, base, distrust, threshold, steep) >= churn_hazard(
        t2, base, distrust, threshold, steep
    )


def test_hazard_strictly_decreasing_around_threshold():
    trust = np.linspace(0.2, 0.6, 41)
    assert np.all(np.diff(hazard(trust)) < 0)


def test_hazard_levels():
    assert hazard(THRESHOLD) == pytest.approx(BASE + DISTRUST / 2)
    assert hazard(1.0) == pytest.approx(BASE, abs=1e-6)
    assert hazard(0.0) == pytest.approx(BASE + DISTRUST, rel=1e-3)


def test_hazard_scalar_matches_array(elementwise):
    elementwise(
        churn_hazard,
        {"overall_trust": np.linspace(0.0, 1.0, 101)},
        base_rate=BASE,
        distrust_rate=DISTRUST,
        distrust_threshold=THRESHOLD,
        steepness=STEEP,
    )


def test_hazard_extreme_steepness_does_not_overflow():
    with np.errstate(all="raise"):
        h = churn_hazard(np.array([0.0, 0.4, 1.0]), BASE, DISTRUST, THRESHOLD, 1e-6)
    assert np.all(np.isfinite(h))


# --- leave_probability ----------------------------------------------------------------------


@given(h=unit, unresolved=st.booleans(), exit_chance=unit)
def test_leave_probability_bounds(h, unresolved, exit_chance):
    p = leave_probability(h, unresolved, exit_chance)
    assert 0.0 <= p <= 1.0
    assert p >= h - 1e-15


@given(h=unit, exit_chance=unit)
def test_leave_probability_is_hazard_without_unresolved_failure(h, exit_chance):
    assert leave_probability(h, False, exit_chance) == pytest.approx(h, abs=1e-15)


def test_leave_probability_combines_independent_exits():
    assert leave_probability(0.1, True, 0.2) == pytest.approx(1 - 0.9 * 0.8)
    assert leave_probability(0.0, True, 0.05) == pytest.approx(0.05)


def test_leave_probability_scalar_matches_array(elementwise):
    rng = np.random.default_rng(30)
    elementwise(
        leave_probability,
        {"hazard": rng.random(100) * 0.1, "unresolved_failure": rng.random(100) < 0.5},
        unresolved_exit=0.05,
    )
