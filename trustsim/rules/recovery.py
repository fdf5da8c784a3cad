"""Service recovery after a failure the customer complained about.

A complained failure is recovered well with probability ``service_recovery`` unless the
customer's claim was wrongly denied (that is never a good recovery). Good recovery removes
``recovery_repair`` of the failure's trust loss; poor recovery adds a penalty on top of it,
so that it loses more trust than the failure itself. A failure that was not complained
about, or was recovered poorly, stays unresolved.
"""

from __future__ import annotations

from trustsim.compiled import njit


@njit
def recovery_outcomes(
    complained: bool,
    wrongful_denial: bool,
    recovery_draw: float,
    service_recovery: float,
) -> tuple[bool, bool]:
    """``(good, poor)`` recovery of a complaint; never both true, both false without one."""
    good = complained and not wrongful_denial and recovery_draw < service_recovery
    return good, complained and not good


@njit
def unresolved_failure(failure: bool, good_recovery: bool) -> bool:
    """A failure that was not followed by good recovery (silent, or poorly handled)."""
    return failure and not good_recovery
