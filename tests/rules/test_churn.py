"""Tests for trustsim.rules.churn: the trust-driven hazard (per year) and the exits after
unresolved failures and wrongful denials."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.churn import churn_hazard, leave_probability

unit = st.floats(0.0, 1.0)
rates = st.floats(0.0, 50.0)
steepness = st.floats(1e-3, 1.0)

# default-like parameters (see trustsim.scenario.Churn), hazards per year
BASE, DISTRUST, THRESHOLD, STEEP = 0.03, 3.0, 0.4, 0.05


def hazard(trust):
    return churn_hazard(trust, BASE, DISTRUST, THRESHOLD, STEEP)


@given(trust=unit, base=rates, distrust=rates, threshold=unit, steep=steepness)
def test_hazard_between_base_and_base_plus_distrust(trust, base, distrust, threshold, steep):
    h = churn_hazard(trust, base, distrust, threshold, steep)
    assert base - 1e-12 <= h <= base + distrust + 1e-12


@given(t1=unit, t2=unit, base=rates, distrust=rates, threshold=unit, steep=steepness)
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
    assert hazard(1.0) == pytest.approx(BASE, abs=1e-4)
    assert hazard(0.0) == pytest.approx(BASE + DISTRUST, rel=1e-3)


def test_hazard_scalar_matches_array(elementwise):
    elementwise(
        churn_hazard,
        {"overall_trust": np.linspace(0.0, 1.0, 101)},
        base_rate_per_year=BASE,
        distrust_rate_per_year=DISTRUST,
        distrust_threshold=THRESHOLD,
        steepness=STEEP,
    )


def test_hazard_extreme_steepness_does_not_overflow():
    with np.errstate(all="raise"):
        h = churn_hazard(np.array([0.0, 0.4, 1.0]), BASE, DISTRUST, THRESHOLD, 1e-6)
    assert np.all(np.isfinite(h))


# --- leave_probability ----------------------------------------------------------------------


@given(h=rates, unresolved=st.booleans(), exit_chance=unit, denied=st.booleans(), denial=unit)
def test_leave_probability_bounds(h, unresolved, exit_chance, denied, denial):
    p = leave_probability(h, unresolved, exit_chance, denied, denial)
    assert 0.0 <= p <= 1.0
    assert p >= -math.expm1(-h / 365.0) - 1e-15


def test_leave_probability_converts_a_yearly_hazard_to_one_day():
    # a hazard of 0.1 per year: 1 - exp(-0.1 / 365) per day, ~9.5% over 365 days
    day = leave_probability(0.1, False, 0.5)
    assert day == pytest.approx(-math.expm1(-0.1 / 365))
    assert 1 - (1 - day) ** 365 == pytest.approx(1 - math.exp(-0.1))


def test_leave_probability_combines_independent_exits():
    stay_hazard = math.exp(-3.65 / 365)
    assert leave_probability(3.65, True, 0.2) == pytest.approx(1 - stay_hazard * 0.8)
    assert leave_probability(0.0, True, 0.05) == pytest.approx(0.05)
    assert leave_probability(0.0, False, 0.05, True, 0.3) == pytest.approx(0.3)
    assert leave_probability(0.0, True, 0.05, True, 0.3) == pytest.approx(1 - 0.95 * 0.7)


def test_leave_probability_scalar_matches_array(elementwise):
    rng = np.random.default_rng(30)
    elementwise(
        leave_probability,
        {
            "hazard_per_year": rng.random(100) * 3.0,
            "unresolved_failure": rng.random(100) < 0.5,
            "wrongful_denial": rng.random(100) < 0.3,
        },
        unresolved_exit=0.05,
        wrongful_denial_exit=0.3,
    )
