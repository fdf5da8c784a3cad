"""Exact statistics of a subgroup of a large array without copying the subgroup.

The metrics of a step are taken over active customers, usually most of the population.
Copying them out (``values[mask]``) and partitioning the copy for percentiles cost more
than a third of a vectorized step at 10^6 customers. :class:`Subgroup` keeps the indices of
whichever side of the mask is smaller, so a sum over the group is the total minus a sum
over the few outsiders, and :meth:`Subgroup.percentiles` finds exact order statistics
through a histogram: it counts the group's values per bin, locates the bins holding the
wanted ranks and partitions only the values in those bins. Groups of at most
:data:`SMALL_GROUP` members are copied and partitioned directly (``numpy.partition``),
which is faster below that size (benchmarks/bench_recording.py); both ways give the same
exact order statistics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

#: Most bins of the histogram that locates order statistics (about 15 values per bin at
#: 10^6 members); smaller groups get fewer (:func:`bins_for`).
PERCENTILE_BINS = 1 << 16

#: Largest group whose order statistics come from partitioning a copy of its values
#: rather than from the histogram: the copy is cheaper below a few thousand members (the
#: few hundred customers of a classroom run), the histogram above (measured crossing at
#: 3 500 to 7 000 members; benchmarks/bench_recording.py, docs/performance.md).
SMALL_GROUP = 1 << 12

#: How order statistics are found: "partition" (a copy of the members' values),
#: "histogram" (bins, then only the wanted bins' values), or "auto" (partition for groups of
#: at most :data:`SMALL_GROUP` members, else the histogram).
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

    def _bin_counts(self, bins: NDArray[np.intp], bin_count: int) -> NDArray[np.intp]:
        if self.complement:
            return np.bincount(bins, minlength=bin_count) - np.bincount(
                bins[self.indices], minlength=bin_count
            )
        return np.bincount(bins[self.indices], minlength=bin_count)

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
        if method == "auto":
            small = self.count <= SMALL_GROUP and bin_count is None
            method = "partition" if small else "histogram"
        if method == "partition":
            chosen = values[self.members] if self.complement else values[self.indices]
            chosen.partition(wanted)
            result: NDArray[np.float64] = chosen[wanted]
            return result
        low, high = _range(values, value_range)
        if bin_count is None:
            bin_count = bins_for(self.count)
        bins = _monotone_bins(values, low, high, bin_count)
        below = np.cumsum(self._bin_counts(bins, bin_count))  # members in bins 0..b
        wanted_bins = np.searchsorted(below, wanted, side="right")
        first_rank = np.concatenate(([0], below))[wanted_bins]  # members in bins before
        is_wanted = np.zeros(bin_count, dtype=bool)
        is_wanted[wanted_bins] = True
        candidates = np.flatnonzero(is_wanted[bins] & self.members)
        candidate_bins = bins[candidates]
        candidate_values = values[candidates]
        result = np.empty(wanted.size)
        for bin_index in np.unique(wanted_bins):
            in_bin = candidate_values[candidate_bins == bin_index]
            which = np.flatnonzero(wanted_bins == bin_index)
            offsets = wanted[which] - first_rank[which]
            result[which] = np.partition(in_bin, offsets)[offsets]
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
        # statistics either side of it with numpy's own lerp (same rounding).
        quantiles = np.true_divide(np.asarray(percents, dtype=np.float64), 100)
        virtual = (self.count - 1) * quantiles
        previous = np.floor(virtual).astype(np.intp)
        following = np.minimum(previous + 1, self.count - 1)
        needed = np.unique(np.concatenate([previous, following]))
        statistics = self.order_statistics(values, needed.tolist(), value_range, method=method)
        lower = statistics[np.searchsorted(needed, previous)]
        upper = statistics[np.searchsorted(needed, following)]
        gamma = virtual - previous
        difference = upper - lower
        result = lower + difference * gamma
        np.subtract(upper, difference * (1 - gamma), out=result, where=gamma >= 0.5)
        return result


def _monotone_bins(
    values: NDArray[np.float64], low: float, high: float, bin_count: int
) -> NDArray[np.intp]:
    """Bin index in [0, bin_count) of every value, non-decreasing in the value.

    clip((v - low) * scale) is non-decreasing in v, so the bins keep the order of the values
    and a rank falls in the bin where the counts reach it. When the range is degenerate
    (all values equal, ``high <= low``) or its scale is not a finite positive number (a
    range of subnormals, ``1 / 2.2e-311`` overflows; a range wider than the largest float),
    every value goes to bin 0: still exact, only slower.
    """
    span = high - low
    scale = bin_count / span if span > 0 else math.inf
    if bin_count == 1 or not (math.isfinite(span) and math.isfinite(scale) and scale > 0):
        return np.zeros(values.shape, dtype=np.intp)
    scaled = np.subtract(values, low)
    np.multiply(scaled, scale, out=scaled)
    np.clip(scaled, 0.0, bin_count - 1, out=scaled)
    return scaled.astype(np.intp)


def _range(
    values: NDArray[np.float64], value_range: tuple[float, float] | None
) -> tuple[float, float]:
    if value_range is not None:
        return float(value_range[0]), float(value_range[1])
    return float(values.min()), float(values.max())
