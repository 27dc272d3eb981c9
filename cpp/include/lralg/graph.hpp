// FastRP graph embeddings (Chen, Sultan, Tian, Chen and Skiena, CIKM 2019).
//
// With A the adjacency (CSR), deg = its row sums, M = D^-1 A (the transition
// matrix) or A, and R the very sparse random projection of projection.hpp:
//   U_1 = M diag(deg^beta) R,   U_i = M U_{i-1}   (i = 2 .. q),
//   E   = self_influence * N(diag(deg^beta) R) + sum_i w_i N(U_i),
// N row-normalising (l2) or the identity, and the columns of E standardised
// to mean 0 and variance 1 at the end. The powers of M are never formed.
//
// Two schedules (lralg/fastrp/): with 2 to 4 powers (the paper's 4
// included), the two-panel schedule (two_panels.hpp: the output E and ONE
// n x dim work panel); with 1 power, 5 and more, or an R too large for 32-bit
// offsets, the strip schedule (strips.hpp: E, one work panel in column
// strips and one spare strip). Their parts: the gathers of the products
// (gather.hpp), per-row norms and factors (row_norms.hpp), the succinct row
// index (sparse_rows.hpp), the row heads of G = diag(deg^beta) R
// (row_heads.hpp), the rows of U_1 and the self term (u1_rows.hpp) and the
// column statistics (column_stats.hpp).
//
// Precision: panels and products in Scalar (float32 stays float32: each
// entry sums deg(i) terms); row norms, degrees and column statistics
// computed in double.
#pragma once

#include <cmath>

#include "lralg/common.hpp"
#include "lralg/fastrp/options.hpp"
#include "lralg/fastrp/strips.hpp"
#include "lralg/fastrp/two_panels.hpp"
#include "lralg/sparse.hpp"

namespace lralg {

// The FastRP embedding of the graph with adjacency A (n x n) into E (n x dim,
// row-major, written in full; its prior content is ignored).
template <class Scalar, class Index>
void fastrp(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, Scalar* E) {
  const index_t n = A.rows;
  require(A.cols == n, "the adjacency matrix must be square");
  require(n >= 1, "the graph must have at least one node");
  require(opt.dim >= 1, "dim must be >= 1");
  require(!opt.weights.empty(), "weights must not be empty");
  const int q = int(opt.weights.size());
  const double density = opt.density > 0.0 ? opt.density : 1.0 / std::sqrt(double(n));
  // The two-panel schedule, unless R has more entries than its 32-bit offsets hold.
  if (q >= 2 && q <= 4 && detail::TwoPanelSchedule<Scalar, Index>(A, opt, density, E).run()) return;
  detail::StripSchedule<Scalar, Index>(A, opt, density, E).run();
}

}  // namespace lralg
