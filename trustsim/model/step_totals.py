"""The totals of a step over every customer, in one compiled pass.

After the customer phases of a step the model needs, over the population: the stocks
(prospects, active, churned), the sums of the four trust arrays over the active customers
and of their value per step, the promoters and detractors among them, and how many
customers had each event bit of :data:`trustsim.model.phases.EVENT_BITS`.
:func:`totals_in_chunks` takes all of them in one pass over the arrays instead of about
a dozen NumPy passes and their temporaries: for the state a model starts from, and after
each step of the agents engine. The vectorized engine needs no such pass: it adds each
person to the totals (:func:`add_customer`) as its phase two settles them, in parallel
over the chunks (:func:`trustsim.model.engines.vectorized.settle_all`), in the same
chunks and order.

**Fixed-order sums.** The customers are cut into chunks of :data:`CHUNK` consecutive
indices; each chunk is summed in index order, on whichever thread runs it, and the chunk
sums are added in chunk order. A sum therefore has the same bits for any thread count and
either engine, and depends on nothing but the values. (It is not NumPy's pairwise sum: the
order differs, so the last bits of a mean differ from ``numpy.mean``'s by a few units in
the last place; the rounding error of a 16 384-term sequential sum of numbers in [0, 1] is
at most about 2e-12 of the sum.) Counts are whole numbers and exact in any order.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit
from trustsim.model.phases import EVENT_BITS, count_bits
from trustsim.model.population import ACTIVE, CHURNED, PROSPECT
from trustsim.model.totals_record import StepTotals

#: Customers per chunk of a fixed-order sum: 610 chunks at 10^7 customers to share among
#: threads, one up to 16 384 customers.
CHUNK = 1 << 14

#: Columns of the float sums over the active customers: the four trust arrays and the
#: value per step.
SUM_COLUMNS: tuple[str, ...] = (
    "overall",
    "competence",
    "integrity",
    "benevolence",
    "value_per_step",
)
#: Columns of the counts: the stocks, promoters and detractors among the active customers,
#: then one column per event bit (in the order of EVENT_BITS).
COUNT_COLUMNS: tuple[str, ...] = (
    "prospects",
    "active",
    "churned",
    "promoters",
    "detractors",
    *EVENT_BITS,
)
_FIRST_BIT = len(COUNT_COLUMNS) - len(EVENT_BITS)  # COUNT_COLUMNS index of the first bit


class CustomerArrays(Protocol):
    """What :func:`step_totals` reads of the customers (index = customer), as an engine's
    :class:`~trustsim.model.engines.base.Snapshot` holds it. (A protocol rather than an
    import of the engines' contract: the vectorized engine imports this module, which
    therefore stays below that contract; tests/test_architecture.py limits the chains.)"""

    state: NDArray[np.int8]
    overall: NDArray[np.float64]
    competence: NDArray[np.float64]
    integrity: NDArray[np.float64]
    benevolence: NDArray[np.float64]
    value_per_step: NDArray[np.float64]


#: The running totals of a chunk, in the order of :data:`SUM_COLUMNS` then the first five
#: :data:`COUNT_COLUMNS`: sums of overall, competence, integrity, benevolence trust and
#: value per step over the active customers; prospects, active, churned, promoters,
#: detractors (the tuple :func:`add_customer` takes and returns).
Running = tuple[float, float, float, float, float, int, int, int, int, int]
NOTHING_YET: Running = (0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0)


@njit
def add_customer(
    running: Running,
    state: int,
    overall: float,
    competence: float,
    integrity: float,
    benevolence: float,
    value_per_step: float,
    promoter_threshold: float,
    detractor_threshold: float,
) -> Running:
    """``running`` (:data:`Running`) with one more customer: their state counted and, if
    active, their trust (each in [0, 1]) and value per step (currency) added, and whether
    they are a promoter (overall trust at or above ``promoter_threshold``) or a detractor
    (below ``detractor_threshold``). Plain numbers in and out, so that a loop keeps the
    totals in registers."""
    (
        sum_overall,
        sum_competence,
        sum_integrity,
        sum_benevolence,
        sum_value,
        prospects,
        active,
        churned,
        promoters,
        detractors,
    ) = running
    prospects += state == PROSPECT
    churned += state == CHURNED
    if state == ACTIVE:
        active += 1
        sum_overall += overall
        sum_competence += competence
        sum_integrity += integrity
        sum_benevolence += benevolence
        sum_value += value_per_step
        promoters += overall >= promoter_threshold
        detractors += overall < detractor_threshold
    return (
        sum_overall,
        sum_competence,
        sum_integrity,
        sum_benevolence,
        sum_value,
        prospects,
        active,
        churned,
        promoters,
        detractors,
    )


@njit
def store_chunk(
    running: Running, events: NDArray[np.int64], sums: NDArray[np.float64], counts: Any
) -> None:
    """Write a chunk's totals: ``running`` (:data:`Running`, after its last customer) into
    ``sums`` (one entry per name of :data:`SUM_COLUMNS`) and the first five entries of
    ``counts`` (one per name of :data:`COUNT_COLUMNS`), and the chunk's count of each event
    bit (``events``: the chunk's event bits) into the others."""
    sums[0], sums[1], sums[2], sums[3], sums[4] = (
        running[0],
        running[1],
        running[2],
        running[3],
        running[4],
    )
    counts[0], counts[1], counts[2], counts[3], counts[4] = (
        running[5],
        running[6],
        running[7],
        running[8],
        running[9],
    )
    bits = count_bits(events)
    for bit in range(bits.size):  # not a slice assignment: its shape check's error message
        counts[_FIRST_BIT + bit] = bits[bit]  # costs about 3 s of compiling


@njit
def chunk_totals(
    first: int,
    last: int,
    state: NDArray[np.int8],
    overall: NDArray[np.float64],
    competence: NDArray[np.float64],
    integrity: NDArray[np.float64],
    benevolence: NDArray[np.float64],
    value_per_step: NDArray[np.float64],
    events: NDArray[np.int64],
    promoter_threshold: float,
    detractor_threshold: float,
    sums: NDArray[np.float64],
    counts: NDArray[np.int64],
) -> None:
    """The totals over customers ``first`` to ``last - 1``, added in index order
    (:func:`add_customer`), into ``sums`` and ``counts`` (:func:`store_chunk`)."""
    running = NOTHING_YET
    for index in range(first, last):
        running = add_customer(
            running,
            np.int64(state[index]),  # int64 as settle_chunk passes it: one compiled version
            overall[index],
            competence[index],
            integrity[index],
            benevolence[index],
            value_per_step[index],
            promoter_threshold,
            detractor_threshold,
        )
    store_chunk(running, events[first:last], sums, counts)


@njit
def totals_in_chunks(
    state: NDArray[np.int8],
    overall: NDArray[np.float64],
    competence: NDArray[np.float64],
    integrity: NDArray[np.float64],
    benevolence: NDArray[np.float64],
    value_per_step: NDArray[np.float64],
    events: NDArray[np.int64],
    promoter_threshold: float,
    detractor_threshold: float,
    sums: NDArray[np.float64],
    counts: NDArray[np.int64],
) -> None:
    """Fill ``sums`` (float64, one entry per name of :data:`SUM_COLUMNS`) and ``counts``
    (int64, one per name of :data:`COUNT_COLUMNS`) with the totals over every customer:
    :func:`chunk_totals` of each chunk of :data:`CHUNK` customers, then the chunks'
    totals added in chunk order (module docstring).

    On one thread: the vectorized engine takes its steps' totals while settling them, so
    this pass only serves the state a model starts from (0.05 s once at 10^7 customers,
    measured on random arrays) and the agents engine, whose steps take a thousand times
    longer. The parallel version took about 0.4 s more to compile in every first run."""
    size = state.size
    chunks = (size + CHUNK - 1) // CHUNK
    chunk_sums = np.empty((chunks, sums.size))
    chunk_counts = np.empty((chunks, counts.size), dtype=np.int64)
    for chunk in range(chunks):
        first = chunk * CHUNK
        chunk_totals(
            first,
            min(size, first + CHUNK),
            state,
            overall,
            competence,
            integrity,
            benevolence,
            value_per_step,
            events,
            promoter_threshold,
            detractor_threshold,
            chunk_sums[chunk],
            chunk_counts[chunk],
        )
    add_chunks(chunk_sums, chunk_counts, sums, counts)


def chunks_for(size: int) -> int:
    """Chunks of :data:`CHUNK` customers that cover ``size`` customers."""
    return (size + CHUNK - 1) // CHUNK


@njit
def add_chunks(
    chunk_sums: NDArray[np.float64],
    chunk_counts: NDArray[np.int64],
    sums: NDArray[np.float64],
    counts: NDArray[np.int64],
) -> None:
    """``sums`` and ``counts``: the rows of ``chunk_sums`` and ``chunk_counts`` (one row per
    chunk, from :func:`chunk_totals`) added in chunk order, so that a sum has the same bits
    on any number of threads (module docstring)."""
    chunks = chunk_sums.shape[0]
    for column in range(sums.size):
        total = 0.0
        for chunk in range(chunks):
            total += chunk_sums[chunk, column]
        sums[column] = total
    for column in range(counts.size):
        count = 0
        for chunk in range(chunks):
            count += chunk_counts[chunk, column]
        counts[column] = count


def totals_from(sums: NDArray[np.float64], counts: NDArray[np.int64]) -> StepTotals:
    """The :class:`StepTotals` of the arrays :func:`totals_in_chunks` or
    :func:`add_chunks` fill (one entry per name of :data:`SUM_COLUMNS` and of
    :data:`COUNT_COLUMNS`)."""
    sum_values, count_values = sums.tolist(), counts.tolist()
    prospects, active, churned, promoters, detractors = count_values[:_FIRST_BIT]
    return StepTotals(
        prospects=prospects,
        active=active,
        churned=churned,
        promoters=promoters,
        detractors=detractors,
        active_sums=dict(zip(SUM_COLUMNS, sum_values, strict=True)),
        event_counts=dict(zip(EVENT_BITS, count_values[_FIRST_BIT:], strict=True)),
    )


def step_totals(
    snapshot: CustomerArrays,
    events: NDArray[np.int64],
    promoter_threshold: float,
    detractor_threshold: float,
) -> StepTotals:
    """The totals of a step (:class:`StepTotals`) from the customers' state and their
    event bits (index = customer); thresholds of overall trust in [0, 1]. One compiled
    pass on one thread (:func:`totals_in_chunks`)."""
    sums = np.empty(len(SUM_COLUMNS))
    counts = np.empty(len(COUNT_COLUMNS), dtype=np.int64)
    totals_in_chunks(
        snapshot.state,
        snapshot.overall,
        snapshot.competence,
        snapshot.integrity,
        snapshot.benevolence,
        snapshot.value_per_step,
        events,
        float(promoter_threshold),
        float(detractor_threshold),
        sums,
        counts,
    )
    return totals_from(sums, counts)
