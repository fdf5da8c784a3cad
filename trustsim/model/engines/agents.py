"""The agents engine: one Mesa ``CustomerAgent`` per person (the firm is
:class:`trustsim.model.firm.Firm`, shared by both engines).

Each step has two synchronous phases. In ``decide`` every customer reads only the state at
the start of the step (its own and, through the model's snapshot, its contacts'), lives its
own experience, and posts word-of-mouth into contacts' inboxes. In ``apply`` every customer
takes what it heard and its pending trust, then churns or adopts. Reading never sees a
half-updated population, so the order in which agents run does not matter.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import mesa
import numpy as np
from numpy.typing import NDArray

from trustsim.model import phases
from trustsim.model.engines.base import Engine, Snapshot, StepOutcome, stack_experiences
from trustsim.model.network import Network
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT, PopulationArrays
from trustsim.rules import trust
from trustsim.scenario.schema import Scenario


class Transition(NamedTuple):
    """How one customer's state changed at the end of a step."""

    left: bool
    adopted: bool
    won_back: bool
    after_complaint: bool  # left, having complained during this tenure
    dissatisfied: bool  # left within DISSATISFIED_WINDOW_DAYS of a problem
    dissatisfied_silent: bool  # ... without complaining about that problem


class CustomerAgent(mesa.Agent):
    """One person: a prospect, an active customer or a churned one, with trust in the firm.

    Attributes:
        index: position in the population (0..N-1), also its node in the network.
        state: PROSPECT, ACTIVE or CHURNED.
        competence, integrity, benevolence: trust dimensions in [0, 1].
        scar: slows the rebuilding of trust after betrayals, >= 0.
        complained_in_tenure: whether it complained since it last became active.
        last_problem_step: step of its last problem (a broken promise or a money problem)
            in this tenure.
        last_problem_complained: whether it complained about that problem.
    """

    def __init__(self, engine: AgentPopulation, index: int, population: PopulationArrays) -> None:
        super().__init__(engine.model)
        self.engine = engine
        self.index = index
        self.segment = int(population.segment[index])
        self.state = int(population.state[index])
        self.honest = bool(population.honest[index])
        self.complaint_propensity = float(population.complaint_propensity[index])
        self.wom_sensitivity = float(population.wom_sensitivity[index])
        self.value_per_step = float(population.value_per_step[index])
        self.interaction_rate = float(population.interaction_rate[index])
        self.weight_competence = float(population.weight_competence[index])
        self.weight_integrity = float(population.weight_integrity[index])
        self.weight_benevolence = float(population.weight_benevolence[index])
        self.competence = float(population.competence[index])
        self.integrity = float(population.integrity[index])
        self.benevolence = float(population.benevolence[index])
        #: Disposition to trust per dimension: the level trust relaxes back to.
        self.dispositions = phases.Dispositions(self.competence, self.integrity, self.benevolence)
        self.scar = 0.0
        self.complained_in_tenure = False
        self.last_problem_step = -(10**9)
        self.last_problem_complained = False
        # Filled during a step.
        self.positive_heard = 0
        self.negative_heard = 0
        self.experience: phases.Experience | None = None
        self.message = 0.0
        self.adoption_probability = 0.0
        self.draws = np.zeros(len(phases.DRAWS))
        self._overall_for: tuple[float, float, float] | None = None
        self._overall = 0.0

    @property
    def overall_trust(self) -> float:
        """Weighted mean of the three dimensions, in [0, 1] (recomputed when they change)."""
        dimensions = (self.competence, self.integrity, self.benevolence)
        if dimensions != self._overall_for:
            self._overall_for = dimensions
            self._overall = float(
                trust.overall_trust(
                    *dimensions,
                    self.weight_competence,
                    self.weight_integrity,
                    self.weight_benevolence,
                )
            )
        return self._overall

    def as_customers(self) -> phases.Customers:
        """This agent's state as the scalars the phase functions take."""
        return phases.Customers(
            active=self.state == ACTIVE,
            honest=self.honest,
            complaint_propensity=self.complaint_propensity,
            interaction_rate=self.interaction_rate,
            competence=self.competence,
            integrity=self.integrity,
            benevolence=self.benevolence,
            scar=self.scar,
        )

    def decide(
        self, firm: phases.FirmState, active_contact_share: float, advertising_multiplier: float
    ) -> None:
        """Phase 1: own experience, word-of-mouth sent, chance to adopt — from previous state."""
        engine, config = self.engine, self.engine.config
        self.draws = self.model.rng.random(len(phases.DRAWS))
        relaxed = phases.relax(self.as_customers(), self.dispositions, config)
        self.experience = phases.own_experience(relaxed, self.draws, firm, config)
        can_talk = self.state == ACTIVE or (self.state == CHURNED and config.wom.churned_talk)
        self.message = float(
            phases.talk_decision(
                self.overall_trust,
                can_talk,
                self.draws[phases.DRAW_INDEX["talk"]],
                config,
                self.experience.bad_experience,
                self.draws[phases.DRAW_INDEX["tell"]],
            )
        )
        if self.message != 0.0:
            contact = engine.network.pick_contact(
                np.array([self.index]), np.array([self.draws[phases.DRAW_INDEX["contact"]]])
            )[0]
            if contact >= 0:
                listener = engine.customer(int(contact))
                if self.message > 0:
                    listener.positive_heard += 1
                else:
                    listener.negative_heard += 1
        self.adoption_probability = float(
            phases.adoption_chance(
                self.state == ACTIVE,
                self.state == CHURNED,
                active_contact_share,
                self.overall_trust,
                config,
                advertising_multiplier,
            )
        )

    def apply(self, reputation: float) -> Transition:
        """Phase 2: take in what was heard, then churn or adopt; return the state change."""
        assert self.experience is not None, "apply() before decide()"
        experience = self.experience
        settlement = phases.settle(
            experience.competence,
            experience.integrity,
            experience.benevolence,
            experience.unresolved,
            experience.claim.resolution.wrongful_denial,
            self.state == ACTIVE,
            self.state == PROSPECT,
            phases.CustomerWeights(
                self.weight_competence, self.weight_integrity, self.weight_benevolence
            ),
            self.positive_heard,
            self.negative_heard,
            self.wom_sensitivity,
            reputation,
            self.adoption_probability,
            self.draws[phases.DRAW_INDEX["leave_or_adopt"]],
            self.draws[phases.DRAW_INDEX["leave_or_adopt"]],
            self.engine.config,
        )
        self.competence = float(settlement.competence)
        self.integrity = float(settlement.integrity)
        self.benevolence = float(settlement.benevolence)
        self.scar = float(self.experience.scar)
        self.complained_in_tenure |= bool(self.experience.complained)
        if bool(self.experience.failure):
            self.last_problem_step = self.model.steps
            self.last_problem_complained = bool(self.experience.complained)
        recent = self.model.steps - self.last_problem_step <= phases.DISSATISFIED_WINDOW_DAYS
        self.positive_heard = self.negative_heard = 0
        transition = Transition(
            left=bool(settlement.leaves),
            adopted=bool(settlement.adopts),
            won_back=bool(settlement.adopts) and self.state == CHURNED,
            after_complaint=bool(settlement.leaves) and self.complained_in_tenure,
            dissatisfied=bool(settlement.leaves) and recent,
            dissatisfied_silent=bool(settlement.leaves)
            and recent
            and not self.last_problem_complained,
        )
        if transition.left:
            self.state = CHURNED
        elif transition.adopted:
            self.state = ACTIVE
            self.complained_in_tenure = False
            self.last_problem_step = -(10**9)
        return transition


