"""Tests for trustsim.model.population: segment sampling, Beta traits, the dispositions'
Gaussian copula and the (steady-state) initial state."""

from __future__ import annotations

import dataclasses
import math

import numba
import numpy as np
import pytest
from scipy import special, stats

from trustsim.model.distributions import beta_shapes
from trustsim.model.population import (
    ACTIVE,
    CHURNED,
    PROSPECT,
    SCORE_LIMIT,
    PopulationArrays,
    disposition_table,
    sample_population,
    sample_trait,
    score_to_disposition,
    selection_probabilities,
)
from trustsim.model.random_numbers import Key, replicate_key
from trustsim.scenario.schema import (
    InitialTrustSettings,
    PopulationSettings,
    SegmentSettings,
    TraitSettings,
    TrustWeightsSettings,
)

N = 40_000
BETA_TRAITS = ("complaint_propensity", "wom_sensitivity", "competence", "integrity", "benevolence")

SEGMENT_A = SegmentSettings(
    name="a",
    share=0.2,
    honest_share=0.9,
    complaint_propensity=TraitSettings(mean=0.2, sd=0.05),
    wom_sensitivity=TraitSettings(mean=0.7, sd=0.1),
    value_per_step=2.0,
    interaction_rate=0.3,
    trust_weights=TrustWeightsSettings(competence=1.0, integrity=1.0, benevolence=2.0),
    initial_trust=InitialTrustSettings(
        competence=TraitSettings(mean=0.8, sd=0.0),
        integrity=TraitSettings(mean=0.5, sd=0.2),
        benevolence=TraitSettings(mean=0.3, sd=0.1),
    ),
)
SEGMENT_B = SegmentSettings(
    name="b",
    share=0.6,  # shares 0.2 : 0.6 are normalised to 0.25 : 0.75
    honest_share=0.99,
    complaint_propensity=TraitSettings(mean=0.6, sd=0.15),
    wom_sensitivity=TraitSettings(mean=0.4, sd=0.0),
    value_per_step=0.5,
    interaction_rate=0.05,
)
SETTINGS = PopulationSettings(
    customers=N, initial_active_share=0.3, segments=[SEGMENT_A, SEGMENT_B]
)
SEGMENTS = (SEGMENT_A, SEGMENT_B)
SHARES = (0.25, 0.75)


def key(seed: int) -> Key:
    """The Philox key of replicate 0 of ``seed``."""
    return replicate_key(np.random.SeedSequence(seed))


def proportion_tolerance(p: float, n: int) -> float:
    """Four standard errors of a sample proportion."""
    return 4 * math.sqrt(p * (1 - p) / n)


def beta_tolerances(mean: float, sd: float, n: int) -> tuple[float, float]:
    """Four standard errors of the sample mean and sample sd of n Beta(mean, sd) draws."""
    concentration = mean * (1 - mean) / sd**2 - 1
    a, b = mean * concentration, (1 - mean) * concentration
    excess_kurtosis = (
        6 * ((a - b) ** 2 * (a + b + 1) - a * b * (a + b + 2)) / (a * b * (a + b + 2) * (a + b + 3))
    )
    fourth_moment = (excess_kurtosis + 3) * sd**4
    se_mean = sd / math.sqrt(n)
    se_sd = math.sqrt((fourth_moment - sd**4) / n) / (2 * sd)  # delta method from var(s^2)
    return 4 * se_mean, 4 * se_sd


def distribution_of(segment: SegmentSettings, trait: str) -> TraitSettings:
    if trait in ("competence", "integrity", "benevolence"):
        return getattr(segment.initial_trust, trait)
    return getattr(segment, trait)


@pytest.fixture(scope="module")
def population() -> PopulationArrays:
    return sample_population(SETTINGS, key(0))


def test_shapes_and_types(population):
    assert population.size == N
    for field in dataclasses.fields(population):
        assert getattr(population, field.name).shape == (N,), field.name
    assert population.segment.dtype == np.int64
    assert population.state.dtype == np.int8
    assert population.honest.dtype == bool


