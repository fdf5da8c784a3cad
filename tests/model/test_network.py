"""Tests for trustsim.model.network: generators, CSR invariants, contact shares, edge lists."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pytest

from trustsim.errors import ScenarioError
from trustsim.model import network as net
from trustsim.model.random_numbers import Key, replicate_key
from trustsim.scenario.schema import NetworkSettings

SIZE, MEAN_DEGREE = 2000, 10
RANDOM_KINDS = ("erdos_renyi", "small_world", "scale_free")
ALL_KINDS = ("complete", *RANDOM_KINDS)


def key(seed: int) -> Key:
    """The Philox key of replicate 0 of ``seed``."""
    return replicate_key(np.random.SeedSequence(seed))


def generate(
    kind: str, seed: int = 0, size: int = SIZE, mean_degree: float = MEAN_DEGREE
) -> net.Network:
    if kind == "complete":
        return net.complete(size)
    if kind == "erdos_renyi":
        return net.erdos_renyi(size, mean_degree, key(seed))
    if kind == "small_world":
        return net.small_world(size, mean_degree, 0.1, key(seed))
    return net.scale_free(size, mean_degree, key(seed))


@pytest.fixture(scope="module", params=ALL_KINDS)
def graph(request) -> net.Network:
    return generate(request.param)


def csr_edges(g: net.Network) -> tuple[np.ndarray, np.ndarray]:
    """Directed (row, col) pairs of a CSR graph."""
    assert g.indptr is not None and g.indices is not None
    rows = np.repeat(np.arange(g.size), np.diff(g.indptr))
    return rows, g.indices.astype(np.int64)


def assert_simple_undirected(g: net.Network) -> None:
    """Symmetric, no self loops, no duplicate edges, sorted rows, well-formed CSR."""
    indptr, indices = g.indptr, g.indices
    assert indptr is not None and indices is not None
    assert indptr.shape == (g.size + 1,)
    assert indptr[0] == 0 and indptr[-1] == indices.size
    assert np.all(np.diff(indptr) >= 0)
    assert indices.size == 0 or (indices.min() >= 0 and indices.max() < g.size)
    rows, cols = csr_edges(g)
    assert not np.any(rows == cols), "self loop"
    # sorted and unique within rows: strictly increasing except across row starts
    same_row = rows[1:] == rows[:-1]
    assert np.all(np.diff(cols)[same_row] > 0), "rows unsorted or duplicate edge"
    # symmetric: the set of (i, j) equals the set of (j, i)
    forward = np.sort(rows * g.size + cols)
    backward = np.sort(cols * g.size + rows)
    np.testing.assert_array_equal(forward, backward)
    assert g.edge_count * 2 == indices.size


# --- structure of the generated graphs ------------------------------------------------------


def test_structure(graph):
    if graph.is_complete:
        assert graph.indices is None
        np.testing.assert_array_equal(graph.degrees(), np.full(SIZE, SIZE - 1))
        assert graph.edge_count == SIZE * (SIZE - 1) // 2
    else:
        assert_simple_undirected(graph)
        np.testing.assert_array_equal(graph.degrees(), np.diff(graph.indptr))


def test_neighbours_symmetric_via_public_api(graph):
    rng = np.random.default_rng(1)
    for i in rng.choice(SIZE, 40, replace=False):
        contacts = graph.neighbours(int(i))
        assert int(i) not in contacts
        assert contacts.size == graph.degrees()[i]
        assert np.unique(contacts).size == contacts.size
        for j in contacts[:15]:
            assert int(i) in graph.neighbours(int(j))
    if graph.is_complete:
        np.testing.assert_array_equal(graph.neighbours(5), np.delete(np.arange(SIZE), 5))


def test_erdos_renyi_mean_degree():
    g = generate("erdos_renyi")
    requested_edges = round(SIZE * MEAN_DEGREE / 2)
    # self loops (prob 1/n per draw) and repeated pairs (~ m^2 / n^2) are dropped: a few dozen
    expected_lost = requested_edges / SIZE + requested_edges**2 / SIZE**2
    assert requested_edges - 5 * expected_lost <= g.edge_count <= requested_edges
    degree = g.degrees()
    assert abs(degree.mean() - MEAN_DEGREE) <= 0.1 * MEAN_DEGREE
    # Poisson-like: variance close to the mean
    assert 0.8 <= degree.var() / degree.mean() <= 1.2


def test_small_world_mean_degree():
    g = generate("small_world")
    ring_edges = SIZE * MEAN_DEGREE // 2
    rewired = 0.1 * ring_edges
    # a rewired edge is lost when it lands on its source or on an existing neighbour: p ~ (k+1)/n
    expected_lost = rewired * (MEAN_DEGREE + 1) / SIZE
    assert ring_edges - 5 * expected_lost - 5 <= g.edge_count <= ring_edges
    assert (
        g.degrees().min() >= MEAN_DEGREE // 2
    )  # a node keeps at least its own k/2 links unless rewired


def test_small_world_without_rewiring_is_a_ring_lattice():
    g = net.small_world(50, 4, 0.0, key(0))
    assert_simple_undirected(g)
    np.testing.assert_array_equal(g.degrees(), np.full(50, 4))
    np.testing.assert_array_equal(g.neighbours(0), [1, 2, 48, 49])
    np.testing.assert_array_equal(g.neighbours(10), [8, 9, 11, 12])


def test_scale_free_degree_and_heavy_tail():
    links = MEAN_DEGREE // 2
    sf = generate("scale_free").degrees()
    # every node brings m links; only self loops and duplicate picks are dropped
    assert 0.95 * 2 * links <= sf.mean() <= 2 * links
    assert sf.min() >= 1
    er = generate("erdos_renyi").degrees()
    # heavy tail: hubs far above the mean (~ m * sqrt(n)), which a Poisson graph never has
    assert sf.max() >= 5 * sf.mean()
    assert er.max() <= 3 * er.mean()
    assert sf.std() > 2 * er.std()


def as_networkx(g: net.Network) -> nx.Graph:
    rows, cols = csr_edges(g)
    graph = nx.Graph()
    graph.add_nodes_from(range(g.size))
    graph.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    return graph


def test_small_world_clustering_follows_barrat_weigt():
    """C(beta) ~ C(0) (1 - beta)^3 with C(0) = 3 (k - 2) / (4 (k - 1)) (Barrat & Weigt
    2000): 0.486 at k = 10, beta = 0.1; an Erdős–Rényi graph of the same density has about
    k / n = 0.005."""
    expected = 3 * (MEAN_DEGREE - 2) / (4 * (MEAN_DEGREE - 1)) * (1 - 0.1) ** 3
    for seed in (0, 1):
        clustering = nx.average_clustering(as_networkx(generate("small_world", seed=seed)))
        assert abs(clustering - expected) < 0.03
    assert nx.average_clustering(as_networkx(generate("erdos_renyi"))) < 0.02


def test_the_clustering_test_sees_a_fully_rewired_ring():
    """Companion: with every edge rewired (beta = 1) the clustering is that of a random
    graph, far outside the small-world band."""
    rewired = net.small_world(SIZE, MEAN_DEGREE, 1.0, key(0))
    assert nx.average_clustering(as_networkx(rewired)) < 0.02


@pytest.mark.parametrize("kind", RANDOM_KINDS)
def test_generated_graphs_are_connected(kind: str):
    """At mean degree 10 a random graph of 2000 nodes has one giant component holding all
    but a handful of nodes (Erdős–Rényi: about n e^-10 = 0.09 isolated nodes expected)."""
    for seed in (0, 1):
        components = sorted(nx.connected_components(as_networkx(generate(kind, seed))), key=len)
        assert len(components[-1]) >= SIZE - 3


def test_a_network_does_not_depend_on_the_thread_count():
    previous = numba.get_num_threads()
    try:
        built = []
        for threads in (1, 2):
            numba.set_num_threads(threads)
            built.append([generate(kind, seed=5) for kind in RANDOM_KINDS])
    finally:
        numba.set_num_threads(previous)
    for one, two in zip(*built, strict=True):
        np.testing.assert_array_equal(one.indptr, two.indptr)
        np.testing.assert_array_equal(one.indices, two.indices)


def test_indices_are_four_bytes():
    assert generate("small_world").indices.dtype == np.int32


@pytest.mark.parametrize("kind", RANDOM_KINDS)
def test_same_seed_same_graph(kind):
    a, b = generate(kind, seed=42), generate(kind, seed=42)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    c = generate(kind, seed=43)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_build_network_dispatches(kind):
    settings = NetworkSettings(kind=kind, mean_degree=MEAN_DEGREE, rewiring=0.1)
    built = net.build_network(settings, 300, key(3))
    direct = generate(kind, seed=3, size=300)
    assert built.size == 300
    assert built.is_complete == (kind == "complete")
    if not built.is_complete:
        np.testing.assert_array_equal(built.indptr, direct.indptr)
        np.testing.assert_array_equal(built.indices, direct.indices)


@pytest.mark.parametrize("kind", RANDOM_KINDS)
@pytest.mark.parametrize("size", [0, 1, 2, 3])
def test_tiny_graphs_are_valid(kind, size):
    g = generate(kind, size=size)
    assert g.size == size
    assert_simple_undirected(g)


# --- from_edges -----------------------------------------------------------------------------


def test_from_edges_drops_self_loops_and_duplicates():
    g = net.from_edges(4, np.array([0, 1, 1, 2, 2, 3]), np.array([1, 0, 1, 3, 3, 2]))
    assert_simple_undirected(g)
    assert g.edge_count == 2
    np.testing.assert_array_equal(g.neighbours(1), [0])
    np.testing.assert_array_equal(g.neighbours(2), [3])


def isolated_graph() -> net.Network:
    """10 nodes: 0 isolated, edges among 1..6, 7, 8 and 9 isolated at the end."""
    sources = np.array([1, 1, 2, 3, 5, 6])
    targets = np.array([2, 3, 3, 4, 6, 1])
    return net.from_edges(10, sources, targets)


def test_from_edges_keeps_isolated_nodes():
    g = isolated_graph()
    assert_simple_undirected(g)
    np.testing.assert_array_equal(g.degrees(), [0, 3, 2, 3, 1, 1, 2, 0, 0, 0])


# --- contact_share --------------------------------------------------------------------------


def brute_force_share(g: net.Network, flags: np.ndarray) -> np.ndarray:
    out = np.zeros(g.size)
    for i in range(g.size):
        contacts = g.neighbours(i)
        out[i] = flags[contacts].mean() if contacts.size else 0.0
    return out


def test_contact_share_matches_brute_force(graph):
    flags = np.random.default_rng(4).random(SIZE) < 0.3
    np.testing.assert_allclose(
        graph.contact_share(flags), brute_force_share(graph, flags), atol=1e-12
    )


def test_contact_share_with_isolated_nodes():
    g = isolated_graph()
    for seed in range(5):
        flags = np.random.default_rng(seed).random(10) < 0.5
        np.testing.assert_allclose(g.contact_share(flags), brute_force_share(g, flags))
    everyone = g.contact_share(np.ones(10, dtype=bool))
    np.testing.assert_array_equal(everyone, np.where(g.degrees() > 0, 1.0, 0.0))
    np.testing.assert_array_equal(g.contact_share(np.zeros(10, dtype=bool)), np.zeros(10))


def test_contact_share_edgeless_and_tiny_complete():
    empty = net.from_edges(4, np.empty(0, np.int64), np.empty(0, np.int64))
    np.testing.assert_array_equal(empty.contact_share(np.ones(4, dtype=bool)), np.zeros(4))
    np.testing.assert_array_equal(net.complete(1).contact_share(np.ones(1, dtype=bool)), [0.0])
    np.testing.assert_allclose(
        net.complete(3).contact_share(np.array([True, False, True])), [0.5, 1.0, 0.5]
    )


# --- pick_contact ---------------------------------------------------------------------------


def test_pick_contact_returns_a_true_neighbour(graph):
    rng = np.random.default_rng(5)
    nodes = rng.integers(0, SIZE, 5000)
    draws = np.concatenate([rng.random(4998), [0.0, np.nextafter(1.0, 0.0)]])
    picked = graph.pick_contact(nodes, draws)
    assert picked.shape == nodes.shape
    assert not np.any(picked == nodes)
    for node, contact in zip(nodes[:500], picked[:500], strict=True):
        assert contact in graph.neighbours(int(node))
    if not graph.is_complete:
        rows, cols = csr_edges(graph)
        edges = set(zip(rows.tolist(), cols.tolist(), strict=True))
        assert all(pair in edges for pair in zip(nodes.tolist(), picked.tolist(), strict=True))


def test_pick_contact_draw_extremes_pick_first_and_last():
    g = isolated_graph()
    nodes = np.array([1, 1, 3, 3])
    picked = g.pick_contact(
        nodes, np.array([0.0, np.nextafter(1.0, 0.0), 0.0, np.nextafter(1.0, 0.0)])
    )
    np.testing.assert_array_equal(picked, [2, 6, 1, 4])


def test_pick_contact_isolated_nodes_get_minus_one():
    g = isolated_graph()
    nodes = np.arange(10)
    for draw in (0.0, 0.5, np.nextafter(1.0, 0.0)):
        picked = g.pick_contact(nodes, np.full(10, draw))
        isolated = g.degrees() == 0
        assert np.all(picked[isolated] == -1)
        for node in np.flatnonzero(~isolated):
            assert picked[node] in g.neighbours(int(node))


def test_pick_contact_on_edgeless_graphs():
    empty = net.from_edges(3, np.empty(0, np.int64), np.empty(0, np.int64))
    np.testing.assert_array_equal(empty.pick_contact(np.arange(3), np.full(3, 0.5)), [-1, -1, -1])
    np.testing.assert_array_equal(
        net.complete(1).pick_contact(np.array([0]), np.array([0.5])), [-1]
    )


def test_pick_contact_uniform_over_neighbours_csr():
    g = isolated_graph()  # node 1 has neighbours 2, 3, 6
    n = 30_000
    picked = g.pick_contact(np.full(n, 1), np.random.default_rng(6).random(n))
    counts = np.array([np.sum(picked == j) for j in (2, 3, 6)])
    assert counts.sum() == n
    expected = n / 3
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected * (2 / 3)))


@pytest.mark.parametrize("node", [0, 7, 19])
def test_pick_contact_uniform_on_complete_graph(node):
    size, n = 20, 190_000
    g = net.complete(size)
    picked = g.pick_contact(np.full(n, node), np.random.default_rng(node).random(n))
    assert not np.any(picked == node)
    counts = np.bincount(picked, minlength=size)
    others = np.delete(counts, node)
    p = 1 / (size - 1)
    expected = n * p
    assert counts[node] == 0
    assert np.all(np.abs(others - expected) < 5 * math.sqrt(n * p * (1 - p)))


# --- load_edge_list -------------------------------------------------------------------------


def test_load_edge_list_valid(tmp_path: Path):
    path = tmp_path / "edges.txt"
    path.write_text("# a comment\n0 1\n1 2  # trailing comment\n\n2 0\n3 4\n4 3\n")
    g = net.load_edge_list(6, path)
    assert_simple_undirected(g)
    assert g.edge_count == 4
    np.testing.assert_array_equal(g.neighbours(0), [1, 2])
    np.testing.assert_array_equal(g.degrees(), [2, 2, 2, 1, 1, 0])


def test_load_edge_list_single_line(tmp_path: Path):
    one = tmp_path / "one.txt"
    one.write_text("0 1\n")
    assert net.load_edge_list(3, one).edge_count == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("", r"holds no contact", id="empty"),
        pytest.param("# nothing here\n\n", r"holds no contact", id="only comments"),
        pytest.param("0 1\n2 2\n", r"line 2 \('2 2'\): a self-loop is not allowed", id="loop"),
        pytest.param("0 1\n1.0 2\n", r"line 2: '1\.0' is not a whole-number", id="float"),
        pytest.param("0 1\n\n0 1 2\n", r"line 3: '0 1 2' has 3 value\(s\)", id="three"),
        pytest.param("0 1\n9" + "9" * 30 + " 1\n", r"line 2: '9+' is not a whole", id="huge"),
        pytest.param(b"0 1\n\xff\xfe 1\n", r"line 2: is not UTF-8 text", id="binary"),
    ],
)
def test_load_edge_list_refuses_with_the_line_and_no_warning(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "edges.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "input contained no data" must not escape
        with pytest.raises(ScenarioError, match=message) as info:
            net.load_edge_list(3, path)
    assert str(path) in str(info.value)


def test_load_edge_list_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"is a folder; expected an edge-list file"):
        net.load_edge_list(3, tmp_path)


def test_build_network_edge_list_relative_to_source_dir(tmp_path: Path):
    (tmp_path / "edges.txt").write_text("0 1\n1 2\n")
    settings = NetworkSettings(kind="edge_list", path="edges.txt")
    g = net.build_network(settings, 3, key(0), source_dir=tmp_path)
    np.testing.assert_array_equal(g.neighbours(1), [0, 2])


@pytest.mark.parametrize(
    ("content", "size"),
    [
        ("0 1\na b\n", 5),  # not integers
        ("0 1\n1.5 2\n", 5),  # not integers
        ("0 1\n1 2 3\n", 5),  # ragged
        ("0 1 2\n1 2 3\n", 5),  # three columns
        ("0\n1\n", 5),  # one column
        ("0 1\n1 5\n", 5),  # index == size
        ("0 1\n-1 2\n", 5),  # negative index
    ],
)
def test_load_edge_list_errors_name_the_file(tmp_path: Path, content, size):
    path = tmp_path / "bad_edges.txt"
    path.write_text(content)
    with pytest.raises(ScenarioError) as info:
        net.load_edge_list(size, path)
    assert str(path) in str(info.value)


def test_load_edge_list_out_of_range_names_value(tmp_path: Path):
    path = tmp_path / "edges.txt"
    path.write_text("0 1\n1 7\n")
    with pytest.raises(ScenarioError, match=r"index 7 is out of range") as info:
        net.load_edge_list(5, path)
    assert str(path) in str(info.value)
    assert "0..4" in str(info.value)


def test_load_edge_list_missing_file(tmp_path: Path):
    path = tmp_path / "nowhere" / "edges.txt"
    with pytest.raises(ScenarioError) as info:
        net.load_edge_list(5, path)
    assert str(path) in str(info.value)
    assert "not found" in str(info.value)


@pytest.mark.parametrize("kind", ["complete", "small_world"])
def test_share_from_counts_for_a_subset_equals_the_full_computation(kind: str) -> None:
    rng = np.random.default_rng(11)
    graph = net.complete(300) if kind == "complete" else net.small_world(300, 6, 0.1, key(11))
    flags = rng.random(300) < 0.4
    counts = graph.contact_counts(flags)
    nodes = np.flatnonzero(rng.random(300) < 0.3)
    np.testing.assert_array_equal(
        graph.share_from_counts(counts, nodes), graph.share_from_counts(counts)[nodes]
    )
    np.testing.assert_allclose(graph.share_from_counts(counts), graph.contact_share(flags))