class AgentPopulation(Engine):
    """The agents engine: one ``CustomerAgent`` per person, stepped in two phases."""

    def __init__(
        self,
        model: mesa.Model,
        config: Scenario,
        network: Network,
        population: PopulationArrays,
    ) -> None:
        super().__init__(model, config, network, population)
        self.customers = [
            CustomerAgent(self, index, population) for index in range(population.size)
        ]

    def snapshot(self) -> Snapshot:
        """Current state of every customer, gathered from the agents."""
        count = len(self.customers)

        def gather(name: str, dtype: type) -> NDArray[Any]:
            return np.fromiter((getattr(c, name) for c in self.customers), dtype=dtype, count=count)

        return Snapshot(
            state=gather("state", np.int8),
            competence=gather("competence", np.float64),
            integrity=gather("integrity", np.float64),
            benevolence=gather("benevolence", np.float64),
            overall=gather("overall_trust", np.float64),
            value_per_step=gather("value_per_step", np.float64),
        )

    def step(
        self, firm: phases.FirmState, reputation: float, advertising_multiplier: float
    ) -> StepOutcome:
        """Phase 1 for every agent (reading the previous state), then phase 2 for every agent."""
        previous_active = self.snapshot().state == ACTIVE
        contact_share = self.network.contact_share(previous_active)
        for customer in self.customers:
            customer.decide(firm, float(contact_share[customer.index]), advertising_multiplier)
        messages = np.fromiter((c.message for c in self.customers), dtype=np.float64)
        transitions = [customer.apply(reputation) for customer in self.customers]
        flags = np.array(transitions, dtype=bool).reshape(len(transitions), len(Transition._fields))
        column = {name: flags[:, index] for index, name in enumerate(Transition._fields)}
        return StepOutcome(
            experience=stack_experiences([c.experience for c in self.customers if c.experience]),
            left=column["left"],
            adopted=column["adopted"],
            won_back=column["won_back"],
            left_after_complaint=column["after_complaint"],
            left_dissatisfied=column["dissatisfied"],
            left_dissatisfied_silent=column["dissatisfied_silent"],
            positive_messages=int((messages > 0).sum()),
            negative_messages=int((messages < 0).sum()),
        )

    def customer(self, index: int) -> CustomerAgent:
        """The agent of customer ``index``."""
        return self.customers[index]


__all__ = ["ACTIVE", "CHURNED", "PROSPECT", "AgentPopulation", "CustomerAgent"]
