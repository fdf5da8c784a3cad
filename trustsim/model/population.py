"""Customer traits and initial state, sampled from the scenario's segment distributions.

The population is a struct of arrays (one entry per person). The agents engine builds one
``CustomerAgent`` from each row; array-based code can use the arrays directly.

Sampling is in place and counter-based: the arrays are allocated once and compiled loops
over customers (parallel, :func:`sample_into`, :func:`assign_states`) write each
customer's segment, state, honesty, traits and dispositions straight into them, every
number a pure function of the replicate's Philox key and the customer (domain
:data:`DOMAIN_POPULATION`). A customer's traits therefore do not depend on the population
size, the order of sampling or the thread count (at 10^7 customers the previous NumPy
sampler took 9 s and several copies of each array).

The distributions are those of docs/model.md ("Dispositions", "Step 0"):

* complaint propensity and word-of-mouth sensitivity: Beta with the segment's mean and sd
  (:func:`trustsim.model.distributions.beta_variate`);
* the dispositions to trust (competence, integrity, benevolence): Beta marginals whose
  ranks are correlated through a Gaussian copula. Each person has one common normal score
  ``z0`` and one own score ``z_k`` per dimension; dimension ``k`` is the Beta quantile of
  ``Phi(sqrt(rho) z0 + sqrt(1 - rho) z_k)`` with ``rho = initial_trust.correlation``. The
  map from the score to the Beta quantile is tabulated once per (mean, sd) with SciPy's
  ``betaincinv`` and evaluated by cubic Hermite interpolation with exact derivatives
  (:func:`disposition_table`; error 1e-13 for the baseline's shapes, below 1e-7 for
  shapes as extreme as (0.06, 0.007); tests/model/test_population.py), because
  ``betaincinv`` costs about 2 microseconds a call (70 s of CPU for 10^7 customers);
* the initial customers: ``initial_active_share`` of people on average, drawn with
  probability ``min(1, c * weight)`` where the model's weight is the steady-state odds of
  being a customer (:func:`tenure_weight`) and ``c`` makes the probabilities average the
  share (:func:`selection_scale`, a bisection whose sums are taken over fixed blocks, so
  ``c`` does not depend on the thread count).

Counter layout (domain :data:`DOMAIN_POPULATION`, customer in counter words 0 and 1):
stream 0 block 0 gives the segment (word 0), the initial state (word 1) and honesty (word
2); stream ``1 + t`` gives Beta trait ``t`` of :data:`BETA_TRAITS`; stream
:data:`COPULA_STREAM` block 0 gives the four normal scores of the copula (word 0 the common
score, words 1 to 3 the own scores of :data:`DISPOSITIONS`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from trustsim.compiled import njit, prange
from trustsim.model.distributions import (
    beta_shapes,
    beta_variate,
    normal_score,
    open_uniform,
    stream_words,
)
from trustsim.model.random_numbers import DOMAIN_POPULATION, Key, uniform32
from trustsim.rules import acquisition, churn, trust
from trustsim.scenario.schema import (
    AcquisitionSettings,
    ChurnSettings,
    PopulationSettings,
    SegmentSettings,
    TraitSettings,
)

PROSPECT, ACTIVE, CHURNED = 0, 1, 2
STATE_NAMES = {PROSPECT: "prospect", ACTIVE: "active", CHURNED: "churned"}

#: The independently Beta-distributed traits, in the order of their random streams (1 + index).
BETA_TRAITS: tuple[str, ...] = ("complaint_propensity", "wom_sensitivity")
#: The dispositions to trust, drawn together through a Gaussian copula.
DISPOSITIONS: tuple[str, ...] = ("competence", "integrity", "benevolence")
#: The stream holding the copula's normal scores.
COPULA_STREAM = 1 + len(BETA_TRAITS)
#: The tabulated score-to-disposition map covers normal scores in [-SCORE_LIMIT,
#: SCORE_LIMIT]: the scores are at most (sqrt(rho) + sqrt(1 - rho)) * 6.3 <= 8.9 in size
#: (a normal from one 32-bit word is at most 6.3 standard deviations, module distributions).
SCORE_LIMIT = 9.0
#: Nodes of the table (2 * SCORE_LIMIT / (QUANTILE_NODES - 1) = 0.0044 apart).
QUANTILE_NODES = 4097
SCORE_STEP = 2.0 * SCORE_LIMIT / (QUANTILE_NODES - 1)
#: Customers per block in the sums of :func:`selection_scale` (fixed, so the sum's rounding
#: does not depend on the thread count).
SUM_BLOCK = 1 << 14


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
    """The distribution of a trait (a name of :data:`BETA_TRAITS` or :data:`DISPOSITIONS`)
    in a segment."""
    if trait in DISPOSITIONS:
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


@functools.lru_cache(maxsize=1024)
def disposition_table(mean: float, sd: float) -> NDArray[np.float64]:
    """The map from a copula's normal score ``z`` to the Beta(mean, sd) quantile of
    ``Phi(z)``, tabulated at :data:`QUANTILE_NODES` scores evenly spaced over
    [-SCORE_LIMIT, SCORE_LIMIT]: row 0 the values, row 1 their derivatives in ``z``
    (``phi(z) / beta_pdf(value)``), for :func:`score_to_disposition`.

    Each node is exact to SciPy's ``betaincinv``; the upper half is computed as ``1 -
    betaincinv(b, a, Phi(-z))`` so that it does not lose digits to ``Phi(z)`` rounding to 1.
    Read-only; cached per (mean, sd).
    """
    a, b = beta_shapes(mean, sd)
    scores = np.linspace(-SCORE_LIMIT, SCORE_LIMIT, QUANTILE_NODES)
    lower = scores <= 0
    values = np.empty(QUANTILE_NODES)
    values[lower] = special.betaincinv(a, b, special.ndtr(scores[lower]))
    values[~lower] = 1.0 - special.betaincinv(b, a, special.ndtr(-scores[~lower]))
    log_density = (
        special.xlogy(a - 1.0, values) + special.xlog1py(b - 1.0, -values) - special.betaln(a, b)
    )
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        slopes = np.exp(-0.5 * scores**2 - 0.5 * math.log(2.0 * math.pi) - log_density)
    slopes[~np.isfinite(slopes)] = 0.0  # a tail value at exactly 0 or 1
    table = np.stack([values, slopes])
    table.setflags(write=False)
    return table


@njit(inline=True)
def score_to_disposition(score: float, table: Any) -> float:
    """The disposition for a copula score: cubic Hermite interpolation of ``table``
    (:func:`disposition_table`), clipped to [0, 1]."""
    position = (score + SCORE_LIMIT) / SCORE_STEP
    if position <= 0.0:
        return float(table[0, 0])
    last = table.shape[1] - 1
    if position >= last:
        return float(table[0, last])
    node = int(position)
    t = position - node
    one_minus = 1.0 - t
    value = (
        (1.0 + 2.0 * t) * one_minus * one_minus * table[0, node]
        + t * one_minus * one_minus * SCORE_STEP * table[1, node]
        + t * t * (3.0 - 2.0 * t) * table[0, node + 1]
        - t * t * one_minus * SCORE_STEP * table[1, node + 1]
    )
    return min(1.0, max(0.0, value))


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
        np.int64(customer),
        np.int64(1 + trait),
        DOMAIN_POPULATION,
    )


@njit(inline=True)
def _disposition(
    common: float, own: Any, dimension: int, segment: int, tables: Any, copula: Any
) -> float:
    constant = copula[segment, 1 + dimension]
    if constant == constant:  # not NaN: the same value for everyone
        return float(constant)
    correlation = copula[segment, 0]
    score = math.sqrt(correlation) * common + math.sqrt(1.0 - correlation) * own
    return score_to_disposition(score, tables[segment, dimension])


@njit(parallel=True)
def sample_into(
    key0: Any,
    key1: Any,
    cumulative_shares: Any,
    initial_active_share: float,
    honest_shares: Any,
    shapes: Any,
    constants: Any,
    tables: Any,
    copula: Any,
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
    """Write every customer's segment, state (each person active with probability
    ``initial_active_share``), honesty, traits, dispositions and segment values (in place).

    ``cumulative_shares[s]``: share of segments 0..s (the last is 1); ``shapes[s, t]``:
    the Beta shapes of trait ``t`` of :data:`BETA_TRAITS` in segment ``s``;
    ``constants[s, t]``: its value when constant, else NaN; ``tables[s, k]``: the
    :func:`disposition_table` of disposition ``k`` in segment ``s``; ``copula[s]``: the
    segment's correlation, then the three dispositions' constant values (NaN when drawn);
    ``segment_values[s]``: value per step, interaction rate and the three trust weights of
    segment ``s``.
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
        s0, s1, s2, s3 = stream_words(key0, key1, customer, COPULA_STREAM, 0, DOMAIN_POPULATION)
        common = normal_score(open_uniform(s0))
        own_words = (s1, s2, s3)
        # One loop over the three dimensions, not three calls: the inlined function is
        # compiled once instead of three times (about 1 s less compiling).
        for dimension in range(3):
            disposition = _disposition(
                common,
                normal_score(open_uniform(own_words[dimension])),
                np.int64(dimension),
                chosen,
                tables,
                copula,
            )
            if dimension == 0:
                competence[customer] = disposition
            elif dimension == 1:
                integrity[customer] = disposition
            else:
                benevolence[customer] = disposition
        value_per_step[customer] = segment_values[chosen, 0]
        interaction_rate[customer] = segment_values[chosen, 1]
        weight_competence[customer] = segment_values[chosen, 2]
        weight_integrity[customer] = segment_values[chosen, 3]
        weight_benevolence[customer] = segment_values[chosen, 4]


