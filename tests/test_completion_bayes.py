"""lralg.complete(reg="bayes"): the core's half-sweep against a NumPy oracle of the
variational posterior, the learned variances, fold_in and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import lralg
from lralg import _core
from lralg._cli import main as cli_main
from lralg._completion_bayes import packed_diagonal


def unpack(packed, d):
    out = np.zeros((len(packed), d, d))
    r, c = np.tril_indices(d)
    out[:, r, c] = packed
    out[:, c, r] = packed
    return out


def oracle_half_sweep(M, mu, partner_mean, partner_cov, prior_var, noise, bias):
    """Row posteriors of the variational model, written out per observation with NumPy:
    unknowns z = [x, a] (or x) against the partner's [y, 1] and offset b."""
    d = partner_mean.shape[1]
    s = d - 1 if bias else d
    M = M.tocsr()
    means, covs, expected, fitted = [], [], [], []
    for i in range(M.shape[0]):
        cols = M.indices[M.indptr[i] : M.indptr[i + 1]]
        t = M.data[M.indptr[i] : M.indptr[i + 1]] - mu
        A = np.diag(1.0 / prior_var)
        rhs = np.zeros(s)
        for j, tj in zip(cols, t):
            p, C = partner_mean[j], partner_cov[j]
            second = np.outer(p, p) + C
            A += second[:s, :s] / noise
            rhs += (tj * p[:s] - (second[:s, s] if bias else 0.0)) / noise
        cov = np.linalg.inv(A)
        z = cov @ rhs
        q = np.append(z, 1.0) if bias else z
        Q = np.zeros((d, d))
        Q[:s, :s] = cov
        e2 = fit = 0.0
        for j, tj in zip(cols, t):
            p, C = partner_mean[j], partner_cov[j]
            # E[(t - q.p)^2] for independent q, p: the mean's square plus the variances
            e2 += (tj - q @ p) ** 2 + q @ C @ q + p @ Q @ p + np.trace(Q @ C)
            fit += (tj - q @ p) ** 2
        order = list(range(d))
        if bias:
            order[-2], order[-1] = order[-1], order[-2]
        means.append(q[order])
        covs.append(Q[np.ix_(order, order)])
        expected.append(e2)
        fitted.append(fit)
    return np.array(means), np.array(covs), np.array(expected), np.array(fitted)


