"""The firm: one Mesa agent, the same for both engines.

It holds the current value of every lever (declared in
:class:`trustsim.scenario.firm.FirmSettings`), which the timeline's ramps move, and each
step decides what the customers face: the levers in force and whether a data breach
happens.
"""

from __future__ import annotations

import mesa

from trustsim.model.phases import FirmState
from trustsim.model.random_numbers import DOMAIN_FIRM, Key, draw_block
from trustsim.scenario.events import StepEffects
from trustsim.scenario.fields import lever_specs
from trustsim.scenario.firm import FirmSettings
from trustsim.scenario.schema import TrustDynamicsSettings


class Firm(mesa.Agent):
    """The firm: holds the policy levers, follows the timeline and draws firm-wide events.

    Args:
        model: the Mesa model (its ``steps`` is the clock).
        settings: the scenario's firm block; every lever it declares is held.
        dynamics: the scenario's trust dynamics (severity and reach of a random breach).
        key: the replicate's Philox key; the firm's draws of step ``t`` are slots 0 and 1
            of unit 0 in domain FIRM (:mod:`trustsim.model.random_numbers`).

    Attributes:
        levers: current value of every lever, by name; policy changes move them.
    """

    def __init__(
        self,
        model: mesa.Model,
        settings: FirmSettings,
        dynamics: TrustDynamicsSettings,
        key: Key,
    ) -> None:
        super().__init__(model)
        self.dynamics = dynamics
        self.key = key
        self.levers: dict[str, float] = {
            spec.name: float(getattr(settings, spec.name)) for spec in lever_specs(type(settings))
        }

    def decide(self, effects: StepEffects) -> FirmState:
        """This step's levers and whether a breach happens (scripted, or by chance).

        A random breach happens with probability ``1 - data_protection`` and is disclosed
        with probability ``transparency``; a scripted one has its own severity and share.
        """
        breach_draw, disclose_draw, _, _ = draw_block(
            self.key[0], self.key[1], self.model.steps, 0, 0, DOMAIN_FIRM
        )
        levers = self.levers
        scripted = effects.breach
        if scripted is not None:
            breach, severity, share = True, scripted.severity, scripted.affected_share
            disclosed = (
                bool(disclose_draw < levers["transparency"])
                if scripted.disclosed is None
                else scripted.disclosed
            )
        else:
            breach = bool(breach_draw >= levers["data_protection"])
            disclosed = breach and bool(disclose_draw < levers["transparency"])
            severity = self.dynamics.breach_severity
            share = self.dynamics.breach_affected_share
        return FirmState(
            levers=dict(levers),
            breach=breach,
            breach_disclosed=disclosed,
            breach_severity=severity,
            breach_affected_share=share,
            outage=effects.outage,
        )
