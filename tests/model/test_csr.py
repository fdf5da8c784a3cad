"""Tests for trustsim.model.csr: the direct CSR builder against a NumPy reference, its
independence of the chunking (threads), and the parallel Barabási–Albert attachment
against the serial slot-copying it replaces."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from trustsim.model import csr
from trustsim.model.random_numbers import index_below64, replicate_key

KEY = replicate_key(np.random.SeedSequence(8))


def reference_csr(size: int, sources: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, ...]:
    """The simple undirected graph of an edge list the plain NumPy way (sort the keys)."""
    keep = sources != targets
    rows = np.concatenate([sources[keep], targets[keep]])
    cols = np.concatenate([targets[keep], sources[keep]])
    keys = np.unique(rows * size + cols)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // size, minlength=size), out=indptr[1:])
    return indptr, keys % size


@pytest.mark.parametrize("chunks", [1, 2, 5])
def test_edge_arrays_give_the_reference_csr_for_any_chunking(chunks: int):
    rng = np.random.default_rng(chunks)
    size = 700
    sources = rng.integers(0, size, 6000)
    targets = rng.integers(0, size, 6000)
    targets[:50] = sources[:50]  # self-loops
    targets[50:300] = targets[300:550]  # repeats
    sources[50:300] = sources[300:550]
    indptr, indices = csr.build_rows(
        csr.KIND_EDGE_ARRAYS, size, units=6000, per_unit=1, sources=sources, targets=targets,
        chunks=chunks,
    )  # fmt: skip
    expected_indptr, expected_indices = reference_csr(size, sources, targets)
    np.testing.assert_array_equal(indptr, expected_indptr)
    np.testing.assert_array_equal(indices, expected_indices)
    assert indices.dtype == np.int32


@pytest.mark.parametrize(
    ("kind", "units", "per_unit", "parameter", "links"),
    [
        (csr.KIND_SMALL_WORLD, 3000, 5, 0.3, 1),
        (csr.KIND_ERDOS_RENYI, 15000, 1, 0.0, 1),
        (csr.KIND_SCALE_FREE, 15000, 1, 0.0, 5),
    ],
)
def test_generated_rows_do_not_depend_on_the_chunking(kind, units, per_unit, parameter, links):
    built = [
        csr.build_rows(
            kind, 3000, units, per_unit, key=KEY, parameter=parameter, links=links, chunks=chunks
        )
        for chunks in (1, 2, 7)
    ]
    for indptr, indices in built[1:]:
        np.testing.assert_array_equal(indptr, built[0][0])
        np.testing.assert_array_equal(indices, built[0][1])


def test_the_same_rows_on_one_and_two_threads():
    previous = numba.get_num_threads()
    try:
        built = []
        for threads in (1, 2):
            numba.set_num_threads(threads)
            built.append(
                csr.build_rows(csr.KIND_SCALE_FREE, 5000, 25000, 1, key=KEY, links=5, chunks=2)
            )
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(built[0][1], built[1][1])


def test_parallel_attachment_equals_serial_slot_copying():
    """Batagelj & Brandes (2005) fill the slots in one serial pass, each odd slot copying a
    uniform earlier slot; following the copies per edge (what csr.attached_node does, in
    parallel) must give the same nodes with the same random words."""
    size, links = 400, 3
    slots = np.empty(2 * size * links, dtype=np.int64)
    for edge in range(size * links):
        slots[2 * edge] = edge // links
        w0, w1, _, _ = csr.network_words.py_func(KEY[0], KEY[1], edge, csr.STREAM_ATTACH, 0)
        slots[2 * edge + 1] = slots[index_below64.py_func(w0, w1, 2 * edge + 1)]
    for edge in range(size * links):
        assert csr.attached_node(KEY[0], KEY[1], edge, links) == slots[2 * edge + 1]


def test_long_rows_are_sorted_too():
    """A hub's row is longer than the insertion-sort limit (numpy's sort runs instead)."""
    size = 200
    sources = np.zeros(150, dtype=np.int64)
    targets = np.random.default_rng(2).permutation(np.arange(1, 200))[:150]
    indptr, indices = csr.build_rows(
        csr.KIND_EDGE_ARRAYS, size, units=150, per_unit=1, sources=sources, targets=targets
    )
    assert indptr[1] - indptr[0] == 150 > csr.INSERTION_SORT_MAX
    np.testing.assert_array_equal(indices[: indptr[1]], np.sort(targets))
