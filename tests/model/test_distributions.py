"""Tests for trustsim.model.distributions: the AS241 normal quantile against SciPy, Beta
variates against the Beta distribution (with power shown by realistic mutations), and the
same numbers compiled and in plain Python."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import special, stats

from trustsim.compiled import njit
from trustsim.model import distributions as dist
from trustsim.model.random_numbers import DOMAIN_POPULATION, replicate_key


@njit
def quantiles(probabilities: Any, out: Any) -> None:  # type: ignore[misc]
    for i in range(probabilities.size):
        out[i] = dist.normal_quantile(probabilities[i])


@njit
def betas(a: float, b: float, key0: Any, key1: Any, stream: int, out: Any) -> None:  # type: ignore[misc]
    for unit in range(out.size):
        out[unit] = dist.beta_variate(a, b, key0, key1, unit, stream, DOMAIN_POPULATION)


def draw(a: float, b: float, seed: int, count: int = 40_000) -> np.ndarray:
    key = replicate_key(np.random.SeedSequence(seed))
    out = np.empty(count)
    betas(a, b, key[0], key[1], 1, out)
    return out


def test_normal_quantile_equals_scipy_to_the_last_bits():
    rng = np.random.default_rng(0)
    probabilities = np.concatenate(
        [
            rng.random(200_000),
            [2.0**-33, 1e-300, 1e-20, 1e-10, 0.075, 0.0749999, 0.5, 0.925, 1 - 2.0**-33],
            # either side of the two splits of AS241 (|q| = 0.425 and r = 5)
            [0.075 - 1e-12, 0.075 + 1e-12, np.exp(-25.0) * 0.999, np.exp(-25.0) * 1.001],
        ]
    )
    compiled = np.empty(probabilities.size)
    quantiles(probabilities, compiled)
    expected = special.ndtri(probabilities)
    relative = np.abs(compiled - expected) / np.maximum(np.abs(expected), 1e-300)
    assert relative.max() < 4e-15
    python = [dist.normal_quantile.py_func(p) for p in probabilities[-13:]]
    np.testing.assert_array_equal(python, compiled[-13:])


#: Shapes (a, b): the defaults' complaint propensity and initial trust, a U shape, a J
#: shape, both below 1 and skewed, and a very concentrated trait.
SHAPES = [(7.5, 42.5), (13.8, 9.2), (0.5, 0.5), (2.0, 0.3), (0.4, 0.7), (400.0, 100.0)]


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize(("a", "b"), SHAPES)
def test_beta_variates_follow_the_beta_distribution(a: float, b: float, seed: int):
    values = draw(a, b, seed)
    assert np.all((values >= 0.0) & (values <= 1.0))
    assert stats.kstest(values, stats.beta(a, b).cdf).pvalue > 1e-3


def test_extreme_shapes_agree_with_numpys_beta():
    """Mean 0.6, sd 0.45 (a = 0.111, b = 0.074): a third of the values round to exactly 1.0,
    where SciPy's cdf is too coarse for a one-sample test (NumPy's own Beta fails it as
    well), so the sample is compared with NumPy's."""
    a, b = 0.111, 0.074
    values = draw(a, b, seed=11)
    reference = np.random.default_rng(5).beta(a, b, values.size)
    assert stats.ks_2samp(values, reference).pvalue > 1e-3
    assert abs(values.mean() - 0.6) < 4 * 0.45 / values.size**0.5


@pytest.mark.parametrize(
    ("a", "b", "mutated"),
    [
        # a shape 10% off (a realistic mistake in the mean/sd -> shape conversion)
        (13.8, 9.2, (13.8 * 1.1, 9.2)),
        (7.5, 42.5, (7.5, 42.5 * 0.9)),
        # shapes below 1 sampled without the U^(1/a) correction, as if Gamma(a + 1)
        (0.5, 0.5, (1.5, 1.5)),
    ],
)
def test_the_test_detects_a_wrong_distribution(a: float, b: float, mutated: tuple[float, float]):
    """Companion mutation: the same test on variates of a wrongly shaped Beta fails."""
    values = draw(*mutated, seed=11)
    assert stats.kstest(values, stats.beta(a, b).cdf).pvalue < 1e-6


def test_compiled_and_python_give_the_same_variates():
    key = replicate_key(np.random.SeedSequence(3))
    compiled = np.empty(300)
    for a, b in SHAPES:
        betas(a, b, key[0], key[1], 2, compiled)
        for unit in (0, 1, 17, 299):
            python = dist.beta_variate.py_func(a, b, key[0], key[1], unit, 2, DOMAIN_POPULATION)
            assert python == compiled[unit], (a, b, unit)


def test_streams_and_units_give_independent_variates():
    key = replicate_key(np.random.SeedSequence(3))
    first, second = np.empty(20_000), np.empty(20_000)
    betas(2.0, 2.0, key[0], key[1], 1, first)
    betas(2.0, 2.0, key[0], key[1], 2, second)
    assert abs(stats.pearsonr(first, second).statistic) < 0.03
    assert abs(stats.pearsonr(first[:-1], first[1:]).statistic) < 0.03


def test_beta_shapes_of_a_mean_and_sd():
    a, b = dist.beta_shapes(0.6, 0.1)
    assert a / (a + b) == pytest.approx(0.6)
    assert (a * b / ((a + b) ** 2 * (a + b + 1))) ** 0.5 == pytest.approx(0.1)
