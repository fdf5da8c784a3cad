"""Word-of-mouth and public reputation.

A customer with an opinion (trust at or above the promoter threshold, or below the
detractor threshold) talks to one random contact ``talk_rate_per_year`` times a year on
average (probability ``1 - exp(-rate / 365)`` per day); detractors talk
``negative_multiplier`` times as often (Anderson 1998: dissatisfied customers talk more,
though less than commonly supposed). A message moves the listener's trust toward 1
(positive) or 0 (negative) by ``influence * wom_sensitivity`` of the distance, per message.
Public reputation is an exponential moving average of the share of positive messages;
prospects' trust drifts toward it.
"""

from __future__ import annotations

import math

from trustsim.compiled import njit
from trustsim.rules import calendar


@njit
def sentiment(overall_trust: float, promoter_threshold: float, detractor_threshold: float) -> int:
    """+1 for a promoter, -1 for a detractor, 0 for a passive customer."""
    if overall_trust >= promoter_threshold:
        return 1
    if overall_trust < detractor_threshold:
        return -1
    return 0


@njit
def talk_probability(opinion: int, talk_rate_per_year: float, negative_multiplier: float) -> float:
    """Probability per step of telling a contact, from a sentiment in {-1, 0, +1}: a
    promoter talks ``talk_rate_per_year`` times a year, a detractor ``negative_multiplier``
    times as often."""
    if opinion > 0:
        return calendar.probability_per_step(talk_rate_per_year)
    if opinion < 0:
        return calendar.probability_per_step(talk_rate_per_year * negative_multiplier)
    return 0.0


@njit
def message_factors(
    positive_messages: float,
    negative_messages: float,
    wom_sensitivity: float,
    influence: float,
) -> tuple[float, float]:
    """``(kept_after_negative, distance_kept_after_positive)``: the factors of one step's
    messages, computed once and applied to every trust dimension by
    :func:`apply_message_factors`. Each message moves ``influence * wom_sensitivity`` of
    the way toward 0 (negative) or 1 (positive)."""
    log_keep = math.log1p(-min(influence * wom_sensitivity, 1.0 - 1e-12))
    return math.exp(negative_messages * log_keep), math.exp(positive_messages * log_keep)


@njit
def apply_message_factors(
    trust: float, kept_after_negative: float, distance_kept_after_positive: float
) -> float:
    """Trust after negative messages (a share kept) then positive ones (distance to 1 kept)."""
    after_negative = trust * kept_after_negative
    return 1.0 - (1.0 - after_negative) * distance_kept_after_positive


@njit
def reputation_update(
    reputation: float, positive_messages: float, negative_messages: float, memory: float
) -> float:
    """Public reputation in [0, 1]: EMA of the share of positive messages; unchanged if silent.

    The share ``positive / total`` is taken first: it lies in [0, 1] whatever the counts,
    so the average stays in [0, 1] (``memory * positive / total`` rounds ``0.75 * 5e-324``
    up to ``5e-324`` and can leave it)."""
    total = positive_messages + negative_messages
    if total <= 0:
        return reputation
    return (1.0 - memory) * reputation + memory * (positive_messages / total)


@njit
def drift_toward(trust: float, target: float, rate: float) -> float:
    """Move trust a share ``rate`` of the way toward ``target`` (prospects toward reputation)."""
    return trust + rate * (target - trust)


def net_promoter_score_from_counts(promoters: int, detractors: int, customers: int) -> float:
    """Promoters minus detractors in percent of ``customers``, in [-100, 100]; 0 when there
    are no customers. Promoters have trust at or above the promoter threshold, detractors
    below the detractor threshold (see :func:`sentiment`). (Plain Python: it is called once
    per step, on counts.)"""
    if customers == 0:
        return 0.0
    return 100.0 * ((promoters - detractors) / customers)
