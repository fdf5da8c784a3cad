"""One customer's step, written once and compiled: what both engines call.

A step has two synchronous phases. :func:`decide` reads only the state at the start of the
step (the customer's own, the firm's and the public reputation): trust relaxes toward the
customer's disposition, the customer lives their own experience (interactions, complaints
and claims, verification, recovery, trust update) and decides whether to tell a contact.
:func:`settle` then applies the word-of-mouth the customer heard, the reputation drift of
prospects, and decides churn or adoption; :func:`tenure` keeps the flags that classify a
leaver. The arithmetic is in :mod:`trustsim.rules`; these functions only compose the rules
in the phase order of DESIGN.md.

Both engines call the same compiled functions: the agents engine once per Mesa
``CustomerAgent`` (from Python), the vectorized engine inside one compiled loop over the
customers (:mod:`trustsim.model.engines.vectorized`). The floats a customer ends a step with
depend only on that customer's inputs and on counter-based draws, so the two engines, and
the vectorized engine on any number of threads, give identical numbers
(tests/model/engines/test_engines.py checks every scenario).

**Draws.** Every random number is a pure function of (replicate key, step, customer, draw
slot) (:mod:`trustsim.model.random_numbers`, domain CUSTOMER), computed only when read:

=========  =====================================  =======================================
block      slots                                  read by
=========  =====================================  =======================================
0          touch, claim, talk, leave_or_adopt     everybody, every step
1          keep, disclose, complain, raise        customers with a touchpoint or a claim
2          check, duration, verdict, recovery     customers with a complaint or a claim
3          tell, contact, leak, (unused)          bad experiences, speakers, breaches
=========  =====================================  =======================================

Because no draw depends on another customer or on which draws were read before, variants
of a scenario keep common random numbers exactly.

**Parameters** reach the compiled code as one-element structured arrays (a record type):
the scenario's constants once per run (:func:`parameters`), the firm's levers and the
step's firm-wide events once per step (:func:`firm_record`). A record costs about 1 us to
pass from Python, a 40-field NamedTuple about 7 us (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit
from trustsim.model.random_numbers import DOMAIN_CUSTOMER, index_below32, uniform32, words
from trustsim.rules import (
    acquisition,
    calendar,
    churn,
    claims,
    interactions,
    recovery,
    relaxation,
    trust,
    wom,
)
from trustsim.scenario.schema import Scenario

#: Customer states (int8 in the engines).
PROSPECT, ACTIVE, CHURNED = 0, 1, 2

#: A leaver counts as *dissatisfied* when their last problem (a broken promise or a money
#: problem) happened within this many days before leaving; as *silent* when they did not
#: complain about that problem (docs/validation.md: the 80% calibration target).
DISSATISFIED_WINDOW_DAYS = 90
#: ``last_problem_step`` of a customer without a problem in this tenure.
NO_PROBLEM = -(10**9)

# --------------------------------------------------------------------------- event bits
#: What happened to one customer in one step, as bits of one integer (int64). The order is
#: the order of :data:`EVENT_BITS`; counts per step are the number of customers with a bit.
EVENT_BITS: tuple[str, ...] = (
    "kept",  # a promise kept
    "broken",  # a promise broken
    "money_problem",
    "failure",  # a problem: a broken promise or a money problem
    "complained",
    "filed",  # a claim filed (a complaint, or a false claim)
    "false_claim",
    "checked",
    "auto_approved",
    "approved",
    "denied",
    "false_caught",
    "false_paid",
    "wrongful_denial",
    "good_recovery",
    "poor_recovery",
    "unresolved",  # a failure not followed by good recovery
    "leaked",
    "bad_experience",  # unresolved, wrongly denied or leaked: may be told to a contact
    "waited",  # waited for a thorough check of a claim
    "spoke_positive",
    "spoke_negative",
    "left",
    "adopted",
    "won_back",
    "left_after_complaint",  # left, having complained during this tenure
    "left_dissatisfied",  # left within DISSATISFIED_WINDOW_DAYS of a problem
    "left_dissatisfied_silent",  # ... without complaining about that problem
)
BIT: dict[str, int] = {name: 1 << index for index, name in enumerate(EVENT_BITS)}
KEPT, BROKEN, MONEY_PROBLEM, FAILURE = (
    BIT["kept"],
    BIT["broken"],
    BIT["money_problem"],
    BIT["failure"],
)
COMPLAINED, FILED, FALSE_CLAIM, CHECKED = (
    BIT["complained"],
    BIT["filed"],
    BIT["false_claim"],
    BIT["checked"],
)
AUTO_APPROVED, APPROVED, DENIED = BIT["auto_approved"], BIT["approved"], BIT["denied"]
FALSE_CAUGHT, FALSE_PAID, WRONGFUL_DENIAL = (
    BIT["false_caught"],
    BIT["false_paid"],
    BIT["wrongful_denial"],
)
GOOD_RECOVERY, POOR_RECOVERY, UNRESOLVED = (
    BIT["good_recovery"],
    BIT["poor_recovery"],
    BIT["unresolved"],
)
LEAKED, BAD_EXPERIENCE, WAITED = BIT["leaked"], BIT["bad_experience"], BIT["waited"]
SPOKE_POSITIVE, SPOKE_NEGATIVE = BIT["spoke_positive"], BIT["spoke_negative"]
LEFT, ADOPTED, WON_BACK = BIT["left"], BIT["adopted"], BIT["won_back"]
LEFT_AFTER_COMPLAINT = BIT["left_after_complaint"]
LEFT_DISSATISFIED = BIT["left_dissatisfied"]
LEFT_DISSATISFIED_SILENT = BIT["left_dissatisfied_silent"]

# --------------------------------------------------------------------------- draw blocks
BLOCK_BASE, BLOCK_EVENTS, BLOCK_CLAIM, BLOCK_OTHER = 0, 1, 2, 3


@njit(inline=True)
def draws(key0: Any, key1: Any, step: Any, person: Any, block: Any) -> Any:
    """The four raw 32-bit words of one draw block of ``person`` in ``step``."""
    return words(key0, key1, step, person, block, DOMAIN_CUSTOMER)


# --------------------------------------------------------------------------- parameters

#: The scenario's constants the customer phases read, computed once per run: per-step
#: probabilities and rates converted from the scenario's yearly rates and half-lives.
PARAMETER_FIELDS: tuple[tuple[str, Any], ...] = (
    ("relax_share", np.float64),  # share of the gap to the disposition closed per step
    ("gain_rate", np.float64),
    ("loss_rate", np.float64),
    ("scar_per_betrayal", np.float64),
    ("scar_slowdown", np.float64),
    ("scar_decay", np.float64),
    ("transparency_softening", np.float64),
    ("recovery_repair", np.float64),
    ("poor_recovery_penalty", np.float64),
    ("check_distrust_signal", np.float64),
    ("wait_penalty_per_week", np.float64),
    ("approved_claim_signal", np.float64),
    ("wrongful_denial_penalty", np.float64),
    ("disclosure_credit", np.float64),
    ("friendliness_effect", np.float64),
    ("money_problem_chance", np.float64),  # probability per step
    ("false_claim_chance_unchecked", np.float64),  # probability per step, no checks
    ("deterrence", np.float64),
    ("money_complaint_propensity", np.float64),
    ("check_days_mean", np.float64),
    ("resolution_deadline_days", np.float64),
    ("detection_rate", np.float64),
    ("false_denial_rate", np.float64),
    ("targeting", np.float64),
    ("background", np.bool_),
    ("promoter_threshold", np.float64),
    ("detractor_threshold", np.float64),
    ("promoter_talk_chance", np.float64),  # probability per step (wom.talk_probability)
    ("detractor_talk_chance", np.float64),  # probability per step
    ("bad_experience_tell", np.float64),
    ("influence", np.float64),
    ("reputation_influence", np.float64),
    ("churned_talk", np.bool_),
    ("base_rate_per_year", np.float64),
    ("distrust_rate_per_year", np.float64),
    ("distrust_threshold", np.float64),
    ("steepness", np.float64),
    ("unresolved_failure_exit", np.float64),
    ("wrongful_denial_exit", np.float64),
    ("innovation", np.float64),  # Bass p per step
    ("imitation", np.float64),  # Bass q per step
    ("trust_elasticity", np.float64),
    ("winback_factor", np.float64),
)


def parameters(scenario: Scenario) -> NDArray[Any]:
    """The scenario's constants as a one-element record array (fields
    :data:`PARAMETER_FIELDS`), the form the compiled phases read. (The plain Python
    phases, ``function.py_func``, read fields as attributes: give them
    ``record.view(numpy.recarray)``; compiled, a plain structured array is 5x cheaper to
    pass.)"""
    dynamics, claim, talk, leave, adopt = (
        scenario.trust,
        scenario.claims,
        scenario.wom,
        scenario.churn,
        scenario.acquisition,
    )
    values: dict[str, Any] = {
        "relax_share": calendar.share_per_step(dynamics.relaxation_half_life_days),
        "money_problem_chance": calendar.probability_per_step(claim.money_problems_per_year),
        "false_claim_chance_unchecked": calendar.probability_per_step(claim.false_claims_per_year),
        "innovation": calendar.rate_per_step(adopt.innovation_per_year),
        "imitation": calendar.rate_per_step(adopt.imitation_per_year),
        # Once per run, not per customer-step: an exponential each (docs/performance.md).
        "promoter_talk_chance": wom.talk_probability(
            1, talk.talk_rate_per_year, talk.negative_multiplier
        ),
        "detractor_talk_chance": wom.talk_probability(
            -1, talk.talk_rate_per_year, talk.negative_multiplier
        ),
    }
    for block in (dynamics, claim, talk, leave, adopt):
        for name, _ in PARAMETER_FIELDS:
            if name not in values and name in type(block).model_fields:
                values[name] = getattr(block, name)
    missing = [name for name, _ in PARAMETER_FIELDS if name not in values]
    assert not missing, f"no scenario field for {missing}"
    record = np.zeros(1, dtype=list(PARAMETER_FIELDS))
    for name, _ in PARAMETER_FIELDS:
        record[name] = values[name]
    return record


@dataclass(frozen=True)
class FirmState:
    """What the firm does this step: the value of every lever (by name, as declared in
    :class:`trustsim.scenario.firm.FirmSettings`) and the firm-wide events."""

    levers: Mapping[str, float]
    breach: bool = False
    breach_disclosed: bool = False
    breach_severity: float = 0.0
    breach_affected_share: float = 0.0
    outage: bool = False


#: Firm-wide fields of the firm record besides the levers.
FIRM_EVENT_FIELDS: tuple[tuple[str, Any], ...] = (
    ("breach", np.bool_),
    ("breach_disclosed", np.bool_),
    ("breach_severity", np.float64),
    ("breach_affected_share", np.float64),
    ("outage", np.bool_),
    ("reputation", np.float64),  # public reputation at the start of the step, [0, 1]
    ("advertising_multiplier", np.float64),
    ("false_claim_chance", np.float64),  # a dishonest customer's, this step (deterred)
    ("leave_bound", np.float64),  # no customer's leave probability is above it this step
    ("adoption_bound", np.float64),  # nor anybody's adoption probability above this
)

#: Relative margin of :func:`adoption_bound` over the largest adoption probability, for
#: rounding (the probability is monotone in each input, its rounding nearly so).
ADOPTION_BOUND_MARGIN = 1e-9


@njit
def leave_bound(params: Any) -> float:
    """The largest leave probability any customer can have this step: the rule at its
    largest inputs (the whole distrust hazard, an unresolved failure and a wrongful denial).
    Exact, since the rule and its rounding are monotone: a leave draw at or above it cannot
    lead to leaving, and :func:`settle` then skips the hazard (an exponential)."""
    hazard = params.base_rate_per_year + params.distrust_rate_per_year
    return churn.leave_probability(
        hazard, True, params.unresolved_failure_exit, True, params.wrongful_denial_exit
    )


@njit
def adoption_bound(advertising_multiplier: float, params: Any) -> float:
    """An upper bound of anybody's adoption probability this step: the rule at full trust,
    every contact a customer and no win-back discount, plus a relative margin of
    :data:`ADOPTION_BOUND_MARGIN` for rounding. An adoption draw at or above it cannot
    adopt, and :func:`settle` skips the probability (an exponential)."""
    largest = acquisition.adoption_probability(
        1.0,
        1.0,
        params.innovation,
        params.imitation,
        params.trust_elasticity,
        advertising_multiplier,
        max(1.0, params.winback_factor),
    )
    return largest * (1.0 + ADOPTION_BOUND_MARGIN)


class FirmRecords:
    """Builds each step's firm record (one-element record array: every lever, by its
    declared name, then :data:`FIRM_EVENT_FIELDS`) into one preallocated array, cheaply:
    the leave bound is computed once per run, the adoption bound once per advertising
    multiplier.

    Args:
        scenario_parameters: the record of :func:`parameters`.
    """

    def __init__(self, scenario_parameters: NDArray[Any]) -> None:
        self.parameters = scenario_parameters
        self._constants = scenario_parameters.view(np.recarray)[0]
        self._leave_bound = float(leave_bound.py_func(self._constants))
        # Read once: a record's fields are slow to read from Python (a few us each).
        self._false_claim_chance_unchecked = float(self._constants.false_claim_chance_unchecked)
        self._deterrence = float(self._constants.deterrence)
        self._adoption_bounds: dict[float, float] = {}
        self._record: NDArray[Any] | None = None

    def build(
        self, firm: FirmState, reputation: float, advertising_multiplier: float
    ) -> NDArray[Any]:
        """The firm record of this step (the same array every step, refilled)."""
        if self._record is None or (self._record.dtype.names or ())[: len(firm.levers)] != tuple(
            firm.levers
        ):
            lever_fields = [(name, np.float64) for name in firm.levers]
            self._record = np.zeros(1, dtype=lever_fields + list(FIRM_EVENT_FIELDS))
        bound = self._adoption_bounds.get(advertising_multiplier)
        if bound is None:
            bound = float(adoption_bound.py_func(advertising_multiplier, self._constants))
            self._adoption_bounds[advertising_multiplier] = bound
        false_chance = claims.false_claim_probability(
            self._false_claim_chance_unchecked,
            self._deterrence,
            float(firm.levers["verification_strictness"]),
        )
        self._record[0] = (
            *firm.levers.values(),
            firm.breach,
            firm.breach_disclosed,
            firm.breach_severity,
            firm.breach_affected_share,
            firm.outage,
            reputation,
            advertising_multiplier,
            false_chance,
            self._leave_bound,
            bound,
        )
        return self._record


def firm_record(
    firm: FirmState, reputation: float, advertising_multiplier: float, scenario_parameters: Any
) -> NDArray[Any]:
    """This step's firm as a new one-element record array (see :class:`FirmRecords`)."""
    return FirmRecords(scenario_parameters).build(firm, reputation, advertising_multiplier).copy()


