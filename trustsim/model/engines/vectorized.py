"""The vectorized engine: the population as a struct of arrays, one compiled loop per phase.

A step runs the per-customer functions of :mod:`trustsim.model.phases` inside two compiled
loops over the customers, in parallel (``numba.prange``) on as many threads as
:func:`trustsim.compiled.set_threads` allows (one below
:data:`trustsim.compiled.PARALLEL_MIN_ITEMS` customers):

1. :func:`decide_all`: relaxation, own experience and the message of every person, from the
   state at the start of the step, in batches whose base draws are computed first, in one
   loop (:func:`decide_batch`); a speaker's contact goes into ``listener``.
2. :func:`deliver`: messages are counted per listener (integers, so their order does not
   matter).
3. :func:`settle_all`: word-of-mouth heard, reputation drift, churn or adoption, and the
   tenure record of every person, who is then added to the step's totals
   (:mod:`trustsim.model.step_totals`).
4. The active-contact counts of the changed customers' contacts are updated.

Every customer's numbers depend only on its own inputs, counter-based draws and integer
message counts, so the result is the same on any number of threads, and the same as the
agents engine's, which calls the same functions one Mesa agent at a time
(tests/model/engines/test_engines.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import mesa
import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit, prange, threads_for
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
from trustsim.model.step_totals import (
    CHUNK,
    COUNT_COLUMNS,
    NOTHING_YET,
    SUM_COLUMNS,
    add_chunks,
    add_customer,
    chunks_for,
    store_chunk,
    totals_from,
)
from trustsim.scenario.schema import Scenario

#: Flag bits of the tenure record kept per customer (one byte).
COMPLAINED_IN_TENURE, LAST_PROBLEM_COMPLAINED = 1, 2


class Arrays(NamedTuple):
    """The population's state and traits as arrays (index = customer), and the network's
    CSR rows (empty for the complete graph): what the compiled loops read and write."""

    state: NDArray[np.int8]
    honest: NDArray[np.bool_]
    complaint_propensity: NDArray[np.float64]
    interaction_rate: NDArray[np.float64]
    wom_sensitivity: NDArray[np.float64]
    weight_competence: NDArray[np.float64]
    weight_integrity: NDArray[np.float64]
    weight_benevolence: NDArray[np.float64]
    disposition_competence: NDArray[np.float64]
    disposition_integrity: NDArray[np.float64]
    disposition_benevolence: NDArray[np.float64]
    competence: NDArray[np.float64]
    integrity: NDArray[np.float64]
    benevolence: NDArray[np.float64]
    overall: NDArray[np.float64]
    scar: NDArray[np.float64]
    tenure_flags: NDArray[np.uint8]  # COMPLAINED_IN_TENURE, LAST_PROBLEM_COMPLAINED
    last_problem_step: NDArray[np.int64]
    events: NDArray[np.int64]  # this step's event bits
    message: NDArray[np.int8]  # this step's message: +1, -1, 0
    listener: NDArray[np.int64]  # who hears it (-1: nobody)
    transition_word: NDArray[np.uint32]  # phase one's word for phase two's churn/adoption
    positive: NDArray[np.int32]  # messages heard this step
    negative: NDArray[np.int32]
    active_contacts: NDArray[np.int64]
    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    value_per_step: NDArray[np.float64]  # currency per step, for the totals
    # The step's totals (trustsim.model.step_totals): per chunk of CHUNK customers, then
    # added in chunk order.
    chunk_sums: NDArray[np.float64]  # (chunks, len(SUM_COLUMNS))
    chunk_counts: NDArray[np.int64]  # (chunks, len(COUNT_COLUMNS))
    sums: NDArray[np.float64]
    counts: NDArray[np.int64]


#: People whose base draws are computed together (:func:`decide_batch`): three float64
#: buffers of this length stay in the first-level cache (12 KiB).
DECIDE_BATCH = 512


@njit(parallel=True)
def decide_all(arrays: Any, key0: Any, key1: Any, step: int, firm: Any, params: Any) -> None:
    """Phase one for everybody (:func:`trustsim.model.phases.decide_record`), in place, on
    the threads in use, in batches of :data:`DECIDE_BATCH` people (:func:`decide_batch`);
    overall trust (at the start of the step) is read, not written.

    The arrays are taken out of the NamedTuple before the loop: numba 0.68.1 loses writes
    made through a NamedTuple's fields inside a ``prange`` body (``a.x[i] = v`` leaves
    ``x`` unchanged; inlining a per-person function that does so lost every trust update,
    which the engine tests caught), and a per-person function that takes the NamedTuple
    copies its 26 array descriptors at every call (a whole step at 10^6 customers on one
    thread: 240 ns a customer that way, 80 ns this way). The records are indexed inside
    the loop, as numba cannot pass a record from outside a parallel loop into it.
    """
    state, honest = arrays.state, arrays.honest
    complaint_propensity, interaction_rate = arrays.complaint_propensity, arrays.interaction_rate
    competence, integrity, benevolence = arrays.competence, arrays.integrity, arrays.benevolence
    disposition_competence = arrays.disposition_competence
    disposition_integrity = arrays.disposition_integrity
    disposition_benevolence = arrays.disposition_benevolence
    scar, overall, events = arrays.scar, arrays.overall, arrays.events
    message, listener = arrays.message, arrays.listener
    transition_word = arrays.transition_word
    indptr, indices = arrays.indptr, arrays.indices
    size = state.size
    for batch in prange((size + DECIDE_BATCH - 1) // DECIDE_BATCH):
        first: Any = np.int64(batch) * DECIDE_BATCH  # a prange index is uint64 in numba
        decide_batch(
            first,
            min(size, first + DECIDE_BATCH),
            key0,
            key1,
            step,
            state,
            honest,
            complaint_propensity,
            interaction_rate,
            competence,
            integrity,
            benevolence,
            disposition_competence,
            disposition_integrity,
            disposition_benevolence,
            scar,
            overall,
            events,
            message,
            listener,
            transition_word,
            indptr,
            indices,
            firm[0],
            params[0],
        )


@njit
def decide_batch(
    first: int,
    last: int,
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
    events: Any,
    message: Any,
    listener: Any,
    transition_word: Any,
    indptr: Any,
    indices: Any,
    firm: Any,
    params: Any,
) -> None:
    """Phase one for people ``first`` to ``last - 1`` (:func:`decide_all`): their base
    draws first, in one loop (:func:`trustsim.model.phases.base_draws`, which the compiler
    turns into SIMD instructions), then each person; ``firm`` and ``params`` are records
    (indexed inside the parallel loop, see :func:`decide_all`)."""
    touch_draw = np.empty(DECIDE_BATCH)
    claim_draw = np.empty(DECIDE_BATCH)
    talk_draw = np.empty(DECIDE_BATCH)
    phases.base_draws(
        key0, key1, step, first, last, touch_draw, claim_draw, talk_draw, transition_word
    )
    size = state.size
    for person in range(first, last):
        # The per-person functions take whole numbers as int64, as the agents engine passes
        # them (a state is int8): one compiled version of each for both engines, which
        # halves their compile time (docs/performance.md).
        drawn = person - first
        c, g, b, s, happened, said, word = phases.decide_record(
            key0,
            key1,
            step,
            person,
            touch_draw[drawn],
            claim_draw[drawn],
            talk_draw[drawn],
            np.int64(state[person]),
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
def settle_all(arrays: Any, key0: Any, key1: Any, step: int, firm: Any, params: Any) -> None:
    """Phase two for everybody (:func:`trustsim.model.phases.settle_record` and
    :func:`~trustsim.model.phases.tenure`), in place, on the threads in use; resets the
    message counts. Arrays and records are handled as in :func:`decide_all`.

    The customers are settled chunk by chunk (:data:`~trustsim.model.step_totals.CHUNK`
    consecutive people, the chunks in parallel, :func:`settle_chunk`), and each person is
    added to their chunk's totals (:func:`~trustsim.model.step_totals.add_customer`) as
    soon as they are settled, while their numbers are at hand, into ``arrays.chunk_sums``
    and ``arrays.chunk_counts``. These are the same chunks summed in the same order as
    :func:`~trustsim.model.step_totals.step_totals` would, so the same bits, without a
    pass of their own over the population (6.5 ns a customer at 10^6)."""
    state, events = arrays.state, arrays.events
    competence, integrity, benevolence = arrays.competence, arrays.integrity, arrays.benevolence
    weight_competence = arrays.weight_competence
    weight_integrity = arrays.weight_integrity
    weight_benevolence = arrays.weight_benevolence
    wom_sensitivity, overall = arrays.wom_sensitivity, arrays.overall
    positive, negative, active_contacts = arrays.positive, arrays.negative, arrays.active_contacts
    tenure_flags, last_problem_step = arrays.tenure_flags, arrays.last_problem_step
    transition_word, indptr = arrays.transition_word, arrays.indptr
    value_per_step = arrays.value_per_step
    chunk_sums, chunk_counts = arrays.chunk_sums, arrays.chunk_counts
    promoter_threshold = params[0].promoter_threshold
    detractor_threshold = params[0].detractor_threshold
    size = state.size
    complete = indptr.size == 0
    for chunk in prange(chunk_sums.shape[0]):
        first: Any = np.int64(chunk) * CHUNK  # a prange index is uint64 in numba
        last = min(size, first + CHUNK)
        settle_chunk(
            first,
            last,
            step,
            state,
            events,
            competence,
            integrity,
            benevolence,
            weight_competence,
            weight_integrity,
            weight_benevolence,
            wom_sensitivity,
            overall,
            positive,
            negative,
            active_contacts,
            tenure_flags,
            last_problem_step,
            transition_word,
            size - 1 if complete else -1,
            indptr,
            value_per_step,
            promoter_threshold,
            detractor_threshold,
            chunk_sums[chunk],
            chunk_counts[chunk],
            firm[0],
            params[0],
        )


@njit
def settle_chunk(
    first: int,
    last: int,
    step: int,
    state: Any,
    events: Any,
    competence: Any,
    integrity: Any,
    benevolence: Any,
    weight_competence: Any,
    weight_integrity: Any,
    weight_benevolence: Any,
    wom_sensitivity: Any,
    overall: Any,
    positive: Any,
    negative: Any,
    active_contacts: Any,
    tenure_flags: Any,
    last_problem_step: Any,
    transition_word: Any,
    everybody_else: int,
    indptr: Any,
    value_per_step: Any,
    promoter_threshold: float,
    detractor_threshold: float,
    sums: Any,
    counts: Any,
    firm: Any,
    params: Any,
) -> None:
    """Phase two for people ``first`` to ``last - 1`` (:func:`settle_all`), in index order,
    and their totals into ``sums`` and ``counts`` (the chunk's rows; added person by person
    as :func:`~trustsim.model.step_totals.chunk_totals` does).
    ``everybody_else`` is each person's degree on the complete graph (``indptr`` empty),
    else -1; ``firm`` and ``params`` are records (indexed inside the parallel loop, see
    :func:`decide_all`)."""
    running = NOTHING_YET
    for person in range(first, last):
        degree = everybody_else if everybody_else >= 0 else indptr[person + 1] - indptr[person]
        share = active_contacts[person] / degree if degree > 0 else 0.0
        before = np.int64(state[person])
        c, g, b, o, after = phases.settle_record(
            before,
            competence[person],
            integrity[person],
            benevolence[person],
            weight_competence[person],
            weight_integrity[person],
            weight_benevolence[person],
            wom_sensitivity[person],
            np.int64(positive[person]),
            np.int64(negative[person]),
            overall[person],
            share,
            events[person],
            np.int64(transition_word[person]),
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
        running = add_customer(
            running,
            after,
            o,
            c,
            g,
            b,
            value_per_step[person],
            promoter_threshold,
            detractor_threshold,
        )
    store_chunk(running, events[first:last], sums, counts)


@njit
def update_active_contacts(events: Any, active_contacts: Any, indptr: Any, indices: Any) -> None:
    """Keep every person's count of active contacts up to date after a step: +1 for each
    contact who adopted, -1 for each who left (integers: any order gives the same counts).
    On the complete graph (``indptr`` empty) everybody's contacts are everybody else."""
    complete = indptr.size == 0
    everybody = 0
    for person in range(events.size):
        happened = events[person]
        if happened & (phases.LEFT | phases.ADOPTED):
            delta = 1 if happened & phases.ADOPTED else -1
            if complete:
                everybody += delta
                active_contacts[person] -= delta
            else:
                for position in range(indptr[person], indptr[person + 1]):
                    active_contacts[indices[position]] += delta
    if everybody != 0:
        for person in range(active_contacts.size):
            active_contacts[person] += everybody


