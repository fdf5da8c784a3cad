"""Tests for trustsim.model.population: segment sampling, Beta traits and the initial state."""

from __future__ import annotations

import dataclasses
import math

import numba
import numpy as np
import pytest

from trustsim.model.population import (
    ACTIVE,
    CHURNED,
    PROSPECT,
    PopulationArrays,
    sample_population,
    sample_trait,
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
