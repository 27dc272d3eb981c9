"""lralg.fastrp against a scipy.sparse + scikit-learn oracle, properties and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import normalize as sk_normalize
from sklearn.preprocessing import scale as sk_scale

import lralg
from lralg.graph import graph_adjacency


def oracle(
    A,
    dim,
    weights=(0.0, 1.0, 1.0, 1.0),
    beta=0.0,
    transition=True,
    normalize=True,
    self_influence=0.0,
    density="auto",
    rng=0,
):
    """FastRP written with scipy.sparse and scikit-learn, in float64."""
    A = sp.csr_array(A, dtype=np.float64)
    n = A.shape[0]
    R = lralg.random_projection_matrix(n, dim, density=density, rng=rng)
    deg = np.asarray(A.sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(deg != 0, 1.0 / deg, 0.0)
        dbeta = np.ones(n) if beta == 0 else np.where(deg > 0, np.abs(deg) ** beta, 0.0)
    M = sp.diags_array(inv) @ A if transition else A
    R = (sp.diags_array(dbeta) @ R).toarray()
    norm = (lambda U: sk_normalize(U)) if normalize else (lambda U: U)
    E = self_influence * norm(R)
    U = M @ R
    for i, w in enumerate(weights):
        if i:
            U = M @ U
        E = E + w * norm(U)
    return sk_scale(E)


def random_graph(n, p, seed, weighted=False, directed=False):
    rng = np.random.default_rng(seed)
    A = sp.random_array((n, n), density=p, rng=rng, format="csr")
    if not weighted:
        A.data[:] = 1.0
    if not directed:
        A = A + A.T
    return sp.csr_array(A)


def core_fastrp(A, dim, weights, *, rng=0, **options):
    """The core's fastrp with any of its options, the code-path knobs (strip,
    two_hop, huge_panels) included: the public function does not take them."""
    from lralg import _core
    from lralg._validate import seed_from_rng

    opt = _core.FastRPOptions()
    opt.dim = dim
    opt.weights = list(weights)
    opt.seed = seed_from_rng(rng)
    for name, value in options.items():
        setattr(opt, name, value)
    return _core.fastrp(A.indptr, A.indices, A.data, A.shape[0], opt)


@pytest.mark.parametrize("transition", [True, False])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("beta", [0.0, -0.628, 0.5])
def test_matches_scipy_oracle(transition, normalize, beta):
    A = random_graph(120, 0.05, 1, weighted=True)
    weights = (1.0, 1.0, 7.81, 45.28)
    E = lralg.fastrp(
        A, 16, weights=weights, beta=beta, transition=transition, normalize=normalize, dtype=np.float64, rng=3
    )
    ref = oracle(A, 16, weights, beta, transition, normalize, rng=3)
    assert E.shape == (120, 16) and E.dtype == np.float64 and E.flags.c_contiguous
    np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("two_hop", [0, 1])
@pytest.mark.parametrize("strip", [1, 3, 8, 16, 32])
@pytest.mark.parametrize("q", [1, 2, 3, 4, 5])
def test_kernel_paths_match_oracle(two_hop, strip, q):
    """Every path of the core (U_2 by two hops into R or by a product, any
    strip width of the in-place products, dim not a multiple of it)."""
    n, dim = 90, 37
    A = random_graph(n, 0.06, 11, weighted=True, directed=True)
    weights = np.linspace(0.5, 2.0, q)
    for dtype, tol in ((np.float64, 1e-9), (np.float32, 2e-4)):
        B = A.astype(dtype)
        E = core_fastrp(
            B,
            dim,
            weights,
            beta=-0.4,
            self_influence=0.3,
            density=0.2,
            rng=5,
            strip=strip,
            two_hop=two_hop,
            huge_panels=strip % 2,
        )
        ref = oracle(A, dim, weights, -0.4, self_influence=0.3, density=0.2, rng=5)
        assert E.dtype == dtype
        np.testing.assert_allclose(E, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_schedules_and_routes_agree_to_the_bit_where_sums_are_exact(dtype):
    """An unweighted graph, M = A, no normalisation, density 1/4 at dim 16
    (R's scale is 1/2) and integer weights: every sum is exact, so the
    two-panel schedule (2 to 4 powers) and the strip schedule (1 power, 5
    and more; trailing zero weights move the same embedding there), with any
    route of U_2, strip width and page size, must give the same bits."""
    A = random_graph(150, 0.04, 9).astype(dtype)
    same = [
        [(2.0,), (2.0, 0.0)],
        [(1.0, 3.0), (1.0, 3.0, 0.0, 0.0, 0.0)],
        [(1.0, 2.0, 3.0), (1.0, 2.0, 3.0, 0.0, 0.0)],
        [(1.0, 2.0, 3.0, 4.0), (1.0, 2.0, 3.0, 4.0, 0.0)],
    ]
    for group in same:
        outputs = [
            core_fastrp(
                A,
                16,
                w,
                transition=False,
                normalize=False,
                self_influence=1.0,
                density=0.25,
                rng=4,
                strip=strip,
                two_hop=two_hop,
                huge_panels=huge,
            )
            for w in group
            for two_hop in (-1, 0, 1)
            for strip in (0, 3)
            for huge in (0, 1)
        ]
        assert outputs[0].dtype == dtype and np.isfinite(outputs[0]).all()
        for E in outputs[1:]:
            np.testing.assert_array_equal(E, outputs[0])
    ref = oracle(
        A, 16, same[-1][0], transition=False, normalize=False, self_influence=1.0, density=0.25, rng=4
    )
    np.testing.assert_allclose(outputs[0], ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("q", [1, 2, 3, 4, 5])
def test_page_size_does_not_change_the_bits(q):
    A = random_graph(200, 0.03, 4, weighted=True, directed=True)
    kw = dict(beta=-0.4, self_influence=0.3, density=0.2, rng=5)
    E = core_fastrp(A, 40, np.linspace(0.5, 2.0, q), huge_panels=1, **kw)
    np.testing.assert_array_equal(E, core_fastrp(A, 40, np.linspace(0.5, 2.0, q), huge_panels=0, **kw))


@pytest.mark.parametrize("dim", [24, 16400])
def test_u1_rows_with_and_without_heads_match_oracle(dim):
    """Rows of U_1 from RowHeads (two entries of each row of R kept in a head,
    the rest deferred: density 0.3 gives most rows more than two) and, at a
    dim too wide for a head's column code, from R's rows directly; w_1 != 0
    takes U_1 a second time in the last pass, on the dense and the sparse
    route alike."""

    n = 40 if dim < 1000 else 6
    A = random_graph(n, 0.3, 8, weighted=True, directed=True)
    density = 0.3 if dim < 1000 else 2e-4
    weights = np.array([1.5, 1.0, 2.0, 3.0])
    ref = oracle(A, dim, weights, -0.5, density=density, rng=6)
    for two_hop in (0, 1):
        E = core_fastrp(A, dim, weights, beta=-0.5, density=density, rng=6, strip=0, two_hop=two_hop)
        np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("two_hop", [0, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cancelling_paths_give_a_zero_row_not_noise(two_hop, dtype):
    """Node 0 reaches node 3 through 1 (weight 0.3) and through 2 (weight -0.3):
    row 0 of U_2 = A^2 R is exactly zero. A fused multiply-add leaves a
    rounding residue there (0.3 x is rounded in the first product, exact in
    the second); normalising it would turn noise into a unit vector. The core
    sees that the row is below the rounding error of its sum and keeps it 0,
    as the scipy oracle (no FMA) gets it."""

    rows = [0, 0, 1, 2, 3, 4, 5, 4, 6]
    cols = [1, 2, 3, 3, 4, 5, 6, 6, 3]
    vals = [0.3, -0.3, 1.0, 1.0, 0.7, 1.3, 0.9, 1.1, 0.5]
    A = sp.csr_array((np.array(vals, dtype=dtype), (rows, cols)), shape=(7, 7))
    dim = 16
    for weights in [(0.0, 1.0), (0.0, 1.0, 1.0, 1.0)]:  # two_hop = 1: the sparse U_1 route
        E = core_fastrp(A, dim, weights, transition=False, density=1.0, rng=3, strip=0, two_hop=two_hop)
        ref = oracle(A, dim, weights, transition=False, density=1.0, rng=3)
        np.testing.assert_allclose(E, ref, rtol=1e-4, atol=1e-4)
    for weights in [(0.0, 1.0, 1.0), (0.0, 1.0, 1.0, 1.0), (1.0, 1.0, 7.81, 45.28)]:
        E = lralg.fastrp(A, dim, weights=weights, transition=False, density=1.0, rng=3, dtype=dtype)
        ref = oracle(A, dim, weights, transition=False, density=1.0, rng=3)
        np.testing.assert_allclose(E, ref, rtol=1e-4, atol=1e-4)


def test_float32_close_to_float64():
    A = random_graph(300, 0.03, 2)
    E32 = lralg.fastrp(A, 32, rng=1)
    E64 = lralg.fastrp(A, 32, rng=1, dtype=np.float64)
    assert E32.dtype == np.float32
    np.testing.assert_allclose(E32, E64, atol=2e-4)


@pytest.mark.parametrize("weights", [(1.0,), (0.0, 2.0), (1.0, 0.0, 0.0), (0.5, 1.0, 0.0, 2.0, 3.0)])
def test_weight_lengths_and_self_influence(weights):
    A = random_graph(80, 0.08, 5, directed=True)
    E = lralg.fastrp(A, 8, weights=weights, self_influence=0.7, beta=-0.3, dtype=np.float64, rng=2)
    ref = oracle(A, 8, weights, -0.3, True, True, self_influence=0.7, rng=2)
    np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9)


def test_columns_standardised():
    E = lralg.fastrp(random_graph(200, 0.05, 3), 24, rng=0, dtype=np.float64)
    np.testing.assert_allclose(E.mean(0), 0, atol=1e-10)
    np.testing.assert_allclose(E.std(0), 1, atol=1e-10)


def test_same_seed_same_result_any_thread_count():
    A = random_graph(3000, 0.002, 7)
    with lralg.threads(1):
        E1 = lralg.fastrp(A, 32, rng=11)
    with lralg.threads(2):
        E2 = lralg.fastrp(A, 32, rng=11)
    np.testing.assert_array_equal(E1, E2)
    assert not np.array_equal(E1, lralg.fastrp(A, 32, rng=12))


def test_input_forms_agree():
    nx = pytest.importorskip("networkx")
    G = nx.karate_club_graph()
    nx.set_edge_attributes(G, 1.0, "weight")
    edges = np.array(G.edges())
    E_nx = lralg.fastrp(G, 8, rng=0)
    E_edges = lralg.fastrp(edges, 8, n_nodes=34, rng=0)
    A = nx.to_scipy_sparse_array(G, nodelist=list(G))
    for form in (A, sp.csc_array(A), sp.coo_array(A), sp.csr_matrix(A), A.astype(np.int64)):
        np.testing.assert_array_equal(lralg.fastrp(form, 8, rng=0), E_nx)
    np.testing.assert_array_equal(E_edges, E_nx)
    # directed edge list (both directions given) gives the same graph
    both = np.concatenate([edges, edges[:, ::-1]])
    np.testing.assert_array_equal(lralg.fastrp(both, 8, n_nodes=34, directed=True, rng=0), E_nx)


def test_networkx_node_order_is_list_of_graph():
    nx = pytest.importorskip("networkx")
    G = nx.Graph([("b", "a"), ("a", "c"), ("c", "d"), ("d", "b")])
    A = nx.to_scipy_sparse_array(G, nodelist=["b", "a", "c", "d"])
    np.testing.assert_array_equal(lralg.fastrp(G, 4, rng=0), lralg.fastrp(A, 4, rng=0))


def test_isolated_nodes_self_loops_duplicates_negative_weights():
    # node 3 isolated, node 4 has only an in-edge (directed), self-loop on 0,
    # a duplicate edge 1-2, and a negative edge whose row sum is 0 (node 5).
    edges = np.array(
        [
            [0, 0, 1.0],
            [0, 1, 1.0],
            [1, 2, 1.0],
            [1, 2, 2.0],
            [2, 0, 1.0],
            [1, 4, 1.0],
            [5, 0, 1.0],
            [5, 1, -1.0],
            [0, 5, 1.0],
            [2, 5, 1.0],
        ]
    )
    A = graph_adjacency(edges, n_nodes=6, directed=True)
    assert A[1, 2] == 3.0 and A[0, 0] == 1.0
    for beta in (0.0, -0.5, 1.0):
        for self_influence in (0.0, 1.0):
            E = lralg.fastrp(
                edges,
                8,
                n_nodes=6,
                directed=True,
                beta=beta,
                self_influence=self_influence,
                dtype=np.float64,
                rng=4,
            )
            assert np.isfinite(E).all()
            ref = oracle(A, 8, beta=beta, self_influence=self_influence, rng=4)
            np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9)


def test_single_node_and_empty_graph():
    E = lralg.fastrp(sp.csr_array((1, 1)), 4, rng=0)
    assert E.shape == (1, 4) and np.all(E == 0)
    E = lralg.fastrp(np.zeros((0, 2), dtype=np.int64), 4, n_nodes=5, rng=0)
    assert E.shape == (5, 4) and np.all(E == 0)


def test_input_not_modified():
    A = random_graph(50, 0.1, 9)
    A.data *= 2.5
    before = (A.data.copy(), A.indices.copy(), A.indptr.copy())
    lralg.fastrp(A, 4, beta=-0.5, rng=0)
    for x, y in zip(before, (A.data, A.indices, A.indptr)):
        np.testing.assert_array_equal(x, y)


def test_density_option_and_rng_generator():
    A = random_graph(60, 0.1, 4)
    E = lralg.fastrp(A, 8, density=0.5, dtype=np.float64, rng=np.random.default_rng(5))
    ref = oracle(A, 8, density=0.5, rng=np.random.default_rng(5))
    np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(graph=sp.csr_array((3, 4))), ValueError, "square"),
        (dict(dim=-1), ValueError, "dim"),
        (dict(dim=0), ValueError, "dim"),
        (dict(dim=2.5), TypeError, "dim"),
        (dict(weights=()), ValueError, "weights"),
        (dict(weights=[1.0, np.nan]), ValueError, "weights"),
        (dict(weights="abc"), TypeError, "weights"),
        (dict(weights=[[1.0], [2.0]]), ValueError, "weights"),
        (dict(beta=np.inf), ValueError, "beta"),
        (dict(self_influence=np.nan), ValueError, "self_influence"),
        (dict(density=0.0), ValueError, "density"),
        (dict(density="dense"), ValueError, "density"),
        (dict(dtype=np.int32), TypeError, "dtype"),
        (dict(dtype=np.complex64), TypeError, "dtype"),
        (dict(transition="yes"), TypeError, "transition"),
        (dict(normalize=None), TypeError, "normalize"),
        (dict(rng=-1), ValueError, "rng"),
        (dict(graph=sp.csr_array(np.array([[0, np.nan], [1.0, 0]]))), ValueError, "NaN"),
        (dict(graph=sp.csr_array(np.array([[0, 1j], [1j, 0]]))), TypeError, "graph"),
        (dict(graph=np.array([[0, 1], [1, 7]]), n_nodes=3), ValueError, "n_nodes"),
        (dict(graph=np.array([[0, -1]]), n_nodes=3), ValueError, "node ids"),
        (dict(graph=np.array([[0, 1.5]]), n_nodes=3), ValueError, "integers"),
        (dict(graph=np.array([[0, 1, np.nan]]), n_nodes=3), ValueError, "NaN"),
        (dict(graph=np.array([[0, 1]])), ValueError, "n_nodes"),
        (dict(graph=np.array([[0, 1, 2, 3]]), n_nodes=5), ValueError, "columns"),
        (dict(graph=np.array([0, 1]), n_nodes=5), ValueError, "2-D"),
        (dict(graph="edges.txt", n_nodes=5), TypeError, "graph"),
        (dict(graph=np.array([["a", "b"]]), n_nodes=5), TypeError, "graph"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = dict(graph=random_graph(10, 0.3, 0), dim=4)
    args.update(kwargs)
    graph = args.pop("graph")
    dim = args.pop("dim")
    with pytest.raises(exc, match=match):
        lralg.fastrp(graph, dim, **args)


def test_malformed_csr_raises_not_crashes():
    A = random_graph(10, 0.3, 0)
    bad = sp.csr_array((A.data, A.indices.copy(), A.indptr), shape=A.shape)
    bad.indices[0] = 99
    with pytest.raises(ValueError):
        lralg.fastrp(bad, 4)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 40),
    dim=st.integers(1, 12),
    p=st.floats(0.0, 0.5),
    q=st.integers(1, 4),
    dtype=st.sampled_from([np.float32, np.float64]),
    beta=st.sampled_from([0.0, -1.0, 0.7]),
    fmt=st.sampled_from(["csr", "csc", "coo", "edges", "fortran"]),
    seed=st.integers(0, 2**16),
)
def test_property_any_graph_finite_and_matches(n, dim, p, q, dtype, beta, fmt, seed):
    rng = np.random.default_rng(seed)
    A = sp.random_array((n, n), density=p, rng=rng, format="coo")
    A.data = rng.standard_normal(A.nnz)  # negative weights too
    weights = rng.uniform(0, 2, q)
    if fmt == "edges":
        graph = np.column_stack([A.row, A.col, A.data])
        if seed % 2:  # a non-contiguous slice
            graph = np.repeat(graph, 2, axis=1)[:, ::2]
        kwargs = dict(n_nodes=n, directed=True)
    elif fmt == "fortran":
        graph = np.asfortranarray(np.column_stack([A.row, A.col]))
        A = sp.coo_array((np.ones(A.nnz), (A.row, A.col)), shape=(n, n))
        kwargs = dict(n_nodes=n, directed=True)
    else:
        graph = A.asformat(fmt).astype(dtype)
        kwargs = {}
    E = lralg.fastrp(graph, dim, weights=weights, beta=beta, dtype=dtype, rng=seed, **kwargs)
    assert E.shape == (n, dim) and E.dtype == dtype
    assert np.isfinite(E).all()
    if dtype == np.float64:
        ref = oracle(A, dim, weights, beta, rng=seed)
        np.testing.assert_allclose(E, ref, rtol=1e-7, atol=1e-7)


def test_demo_and_cli(tmp_path):
    from lralg._cli import main
    from lralg._cli.demo import DEMOS

    row = DEMOS["fastrp"]()
    assert set(row) == {"problem", "result"}
    edges = tmp_path / "edges.txt"
    edges.write_text("# a triangle plus a tail\n0 1\n1 2\n2 0\n2 3\n")
    out = tmp_path / "emb.npy"
    assert main(["fastrp", str(edges), "--dim", "8", "--out", str(out), "--seed", "3"]) == 0
    E = np.load(out)
    np.testing.assert_array_equal(
        E, lralg.fastrp(np.array([[0, 1], [1, 2], [2, 0], [2, 3]]), 8, n_nodes=4, rng=3)
    )
    weighted = tmp_path / "w.csv"
    weighted.write_text("0,1,2.0\n1,2,1.0\n")
    assert (
        main(
            [
                "fastrp",
                str(weighted),
                "--dim",
                "4",
                "--out",
                str(out),
                "--weights",
                "1,2",
                "--beta",
                "-0.5",
                "--n-nodes",
                "5",
            ]
        )
        == 0
    )
    assert np.load(out).shape == (5, 4)


@pytest.mark.parametrize("block", [None, 7])
def test_bench_lean_scipy_anchor_matches_authors_way(monkeypatch, block):
    """The benchmark's lean scipy anchor (in-place, fits at 1e7 nodes) computes
    what its authors'-way scipy + sklearn version computes."""
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    bench = pytest.importorskip("bench.fastrp")
    A = random_graph(200, 0.03, 4, weighted=True)
    A = sp.csr_array(A.toarray() * (np.arange(200) % 17 != 0)[:, None])  # isolated rows
    weights = (1.0, 1.0, 7.81, 45.28)
    ref = bench.fastrp_scipy(A, 24, weights, -0.628, seed=5)
    lean = bench.fastrp_scipy_lean(A, 24, weights, -0.628, seed=5, block=block, chunk=64)
    assert lean.dtype == np.float32 and lean.shape == (200, 24)
    np.testing.assert_allclose(lean, ref, rtol=1e-3, atol=1e-3)
