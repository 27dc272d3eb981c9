"""Very sparse random projection: lralg against scikit-learn's SparseRandomProjection.

Both compute X @ R with R of density 1/sqrt(n_features) and n_components=256, in float32, from
the same X in one process; scikit-learn's time is fit (drawing R) + transform, lralg's is one call
(R drawn inside). Accuracy: the worst relative distortion of squared pairwise distances among 200
sampled rows (the Johnson-Lindenstrauss quantity), mean and worst.

    python -m bench.projection [--quick] [--repeat 5]
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial.distance import pdist

from bench._harness import parser, peak_python_memory, report, time_call

N_COMPONENTS = 256


def distortion(X, Y, rows):
    a = X[rows].toarray() if sp.issparse(X) else X[rows]
    before = pdist(a.astype(np.float64), "sqeuclidean")
    after = pdist(np.asarray(Y[rows], dtype=np.float64), "sqeuclidean")
    keep = before > 0
    err = np.abs(after[keep] / before[keep] - 1)
    return float(err.mean()), float(err.max())


def cases(quick: bool):
    rng = np.random.default_rng(0)
    n, d = (2000, 5000) if quick else (20000, 5000)
    yield f"dense {n}x{d}", rng.standard_normal((n, d), dtype=np.float32)
    n = 10000 if quick else 100000
    nnz = n * 10
    rows = rng.integers(0, n, nnz)
    cols = rng.integers(0, n, nnz)
    vals = rng.standard_normal(nnz).astype(np.float32)
    X = sp.csr_array((vals, (rows, cols)), shape=(n, n))
    X.sum_duplicates()
    yield f"sparse {n}x{n}, nnz {X.nnz:.2g}", X


def main(argv=None):
    args = parser(__doc__).parse_args(argv)
    from sklearn.random_projection import SparseRandomProjection

    import lralg

    rows_out = []
    sample = np.random.default_rng(1).choice(2000, 200, replace=False)
    for name, X in cases(args.quick):

        def run_lralg():
            return lralg.sparse_random_projection(X, N_COMPONENTS, rng=0)

        def run_lralg_1thread():
            with lralg.threads(1):
                return lralg.sparse_random_projection(X, N_COMPONENTS, rng=0)

        def run_sklearn(dense_output):
            def run():
                model = SparseRandomProjection(N_COMPONENTS, dense_output=dense_output, random_state=0)
                return model.fit_transform(X)

            return run

        runs = [
            ("lralg", run_lralg),
            ("lralg, 1 thread", run_lralg_1thread),
            ("scikit-learn", run_sklearn(True)),
        ]
        if sp.issparse(X):
            runs.append(("scikit-learn, sparse output", run_sklearn(False)))
        base = None
        for label, fn in runs:
            median, _, Y = time_call(fn, repeat=args.repeat)
            peak, _ = peak_python_memory(fn)
            if label == "lralg":
                base = median
            Y = Y.toarray() if sp.issparse(Y) else Y
            mean_err, max_err = distortion(X, Y, sample)
            rows_out.append(
                {
                    "input": name,
                    "method": label,
                    "median s": median,
                    "time / lralg": median / base,
                    "peak MiB": peak / 2**20,
                    "mean distortion": mean_err,
                    "max distortion": max_err,
                    "dtype": str(Y.dtype),
                }
            )
            del Y
    report("projection", rows_out, note="n_components=256, density=1/sqrt(n_features), float32")


if __name__ == "__main__":
    main()
