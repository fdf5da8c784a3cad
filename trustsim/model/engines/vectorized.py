"""The vectorized engine: the population as a struct of arrays, the network as CSR.

One step calls the functions of :mod:`trustsim.model.phases` once, on whole arrays; word-of-mouth
is delivered with ``numpy.bincount``. No Python loop runs over customers or edges. The
result agrees in distribution with the agents engine (the random numbers are drawn in a
different order, so individual runs differ).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from trustsim.model import phases
from trustsim.model.engines.base import Engine, Snapshot, StepOutcome
from trustsim.model.network import Network
from trustsim.model.population import ACTIVE, CHURNED, STATE_NAMES, PopulationArrays
from trustsim.rules import trust
from trustsim.scenario.schema import Scenario


def may_have_event(
    active: np.ndarray,
    touch_draw: np.ndarray,
    interaction_rate: np.ndarray,
    claim_draw: np.ndarray,
    claim_chance: np.ndarray,
    breach: bool,
) -> np.ndarray:
    """Customers for whom :func:`trustsim.phases.own_experience` can produce an event.

    A superset: active customers with a touchpoint this step (the interactions rule), those
    whose claim draw falls below their chance of a money problem or a false claim and, in a
    breach, every active customer. For everybody else own_experience leaves the relaxed
    trust unchanged and only heals the scar, so the engine skips them
    (tests/test_vectorized.py checks this against a full computation).
    """
    return active & (
        np.less(touch_draw, interaction_rate) | np.less(claim_draw, claim_chance) | breach
    )


@dataclass(frozen=True)
class CustomerView:
    """A read-only copy of one customer's state in the vectorized engine."""

    index: int
    segment: int
    state: int
    state_name: str
    honest: bool
    competence: float
    integrity: float
    benevolence: float
    overall_trust: float
    scar: float
    complained_in_tenure: bool


