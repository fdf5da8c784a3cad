"""Customer traits and initial state, sampled from the scenario's segment distributions.

The population is a struct of arrays (one entry per person). The agents engine builds one
``CustomerAgent`` from each row; array-based code can use the arrays directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trustsim.scenario.schema import PopulationSettings, TraitSettings

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


def sample_population(settings: PopulationSettings, rng: np.random.Generator) -> PopulationArrays:
    """Sample segments, traits, initial trust and initial state (active or prospect)."""
    size = settings.customers
    shares = np.array([segment.share for segment in settings.segments], dtype=np.float64)
    segment = rng.choice(len(shares), size=size, p=shares / shares.sum())
    state = np.where(rng.random(size) < settings.initial_active_share, ACTIVE, PROSPECT).astype(
        np.int8
    )
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
        for dimension in ("competence", "integrity", "benevolence"):
            distribution = getattr(spec.initial_trust, dimension)
            arrays[dimension][members] = sample_trait(distribution, count, rng)
    return PopulationArrays(segment=segment.astype(np.int64), state=state, honest=honest, **arrays)