# --------------------------------------------------------------------------- phase one


@njit
def relax(
    competence: float,
    integrity: float,
    benevolence: float,
    disposition_competence: float,
    disposition_integrity: float,
    disposition_benevolence: float,
    scar: float,
    params: Any,
) -> tuple[float, float, float]:
    """Each trust dimension after a day without experience: relaxed toward the customer's
    disposition (:mod:`trustsim.rules.relaxation`). Everybody relaxes, customer or not."""
    share = params.relax_share
    if share == 0.0:
        return competence, integrity, benevolence
    slowdown = params.scar_slowdown
    return (
        relaxation.relax_toward_disposition(
            competence, disposition_competence, share, scar, slowdown
        ),
        relaxation.relax_toward_disposition(
            integrity, disposition_integrity, share, scar, slowdown
        ),
        relaxation.relax_toward_disposition(
            benevolence, disposition_benevolence, share, scar, slowdown
        ),
    )


@njit
def eventful(
    active: bool,
    honest: bool,
    interaction_rate: float,
    touch_draw: float,
    claim_draw: float,
    firm: Any,
    params: Any,
) -> bool:
    """Whether the customer can have an event this step: an active customer with a
    touchpoint, a money problem or (dishonest) a false claim, or anybody active in a
    breach. Everybody else keeps their (relaxed) trust; only their scar heals."""
    if not active:
        return False
    claim_chance = params.money_problem_chance + (0.0 if honest else firm.false_claim_chance)
    return touch_draw < interaction_rate or claim_draw < claim_chance or firm.breach