@njit(parallel=True)
def _block_sums(weights: Any, scale: float, block: int) -> Any:
    """Sums of ``min(1, scale * weight)`` over fixed blocks of ``block`` customers."""
    count = (weights.size + block - 1) // block
    sums = np.empty(count)  # every entry is written (np.zeros would be a parallel loop)
    for index in prange(count):
        total = 0.0
        for customer in range(index * block, min(weights.size, (index + 1) * block)):
            total += min(1.0, scale * weights[customer])
        sums[index] = total
    return sums


def capped_mean(weights: NDArray[np.float64], scale: float) -> float:
    """Mean of ``min(1, scale * weights)``, summed over fixed blocks in a fixed order, so
    that the result does not depend on the thread count."""
    sums = _block_sums(weights, scale, SUM_BLOCK)
    total = 0.0
    for value in sums:  # a few hundred blocks even at 10^7 customers
        total += float(value)
    return total / weights.size


def selection_scale(weights: NDArray[np.float64], share: float) -> float | None:
    """The ``c`` for which the probabilities ``min(1, c * weight)`` average ``share``, by
    bisection; None when every person gets probability ``min(share, 1)`` (share >= 1, or
    no positive weight) and 0.0 when nobody is chosen (no people, share <= 0).

    Used to draw the initial customers in proportion to a weight (see
    :func:`sample_population`); equal weights give every person probability ``share``.
    """
    if weights.size == 0 or share <= 0:
        return 0.0
    positive = weights[weights > 0]
    if share >= 1 or positive.size == 0:
        return None
    low, high = 0.0, 1.0 / float(positive.min())  # at `high` every positive weight is 1
    for _ in range(100):
        middle = 0.5 * (low + high)
        if middle in (low, high):  # converged to adjacent floats
            break
        if capped_mean(weights, middle) < share:
            low = middle
        else:
            high = middle
    return high


