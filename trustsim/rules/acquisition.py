"""Acquisition: Bass (1969)-like adoption through advertising and imitation on the network.

A prospect's adoption hazard is ``p' + q' * F`` with ``p' = innovation *
advertising_multiplier * appeal``, ``q' = imitation * appeal`` and ``F`` the share of its
contacts who are customers; ``appeal = max(0, 1 + trust_elasticity * 2 * (trust - 0.5))``.
Churned customers come back at ``winback_factor`` of that hazard.

Steps are discrete (a day) while the Bass model is continuous, and contacts keep adopting
during the step. The per-step probability integrates the hazard over the step with the
contacts' share following the Bass equation ``dF/dt = (p' + q' F)(1 - F)`` from ``F(0) =
s``; that integral has the closed form

    P = (p' + q' s) (e^u - 1) / (u + (p' + q' s) (e^u - 1)),    u = p' + q'

(derivation in docs/model.md). On a complete graph the expected adopted share then follows
the Bass (1969) curve exactly at every step; for small hazards P ~ p' + q' s.
"""

from __future__ import annotations

import math

from trustsim.compiled import njit


@njit
def appeal(trust: float, trust_elasticity: float) -> float:
    """How trust scales the adoption hazard: ``max(0, 1 + elasticity * 2 * (trust - 0.5))``
    (1 at trust 0.5; 0 = never adopts)."""
    return max(0.0, 1.0 + trust_elasticity * 2.0 * (trust - 0.5))


@njit
def adoption_probability(
    active_contact_share: float,
    trust: float,
    innovation: float,
    imitation: float,
    trust_elasticity: float,
    advertising_multiplier: float = 1.0,
    hazard_factor: float = 1.0,
) -> float:
    """Probability in [0, 1] that a prospect adopts this step.

    Args:
        active_contact_share: share of the person's contacts who are active customers, [0, 1].
        trust: the person's overall trust in the firm, [0, 1].
        innovation: Bass p, hazard per step from advertising.
        imitation: Bass q, hazard per step per unit share of active contacts.
        trust_elasticity: how much trust scales the hazard (0 = not at all).
        advertising_multiplier: scales the innovation term (campaigns), >= 0.
        hazard_factor: scales the whole hazard (``winback_factor`` for churned people).
    """
    scale = appeal(trust, trust_elasticity) * hazard_factor
    innovation_rate = (innovation * advertising_multiplier) * scale
    imitation_rate = imitation * scale
    total_rate = innovation_rate + imitation_rate
    current = innovation_rate + imitation_rate * active_contact_share
    if total_rate > 700.0:
        # e^u overflows past u = 700 (inf/inf would be NaN: a campaign multiplier of 400 is
        # enough); there P = 1 / (1 + u / (current (e^u - 1))) is taken in logarithms.
        if current <= 0.0:
            return 0.0
        log_odds_against = math.log(total_rate) - math.log(current) - total_rate
        return 1.0 / (1.0 + math.exp(min(log_odds_against, 700.0)))
    numerator = current * math.expm1(total_rate)
    denominator = total_rate + numerator
    if denominator > 0.0:
        return numerator / denominator
    return 0.0
