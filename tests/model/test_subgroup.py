"""Subgroup order statistics (trustsim/model/subgroup.py) against plain NumPy on the copied
members."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trustsim import compiled
from trustsim.model import subgroup
from trustsim.model.subgroup import PERCENTILE_BINS, Subgroup, bins_for

PERCENTS = [0, 10, 25, 50, 90, 99.9, 100]


def _cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    size = 20_000
    continuous = rng.beta(2, 3, size)
    return [
        ("most members", continuous, rng.random(size) < 0.87),
        ("few members", continuous, rng.random(size) < 0.05),
        ("everyone", continuous, np.ones(size, dtype=bool)),
        ("one member", continuous, np.arange(size) == 1234),
        ("two members", continuous, np.isin(np.arange(size), [5, 17])),
        # Heavy ties: whole bins of identical values, a rank falling inside a run of ties.
        ("ties", np.round(continuous, 2), rng.random(size) < 0.6),
        ("all equal", np.full(size, 0.4), rng.random(size) < 0.5),
        # Values far outside [0, 1], negative, and crowded near one point.
        ("wide range", rng.normal(-50.0, 1e3, size), rng.random(size) < 0.7),
        ("crowded", 0.5 + rng.normal(0, 1e-12, size), rng.random(size) < 0.7),
    ]


@pytest.mark.parametrize("method", ["auto", "partition", "histogram"])
@pytest.mark.parametrize(
    ("values", "members"),
    [pytest.param(values, members, id=name) for name, values, members in _cases()],
)
def test_statistics_equal_numpy_on_the_members(
    values: np.ndarray, members: np.ndarray, method: str
) -> None:
    group = Subgroup(members)
    selected = values[members]
    assert group.count == selected.size
    # Percentiles are exact: identical to numpy's linear method, not merely close.
    for hint in (None, (0.0, 1.0)):
        np.testing.assert_array_equal(
            group.percentiles(values, PERCENTS, value_range=hint, method=method),  # type: ignore[arg-type]
            np.percentile(selected, PERCENTS),
        )
    ranks = sorted({0, selected.size // 3, selected.size - 1})
    np.testing.assert_array_equal(
        group.order_statistics(values, ranks, method=method),  # type: ignore[arg-type]
        np.sort(selected)[ranks],
    )


@settings(max_examples=200, deadline=None)
@example(  # found by Hypothesis: 1 / 2.2e-311 overflows, bins came out negative
    data=np.array([2.2e-311, 0.0]), seed=0, share=1.0, bins=1, hint=None
)
@given(
    data=hnp.arrays(
        np.float64,
        st.integers(1, 300),
        elements=st.floats(0.0, 1.0, allow_nan=False),
    ),
    seed=st.integers(0, 2**32 - 1),
    share=st.floats(0.0, 1.0),
    bins=st.sampled_from([1, 2, 7, 1 << 16]),
    hint=st.sampled_from([None, (0.0, 1.0), (0.4, 0.6), (5.0, 10.0), (0.5, 0.5)]),
)
# a subnormal range: its bin scale overflows to inf (found by Hypothesis)
@example(data=np.array([2.22507386e-309, 0.0]), seed=0, share=0.5, bins=1, hint=None)
def test_order_statistics_exact_for_any_values_bins_and_range_hint(
    data: np.ndarray,
    seed: int,
    share: float,
    bins: int,
    hint: tuple[float, float] | None,
) -> None:
    # The range only spaces the bins: a wrong one costs time, never exactness.
    members = np.random.default_rng(seed).random(data.size) < share
    if not members.any():
        members[0] = True
    group = Subgroup(members)
    selected = np.sort(data[members])
    ranks = list(range(selected.size))
    np.testing.assert_array_equal(
        group.order_statistics(data, ranks, value_range=hint, bin_count=bins), selected
    )


def test_a_subnormal_range_falls_back_to_one_bin() -> None:
    """Found by Hypothesis: values 0 and 2.2e-309 made the bin scale overflow to inf."""
    data = np.array([2.22507386e-309, 0.0])
    for members in ([True, True], [True, False], [False, True]):
        group = Subgroup(np.array(members))
        selected = np.sort(data[members])
        ranks = list(range(selected.size))
        np.testing.assert_array_equal(
            group.order_statistics(data, ranks, bin_count=1, method="histogram"), selected
        )


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([2.2e-311, 0.0], id="subnormal range"),
        pytest.param([5e-324, 0.0, 5e-324], id="smallest subnormal"),
        pytest.param([1.7e308, -1.7e308, 0.0], id="range wider than the largest float"),
        pytest.param([np.inf, 0.5, -np.inf], id="infinite ends"),
    ],
)
@pytest.mark.parametrize("bins", [None, 1, 2, 1 << 16])
def test_order_statistics_exact_when_the_bin_scale_overflows(
    values: list[float], bins: int | None
) -> None:
    data = np.array(values)
    group = Subgroup(np.ones(data.size, dtype=bool))
    ranks = list(range(data.size))
    np.testing.assert_array_equal(
        group.order_statistics(data, ranks, bin_count=bins), np.sort(data)
    )


def test_empty_group_and_bad_ranks_raise() -> None:
    values = np.linspace(0, 1, 10)
    empty = Subgroup(np.zeros(10, dtype=bool))
    assert empty.count == 0
    with pytest.raises(ValueError, match="empty"):
        empty.percentiles(values, [50])
    some = Subgroup(values > 0.5)  # 5 members
    np.testing.assert_array_equal(some.order_statistics(values, [4]), [1.0])
    with pytest.raises(ValueError, match="outside a group of 5"):
        some.order_statistics(values, [5])
    with pytest.raises(ValueError, match="outside"):
        some.order_statistics(values, [-1])


def test_auto_partitions_small_groups_and_bins_large_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "auto" finds order statistics with the compiled histogram for groups above
    SMALL_GROUP members (seen through calls to it) and by partitioning a copy up to it;
    every method gives numpy's percentiles; "partition" never calls the histogram."""
    calls: list[int] = []
    compiled_gather = subgroup.gather_rank_bins

    def spy(values: np.ndarray, members: np.ndarray, *rest: object) -> np.ndarray:
        calls.append(int(np.count_nonzero(members)))
        result: np.ndarray = compiled_gather(values, members, *rest)
        return result

    monkeypatch.setattr(subgroup, "gather_rank_bins", spy)
    values = np.random.default_rng(3).random(2 * subgroup.SMALL_GROUP)
    counts = (1, 7, subgroup.SMALL_GROUP, subgroup.SMALL_GROUP + 1, values.size - 1)
    for count in counts:
        members = np.arange(values.size) < count
        for method in ("auto", "partition", "histogram"):
            np.testing.assert_array_equal(
                Subgroup(members).percentiles(values, [10, 50, 90], method=method),
                np.percentile(values[members], [10, 50, 90]),
            )
    # "histogram" calls it for every group, "auto" only above SMALL_GROUP members.
    expected = [count for count in counts for _ in range(2 if count > subgroup.SMALL_GROUP else 1)]
    assert calls == expected