def selection_probabilities(weights: NDArray[np.float64], share: float) -> NDArray[np.float64]:
    """Probabilities ``min(1, c * weight)``, with ``c`` chosen so that they average ``share``
    (:func:`selection_scale`)."""
    weights = np.asarray(weights, dtype=np.float64)
    scale = selection_scale(weights, share)
    if scale is None:
        return np.full_like(weights, min(share, 1.0))
    return np.minimum(1.0, scale * weights)


@njit(parallel=True)
def assign_states(key0: Any, key1: Any, weights: Any, scale: float, state: Any) -> None:
    """Make each customer active with probability ``min(1, scale * weight)``, from the
    same word (stream 0, word 1) as :func:`sample_into`'s equal-chance draw."""
    for customer in prange(state.size):
        _, w1, _, _ = stream_words(key0, key1, customer, 0, 0, DOMAIN_POPULATION)
        chance = min(1.0, scale * weights[customer])
        state[customer] = ACTIVE if uniform32(w1) < chance else PROSPECT


@njit  # one thread: 75 ms at 10^7 people; parallel would cost 0.2 s more to compile
def _tenure_weights(
    overall: Any,
    base_rate_per_year: float,
    distrust_rate_per_year: float,
    distrust_threshold: float,
    steepness: float,
    trust_elasticity: float,
    out: Any,
) -> None:
    for person in range(overall.size):
        hazard = churn.churn_hazard(
            overall[person],
            base_rate_per_year,
            distrust_rate_per_year,
            distrust_threshold,
            steepness,
        )
        attraction = acquisition.appeal(overall[person], trust_elasticity)
        out[person] = attraction / hazard if hazard > 0.0 else attraction


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
    overall = np.ascontiguousarray(overall_disposition, dtype=np.float64)
    out = np.empty(overall.size)
    _tenure_weights(
        overall,
        churn_settings.base_rate_per_year,
        churn_settings.distrust_rate_per_year,
        churn_settings.distrust_threshold,
        churn_settings.steepness,
        acquisition_settings.trust_elasticity,
        out,
    )
    return out.reshape(np.shape(overall_disposition))


