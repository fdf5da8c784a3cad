"""Tests for trustsim.rules.acquisition: Bass-like adoption scaled by trust."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.acquisition import adoption_probability

unit = st.floats(0.0, 1.0)
elasticity = st.floats(0.0, 10.0)


@given(
    share=unit,
    trust=unit,
    p=unit,
    q=unit,
    e=elasticity,
    advertising=st.floats(0.0, 10.0),
    factor=unit,
)
def test_probability_in_unit_interval(share, trust, p, q, e, advertising, factor):
    prob = adoption_probability(share, trust, p, q, e, advertising, factor)
    assert 0.0 <= prob <= 1.0


@given(s1=unit, s2=unit, trust=unit, p=unit, q=unit, e=elasticity)
def test_increases_with_active_contact_share(s1, s2, trust, p, q, e):
    s1, s2 = sorted((s1, s2))
    assert adoption_probability(s1, trust, p, q, e) <= adoption_probability(s2, trust, p, q, e)


@given(share=unit, t1=unit, t2=unit, p=unit, q=unit, e=st.floats(0.01, 10.0))
def test_increases_with_trust_when_elastic(share, t1, t2, p, q, e):
    t1, t2 = sorted((t1, t2))
    assert adoption_probability(share, t1, p, q, e) <= adoption_probability(share, t2, p, q, e)


def test_strictly_increasing_in_trust_and_share():
    trust = np.linspace(0.0, 1.0, 11)
    assert np.all(np.diff(adoption_probability(0.3, trust, 0.002, 0.05, 1.0)) > 0)
    share = np.linspace(0.0, 1.0, 11)
    assert np.all(np.diff(adoption_probability(share, 0.6, 0.002, 0.05, 1.0)) > 0)


@given(share=unit, trust=unit, p=unit, q=unit)
def test_bass_hazard_without_trust_elasticity(share, trust, p, q):
    expected = 1.0 - math.exp(-(p + q * share))
    assert adoption_probability(share, trust, p, q, 0.0) == pytest.approx(expected, abs=1e-12)


@given(share=unit, trust=unit, p=unit, q=unit, e=elasticity)
def test_zero_hazard_factor_gives_zero(share, trust, p, q, e):
    assert adoption_probability(share, trust, p, q, e, hazard_factor=0.0) == 0.0


def test_hazard_factor_and_advertising_scale_the_hazard():
    base = 0.002 * 3.0 + 0.05 * 0.4
    assert adoption_probability(0.4, 0.5, 0.002, 0.05, 1.0, 3.0, 0.1) == pytest.approx(
        1 - math.exp(-0.1 * base)
    )


def test_trust_appeal():
    # at trust 0.5 the appeal is 1 whatever the elasticity
    for e in (0.0, 1.0, 5.0):
        assert adoption_probability(0.5, 0.5, 0.01, 0.1, e) == pytest.approx(1 - math.exp(-0.06))
    # appeal = 1 + e * 2 * (trust - 0.5)
    assert adoption_probability(0.5, 0.9, 0.01, 0.1, 1.0) == pytest.approx(
        1 - math.exp(-0.06 * 1.8)
    )
    # appeal is clipped at zero: no adoption at all from very low trust
    assert adoption_probability(1.0, 0.0, 0.5, 0.5, 2.0) == 0.0


def test_scalar_matches_array(elementwise):
    rng = np.random.default_rng(40)
    n = 100
    elementwise(
        adoption_probability,
        {
            "active_contact_share": rng.random(n),
            "trust": rng.random(n),
            "hazard_factor": rng.random(n),
        },
        innovation=0.002,
        imitation=0.05,
        trust_elasticity=1.5,
        advertising_multiplier=2.0,
    )


def test_broadcasts_scalar_trust_over_array_share():
    share = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(
        adoption_probability(share, 0.5, 0.01, 0.1, 1.0), 1 - np.exp(-(0.01 + 0.1 * share))
    )
