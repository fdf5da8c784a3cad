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

from typing import NamedTuple

import numpy as np

from trustsim.rules._types import BoolLike, FloatLike


def complaint_probability(
    complaint_propensity: FloatLike, channel_simplicity: FloatLike
) -> FloatLike:
    """Probability that a dissatisfied customer complains, in [0, 1].

    ``complaint_propensity * 2 ** (2 * channel_simplicity - 1)``, clipped to [0, 1]: at
    channel_simplicity 0.5 it is the customer's own propensity; the simplest channel (1.0)
    doubles it, as a toll-free number roughly doubles the complaints that reach a firm's
    headquarters (Goodman 1999, summarising TARP studies); a hostile one (0.0) halves it.
    """
    multiplier = np.exp2(2.0 * np.asarray(channel_simplicity, dtype=np.float64) - 1.0)
    return np.clip(np.multiply(complaint_propensity, multiplier), 0.0, 1.0)


def false_claim_probability(
    false_claim_probability_unchecked: FloatLike,
    deterrence: float,
    verification_strictness: FloatLike,
) -> FloatLike:
    """Probability per step that a dishonest customer files a false claim, in [0, 1].

    ``p * (1 - deterrence * verification_strictness)`` with ``p`` the probability per step
    without any checking: strict checking deters fraud (the expected-penalty argument of
    Becker 1968), linearly in strictness.
    """
    return np.multiply(
        false_claim_probability_unchecked,
        1.0 - deterrence * np.asarray(verification_strictness),
    )


def money_problem_or_false_claim(
    claim_draw: FloatLike,
    money_problem_probability: FloatLike,
    false_probability: FloatLike,
    honest: BoolLike,
) -> tuple[BoolLike, BoolLike]:
    """``(money_problem, false_claim)``: who has a money problem and which dishonest customer
    files a false claim this step (never both), from one uniform draw.

    ``claim_draw < money_problem_probability`` is a money problem (anyone may have one);
    otherwise a dishonest customer files a false claim when the draw falls in the next
    ``false_probability``.
    """
    problem = np.less(claim_draw, money_problem_probability)
    false = (
        ~problem
        & ~np.asarray(honest, dtype=bool)
        & np.less(claim_draw, np.add(money_problem_probability, false_probability))
    )
    return problem, false


def check_probability(
    is_false: BoolLike, verification_strictness: FloatLike, targeting: float
) -> FloatLike:
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
    strictness = np.asarray(verification_strictness, dtype=np.float64)
    return np.where(is_false, strictness ** (1.0 / targeting), strictness**targeting)


def overdue_probability(check_days_mean: float, resolution_deadline_days: float) -> float:
    """Probability that an exponential check (mean ``check_days_mean`` days) outlasts deadline."""
    if check_days_mean <= 0:
        return 0.0
    return float(np.exp(-resolution_deadline_days / check_days_mean))


class ClaimResolution(NamedTuple):
    """Outcome of resolving claims, per claimant: boolean flags and the days waited."""

    checked: BoolLike
    auto_approved: BoolLike
    approved: BoolLike
    denied: BoolLike
    false_caught: BoolLike
    false_paid: BoolLike
    wrongful_denial: BoolLike
    wait_days: FloatLike


def resolve_claims(
    has_claim: BoolLike,
    is_false: BoolLike,
    check_draw: FloatLike,
    duration_draw: FloatLike,
    verdict_draw: FloatLike,
    verification_strictness: FloatLike,
    check_days_mean: float,
    resolution_deadline_days: float,
    detection_rate: float,
    false_denial_rate: float,
    targeting: float = 1.0,
    background: bool = False,
) -> ClaimResolution:
    """Resolve claims: checked or not, approved at the deadline, approved or denied.

    Args:
        has_claim: whether the customer filed a claim this step.
        is_false: whether that claim is false (fraud).
        check_draw, duration_draw, verdict_draw: uniform draws in [0, 1).
        verification_strictness: how hard claims are checked, in [0, 1] (see
            :func:`check_probability`).
        check_days_mean: mean duration of a thorough check, days (exponential; the
            duration is ``-check_days_mean * ln(duration_draw)``).
        resolution_deadline_days: a check still running at this many days is approved in
            the customer's favour, days.
        detection_rate: probability that a timely check catches a false claim.
        false_denial_rate: probability that a timely check denies an honest claim.
        targeting: risk scoring of claims, >= 1 (1 = random checks).
        background: checks run after the claim is paid (nobody waits).

    ``wait_days`` is how long the customer waited for the outcome: the check's duration
    capped at the deadline for a foreground check, 0 otherwise.
    """
    has_claim = np.asarray(has_claim, dtype=bool)
    is_false = np.asarray(is_false, dtype=bool) & has_claim
    checked = has_claim & np.less(
        check_draw, check_probability(is_false, verification_strictness, targeting)
    )
    draw = np.asarray(duration_draw, dtype=np.float64)
    if check_days_mean > 0:
        with np.errstate(divide="ignore"):
            duration = -check_days_mean * np.log(draw)
    else:
        duration = np.zeros_like(draw)
    auto_approved = checked & (duration > resolution_deadline_days)
    timely = checked & ~auto_approved
    false_caught = timely & is_false & np.less(verdict_draw, detection_rate)
    wrongful_denial = timely & ~is_false & np.less(verdict_draw, false_denial_rate)
    denied = false_caught | wrongful_denial
    approved = has_claim & ~denied
    false_paid = approved & is_false
    waited = checked & (not background)
    wait_days = np.where(waited, np.minimum(duration, resolution_deadline_days), 0.0)
    return ClaimResolution(
        checked=checked,
        auto_approved=auto_approved,
        approved=approved,
        denied=denied,
        false_caught=false_caught,
        false_paid=false_paid,
        wrongful_denial=wrongful_denial,
        wait_days=wait_days,
    )
