"""Churn: a hazard that rises as trust falls, plus exits right after unresolved failures.

``hazard = base_rate + distrust_rate / (1 + exp((trust - distrust_threshold) / steepness))``:
near ``base_rate`` for trusting customers, approaching ``base_rate + distrust_rate`` well
below the threshold. A failure that was not recovered well adds an immediate exit chance.
"""

from __future__ import annotations

import numpy as np

from trustsim.rules._types import BoolLike, FloatLike


def churn_hazard(
    overall_trust: FloatLike,
    base_rate: float,
    distrust_rate: float,
    distrust_threshold: float,
    steepness: float,
) -> FloatLike:
    """Probability per step of leaving, from overall trust in [0, 1]; decreasing in trust."""
    z = (np.asarray(overall_trust, dtype=np.float64) - distrust_threshold) / steepness
    return np.clip(base_rate + distrust_rate / (1.0 + np.exp(np.clip(z, -50.0, 50.0))), 0.0, 1.0)


def leave_probability(
    hazard: FloatLike, unresolved_failure: BoolLike, unresolved_exit: float
) -> FloatLike:
    """Probability of leaving this step: the hazard, or an exit after an unresolved failure."""
    exit_chance = np.multiply(unresolved_exit, np.asarray(unresolved_failure, dtype=np.float64))
    return 1.0 - (1.0 - np.asarray(hazard, dtype=np.float64)) * (1.0 - exit_chance)