@settings(max_examples=20, deadline=None)
@given(
    m=st.integers(1, 12),
    n=st.integers(1, 12),
    k=st.integers(1, 4),
    bias=st.booleans(),
    density=st.floats(0.1, 1.0),
    seed=st.integers(0, 2**16),
)
def test_half_sweep_matches_numpy_posterior(m, n, k, bias, density, seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((m, n)) < density
    M = sp.csr_array((rng.standard_normal(mask.sum()) + 3.0, np.nonzero(mask)), shape=(m, n))
    d = k + 2 if bias else k
    partner_mean = rng.standard_normal((n, d))
    root = rng.standard_normal((n, d, d)) * 0.3
    partner_cov = root @ root.transpose(0, 2, 1)
    if bias:  # the presented constant 1 is exact
        partner_mean[:, k] = 1.0
        partner_cov[:, k, :] = partner_cov[:, :, k] = 0.0
    r, c = np.tril_indices(d)
    second = np.einsum("ni,nj->nij", partner_mean, partner_mean) + partner_cov
    prior = rng.uniform(0.2, 2.0, d - 1 if bias else d)
    noise, mu = float(rng.uniform(0.1, 2.0)), 3.0
    mean, packed, expected, fitted = _core.completion_bayes_rows(
        M.indptr, M.indices, M.data, None, m, n, partner_mean, np.ascontiguousarray(second[:, r, c]),
        1.0 / prior, noise, mu, bias,
    )  # fmt: skip
    o_mean, o_cov, o_expected, o_fitted = oracle_half_sweep(
        M, mu, partner_mean, partner_cov, prior, noise, bias
    )
    np.testing.assert_allclose(mean, o_mean, rtol=1e-9, atol=1e-11)
    o_second = np.einsum("ni,nj->nij", o_mean, o_mean) + o_cov
    np.testing.assert_allclose(unpack(packed, d), o_second, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(expected, o_expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fitted, o_fitted, rtol=1e-9, atol=1e-9)


def ratings(m=200, n=150, k=2, p=0.3, noise=0.3, seed=0):
    """Offsets plus a rank-k part plus Gaussian noise: (truth, training CSR, held-out CSR)."""
    rng = np.random.default_rng(seed)
    truth = 3.0 + 0.5 * rng.standard_normal((m, 1)) + 0.5 * rng.standard_normal((1, n))
    truth = truth + rng.standard_normal((m, k)) @ rng.standard_normal((k, n)) / np.sqrt(k)
    values = truth + noise * rng.standard_normal((m, n))
    observed = rng.random((m, n)) < p
    held = rng.random((m, n)) < 0.2
    train = sp.csr_array((values[observed & ~held], np.nonzero(observed & ~held)), shape=(m, n))
    test = sp.csr_array((values[observed & held], np.nonzero(observed & held)), shape=(m, n))
    return truth, train, test


def test_learns_the_noise_and_shrinks_surplus_columns():
    truth, train, test = ratings(noise=0.3)
    res = lralg.complete(train, 6, bias=True, reg="bayes", rng=0)
    assert res.reg is None and res.converged
    # the noise variance is learned: 0.09 drawn, less what 6 columns and the offsets absorb
    assert 0.06 < res.noise_variance < 0.1
    # ARD: the two columns of the data keep their prior variance, the four others shrink
    weight = np.sort(res.prior_variance[0][:6] * res.prior_variance[1][:6])[::-1]
    assert weight[1] > 30 * weight[2]
    # close to the noise floor on held-out entries, and no worse than the best fixed reg
    assert res.rmse(test) < 0.34
    best_fixed = min(
        lralg.complete(train, 6, bias=True, reg=r, rng=0).rmse(test) for r in (1.0, 3.0, 10.0, 30.0)
    )
    assert res.rmse(test) <= best_fixed * 1.01


def test_surplus_columns_are_dropped_and_fold_in_keeps_to_the_rest():
    _, train, test = ratings(noise=0.3)
    res = lralg.complete(train, 6, bias=True, reg="bayes", rng=0, tol=1e-7, max_iter=500)
    assert res.converged and res.history[0]["columns"] == 6 and res.history[-1]["columns"] == 2
    dropped = res.prior_variance[0][:6] == 0.0
    assert dropped.sum() == 4 and (res.prior_variance[1][:6] == 0.0).tolist() == dropped.tolist()
    assert not res.U[:, dropped].any() and not res.V[:, dropped].any()
    np.testing.assert_allclose(res.fold_in(train).U, res.U, rtol=1e-4, atol=1e-6)
    assert res.rmse(test) < 0.335


def test_factors_are_the_posterior_means_of_the_last_sweep():
    _, train, _ = ratings(seed=1)
    res = lralg.complete(train, 2, bias=True, reg="bayes", rng=0, tol=1e-9, max_iter=1000)
    assert res.converged
    # at the fixed point, each row's posterior mean given the columns' posterior is U itself
    again = res.fold_in(train)
    np.testing.assert_allclose(again.U, res.U, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(again.row_bias, res.row_bias, rtol=1e-4, atol=1e-6)
    assert np.isclose(res.history[-1]["noise_variance"], res.noise_variance)
    # the history's training RMSE is that of the posterior means
    assert np.isclose(res.history[-1]["rmse"], res.rmse(train), rtol=1e-9)


def test_without_offsets_and_in_float32():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((80, 3)) @ rng.standard_normal((3, 70))
    mask = rng.random(A.shape) < 0.5
    M = sp.csr_array(((A + 0.01 * rng.standard_normal(A.shape))[mask], np.nonzero(mask)), shape=A.shape)
    res = lralg.complete(M.astype(np.float32), 3, reg="bayes", rng=0)
    assert res.U.dtype == np.float32 and res.row_bias is None and res.mean == 0.0
    assert np.linalg.norm(res.to_dense() - A) / np.linalg.norm(A) < 0.01
    assert res.prior_variance[0].shape == (3,)


def test_same_seed_same_result_any_thread_count():
    _, train, _ = ratings(seed=3)
    with lralg.threads(1):
        one = lralg.complete(train, 4, bias=True, reg="bayes", rng=5)
    with lralg.threads(2):
        two = lralg.complete(train, 4, bias=True, reg="bayes", rng=5)
    np.testing.assert_array_equal(one.U, two.U)
    assert one.noise_variance == two.noise_variance


def test_unobserved_rows_and_columns_get_zero_factors_and_the_input_is_kept():
    _, train, _ = ratings(seed=4)
    dense = train.toarray()
    dense[5, :] = 0.0
    dense[:, 7] = 0.0
    M = sp.csr_array(dense)
    before = M.copy()
    res = lralg.complete(M, 2, bias=True, reg="bayes", rng=0, max_iter=20)
    assert not res.U[5].any() and not res.V[7].any() and res.row_bias[5] == 0.0
    assert np.isfinite(res.to_dense()).all()
    assert (before != M).nnz == 0


def test_callback_stops_and_sees_the_model():
    _, train, _ = ratings(seed=5)
    seen = []

    def watch(entry):
        seen.append(entry)
        return entry["sweep"] == 3

    res = lralg.complete(train, 2, bias=True, reg="bayes", rng=0, callback=watch)
    assert res.n_iter == 3 and len(seen) == 3
    assert seen[-1]["U"].shape == (200, 2) and seen[-1]["noise_variance"] > 0


def test_bad_input():
    _, train, _ = ratings(seed=6)
    with pytest.raises(ValueError, match="reg must be a number >= 0, 'auto', 'bayes'"):
        lralg.complete(train, 2, reg="bayesian")
    with pytest.raises(ValueError, match="CPU only"):
        lralg.complete(train, 2, reg="bayes", device="cuda")
    with pytest.raises(ValueError, match="tol"):
        lralg.complete(train, 2, reg="bayes", tol=-1.0)
    with pytest.raises(ValueError, match="prior precisions"):
        d = 4
        r, c = np.tril_indices(d)
        _core.completion_bayes_rows(
            train.indptr, train.indices, train.data, None, 200, 150, np.ones((150, d)),
            np.ones((150, r.size)), np.zeros(d - 1), 1.0, 0.0, True,
        )  # fmt: skip
    assert packed_diagonal(3).tolist() == [0, 2, 5]


def test_command_line_takes_reg_bayes(tmp_path, capsys):
    _, train, test = ratings(seed=7)
    for path, M in (("train.csv", train), ("test.csv", test)):
        coo = M.tocoo()
        rows = [f"u{r},i{c},{v:.3f}" for r, c, v in zip(coo.row, coo.col, coo.data)]
        (tmp_path / path).write_text("user,item,rating\n" + "\n".join(rows) + "\n")
    out = tmp_path / "f.npz"
    args = ["complete", str(tmp_path / "train.csv"), "--rank", "2", "--reg", "bayes", "--out", str(out)]
    assert cli_main([*args, "--test", str(tmp_path / "test.csv")]) == 0
    assert "test RMSE" in capsys.readouterr().out
    with np.load(out) as f:
        assert f["U"].shape[1] == 2