class ArrayPopulation(Engine):
    """All customers as arrays; ``step`` runs the customer phases on the whole population."""

    def __init__(
        self,
        model: mesa.Model,
        config: Scenario,
        network: Network,
        population: PopulationArrays,
    ) -> None:
        super().__init__(model, config, network, population)
        self.arrays = population
        self.dispositions = phases.Dispositions(
            population.competence, population.integrity, population.benevolence
        )
        self.state = population.state.copy()
        self.competence = population.competence.copy()
        self.integrity = population.integrity.copy()
        self.benevolence = population.benevolence.copy()
        self.scar = np.zeros(population.size)
        self.complained_in_tenure = np.zeros(population.size, dtype=bool)
        # The step of each person's last problem and whether they complained about it.
        self.last_problem_step = np.full(population.size, -(10**9), dtype=np.int64)
        self.last_problem_complained = np.zeros(population.size, dtype=bool)
        # Active contacts per customer, kept up to date incrementally (see step()).
        self.active_contacts = network.contact_counts(self.state == ACTIVE)
        self.overall = self._overall()

    def _overall(self) -> np.ndarray:
        arrays = self.arrays
        return np.asarray(
            trust.overall_trust(
                self.competence,
                self.integrity,
                self.benevolence,
                arrays.weight_competence,
                arrays.weight_integrity,
                arrays.weight_benevolence,
            )
        )

    def snapshot(self) -> Snapshot:
        """Current state (the arrays themselves; do not modify)."""
        return Snapshot(
            state=self.state,
            competence=self.competence,
            integrity=self.integrity,
            benevolence=self.benevolence,
            overall=self.overall,
            value_per_step=self.arrays.value_per_step,
        )

    def step(
        self, firm: phases.FirmState, reputation: float, advertising_multiplier: float
    ) -> StepOutcome:
        """Both phases of one step on whole arrays, reading only the previous state."""
        model, scenario, arrays = self.model, self.config, self.arrays
        size = arrays.size
        active = self.state == ACTIVE
        churned = self.state == CHURNED
        customers = phases.relax(
            phases.Customers(
                active=active,
                honest=arrays.honest,
                complaint_propensity=arrays.complaint_propensity,
                interaction_rate=arrays.interaction_rate,
                competence=self.competence,
                integrity=self.integrity,
                benevolence=self.benevolence,
                scar=self.scar,
            ),
            self.dispositions,
            scenario,
        )
        # Uniform draws in float32 (half the cost of float64; probabilities are resolved to
        # 2**-24). Every customer gets every draw, every step, whether it is used or not:
        # the random stream then stays aligned between variants that share seeds (common
        # random numbers), however their states diverge.
        draws = model.rng.random((len(phases.DRAWS), size), dtype=np.float32)
        routine_chance, false_chance = phases.claim_probabilities(
            scenario, firm.levers["verification_strictness"]
        )
        eventful = np.flatnonzero(
            may_have_event(
                active,
                draws[phases.DRAW_INDEX["touch"]],
                arrays.interaction_rate,
                draws[phases.DRAW_INDEX["claim"]],
                np.where(arrays.honest, routine_chance, routine_chance + false_chance),
                firm.breach,
            )
        )
        experience = phases.own_experience(
            phases.Customers(*(np.asarray(field)[eventful] for field in customers)),
            draws[: phases.EXPERIENCE_DRAWS, eventful],
            firm,
            scenario,
        )
        # Without an event, trust stays as relaxed and the scar only heals.
        dynamics = scenario.trust
        scar = np.asarray(
            trust.scar_update(self.scar, 0.0, dynamics.scar_per_betrayal, dynamics.scar_decay)
        )
        scar[eventful] = experience.scar
        competence, integrity, benevolence = (
            np.array(customers.competence, dtype=np.float64),
            np.array(customers.integrity, dtype=np.float64),
            np.array(customers.benevolence, dtype=np.float64),
        )
        competence[eventful] = experience.competence
        integrity[eventful] = experience.integrity
        benevolence[eventful] = experience.benevolence
        unresolved = np.zeros(size, dtype=bool)
        unresolved[eventful] = experience.unresolved
        wrongfully_denied = np.zeros(size, dtype=bool)
        wrongfully_denied[eventful] = experience.claim.resolution.wrongful_denial
        previous_overall = self.overall
        can_talk = active | (churned & scenario.wom.churned_talk)
        bad_experience = np.zeros(size, dtype=bool)
        bad_experience[eventful] = experience.bad_experience
        message = np.asarray(
            phases.talk_decision(
                previous_overall,
                can_talk,
                draws[phases.DRAW_INDEX["talk"]],
                scenario,
                bad_experience,
                draws[phases.DRAW_INDEX["tell"]],
            )
        )
        speakers = np.flatnonzero(message != 0)  # a boolean mask: 10x faster than floats
        contacts = self.network.pick_contact(
            speakers, draws[phases.DRAW_INDEX["contact"]][speakers]
        )
        delivered = contacts >= 0
        positive = message[speakers] > 0
        positive_heard = np.bincount(contacts[delivered & positive], minlength=size)
        negative_heard = np.bincount(contacts[delivered & ~positive], minlength=size)
        # Only non-customers can adopt, and only listeners and prospects (who drift toward
        # reputation) change trust in the second phase: compute those subsets.
        outside = np.flatnonzero(~active)
        adoption = np.zeros(size)
        adoption[outside] = phases.adoption_chance(
            False,
            churned[outside],
            self.network.share_from_counts(self.active_contacts, outside),
            previous_overall[outside],
            scenario,
            advertising_multiplier,
        )
        prospect = ~active & ~churned
        hearing = np.flatnonzero((positive_heard > 0) | (negative_heard > 0) | prospect)
        heard = phases.hear(
            competence[hearing],
            integrity[hearing],
            benevolence[hearing],
            prospect[hearing],
            positive_heard[hearing],
            negative_heard[hearing],
            arrays.wom_sensitivity[hearing],
            reputation,
            scenario,
        )
        competence[hearing], integrity[hearing], benevolence[hearing] = heard
        self.competence, self.integrity, self.benevolence = competence, integrity, benevolence
        self.overall = self._overall()
        leaves, adopts = phases.transitions(
            self.overall,
            active,
            unresolved,
            wrongfully_denied,
            adoption,
            draws[phases.DRAW_INDEX["leave_or_adopt"]],
            draws[phases.DRAW_INDEX["leave_or_adopt"]],
            scenario,
        )
        left = np.asarray(leaves, dtype=bool)
        adopted = np.asarray(adopts, dtype=bool)
        self.scar = scar
        self.complained_in_tenure[eventful] |= np.asarray(experience.complained, dtype=bool)
        had_problem = np.asarray(experience.failure, dtype=bool)
        self.last_problem_step[eventful[had_problem]] = model.steps
        self.last_problem_complained[eventful[had_problem]] = np.asarray(
            experience.complained, dtype=bool
        )[had_problem]
        left_after_complaint = left & self.complained_in_tenure
        recent = model.steps - self.last_problem_step <= phases.DISSATISFIED_WINDOW_DAYS
        left_dissatisfied = left & recent
        left_dissatisfied_silent = left_dissatisfied & ~self.last_problem_complained
        changed = np.flatnonzero(left | adopted)
        state = self.state.copy()  # a new array: snapshots taken earlier stay as they were
        state[changed] = np.where(left[changed], CHURNED, ACTIVE)
        self.state = state
        self.network.update_contact_counts(
            self.active_contacts, changed, np.where(adopted[changed], 1, -1).astype(np.int64)
        )
        self.complained_in_tenure &= ~adopted
        self.last_problem_step[adopted] = -(10**9)
        return StepOutcome(
            experience=experience,
            left=left,
            adopted=adopted,
            won_back=adopted & churned,
            left_after_complaint=left_after_complaint,
            left_dissatisfied=left_dissatisfied,
            left_dissatisfied_silent=left_dissatisfied_silent,
            positive_messages=int(positive.sum()),
            negative_messages=int(speakers.size - positive.sum()),
            experienced=eventful,
        )

    def customer(self, index: int) -> CustomerView:
        """A read-only view of customer ``index``."""
        state = int(self.state[index])
        return CustomerView(
            index=index,
            segment=int(self.arrays.segment[index]),
            state=state,
            state_name=STATE_NAMES[state],
            honest=bool(self.arrays.honest[index]),
            competence=float(self.competence[index]),
            integrity=float(self.integrity[index]),
            benevolence=float(self.benevolence[index]),
            overall_trust=float(self.overall[index]),
            scar=float(self.scar[index]),
            complained_in_tenure=bool(self.complained_in_tenure[index]),
        )