def test_segment_shares_respected(population):
    assert set(np.unique(population.segment)) == {0, 1}
    for index, share in enumerate(SHARES):
        observed = np.mean(population.segment == index)
        assert abs(observed - share) < proportion_tolerance(share, N)


def test_beta_traits_in_unit_interval(population):
    for trait in BETA_TRAITS:
        values = getattr(population, trait)
        assert np.all((values >= 0.0) & (values <= 1.0)), trait


def test_traits_follow_each_segments_distribution(population):
    for index, segment in enumerate(SEGMENTS):
        members = population.segment == index
        count = int(members.sum())
        for trait in BETA_TRAITS:
            spec = distribution_of(segment, trait)
            values = getattr(population, trait)[members]
            if spec.sd == 0:
                assert np.all(values == spec.mean), (segment.name, trait)
                continue
            mean_tol, sd_tol = beta_tolerances(spec.mean, spec.sd, count)
            assert abs(values.mean() - spec.mean) < mean_tol, (segment.name, trait)
            assert abs(values.std(ddof=1) - spec.sd) < sd_tol, (segment.name, trait)


def test_constant_traits_per_segment(population):
    for index, segment in enumerate(SEGMENTS):
        members = population.segment == index
        assert np.all(population.value_per_step[members] == segment.value_per_step)
        assert np.all(population.interaction_rate[members] == segment.interaction_rate)
        weights = segment.trust_weights
        assert np.all(population.weight_competence[members] == weights.competence)
        assert np.all(population.weight_integrity[members] == weights.integrity)
        assert np.all(population.weight_benevolence[members] == weights.benevolence)


def test_honest_share_per_segment(population):
    for index, segment in enumerate(SEGMENTS):
        members = population.segment == index
        observed = population.honest[members].mean()
        assert abs(observed - segment.honest_share) < proportion_tolerance(
            segment.honest_share, int(members.sum())
        )


def test_initial_state(population):
    assert set(np.unique(population.state)) <= {PROSPECT, ACTIVE}
    assert not np.any(population.state == CHURNED)
    share = SETTINGS.initial_active_share
    assert abs(np.mean(population.state == ACTIVE) - share) < proportion_tolerance(share, N)


@pytest.mark.parametrize(("share", "state"), [(0.0, PROSPECT), (1.0, ACTIVE)])
def test_initial_state_extremes(share, state):
    settings = PopulationSettings(customers=500, initial_active_share=share)
    arrays = sample_population(settings, key(1))
    assert np.all(arrays.state == state)


def test_same_seed_identical_arrays():
    a = sample_population(SETTINGS, key(123))
    b = sample_population(SETTINGS, key(123))
    c = sample_population(SETTINGS, key(124))
    for field in dataclasses.fields(PopulationArrays):
        np.testing.assert_array_equal(
            getattr(a, field.name), getattr(b, field.name), err_msg=field.name
        )
    assert not np.array_equal(a.segment, c.segment)
    assert not np.array_equal(a.complaint_propensity, c.complaint_propensity)


def test_a_customer_does_not_depend_on_population_size_or_threads():
    """Counter-based sampling: customer i's traits are a pure function of the key and i."""
    small = SETTINGS.model_copy(update={"customers": 1000})
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one_thread = sample_population(small, key(9))
        numba.set_num_threads(2)
        two_threads = sample_population(SETTINGS, key(9))
    finally:
        numba.set_num_threads(previous)
    for field in dataclasses.fields(PopulationArrays):
        np.testing.assert_array_equal(
            getattr(one_thread, field.name), getattr(two_threads, field.name)[:1000]
        )


def test_single_customer_default_settings():
    arrays = sample_population(PopulationSettings(customers=1), key(0))
    assert arrays.size == 1
    assert arrays.segment.tolist() == [0]


