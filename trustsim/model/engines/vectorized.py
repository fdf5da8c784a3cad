"""The vectorized engine: the population as a struct of arrays, one compiled loop per phase.

A step runs the per-customer functions of :mod:`trustsim.model.phases` inside two compiled
loops over the customers, in parallel (``numba.prange``) on as many threads as
:func:`trustsim.compiled.set_threads` allows:

1. :func:`decide_all`: relaxation, own experience and the message of every person, from the
   state at the start of the step; a speaker's contact goes into ``listener``.
2. :func:`deliver`: messages are counted per listener (integers, so their order does not
   matter).
3. :func:`settle_all`: word-of-mouth heard, reputation drift, churn or adoption, and the
   tenure record of every person.
4. The active-contact counts of the changed customers' contacts are updated.

Every customer's numbers depend only on its own inputs, counter-based draws and integer
message counts, so the result is the same on any number of threads, and the same as the
agents engine's, which calls the same functions one Mesa agent at a time
(tests/model/engines/test_engines.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit, prange
from trustsim.model import phases
from trustsim.model.engines.base import Engine, Snapshot, StepOutcome
from trustsim.model.network import Network
from trustsim.model.population import (
    ACTIVE,
    STATE_NAMES,
    PopulationArrays,
    overall_trust_all,
)
from trustsim.model.random_numbers import Key
from trustsim.scenario.schema import Scenario

#: Flag bits of the tenure record kept per customer (one byte).
COMPLAINED_IN_TENURE, LAST_PROBLEM_COMPLAINED = 1, 2


@njit(parallel=True)
def decide_all(
    key0: Any,
    key1: Any,
    step: int,
    state: Any,
    honest: Any,
    complaint_propensity: Any,
    interaction_rate: Any,
    competence: Any,
    integrity: Any,
    benevolence: Any,
    disposition_competence: Any,
    disposition_integrity: Any,
    disposition_benevolence: Any,
    scar: Any,
    overall: Any,
    indptr: Any,
    indices: Any,
    firm: Any,
    params: Any,
    events: Any,
    message: Any,
    listener: Any,
) -> None:
    """Phase one for everybody (:func:`trustsim.model.phases.decide`), in place; ``overall``
    (trust at the start of the step) is read, not written."""
    size = state.size
    for person in prange(size):
        c, g, b, s, happened, said, word = phases.decide(
            key0,
            key1,
            step,
            person,
            state[person],
            honest[person],
            complaint_propensity[person],
            interaction_rate[person],
            competence[person],
            integrity[person],
            benevolence[person],
            disposition_competence[person],
            disposition_integrity[person],
            disposition_benevolence[person],
            scar[person],
            overall[person],
            firm,
            params,
        )
        competence[person], integrity[person], benevolence[person], scar[person] = c, g, b, s
        events[person] = happened
        message[person] = said
        listener[person] = (
            phases.contact_of(person, word, indptr, indices, size) if said != 0 else -1
        )


@njit
def deliver(message: Any, listener: Any, positive: Any, negative: Any) -> None:
    """Count each listener's positive and negative messages (integers: any order gives
    the same counts)."""
    for person in range(message.size):
        heard_by = listener[person]
        if heard_by >= 0:
            if message[person] > 0:
                positive[heard_by] += 1
            else:
                negative[heard_by] += 1


@njit(parallel=True)
def settle_all(
    key0: Any,
    key1: Any,
    step: int,
    state: Any,
    competence: Any,
    integrity: Any,
    benevolence: Any,
    weight_competence: Any,
    weight_integrity: Any,
    weight_benevolence: Any,
    wom_sensitivity: Any,
    positive: Any,
    negative: Any,
    overall: Any,
    active_contacts: Any,
    indptr: Any,
    events: Any,
    tenure_flags: Any,
    last_problem_step: Any,
    firm: Any,
    params: Any,
) -> None:
    """Phase two for everybody (:func:`trustsim.model.phases.settle` and
    :func:`~trustsim.model.phases.tenure`), in place; resets the message counts."""
    size = state.size
    for person in prange(size):
        degree = size - 1 if indptr.size == 0 else indptr[person + 1] - indptr[person]
        share = active_contacts[person] / degree if degree > 0 else 0.0
        before = state[person]
        c, g, b, o, after = phases.settle(
            key0,
            key1,
            step,
            person,
            before,
            competence[person],
            integrity[person],
            benevolence[person],
            weight_competence[person],
            weight_integrity[person],
            weight_benevolence[person],
            wom_sensitivity[person],
            positive[person],
            negative[person],
            overall[person],
            share,
            events[person],
            firm,
            params,
        )
        competence[person], integrity[person], benevolence[person], overall[person] = c, g, b, o
        positive[person] = 0
        negative[person] = 0
        flags = tenure_flags[person]
        complained, last_step, last_complained, happened = phases.tenure(
            step,
            before,
            after,
            events[person],
            (flags & COMPLAINED_IN_TENURE) != 0,
            last_problem_step[person],
            (flags & LAST_PROBLEM_COMPLAINED) != 0,
        )
        tenure_flags[person] = (COMPLAINED_IN_TENURE if complained else 0) | (
            LAST_PROBLEM_COMPLAINED if last_complained else 0
        )
        last_problem_step[person] = last_step
        events[person] = happened
        state[person] = after


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
    """All customers as arrays; ``step`` runs the compiled phases over the population."""

    def __init__(
        self,
        model: mesa.Model,
        config: Scenario,
        network: Network,
        population: PopulationArrays,
        key: Key,
    ) -> None:
        super().__init__(model, config, network, population, key)
        self.arrays = population
        size = population.size
        self.state = population.state.copy()
        self.competence = population.competence.copy()
        self.integrity = population.integrity.copy()
        self.benevolence = population.benevolence.copy()
        self.scar = np.zeros(size)
        self.overall = np.empty(size)
        overall_trust_all(
            self.competence,
            self.integrity,
            self.benevolence,
            population.weight_competence,
            population.weight_integrity,
            population.weight_benevolence,
            self.overall,
        )
        self.tenure_flags = np.zeros(size, dtype=np.uint8)
        self.last_problem_step = np.full(size, phases.NO_PROBLEM, dtype=np.int64)
        self.events = np.zeros(size, dtype=np.int64)
        self.message = np.zeros(size, dtype=np.int8)
        self.listener = np.full(size, -1, dtype=np.int64)
        self.positive = np.zeros(size, dtype=np.int32)
        self.negative = np.zeros(size, dtype=np.int32)
        # Active contacts per customer, kept up to date incrementally (see step()).
        self.active_contacts = network.contact_counts(self.state == ACTIVE)
        empty = np.zeros(0, dtype=np.int64)
        self._indptr = empty if network.indptr is None else network.indptr
        self._indices = empty.astype(np.int32) if network.indices is None else network.indices

    def snapshot(self) -> Snapshot:
        """Current state: the engine's own arrays (do not modify; the next step updates
        them in place)."""
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
        """Both phases of one step over every customer, reading only the previous state."""
        arrays, params = self.arrays, self.params
        key0, key1 = self.key
        step = self.model.steps
        firm_record = phases.firm_record(firm, reputation, advertising_multiplier, params)
        decide_all(
            key0,
            key1,
            step,
            self.state,
            arrays.honest,
            arrays.complaint_propensity,
            arrays.interaction_rate,
            self.competence,
            self.integrity,
            self.benevolence,
            arrays.competence,
            arrays.integrity,
            arrays.benevolence,
            self.scar,
            self.overall,
            self._indptr,
            self._indices,
            firm_record,
            params,
            self.events,
            self.message,
            self.listener,
        )
        deliver(self.message, self.listener, self.positive, self.negative)
        settle_all(
            key0,
            key1,
            step,
            self.state,
            self.competence,
            self.integrity,
            self.benevolence,
            arrays.weight_competence,
            arrays.weight_integrity,
            arrays.weight_benevolence,
            arrays.wom_sensitivity,
            self.positive,
            self.negative,
            self.overall,
            self.active_contacts,
            self._indptr,
            self.events,
            self.tenure_flags,
            self.last_problem_step,
            firm_record,
            params,
        )
        changed = np.flatnonzero(self.events & (phases.LEFT | phases.ADOPTED))
        joined = (self.events[changed] & phases.ADOPTED) != 0
        self.network.update_contact_counts(
            self.active_contacts, changed, np.where(joined, 1, -1).astype(np.int64)
        )
        return StepOutcome(events=self.events)

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
            complained_in_tenure=bool(self.tenure_flags[index] & COMPLAINED_IN_TENURE),
        )


__all__ = ["ArrayPopulation", "CustomerView"]
