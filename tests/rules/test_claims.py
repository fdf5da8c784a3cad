"""Tests for trustsim.rules.claims: complaints, verification and resolution of claims."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustsim.rules.claims import (
    check_probability,
    complaint_probability,
    money_problem_or_false_claim,
    overdue_probability,
    resolve_claims,
)

unit = st.floats(0.0, 1.0)


# --- complaint_probability ------------------------------------------------------------------


@given(propensity=unit, simplicity=unit)
def test_complaint_probability_in_unit_interval(propensity, simplicity):
    p = complaint_probability(propensity, simplicity)
    assert 0.0 <= p <= 1.0


@given(propensity=unit, low=unit, high=unit)
def test_complaint_probability_grows_with_channel_simplicity(propensity, low, high):
    low, high = sorted((low, high))
    assert complaint_probability(propensity, low) <= complaint_probability(propensity, high)


def test_complaint_probability_documented_values():
    assert complaint_probability(0.3, 0.5) == pytest.approx(0.3)  # own propensity
    assert complaint_probability(0.3, 1.0) == pytest.approx(0.6)  # doubled (Goodman 1999)
    assert complaint_probability(0.3, 0.0) == pytest.approx(0.15)  # halved
    assert complaint_probability(0.6, 1.0) == 1.0  # 1.2 clipped


def test_complaint_probability_scalar_matches_array(elementwise):
    rng = np.random.default_rng(3)
    elementwise(
        complaint_probability,
        {"complaint_propensity": rng.random(100), "channel_simplicity": rng.random(100)},
    )


def test_complaint_probability_broadcasts():
    p = complaint_probability(np.array([0.2, 0.4, 0.8]), 1.0)
    np.testing.assert_allclose(p, [0.4, 0.8, 1.0])


# --- overdue_probability --------------------------------------------------------------------


@pytest.mark.parametrize(("mean", "deadline"), [(5.0, 10.0), (1.0, 1.0), (20.0, 3.0), (2.0, 0.0)])
def test_overdue_probability_is_exponential_tail(mean, deadline):
    assert overdue_probability(mean, deadline) == pytest.approx(math.exp(-deadline / mean))


def test_overdue_probability_zero_for_instant_checks():
    assert overdue_probability(0.0, 10.0) == 0.0
    assert overdue_probability(0.0, 0.0) == 0.0


def test_overdue_probability_falls_with_longer_deadline():
    values = [overdue_probability(5.0, deadline) for deadline in (0.0, 1.0, 5.0, 10.0, 50.0)]
    assert values[0] == 1.0
    assert all(a > b for a, b in itertools.pairwise(values))


# --- money_problem_or_false_claim -----------------------------------------------------------


def test_money_problems_and_false_claims_split_one_draw():
    draw = np.array([0.01, 0.05, 0.08, 0.5, 0.01, 0.05, 0.08])
    honest = np.array([True, True, True, True, False, False, False])
    problem, false = money_problem_or_false_claim(draw, 0.04, 0.06, honest)
    np.testing.assert_array_equal(problem, [True, False, False, False, True, False, False])
    np.testing.assert_array_equal(false, [False, False, False, False, False, True, True])


def test_money_problem_or_false_claim_scalar_matches_array(elementwise):
    rng = np.random.default_rng(2)
    elementwise(
        money_problem_or_false_claim,
        {"claim_draw": rng.random(100), "honest": rng.random(100) < 0.8},
        money_problem_probability=0.1,
        false_probability=0.2,
    )


# --- check_probability ----------------------------------------------------------------------


@pytest.mark.parametrize("targeting", [1.0, 2.0, 3.0])
def test_targeting_traces_a_power_roc_curve_with_the_documented_area(targeting):
    strictness = np.linspace(0.0, 1.0, 20001)
    false_positive = check_probability(False, strictness, targeting)
    true_positive = check_probability(True, strictness, targeting)
    np.testing.assert_allclose(true_positive, false_positive ** (1 / targeting**2), atol=1e-12)
    area = np.trapezoid(true_positive, false_positive)
    assert area == pytest.approx(targeting**2 / (1 + targeting**2), abs=1e-3)


# --- resolve_claims -------------------------------------------------------------------------

SETTINGS = {"check_days_mean": 5.0, "resolution_deadline_days": 8.0}


def _random_inputs(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "has_claim": rng.random(n) < 0.7,
        "is_false": rng.random(n) < 0.3,
        "check_draw": rng.random(n),
        "duration_draw": rng.random(n),
        "verdict_draw": rng.random(n),
    }


def _assert_invariants(
    inputs: dict[str, np.ndarray], strictness, result, background, deadline=None
) -> None:
    deadline = SETTINGS["resolution_deadline_days"] if deadline is None else deadline
    has_claim = np.asarray(inputs["has_claim"], dtype=bool)
    is_false = np.asarray(inputs["is_false"], dtype=bool)
    checked = np.asarray(result.checked)
    approved, denied = np.asarray(result.approved), np.asarray(result.denied)
    auto = np.asarray(result.auto_approved)
    caught, paid = np.asarray(result.false_caught), np.asarray(result.false_paid)
    wrongful = np.asarray(result.wrongful_denial)
    wait = np.asarray(result.wait_days)

    # approved and denied partition the claims
    assert not (approved & denied).any()
    np.testing.assert_array_equal(approved | denied, has_claim)
    # nothing happens without a claim (even if is_false is set)
    for flag in result[:-1]:
        assert not (np.asarray(flag) & ~has_claim).any()
    # fraud caught only on false claims, wrongful denials only on honest ones
    assert not (caught & ~is_false).any()
    assert not (wrongful & is_false).any()
    np.testing.assert_array_equal(denied, caught | wrongful)
    np.testing.assert_array_equal(paid, approved & is_false)
    # unchecked claims are approved at once
    assert approved[has_claim & ~checked].all()
    # auto-approval only after a check, and always in the customer's favour
    assert checked[auto].all()
    assert approved[auto].all()
    # a denial needs a timely check
    assert (checked & ~auto)[denied].all()
    # customers wait only for foreground checks, never beyond the deadline
    assert (wait >= 0).all() and (wait <= deadline).all()
    assert (wait[~checked] == 0).all()
    if background:
        assert (wait == 0).all()
    else:
        np.testing.assert_allclose(wait[auto], deadline)
    if np.all(np.asarray(strictness) == 0):
        assert not checked.any()
    if np.all(np.asarray(strictness) >= 1):
        np.testing.assert_array_equal(checked, has_claim)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    strictness=unit,
    mean=st.floats(0.0, 30.0),
    deadline=st.floats(0.0, 60.0),
    detection=unit,
    false_denial=unit,
    background=st.booleans(),
)
def test_resolve_claims_invariants(
    seed, strictness, mean, deadline, detection, false_denial, background
):
    inputs = _random_inputs(np.random.default_rng(seed), 300)
    result = resolve_claims(
        **inputs,
        verification_strictness=strictness,
        check_days_mean=mean,
        resolution_deadline_days=deadline,
        detection_rate=detection,
        false_denial_rate=false_denial,
        background=background,
    )
    _assert_invariants(inputs, strictness, result, background, deadline)


@pytest.mark.parametrize("strictness", [0.0, 1.0])
@pytest.mark.parametrize("background", [False, True])
def test_resolve_claims_invariants_at_strictness_extremes(strictness, background):
    inputs = _random_inputs(np.random.default_rng(7), 2000)
    result = resolve_claims(
        **inputs,
        verification_strictness=strictness,
        detection_rate=0.8,
        false_denial_rate=0.2,
        background=background,
        **SETTINGS,
    )
    _assert_invariants(inputs, strictness, result, background)


def test_background_checks_change_only_the_wait():
    inputs = _random_inputs(np.random.default_rng(17), 2000)
    common = {"verification_strictness": 0.7, "detection_rate": 0.8, "false_denial_rate": 0.1}
    front = resolve_claims(**inputs, **common, **SETTINGS)
    back = resolve_claims(**inputs, **common, background=True, **SETTINGS)
    for name in front._fields[:-1]:
        np.testing.assert_array_equal(getattr(front, name), getattr(back, name))
    assert (np.asarray(front.wait_days)[np.asarray(front.checked)] > 0).all()
    assert (np.asarray(back.wait_days) == 0).all()


def test_resolve_claims_per_customer_strictness():
    inputs = _random_inputs(np.random.default_rng(8), 1000)
    strictness = np.where(np.arange(1000) < 500, 0.0, 1.0)
    result = resolve_claims(
        **inputs,
        verification_strictness=strictness,
        detection_rate=0.8,
        false_denial_rate=0.1,
        **SETTINGS,
    )
    assert not result.checked[:500].any()
    np.testing.assert_array_equal(result.checked[500:], inputs["has_claim"][500:])


def test_resolve_claims_scalar_matches_array(elementwise):
    rng = np.random.default_rng(4)
    inputs = _random_inputs(rng, 300)
    inputs["verification_strictness"] = rng.random(300)
    elementwise(
        resolve_claims,
        inputs,
        detection_rate=0.7,
        false_denial_rate=0.2,
        **SETTINGS,
    )


def test_resolve_claims_single_claim_outcomes():
    common = {
        "has_claim": True,
        "detection_rate": 0.8,
        "false_denial_rate": 0.1,
        "verification_strictness": 0.5,
        "check_days_mean": 10.0,
        "resolution_deadline_days": 10.0,
    }
    long_check, short_check = 0.2, 0.7  # durations 16.1 and 3.6 days
    # unchecked: approved at once, even if false (fraud paid)
    r = resolve_claims(
        is_false=True, check_draw=0.9, duration_draw=long_check, verdict_draw=0.0, **common
    )
    assert r.approved and not r.checked and r.false_paid and r.wait_days == 0
    # checked, overdue: approved at the deadline after waiting for it
    r = resolve_claims(
        is_false=True, check_draw=0.1, duration_draw=long_check, verdict_draw=0.0, **common
    )
    assert r.checked and r.auto_approved and r.approved and r.false_paid and not r.false_caught
    assert r.wait_days == pytest.approx(10.0)
    # checked in time, false, detected
    r = resolve_claims(
        is_false=True, check_draw=0.1, duration_draw=short_check, verdict_draw=0.5, **common
    )
    assert r.false_caught and r.denied and not r.approved and not r.wrongful_denial
    assert r.wait_days == pytest.approx(-10 * math.log(short_check))
    # checked in time, false, missed
    r = resolve_claims(
        is_false=True, check_draw=0.1, duration_draw=short_check, verdict_draw=0.9, **common
    )
    assert r.approved and r.false_paid and not r.false_caught
    # checked in time, honest, wrongly denied
    r = resolve_claims(
        is_false=False, check_draw=0.1, duration_draw=short_check, verdict_draw=0.05, **common
    )
    assert r.wrongful_denial and r.denied and not r.false_caught
    # checked in time, honest, approved
    r = resolve_claims(
        is_false=False, check_draw=0.1, duration_draw=short_check, verdict_draw=0.5, **common
    )
    assert r.approved and not r.denied and not r.false_paid
    # no claim at all
    r = resolve_claims(
        has_claim=False,
        is_false=True,
        check_draw=0.0,
        duration_draw=short_check,
        verdict_draw=0.0,
        **{k: v for k, v in common.items() if k != "has_claim"},
    )
    assert not any(bool(flag) for flag in r)


def _se(p: float, n: int) -> float:
    return math.sqrt(p * (1.0 - p) / n)


def test_resolve_claims_frequencies():
    n = 200_000
    rng = np.random.default_rng(0)
    strictness, detection, false_denial = 0.4, 0.75, 0.1
    overdue = overdue_probability(SETTINGS["check_days_mean"], SETTINGS["resolution_deadline_days"])
    is_false = rng.random(n) < 0.3
    result = resolve_claims(
        has_claim=np.ones(n, dtype=bool),
        is_false=is_false,
        check_draw=rng.random(n),
        duration_draw=rng.random(n),
        verdict_draw=rng.random(n),
        verification_strictness=strictness,
        detection_rate=detection,
        false_denial_rate=false_denial,
        **SETTINGS,
    )
    checked = result.checked
    assert abs(checked.mean() - strictness) < 4 * _se(strictness, n)

    n_checked = int(checked.sum())
    auto_share = result.auto_approved[checked].mean()
    assert abs(auto_share - overdue) < 4 * _se(overdue, n_checked)
    # the mean wait of a check is E[min(Exp(mean), deadline)] = mean (1 - e^(-deadline/mean))
    mean_wait = SETTINGS["check_days_mean"] * (1 - overdue)
    waits = np.asarray(result.wait_days)[checked]
    assert abs(waits.mean() - mean_wait) < 4 * waits.std() / math.sqrt(n_checked)

    timely = checked & ~result.auto_approved
    timely_false, timely_honest = timely & is_false, timely & ~is_false
    caught_share = result.false_caught[timely_false].mean()
    assert abs(caught_share - detection) < 4 * _se(detection, int(timely_false.sum()))
    wrongful_share = result.wrongful_denial[timely_honest].mean()
    assert abs(wrongful_share - false_denial) < 4 * _se(false_denial, int(timely_honest.sum()))
