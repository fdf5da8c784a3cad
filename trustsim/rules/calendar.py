"""Calendar time: rates given per year in the scenario, converted to one step.

One step is one day (:data:`DAYS_PER_STEP`); a year has :data:`DAYS_PER_YEAR` days. Rates
in the scenario that name a year (``*_per_year``) are *hazard rates*: expected events per
person per year. Over one step a hazard rate ``r`` gives

* the rate per step ``r * DAYS_PER_STEP / DAYS_PER_YEAR`` (what the Bass integration of
  :mod:`trustsim.rules.acquisition` takes), and
* the probability of at least one event in the step, ``1 - exp(-r * days / 365)``.

A half-life ``H`` in days (how long it takes to forget half of something) moves a share
``1 - 2 ** (-days / H)`` of the remaining gap per step; ``H = 0`` means no movement.
"""

from __future__ import annotations

import numpy as np

from trustsim.rules._types import FloatLike

#: Length of one step, days. The schema's per-day fields and this conversion assume it.
DAYS_PER_STEP = 1.0
#: Days in a year.
DAYS_PER_YEAR = 365.0


def rate_per_step(rate_per_year: FloatLike, days_per_step: float = DAYS_PER_STEP) -> FloatLike:
    """Hazard rate per step from a hazard rate per year (events per person)."""
    return np.multiply(rate_per_year, days_per_step / DAYS_PER_YEAR)


def probability_per_step(
    rate_per_year: FloatLike, days_per_step: float = DAYS_PER_STEP
) -> FloatLike:
    """Probability of at least one event in a step, ``1 - exp(-rate * days / 365)``."""
    return -np.expm1(-np.asarray(rate_per_step(rate_per_year, days_per_step), dtype=np.float64))


def rate_per_year_from_annual_share(annual_share: FloatLike) -> FloatLike:
    """The constant hazard rate per year under which ``annual_share`` of people have at
    least one event within a year: ``-ln(1 - share)`` (e.g. 10% churn a year -> 0.105)."""
    return -np.log1p(-np.asarray(annual_share, dtype=np.float64))


def share_per_step(half_life_days: FloatLike, days_per_step: float = DAYS_PER_STEP) -> FloatLike:
    """Share of a gap closed per step by exponential relaxation with this half-life (days);
    0 for an infinite half-life (no relaxation)."""
    half_life = np.asarray(half_life_days, dtype=np.float64)
    safe = np.where(half_life > 0, half_life, 1.0)
    exponent = np.where(half_life > 0, -days_per_step / safe, 0.0)
    return -np.expm1(exponent * np.log(2.0))
