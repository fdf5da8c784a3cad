"""Exact statistics of a subgroup of a large array without copying the subgroup.

The metrics of a step are taken over active customers, usually most of the population.
Copying them out (``values[mask]``) and partitioning the copy for percentiles cost more
than a third of a vectorized step at 10^6 customers. :class:`Subgroup` keeps the indices of
whichever side of the mask is smaller, so a sum over the group is the total minus a sum
over the few outsiders, and :meth:`Subgroup.percentiles` finds exact order statistics
through a histogram, in one compiled function (:func:`histogram_order_statistics`): it
counts the group's values per bin, locates the bins holding the wanted ranks and sorts only
the values in those bins. ``method="partition"`` copies the members' values and partitions
the copy (``numpy.partition``) instead; both give the same exact order statistics
(tests/model/test_subgroup.py), and the compiled histogram is the faster at every group
size measured (benchmarks/bench_recording.py, docs/performance.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import njit

#: Most bins of the histogram that locates order statistics (about 15 values per bin at
#: 10^6 members); smaller groups get fewer (:func:`bins_for`).
PERCENTILE_BINS = 1 << 16

#: How order statistics are found: "histogram" (the compiled histogram; also "auto") or
#: "partition" (a copy of the members' values, partitioned by NumPy).
Method = Literal["auto", "partition", "histogram"]


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
        #: Sums over the group are taken as the total minus the outsiders when the group is
        #: the larger side (``complement`` True), else over the members directly.
        self.complement = 2 * self.count > self.size
        self.indices = np.flatnonzero(~members if self.complement else members)
        self.members = members

    def sum(self, values: NDArray[np.float64]) -> float:
        """Sum of ``values`` over the group (0.0 for an empty group)."""
        if self.complement:
            return float(values.sum() - values[self.indices].sum())
        return float(values[self.indices].sum())

    def mean(
        self, values: NDArray[np.float64], value_range: tuple[float, float] | None = None
    ) -> float:
        """Mean of ``values`` over the group, kept inside ``value_range`` (by default the
        smallest and largest of ``values``): a rounded sum divided by the count can land one
        unit beyond it, and a mean trust must not exceed 1. Raises ValueError for an empty
        group."""
        if self.count == 0:
            raise ValueError("the mean of an empty group is undefined")
        low, high = _range(values, value_range)
        return min(max(self.sum(values) / self.count, low), high)

    def count_true(self, flags: NDArray[np.bool_]) -> int:
        """How many members have ``flags`` set."""
        if self.complement:
            return int(np.count_nonzero(flags)) - int(np.count_nonzero(flags[self.indices]))
        return int(np.count_nonzero(flags[self.indices]))

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
        if method == "partition":
            chosen = values[self.members] if self.complement else values[self.indices]
            chosen.partition(wanted)
            result: NDArray[np.float64] = chosen[wanted]
            return result
        low, high = _range(values, value_range)
        if bin_count is None:
            bin_count = bins_for(self.count)
        order = np.argsort(wanted, kind="stable")  # the compiled search wants them ascending
        ascending = np.empty(wanted.size)
        histogram_order_statistics(
            np.ascontiguousarray(values, dtype=np.float64),
            np.ascontiguousarray(self.members, dtype=np.bool_),
            self.count,
            wanted[order].astype(np.int64),
            low,
            high,
            bin_count,
            ascending,
        )
        result = np.empty(wanted.size)
        result[order] = ascending
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


@njit
def histogram_order_statistics(
    values: Any,
    members: Any,
    count: int,
    wanted: Any,
    low: float,
    high: float,
    bin_count: int,
    result: Any,
) -> None:
    """``result[k]``: the members' value at 0-based rank ``wanted[k]`` of their ascending
    order (``count`` members; ranks valid and ascending), exactly.

    One pass counts the members per bin (:func:`bin_of`), a second copies the values of the
    bins that hold a wanted rank, and each such bin's few values are sorted. ``values``
    must not contain NaN."""
    scale = bin_scale(low, high, bin_count)
    below = np.zeros(bin_count + 1, dtype=np.int64)  # below[b]: members in bins < b
    for index in range(values.size):
        if members[index]:
            below[bin_of(values[index], low, scale, bin_count) + 1] += 1
    for bin_index in range(bin_count):
        below[bin_index + 1] += below[bin_index]
    # The bin of each wanted rank, and where each wanted bin's values go in one buffer.
    rank_bin = np.empty(wanted.size, dtype=np.int64)
    start = np.full(bin_count, -1, dtype=np.int64)
    size = 0
    bin_index = 0
    for k in range(wanted.size):  # ascending ranks: one forward scan finds their bins
        while below[bin_index + 1] <= wanted[k]:
            bin_index += 1
        rank_bin[k] = bin_index
        if start[bin_index] < 0:
            start[bin_index] = size
            size += below[bin_index + 1] - below[bin_index]
    buffer = np.empty(size)
    filled = np.zeros(bin_count, dtype=np.int64)
    for index in range(values.size):
        if members[index]:
            bin_index = bin_of(values[index], low, scale, bin_count)
            if start[bin_index] >= 0:
                buffer[start[bin_index] + filled[bin_index]] = values[index]
                filled[bin_index] += 1
    sorted_bins = np.zeros(bin_count, dtype=np.bool_)
    for k in range(wanted.size):
        bin_index = rank_bin[k]
        first = start[bin_index]
        length = below[bin_index + 1] - below[bin_index]
        if not sorted_bins[bin_index]:
            buffer[first : first + length].sort()  # in place: no copy
            sorted_bins[bin_index] = True
        result[k] = buffer[first + wanted[k] - below[bin_index]]


def _range(
    values: NDArray[np.float64], value_range: tuple[float, float] | None
) -> tuple[float, float]:
    if value_range is not None:
        return float(value_range[0]), float(value_range[1])
    return float(values.min()), float(values.max())