# --- sample_trait ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "sd"), [(0.5, 0.1), (0.3, 0.15), (0.9, 0.05), (0.05, 0.02), (0.6, 0.45)]
)
def test_sample_trait_beta_moments(mean, sd):
    n = 200_000
    values = sample_trait(TraitSettings(mean=mean, sd=sd), n, key(0))
    assert values.shape == (n,)
    assert np.all((values >= 0.0) & (values <= 1.0))
    mean_tol, sd_tol = beta_tolerances(mean, sd, n)
    assert abs(values.mean() - mean) < mean_tol
    assert abs(values.std(ddof=1) - sd) < sd_tol


@pytest.mark.parametrize("mean", [0.0, 0.25, 1.0])
def test_sample_trait_zero_sd_is_constant(mean):
    values = sample_trait(TraitSettings(mean=mean, sd=0.0), 1000, key(0))
    np.testing.assert_array_equal(values, np.full(1000, mean))


def test_sample_trait_zero_count():
    assert sample_trait(TraitSettings(mean=0.5, sd=0.1), 0, key(0)).shape == (0,)


# --- dispositions: Beta marginals, ranks correlated through a Gaussian copula ---------------

DIMENSIONS = ("competence", "integrity", "benevolence")


def copula_population(correlation: float, seed: int = 5) -> PopulationArrays:
    """The default segment (dispositions 0.6, 0.6, 0.55, sd 0.2) with this correlation."""
    segment = SegmentSettings(initial_trust=InitialTrustSettings(correlation=correlation))
    return sample_population(PopulationSettings(customers=N, segments=[segment]), key(seed))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return float(stats.spearmanr(x, y).statistic)


def copula_rank_correlation_holds(population: PopulationArrays, correlation: float) -> bool:
    """Every pair of dimensions has the Spearman correlation of a Gaussian copula with
    ``correlation``, (6 / pi) asin(rho / 2), within 0.02 (four standard errors at N)."""
    expected = 6.0 / math.pi * math.asin(correlation / 2.0)
    pairs = [(0, 1), (0, 2), (1, 2)]
    return all(
        abs(
            spearman(getattr(population, DIMENSIONS[i]), getattr(population, DIMENSIONS[j]))
            - expected
        )
        < 0.02
        for i, j in pairs
    )


@pytest.mark.parametrize("correlation", [0.0, 0.5, 0.8, 1.0])
def test_dispositions_rank_correlation_is_the_copulas(correlation):
    assert copula_rank_correlation_holds(copula_population(correlation), correlation)


def test_the_rank_correlation_check_detects_a_weaker_copula():
    """Companion: 0.6 instead of the default 0.8 (Spearman 0.58 instead of 0.79) fails."""
    assert not copula_rank_correlation_holds(copula_population(0.6), 0.8)


@pytest.mark.parametrize("seed", [5, 6])
def test_disposition_marginals_are_the_segments_beta(seed):
    """Kolmogorov-Smirnov against SciPy's Beta, whatever the correlation does to the ranks;
    the companion (shapes 10% off) is rejected on the same draws."""
    population = copula_population(0.8, seed)
    for dimension, mean in zip(DIMENSIONS, (0.6, 0.6, 0.55), strict=True):
        a, b = beta_shapes(mean, 0.2)
        values = getattr(population, dimension)
        assert stats.kstest(values, stats.beta(a, b).cdf).pvalue > 1e-3, dimension
        assert stats.kstest(values, stats.beta(1.1 * a, b).cdf).pvalue < 1e-6, dimension


