"""Interactions: touchpoints that carry a promise, kept or broken.

An active customer has a touchpoint with probability ``interaction_rate`` per step; the
promise made there is kept with probability ``promise_reliability``. During an outage every
promise is broken.
"""

from __future__ import annotations

from trustsim.compiled import njit


@njit
def promise_outcomes(
    touch_draw: float,
    keep_draw: float,
    interaction_rate: float,
    promise_reliability: float,
    outage: bool = False,
) -> tuple[bool, bool]:
    """Whether the customer had a promise kept, and whether one broken, this step.

    Args:
        touch_draw: uniform draw in [0, 1) deciding whether a touchpoint happens.
        keep_draw: uniform draw in [0, 1) deciding whether the promise is kept.
        interaction_rate: probability per step of a touchpoint, in [0, 1].
        promise_reliability: probability that a promise is kept, in [0, 1].
        outage: True while the firm is in an outage (every promise broken).

    Returns:
        ``(kept, broken)``: never both true; both false without a touchpoint.
    """
    touched = touch_draw < interaction_rate
    broken = touched and (keep_draw >= promise_reliability or outage)
    return touched and not broken, broken
