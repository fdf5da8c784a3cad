"""Tests for trustsim.rules.recovery: service recovery after complained failures."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.rules.recovery import recovery_outcomes, unresolved_failure


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


def test_arrays_partition_and_wrongful_denial_never_good():
    rng = np.random.default_rng(5)
    n = 5000
    complained = rng.random(n) < 0.6
    wrongful = rng.random(n) < 0.3
    good, poor = recovery_outcomes(complained, wrongful, rng.random(n), 1.0)
    assert not (good & poor).any()
    np.testing.assert_array_equal(good | poor, complained)
    assert not good[wrongful].any()
    # with perfect service, every complained failure without wrongful denial is good
    np.testing.assert_array_equal(good, complained & ~wrongful)


def test_zero_service_recovery_is_always_poor():
    complained = np.array([True, True, False])
    good, poor = recovery_outcomes(complained, np.zeros(3, dtype=bool), np.zeros(3), 0.0)
    assert not good.any()
    np.testing.assert_array_equal(poor, complained)


def test_recovery_scalar_matches_array(elementwise):
    rng = np.random.default_rng(6)
    n = 200
    elementwise(
        recovery_outcomes,
        {
            "complained": rng.random(n) < 0.7,
            "wrongful_denial": rng.random(n) < 0.2,
            "recovery_draw": rng.random(n),
            "service_recovery": rng.random(n),
        },
    )


def test_good_recovery_frequency():
    n = 200_000
    rng = np.random.default_rng(0)
    service = 0.6
    good, _ = recovery_outcomes(
        np.ones(n, dtype=bool), np.zeros(n, dtype=bool), rng.random(n), service
    )
    assert abs(good.mean() - service) < 4 * np.sqrt(service * (1 - service) / n)


@pytest.mark.parametrize(("broken", "good"), list(itertools.product([False, True], repeat=2)))
def test_unresolved_failure_truth_table(broken, good):
    assert bool(unresolved_failure(broken, good)) == (broken and not good)


def test_unresolved_failure_arrays(elementwise):
    broken = np.array([False, False, True, True])
    good = np.array([False, True, False, True])
    result = elementwise(unresolved_failure, {"broken": broken, "good_recovery": good})
    np.testing.assert_array_equal(result, [False, False, True, False])


def test_silent_or_poorly_handled_failures_stay_unresolved():
    rng = np.random.default_rng(9)
    n = 3000
    broken = rng.random(n) < 0.5
    complained = broken & (rng.random(n) < 0.4)
    wrongful = complained & (rng.random(n) < 0.2)
    good, poor = recovery_outcomes(complained, wrongful, rng.random(n), 0.6)
    unresolved = unresolved_failure(broken, good)
    assert unresolved[broken & ~complained].all()  # silent failures
    assert unresolved[poor & broken].all()  # poorly handled
    assert not unresolved[good].any()
    assert not unresolved[~broken].any()
