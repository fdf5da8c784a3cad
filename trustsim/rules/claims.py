"""Complaints and claims, and how the firm verifies and resolves them.

Claims are a regular part of the relationship. Customers have problems: broken promises
and money problems (billing errors, refunds due, faulty devices). A customer complains
about a problem with a probability that depends on the kind of problem (TARP: far more
often about lost money than about poor service) and on how easy the channel is; a
complaint carries a claim for redress. Dishonest customers also file false claims. Each
claim is checked thoroughly with a probability set by ``verification_strictness`` (and
risk scoring,
:func:`check_probability`). A check lasts an exponential number of days; one that
outlasts the resolution deadline is approved in the customer's favour at the deadline. A
check that finishes in time catches a false claim with ``detection_rate`` and wrongly
denies an honest one with ``false_denial_rate``. Unchecked claims are approved at once.

In the foreground (the default) the customer waits for the check to finish (at most until
the deadline); with ``background`` checking the claim is paid at once and checked
afterwards (provisional credit, as under US Regulation E): nobody waits, and a claim found
false (or an honest one wrongly flagged) is clawed back.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from trustsim.compiled import njit


@njit
def complaint_probability(complaint_propensity: float, channel_simplicity: float) -> float:
    """Probability that a dissatisfied customer complains, in [0, 1].

    ``complaint_propensity * 2 ** (2 * channel_simplicity - 1)``, clipped to [0, 1]: at
    channel_simplicity 0.5 it is the customer's own propensity; the simplest channel (1.0)
    doubles it, as a toll-free number roughly doubles the complaints that reach a firm's
    headquarters (Goodman 1999, summarising TARP studies); a hostile one (0.0) halves it.
    """
    multiplier = 2.0 ** (2.0 * channel_simplicity - 1.0)
    return min(max(complaint_propensity * multiplier, 0.0), 1.0)


@njit
def false_claim_probability(
    false_claim_probability_unchecked: float,
    deterrence: float,
    verification_strictness: float,
) -> float:
    """Probability per step that a dishonest customer files a false claim, in [0, 1].

    ``p * (1 - deterrence * verification_strictness)`` with ``p`` the probability per step
    without any checking: strict checking deters fraud (the expected-penalty argument of
    Becker 1968), linearly in strictness.
    """
    return false_claim_probability_unchecked * (1.0 - deterrence * verification_strictness)


@njit
def money_problem_or_false_claim(
    claim_draw: float,
    money_problem_probability: float,
    false_probability: float,
    honest: bool,
) -> tuple[bool, bool]:
    """``(money_problem, false_claim)``: whether the customer has a money problem, or (a
    dishonest one) files a false claim this step (never both), from one uniform draw.

    ``claim_draw < money_problem_probability`` is a money problem (anyone may have one);
    otherwise a dishonest customer files a false claim when the draw falls in the next
    ``false_probability``.
    """
    problem = claim_draw < money_problem_probability
    false = (
        not problem and not honest and claim_draw < money_problem_probability + false_probability
    )
    return problem, false


@njit
def check_probability(is_false: bool, verification_strictness: float, targeting: float) -> float:
    """Probability that a claim is checked thoroughly, in [0, 1].

    Risk scoring sends suspicious claims to checking first: a false claim is checked with
    probability ``strictness ** (1 / targeting)``, an honest one with
    ``strictness ** targeting``. Read as a screening rule, the pairs (share of honest
    claims checked, share of false claims checked) trace the ROC curve ``TPR = FPR **
    (1 / targeting**2)``, whose area is ``targeting**2 / (1 + targeting**2)`` (0.8 at
    targeting 2). With ``targeting = 1`` checks are random and ``strictness`` is the share
    of claims checked; at strictness 0 and 1 nothing and everything is checked whatever
    the targeting.
    """
    if is_false:
        return verification_strictness ** (1.0 / targeting)
    return verification_strictness**targeting


@njit
def overdue_probability(check_days_mean: float, resolution_deadline_days: float) -> float:
    """Probability that an exponential check (mean ``check_days_mean`` days) outlasts deadline."""
    if check_days_mean <= 0:
        return 0.0
    return math.exp(-resolution_deadline_days / check_days_mean)


class ClaimResolution(NamedTuple):
    """Outcome of resolving one claim (or no claim: every flag false, nothing waited)."""

    checked: bool
    auto_approved: bool
    approved: bool
    denied: bool
    false_caught: bool
    false_paid: bool
    wrongful_denial: bool
    wait_days: float


@njit
def check_duration(duration_draw: float, check_days_mean: float) -> float:
    """Days a thorough check lasts: exponential with mean ``check_days_mean``,
    ``-check_days_mean * ln(duration_draw)`` (infinite for a draw of exactly 0; 0 days when
    checks are instant)."""
    if check_days_mean <= 0.0:
        return 0.0
    if duration_draw <= 0.0:
        return math.inf
    return -check_days_mean * math.log(duration_draw)


@njit
def resolve_claim(
    has_claim: bool,
    is_false: bool,
    check_draw: float,
    duration_draw: float,
    verdict_draw: float,
    verification_strictness: float,
    check_days_mean: float,
    resolution_deadline_days: float,
    detection_rate: float,
    false_denial_rate: float,
    targeting: float = 1.0,
    background: bool = False,
) -> ClaimResolution:
    """Resolve a claim: checked or not, approved at the deadline, approved or denied.

    Args:
        has_claim: whether the customer filed a claim this step.
        is_false: whether that claim is false (fraud).
        check_draw, duration_draw, verdict_draw: uniform draws in [0, 1).
        verification_strictness: how hard claims are checked, in [0, 1] (see
            :func:`check_probability`).
        check_days_mean: mean duration of a thorough check, days (exponential, see
            :func:`check_duration`).
        resolution_deadline_days: a check still running at this many days is approved in
            the customer's favour, days.
        detection_rate: probability that a timely check catches a false claim.
        false_denial_rate: probability that a timely check denies an honest claim.
        targeting: risk scoring of claims, >= 1 (1 = random checks).
        background: checks run after the claim is paid (nobody waits).

    ``wait_days`` is how long the customer waited for the outcome: the check's duration
    capped at the deadline for a foreground check, 0 otherwise.
    """
    is_false = is_false and has_claim
    checked = has_claim and check_draw < check_probability(
        is_false, verification_strictness, targeting
    )
    duration = check_duration(duration_draw, check_days_mean) if checked else 0.0
    auto_approved = checked and duration > resolution_deadline_days
    timely = checked and not auto_approved
    false_caught = timely and is_false and verdict_draw < detection_rate
    wrongful_denial = timely and not is_false and verdict_draw < false_denial_rate
    denied = false_caught or wrongful_denial
    approved = has_claim and not denied
    wait_days = min(duration, resolution_deadline_days) if checked and not background else 0.0
    return ClaimResolution(
        checked,
        auto_approved,
        approved,
        denied,
        false_caught,
        approved and is_false,
        wrongful_denial,
        wait_days,
    )
