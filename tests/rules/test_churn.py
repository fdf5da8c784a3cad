"""Tests for trustsim.rules.churn: the trust-driven hazard (per year) and the exits after
unresolved failures and wrongful denials."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import EDGE_NON_NEGATIVE, EDGE_UNIT, around, grid
from trustsim.rules.churn import churn_hazard, leave_probability

unit = st.floats(0.0, 1.0)
rates = st.floats(0.0, 50.0)
steepness = st.floats(1e-3, 1.0)

# default-like parameters (see trustsim.scenario.Churn), hazards per year
BASE, DISTRUST, THRESHOLD, STEEP = 0.03, 3.0, 0.4, 0.05


def hazard(trust):
    return churn_hazard(trust, BASE, DISTRUST, THRESHOLD, STEEP)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, base=rates, distrust=rates, threshold=unit, steep=steepness)
def test_hazard_between_base_and_base_plus_distrust(trust, base, distrust, threshold, steep):
    h = churn_hazard(trust, base, distrust, threshold, steep)
    assert base - 1e-12 <= h <= base + distrust + 1e-12


@settings(deadline=None)  # the first call may compile the rule
@given(t1=unit, t2=unit, base=rates, distrust=rates, threshold=unit, steep=steepness)
def test_hazard_decreases_as_trust_rises(t1, t2, base, distrust, threshold, steep):
    t1, t2 = sorted((t1, t2))
    assert churn_hazard(t1, base, distrust, threshold, steep) >= churn_hazard(
        t2, base, distrust, threshold, steep
    )


def test_hazard_strictly_decreasing_around_threshold(elementwise):
    trust = np.linspace(0.2, 0.6, 41)
    h = elementwise(
        churn_hazard,
        {"overall_trust": trust},
        base_rate_per_year=BASE,
        distrust_rate_per_year=DISTRUST,
        distrust_threshold=THRESHOLD,
        steepness=STEEP,
    )
    assert np.all(np.diff(h) < 0)


def test_hazard_levels():
    assert hazard(THRESHOLD) == pytest.approx(BASE + DISTRUST / 2)
    assert hazard(1.0) == pytest.approx(BASE, abs=1e-4)
    assert hazard(0.0) == pytest.approx(BASE + DISTRUST, rel=1e-3)


def test_hazard_compiled_equals_python(elementwise):
    # trust at the threshold and where the logistic's argument is clamped (z = +-50), each
    # one ulp either side
    clamp = 50 * STEEP
    trust = (*EDGE_UNIT, *around(THRESHOLD, THRESHOLD - clamp, THRESHOLD + clamp))
    elementwise(
        churn_hazard,
        grid(
            overall_trust=trust,
            base_rate_per_year=(0.0, BASE, 1e300),
            distrust_rate_per_year=(0.0, 5e-324, DISTRUST),
            distrust_threshold=(0.0, THRESHOLD, 1.0),
            steepness=(1e-300, STEEP, 1.0),
        ),
    )
    elementwise(
        churn_hazard,
        {"overall_trust": np.linspace(0.0, 1.0, 101)},
        base_rate_per_year=BASE,
        distrust_rate_per_year=DISTRUST,
        distrust_threshold=THRESHOLD,
        steepness=STEEP,
    )


@pytest.mark.parametrize("steep", [1e-6, 1e-300])
def test_hazard_extreme_steepness_does_not_overflow(elementwise, steep):
    # without the clamp, math.exp in the Python source raises OverflowError past z = 709
    # (the elementwise check runs it) and the compiled exp gives inf
    h = elementwise(
        churn_hazard,
        {"overall_trust": np.array([0.0, 0.4, 1.0])},
        base_rate_per_year=BASE,
        distrust_rate_per_year=DISTRUST,
        distrust_threshold=THRESHOLD,
        steepness=steep,
    )
    assert np.all(np.isfinite(h))
    np.testing.assert_allclose(h, [BASE + DISTRUST, BASE + DISTRUST / 2, BASE], rtol=1e-15)


# --- leave_probability ----------------------------------------------------------------------


@settings(deadline=None)  # the first call may compile the rule
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


def test_leave_probability_compiled_equals_python(elementwise):
    rng = np.random.default_rng(30)
    random = elementwise(
        leave_probability,
        {
            "hazard_per_year": rng.random(100) * 3.0,
            "unresolved_failure": rng.random(100) < 0.5,
            "wrongful_denial": rng.random(100) < 0.3,
        },
        unresolved_exit=0.05,
        wrongful_denial_exit=0.3,
    )
    assert np.all((random > 0.0) & (random < 1.0))
    edges = elementwise(
        leave_probability,
        grid(
            hazard_per_year=(*EDGE_NON_NEGATIVE, 1e300, math.inf),
            unresolved_failure=(False, True),
            unresolved_exit=EDGE_UNIT,
            wrongful_denial=(False, True),
            wrongful_denial_exit=EDGE_UNIT,
        ),
    )
    assert np.all((edges >= 0.0) & (edges <= 1.0))


def test_leave_probability_extremes():
    assert leave_probability(0.0, False, 1.0, False, 1.0) == 0.0  # no hazard, no event
    assert leave_probability(0.0, True, 1.0) == 1.0  # a certain exit
    assert leave_probability(0.0, False, 0.0, True, 1.0) == 1.0
    assert leave_probability(math.inf, False, 0.0) == 1.0  # an infinite hazard
    assert leave_probability(1e300, False, 0.0) == 1.0
