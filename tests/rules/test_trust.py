"""Tests for trustsim.rules.trust: experience units, asymmetric update, scar, overall trust."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.conftest import BELOW_ONE, EDGE_NON_NEGATIVE, EDGE_UNIT, around, grid, same_bits
from trustsim.rules.trust import (
    ExperienceUnits,
    _one,
    apply_units,
    experience_units,
    overall_trust,
    scar_update,
    update_rates,
)

unit = st.floats(0.0, 1.0)
units = st.floats(0.0, 50.0)
scars = st.floats(0.0, 50.0)

# default-like dynamics (see trustsim.scenario.schema.TrustDynamicsSettings)
GAIN, LOSS, SLOWDOWN = 0.04, 0.15, 2.0


def asymmetric_update(trust, scar, good_units, bad_units, gain_rate, loss_rate, scar_slowdown):
    """The trust update as the engines compute it: :func:`update_rates` then
    :func:`apply_units` (what trustsim.model.phases.experience does per dimension)."""
    rates = update_rates(scar, gain_rate, loss_rate, scar_slowdown)
    return apply_units(trust, good_units, bad_units, *rates)


def update(trust, good=0.0, bad=0.0, scar=0.0, gain=GAIN, loss=LOSS, slowdown=SLOWDOWN):
    return asymmetric_update(trust, scar, good, bad, gain, loss, slowdown)


# --- update_rates and apply_units -----------------------------------------------------------


@settings(deadline=None)  # the first call may compile the rule
@given(
    trust=unit, scar=scars, good=units, bad=units, gain=unit, loss=unit, slowdown=st.floats(0, 10)
)
def test_update_stays_in_unit_interval(trust, scar, good, bad, gain, loss, slowdown):
    new = asymmetric_update(trust, scar, good, bad, gain, loss, slowdown)
    assert 0.0 <= new <= 1.0


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, scar=scars, g1=units, g2=units, bad=units, gain=unit, loss=unit)
def test_more_good_units_never_lower_trust(trust, scar, g1, g2, bad, gain, loss):
    g1, g2 = sorted((g1, g2))
    fewer = update(trust, g1, bad, scar, gain, loss)
    more = update(trust, g2, bad, scar, gain, loss)
    assert fewer <= more  # to the bit, from 0 good units to some too


@settings(deadline=None)  # the first call may compile the rule
@given(
    trust=unit,
    g1=units,
    g2=units,
    bad=units,
    log_keep_distance=st.floats(math.log1p(-(1.0 - 1e-12)), 0.0),
    log_keep_trust=st.floats(math.log1p(-(1.0 - 1e-12)), 0.0),
)
def test_apply_units_is_monotone_in_good_units(
    trust, g1, g2, bad, log_keep_distance, log_keep_trust
):
    """Any retention factors, the tiny gains (log factor -1e-300) included: a good unit
    never lowers trust, not even by the rounding of ``1 - (1 - trust)``."""
    g1, g2 = sorted((g1, g2))
    fewer = apply_units(trust, g1, bad, log_keep_distance, log_keep_trust)
    more = apply_units(trust, g2, bad, log_keep_distance, log_keep_trust)
    assert fewer <= more
    assert apply_units.py_func(trust, g2, bad, log_keep_distance, log_keep_trust) == more


def test_a_good_unit_at_zero_gain_never_lowers_trust():
    """The case that broke monotonicity: at gain ~0, ``1 - (1 - 0.1)`` is
    0.09999999999999998, below 0.1; the rule keeps the trust after the losses instead
    (the round trip may still round up, as for 2**-53)."""
    assert 1.0 - (1.0 - 0.1) < 0.1  # the rounding the rule guards against
    log_keep_trust = update_rates(0.0, 0.0, LOSS, SLOWDOWN)[1]
    assert same_bits(apply_units(0.1, 1.0, 0.0, 0.0, log_keep_trust), 0.1)
    for log_keep_distance in (0.0, -1e-300, -1e-17):
        for trust in (*EDGE_UNIT, 0.1, 0.3, 1e-12):
            for bad in (0.0, 1.0):
                without = apply_units(trust, 0.0, bad, log_keep_distance, log_keep_trust)
                one_unit = apply_units(trust, 1.0, bad, log_keep_distance, log_keep_trust)
                assert without <= one_unit <= without + 2.0**-53


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, scar=scars, good=units, b1=units, b2=units, gain=unit, loss=unit)
def test_more_bad_units_never_raise_trust(trust, scar, good, b1, b2, gain, loss):
    b1, b2 = sorted((b1, b2))
    assert update(trust, good, b1, scar, gain, loss) >= update(trust, good, b2, scar, gain, loss)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, good=units, s1=scars, s2=scars)
def test_larger_scar_slows_gains(trust, good, s1, s2):
    s1, s2 = sorted((s1, s2))
    gain_small_scar = update(trust, good, scar=s1) - trust
    gain_large_scar = update(trust, good, scar=s2) - trust
    assert gain_large_scar <= gain_small_scar + 1e-12


def test_scar_strictly_slows_a_gain():
    assert update(0.5, good=1, scar=1.0) < update(0.5, good=1, scar=0.0)
    # gain rate is divided by 1 + slowdown * scar
    expected = 1 - 0.5 * (1 - GAIN / (1 + SLOWDOWN * 1.0))
    assert update(0.5, good=1, scar=1.0) == pytest.approx(expected)


@settings(deadline=None)  # the first call may compile the rule
@given(trust=unit, scar=scars)
def test_no_experience_leaves_trust_unchanged(trust, scar):
    # exactly: skipping a customer without experience and applying no units agree to the bit
    assert same_bits(update(trust, 0.0, 0.0, scar), trust)


def test_no_units_of_one_kind_skip_that_factor_exactly():
    log_keep_distance, log_keep_trust = update_rates(0.0, GAIN, LOSS, SLOWDOWN)
    for trust in (*EDGE_UNIT, 0.1, 0.3, 0.7):
        # no units: not even the round trip 1 - (1 - trust)
        assert same_bits(apply_units(trust, 0.0, 0.0, log_keep_distance, log_keep_trust), trust)
        # bad units only: the share of trust kept, nothing else
        expected = trust * math.exp(2.0 * log_keep_trust)
        assert same_bits(apply_units(trust, 0.0, 2.0, log_keep_distance, log_keep_trust), expected)
        # good units only: the distance to 1 kept
        distance = 1.0 - (1.0 - trust) * math.exp(3.0 * log_keep_distance)
        assert same_bits(apply_units(trust, 3.0, 0.0, log_keep_distance, log_keep_trust), distance)


def test_single_unit_formulas():
    assert update(0.6, bad=1) == pytest.approx(0.6 * (1 - LOSS))
    assert update(0.6, good=1) == pytest.approx(1 - 0.4 * (1 - GAIN))
    # bad units apply first, then good ones
    after_loss = 0.6 * (1 - LOSS) ** 2
    assert update(0.6, good=3, bad=2) == pytest.approx(1 - (1 - after_loss) * (1 - GAIN) ** 3)


def test_one_bad_unit_outweighs_several_good_units():
    trust = 0.6
    loss = trust - update(trust, bad=1)
    gain_one = update(trust, good=1) - trust
    ratio = loss / gain_one
    assert 3.0 <= ratio <= 6.0
    # and climbing back to where one was takes several kept promises
    level, kept = update(trust, bad=1), 0
    while level < trust:
        level, kept = update(level, good=1), kept + 1
    assert 3 <= kept <= 6


def test_repair_after_betrayal_is_slower_than_first_building():
    def units_to_reach(start, target, scar):
        level, count = start, 0
        while level < target:
            level, count = update(level, good=1, scar=scar), count + 1
            scar = scar_update(scar, 0.0, 0.5, 0.01)
        return count

    scar_after_betrayal = scar_update(0.0, 1.0, 0.5, 0.01)
    assert scar_after_betrayal > 0
    assert units_to_reach(0.5, 0.6, scar_after_betrayal) > units_to_reach(0.5, 0.6, 0.0)


def test_update_compiled_equals_python(elementwise):
    rng = np.random.default_rng(10)
    n = 200
    scar = rng.random(n) * 3
    log_keep_distance, log_keep_trust = elementwise(
        update_rates, {"scar": scar}, gain_rate=GAIN, loss_rate=LOSS, scar_slowdown=SLOWDOWN
    )
    new = elementwise(
        apply_units,
        {
            "trust": rng.random(n),
            "good_units": rng.integers(0, 5, n).astype(float),
            "bad_units": rng.random(n) * 2,
            "log_keep_distance": log_keep_distance,
        },
        log_keep_trust=float(log_keep_trust[0]),
    )
    assert np.all((new >= 0.0) & (new <= 1.0))


def test_update_rates_compiled_equal_python_at_the_edges(elementwise):
    # rates of 1 are capped one part in 1e12 below 1, so that log1p stays finite
    cap = 1.0 - 1e-12
    keep_distance, keep_trust = elementwise(
        update_rates,
        grid(
            scar=(0.0, 5e-324, 1e-300, 1.0, 50.0, 1e300),
            gain_rate=(*EDGE_UNIT, *around(cap)),
            loss_rate=(*EDGE_UNIT, *around(cap)),
            scar_slowdown=(0.0, 2.0),
        ),
    )
    assert np.all(np.isfinite(keep_distance) & (keep_distance <= 0.0))
    assert np.all(np.isfinite(keep_trust) & (keep_trust <= 0.0))
    assert update_rates(0.0, 1.0, 1.0, 0.0) == (math.log1p(-cap), math.log1p(-cap))
    assert update_rates(0.0, 0.0, 0.0, 2.0) == (0.0, 0.0)


def test_apply_units_compiled_equals_python_at_the_edges(elementwise):
    logs = (0.0, math.log1p(-GAIN), math.log1p(-LOSS), math.log1p(-(1.0 - 1e-12)))
    new = elementwise(
        apply_units,
        grid(
            trust=EDGE_UNIT,
            good_units=(*EDGE_NON_NEGATIVE, *around(0.0)[1:]),
            bad_units=(*EDGE_NON_NEGATIVE, *around(0.0)[1:]),
            log_keep_distance=logs,
            log_keep_trust=logs,
        ),
    )
    assert np.all((new >= 0.0) & (new <= 1.0))


def test_update_over_customers_with_the_same_units(elementwise):
    trust = np.array([0.0, 0.3, 1.0])
    new = elementwise(
        apply_units,
        {"trust": trust},
        good_units=1.0,
        bad_units=0.0,
        log_keep_distance=math.log1p(-GAIN),
        log_keep_trust=math.log1p(-LOSS),
    )
    np.testing.assert_allclose(new, 1 - (1 - trust) * (1 - GAIN))


# --- scar_update ----------------------------------------------------------------------------


def test_scar_heals_and_grows():
    assert scar_update(1.0, 0.0, 0.5, 0.1) == pytest.approx(0.9)
    assert scar_update(0.0, 2.0, 0.5, 0.1) == pytest.approx(1.0)
    assert scar_update(1.0, 2.0, 0.5, 0.1) == pytest.approx(1.9)


@settings(deadline=None)  # the first call may compile the rule
@given(scar=scars, bad=units, per=st.floats(0, 5), decay=unit)
def test_scar_stays_non_negative(scar, bad, per, decay):
    assert scar_update(scar, bad, per, decay) >= 0.0


def test_scar_compiled_equals_python(elementwise):
    rng = np.random.default_rng(11)
    elementwise(
        scar_update,
        {"scar": rng.random(50) * 4, "bad_units": rng.random(50) * 3},
        scar_per_betrayal=0.5,
        scar_decay=0.01,
    )
    scar = elementwise(
        scar_update,
        grid(
            scar=(0.0, 5e-324, 1.0, 50.0),
            bad_units=EDGE_NON_NEGATIVE,
            scar_per_betrayal=(0.0, 0.5, 5.0),
            scar_decay=EDGE_UNIT,
        ),
    )
    assert np.all(scar >= 0.0)


# --- experience_units -----------------------------------------------------------------------

PARAMS = {
    "transparency_softening": 0.5,
    "recovery_repair": 0.8,
    "poor_recovery_penalty": 0.6,
    "check_distrust_signal": 0.15,
    "wait_penalty_per_week": 0.3,
    "approved_claim_signal": 0.3,
    "wrongful_denial_penalty": 1.0,
    "disclosure_credit": 0.2,
    "friendliness_effect": 0.3,
    "breach_severity": 2.0,
}
NO_EVENTS = {
    "kept": False,
    "broken": False,
    "failure_disclosed": False,
    "good_recovery": False,
    "poor_recovery": False,
    "honest_claim_checked": False,
    "wait_days": 0.0,
    "status_communicated": False,
    "claim_approved": False,
    "wrongful_denial": False,
    "data_leaked": False,
    "breach_disclosed": False,
    "friendliness": 0.5,
}


def units_for(**changes) -> dict[str, float]:
    events = {**NO_EVENTS, **{k: v for k, v in changes.items() if k in NO_EVENTS}}
    params = {**PARAMS, **{k: v for k, v in changes.items() if k in PARAMS}}
    return {
        name: float(value) for name, value in experience_units(**events, **params)._asdict().items()
    }


def test_no_events_no_units():
    assert all(value == 0.0 for value in units_for().values())


def test_kept_promise_is_one_good_competence_unit():
    u = units_for(kept=True)
    assert u["competence_good"] == 1.0
    assert u["competence_bad"] == 0.0


def test_broken_promise_is_one_bad_competence_unit():
    u = units_for(broken=True)
    assert u["competence_bad"] == 1.0
    assert u["competence_good"] == 0.0
    assert u["integrity_good"] == 0.0


@pytest.mark.parametrize("softening", [0.0, 0.3, 0.5, 1.0])
def test_disclosure_softens_competence_loss(softening):
    u = units_for(broken=True, failure_disclosed=True, transparency_softening=softening)
    assert u["competence_bad"] == pytest.approx(1.0 - softening)
    assert u["integrity_good"] == pytest.approx(PARAMS["disclosure_credit"])


@pytest.mark.parametrize("repair", [0.0, 0.4, 0.8, 1.0])
def test_good_recovery_reduces_competence_loss(repair):
    u = units_for(broken=True, good_recovery=True, recovery_repair=repair)
    assert u["competence_bad"] == pytest.approx(1.0 - repair)
    # repair takes away part of the loss; it credits nothing on top (no recovery paradox in
    # trust: de Matos, Henrique & Rossi 2007 find none on repurchase or word-of-mouth)
    assert u["benevolence_good"] == 0.0
    assert u["integrity_good"] == 0.0


def test_recovery_repair_above_one_never_makes_loss_negative():
    u = units_for(broken=True, good_recovery=True, recovery_repair=1.5)
    assert u["competence_bad"] == 0.0
    assert u["benevolence_good"] == 0.0


def test_disclosure_and_recovery_combine():
    u = units_for(broken=True, failure_disclosed=True, good_recovery=True)
    expected = (1 - PARAMS["transparency_softening"]) * (1 - PARAMS["recovery_repair"])
    assert u["competence_bad"] == pytest.approx(expected)


def test_poor_recovery_penalises_benevolence_and_integrity():
    u = units_for(broken=True, poor_recovery=True)
    assert u["integrity_bad"] == pytest.approx(PARAMS["poor_recovery_penalty"])
    assert u["benevolence_bad"] == pytest.approx(PARAMS["poor_recovery_penalty"])
    assert u["competence_bad"] == 1.0


def test_claim_signals():
    checked = units_for(honest_claim_checked=True)
    assert checked["benevolence_bad"] == pytest.approx(PARAMS["check_distrust_signal"])
    approved = units_for(claim_approved=True)
    assert approved["benevolence_good"] == pytest.approx(PARAMS["approved_claim_signal"])
    denied = units_for(wrongful_denial=True)
    assert denied["integrity_bad"] == pytest.approx(PARAMS["wrongful_denial_penalty"])
    assert denied["benevolence_bad"] == pytest.approx(PARAMS["wrongful_denial_penalty"])


@pytest.mark.parametrize("days", [0.0, 3.5, 7.0, 14.0])
def test_waiting_costs_benevolence_per_week_softened_when_kept_informed(days):
    waited = units_for(wait_days=days)
    assert waited["benevolence_bad"] == pytest.approx(PARAMS["wait_penalty_per_week"] * days / 7)
    informed = units_for(wait_days=days, status_communicated=True)
    softened = 1 - PARAMS["transparency_softening"]
    assert informed["benevolence_bad"] == pytest.approx(waited["benevolence_bad"] * softened)
    # being kept informed without waiting changes nothing
    assert all(v == 0.0 for v in units_for(status_communicated=True).values())


def test_breach_units_softened_by_disclosure():
    silent = units_for(data_leaked=True)
    assert silent["integrity_bad"] == pytest.approx(PARAMS["breach_severity"])
    assert silent["integrity_good"] == 0.0
    disclosed = units_for(data_leaked=True, breach_disclosed=True)
    softened = PARAMS["breach_severity"] * (1 - PARAMS["transparency_softening"])
    assert disclosed["integrity_bad"] == pytest.approx(softened)
    assert disclosed["integrity_good"] == pytest.approx(PARAMS["disclosure_credit"])
    # disclosing a breach that did not happen does nothing
    assert all(v == 0.0 for v in units_for(breach_disclosed=True).values())


@pytest.mark.parametrize("touch", ["kept", "broken"])
def test_friendliness_sign_sets_benevolence_direction(touch):
    effect = PARAMS["friendliness_effect"]
    unfriendly = units_for(**{touch: True}, friendliness=0.2)
    assert unfriendly["benevolence_bad"] == pytest.approx(effect * 2 * 0.3)
    assert unfriendly["benevolence_good"] == 0.0
    friendly = units_for(**{touch: True}, friendliness=0.9)
    assert friendly["benevolence_good"] == pytest.approx(effect * 2 * 0.4)
    assert friendly["benevolence_bad"] == 0.0
    neutral = units_for(**{touch: True}, friendliness=0.5)
    assert neutral["benevolence_good"] == neutral["benevolence_bad"] == 0.0


def test_friendliness_needs_a_touchpoint():
    for friendliness in (0.0, 1.0):
        u = units_for(friendliness=friendliness)
        assert u["benevolence_good"] == u["benevolence_bad"] == 0.0


flags = st.booleans()


@settings(deadline=None)  # the first call may compile the rule
@given(
    events=st.fixed_dictionaries(
        {name: flags for name in NO_EVENTS if name not in ("friendliness", "wait_days")}
    ),
    friendliness=unit,
    wait=st.floats(0.0, 60.0),
    softening=unit,
    repair=st.floats(0.0, 3.0),
    others=st.lists(st.floats(0.0, 5.0), min_size=8, max_size=8),
)
def test_all_units_non_negative(events, friendliness, wait, softening, repair, others):
    names = [n for n in PARAMS if n not in ("transparency_softening", "recovery_repair")]
    params = dict(zip(names, others, strict=True))
    # a step has at most one of kept/broken and of good/poor recovery
    events["kept"] = events["kept"] and not events["broken"]
    events["poor_recovery"] = events["poor_recovery"] and not events["good_recovery"]
    result = experience_units(
        **events,
        wait_days=wait,
        friendliness=friendliness,
        transparency_softening=softening,
        recovery_repair=repair,
        **params,
    )
    assert isinstance(result, ExperienceUnits)
    for value in result:
        assert value >= 0.0


def test_experience_units_compiled_equals_python(elementwise):
    rng = np.random.default_rng(12)
    n = 150
    touched = rng.random(n) < 0.7
    broken = touched & (rng.random(n) < 0.3)
    good = broken & (rng.random(n) < 0.5)
    arrays = {
        "kept": touched & ~broken,
        "broken": broken,
        "failure_disclosed": broken & (rng.random(n) < 0.5),
        "good_recovery": good,
        "poor_recovery": broken & ~good & (rng.random(n) < 0.5),
        "honest_claim_checked": rng.random(n) < 0.2,
        "wait_days": np.where(rng.random(n) < 0.2, rng.random(n) * 14, 0.0),
        "status_communicated": rng.random(n) < 0.5,
        "claim_approved": rng.random(n) < 0.3,
        "wrongful_denial": rng.random(n) < 0.1,
        "data_leaked": rng.random(n) < 0.2,
        "breach_disclosed": rng.random(n) < 0.5,
        "friendliness": rng.random(n),
    }
    result = elementwise(experience_units, arrays, **PARAMS)
    assert isinstance(result, ExperienceUnits)
    np.testing.assert_array_equal(result.competence_good, arrays["kept"])
    for value in result:
        assert np.all(value >= 0.0)


def test_experience_units_compiled_equals_python_at_the_edges(elementwise):
    # every event flag on and off (one at a time and all together) against edge parameters
    flags = [name for name, value in NO_EVENTS.items() if isinstance(value, bool)]
    cases = [dict.fromkeys(flags, False), dict.fromkeys(flags, True)]
    cases += [{**dict.fromkeys(flags, False), name: True} for name in flags]
    for case in cases:
        elementwise(
            experience_units,
            grid(
                wait_days=(0.0, 5e-324, 3.5, 1e6),
                friendliness=(*EDGE_UNIT, *around(0.5)),
                transparency_softening=(0.0, 0.5, 1.0),
                recovery_repair=(*around(0.0)[1:], 0.8, *around(1.0)),
            ),
            **case,
            **{
                k: v
                for k, v in PARAMS.items()
                if k not in ("transparency_softening", "recovery_repair")
            },
        )
    for flag in (False, True):
        assert same_bits(_one(flag), _one.py_func(flag))
    assert (_one(False), _one(True)) == (0.0, 1.0)


# --- overall_trust --------------------------------------------------------------------------


def test_overall_trust_is_weighted_mean():
    assert overall_trust(0.9, 0.3, 0.6, 0.4, 0.3, 0.3) == pytest.approx(0.36 + 0.09 + 0.18)
    assert overall_trust(0.9, 0.3, 0.6, 1.0, 0.0, 0.0) == pytest.approx(0.9)
    assert overall_trust(0.9, 0.3, 0.6, 0.0, 0.0, 2.0) == pytest.approx(0.6)


@settings(deadline=None)  # the first call may compile the rule
@given(
    c=unit,
    i=unit,
    b=unit,
    wc=st.floats(0.01, 5),
    wi=st.floats(0, 5),
    wb=st.floats(0, 5),
    scale=st.floats(0.01, 100),
)
def test_overall_trust_normalises_weights(c, i, b, wc, wi, wb, scale):
    base = overall_trust(c, i, b, wc, wi, wb)
    scaled = overall_trust(c, i, b, wc * scale, wi * scale, wb * scale)
    assert scaled == pytest.approx(base, abs=1e-12)
    assert min(c, i, b) - 1e-12 <= base <= max(c, i, b) + 1e-12


@settings(deadline=None)  # the first call may compile the rule
@given(value=unit, wc=st.floats(0.01, 5), wi=st.floats(0, 5), wb=st.floats(0, 5))
def test_overall_trust_equal_dimensions(value, wc, wi, wb):
    assert overall_trust(value, value, value, wc, wi, wb) == pytest.approx(value, abs=1e-12)


def test_overall_trust_compiled_equals_python(elementwise):
    rng = np.random.default_rng(13)
    n = 100
    elementwise(
        overall_trust,
        {
            "competence": rng.random(n),
            "integrity": rng.random(n),
            "benevolence": rng.random(n),
            "weight_competence": rng.random(n) + 0.01,
            "weight_integrity": rng.random(n),
            "weight_benevolence": rng.random(n),
        },
    )
    # subnormal weights are checked bit for bit but not for the bounds: 0.25 * 5e-324
    # underflows to 0
    elementwise(
        overall_trust,
        grid(
            competence=(0.0, 0.25, 1.0),
            integrity=(0.0, 0.5),
            benevolence=(1.0,),
            weight_competence=(5e-324, 1.0),
            weight_integrity=(0.0, 5e-324),
            weight_benevolence=(0.0, 5e-324),
        ),
    )
    weights = (0.0, 1e-300, 0.3, 1.0, 1e300)
    inputs = grid(
        competence=EDGE_UNIT,
        integrity=(0.0, 0.5, 1.0),
        benevolence=(0.0, BELOW_ONE, 1.0),
        weight_competence=weights[1:],
        weight_integrity=weights,
        weight_benevolence=weights,
    )
    overall = elementwise(overall_trust, inputs)
    dimensions = np.stack([inputs["competence"], inputs["integrity"], inputs["benevolence"]])
    assert np.all(overall >= dimensions.min(axis=0) - 1e-15)
    assert np.all(overall <= dimensions.max(axis=0) + 1e-15)