@njit
def step_all(arrays: Any, key0: Any, key1: Any, step: int, firm: Any, params: Any) -> None:
    """One step of everybody: :func:`decide_all`, :func:`deliver`, :func:`settle_all` and
    :func:`update_active_contacts`, then the chunks' totals added in chunk order
    (``arrays.sums`` and ``arrays.counts``), in one call from Python instead of five (passing the 26
    arrays to compiled code costs tens of microseconds a call, a good part of a step at a
    few thousand customers). The thread count is set by the caller: numba cannot cache a
    compiled function that sets it."""
    decide_all(arrays, key0, key1, step, firm, params)
    deliver(arrays.message, arrays.listener, arrays.positive, arrays.negative)
    settle_all(arrays, key0, key1, step, firm, params)
    update_active_contacts(arrays.events, arrays.active_contacts, arrays.indptr, arrays.indices)
    add_chunks(arrays.chunk_sums, arrays.chunk_counts, arrays.sums, arrays.counts)


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
        empty = np.zeros(0, dtype=np.int64)
        overall = np.empty(size)
        overall_trust_all(
            population.competence,
            population.integrity,
            population.benevolence,
            population.weight_competence,
            population.weight_integrity,
            population.weight_benevolence,
            overall,
        )
        state = population.state.copy()
        self.state_arrays = Arrays(
            state=state,
            honest=population.honest,
            complaint_propensity=population.complaint_propensity,
            interaction_rate=population.interaction_rate,
            wom_sensitivity=population.wom_sensitivity,
            weight_competence=population.weight_competence,
            weight_integrity=population.weight_integrity,
            weight_benevolence=population.weight_benevolence,
            disposition_competence=population.competence,
            disposition_integrity=population.integrity,
            disposition_benevolence=population.benevolence,
            competence=population.competence.copy(),
            integrity=population.integrity.copy(),
            benevolence=population.benevolence.copy(),
            overall=overall,
            scar=np.zeros(size),
            tenure_flags=np.zeros(size, dtype=np.uint8),
            last_problem_step=np.full(size, phases.NO_PROBLEM, dtype=np.int64),
            events=np.zeros(size, dtype=np.int64),
            message=np.zeros(size, dtype=np.int8),
            listener=np.full(size, -1, dtype=np.int64),
            transition_word=np.zeros(size, dtype=np.uint32),
            positive=np.zeros(size, dtype=np.int32),
            negative=np.zeros(size, dtype=np.int32),
            # Active contacts per customer, kept up to date incrementally (see step()).
            active_contacts=network.contact_counts(state == ACTIVE),
            indptr=empty if network.indptr is None else network.indptr,
            indices=empty.astype(np.int32) if network.indices is None else network.indices,
            value_per_step=population.value_per_step,
            chunk_sums=np.zeros((chunks_for(size), len(SUM_COLUMNS))),
            chunk_counts=np.zeros((chunks_for(size), len(COUNT_COLUMNS)), dtype=np.int64),
            sums=np.zeros(len(SUM_COLUMNS)),
            counts=np.zeros(len(COUNT_COLUMNS), dtype=np.int64),
        )
        self.records = phases.FirmRecords(self.params)

    @property
    def state(self) -> NDArray[np.int8]:
        """Every person's state (PROSPECT, ACTIVE, CHURNED)."""
        return self.state_arrays.state

    @property
    def competence(self) -> NDArray[np.float64]:
        return self.state_arrays.competence

    @property
    def integrity(self) -> NDArray[np.float64]:
        return self.state_arrays.integrity

    @property
    def benevolence(self) -> NDArray[np.float64]:
        return self.state_arrays.benevolence

    @property
    def overall(self) -> NDArray[np.float64]:
        return self.state_arrays.overall

    @property
    def scar(self) -> NDArray[np.float64]:
        return self.state_arrays.scar

    @property
    def active_contacts(self) -> NDArray[np.int64]:
        """Active contacts of every person (kept up to date as people join and leave)."""
        return self.state_arrays.active_contacts

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
        arrays, params = self.state_arrays, self.params
        key0, key1 = self.key
        step = self.model.steps
        record = self.records.build(firm, reputation, advertising_multiplier)
        with threads_for(arrays.state.size):
            step_all(arrays, key0, key1, step, record, params)
        return StepOutcome(events=arrays.events, totals=totals_from(arrays.sums, arrays.counts))

    def set_trust(
        self,
        competence: NDArray[np.float64],
        integrity: NDArray[np.float64],
        benevolence: NDArray[np.float64],
        scar: NDArray[np.float64],
    ) -> None:
        """Trust and scar of every customer, in place; overall trust recomputed."""
        arrays = self.state_arrays
        for target, values in (
            (arrays.competence, competence),
            (arrays.integrity, integrity),
            (arrays.benevolence, benevolence),
            (arrays.scar, scar),
        ):
            target[...] = np.broadcast_to(np.asarray(values, dtype=np.float64), target.shape)
        overall_trust_all(
            arrays.competence,
            arrays.integrity,
            arrays.benevolence,
            arrays.weight_competence,
            arrays.weight_integrity,
            arrays.weight_benevolence,
            arrays.overall,
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
            complained_in_tenure=bool(self.state_arrays.tenure_flags[index] & COMPLAINED_IN_TENURE),
        )


__all__ = ["ArrayPopulation", "CustomerView"]
