"""Exact order statistics of a subgroup of a large array without sorting the subgroup.

The percentiles of a step are taken over active customers, usually most of the population.
Copying them out (``values[mask]``) and partitioning the copy cost more than a third of a
vectorized step at 10^6 customers. :meth:`Subgroup.percentiles` finds exact order
statistics through a histogram instead (:func:`gather_rank_bins`, compiled, in parallel on
large groups): it counts the group's values per bin, locates the bins holding the wanted
ranks and copies out only the values in those bins, which NumPy then sorts.
``method="partition"`` copies the members' values and partitions the copy
(``numpy.partition``) instead; both give the same exact order statistics
(tests/model/test_subgroup.py). "auto" partitions groups of up to :data:`SMALL_GROUP`
members, where the histogram's fixed cost makes it the slower, and bins larger ones
(benchmarks/bench_recording.py, docs/performance.md). The step's sums and counts over a
group come from :mod:`trustsim.model.step_totals`, in one pass for all of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from trustsim import compiled
from trustsim.compiled import njit, prange, threads_for

#: Most bins of the histogram that locates order statistics (about 15 values per bin at
#: 10^6 members); smaller groups get fewer (:func:`bins_for`).
PERCENTILE_BINS = 1 << 16

#: Blocks of the histogram's passes from PARALLEL_MIN_ITEMS positions on (:func:`blocks_for`):
#: enough for two to eight threads to share evenly; each holds its own counts (8 x 65 536
#: bins: 4 MiB).
HISTOGRAM_BLOCKS = 8

#: How order statistics are found: "histogram" (the compiled histogram), "partition" (a
#: copy of the members' values, partitioned by NumPy) or "auto" (the partition for groups
#: of at most :data:`SMALL_GROUP` members, else the histogram).
Method = Literal["auto", "partition", "histogram"]

#: The largest group "auto" partitions. The histogram's passes have a fixed cost a call
#: (they run in a parallel function, even on one block), so the partition is the faster
#: for small groups and the histogram above about 1200-1500 members. Measured inside
#: running models (baseline scenario, about half the people active; µs of the step's trust
#: statistics, partition against histogram): 27 against 48 at 200 people, 39 against 56
#: at 1000, 53 against 60 at 2000, 67 against 63 at 3000 and 98 against 72 at 5000
#: (2026-11-29, docs/performance.md). Timing one call repeated on the same values, as
#: the earlier choice of 4096 did, flatters the partition: the branch predictor learns the
#: values.
SMALL_GROUP = 1280


def bins_for(members: int) -> int:
    """Histogram bins for a group: a power of two near ``members / 16``, at most
    :data:`PERCENTILE_BINS` (so that small groups do not pay for 65 536 empty bins)."""
    return min(PERCENTILE_BINS, 1 << (members // 16).bit_length())


class Subgroup:
    """The members of a boolean mask over an array's positions.

    Args:
        members: True for the positions in the group (one per customer).
    """

    def __init__(self, members: NDArray[np.bool_]) -> None:
        self.size = int(members.size)
        self.count = int(np.count_nonzero(members))
        self.members = members

    def order_statistics(
        self,
        values: NDArray[np.float64],
        ranks: Sequence[int],
        value_range: tuple[float, float] | None = None,
        bin_count: int | None = None,
        method: Method = "auto",
    ) -> NDArray[np.float64]:
        """The members' values at 0-based ``ranks`` of their ascending order, exactly.

        ``method`` chooses how (:data:`Method`; giving ``bin_count`` means the histogram);
        every method gives the same values. ``value_range`` (low, high) only spaces the
        histogram's bins (by default the smallest and largest of ``values``; trust passes
        (0, 1) and saves two passes): the result is exact whatever it is, values outside it
        land in the end bins; so is the number of bins (default :func:`bins_for` the
        group's size). ``values`` must not contain NaN. Raises ValueError for a rank
        outside the group.
        """
        wanted = np.asarray(ranks, dtype=np.intp)
        if wanted.size and (wanted.min() < 0 or wanted.max() >= self.count):
            raise ValueError(f"ranks {list(ranks)} outside a group of {self.count}")
        if wanted.size == 0:
            return np.empty(0)
        if method == "partition" or (
            method == "auto" and bin_count is None and self.count <= SMALL_GROUP
        ):
            chosen = values[self.members]
            chosen.partition(wanted)
            result: NDArray[np.float64] = chosen[wanted]
            return result
        low, high = _range(values, value_range)
        if bin_count is None:
            bin_count = bins_for(self.count)
        order = np.argsort(wanted, kind="stable")  # the compiled search wants them ascending
        ascending = wanted[order].astype(np.int64)
        rank_start, rank_length, rank_offset = (np.empty(wanted.size, np.int64) for _ in range(3))
        with threads_for(self.size):
            buffer = gather_rank_bins(
                np.ascontiguousarray(values, dtype=np.float64),
                np.ascontiguousarray(self.members, dtype=np.bool_),
                ascending,
                low,
                high,
                bin_count,
                blocks_for(self.size),
                rank_start,
                rank_length,
                rank_offset,
            )
        result = np.empty(wanted.size)
        sorted_from: set[int] = set()
        for k, (start, length, offset) in enumerate(
            zip(rank_start.tolist(), rank_length.tolist(), rank_offset.tolist(), strict=True)
        ):
            if start not in sorted_from:  # each bin's few values, sorted once, in place
                buffer[start : start + length].sort()
                sorted_from.add(start)
            result[order[k]] = buffer[start + offset]
        return result

    def percentiles(
        self,
        values: NDArray[np.float64],
        percents: Sequence[float],
        value_range: tuple[float, float] | None = None,
        method: Method = "auto",
    ) -> NDArray[np.float64]:
        """Percentiles of the members' values, equal to ``numpy.percentile`` of the members
        with its default (linear) method; ``value_range`` and ``method`` as in
        :meth:`order_statistics`. Raises ValueError for an empty group."""
        if self.count == 0:
            raise ValueError("percentiles of an empty group are undefined")
        # numpy's linear method: virtual index (n - 1) * q, interpolated between the order
        # statistics either side of it with numpy's own lerp. The arithmetic is on Python
        # floats, which round as NumPy's float64 does (the same bits; tests compare with
        # numpy.percentile), and costs a few microseconds instead of NumPy's ~30 for three
        # percentiles.
        last = self.count - 1
        virtual = [last * (float(percent) / 100.0) for percent in percents]
        previous = [min(math.floor(index), last) for index in virtual]
        following = [min(rank + 1, last) for rank in previous]
        needed = sorted(set(previous) | set(following))
        found = self.order_statistics(values, needed, value_range, method=method).tolist()
        statistic = dict(zip(needed, found, strict=True))
        result = np.empty(len(virtual))
        for k, index in enumerate(virtual):
            lower, upper = statistic[previous[k]], statistic[following[k]]
            gamma = index - previous[k]
            difference = upper - lower
            result[k] = (
                upper - difference * (1.0 - gamma) if gamma >= 0.5 else lower + difference * gamma
            )
        return result


@njit
def bin_scale(low: float, high: float, bin_count: int) -> float:
    """The factor that maps a value ``v`` to bin ``clip((v - low) * scale)``, or 0.0 when
    every value goes to bin 0: when there is one bin, the range is degenerate (all values
    equal, ``high <= low``) or its scale is not a finite positive number (a range of
    subnormals, ``1 / 2.2e-311`` overflows; a range wider than the largest float). Still
    exact then, only slower."""
    span = high - low
    scale = bin_count / span if span > 0 else math.inf
    if bin_count == 1 or not (math.isfinite(span) and math.isfinite(scale) and scale > 0):
        return 0.0
    return scale


@njit
def bin_of(value: float, low: float, scale: float, bin_count: int) -> int:
    """The bin in [0, bin_count) of ``value``: ``clip((value - low) * scale, 0, bin_count
    - 1)`` truncated, non-decreasing in the value, so the bins keep the order of the values
    and a rank falls in the bin where the counts reach it (values outside [low, high] land
    in the end bins)."""
    if scale == 0.0:
        return 0
    scaled = min(max((value - low) * scale, 0.0), bin_count - 1.0)
    return int(scaled)


def blocks_for(size: int) -> int:
    """Blocks of consecutive positions that the histogram's two passes share among threads:
    one below :data:`~trustsim.compiled.PARALLEL_MIN_ITEMS` positions, else
    :data:`HISTOGRAM_BLOCKS`. A function of the size only, so the values of a bin are
    gathered in the same order on any number of threads."""
    return 1 if size < compiled.PARALLEL_MIN_ITEMS else HISTOGRAM_BLOCKS


@njit
def count_bins(
    values: Any,
    members: Any,
    first: int,
    last: int,
    low: float,
    scale: float,
    bin_count: int,
    counts: Any,
) -> None:
    """``counts[b]``: the members among positions ``first`` to ``last - 1`` whose value is
    in bin ``b`` (:func:`bin_of`)."""
    for bin_index in range(bin_count):
        counts[bin_index] = 0
    for index in range(first, last):
        if members[index]:
            counts[bin_of(values[index], low, scale, bin_count)] += 1


@njit
def copy_bins(
    values: Any,
    members: Any,
    first: int,
    last: int,
    low: float,
    scale: float,
    bin_count: int,
    slot: Any,
    next_free: Any,
    buffer: Any,
) -> None:
    """Copy the values of the members among positions ``first`` to ``last - 1`` whose bin
    ``b`` has a slot (``slot[b] >= 0``) to ``buffer[next_free[slot[b]]]``, in position
    order, advancing ``next_free``."""
    for index in range(first, last):
        if members[index]:
            chosen = slot[bin_of(values[index], low, scale, bin_count)]
            if chosen >= 0:
                buffer[next_free[chosen]] = values[index]
                next_free[chosen] += 1


@njit(parallel=True)
def gather_rank_bins(
    values: Any,
    members: Any,
    wanted: Any,
    low: float,
    high: float,
    bin_count: int,
    blocks: int,
    rank_start: Any,
    rank_length: Any,
    rank_offset: Any,
) -> Any:
    """The members' values in the histogram bins that hold the 0-based ranks ``wanted``
    (valid and ascending) of their ascending order, and where each rank is among them.

    One pass counts the members per bin (:func:`count_bins`); a second copies the values
    of the bins that hold a wanted rank into one buffer (:func:`copy_bins`), which is
    returned, bin after bin in ascending order. For each rank ``k``, its bin's values are
    ``buffer[rank_start[k] : rank_start[k] + rank_length[k]]`` and, once that slice is
    sorted, the rank's value is at ``rank_start[k] + rank_offset[k]`` (the sort is left to
    NumPy, in :meth:`Subgroup.order_statistics`: numba's own sort costs about two seconds
    to compile).

    Both passes cut the positions into ``blocks`` runs (:func:`blocks_for`) that run in
    parallel, each with its own counts, which are then added (whole numbers: exact in any
    order). A block copies its values after those of the blocks before it, so every bin is
    gathered in position order, as by one thread. ``values`` must not contain NaN. (No
    array expressions such as ``np.zeros`` here: numba would make each a parallel loop of
    its own, which costs about a second to compile.)"""
    scale = bin_scale(low, high, bin_count)
    size = values.size
    per_block = (size + blocks - 1) // blocks
    block_counts = np.empty((blocks, bin_count), dtype=np.int64)
    for block in prange(blocks):
        first: Any = np.int64(block) * per_block  # a prange index is uint64 in numba
        last = min(size, first + per_block)
        count_bins(values, members, first, last, low, scale, bin_count, block_counts[block])
    # The bin of each wanted rank (one forward scan: the ranks ascend); each wanted bin
    # gets a slot and its place in the buffer, and each block its place within the bin's.
    slot = np.empty(bin_count, dtype=np.int64)
    for bin_index in range(bin_count):
        slot[bin_index] = -1
    cursor = np.empty((blocks, wanted.size), dtype=np.int64)
    slots = gathered = 0
    bin_index = 0
    below = 0  # members in the bins before bin_index
    in_bin = 0
    for block in range(blocks):
        in_bin += block_counts[block, 0]
    for k in range(wanted.size):
        while below + in_bin <= wanted[k]:
            below += in_bin
            bin_index += 1
            in_bin = 0
            for block in range(blocks):
                in_bin += block_counts[block, bin_index]
        if slot[bin_index] < 0:
            slot[bin_index] = slots
            for block in range(blocks):
                cursor[block, slots] = gathered
                gathered += block_counts[block, bin_index]
            slots += 1
        rank_start[k] = cursor[0, slot[bin_index]]
        rank_length[k] = in_bin
        rank_offset[k] = wanted[k] - below
    buffer = np.empty(gathered)
    for block in prange(blocks):
        first = np.int64(block) * per_block
        last = min(size, first + per_block)
        copy_bins(values, members, first, last, low, scale, bin_count, slot, cursor[block], buffer)
    return buffer


def _range(
    values: NDArray[np.float64], value_range: tuple[float, float] | None
) -> tuple[float, float]:
    if value_range is not None:
        return float(value_range[0]), float(value_range[1])
    return float(values.min()), float(values.max())
