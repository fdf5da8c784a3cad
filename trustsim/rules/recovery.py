"""Service recovery after a failure the customer complained about.

A complained failure is recovered well with probability ``service_recovery`` unless the
customer's claim was wrongly denied (that is never a good recovery). Good recovery removes
``recovery_repair`` of the failure's trust loss; poor recovery adds a penalty on top of it,
so that it loses more trust than the failure itself. A failure that was not complained
about, or was recovered poorly, stays unresolved.
"""

from __future__ import annotations

import numpy as np

from trustsim.rules._types import BoolLike, FloatLike


def recovery_outcomes(
    complained: BoolLike,
    wrongful_denial: BoolLike,
    recovery_draw: FloatLike,
    service_recovery: FloatLike,
) -> tuple[BoolLike, BoolLike]:
    """Return ``(good, poor)`` recovery flags for complained failures; never both true."""
    complained = np.asarray(complained, dtype=bool)
    good = complained & ~np.asarray(wrongful_denial, dtype=bool)
    good = good & np.less(recovery_draw, service_recovery)
    poor = complained & ~good
    return good, poor


def unresolved_failure(broken: BoolLike, good_recovery: BoolLike) -> BoolLike:
    """A failure that was not followed by good recovery (silent, or poorly handled)."""
    return np.asarray(broken, dtype=bool) & ~np.asarray(good_recovery, dtype=bool)
