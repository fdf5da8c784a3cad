"""The agents engine: one Mesa ``CustomerAgent`` per person (the firm is
:class:`trustsim.model.firm.Firm`, shared by both engines).

Each step has two synchronous phases. In ``decide`` every customer reads only the state at
the start of the step (its own and, through the model's snapshot, its contacts'), lives its
own experience, and posts word-of-mouth into contacts' inboxes. In ``apply`` every customer
takes what it heard and its pending trust, then churns or adopts. Reading never sees a
half-updated population, so the order in which agents run does not matter.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from trustsim.model import phases
from trustsim.model.engines.base import Engine, Snapshot, StepOutcome
from trustsim.model.network import Network
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT, PopulationArrays
from trustsim.model.random_numbers import Key
from trustsim.rules import trust
from trustsim.scenario.schema import Scenario


class CustomerAgent(mesa.Agent):
    """One person: a prospect, an active customer or a churned one, with trust in the firm.

    Attributes:
        index: position in the population (0..N-1), also its node in the network.
        state: PROSPECT, ACTIVE or CHURNED.
        competence, integrity, benevolence: trust dimensions in [0, 1].
        overall_trust: their weighted mean, in [0, 1].
        scar: slows the rebuilding of trust after betrayals, >= 0.
        complained_in_tenure: whether it complained since it last became active.
        last_problem_step: step of its last problem (a broken promise or a money problem)
            in this tenure.
        last_problem_complained: whether it complained about that problem.
        events: what happened to it in the last step (bits of
            :data:`trustsim.model.phases.EVENT_BITS`).
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
        self.disposition_competence = self.competence
        self.disposition_integrity = self.integrity
        self.disposition_benevolence = self.benevolence
        self.overall_trust = float(
            trust.overall_trust(
                self.competence,
                self.integrity,
                self.benevolence,
                self.weight_competence,
                self.weight_integrity,
                self.weight_benevolence,
            )
        )
        self.scar = 0.0
        self.complained_in_tenure = False
        self.last_problem_step = phases.NO_PROBLEM
        self.last_problem_complained = False
        self.events = 0
        # Word-of-mouth heard during the current step.
        self.positive_heard = 0
        self.negative_heard = 0

    def decide(self, step: int, firm: NDArray[Any]) -> None:
        """Phase 1: relaxation, own experience and word-of-mouth sent, from the state at the
        start of the step (:func:`trustsim.model.phases.decide`)."""
        engine = self.engine
        key0, key1 = engine.key
        (
            self.competence,
            self.integrity,
            self.benevolence,
            self.scar,
            self.events,
            message,
            contact_word,
            engine.transition_words[self.index],
        ) = phases.decide(
            key0,
            key1,
            step,
            self.index,
            self.state,
            self.honest,
            self.complaint_propensity,
            self.interaction_rate,
            self.competence,
            self.integrity,
            self.benevolence,
            self.disposition_competence,
            self.disposition_integrity,
            self.disposition_benevolence,
            self.scar,
            self.overall_trust,
            firm,
            engine.params,
        )
        if message != 0:
            contact = phases.contact_of(
                self.index, contact_word, engine.indptr, engine.indices, engine.size
            )
            if contact >= 0:
                listener = engine.customers[contact]
                if message > 0:
                    listener.positive_heard += 1
                else:
                    listener.negative_heard += 1

    def apply(self, step: int, active_contact_share: float, firm: NDArray[Any]) -> None:
        """Phase 2: take in what was heard, then churn or adopt
        (:func:`trustsim.model.phases.settle`), and keep the tenure record."""
        engine = self.engine
        before = self.state
        (
            self.competence,
            self.integrity,
            self.benevolence,
            self.overall_trust,
            self.state,
        ) = phases.settle(
            before,
            self.competence,
            self.integrity,
            self.benevolence,
            self.weight_competence,
            self.weight_integrity,
            self.weight_benevolence,
            self.wom_sensitivity,
            self.positive_heard,
            self.negative_heard,
            self.overall_trust,
            active_contact_share,
            self.events,
            engine.transition_words[self.index],
            firm,
            engine.params,
        )
        self.positive_heard = self.negative_heard = 0
        (
            self.complained_in_tenure,
            self.last_problem_step,
            self.last_problem_complained,
            self.events,
        ) = phases.tenure(
            step,
            before,
            self.state,
            self.events,
            self.complained_in_tenure,
            self.last_problem_step,
            self.last_problem_complained,
        )


class AgentPopulation(Engine):
    """The agents engine: one ``CustomerAgent`` per person, stepped in two phases."""

    def __init__(
        self,
        model: mesa.Model,
        config: Scenario,
        network: Network,
        population: PopulationArrays,
        key: Key,
    ) -> None:
        super().__init__(model, config, network, population, key)
        self.size = population.size
        self.records = phases.FirmRecords(self.params)
        #: Per customer, the draw word phase one hands to phase two for churn or adoption
        #: (:func:`trustsim.model.phases.decide`). Kept here, not on the agents: a
        #: thirtieth attribute would end CPython's key-sharing of the agents' attribute
        #: dicts and double an agent's memory (1.3 KB more each, measured).
        self.transition_words = [0] * self.size
        empty = np.zeros(0, dtype=np.int64)
        self.indptr = empty if network.indptr is None else network.indptr
        self.indices = empty.astype(np.int32) if network.indices is None else network.indices
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
        step = self.model.steps
        record = self.records.build(firm, reputation, advertising_multiplier)
        active = np.fromiter((c.state == ACTIVE for c in self.customers), dtype=bool)
        contact_share = self.network.contact_share(active).tolist()
        for customer in self.customers:
            customer.decide(step, record)
        for customer in self.customers:
            customer.apply(step, contact_share[customer.index], record)
        return StepOutcome(events=np.fromiter((c.events for c in self.customers), dtype=np.int64))

    def set_trust(
        self,
        competence: NDArray[np.float64],
        integrity: NDArray[np.float64],
        benevolence: NDArray[np.float64],
        scar: NDArray[np.float64],
    ) -> None:
        """Trust and scar of every agent; overall trust recomputed."""
        size = len(self.customers)
        columns = [
            np.broadcast_to(np.asarray(values, dtype=np.float64), (size,)).tolist()
            for values in (competence, integrity, benevolence, scar)
        ]
        for customer, c, g, b, s in zip(self.customers, *columns, strict=True):
            customer.competence, customer.integrity, customer.benevolence = c, g, b
            customer.scar = s
            customer.overall_trust = float(
                trust.overall_trust(
                    c,
                    g,
                    b,
                    customer.weight_competence,
                    customer.weight_integrity,
                    customer.weight_benevolence,
                )
            )

    def customer(self, index: int) -> CustomerAgent:
        """The agent of customer ``index``."""
        return self.customers[index]


__all__ = ["ACTIVE", "CHURNED", "PROSPECT", "AgentPopulation", "CustomerAgent"]