@pytest.mark.parametrize(
    ("mean", "sd", "tolerance"),
    [
        (0.6, 0.2, 1e-12),  # the baseline's shapes (3, 2)
        (0.55, 0.2, 1e-12),
        (0.1, 0.05, 1e-12),
        (0.5, 0.28, 1e-8),  # shapes near 1: the density's slope is steep at the ends
        (0.3, 0.4, 1e-8),  # shapes below 1 (U-shaped)
        (0.9, 0.29, 1e-6),  # extreme shapes (0.063, 0.007)
    ],
)
def test_the_score_table_is_the_beta_quantile_of_the_normal_cdf(mean, sd, tolerance):
    """The tabulated map equals SciPy's betaincinv(a, b, Phi(z)) at random scores."""
    table = disposition_table(mean, sd)
    a, b = beta_shapes(mean, sd)
    rng = np.random.default_rng(1)
    scores = np.concatenate([rng.standard_normal(3000), rng.uniform(-8.8, 8.8, 3000)])
    got = np.array([score_to_disposition(score, table) for score in scores])
    expected = np.where(
        scores <= 0,
        special.betaincinv(a, b, special.ndtr(scores)),
        1.0 - special.betaincinv(b, a, special.ndtr(-scores)),
    )
    assert np.abs(got - expected).max() < tolerance
    assert score_to_disposition(-SCORE_LIMIT - 1.0, table) == table[0, 0]
    assert score_to_disposition(SCORE_LIMIT + 1.0, table) == table[0, -1]


# --- the initial customers: chosen in proportion to a weight -------------------------------


def test_selection_probabilities_average_the_share_in_proportion_to_the_weights():
    weights = np.random.default_rng(2).gamma(0.5, 1.0, 10_001)
    chances = selection_probabilities(weights, 0.3)
    assert chances.mean() == pytest.approx(0.3, abs=1e-12)
    assert chances.max() == 1.0  # the heaviest are capped at 1
    uncapped = chances < 1
    ratio = chances[uncapped] / weights[uncapped]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
    np.testing.assert_array_equal(selection_probabilities(weights, 0.0), 0.0)
    np.testing.assert_array_equal(selection_probabilities(weights, 1.0), 1.0)
    np.testing.assert_array_equal(selection_probabilities(np.zeros(5), 0.4), 0.4)


def _overall(population: PopulationArrays) -> np.ndarray:
    weights = (
        population.weight_competence + population.weight_integrity + population.weight_benevolence
    )
    return (
        population.competence * population.weight_competence
        + population.integrity * population.weight_integrity
        + population.benevolence * population.weight_benevolence
    ) / weights


def steep_weight(overall: np.ndarray) -> np.ndarray:
    return np.asarray(overall) ** 6


def chosen_by_weight(population: PopulationArrays, share: float) -> bool:
    """In each tenth of the people by chance, the active share is the mean chance within
    four standard errors."""
    chances = selection_probabilities(steep_weight(_overall(population)), share)
    order = np.argsort(chances)
    for group in np.array_split(order, 10):
        expected = chances[group].mean()
        observed = np.mean(population.state[group] == ACTIVE)
        tolerance = 4 * math.sqrt(max(expected * (1 - expected), 1e-4) / group.size)
        if abs(observed - expected) > tolerance:
            return False
    return True


def test_initial_customers_are_drawn_in_proportion_to_the_tenure_weight():
    settings = SETTINGS.model_copy(update={"initial_active_share": 0.3})
    weighted = sample_population(settings, key(3), tenure_weight=steep_weight)
    assert abs(np.mean(weighted.state == ACTIVE) - 0.3) < proportion_tolerance(0.3, N)
    assert chosen_by_weight(weighted, 0.3)
    # Companion: equal chances (no weight) fail the check.
    assert not chosen_by_weight(sample_population(settings, key(3)), 0.3)
    # Only the state changes: every trait is the same with or without the weight.
    plain = sample_population(settings, key(3))
    for field in dataclasses.fields(PopulationArrays):
        if field.name != "state":
            np.testing.assert_array_equal(getattr(weighted, field.name), getattr(plain, field.name))


def test_weighted_initial_state_does_not_depend_on_threads():
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one_thread = sample_population(SETTINGS, key(4), tenure_weight=steep_weight)
        numba.set_num_threads(2)
        two_threads = sample_population(SETTINGS, key(4), tenure_weight=steep_weight)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(one_thread.state, two_threads.state)
