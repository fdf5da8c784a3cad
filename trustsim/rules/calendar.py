"""Calendar time: rates given per year in the scenario, converted to one step.

One step is one day (:data:`DAYS_PER_STEP`); a year has :data:`DAYS_PER_YEAR` days. Rates
in the scenario that name a year (``*_per_year``) are *hazard rates*: expected events per
person per year. Over one step a hazard rate ``r`` gives

* the rate per step ``r * DAYS_PER_STEP / DAYS_PER_YEAR`` (what the Bass integration of
  :mod:`trustsim.rules.acquisition` takes), and
* the probability of at least one event in the step, ``1 - exp(-r * days / 365)``.

A half-life ``H`` in days (how long it takes to forget half of something) moves a share
``1 - 2 ** (-days / H)`` of the remaining gap per step; ``H = 0`` means no movement.

Like every rule, each function takes and returns plain numbers and is compiled
(:func:`trustsim.compiled.njit`); ``function.py_func`` is the same equation in Python.
"""

from __future__ import annotations

import math

from trustsim.compiled import njit

#: Length of one step, days. The schema's per-day fields and this conversion assume it.
DAYS_PER_STEP = 1.0
#: Days in a year.
DAYS_PER_YEAR = 365.0


@njit
def rate_per_step(rate_per_year: float, days_per_step: float = DAYS_PER_STEP) -> float:
    """Hazard rate per step from a hazard rate per year (events per person)."""
    return rate_per_year * (days_per_step / DAYS_PER_YEAR)


@njit
def probability_per_step(rate_per_year: float, days_per_step: float = DAYS_PER_STEP) -> float:
    """Probability of at least one event in a step, ``1 - exp(-rate * days / 365)``."""
    return -math.expm1(-rate_per_step(rate_per_year, days_per_step))


@njit
def rate_per_year_from_annual_share(annual_share: float) -> float:
    """The constant hazard rate per year under which ``annual_share`` of people have at
    least one event within a year: ``-ln(1 - share)`` (e.g. 10% churn a year -> 0.105)."""
    return -math.log1p(-annual_share)


@njit
def share_per_step(half_life_days: float, days_per_step: float = DAYS_PER_STEP) -> float:
    """Share of a gap closed per step by exponential relaxation with this half-life (days);
    0 for a half-life of 0 (no relaxation)."""
    if half_life_days <= 0.0:
        return 0.0
    return -math.expm1(-days_per_step / half_life_days * math.log(2.0))