@njit
def experience(
    key0: Any,
    key1: Any,
    step: int,
    person: int,
    honest: bool,
    complaint_propensity: float,
    interaction_rate: float,
    competence: float,
    integrity: float,
    benevolence: float,
    scar: float,
    touch_draw: float,
    claim_draw: float,
    firm: Any,
    params: Any,
) -> tuple[float, float, float, float, int]:
    """An active customer's own experience this step: interactions -> complaints and
    claims -> verification and resolution -> service recovery -> trust update.

    Returns ``(competence, integrity, benevolence, scar, events)``: trust after the
    experience, the scar, and the event bits (:data:`EVENT_BITS`).
    """
    w0, w1, w2, w3 = draws(key0, key1, step, person, BLOCK_EVENTS)
    keep_draw, disclose_draw, complain_draw, raise_draw = (
        uniform32(w0),
        uniform32(w1),
        uniform32(w2),
        uniform32(w3),
    )
    kept, broken = interactions.promise_outcomes(
        touch_draw, keep_draw, interaction_rate, firm.promise_reliability, firm.outage
    )
    communicated = disclose_draw < firm.transparency
    money_problem, false_claim = claims.money_problem_or_false_claim(
        claim_draw, params.money_problem_chance, firm.false_claim_chance, honest
    )
    complained = (
        broken
        and complain_draw
        < claims.complaint_probability(complaint_propensity, firm.channel_simplicity)
    ) or (
        money_problem
        and raise_draw
        < claims.complaint_probability(params.money_complaint_propensity, firm.channel_simplicity)
    )
    failure = broken or money_problem
    false_claim = false_claim and not complained
    filed = complained or false_claim
    check_draw = duration_draw = verdict_draw = recovery_draw = 1.0
    if filed:
        w0, w1, w2, w3 = draws(key0, key1, step, person, BLOCK_CLAIM)
        check_draw, duration_draw, verdict_draw, recovery_draw = (
            uniform32(w0),
            uniform32(w1),
            uniform32(w2),
            uniform32(w3),
        )
    resolution = claims.resolve_claim(
        filed,
        false_claim,
        check_draw,
        duration_draw,
        verdict_draw,
        firm.verification_strictness,
        params.check_days_mean,
        params.resolution_deadline_days,
        params.detection_rate,
        params.false_denial_rate,
        params.targeting,
        params.background,
    )
    good, poor = recovery.recovery_outcomes(
        complained, resolution.wrongful_denial, recovery_draw, firm.service_recovery
    )
    leaked = False
    if firm.breach:
        leak_word = draws(key0, key1, step, person, BLOCK_OTHER)[2]
        leaked = uniform32(leak_word) < firm.breach_affected_share
    failure_disclosed = failure and communicated
    honest_claim_checked = resolution.checked and not false_claim and not params.background
    units = trust.experience_units(
        kept=kept,
        broken=failure,
        failure_disclosed=failure_disclosed,
        good_recovery=good,
        poor_recovery=poor,
        honest_claim_checked=honest_claim_checked,
        wait_days=resolution.wait_days,
        status_communicated=communicated,
        claim_approved=resolution.approved,
        wrongful_denial=resolution.wrongful_denial,
        data_leaked=leaked,
        breach_disclosed=firm.breach_disclosed,
        friendliness=firm.friendliness,
        transparency_softening=params.transparency_softening,
        recovery_repair=params.recovery_repair,
        poor_recovery_penalty=params.poor_recovery_penalty,
        check_distrust_signal=params.check_distrust_signal,
        wait_penalty_per_week=params.wait_penalty_per_week,
        approved_claim_signal=params.approved_claim_signal,
        wrongful_denial_penalty=params.wrongful_denial_penalty,
        disclosure_credit=params.disclosure_credit,
        friendliness_effect=params.friendliness_effect,
        breach_severity=firm.breach_severity,
    )
    keep_distance, keep_trust = trust.update_rates(
        scar, params.gain_rate, params.loss_rate, params.scar_slowdown
    )
    competence = trust.apply_units(
        competence, units.competence_good, units.competence_bad, keep_distance, keep_trust
    )
    integrity = trust.apply_units(
        integrity, units.integrity_good, units.integrity_bad, keep_distance, keep_trust
    )
    benevolence = trust.apply_units(
        benevolence, units.benevolence_good, units.benevolence_bad, keep_distance, keep_trust
    )
    bad_total = units.competence_bad + units.integrity_bad + units.benevolence_bad
    scar = trust.scar_update(scar, bad_total, params.scar_per_betrayal, params.scar_decay)
    unresolved = recovery.unresolved_failure(failure, good)
    events = 0
    if kept:
        events |= KEPT
    if broken:
        events |= BROKEN
    if money_problem:
        events |= MONEY_PROBLEM
    if failure:
        events |= FAILURE
    if complained:
        events |= COMPLAINED
    if filed:
        events |= FILED
    if false_claim:
        events |= FALSE_CLAIM
    if resolution.checked:
        events |= CHECKED
    if resolution.auto_approved:
        events |= AUTO_APPROVED
    if resolution.approved:
        events |= APPROVED
    if resolution.denied:
        events |= DENIED
    if resolution.false_caught:
        events |= FALSE_CAUGHT
    if resolution.false_paid:
        events |= FALSE_PAID
    if resolution.wrongful_denial:
        events |= WRONGFUL_DENIAL
    if good:
        events |= GOOD_RECOVERY
    if poor:
        events |= POOR_RECOVERY
    if unresolved:
        events |= UNRESOLVED
    if leaked:
        events |= LEAKED
    if unresolved or resolution.wrongful_denial or leaked:
        events |= BAD_EXPERIENCE
    if resolution.wait_days > 0.0:
        events |= WAITED
    return competence, integrity, benevolence, scar, events


