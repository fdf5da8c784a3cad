"""Interactions: touchpoints that carry a promise, kept or broken.

An active customer has a touchpoint with probability ``interaction_rate`` per step; the
promise made there is kept with probability ``promise_reliability``. During an outage every
promise is broken.
"""

from __future__ import annotations

import numpy as np

from trustsim.rules._types import BoolLike, FloatLike


def promise_outcomes(
    touch_draw: FloatLike,
    keep_draw: FloatLike,
    interaction_rate: FloatLike,
    promise_reliability: FloatLike,
    outage: BoolLike = False,
) -> tuple[BoolLike, BoolLike]:
    """Which customers had a promise kept and which had one broken this step.

    Args:
        touch_draw: uniform draw(s) in [0, 1) deciding whether a touchpoint happens.
        keep_draw: uniform draw(s) in [0, 1) deciding whether the promise is kept.
        interaction_rate: probability per step of a touchpoint, in [0, 1].
        promise_reliability: probability that a promise is kept, in [0, 1].
        outage: True where the firm is in an outage (every promise broken).

    Returns:
        ``(kept, broken)``: booleans, never both true; both false without a touchpoint.
    """
    touched = np.less(touch_draw, interaction_rate)
    broken = touched & (np.greater_equal(keep_draw, promise_reliability) | np.asarray(outage))
    kept = touched & ~broken
    return kept, broken
