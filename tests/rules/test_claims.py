"""Tests for trustsim.rules.claims: complaints, verification and resolution of claims."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import (
    BELOW_ONE,
    EDGE_DRAWS,
    EDGE_UNIT,
    around,
    check_elementwise,
    grid,
)
from trustsim.rules.claims import (
    ClaimResolution,
    check_duration,
    check_probability,
    complaint_probability,
    false_claim_probability,
    money_problem_or_false_claim,
    overdue_probability,
    resolve_claim,
)

unit = st.floats(0.0, 1.0)
draw_ = st.floats(0.0, 1.0, exclude_max=True)


# --- complaint_probability ------------------------------------------------------------------


@settings(deadline=None)  # the first call may compile the rule
@given(propensity=unit, simplicity=unit)
def test_complaint_probability_in_unit_interval(propensity, simplicity):
    p = complaint_probability(propensity, simplicity)
    assert 0.0 <= p <= 1.0


@settings(deadline=None)  # the first call may compile the rule
@given(propensity=unit, low=unit, high=unit)
def test_complaint_probability_grows_with_channel_simplicity(propensity, low, high):
    low, high = sorted((low, high))
    assert complaint_probability(propensity, low) <= complaint_probability(propensity, high)


def test_complaint_probability_documented_values():
    assert complaint_probability(0.3, 0.5) == pytest.approx(0.3)  # own propensity
    assert complaint_probability(0.3, 1.0) == pytest.approx(0.6)  # doubled (Goodman 1999)
    assert complaint_probability(0.3, 0.0) == pytest.approx(0.15)  # halved
    assert complaint_probability(0.6, 1.0) == 1.0  # 1.2 clipped


def test_complaint_probability_compiled_equals_python(elementwise):
    rng = np.random.default_rng(3)
    elementwise(
        complaint_probability,
        {"complaint_propensity": rng.random(100), "channel_simplicity": rng.random(100)},
    )
    # propensity 0.5 doubled reaches the clip at 1 exactly at the simplest channel
    p = elementwise(
        complaint_probability,
        grid(complaint_propensity=(*EDGE_UNIT, *around(0.5)), channel_simplicity=EDGE_UNIT),
    )
    assert np.all((p >= 0.0) & (p <= 1.0))


def test_complaint_probability_over_customers(elementwise):
    p = elementwise(
        complaint_probability, {"complaint_propensity": [0.2, 0.4, 0.8]}, channel_simplicity=1.0
    )
    np.testing.assert_allclose(p, [0.4, 0.8, 1.0])


# --- false_claim_probability ----------------------------------------------------------------


def test_strict_checking_deters_false_claims_linearly(elementwise):
    strictness = np.linspace(0.0, 1.0, 11)
    p = elementwise(
        false_claim_probability,
        {"verification_strictness": strictness},
        false_claim_probability_unchecked=0.02,
        deterrence=0.5,
    )
    np.testing.assert_allclose(p, 0.02 * (1 - 0.5 * strictness), rtol=1e-15)
    assert p[0] == 0.02  # no checking, no deterrence
    assert np.all(np.diff(p) < 0)
    elementwise(
        false_claim_probability,
        grid(
            false_claim_probability_unchecked=EDGE_UNIT,
            deterrence=EDGE_UNIT,
            verification_strictness=EDGE_UNIT,
        ),
    )


@settings(deadline=None)  # the first call may compile the rule
@given(p=unit, deterrence=unit, strictness=unit)
def test_false_claim_probability_stays_below_the_unchecked_one(p, deterrence, strictness):
    deterred = false_claim_probability(p, deterrence, strictness)
    assert 0.0 <= deterred <= p


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


def test_overdue_probability_compiled_equals_python(elementwise):
    p = elementwise(
        overdue_probability,
        grid(
            check_days_mean=(*around(0.0), 1e-300, 1.0, 5.0, 1e300),
            resolution_deadline_days=(0.0, 1e-300, 1.0, 8.0, 1e6),
        ),
    )
    assert np.all((p >= 0.0) & (p <= 1.0))


# --- money_problem_or_false_claim -----------------------------------------------------------


def test_money_problems_and_false_claims_split_one_draw(elementwise):
    draw = np.array([0.01, 0.05, 0.08, 0.5, 0.01, 0.05, 0.08])
    honest = np.array([True, True, True, True, False, False, False])
    problem, false = elementwise(
        money_problem_or_false_claim,
        {"claim_draw": draw, "honest": honest},
        money_problem_probability=0.04,
        false_probability=0.06,
    )
    np.testing.assert_array_equal(problem, [True, False, False, False, True, False, False])
    np.testing.assert_array_equal(false, [False, False, False, False, False, True, True])


def test_money_problem_or_false_claim_thresholds(elementwise):
    problem_p, false_p = 0.1, 0.2
    # each boundary and one ulp either side: a draw equal to a boundary is above it
    draws = around(problem_p, problem_p + false_p)
    problem, false = elementwise(
        money_problem_or_false_claim,
        {"claim_draw": draws},
        money_problem_probability=problem_p,
        false_probability=false_p,
        honest=False,
    )
    np.testing.assert_array_equal(problem, [True, False, False, False, False, False])
    np.testing.assert_array_equal(false, [False, True, True, True, False, False])


def test_money_problem_or_false_claim_compiled_equals_python(elementwise):
    rng = np.random.default_rng(2)
    problem, false = elementwise(
        money_problem_or_false_claim,
        {"claim_draw": rng.random(100), "honest": rng.random(100) < 0.8},
        money_problem_probability=0.1,
        false_probability=0.2,
    )
    assert not (problem & false).any()
    problem, false = elementwise(
        money_problem_or_false_claim,
        grid(
            claim_draw=(*EDGE_DRAWS, *around(0.25, 0.5, 0.75)),
            money_problem_probability=(0.0, 0.25, 0.5, 1.0),
            false_probability=(0.0, 0.25, 0.5, 1.0),
            honest=(False, True),
        ),
    )
    assert not (problem & false).any()


@settings(deadline=None)  # the first call may compile the rule
@given(draw=draw_, problem_p=unit, false_p=unit, honest=st.booleans())
def test_money_problem_or_false_claim_partitions_the_draw(draw, problem_p, false_p, honest):
    problem, false = money_problem_or_false_claim(draw, problem_p, false_p, honest)
    assert problem == (draw < problem_p)  # anyone may have a money problem
    assert not (problem and false)
    assert false == (not honest and problem_p <= draw < problem_p + false_p)


# --- check_probability ----------------------------------------------------------------------


@pytest.mark.parametrize("targeting", [1.0, 2.0, 3.0])
def test_targeting_traces_a_power_roc_curve_with_the_documented_area(elementwise, targeting):
    strictness = {"verification_strictness": np.linspace(0.0, 1.0, 20001)}
    false_positive = elementwise(check_probability, strictness, is_false=False, targeting=targeting)
    true_positive = elementwise(check_probability, strictness, is_false=True, targeting=targeting)
    np.testing.assert_allclose(true_positive, false_positive ** (1 / targeting**2), atol=1e-12)
    area = np.trapezoid(true_positive, false_positive)
    assert area == pytest.approx(targeting**2 / (1 + targeting**2), abs=1e-3)


def test_check_probability_extremes_and_compiled_equals_python(elementwise):
    p = elementwise(
        check_probability,
        grid(
            is_false=(False, True),
            verification_strictness=EDGE_UNIT,
            targeting=(1e-300, 0.5, 1.0, 2.0, 3.0, 1e300),
        ),
    )
    assert np.all((p >= 0.0) & (p <= 1.0))
    # at strictness 0 and 1 nothing and everything is checked, whatever the targeting
    for targeting in (1.0, 2.0, 3.0):
        for is_false in (False, True):
            assert check_probability(is_false, 0.0, targeting) == 0.0
            assert check_probability(is_false, 1.0, targeting) == 1.0
    # random checks (targeting 1): strictness is the share checked, false or honest
    assert check_probability(True, 0.3, 1.0) == check_probability(False, 0.3, 1.0) == 0.3
    # risk scoring checks false claims more often than honest ones
    assert check_probability(True, 0.3, 2.0) > 0.3 > check_probability(False, 0.3, 2.0)


# --- check_duration ---------------------------------------------------------------------------


def test_check_duration_is_the_exponential_quantile(elementwise):
    draws = np.array([0.9, 0.5, 0.2, 0.01])
    days = elementwise(check_duration, {"duration_draw": draws}, check_days_mean=10.0)
    np.testing.assert_allclose(days, -10.0 * np.log(draws), rtol=1e-15)
    assert np.all(np.diff(days) > 0)  # smaller draws, longer checks
    assert check_duration(0.5, 10.0) == pytest.approx(10 * math.log(2))  # the median


def test_check_duration_extremes():
    assert check_duration(0.0, 5.0) == math.inf  # a draw of exactly 0
    assert check_duration(5e-324, 5.0) == pytest.approx(5.0 * 744.44, rel=1e-4)  # finite
    for draw in EDGE_DRAWS:
        assert check_duration(draw, 0.0) == 0.0  # instant checks
        assert check_duration(draw, -1.0) == 0.0


def test_check_duration_compiled_equals_python(elementwise):
    days = elementwise(
        check_duration,
        grid(
            duration_draw=(*EDGE_DRAWS, *around(math.exp(-8.0 / 5.0))),
            check_days_mean=(*around(0.0), 1e-300, 1.0, 5.0, 1e300),
        ),
    )
    assert np.all(days >= 0.0)


def test_check_durations_are_exponential_with_the_overdue_tail():
    n = 200_000
    mean, deadline = 5.0, 8.0
    days = np.vectorize(check_duration)(np.random.default_rng(21).random(n), mean)
    assert abs(days.mean() - mean) < 4 * mean / math.sqrt(n)  # sd of Exp(mean) is mean
    overdue = overdue_probability(mean, deadline)
    assert abs((days > deadline).mean() - overdue) < 4 * _se(overdue, n)
    # a draw exactly at exp(-deadline / mean) is a check lasting the deadline, up to rounding
    assert check_duration(math.exp(-deadline / mean), mean) == pytest.approx(deadline)


# --- resolve_claim --------------------------------------------------------------------------

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
def test_resolve_claim_invariants(
    seed, strictness, mean, deadline, detection, false_denial, background
):
    inputs = _random_inputs(np.random.default_rng(seed), 300)
    result = check_elementwise(
        resolve_claim,
        inputs,
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
def test_resolve_claim_invariants_at_strictness_extremes(elementwise, strictness, background):
    inputs = _random_inputs(np.random.default_rng(7), 2000)
    result = elementwise(
        resolve_claim,
        inputs,
        verification_strictness=strictness,
        detection_rate=0.8,
        false_denial_rate=0.2,
        background=background,
        **SETTINGS,
    )
    _assert_invariants(inputs, strictness, result, background)


def test_background_checks_change_only_the_wait(elementwise):
    inputs = _random_inputs(np.random.default_rng(17), 2000)
    common = {"verification_strictness": 0.7, "detection_rate": 0.8, "false_denial_rate": 0.1}
    front = elementwise(resolve_claim, inputs, **common, **SETTINGS)
    back = elementwise(resolve_claim, inputs, **common, background=True, **SETTINGS)
    for name in front._fields[:-1]:
        np.testing.assert_array_equal(getattr(front, name), getattr(back, name))
    assert (np.asarray(front.wait_days)[np.asarray(front.checked)] > 0).all()
    assert (np.asarray(back.wait_days) == 0).all()


def test_resolve_claim_per_customer_strictness(elementwise):
    inputs = _random_inputs(np.random.default_rng(8), 1000)
    strictness = np.where(np.arange(1000) < 500, 0.0, 1.0)
    result = elementwise(
        resolve_claim,
        {**inputs, "verification_strictness": strictness},
        detection_rate=0.8,
        false_denial_rate=0.1,
        **SETTINGS,
    )
    assert not result.checked[:500].any()
    np.testing.assert_array_equal(result.checked[500:], inputs["has_claim"][500:])


def test_resolve_claim_compiled_equals_python(elementwise):
    rng = np.random.default_rng(4)
    inputs = _random_inputs(rng, 300)
    inputs["verification_strictness"] = rng.random(300)
    result = elementwise(
        resolve_claim, inputs, detection_rate=0.7, false_denial_rate=0.2, **SETTINGS
    )
    _assert_invariants(inputs, inputs["verification_strictness"], result, background=False)


@pytest.mark.parametrize("targeting", [1.0, 2.0])
@pytest.mark.parametrize(("mean", "deadline"), [(5.0, 8.0), (0.0, 8.0), (5.0, 0.0)])
def test_resolve_claim_compiled_equals_python_at_the_edges(elementwise, targeting, mean, deadline):
    strictness = 0.5
    detection, false_denial = 0.8, 0.1
    # every threshold a draw is compared with, and one ulp either side: the check
    # probability of honest and false claims, the draw whose check lasts exactly the
    # deadline, and the two verdict rates
    check_draws = (
        *around(check_probability(False, strictness, targeting)),
        *around(check_probability(True, strictness, targeting)),
        0.0,
        BELOW_ONE,
    )
    at_deadline = around(math.exp(-deadline / mean) if mean > 0 else 0.5)
    duration_draws = (*EDGE_DRAWS, *(draw for draw in at_deadline if 0.0 <= draw < 1.0))
    verdict_draws = (*around(false_denial, detection), 0.0, BELOW_ONE)
    inputs = grid(
        has_claim=(False, True),
        is_false=(False, True),
        check_draw=check_draws,
        duration_draw=duration_draws,
        verdict_draw=verdict_draws,
        background=(False, True),
    )
    result = elementwise(
        resolve_claim,
        inputs,
        verification_strictness=strictness,
        check_days_mean=mean,
        resolution_deadline_days=deadline,
        detection_rate=detection,
        false_denial_rate=false_denial,
        targeting=targeting,
    )
    assert isinstance(result, ClaimResolution)
    for background in (False, True):
        chosen = inputs["background"] == background
        part = {name: value[chosen] for name, value in inputs.items()}
        fields = ClaimResolution(*(np.asarray(field)[chosen] for field in result))
        _assert_invariants(part, strictness, fields, background, deadline)
    if mean > 0 and deadline > 0:
        # the draw whose check lasts the deadline decides auto-approval, to the ulp
        checked = result.checked
        below, _, above = at_deadline
        assert result.auto_approved[checked & (inputs["duration_draw"] == below)].all()
        assert not result.auto_approved[checked & (inputs["duration_draw"] == above)].any()
        assert result.checked.any() and not result.checked[inputs["has_claim"]].all()
    if mean == 0:
        assert not result.auto_approved.any()
        assert (result.wait_days == 0).all()


def test_resolve_claim_single_claim_outcomes():
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
    r = resolve_claim(
        is_false=True, check_draw=0.9, duration_draw=long_check, verdict_draw=0.0, **common
    )
    assert r.approved and not r.checked and r.false_paid and r.wait_days == 0
    # checked, overdue: approved at the deadline after waiting for it
    r = resolve_claim(
        is_false=True, check_draw=0.1, duration_draw=long_check, verdict_draw=0.0, **common
    )
    assert r.checked and r.auto_approved and r.approved and r.false_paid and not r.false_caught
    assert r.wait_days == pytest.approx(10.0)
    # checked in time, false, detected
    r = resolve_claim(
        is_false=True, check_draw=0.1, duration_draw=short_check, verdict_draw=0.5, **common
    )
    assert r.false_caught and r.denied and not r.approved and not r.wrongful_denial
    assert r.wait_days == pytest.approx(-10 * math.log(short_check))
    # checked in time, false, missed
    r = resolve_claim(
        is_false=True, check_draw=0.1, duration_draw=short_check, verdict_draw=0.9, **common
    )
    assert r.approved and r.false_paid and not r.false_caught
    # checked in time, honest, wrongly denied
    r = resolve_claim(
        is_false=False, check_draw=0.1, duration_draw=short_check, verdict_draw=0.05, **common
    )
    assert r.wrongful_denial and r.denied and not r.false_caught
    # checked in time, honest, approved
    r = resolve_claim(
        is_false=False, check_draw=0.1, duration_draw=short_check, verdict_draw=0.5, **common
    )
    assert r.approved and not r.denied and not r.false_paid
    # no claim at all
    r = resolve_claim(
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


def test_resolve_claim_frequencies():
    n = 200_000
    rng = np.random.default_rng(0)
    strictness, detection, false_denial = 0.4, 0.75, 0.1
    overdue = overdue_probability(SETTINGS["check_days_mean"], SETTINGS["resolution_deadline_days"])
    is_false = rng.random(n) < 0.3
    resolve = np.vectorize(resolve_claim, otypes=[bool] * 7 + [float])
    result = ClaimResolution(
        *resolve(
            True,
            is_false,
            rng.random(n),
            rng.random(n),
            rng.random(n),
            strictness,
            SETTINGS["check_days_mean"],
            SETTINGS["resolution_deadline_days"],
            detection,
            false_denial,
        )
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