@njit
def base_draws(
    key0: Any,
    key1: Any,
    step: int,
    first: int,
    last: int,
    touch_draw: Any,
    claim_draw: Any,
    talk_draw: Any,
    transition_word: Any,
) -> None:
    """The base draw block (:data:`BLOCK_BASE`) of people ``first`` to ``last - 1``:
    uniforms of its words 0-2 into ``touch_draw``, ``claim_draw`` and ``talk_draw`` (index
    ``person - first``) and word 3 into ``transition_word[person]``.

    The same numbers :func:`decide` draws for one person, for a run of people at once: a
    loop that does nothing else is compiled to SIMD instructions, which compute a Philox
    block in about 2.3 ns a person instead of about 10 inside the branches of
    :func:`decide_record` (docs/performance.md, "Phase one in batches").
    """
    for person in range(first, last):
        w0, w1, w2, w3 = draws(key0, key1, step, person, BLOCK_BASE)
        touch_draw[person - first] = uniform32(w0)
        claim_draw[person - first] = uniform32(w1)
        talk_draw[person - first] = uniform32(w2)
        transition_word[person] = w3


@njit(inline=True)
def decide_record(
    key0: Any,
    key1: Any,
    step: int,
    person: int,
    touch_draw: float,
    claim_draw: float,
    talk_draw: float,
    state: int,
    honest: bool,
    complaint_propensity: float,
    interaction_rate: float,
    competence: float,
    integrity: float,
    benevolence: float,
    disposition_competence: float,
    disposition_integrity: float,
    disposition_benevolence: float,
    scar: float,
    previous_overall: float,
    firm: Any,
    params: Any,
) -> tuple[float, float, float, float, int, int, np.int64]:
    """Phase one of a step for one person, from the state at the start of the step.

    Relaxation, then (for an active customer who can have an event) the own experience,
    then the message: a customer who had a bad experience tells a contact about it with
    probability ``wom.bad_experience_tell``; otherwise promoters and detractors (by their
    trust at the start of the step) talk (:mod:`trustsim.rules.wom`). Churned customers talk
    when ``wom.churned_talk``.

    ``touch_draw``, ``claim_draw`` and ``talk_draw`` are the uniforms of words 0-2 of the
    person's base draw block (:data:`BLOCK_BASE`): :func:`decide` computes them for one
    person, :func:`base_draws` for a run of people.

    Returns ``(competence, integrity, benevolence, scar, events, message, contact_word)``:
    ``message`` is +1, -1 or 0 (silent), and ``contact_word`` the random word that picks
    the contact (:func:`contact_of`) when the person speaks. ``firm`` and ``params`` are
    the records (not the one-element arrays) of :class:`FirmRecords` and
    :func:`parameters`; :func:`decide` takes the arrays.

    Inlined into its two callers, :func:`decide` and the vectorized engine's
    ``decide_batch``: called, it cost the vectorized engine about 5 ns a customer-step in
    passing its arguments, and a vectorized run compiles it once either way
    (docs/performance.md, "Phase one in batches").
    """
    competence, integrity, benevolence = relax(
        competence,
        integrity,
        benevolence,
        disposition_competence,
        disposition_integrity,
        disposition_benevolence,
        scar,
        params,
    )
    events = 0
    if eventful(state == ACTIVE, honest, interaction_rate, touch_draw, claim_draw, firm, params):
        competence, integrity, benevolence, scar, events = experience(
            key0,
            key1,
            step,
            person,
            honest,
            complaint_propensity,
            interaction_rate,
            competence,
            integrity,
            benevolence,
            scar,
            touch_draw,
            claim_draw,
            firm,
            params,
        )
    else:
        scar = trust.scar_update(scar, 0.0, params.scar_per_betrayal, params.scar_decay)
    message = 0
    if events & BAD_EXPERIENCE:
        tell_word = draws(key0, key1, step, person, BLOCK_OTHER)[0]
        if uniform32(tell_word) < params.bad_experience_tell:
            message = -1
    if message == 0 and (state == ACTIVE or (state == CHURNED and params.churned_talk)):
        opinion = wom.sentiment(
            previous_overall, params.promoter_threshold, params.detractor_threshold
        )
        if opinion > 0:
            chance = params.promoter_talk_chance
        elif opinion < 0:
            chance = params.detractor_talk_chance
        else:
            chance = 0.0
        if talk_draw < chance:
            message = opinion
    contact_word = np.int64(0)
    if message != 0:
        contact_word = np.int64(draws(key0, key1, step, person, BLOCK_OTHER)[1])
        events |= SPOKE_POSITIVE if message > 0 else SPOKE_NEGATIVE
    return competence, integrity, benevolence, scar, events, message, contact_word


