"""Tests for trustsim.rules.calendar: rates per year and half-lives converted to one step."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import EDGE_NON_NEGATIVE, EDGE_UNIT, around
from trustsim.rules.calendar import (
    DAYS_PER_STEP,
    DAYS_PER_YEAR,
    probability_per_step,
    rate_per_step,
    rate_per_year_from_annual_share,
    share_per_step,
)


def test_one_step_is_one_day():
    assert DAYS_PER_STEP == 1.0
    assert DAYS_PER_YEAR == 365.0


def test_rate_per_step_divides_by_the_days_of_a_year():
    assert rate_per_step(0.38) == pytest.approx(0.38 / 365)
    assert rate_per_step(0.38, days_per_step=7.0) == pytest.approx(0.38 * 7 / 365)


@settings(deadline=None)  # the first call may compile the rule
@given(rate=st.floats(0.0, 1e4))
def test_probability_per_step_is_a_probability_below_the_rate(rate):
    p = probability_per_step(rate)
    assert 0.0 <= p <= 1.0
    assert p <= rate / 365 + 1e-15


def test_a_year_of_daily_probabilities_compounds_to_the_annual_share():
    annual_share = 0.10
    rate = rate_per_year_from_annual_share(annual_share)
    assert rate == pytest.approx(-math.log(0.9))
    stay_a_year = (1 - probability_per_step(rate)) ** 365
    assert 1 - stay_a_year == pytest.approx(annual_share)


@pytest.mark.parametrize("half_life", [1.0, 30.0, 365.0])
def test_half_life_halves_a_gap(half_life):
    share = share_per_step(half_life)
    assert (1 - share) ** half_life == pytest.approx(0.5)


def test_zero_half_life_means_no_relaxation():
    assert share_per_step(0.0) == 0.0


def test_negative_half_life_means_no_relaxation_too():
    assert share_per_step(-5e-324) == 0.0
    assert share_per_step(5e-324) == 1.0  # the shortest half-life closes the whole gap


@pytest.mark.parametrize("days", [1.0, 7.0])
def test_share_per_step_compiled_equals_python(elementwise, days):
    half_lives = (*around(0.0), 1e-300, 0.5, 1.0, 30.0, 90.0, 365.0, 1e6, 1e300, math.inf)
    share = elementwise(share_per_step, {"half_life_days": half_lives}, days_per_step=days)
    assert np.all((share >= 0.0) & (share <= 1.0))
    assert np.all(np.diff(share[2:]) <= 0)  # longer half-lives close less of the gap


@pytest.mark.parametrize("days", [1.0, 7.0])
def test_rates_per_step_compiled_equal_python(elementwise, days):
    rates = sorted((*EDGE_NON_NEGATIVE, *around(365.0), 1e300))
    per_step = elementwise(rate_per_step, {"rate_per_year": rates}, days_per_step=days)
    np.testing.assert_allclose(per_step, np.asarray(rates) * days / 365, rtol=1e-15)
    probability = elementwise(probability_per_step, {"rate_per_year": rates}, days_per_step=days)
    assert np.all((probability >= 0.0) & (probability <= 1.0))
    assert np.all(np.diff(probability) >= 0)
    assert probability[0] == 0.0 and probability[-1] == 1.0


def test_rate_from_annual_share_compiled_equals_python(elementwise):
    # shares in [0, 1): a share of exactly 1 has no finite rate
    shares = sorted((*EDGE_UNIT[:-1], *around(0.1), 0.9))
    rate = elementwise(rate_per_year_from_annual_share, {"annual_share": shares})
    assert rate[0] == 0.0
    assert np.all(np.diff(rate) > 0)
