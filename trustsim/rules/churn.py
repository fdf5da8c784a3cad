"""Churn: a hazard that rises as trust falls, plus exits right after a failure left
unresolved or a claim wrongly denied.

``hazard = base_rate + distrust_rate / (1 + exp((trust - distrust_threshold) / steepness))``,
a rate per year: near ``base_rate`` for trusting customers, approaching ``base_rate +
distrust_rate`` well below the threshold. Over one step (a day) it gives the probability
``1 - exp(-hazard / 365)`` of leaving; an unresolved failure and a wrongful denial each add
an independent immediate exit chance.
"""

from __future__ import annotations

import math

from trustsim.compiled import njit
from trustsim.rules import calendar


@njit
def churn_hazard(
    overall_trust: float,
    base_rate_per_year: float,
    distrust_rate_per_year: float,
    distrust_threshold: float,
    steepness: float,
) -> float:
    """Hazard of leaving per year (>= 0) from overall trust in [0, 1]; decreasing in trust."""
    z = (overall_trust - distrust_threshold) / steepness
    return base_rate_per_year + distrust_rate_per_year / (1.0 + math.exp(min(max(z, -50.0), 50.0)))


@njit
def leave_probability(
    hazard_per_year: float,
    unresolved_failure: bool,
    unresolved_exit: float,
    wrongful_denial: bool = False,
    wrongful_denial_exit: float = 0.0,
) -> float:
    """Probability of leaving this step, in [0, 1]: the hazard over one step, or an exit
    after an unresolved failure, or one after a wrongful denial (independent chances)."""
    stay = math.exp(-calendar.rate_per_step(hazard_per_year))
    if unresolved_failure:
        stay = stay * (1.0 - unresolved_exit)
    if wrongful_denial:
        stay = stay * (1.0 - wrongful_denial_exit)
    return min(max(1.0 - stay, 0.0), 1.0)
