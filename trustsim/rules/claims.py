"""Complaints and claims, and how the firm verifies and resolves them.

A dissatisfied customer (a broken promise) complains with a probability that grows with
how easy the channel is; a complaint carries a genuine claim for compensation. Dishonest
customers also file false claims. Each claim is checked thoroughly with probability
``verification_strictness``. A check lasts an exponential number of days; a check that
outlasts the resolution deadline is auto-approved in the customer's favour. A check that
finishes in time catches a false claim with ``detection_rate`` and wrongly denies an honest
one with ``false_denial_rate``. Unchecked claims are approved at once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from trustsim.rules._types import BoolLike, FloatLike


def complaint_probability(
    complaint_propensity: FloatLike, channel_simplicity: FloatLike
) -> FloatLike:
    """Probability that a dissatisfied customer complains, in [0, 1].

    ``complaint_propensity * (0.5 + channel_simplicity)``, clipped to [0, 1]: at
    channel_simplicity 0.5 it is the customer's own propensity; a simple channel (1.0)
    raises it by half, a hostile one (0.0) halves it.
    """
    return np.clip(
        np.multiply(complaint_propensity, 0.5 + np.asarray(channel_simplicity)), 0.0, 1.0
    )


def false_claim_probability(
    false_claim_rate: FloatLike, deterrence: float, verification_strictness: FloatLike
) -> FloatLike:
    """Probability per step that a dishonest customer files a false claim, in [0, 1].

    ``false_claim_rate * (1 - deterrence * verification_strictness)``: strict checking
    deters fraud (the expected-penalty argument of Becker 1968), linearly in strictness.
    """
    return np.multiply(false_claim_rate, 1.0 - deterrence * np.asarray(verification_strictness))


def check_probability(
    is_false: BoolLike, verification_strictness: FloatLike, targeting: float
) -> FloatLike:
    """Probability that a claim is checked thoroughly, in [0, 1].

    Risk scoring sends suspicious claims to checking first: a false claim is checked with
    probability ``strictness ** (1 / targeting)``, an honest one with
    ``strictness ** targeting``. With ``targeting = 1`` checks are random and
    ``strictness`` is the share of claims checked; at strictness 0 and 1 nothing and
    everything is checked whatever the targeting.
    """
    strictness = np.asarray(verification_strictness, dtype=np.float64)
    return np.where(is_false, strictness ** (1.0 / targeting), strictness**targeting)


def overdue_probability(check_days_mean: float, resolution_deadline_days: float) -> float:
    """Probability that an exponential check (mean ``check_days_mean`` days) outlasts deadline."""
    if check_days_mean <= 0:
        return 0.0
    return float(np.exp(-resolution_deadline_days / check_days_mean))


class ClaimResolution(NamedTuple):
    """Outcome of resolving claims; each field is boolean, per claimant."""

    checked: BoolLike
    auto_approved: BoolLike
    approved: BoolLike
    denied: BoolLike
    false_caught: BoolLike
    false_paid: BoolLike
    wrongful_denial: BoolLike


def resolve_claims(
    has_claim: BoolLike,
    is_false: BoolLike,
    check_draw: FloatLike,
    overdue_draw: FloatLike,
    verdict_draw: FloatLike,
    verification_strictness: FloatLike,
    overdue_probability: float,
    detection_rate: float,
    false_denial_rate: float,
    targeting: float = 1.0,
) -> ClaimResolution:
    """Resolve claims: checked or not, auto-approved at the deadline, approved or denied.

    Args:
        has_claim: whether the customer filed a claim this step.
        is_false: whether that claim is false (fraud).
        check_draw, overdue_draw, verdict_draw: uniform draws in [0, 1).
        verification_strictness: how hard claims are checked, in [0, 1] (see
            :func:`check_probability`).
        overdue_probability: probability that a check outlasts the deadline (see
            :func:`overdue_probability`).
        detection_rate: probability that a timely check catches a false claim.
        false_denial_rate: probability that a timely check denies an honest claim.
        targeting: risk scoring of claims, >= 1 (1 = random checks).
    """
    has_claim = np.asarray(has_claim, dtype=bool)
    is_false = np.asarray(is_false, dtype=bool) & has_claim
    checked = has_claim & np.less(
        check_draw, check_probability(is_false, verification_strictness, targeting)
    )
    auto_approved = checked & np.less(overdue_draw, overdue_probability)
    timely = checked & ~auto_approved
    false_caught = timely & is_false & np.less(verdict_draw, detection_rate)
    wrongful_denial = timely & ~is_false & np.less(verdict_draw, false_denial_rate)
    denied = false_caught | wrongful_denial
    approved = has_claim & ~denied
    false_paid = approved & is_false
    return ClaimResolution(
        checked=checked,
        auto_approved=auto_approved,
        approved=approved,
        denied=denied,
        false_caught=false_caught,
        false_paid=false_paid,
        wrongful_denial=wrongful_denial,
    )
