"""Tests for trustsim.rules.recovery: service recovery after complained failures."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import EDGE_DRAWS, EDGE_UNIT, around, grid
from trustsim.rules.recovery import recovery_outcomes, unresolved_failure


@settings(deadline=None)  # the first call may compile the rule
@given(
    complained=st.booleans(),
    wrongful=st.booleans(),
    draw=st.floats(0.0, 1.0, exclude_max=True),
    service=st.floats(0.0, 1.0),
)
def test_good_and_poor_partition_complaints(complained, wrongful, draw, service):
    good, poor = recovery_outcomes(complained, wrongful, draw, service)
    assert not (good and poor)
    assert bool(good or poor) == complained
    if wrongful:
        assert not good
    if complained and not wrongful:
        assert bool(good) == (draw < service)


def test_many_customers_partition_and_wrongful_denial_never_good(elementwise):
    rng = np.random.default_rng(5)
    n = 5000
    complained = rng.random(n) < 0.6
    wrongful = rng.random(n) < 0.3
    good, poor = elementwise(
        recovery_outcomes,
        {"complained": complained, "wrongful_denial": wrongful, "recovery_draw": rng.random(n)},
        service_recovery=1.0,
    )
    assert not (good & poor).any()
    np.testing.assert_array_equal(good | poor, complained)
    assert not good[wrongful].any()
    # with perfect service, every complained failure without wrongful denial is good
    np.testing.assert_array_equal(good, complained & ~wrongful)


def test_zero_service_recovery_is_always_poor(elementwise):
    complained = np.array([True, True, False])
    good, poor = elementwise(
        recovery_outcomes,
        {"complained": complained},
        wrongful_denial=False,
        recovery_draw=0.0,
        service_recovery=0.0,
    )
    assert not good.any()
    np.testing.assert_array_equal(poor, complained)


def test_recovery_compiled_equals_python(elementwise):
    rng = np.random.default_rng(6)
    n = 200
    good, poor = elementwise(
        recovery_outcomes,
        {
            "complained": rng.random(n) < 0.7,
            "wrongful_denial": rng.random(n) < 0.2,
            "recovery_draw": rng.random(n),
            "service_recovery": rng.random(n),
        },
    )
    assert not (good & poor).any()
    inputs = grid(
        complained=(False, True),
        wrongful_denial=(False, True),
        recovery_draw=(*EDGE_DRAWS, *around(0.6)),
        service_recovery=(*EDGE_UNIT, 0.6),
    )
    good, poor = elementwise(recovery_outcomes, inputs)
    np.testing.assert_array_equal(good | poor, inputs["complained"])
    # a draw equal to the service level is a poor recovery; one ulp below, a good one
    below, at, _ = around(0.6)
    assert recovery_outcomes(True, False, below, 0.6) == (True, False)
    assert recovery_outcomes(True, False, at, 0.6) == (False, True)


def test_good_recovery_frequency():
    n = 200_000
    rng = np.random.default_rng(0)
    service = 0.6
    good, _ = np.vectorize(recovery_outcomes, otypes=[bool, bool])(
        True, False, rng.random(n), service
    )
    assert abs(good.mean() - service) < 4 * np.sqrt(service * (1 - service) / n)


@pytest.mark.parametrize(("broken", "good"), list(itertools.product([False, True], repeat=2)))
def test_unresolved_failure_truth_table(broken, good):
    assert bool(unresolved_failure(broken, good)) == (broken and not good)


def test_unresolved_failure_compiled_equals_python(elementwise):
    failure = np.array([False, False, True, True])
    good = np.array([False, True, False, True])
    result = elementwise(unresolved_failure, {"failure": failure, "good_recovery": good})
    np.testing.assert_array_equal(result, [False, False, True, False])


def test_silent_or_poorly_handled_failures_stay_unresolved(elementwise):
    rng = np.random.default_rng(9)
    n = 3000
    broken = rng.random(n) < 0.5
    complained = broken & (rng.random(n) < 0.4)
    wrongful = complained & (rng.random(n) < 0.2)
    good, poor = elementwise(
        recovery_outcomes,
        {"complained": complained, "wrongful_denial": wrongful, "recovery_draw": rng.random(n)},
        service_recovery=0.6,
    )
    unresolved = elementwise(unresolved_failure, {"failure": broken, "good_recovery": good})
    assert unresolved[broken & ~complained].all()  # silent failures
    assert unresolved[poor & broken].all()  # poorly handled
    assert not unresolved[good].any()
    assert not unresolved[~broken].any()
