"""Tests for trustsim.rules.acquisition: Bass-like adoption scaled by trust."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import EDGE_UNIT, around, grid
from trustsim.rules.acquisition import adoption_probability, appeal

unit = st.floats(0.0, 1.0)
elasticity = st.floats(0.0, 10.0)


@settings(deadline=None)  # the first call may compile the rule
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


@settings(deadline=None)  # the first call may compile the rule
@given(s1=unit, s2=unit, trust=unit, p=unit, q=unit, e=elasticity)
def test_increases_with_active_contact_share(s1, s2, trust, p, q, e):
    s1, s2 = sorted((s1, s2))
    assert adoption_probability(s1, trust, p, q, e) <= adoption_probability(s2, trust, p, q, e)


@settings(deadline=None)  # the first call may compile the rule
@given(share=unit, t1=unit, t2=unit, p=unit, q=unit, e=st.floats(0.01, 10.0))
def test_increases_with_trust_when_elastic(share, t1, t2, p, q, e):
    t1, t2 = sorted((t1, t2))
    assert adoption_probability(share, t1, p, q, e) <= adoption_probability(share, t2, p, q, e)


def test_strictly_increasing_in_trust_and_share(elementwise):
    bass = {"innovation": 0.002, "imitation": 0.05, "trust_elasticity": 1.0}
    trust = np.linspace(0.0, 1.0, 11)
    by_trust = elementwise(adoption_probability, {"trust": trust}, active_contact_share=0.3, **bass)
    assert np.all(np.diff(by_trust) > 0)
    share = np.linspace(0.0, 1.0, 11)
    by_share = elementwise(adoption_probability, {"active_contact_share": share}, trust=0.6, **bass)
    assert np.all(np.diff(by_share) > 0)


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


@settings(deadline=None)  # the first call may compile the rule
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


def test_a_huge_hazard_adopts_surely_instead_of_nan(elementwise) -> None:
    # e^u overflows past u ~ 710: a campaign multiplier of 400 used to give NaN (no one
    # adopted) instead of certainty. (The Python source would raise OverflowError there;
    # the elementwise check runs it.)
    share = np.array([0.0, 0.3, 1.0])
    prospect = {"trust": 0.8, "trust_elasticity": 1.0}
    for multiplier in (400.0, 1e4, 1e9):
        chance = elementwise(
            adoption_probability,
            {"active_contact_share": share},
            innovation=1.0,
            imitation=0.5,
            advertising_multiplier=multiplier,
            **prospect,
        )
        np.testing.assert_array_equal(chance, [1.0, 1.0, 1.0])
    nobody = elementwise(
        adoption_probability,
        {"active_contact_share": share},
        innovation=0.0,
        imitation=1e9,
        **prospect,
    )
    assert nobody[0] == 0.0  # no advertising, no active contact
    assert np.all(nobody[1:] == 1.0)
    # below the switch (u <= 700) the closed form is used as before, bit for bit
    for u in (1e-3, 0.5, 50.0, 699.0, 700.0):
        current = u / 2 + u / 2 * 0.3
        closed = current * math.expm1(u) / (u + current * math.expm1(u))
        assert adoption_probability(0.3, 0.5, u / 2, u / 2, 1.0) == closed


def test_the_switch_to_logarithms_at_u_700_is_seamless(elementwise):
    # total rate u one ulp either side of 700, with tiny to large current hazards
    innovation = around(700.0)
    share = (0.0, 1e-300, 1e-6, 0.5, 1.0)
    for imitation_share in (0.0, 1e-310, 1e-20):
        chance = elementwise(
            adoption_probability,
            grid(active_contact_share=share, innovation=innovation),
            trust=0.5,
            imitation=imitation_share,
            trust_elasticity=0.0,
        )
        # innovation ~ 700 alone makes adoption certain, on both sides of the switch
        np.testing.assert_array_equal(chance, 1.0)
    # a tiny current hazard against a huge total: the two formulas agree across the switch
    rates = np.array(around(700.0))
    low = elementwise(
        adoption_probability,
        {"imitation": rates},
        active_contact_share=1e-303,
        trust=0.5,
        innovation=0.0,
        trust_elasticity=0.0,
    )
    assert np.all(low > 0.0) and np.all(low < 1.0)
    np.testing.assert_allclose(low, low[1], rtol=1e-9)


def test_adoption_compiled_equals_python(elementwise):
    inputs = grid(
        active_contact_share=EDGE_UNIT,
        trust=(*EDGE_UNIT, *around(0.25)),  # appeal reaches 0 at trust 0.25 for elasticity 2
        innovation=(0.0, 1e-300, 0.002, 1.0),
        imitation=(0.0, 0.05, 1.0, 1e300),
        trust_elasticity=(0.0, 2.0),
        advertising_multiplier=(0.0, 1.0, 400.0),
        hazard_factor=(0.0, 0.3, 1.0),
    )
    chance = elementwise(adoption_probability, inputs)
    assert np.all((chance >= 0.0) & (chance <= 1.0))


def test_appeal_function_is_the_factor_of_the_hazard(elementwise):
    trust = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(
        elementwise(appeal, {"trust": trust}, trust_elasticity=1.0), 2 * trust
    )
    np.testing.assert_array_equal(elementwise(appeal, {"trust": trust}, trust_elasticity=0.0), 1.0)
    steep = elementwise(appeal, {"trust": trust}, trust_elasticity=3.0)
    np.testing.assert_allclose(steep, np.maximum(0.0, 1 + 6 * (trust - 0.5)))
    assert steep[0] == 0.0 and steep[1] == 0.0  # clipped at zero


def test_appeal_compiled_equals_python(elementwise):
    # appeal crosses zero at trust 0.5 - 1 / (2 elasticity): 0.25 for elasticity 2
    values = elementwise(
        appeal,
        grid(
            trust=(*EDGE_UNIT, *around(0.25, 0.5)), trust_elasticity=(0.0, 1e-300, 1.0, 2.0, 1e300)
        ),
    )
    assert np.all(values >= 0.0)
    assert np.all(np.signbit(values) == False)  # noqa: E712 - never -0.0
