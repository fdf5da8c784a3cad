"""Relaxation of trust toward each customer's disposition (propensity to trust).

Trust built or lost by experiences does not stay put: without new experiences it relaxes
toward the customer's own disposition, the level they bring to any firm before experience
(the *propensity to trust* of Mayer, Davis & Schoorman 1995), as judgements drift back to
an adaptation level (Helson 1964) and feelings about favourable and unfavourable
circumstances fade (hedonic adaptation, Frederick & Loewenstein 1999). Per step

    x' = x + s * (d - x),   s = share per step (see ``calendar.share_per_step``),

where upward relaxation (``x < d``, trust coming back after a loss) is slowed by the scar
like any other gain: ``s / (1 + scar_slowdown * scar)``. Without the relaxation, kept
promises and positive word-of-mouth march trust toward 1 (the drift the issue-11 audit
found); with it, trust settles where experiences balance forgetting.
"""

from __future__ import annotations

from trustsim.compiled import njit


@njit
def relax_toward_disposition(
    trust: float,
    disposition: float,
    share_per_step: float,
    scar: float,
    scar_slowdown: float,
) -> float:
    """Trust after one step of relaxation toward ``disposition``, in [0, 1].

    Args:
        trust: current trust in one dimension, [0, 1].
        disposition: the customer's propensity to trust in that dimension, [0, 1].
        share_per_step: share of the gap closed per step without a scar, [0, 1].
        scar: the customer's scar, >= 0; slows upward relaxation.
        scar_slowdown: upward relaxation is divided by ``1 + scar_slowdown * scar``.
    """
    gap = disposition - trust
    share = share_per_step / (1.0 + scar_slowdown * scar) if gap > 0.0 else share_per_step
    return min(max(trust + share * gap, 0.0), 1.0)
