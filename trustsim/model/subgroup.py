"""Exact statistics of a subgroup of a large array without copying the subgroup.

The metrics of a step are taken over active customers, usually most of the population.
Copying them out (``values[mask]``) and partitioning the copy for percentiles cost more
than a third of a vectorized step at 10^6 customers. :class:`Subgroup` keeps the indices of
whichever side of the mask is smaller, so a sum over the group is the total minus a sum
over the few outsiders, and :meth:`Subgroup.percentiles` finds exact order statistics
through a histogram: it counts the group's values per bin, locates the bins holding the
wanted ranks and partitions only the values in those bins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: Most bins of the histogram that locates order statistics (about 15 values per bin at
#: 10^6 members); smaller groups get fewer (:func:`bins_for`).
PERCENTILE_BINS = 1 << 16


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
    ) -> NDArray[np.float64]:
        """The members' values at 0-based ``ranks`` of their ascending order, exactly.

        ``value_range`` (low, high) only spaces the histogram's bins (by default the
        smallest and largest of ``values``; trust passes (0, 1) and saves two passes): the
        result is exact whatever it is, values outside it land in the end bins; so is the
        number of bins (default :func:`bins_for` the group's size). ``values`` must not
        contain NaN. Raises ValueError for a rank outside the group.
        """
        wanted = np.asarray(ranks, dtype=np.intp)
        if wanted.size and (wanted.min() < 0 or wanted.max() >= self.count):
            raise ValueError(f"ranks {list(ranks)} outside a group of {self.count}")
        if wanted.size == 0:
            return np.empty(0)
        low, high = _range(values, value_range)
        if bin_count is None:
            bin_count = bins_for(self.count)
        if not high > low or not np.isfinite(bin_count / (high - low)):
            # one bin holds every value (all equal, a degenerate range, or one so narrow,
            # e.g. subnormal, that its scale overflows)
            low, high = 0.0, 1.0
            bin_count = 1
        # Monotone binning: clip((v - low) * scale) is non-decreasing in v, so the bins keep
        # the order of the values and a rank falls in the bin where the counts reach it.
        scaled = np.subtract(values, low)
        np.multiply(scaled, bin_count / (high - low), out=scaled)
        np.clip(scaled, 0.0, bin_count - 1, out=scaled)
        bins = scaled.astype(np.intp)
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
    ) -> NDArray[np.float64]:
        """Percentiles of the members' values, equal to ``numpy.percentile`` of the members
        with its default (linear) method; ``value_range`` as in :meth:`order_statistics`.
        Raises ValueError for an empty group."""
        if self.count == 0:
            raise ValueError("percentiles of an empty group are undefined")
        # numpy's linear method: virtual index (n - 1) * q, interpolated between the order
        # statistics either side of it with numpy's own lerp (same rounding).
        quantiles = np.true_divide(np.asarray(percents, dtype=np.float64), 100)
        virtual = (self.count - 1) * quantiles
        previous = np.floor(virtual).astype(np.intp)
        following = np.minimum(previous + 1, self.count - 1)
        needed = np.unique(np.concatenate([previous, following]))
        statistics = self.order_statistics(values, needed.tolist(), value_range)
        lower = statistics[np.searchsorted(needed, previous)]
        upper = statistics[np.searchsorted(needed, following)]
        gamma = virtual - previous
        difference = upper - lower
        result = lower + difference * gamma
        np.subtract(upper, difference * (1 - gamma), out=result, where=gamma >= 0.5)
        return result


def _range(
    values: NDArray[np.float64], value_range: tuple[float, float] | None
) -> tuple[float, float]:
    if value_range is not None:
        return float(value_range[0]), float(value_range[1])
    return float(values.min()), float(values.max())
