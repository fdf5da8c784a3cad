"""Tests for trustsim.rules.acquisition: Bass-like adoption scaled by trust."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustsim.rules.acquisition import adoption_probability, appeal

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


def reference(share: float, p: float, q: float) -> float:
    """One-step adoption probability by numerical integration (independent of the closed form).

    Contacts' share F follows dF/dt = (p + qF)(1 - F) from F(0) = share; the prospect's
    cumulative hazard H obeys dH/dt = p + qF; the probability is 1 - exp(-H(1)).
    """
    from scipy.integrate import solve_ivp

    solution = solve_ivp(
        lambda _t, y: [(p + q * y[0]) * (1 - y[0]), p + q * y[0]],
        (0.0, 1.0),
        [share, 0.0],
        rtol=1e-11,
        atol=1e-13,
    )
    return 1.0 - math.exp(-solution.y[1, -1])


@given(share=unit, trust=unit, p=unit, q=unit)
@settings(max_examples=60, deadline=None)
def test_bass_step_probability_matches_numerical_integration(share, trust, p, q):
    expected = reference(share, p, q)
    assert adoption_probability(share, trust, p, q, 0.0) == pytest.approx(expected, abs=1e-8)


def test_all_contacts_active_gives_constant_hazard():
    assert adoption_probability(1.0, 0.5, 0.01, 0.2, 1.0) == pytest.approx(1 - math.exp(-0.21))


def test_small_hazards_are_approximately_the_hazard():
    probability = adoption_probability(0.3, 0.5, 0.0002, 0.005, 0.0)
    assert probability == pytest.approx(0.0002 + 0.005 * 0.3, rel=0.01)


@given(share=unit, trust=unit, p=unit, q=unit, e=elasticity)
def test_zero_hazard_factor_gives_zero(share, trust, p, q, e):
    assert adoption_probability(share, trust, p, q, e, hazard_factor=0.0) == 0.0


def test_hazard_factor_and_advertising_scale_the_rates():
    # appeal 1 at trust 0.5; factor 0.1 scales both rates, advertising only p
    assert adoption_probability(0.4, 0.5, 0.002, 0.05, 1.0, 3.0, 0.1) == pytest.approx(
        reference(0.4, 0.1 * 0.002 * 3.0, 0.1 * 0.05), abs=1e-9
    )


def test_trust_appeal():
    # at trust 0.5 the appeal is 1 whatever the elasticity
    for e in (0.0, 1.0, 5.0):
        assert adoption_probability(0.5, 0.5, 0.01, 0.1, e) == pytest.approx(
            reference(0.5, 0.01, 0.1), abs=1e-9
        )
    # appeal = 1 + e * 2 * (trust - 0.5) scales both rates
    assert adoption_probability(0.5, 0.9, 0.01, 0.1, 1.0) == pytest.approx(
        reference(0.5, 0.01 * 1.8, 0.1 * 1.8), abs=1e-9
    )
    # appeal is clipped at zero: no adoption at all from very low trust
    assert adoption_probability(1.0, 0.0, 0.5, 0.5, 2.0) == 0.0


def test_a_huge_hazard_adopts_surely_instead_of_nan() -> None:
    # e^u overflows past u ~ 710: a campaign multiplier of 400 used to give NaN (no one
    # adopted) instead of certainty.
    share = np.array([0.0, 0.3, 1.0])
    for multiplier in (400.0, 1e4, 1e9):
        chance = adoption_probability(share, 0.8, 1.0, 0.5, 1.0, multiplier)
        np.testing.assert_array_equal(chance, [1.0, 1.0, 1.0])
    nobody = adoption_probability(share, 0.8, 0.0, 1e9, 1.0, 1.0)
    np.testing.assert_array_equal(nobody[0], 0.0)  # no advertising, no active contact
    assert np.all(nobody[1:] == 1.0)
    # below the switch (u <= 700) the closed form is used as before, bit for bit
    for u in (1e-3, 0.5, 50.0, 699.0):
        current = u / 2 + u / 2 * 0.3
        closed = current * np.expm1(u) / (u + current * np.expm1(u))
        assert adoption_probability(0.3, 0.5, u / 2, u / 2, 1.0) == closed


def test_appeal_function_is_the_factor_of_the_hazard(elementwise):
    trust = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(appeal(trust, 1.0), np.maximum(0.0, 2 * trust))
    np.testing.assert_allclose(appeal(trust, 0.0), 1.0)
    elementwise(appeal, {"trust": trust}, trust_elasticity=3.0)
