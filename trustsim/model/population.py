"""Customer traits and initial state, sampled from the scenario's segment distributions.

The population is a struct of arrays (one entry per person). The agents engine builds one
``CustomerAgent`` from each row; array-based code can use the arrays directly.

Sampling is in place and counter-based: the arrays are allocated once and a compiled loop
over customers (parallel, :func:`sample_into`) writes each customer's segment, state,
honesty and Beta traits straight into them, every number a pure function of the
replicate's Philox key and the customer (domain :data:`DOMAIN_POPULATION`). A customer's
traits therefore do not depend on the population size, the order of sampling or the
thread count, and no temporary the size of the population is made (at 10^7 customers the
previous NumPy sampler took 9 s and several copies of each array).

Counter layout (domain :data:`DOMAIN_POPULATION`, customer in counter words 0 and 1):
stream 0 block 0 gives the segment (word 0), the initial state (word 1) and honesty (word
2); stream ``1 + t`` gives Beta trait ``t`` of :data:`BETA_TRAITS`
(:func:`trustsim.model.distributions.beta_variate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit, prange
from trustsim.model.distributions import beta_shapes, beta_variate, stream_words
from trustsim.model.random_numbers import DOMAIN_POPULATION, Key, uniform32
from trustsim.scenario.schema import PopulationSettings, SegmentSettings, TraitSettings

PROSPECT, ACTIVE, CHURNED = 0, 1, 2
STATE_NAMES = {PROSPECT: "prospect", ACTIVE: "active", CHURNED: "churned"}

#: The Beta-distributed traits, in the order of their random streams (1 + index).
BETA_TRAITS: tuple[str, ...] = (
    "complaint_propensity",
    "wom_sensitivity",
    "competence",
    "integrity",
    "benevolence",
)


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


def trait_distribution(segment: SegmentSettings, trait: str) -> TraitSettings:
    """The distribution of a Beta trait (a name of :data:`BETA_TRAITS`) in a segment."""
    if trait in ("competence", "integrity", "benevolence"):
        distribution: TraitSettings = getattr(segment.initial_trust, trait)
        return distribution
    distribution = getattr(segment, trait)
    return distribution


def trait_parameters(distribution: TraitSettings) -> tuple[float, float, float]:
    """(a, b, constant) for the sampler: the Beta shapes, or NaN shapes and the constant
    value when every customer gets the mean (sd 0, or a mean of exactly 0 or 1)."""
    mean, sd = distribution.mean, distribution.sd
    if sd == 0 or mean in (0.0, 1.0):
        return np.nan, np.nan, mean
    a, b = beta_shapes(mean, sd)
    return a, b, np.nan


@njit(inline=True)
def _trait(
    key0: Any, key1: Any, customer: int, trait: int, segment: int, shapes: Any, constants: Any
) -> float:
    constant = constants[segment, trait]
    if constant == constant:  # not NaN: the same value for everyone
        return float(constant)
    return beta_variate(
        shapes[segment, trait, 0],
        shapes[segment, trait, 1],
        key0,
        key1,
        customer,
        1 + trait,
        DOMAIN_POPULATION,
    )


@njit(parallel=True)
def sample_into(
    key0: Any,
    key1: Any,
    cumulative_shares: Any,
    initial_active_share: float,
    honest_shares: Any,
    shapes: Any,
    constants: Any,
    segment_values: Any,
    segment: Any,
    state: Any,
    honest: Any,
    complaint_propensity: Any,
    wom_sensitivity: Any,
    competence: Any,
    integrity: Any,
    benevolence: Any,
    value_per_step: Any,
    interaction_rate: Any,
    weight_competence: Any,
    weight_integrity: Any,
    weight_benevolence: Any,
) -> None:
    """Write every customer's segment, state, honesty, Beta traits and segment values (in
    place).

    ``cumulative_shares[s]``: share of segments 0..s (the last is 1); ``shapes[s, t]``:
    the Beta shapes of trait ``t`` in segment ``s``; ``constants[s, t]``: its value when
    constant, else NaN; ``segment_values[s]``: value per step, interaction rate and the
    three trust weights of segment ``s``.
    """
    last = cumulative_shares.size - 1
    for customer in prange(segment.size):
        w0, w1, w2, _ = stream_words(key0, key1, customer, 0, 0, DOMAIN_POPULATION)
        draw = uniform32(w0)
        chosen = 0
        while chosen < last and draw >= cumulative_shares[chosen]:
            chosen += 1
        segment[customer] = chosen
        state[customer] = ACTIVE if uniform32(w1) < initial_active_share else PROSPECT
        honest[customer] = uniform32(w2) < honest_shares[chosen]
        complaint_propensity[customer] = _trait(key0, key1, customer, 0, chosen, shapes, constants)
        wom_sensitivity[customer] = _trait(key0, key1, customer, 1, chosen, shapes, constants)
        competence[customer] = _trait(key0, key1, customer, 2, chosen, shapes, constants)
        integrity[customer] = _trait(key0, key1, customer, 3, chosen, shapes, constants)
        benevolence[customer] = _trait(key0, key1, customer, 4, chosen, shapes, constants)
        value_per_step[customer] = segment_values[chosen, 0]
        interaction_rate[customer] = segment_values[chosen, 1]
        weight_competence[customer] = segment_values[chosen, 2]
        weight_integrity[customer] = segment_values[chosen, 3]
        weight_benevolence[customer] = segment_values[chosen, 4]


def sample_population(settings: PopulationSettings, key: Key) -> PopulationArrays:
    """Sample segments, traits, initial trust and initial state (active or prospect) with
    the replicate's Philox ``key`` (:func:`trustsim.model.random_numbers.replicate_key`)."""
    size = settings.customers
    segments = settings.segments
    shares = np.array([segment.share for segment in segments], dtype=np.float64)
    cumulative = np.cumsum(shares / shares.sum())
    cumulative[-1] = 1.0
    parameters = np.array(
        [
            [trait_parameters(trait_distribution(segment, trait)) for trait in BETA_TRAITS]
            for segment in segments
        ]
    )
    arrays = PopulationArrays(
        segment=np.empty(size, dtype=np.int64),
        state=np.empty(size, dtype=np.int8),
        honest=np.empty(size, dtype=np.bool_),
        **{
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
        },
    )
    sample_into(
        key[0],
        key[1],
        cumulative,
        float(settings.initial_active_share),
        np.array([segment.honest_share for segment in segments], dtype=np.float64),
        np.ascontiguousarray(parameters[:, :, :2]),
        np.ascontiguousarray(parameters[:, :, 2]),
        np.array(
            [
                [
                    segment.value_per_step,
                    segment.interaction_rate,
                    segment.trust_weights.competence,
                    segment.trust_weights.integrity,
                    segment.trust_weights.benevolence,
                ]
                for segment in segments
            ],
            dtype=np.float64,
        ),
        arrays.segment,
        arrays.state,
        arrays.honest,
        arrays.complaint_propensity,
        arrays.wom_sensitivity,
        arrays.competence,
        arrays.integrity,
        arrays.benevolence,
        arrays.value_per_step,
        arrays.interaction_rate,
        arrays.weight_competence,
        arrays.weight_integrity,
        arrays.weight_benevolence,
    )
    return arrays


@njit(parallel=True)
def _sample_trait_into(key0: Any, key1: Any, a: float, b: float, stream: int, out: Any) -> None:
    for unit in prange(out.size):
        out[unit] = beta_variate(a, b, key0, key1, unit, stream, DOMAIN_POPULATION)


def sample_trait(distribution: TraitSettings, count: int, key: Key, stream: int = 1) -> Any:
    """``count`` values in [0, 1] from a Beta with the given mean and sd (constant if
    sd = 0): units 0..count-1 of ``stream`` (stream ``1 + t`` is trait ``t`` of
    :data:`BETA_TRAITS` in :func:`sample_population`)."""
    a, b, constant = trait_parameters(distribution)
    if not np.isnan(constant):
        return np.full(count, constant, dtype=np.float64)
    out = np.empty(count)
    _sample_trait_into(key[0], key[1], a, b, stream, out)
    return out
