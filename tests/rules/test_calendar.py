"""Tests for trustsim.rules.calendar: rates per year and half-lives converted to one step."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def test_share_per_step_on_arrays(elementwise):
    elementwise(share_per_step, {"half_life_days": np.array([0.0, 1.0, 90.0, 365.0, 1e6])})