@njit
def decide(
    key0: Any,
    key1: Any,
    step: int,
    person: int,
    state: int,
    honest: bool,
    complaint_propensity: float,
    interaction_rate: float,
    competence: float,
    integrity: float,
    benevolence: float,
    disposition_competence: float,
    disposition_integrity: float,
    disposition_benevolence: float,
    scar: float,
    previous_overall: float,
    firm_array: Any,
    params_array: Any,
) -> tuple[float, float, float, float, int, int, np.int64, np.int64]:
    """Phase one for one person (:func:`decide_record`), with the firm and the
    parameters as the one-element arrays of :class:`FirmRecords` and :func:`parameters`: the
    form a Python caller (the agents engine) passes, as numba takes a NumPy record from
    Python about ten times slower than an array (2 µs against 0.3 µs a call).

    Returns what :func:`decide_record` returns, then ``transition_word``: word 3 of the
    person's base draw block, which phase two (:func:`settle_record`) turns into the draw
    for churn or adoption, so that it does not compute the same Philox block again."""
    w0, w1, w2, transition_word = draws(key0, key1, step, person, BLOCK_BASE)
    c, g, b, s, events, message, contact_word = decide_record(
        key0,
        key1,
        step,
        person,
        uniform32(w0),
        uniform32(w1),
        uniform32(w2),
        state,
        honest,
        complaint_propensity,
        interaction_rate,
        competence,
        integrity,
        benevolence,
        disposition_competence,
        disposition_integrity,
        disposition_benevolence,
        scar,
        previous_overall,
        firm_array[0],
        params_array[0],
    )
    return c, g, b, s, events, message, contact_word, np.int64(transition_word)


