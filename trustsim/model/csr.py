"""Compiled construction of compressed sparse rows (CSR) straight from generated edges.

A generated network's edges are pure functions of their index: edge ``j`` of unit ``i``
(a node for Watts-Strogatz, an edge for Erdős–Rényi and Barabási–Albert) is computed from
Philox words (domain :data:`~trustsim.model.random_numbers.DOMAIN_NETWORK`). So the CSR
arrays are built without materialising or sorting the edge list:

1. **count**: generate every edge and count both of its ends, per chunk of units (one
   chunk per thread, integer counts, no races);
2. **offsets**: the cumulative sum gives the row pointers; each chunk gets its own first
   write position in every row;
3. **fill**: generate the edges again and write each end into its row;
4. **tidy**: sort each row and drop duplicate neighbours (rows in parallel), then close
   the gaps (one forward pass). Self-loops are never written.

Rows end sorted, so the result does not depend on the number of chunks (threads). The
memory is the CSR itself (4-byte indices when there are fewer than 2^31 nodes, 8-byte row
pointers) plus one count per node and chunk. Edge lists read from a file go through the
same four steps with their arrays as the edge source.

Counter layout (domain NETWORK): the unit's 64-bit index in counter words 0 and 1, and
``stream << 24 | block`` in word 2, with one stream per use (:data:`STREAM_REWIRE`...).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit, prange
from trustsim.model.random_numbers import (
    DOMAIN_NETWORK,
    index_below64,
    philox4x32_10,
    uniform32,
)

#: Edge sources: a generated kind, or arrays of ends.
KIND_SMALL_WORLD = 0
KIND_ERDOS_RENYI = 1
KIND_SCALE_FREE = 2
KIND_EDGE_ARRAYS = 3

#: Random streams of DOMAIN_NETWORK (counter word 2 = stream << 24 | block).
STREAM_REWIRE = 1  # small world: rewiring decisions of node u, block j // 4, word j % 4
STREAM_FAR_END = 2  # small world: the new far end of node u's edge j, block j
STREAM_ENDS = 3  # Erdős–Rényi: both ends of edge e (64 bits each), block 0
STREAM_ATTACH = 4  # Barabási–Albert: the earlier slot that edge e's second end copies
BLOCK_BITS = np.uint64(24)
#: Most blocks per unit and stream (small world: at most this many links per side).
MAX_BLOCKS = 1 << 24

MASK32 = np.uint64(0xFFFFFFFF)
SHIFT32 = np.uint64(32)
#: Rows up to this long are sorted by insertion in compiled code (rows of generated
#: networks hold about the mean degree); longer ones (hubs) by NumPy's sort, one call each.
INSERTION_SORT_MAX = 64
#: Edges generated before they are counted or placed (:func:`walk_chunk_ends`).
WALK_BATCH = 256


@njit(inline=True)
def network_words(key0: Any, key1: Any, unit: Any, stream: Any, block: Any) -> Any:
    """Four random words for ``block`` of ``stream`` of ``unit`` (a 64-bit index)."""
    wide = np.uint64(unit)
    return philox4x32_10(
        wide & MASK32,
        wide >> SHIFT32,
        (np.uint64(stream) << BLOCK_BITS) | np.uint64(block),
        np.uint64(DOMAIN_NETWORK),
        key0,
        key1,
    )


@njit(inline=True)
def _pick(w0: Any, w1: Any, w2: Any, w3: Any, which: int) -> Any:
    if which == 0:
        return w0
    if which == 1:
        return w1
    if which == 2:
        return w2
    return w3


@njit
def attached_node(key0: Any, key1: Any, edge: int, links: int) -> int:
    """Barabási–Albert as Batagelj & Brandes (2005) copy slots: slot ``2e`` holds the new
    node of edge ``e`` (``e // links``); slot ``2e + 1`` copies a uniform earlier slot.
    Following copies of copies back to an even slot gives the node edge ``e`` attaches to
    (preferential attachment: a node is picked in proportion to its slots, its degree)."""
    slot = 2 * edge + 1
    while slot % 2 == 1:
        w0, w1, _, _ = network_words(key0, key1, slot // 2, STREAM_ATTACH, 0)
        slot = index_below64(w0, w1, slot)
    return (slot // 2) // links


@njit(parallel=True)
def attach_all(key0: Any, key1: Any, links: int, targets: Any) -> None:
    """``targets[e]`` = :func:`attached_node` of every Barabási–Albert edge ``e`` (computed
    once for the count and fill passes)."""
    for edge in prange(targets.size):
        targets[edge] = attached_node(key0, key1, np.int64(edge), links)


@njit(inline=True)
def edge_ends(
    kind: int,
    key0: Any,
    key1: Any,
    size: int,
    parameter: float,
    links: int,
    sources: Any,
    targets: Any,
    unit: int,
    j: int,
    w0: Any,
    w1: Any,
    w2: Any,
    w3: Any,
) -> tuple[Any, Any]:
    """Edge ``j`` of ``unit`` as (u, v); u == v is a self-loop (dropped by the caller).

    Small world: unit = node u, j < k/2: the ring edge to u + j + 1, its far end moved to a
    uniform node with probability ``parameter`` (decision: word j % 4 of the words ``w``
    of block j // 4, which the caller refreshes at j % 4 == 0). Erdős–Rényi: unit = edge,
    two uniform ends. Scale free: unit = edge e, (e // links, targets[e]) with ``targets``
    from :func:`attach_all`. Edge arrays: (sources[unit], targets[unit]).
    """
    if kind == KIND_SMALL_WORLD:
        if uniform32(_pick(w0, w1, w2, w3, j % 4)) < parameter:
            r0, r1, _, _ = network_words(key0, key1, unit, STREAM_FAR_END, j)
            return unit, index_below64(r0, r1, size)
        neighbour = unit + j + 1  # (unit + j + 1) mod size, without a division
        return unit, neighbour - size if neighbour >= size else neighbour
    if kind == KIND_ERDOS_RENYI:
        return index_below64(w0, w1, size), index_below64(w2, w3, size)
    if kind == KIND_SCALE_FREE:
        return unit // links, np.int64(targets[unit])
    return np.int64(sources[unit]), np.int64(targets[unit])


@njit(inline=True)
def _unit_words(kind: int, key0: Any, key1: Any, unit: int, j: int) -> Any:
    """The words :func:`edge_ends` reads for edge ``j`` of ``unit`` (refreshed per block)."""
    if kind == KIND_SMALL_WORLD:
        return network_words(key0, key1, unit, STREAM_REWIRE, j // 4)
    if kind == KIND_ERDOS_RENYI:
        return network_words(key0, key1, unit, STREAM_ENDS, 0)
    zero = np.uint64(0)
    return zero, zero, zero, zero


@njit
def walk_chunk_ends(
    kind: int,
    key0: Any,
    key1: Any,
    size: int,
    parameter: float,
    links: int,
    sources: Any,
    targets: Any,
    units: int,
    per_unit: int,
    chunk: int,
    ends: Any,
    indices: Any,
    fill: bool,
) -> None:
    """Visit the edges of chunk ``chunk`` (an equal range of the units, one per row of
    ``ends``) in order and add one to ``ends[chunk, x]`` for each end at node ``x``. With
    ``fill``, ``ends`` holds each chunk's next write position in each row
    (:func:`chunk_positions`) and each end's other node is also written there, so the
    same walk first counts the ends and then places them.

    The edges are generated :data:`WALK_BATCH` at a time into a small buffer, then counted
    or placed in a tight loop: on a random graph every end is a memory access far from
    the last, and with no random-number arithmetic between them the processor overlaps
    many of those cache misses (docs/performance.md)."""
    chunks = ends.shape[0]
    batch_u = np.empty(WALK_BATCH, dtype=np.int64)
    batch_v = np.empty(WALK_BATCH, dtype=np.int64)
    held = 0
    w0 = w1 = w2 = w3 = np.uint64(0)
    first_unit = chunk * units // chunks
    last_unit = (chunk + 1) * units // chunks
    for unit in range(first_unit, last_unit):
        for j in range(per_unit):
            if j % 4 == 0:
                w0, w1, w2, w3 = _unit_words(kind, key0, key1, unit, j)
            u, v = edge_ends(
                kind, key0, key1, size, parameter, links, sources, targets, unit, j,
                w0, w1, w2, w3,
            )  # fmt: skip
            if u != v:
                batch_u[held] = u
                batch_v[held] = v
                held += 1
                if held == WALK_BATCH:
                    _place_batch(chunk, held, batch_u, batch_v, ends, indices, fill)
                    held = 0
    _place_batch(chunk, held, batch_u, batch_v, ends, indices, fill)


@njit(inline=True)
def _place_batch(
    chunk: int, held: int, batch_u: Any, batch_v: Any, ends: Any, indices: Any, fill: bool
) -> None:
    """Count (and with ``fill`` place) the first ``held`` buffered edges, in order."""
    if fill:
        for k in range(held):  # both positions read and bumped before either write
            u, v = batch_u[k], batch_v[k]
            position_u = ends[chunk, u]
            ends[chunk, u] = position_u + 1
            position_v = ends[chunk, v]
            ends[chunk, v] = position_v + 1
            indices[position_u] = v
            indices[position_v] = u
    else:
        for k in range(held):
            ends[chunk, batch_u[k]] += 1
            ends[chunk, batch_v[k]] += 1


@njit(parallel=True)
def walk_ends(
    kind: int,
    key0: Any,
    key1: Any,
    size: int,
    parameter: float,
    links: int,
    sources: Any,
    targets: Any,
    units: int,
    per_unit: int,
    ends: Any,
    indices: Any,
    fill: bool,
) -> None:
    """:func:`walk_chunk_ends` of every chunk, in parallel: with ``fill`` False, count the
    ends of each chunk at each node; with ``fill`` True (``ends`` turned into positions by
    :func:`chunk_positions`), write every edge's ends into their rows. One compiled
    function for both passes (and all kinds): each parallel function costs seconds to
    compile."""
    for chunk in prange(ends.shape[0]):
        walk_chunk_ends(
            kind, key0, key1, size, parameter, links, sources, targets, units, per_unit,
            np.int64(chunk), ends, indices, fill,
        )  # fmt: skip


@njit
def chunk_positions(indptr: Any, counts: Any) -> None:
    """Turn per-chunk counts into each chunk's first write position in each row (one
    thread: 11-19 ms at 10^7 nodes, where a parallel loop would cost 0.3 s more to
    compile on every first run)."""
    for node in range(counts.shape[1]):
        position = indptr[node]
        for chunk in range(counts.shape[0]):
            count = counts[chunk, node]
            counts[chunk, node] = position
            position += count


@njit
def sort_short_row_and_drop_duplicates(start: int, end: int, indices: Any) -> int:
    """Sort ``indices[start:end]`` in place by insertion if it is at most
    :data:`INSERTION_SORT_MAX` long (a longer row must come sorted), move its distinct
    values to its front and return how many there are."""
    if end - start <= INSERTION_SORT_MAX:
        for i in range(start + 1, end):
            value = indices[i]
            j = i - 1
            while j >= start and indices[j] > value:
                indices[j + 1] = indices[j]
                j -= 1
            indices[j + 1] = value
    write = start
    for i in range(start, end):
        if i == start or indices[i] != indices[write - 1]:
            indices[write] = indices[i]
            write += 1
    return write - start


@njit(parallel=True)
def sort_short_rows_and_drop_duplicates(indptr: Any, indices: Any, kept: Any) -> None:
    """:func:`sort_short_row_and_drop_duplicates` of every row, in parallel; ``kept[row]``
    = how many distinct neighbours it has."""
    for row in prange(indptr.size - 1):
        kept[row] = sort_short_row_and_drop_duplicates(indptr[row], indptr[row + 1], indices)


def sort_rows_and_drop_duplicates(
    indptr: NDArray[np.int64], indices: NDArray[Any], kept: NDArray[np.int64]
) -> None:
    """Sort each row in place and move its distinct neighbours to its front;
    ``kept[row]`` = how many. Rows longer than :data:`INSERTION_SORT_MAX` (hubs: a few per
    thousand nodes of a scale-free network, none of the others) are sorted by NumPy one
    by one, the rest by insertion in compiled code (numba's own sort would cost about two
    seconds to compile)."""
    lengths = np.diff(indptr)
    for row in np.flatnonzero(lengths > INSERTION_SORT_MAX).tolist():
        indices[indptr[row] : indptr[row + 1]].sort()
    sort_short_rows_and_drop_duplicates(indptr, indices, kept)


@njit
def close_gaps(indptr: Any, indices: Any, kept: Any) -> int:
    """Move each row's kept neighbours next to the previous row's (forward moves only) and
    rewrite ``indptr``; returns the number of entries kept."""
    write = 0
    for row in range(indptr.size - 1):
        start = indptr[row]
        for i in range(kept[row]):
            indices[write + i] = indices[start + i]
        indptr[row] = write
        write += kept[row]
    indptr[indptr.size - 1] = write
    return write


@njit(parallel=True)
def count_flagged_contacts(indptr: Any, indices: Any, flags: Any, counts: Any) -> None:
    """``counts[x]`` = how many of node ``x``'s neighbours have ``flags`` set."""
    for node in prange(indptr.size - 1):
        total = 0
        for position in range(indptr[node], indptr[node + 1]):
            if flags[indices[position]]:
                total += 1
        counts[node] = total


def build_rows(
    kind: int,
    size: int,
    units: int,
    per_unit: int,
    key: tuple[np.uint64, np.uint64] = (np.uint64(0), np.uint64(0)),
    parameter: float = 0.0,
    links: int = 1,
    sources: Any = None,
    targets: Any = None,
    chunks: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` of the simple undirected graph on ``size`` nodes made of
    edge ``j < per_unit`` of every unit ``i < units`` of ``kind`` (see :func:`edge_ends`),
    self-loops and duplicates dropped, rows sorted. ``chunks`` only sets the parallelism
    (the result does not depend on it)."""
    index_type = np.int32 if size < 2**31 else np.int64
    if kind == KIND_SCALE_FREE:
        sources = np.empty(0, dtype=index_type)
        targets = np.empty(units, dtype=index_type)
        attach_all(key[0], key[1], links, targets)
    elif sources is None or targets is None:
        sources = targets = np.empty(0, dtype=index_type)
    else:  # edge arrays: node numbers below size, so index_type holds them
        sources = np.ascontiguousarray(sources, dtype=index_type)
        targets = np.ascontiguousarray(targets, dtype=index_type)
    # Every kind passes its arrays as index_type: one compiled walk_ends for all kinds
    # and both passes.
    chunks = max(1, min(chunks, units)) if units else 1
    counts = np.zeros((chunks, size), dtype=np.int64)
    arguments = (kind, key[0], key[1], size, float(parameter), links, sources, targets)
    walk_ends(*arguments, units, per_unit, counts, np.empty(0, dtype=index_type), False)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=index_type)
    chunk_positions(indptr, counts)
    walk_ends(*arguments, units, per_unit, counts, indices, True)
    del counts, arguments, sources, targets
    kept = np.empty(size, dtype=np.int64)
    sort_rows_and_drop_duplicates(indptr, indices, kept)
    total = close_gaps(indptr, indices, kept)
    # A view: copying would double the peak memory for the few duplicates dropped.
    return indptr, indices[:total]
