"""Customer traits and initial state, sampled from the scenario's segment distributions.

The population is a struct of arrays (one entry per person). The agents engine builds one
``CustomerAgent`` from each row; array-based code can use the arrays directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from trustsim.rules import acquisition, churn, trust
from trustsim.scenario.schema import (
    AcquisitionSettings,
    ChurnSettings,
    PopulationSettings,
    TraitSettings,
)

PROSPECT, ACTIVE, CHURNED = 0, 1, 2
STATE_NAMES = {PROSPECT: "prospect", ACTIVE: "active", CHURNED: "churned"}


@dataclass
class PopulationArrays:
    """Traits and initial state of every person, index = customer id.

    Trust values are in [0, 1]; ``value_per_step`` is currency per step; ``interaction_rate``
    a probability per step.
    """

    segment: NDArray[np.int64]
    state: NDArray[np.int8]
    honest: NDArray[np.bool_]
    complaint_propensity: NDArray[np.float64]
    wom_sensitivity: NDArray[np.float64]
    value_per_step: NDArray[np.float64]
    interaction_rate: NDArray[np.float64]
    weight_competence: NDArray[np.float64]
    weight_integrity: NDArray[np.float64]
    weight_benevolence: NDArray[np.float64]
    competence: NDArray[np.float64]
    integrity: NDArray[np.float64]
    benevolence: NDArray[np.float64]

    @property
    def size(self) -> int:
        """Number of people."""
        return int(self.segment.size)


def sample_trait(
    distribution: TraitSettings, count: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Draw ``count`` values in [0, 1] from a Beta with the given mean and sd (constant if sd=0)."""
    mean, sd = distribution.mean, distribution.sd
    if sd == 0 or mean in (0.0, 1.0):
        return np.full(count, mean, dtype=np.float64)
    concentration = mean * (1.0 - mean) / sd**2 - 1.0
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, count)


def sample_correlated_traits(
    distributions: list[TraitSettings],
    correlation: float,
    count: int,
    rng: np.random.Generator,
) -> list[NDArray[np.float64]]:
    """Draw ``count`` values of several traits whose ranks are correlated (Gaussian copula).

    Each person gets one common normal score ``z0`` and one own score ``z_k`` per trait;
    trait ``k`` is the Beta quantile of ``Phi(sqrt(rho) z0 + sqrt(1 - rho) z_k)``, so every
    trait keeps its own Beta distribution (mean and sd) while ``correlation`` (rho, in
    [0, 1]) is the correlation of the underlying normal scores: 0 draws the traits
    independently, 1 gives every person the same quantile in each trait (one propensity
    to trust, Mayer, Davis & Schoorman 1995).
    """
    common = rng.standard_normal(count)
    own = rng.standard_normal((len(distributions), count))
    scores = np.sqrt(correlation) * common + np.sqrt(1.0 - correlation) * own
    quantiles = special.ndtr(scores)
    values = []
    for distribution, quantile in zip(distributions, quantiles, strict=True):
        mean, sd = distribution.mean, distribution.sd
        if sd == 0 or mean in (0.0, 1.0):
            values.append(np.full(count, mean, dtype=np.float64))
            continue
        concentration = mean * (1.0 - mean) / sd**2 - 1.0
        values.append(
            special.betaincinv(mean * concentration, (1.0 - mean) * concentration, quantile)
        )
    return values