@njit
def overall_trust_all(
    competence: Any,
    integrity: Any,
    benevolence: Any,
    weight_competence: Any,
    weight_integrity: Any,
    weight_benevolence: Any,
    out: Any,
) -> None:
    """``out[i]`` = overall trust of person ``i`` (:func:`trustsim.rules.trust.overall_trust`),
    on one thread (about 20 ms at 10^7 people, where a parallel loop would
    cost 0.3 s more to compile on every first run)."""
    for person in range(out.size):
        out[person] = trust.overall_trust(
            competence[person],
            integrity[person],
            benevolence[person],
            weight_competence[person],
            weight_integrity[person],
            weight_benevolence[person],
        )


def _weights(
    arrays: PopulationArrays, weight: Callable[[NDArray[np.float64]], NDArray[np.float64]]
) -> NDArray[np.float64]:
    """``weight`` of every person's overall disposition."""
    overall = np.empty(arrays.size)
    overall_trust_all(
        arrays.competence,
        arrays.integrity,
        arrays.benevolence,
        arrays.weight_competence,
        arrays.weight_integrity,
        arrays.weight_benevolence,
        overall,
    )
    return weight(overall)


def sample_population(
    settings: PopulationSettings,
    key: Key,
    tenure_weight: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
) -> PopulationArrays:
    """Sample segments, traits, dispositions to trust and initial state (active or prospect)
    with the replicate's Philox ``key`` (:func:`trustsim.model.random_numbers.replicate_key`).

    Args:
        settings: the scenario's population block.
        key: the replicate's Philox key.
        tenure_weight: maps each person's overall disposition to trust (weighted by their
            segment) to a weight; the initial customers are then drawn with probability
            proportional to it (capped at 1), ``initial_active_share`` of people on
            average. The model passes the customer's expected share of time as a customer
            in a steady state (adoption appeal / churn hazard, :func:`tenure_weight`), so
            that a firm's base at step 0 looks like a base that has run for a while: people
            who barely trust the firm are rarely still its customers. None: every person
            with the same probability.
    """
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
    tables = np.zeros((len(segments), len(DISPOSITIONS), 2, QUANTILE_NODES))
    copula = np.full((len(segments), 1 + len(DISPOSITIONS)), np.nan)
    for index, segment_settings in enumerate(segments):
        copula[index, 0] = segment_settings.initial_trust.correlation
        for dimension, name in enumerate(DISPOSITIONS):
            distribution = trait_distribution(segment_settings, name)
            constant = trait_parameters(distribution)[2]
            if np.isnan(constant):
                tables[index, dimension] = disposition_table(distribution.mean, distribution.sd)
            else:
                copula[index, 1 + dimension] = constant
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
        tables,
        copula,
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
    if tenure_weight is not None:
        weights = _weights(arrays, tenure_weight)
        scale = selection_scale(weights, settings.initial_active_share)
        if scale is not None:  # None: equal chances, as sample_into drew them
            assign_states(key[0], key[1], weights, scale, arrays.state)
    return arrays


@njit(parallel=True)
def _sample_trait_into(key0: Any, key1: Any, a: float, b: float, stream: int, out: Any) -> None:
    for unit in prange(out.size):
        # int64 unit and stream, as _trait passes them: one compiled beta_variate.
        out[unit] = beta_variate(
            a, b, key0, key1, np.int64(unit), np.int64(stream), DOMAIN_POPULATION
        )


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
