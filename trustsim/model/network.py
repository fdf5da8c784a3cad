"""Social networks as compressed sparse rows (CSR), or an implicit complete graph.

Every generator is a plain function ``(n, ..., key) -> Network`` of the replicate's Philox
key (:func:`trustsim.model.random_numbers.replicate_key`): its edges are pure functions of
their index (domain NETWORK), generated straight into CSR rows by the compiled builder of
:mod:`trustsim.model.csr` (no edge list materialised, nothing sorted globally, 4-byte
indices below 2^31 nodes), so a network is the same whatever the thread count. The
complete graph is never materialised (10^4 customers would need 10^8 edges): its contacts
are "everyone else", and contact shares are computed from totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from trustsim.compiled import threads
from trustsim.model import csr
from trustsim.model.random_numbers import Key
from trustsim.scenario import edge_list
from trustsim.scenario.schema import NetworkSettings


@dataclass(frozen=True)
class Network:
    """An undirected simple graph over customers 0..n-1.

    Attributes:
        size: number of customers.
        indptr: CSR row pointers (length size + 1); None for the complete graph.
        indices: CSR neighbour lists, sorted within each row; None for the complete graph.
    """

    size: int
    indptr: NDArray[np.int64] | None = None
    indices: NDArray[np.int32] | None = None

    @property
    def is_complete(self) -> bool:
        """True for the implicit complete graph."""
        return self.indptr is None

    def degrees(self) -> NDArray[np.int64]:
        """Number of contacts of every customer."""
        if self.indptr is None:
            return np.full(self.size, self.size - 1, dtype=np.int64)
        return np.diff(self.indptr)

    def neighbours(self, node: int) -> NDArray[np.int64]:
        """Contacts of one customer (materialised even for the complete graph)."""
        if self.indptr is None or self.indices is None:
            everyone = np.arange(self.size, dtype=np.int64)
            return everyone[everyone != node]
        return self.indices[self.indptr[node] : self.indptr[node + 1]].astype(np.int64)

    def pick_contact(
        self, nodes: NDArray[np.int64], draws: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """One contact per node chosen uniformly with the given uniform draws; -1 if isolated."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if self.indptr is None or self.indices is None:
            if self.size < 2:
                return np.full(nodes.shape, -1, dtype=np.int64)
            other = np.minimum((draws * (self.size - 1)).astype(np.int64), self.size - 2)
            return other + (other >= nodes)
        degree = self.indptr[nodes + 1] - self.indptr[nodes]
        offset = np.minimum((draws * degree).astype(np.int64), np.maximum(degree - 1, 0))
        if self.indices.size == 0:
            return np.full(nodes.shape, -1, dtype=np.int64)
        # isolated nodes at the end point past the last index: clip, then mask with -1 below
        position = np.minimum(self.indptr[nodes] + offset, self.indices.size - 1)
        picked = self.indices[position].astype(np.int64)
        return np.where(degree > 0, picked, -1)

    def contact_counts(self, flags: NDArray[np.bool_]) -> NDArray[np.int64]:
        """For every customer, how many of its contacts have ``flags`` true."""
        flags = np.asarray(flags, dtype=bool)
        if self.indptr is None or self.indices is None:
            return (np.count_nonzero(flags) - flags).astype(np.int64)
        counts = np.empty(self.size, dtype=np.int64)
        csr.count_flagged_contacts(self.indptr, self.indices, flags, counts)
        return counts

    def share_from_counts(
        self, counts: NDArray[np.int64], nodes: NDArray[np.int64] | None = None
    ) -> NDArray[np.float64]:
        """Contact counts divided by degree (0 for customers without contacts), for every
        customer or only for ``nodes``."""
        if nodes is not None:
            counts = counts[nodes]
            degree = (
                np.full(nodes.size, self.size - 1)
                if self.indptr is None
                else self.indptr[nodes + 1] - self.indptr[nodes]
            )
        else:
            degree = self.degrees()
        return np.divide(counts, degree, out=np.zeros(counts.size), where=degree > 0)

    def contact_share(self, flags: NDArray[np.bool_]) -> NDArray[np.float64]:
        """For every customer, the share of its contacts for which ``flags`` is true (0 if none)."""
        return self.share_from_counts(self.contact_counts(flags))

    @property
    def edge_count(self) -> int:
        """Number of undirected edges."""
        if self.indices is None:
            return self.size * (self.size - 1) // 2
        return int(self.indices.size // 2)


def from_edges(size: int, sources: NDArray[np.int64], targets: NDArray[np.int64]) -> Network:
    """Build a simple undirected CSR graph from edge endpoints (no self-loops, no duplicates)."""
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    targets = np.ascontiguousarray(targets, dtype=np.int64)
    indptr, indices = csr.build_rows(
        csr.KIND_EDGE_ARRAYS,
        size,
        units=int(sources.size),
        per_unit=1,
        sources=sources,
        targets=targets,
        chunks=threads(),
    )
    return Network(size=size, indptr=indptr, indices=indices)


def complete(size: int) -> Network:
    """Everyone knows everyone (implicit)."""
    return Network(size=size)


def erdos_renyi(size: int, mean_degree: float, key: Key) -> Network:
    """G(n, m) random graph with m = round(n * mean_degree / 2) edges, each with two
    uniform ends; self-loops and repeated pairs are dropped (a few per thousand at
    mean degree 10 and n >= 10^3)."""
    edges = round(size * mean_degree / 2) if size >= 2 else 0
    indptr, indices = csr.build_rows(
        csr.KIND_ERDOS_RENYI, size, units=edges, per_unit=1, key=key, chunks=threads()
    )
    return Network(size=size, indptr=indptr, indices=indices)


def small_world(size: int, mean_degree: float, rewiring: float, key: Key) -> Network:
    """Watts-Strogatz: a ring where each node links to k/2 neighbours per side, then rewiring.

    Each edge's far end is moved to a uniformly random node with probability ``rewiring``
    (an edge moved onto its own node or onto an existing neighbour is dropped).
    """
    half = max(1, round(mean_degree / 2))
    half = min(half, max(0, (size - 1) // 2))
    if half >= csr.MAX_BLOCKS:
        raise ValueError(f"mean degree {mean_degree} is too large (at most {2 * csr.MAX_BLOCKS})")
    indptr, indices = csr.build_rows(
        csr.KIND_SMALL_WORLD,
        size,
        units=size if half else 0,
        per_unit=half,
        key=key,
        parameter=rewiring,
        chunks=threads(),
    )
    return Network(size=size, indptr=indptr, indices=indices)


def scale_free(size: int, mean_degree: float, key: Key) -> Network:
    """Barabási-Albert preferential attachment with m = k/2 links per new node.

    Uses the Batagelj-Brandes (2005) edge-copy formulation: slot 2e holds the new node of
    edge e; slot 2e+1 copies a uniformly random earlier slot, which is preferential
    attachment. Each edge's far end is found by following copies of copies
    (:func:`trustsim.model.csr.attached_node`), so edges are generated independently and
    in parallel, without a slot array.
    """
    links = max(1, round(mean_degree / 2))
    edges = size * links if size >= 2 else 0
    indptr, indices = csr.build_rows(
        csr.KIND_SCALE_FREE,
        size,
        units=edges,
        per_unit=1,
        key=key,
        links=links,
        chunks=threads(),
    )
    return Network(size=size, indptr=indptr, indices=indices)


def load_edge_list(size: int, path: Path) -> Network:
    """Read an edge list (format and checks in :mod:`trustsim.scenario.edge_list`)."""
    edges = edge_list.read_edge_list(path)
    edge_list.check(edges, size, path)
    return from_edges(size, edges.sources, edges.targets)


def build_network(
    settings: NetworkSettings, size: int, key: Key, source_dir: Path | None = None
) -> Network:
    """Build the network a scenario asks for, with the replicate's Philox ``key``."""
    if settings.kind == "complete":
        return complete(size)
    if settings.kind == "erdos_renyi":
        return erdos_renyi(size, settings.mean_degree, key)
    if settings.kind == "small_world":
        return small_world(size, settings.mean_degree, settings.rewiring, key)
    if settings.kind == "scale_free":
        return scale_free(size, settings.mean_degree, key)
    assert settings.path is not None  # guaranteed by the schema
    return load_edge_list(size, edge_list.located(settings.path, source_dir))