def test_bin_count_grows_with_the_group_up_to_the_cap() -> None:
    assert bins_for(0) == 1
    assert bins_for(2000) == 128  # about 16 members per bin
    assert bins_for(870_000) == PERCENTILE_BINS
    assert bins_for(10**9) == PERCENTILE_BINS
    sizes = [1, 15, 16, 100, 5000, 10**5, 10**6, 10**7]
    counts = [bins_for(size) for size in sizes]
    assert counts == sorted(counts)
    assert all(count & (count - 1) == 0 for count in counts)  # powers of two


def test_ranks_in_any_order() -> None:
    values = np.random.default_rng(11).random(500)
    members = np.random.default_rng(12).random(500) < 0.6
    group = Subgroup(members)
    ranks = [group.count - 1, 0, group.count // 2, 3, 3]
    expected = np.sort(values[members])[ranks]
    for method in ("histogram", "partition"):
        np.testing.assert_array_equal(
            group.order_statistics(values, ranks, method=method),  # type: ignore[arg-type]
            expected,
        )


@pytest.mark.parametrize(
    ("values", "members"),
    [pytest.param(values, members, id=name) for name, values, members in _cases()],
)
def test_the_histogram_in_blocks_on_threads_gives_the_same_order_statistics(
    values: np.ndarray, members: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The histogram's passes cut the positions into blocks that run on parallel threads
    (each block with its own counts); any number of blocks, on one thread or two, finds
    the same exact order statistics."""
    selected = np.sort(values[members])
    ranks = sorted({0, selected.size // 10, selected.size // 2, selected.size - 1})
    monkeypatch.setattr(compiled, "PARALLEL_MIN_ITEMS", 0)  # parallel at any size
    for blocks in (1, 3, subgroup.HISTOGRAM_BLOCKS, 64):
        monkeypatch.setattr(subgroup, "blocks_for", lambda size, blocks=blocks: blocks)
        for threads in (1, 2):
            with compiled.threads_at_most(threads):
                found = Subgroup(members).order_statistics(values, ranks, (0.0, 1.0), 1024)
            np.testing.assert_array_equal(found, selected[ranks], err_msg=f"{blocks} blocks")


def test_large_groups_use_the_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """From PARALLEL_MIN_ITEMS positions on, percentiles run in HISTOGRAM_BLOCKS blocks (on
    the threads in use) and still equal numpy's."""
    assert subgroup.blocks_for(compiled.PARALLEL_MIN_ITEMS - 1) == 1
    assert subgroup.blocks_for(compiled.PARALLEL_MIN_ITEMS) == subgroup.HISTOGRAM_BLOCKS
    monkeypatch.setattr(compiled, "PARALLEL_MIN_ITEMS", 0)
    seen: list[int] = []
    original = subgroup.gather_rank_bins

    def spy(*arguments: object) -> np.ndarray:
        seen.append(int(arguments[6]))  # type: ignore[call-overload]
        result: np.ndarray = original(*arguments)
        return result

    monkeypatch.setattr(subgroup, "gather_rank_bins", spy)
    for name, values, members in _cases():
        np.testing.assert_array_equal(
            Subgroup(members).percentiles(values, PERCENTS),
            np.percentile(values[members], PERCENTS),
            err_msg=name,
        )
    assert set(seen) == {subgroup.HISTOGRAM_BLOCKS}
