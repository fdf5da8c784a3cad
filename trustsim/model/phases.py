"""The two synchronous phases of a step, for one customer (scalars) or many (arrays).

``relax`` lets a day pass: trust relaxes toward each customer's disposition.
``own_experience`` runs the phases that depend only on the customer and the firm
(interactions, complaints and claims, verification, recovery, trust update). ``settle``
applies what depends on other customers' previous state (word-of-mouth received,
reputation) and decides churn and adoption. Each engine calls the same functions: the
agents engine once per ``CustomerAgent`` with scalars, array code once with whole arrays.
Draws are uniform numbers in [0, 1) supplied by the engine from the model's seeded RNG.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

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
from trustsim.rules._types import BoolLike, FloatLike
from trustsim.scenario.schema import Scenario, TrustDynamicsSettings

#: Names of the uniform draws each customer uses per step, in order. The first ones (up to
#: "leak") are those of :func:`own_experience`. One draw decides both leaving (for a
#: customer) and adopting (for everybody else): exactly one of the two applies to a person.
DRAWS = (
    "touch",
    "keep",
    "disclose",
    "complain",
    "raise",
    "claim",
    "check",
    "duration",
    "verdict",
    "recovery",
    "leak",
    "talk",
    "tell",
    "contact",
    "leave_or_adopt",
)
DRAW_INDEX = {name: index for index, name in enumerate(DRAWS)}
#: A leaver counts as *dissatisfied* when their last problem (a broken promise or a money
#: problem) happened within this many days before leaving; as *silent* when they did not
#: complain about that problem (docs/validation.md: the 80% calibration target).
DISSATISFIED_WINDOW_DAYS = 90

#: How many leading draws :func:`own_experience` reads.
EXPERIENCE_DRAWS = DRAW_INDEX["leak"] + 1


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


class Customers(NamedTuple):
    """Customer state and traits that :func:`own_experience` reads; scalars or
    equally-shaped arrays."""

    active: BoolLike
    honest: BoolLike
    complaint_propensity: FloatLike
    interaction_rate: FloatLike
    competence: FloatLike
    integrity: FloatLike
    benevolence: FloatLike
    scar: FloatLike


class Dispositions(NamedTuple):
    """Each customer's disposition to trust per dimension (scalars or arrays, [0, 1]): the
    level their trust relaxes back to (the segment's ``initial_trust`` draws)."""

    competence: FloatLike
    integrity: FloatLike
    benevolence: FloatLike


class CustomerWeights(NamedTuple):
    """How much each trust dimension weighs in each customer's overall trust (scalars or
    arrays, not normalised): the customers' segment values of the scenario's
    :class:`trustsim.scenario.schema.TrustWeightsSettings`."""

    competence: FloatLike
    integrity: FloatLike
    benevolence: FloatLike


class ClaimsOutcome(NamedTuple):
    """Claims filed this step and how they were resolved (booleans per customer)."""

    filed: BoolLike
    false: BoolLike
    resolution: claims.ClaimResolution


class Experience(NamedTuple):
    """What happened to customers this step and their trust after their own experience."""

    kept: BoolLike
    broken: BoolLike
    money_problem: BoolLike
    failure: BoolLike  # a problem: a broken promise or a money problem
    complained: BoolLike
    claim: ClaimsOutcome
    good_recovery: BoolLike
    poor_recovery: BoolLike
    unresolved: BoolLike
    leaked: BoolLike
    bad_experience: BoolLike
    competence: FloatLike
    integrity: FloatLike
    benevolence: FloatLike
    scar: FloatLike


#: Keyword arguments of :func:`trustsim.rules.trust.experience_units` that are weights of
#: the scenario's trust dynamics (the breach severity comes with the breach instead).
EXPERIENCE_WEIGHTS: tuple[str, ...] = tuple(
    name
    for name in inspect.signature(trust.experience_units).parameters
    if name in TrustDynamicsSettings.model_fields and name != "breach_severity"
)


def experience_weights(dynamics: TrustDynamicsSettings) -> dict[str, float]:
    """The scenario's weight of each event in experience units (see
    :func:`trustsim.rules.trust.experience_units`)."""
    return {name: getattr(dynamics, name) for name in EXPERIENCE_WEIGHTS}


def trust_after(
    competence: FloatLike,
    integrity: FloatLike,
    benevolence: FloatLike,
    scar: FloatLike,
    units: trust.ExperienceUnits,
    dynamics: TrustDynamicsSettings,
) -> tuple[FloatLike, FloatLike, FloatLike]:
    """Each trust dimension after a step's experience units (losses first, then gains
    slowed by the scar): the trust update of :mod:`trustsim.rules.trust`."""
    rates = trust.update_rates(scar, dynamics.gain_rate, dynamics.loss_rate, dynamics.scar_slowdown)
    return (
        trust.apply_units(competence, units.competence_good, units.competence_bad, *rates),
        trust.apply_units(integrity, units.integrity_good, units.integrity_bad, *rates),
        trust.apply_units(benevolence, units.benevolence_good, units.benevolence_bad, *rates),
    )


def relax(customers: Customers, dispositions: Dispositions, scenario: Scenario) -> Customers:
    """The customers after one day without experience: each trust dimension relaxes toward
    the customer's disposition (:func:`trustsim.rules.relaxation.relax_toward_disposition`),
    upward relaxation slowed by the scar. Every person relaxes, customer or not."""
    dynamics = scenario.trust
    share = float(calendar.share_per_step(dynamics.relaxation_half_life_days))
    if share == 0.0:
        return customers
    relaxed = [
        relaxation.relax_toward_disposition(
            current, disposition, share, customers.scar, dynamics.scar_slowdown
        )
        for current, disposition in zip(
            (customers.competence, customers.integrity, customers.benevolence),
            dispositions,
            strict=True,
        )
    ]
    return customers._replace(competence=relaxed[0], integrity=relaxed[1], benevolence=relaxed[2])


def claim_probabilities(scenario: Scenario, verification_strictness: float) -> tuple[float, float]:
    """``(money_problem, false)``: probability per step that a customer has a money problem,
    and that a dishonest one files a false claim (deterred by strict checking)."""
    settings = scenario.claims
    routine = float(calendar.probability_per_step(settings.money_problems_per_year))
    false = float(
        claims.false_claim_probability(
            calendar.probability_per_step(settings.false_claims_per_year),
            settings.deterrence,
            verification_strictness,
        )
    )
    return routine, false


def own_experience(
    customers: Customers,
    draws: FloatLike,
    firm: FirmState,
    scenario: Scenario,
) -> Experience:
    """Interactions, complaints and claims, verification, recovery and trust update.

    Args:
        customers: state at the start of the step.
        draws: uniform draws with ``DRAWS`` along the first axis.
        firm: the firm's levers and firm-wide events this step.
        scenario: parameters.
    """
    d = {name: draws[DRAW_INDEX[name]] for name in DRAWS[:EXPERIENCE_DRAWS]}  # type: ignore[index]
    active = np.asarray(customers.active, dtype=bool)
    kept, broken = interactions.promise_outcomes(
        d["touch"],
        d["keep"],
        customers.interaction_rate,
        firm.levers["promise_reliability"],
        firm.outage,
    )
    kept, broken = kept & active, broken & active
    communicated = np.less(d["disclose"], firm.levers["transparency"])
    complain_chance = claims.complaint_probability(
        customers.complaint_propensity, firm.levers["channel_simplicity"]
    )
    settings = scenario.claims
    problem_chance, false_chance = claim_probabilities(
        scenario, firm.levers["verification_strictness"]
    )
    money_problem, false_claim = claims.money_problem_or_false_claim(
        d["claim"], problem_chance, false_chance, customers.honest
    )
    money_problem = money_problem & active
    raise_chance = claims.complaint_probability(
        settings.money_complaint_propensity, firm.levers["channel_simplicity"]
    )
    complained = (broken & np.less(d["complain"], complain_chance)) | (
        money_problem & np.less(d["raise"], raise_chance)
    )
    failure = broken | money_problem
    failure_disclosed = failure & communicated
    false_claim = false_claim & active & ~complained
    filed = complained | false_claim
    resolution = claims.resolve_claims(
        filed,
        false_claim,
        d["check"],
        d["duration"],
        d["verdict"],
        firm.levers["verification_strictness"],
        settings.check_days_mean,
        settings.resolution_deadline_days,
        settings.detection_rate,
        settings.false_denial_rate,
        settings.targeting,
        settings.background,
    )
    good, poor = recovery.recovery_outcomes(
        complained, resolution.wrongful_denial, d["recovery"], firm.levers["service_recovery"]
    )
    leaked = active & firm.breach & np.less(d["leak"], firm.breach_affected_share)
    dynamics = scenario.trust
    units = trust.experience_units(
        kept=kept,
        broken=failure,
        failure_disclosed=failure_disclosed,
        good_recovery=good,
        poor_recovery=poor,
        honest_claim_checked=resolution.checked & ~false_claim & (not settings.background),
        wait_days=resolution.wait_days,
        status_communicated=communicated,
        claim_approved=resolution.approved,
        wrongful_denial=resolution.wrongful_denial,
        data_leaked=leaked,
        breach_disclosed=firm.breach_disclosed,
        friendliness=firm.levers["friendliness"],
        breach_severity=firm.breach_severity,
        **experience_weights(dynamics),
    )
    competence, integrity, benevolence = trust_after(
        customers.competence,
        customers.integrity,
        customers.benevolence,
        customers.scar,
        units,
        dynamics,
    )
    unresolved = recovery.unresolved_failure(failure, good)
    bad_total = units.competence_bad + units.integrity_bad + units.benevolence_bad
    scar = trust.scar_update(
        customers.scar, bad_total, dynamics.scar_per_betrayal, dynamics.scar_decay
    )
    return Experience(
        kept=kept,
        broken=broken,
        money_problem=money_problem,
        failure=failure,
        complained=complained,
        claim=ClaimsOutcome(filed=filed, false=false_claim, resolution=resolution),
        good_recovery=good,
        poor_recovery=poor,
        unresolved=unresolved,
        leaked=leaked,
        bad_experience=unresolved | resolution.wrongful_denial | leaked,
        competence=competence,
        integrity=integrity,
        benevolence=benevolence,
        scar=scar,
    )


def talk_decision(
    overall_trust: FloatLike,
    can_talk: BoolLike,
    talk_draw: FloatLike,
    scenario: Scenario,
    bad_experience: BoolLike = False,
    tell_draw: FloatLike = 1.0,
) -> FloatLike:
    """Message each customer sends this step: +1, -1 or 0 (silent).

    A customer who had a bad experience this step (a failure left unresolved, a claim
    wrongly denied, their data leaked) tells a contact about it with probability
    ``wom.bad_experience_tell``; otherwise promoters and detractors talk from their
    previous trust (:func:`trustsim.rules.wom.talk_probability`)."""
    settings = scenario.wom
    opinion = wom.sentiment(
        overall_trust, settings.promoter_threshold, settings.detractor_threshold
    )
    talks = np.asarray(can_talk, dtype=bool) & np.less(
        talk_draw,
        wom.talk_probability(opinion, settings.talk_rate_per_year, settings.negative_multiplier),
    )
    tells = np.asarray(bad_experience, dtype=bool) & np.less(
        tell_draw, settings.bad_experience_tell
    )
    return np.where(tells, -1.0, np.where(talks, opinion, 0.0))


def adoption_chance(
    state_active: BoolLike,
    churned: BoolLike,
    active_contact_share: FloatLike,
    overall_trust: FloatLike,
    scenario: Scenario,
    advertising_multiplier: float = 1.0,
) -> FloatLike:
    """Probability of becoming active this step (0 for active customers), from previous state."""
    settings = scenario.acquisition
    factor = np.where(np.asarray(churned, dtype=bool), settings.winback_factor, 1.0)
    chance = acquisition.adoption_probability(
        active_contact_share,
        overall_trust,
        float(calendar.rate_per_step(settings.innovation_per_year)),
        float(calendar.rate_per_step(settings.imitation_per_year)),
        settings.trust_elasticity,
        advertising_multiplier=advertising_multiplier,
        hazard_factor=factor,
    )
    return np.where(np.asarray(state_active, dtype=bool), 0.0, chance)


class Settlement(NamedTuple):
    """End-of-step trust and state transitions."""

    competence: FloatLike
    integrity: FloatLike
    benevolence: FloatLike
    leaves: BoolLike
    adopts: BoolLike


def hear(
    competence: FloatLike,
    integrity: FloatLike,
    benevolence: FloatLike,
    prospect: BoolLike,
    positive_heard: FloatLike,
    negative_heard: FloatLike,
    wom_sensitivity: FloatLike,
    reputation: float,
    scenario: Scenario,
) -> tuple[FloatLike, FloatLike, FloatLike]:
    """Trust after this step's word-of-mouth; prospects (who never were customers and
    know the firm only by hearsay) also drift toward public reputation."""
    settings = scenario.wom
    factors = wom.message_factors(
        positive_heard, negative_heard, wom_sensitivity, settings.influence
    )
    heard = []
    for value in (competence, integrity, benevolence):
        after = wom.apply_message_factors(value, *factors)
        drifted = wom.drift_toward(after, reputation, settings.reputation_influence)
        heard.append(np.where(prospect, drifted, after))
    return heard[0], heard[1], heard[2]


def transitions(
    overall_trust: FloatLike,
    active: BoolLike,
    unresolved: BoolLike,
    wrongfully_denied: BoolLike,
    adoption_probability: FloatLike,
    leave_draw: FloatLike,
    adopt_draw: FloatLike,
    scenario: Scenario,
) -> tuple[BoolLike, BoolLike]:
    """``(leaves, adopts)``: customers churn on their end-of-step trust (and unresolved
    failures and wrongful denials); non-customers adopt with the probability from
    :func:`adoption_chance`."""
    settings = scenario.churn
    hazard = churn.churn_hazard(
        overall_trust,
        settings.base_rate_per_year,
        settings.distrust_rate_per_year,
        settings.distrust_threshold,
        settings.steepness,
    )
    leave_chance = churn.leave_probability(
        hazard,
        unresolved,
        settings.unresolved_failure_exit,
        wrongfully_denied,
        settings.wrongful_denial_exit,
    )
    active = np.asarray(active, dtype=bool)
    leaves = active & np.less(leave_draw, leave_chance)
    adopts = ~active & np.less(adopt_draw, adoption_probability)
    return leaves, adopts


def settle(
    competence: FloatLike,
    integrity: FloatLike,
    benevolence: FloatLike,
    unresolved: BoolLike,
    wrongfully_denied: BoolLike,
    active: BoolLike,
    prospect: BoolLike,
    weights: CustomerWeights,
    positive_heard: FloatLike,
    negative_heard: FloatLike,
    wom_sensitivity: FloatLike,
    reputation: float,
    adoption_probability: FloatLike,
    leave_draw: FloatLike,
    adopt_draw: FloatLike,
    scenario: Scenario,
) -> Settlement:
    """Apply word-of-mouth heard, reputation drift (non-customers), then churn and adoption:
    :func:`hear` followed by :func:`transitions`.

    ``competence``, ``integrity``, ``benevolence``, ``unresolved`` and
    ``wrongfully_denied`` are the trust after the customers' own experience, whether a
    failure stayed unresolved and whether a claim was wrongly denied (from
    :func:`own_experience`); ``active`` and ``prospect`` are whether each is a customer,
    or has never been one, at the start of the step."""
    dims = hear(
        competence,
        integrity,
        benevolence,
        prospect,
        positive_heard,
        negative_heard,
        wom_sensitivity,
        reputation,
        scenario,
    )
    overall = trust.overall_trust(*dims, *weights)
    leaves, adopts = transitions(
        overall,
        active,
        unresolved,
        wrongfully_denied,
        adoption_probability,
        leave_draw,
        adopt_draw,
        scenario,
    )
    return Settlement(dims[0], dims[1], dims[2], leaves, adopts)
