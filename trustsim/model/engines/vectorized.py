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
    honest: np.ndarray,
    breach: bool,
) -> np.ndarray:
    """Customers for whom :func:`trustsim.phases.own_experience` can produce an event.

    A superset: active customers with a touchpoint this step (the interactions rule), the
    dishonest (who may file a false claim) and, in a breach, every active customer. For
    everybody else own_experience leaves trust unchanged and only heals the scar, so the
    engine skips them (tests/test_vectorized.py checks this against a full computation).
    """
    return active & (np.less(touch_draw, interaction_rate) | ~honest | breach)


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
        self.state = population.state.copy()
        self.competence = population.competence.copy()
        self.integrity = population.integrity.copy()
        self.benevolence = population.benevolence.copy()
        self.scar = np.zeros(population.size)
        self.complained_in_tenure = np.zeros(population.size, dtype=bool)
        self.failed_in_tenure = np.zeros(population.size, dtype=bool)
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
        customers = phases.Customers(
            active=active,
            honest=arrays.honest,
            complaint_propensity=arrays.complaint_propensity,
            interaction_rate=arrays.interaction_rate,
            competence=self.competence,
            integrity=self.integrity,
            benevolence=self.benevolence,
            scar=self.scar,
        )
        # Uniform draws in float32 (half the cost of float64; probabilities are resolved to
        # 2**-24). Every customer gets every draw, every step, whether it is used or not:
        # the random stream then stays aligned between variants that share seeds (common
        # random numbers), however their states diverge.
        draws = model.rng.random((len(phases.DRAWS), size), dtype=np.float32)
        eventful = np.flatnonzero(
            may_have_event(
                active,
                draws[phases.DRAW_INDEX["touch"]],
                arrays.interaction_rate,
                arrays.honest,
                firm.breach,
            )
        )
        experience = phases.own_experience(
            phases.Customers(*(np.asarray(field)[eventful] for field in customers)),
            draws[: phases.EXPERIENCE_DRAWS, eventful],
            firm,
            scenario,
        )
        # Without an event, trust stays as it is and the scar only heals.
        dynamics = scenario.trust
        scar = np.asarray(
            trust.scar_update(self.scar, 0.0, dynamics.scar_per_betrayal, dynamics.scar_decay)
        )
        scar[eventful] = experience.scar
        competence, integrity, benevolence = (
            self.competence.copy(),
            self.integrity.copy(),
            self.benevolence.copy(),
        )
        competence[eventful] = experience.competence
        integrity[eventful] = experience.integrity
        benevolence[eventful] = experience.benevolence
        unresolved = np.zeros(size, dtype=bool)
        unresolved[eventful] = experience.unresolved
        previous_overall = self.overall
        can_talk = active | (churned & scenario.wom.churned_talk)
        message = np.asarray(
            phases.talk_decision(
                previous_overall, can_talk, draws[phases.DRAW_INDEX["talk"]], scenario
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
        # Only non-customers can adopt, and only listeners and non-customers (who drift
        # toward reputation) change trust in the second phase: compute those subsets.
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
        hearing = np.flatnonzero((positive_heard > 0) | (negative_heard > 0) | ~active)
        heard = phases.hear(
            competence[hearing],
            integrity[hearing],
            benevolence[hearing],
            active[hearing],
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
            adoption,
            draws[phases.DRAW_INDEX["leave_or_adopt"]],
            draws[phases.DRAW_INDEX["leave_or_adopt"]],
            scenario,
        )
        left = np.asarray(leaves, dtype=bool)
        adopted = np.asarray(adopts, dtype=bool)
        self.scar = scar
        self.complained_in_tenure[eventful] |= np.asarray(experience.complained, dtype=bool)
        self.failed_in_tenure[eventful] |= np.asarray(experience.failure, dtype=bool)
        left_after_complaint = left & self.complained_in_tenure
        left_dissatisfied = left & self.failed_in_tenure
        changed = np.flatnonzero(left | adopted)
        state = self.state.copy()  # a new array: snapshots taken earlier stay as they were
        state[changed] = np.where(left[changed], CHURNED, ACTIVE)
        self.state = state
        self.network.update_contact_counts(
            self.active_contacts, changed, np.where(adopted[changed], 1, -1).astype(np.int64)
        )
        self.complained_in_tenure &= ~adopted
        self.failed_in_tenure &= ~adopted
        return StepOutcome(
            experience=experience,
            left=left,
            adopted=adopted,
            won_back=adopted & churned,
            left_after_complaint=left_after_complaint,
            left_dissatisfied=left_dissatisfied,
            positive_messages=int(positive.sum()),
            negative_messages=int(speakers.size - positive.sum()),
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