@njit
def contact_of(
    person: int, contact_word: int | np.int64, indptr: Any, indices: Any, size: int
) -> int:
    """The contact a speaker tells: contact number ``contact_word * degree >> 32`` of the
    person's CSR row (uniform up to a bias of degree / 2**32), or, on the complete graph
    (``indptr`` empty), one of the other ``size - 1`` people; -1 without contacts."""
    if indptr.size == 0:
        if size < 2:
            return -1
        other = index_below32(contact_word, size - 1)
        return int(other + 1) if other >= person else int(other)
    start, end = indptr[person], indptr[person + 1]
    if end == start:
        return -1
    return int(indices[start + index_below32(contact_word, end - start)])


# --------------------------------------------------------------------------- phase two


@njit
def settle_record(
    state: int,
    competence: float,
    integrity: float,
    benevolence: float,
    weight_competence: float,
    weight_integrity: float,
    weight_benevolence: float,
    wom_sensitivity: float,
    positive_heard: int,
    negative_heard: int,
    previous_overall: float,
    active_contact_share: float,
    events: int,
    transition_word: int,
    firm: Any,
    params: Any,
) -> tuple[float, float, float, float, int]:
    """Phase two of a step for one person: the word-of-mouth heard this step (negative
    messages first), the drift of prospects toward public reputation, then churn (a
    customer, on the new trust, with the exits after an unresolved failure or a wrongful
    denial) or adoption (anybody else, on the trust and the share of active contacts at
    the start of the step; churned people at ``winback_factor``), drawn with
    ``transition_word`` (word 3 of the person's base draw block, from :func:`decide` or
    :func:`base_draws`).

    Returns ``(competence, integrity, benevolence, overall, new_state)``. ``firm`` and
    ``params`` are records, as in :func:`decide_record`; :func:`settle` takes the arrays.
    """
    if positive_heard + negative_heard > 0:
        kept_after_negative, distance_kept = wom.message_factors(
            float(positive_heard), float(negative_heard), wom_sensitivity, params.influence
        )
        competence = wom.apply_message_factors(competence, kept_after_negative, distance_kept)
        integrity = wom.apply_message_factors(integrity, kept_after_negative, distance_kept)
        benevolence = wom.apply_message_factors(benevolence, kept_after_negative, distance_kept)
    if state == PROSPECT:
        rate = params.reputation_influence
        competence = wom.drift_toward(competence, firm.reputation, rate)
        integrity = wom.drift_toward(integrity, firm.reputation, rate)
        benevolence = wom.drift_toward(benevolence, firm.reputation, rate)
    overall = trust.overall_trust(
        competence, integrity, benevolence, weight_competence, weight_integrity, weight_benevolence
    )
    draw = uniform32(transition_word)
    new_state = state
    if state == ACTIVE:
        if draw >= firm.leave_bound:  # cannot leave (exact: see leave_bound)
            return competence, integrity, benevolence, overall, new_state
        hazard = churn.churn_hazard(
            overall,
            params.base_rate_per_year,
            params.distrust_rate_per_year,
            params.distrust_threshold,
            params.steepness,
        )
        leave = churn.leave_probability(
            hazard,
            (events & UNRESOLVED) != 0,
            params.unresolved_failure_exit,
            (events & WRONGFUL_DENIAL) != 0,
            params.wrongful_denial_exit,
        )
        if draw < leave:
            new_state = CHURNED
    else:
        if draw >= firm.adoption_bound:  # cannot adopt (exact: see adoption_bound)
            return competence, integrity, benevolence, overall, new_state
        adopt = acquisition.adoption_probability(
            active_contact_share,
            previous_overall,
            params.innovation,
            params.imitation,
            params.trust_elasticity,
            firm.advertising_multiplier,
            params.winback_factor if state == CHURNED else 1.0,
        )
        if draw < adopt:
            new_state = ACTIVE
    return competence, integrity, benevolence, overall, new_state


