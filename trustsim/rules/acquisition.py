"""Acquisition: Bass (1969)-like adoption through advertising and imitation on the network.

Per step, a prospect adopts with probability ``1 - exp(-hazard)`` where
``hazard = (innovation * advertising_multiplier + imitation * active_contact_share) * appeal``
and ``appeal = max(0, 1 + trust_elasticity * 2 * (trust - 0.5))``. With trust_elasticity 0
on a complete graph this is the Bass model with p = innovation and q = imitation per step.
Churned customers come back at ``winback_factor`` of that hazard.
"""

from __future__ import annotations

import numpy as np

from trustsim.rules._types import FloatLike


def adoption_probability(
    active_contact_share: FloatLike,
    trust: FloatLike,
    innovation: float,
    imitation: float,
    trust_elasticity: float,
    advertising_multiplier: float = 1.0,
    hazard_factor: FloatLike = 1.0,
) -> FloatLike:
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
    appeal = np.maximum(0.0, 1.0 + trust_elasticity * 2.0 * (np.asarray(trust) - 0.5))
    hazard = (
        innovation * advertising_multiplier + np.multiply(imitation, active_contact_share)
    ) * appeal
    return 1.0 - np.exp(-np.multiply(hazard, hazard_factor))