def selection_probabilities(weights: NDArray[np.float64], share: float) -> NDArray[np.float64]:
    """Probabilities ``min(1, c * weight)``, with ``c`` chosen so that they average ``share``.

    Used to draw the initial customers in proportion to a weight (see
    :func:`sample_population`); equal weights give every person probability ``share``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.size == 0 or share <= 0:
        return np.zeros_like(weights)
    if share >= 1 or not (weights > 0).any():
        return np.full_like(weights, min(share, 1.0))
    low, high = 0.0, 1.0 / weights[weights > 0].min()  # at `high` every positive weight is 1
    for _ in range(100):
        middle = 0.5 * (low + high)
        if np.minimum(1.0, middle * weights).mean() < share:
            low = middle
        else:
            high = middle
    return np.minimum(1.0, high * weights)


def tenure_weight(
    overall_disposition: NDArray[np.float64],
    churn_settings: ChurnSettings,
    acquisition_settings: AcquisitionSettings,
) -> NDArray[np.float64]:
    """Steady-state odds of being a customer for a person with this overall disposition to
    trust: the adoption appeal (:func:`trustsim.rules.acquisition.appeal`) times the expected
    tenure (1 / churn hazard, :func:`trustsim.rules.churn.churn_hazard`; the appeal alone
    where the hazard is 0). The model passes it to :func:`sample_population` to draw the
    customers at step 0."""
    hazard = np.asarray(
        churn.churn_hazard(
            overall_disposition,
            churn_settings.base_rate_per_year,
            churn_settings.distrust_rate_per_year,
            churn_settings.distrust_threshold,
            churn_settings.steepness,
        )
    )
    attraction = acquisition.appeal(overall_disposition, acquisition_settings.trust_elasticity)
    safe = np.where(hazard > 0, hazard, 1.0)
    return np.asarray(np.where(hazard > 0, attraction / safe, attraction), dtype=float)


def sample_population(
    settings: PopulationSettings,
    rng: np.random.Generator,
    tenure_weight: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
) -> PopulationArrays:
    """Sample segments, traits, dispositions to trust and initial state (active or prospect).

    Args:
        settings: the scenario's population block.
        rng: the model's generator.
        tenure_weight: maps each person's overall disposition to trust (weighted by their
            segment) to a weight; the initial customers are then drawn with probability
            proportional to it (capped at 1), ``initial_active_share`` of people on
            average. The model passes the customer's expected share of time as a customer
            in a steady state (adoption appeal / churn hazard), so that a firm's base at
            step 0 looks like a base that has run for a while: people who barely trust the
            firm are rarely still its customers. None: every person with the same
            probability.
    """
    size = settings.customers
    shares = np.array([segment.share for segment in settings.segments], dtype=np.float64)
    segment = rng.choice(len(shares), size=size, p=shares / shares.sum())
    state_draw = rng.random(size)
    arrays: dict[str, NDArray[np.float64]] = {
        name: np.empty(size)
        for name in (
            "complaint_propensity",
            "wom_sensitivity",
            "value_per_step",
            "interaction_rate",
            "weight_competence",
            "weight_integrity",
            "weight_benevolence",
            "competence",
            "integrity",
            "benevolence",
        )
    }
    honest = np.empty(size, dtype=bool)
    for index, spec in enumerate(settings.segments):
        members = segment == index
        count = int(members.sum())
        honest[members] = rng.random(count) < spec.honest_share
        arrays["complaint_propensity"][members] = sample_trait(
            spec.complaint_propensity, count, rng
        )
        arrays["wom_sensitivity"][members] = sample_trait(spec.wom_sensitivity, count, rng)
        arrays["value_per_step"][members] = spec.value_per_step
        arrays["interaction_rate"][members] = spec.interaction_rate
        weights = spec.trust_weights
        arrays["weight_competence"][members] = weights.competence
        arrays["weight_integrity"][members] = weights.integrity
        arrays["weight_benevolence"][members] = weights.benevolence
        dimensions = ("competence", "integrity", "benevolence")
        dispositions = sample_correlated_traits(
            [getattr(spec.initial_trust, dimension) for dimension in dimensions],
            spec.initial_trust.correlation,
            count,
            rng,
        )
        for dimension, values in zip(dimensions, dispositions, strict=True):
            arrays[dimension][members] = values
    if tenure_weight is None:
        chance = np.full(size, settings.initial_active_share)
    else:
        overall = np.asarray(
            trust.overall_trust(
                arrays["competence"],
                arrays["integrity"],
                arrays["benevolence"],
                arrays["weight_competence"],
                arrays["weight_integrity"],
                arrays["weight_benevolence"],
            )
        )
        chance = selection_probabilities(tenure_weight(overall), settings.initial_active_share)
    state = np.where(state_draw < chance, ACTIVE, PROSPECT).astype(np.int8)
    return PopulationArrays(segment=segment.astype(np.int64), state=state, honest=honest, **arrays)