@njit
def settle(
    state: int,
    competence: float,
    integrity: float,
    benevolence: float,
    weight_competence: float,
    weight_integrity: float,
    weight_benevolence: float,
    wom_sensitivity: float,
    positive_heard: int,
    negative_heard: int,
    previous_overall: float,
    active_contact_share: float,
    events: int,
    transition_word: int,
    firm_array: Any,
    params_array: Any,
) -> tuple[float, float, float, float, int]:
    """Phase two for one person (:func:`settle_record`), with the one-element
    arrays a Python caller passes (see :func:`decide`)."""
    return settle_record(
        state,
        competence,
        integrity,
        benevolence,
        weight_competence,
        weight_integrity,
        weight_benevolence,
        wom_sensitivity,
        positive_heard,
        negative_heard,
        previous_overall,
        active_contact_share,
        events,
        transition_word,
        firm_array[0],
        params_array[0],
    )


@njit
def tenure(
    step: int,
    state: int,
    new_state: int,
    events: int,
    complained_in_tenure: bool,
    last_problem_step: int,
    last_problem_complained: bool,
) -> tuple[bool, int, bool, int]:
    """A customer's tenure record after the step, and how they left or came.

    Returns ``(complained_in_tenure, last_problem_step, last_problem_complained, events)``
    with ``events`` gaining the transition bits (left, adopted, won back, left after
    complaining, left dissatisfied, left dissatisfied and silent). Adopting starts a new
    tenure.
    """
    complained = (events & COMPLAINED) != 0
    complained_in_tenure = complained_in_tenure or complained
    if events & FAILURE:
        last_problem_step = step
        last_problem_complained = complained
    if new_state == CHURNED and state == ACTIVE:
        events |= LEFT
        if complained_in_tenure:
            events |= LEFT_AFTER_COMPLAINT
        if step - last_problem_step <= DISSATISFIED_WINDOW_DAYS:
            events |= LEFT_DISSATISFIED
            if not last_problem_complained:
                events |= LEFT_DISSATISFIED_SILENT
    elif new_state == ACTIVE and state != ACTIVE:
        events |= ADOPTED
        if state == CHURNED:
            events |= WON_BACK
        complained_in_tenure = False
        last_problem_step = NO_PROBLEM
    return complained_in_tenure, last_problem_step, last_problem_complained, events


@njit
def count_bits(events: Any) -> Any:
    """How many customers have each bit of :data:`EVENT_BITS` set (int64 array)."""
    counts = np.zeros(len(EVENT_BITS), dtype=np.int64)
    for value in events:
        if value == 0:
            continue
        for bit in range(counts.size):
            if (value >> bit) & 1:
                counts[bit] += 1
    return counts


def event_counts(events: NDArray[np.int64]) -> dict[str, int]:
    """Per-step counts of every event bit, by name."""
    counts = count_bits(events)
    return {name: int(counts[index]) for index, name in enumerate(EVENT_BITS)}
