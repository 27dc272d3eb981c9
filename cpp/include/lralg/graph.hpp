// FastRP graph embeddings (Chen, Sultan, Tian, Chen and Skiena, CIKM 2019).
//
// With A the adjacency (CSR), deg = its row sums, M = D^-1 A (the transition
// matrix) or A, and R the very sparse random projection of projection.hpp:
//   U_1 = M diag(deg^beta) R,   U_i = M U_{i-1}   (i = 2 .. q),
//   E   = self_influence * N(diag(deg^beta) R) + sum_i w_i N(U_i),
// N row-normalising (l2) or the identity, and the columns of E standardised
// to mean 0 and variance 1 at the end. The powers of M are never formed.
//
// How it runs: with 2 to 4 powers (the paper's 4 included), the two-panel
// schedule of fastrp_two_panels below (the output E and ONE n x dim work
// panel, nothing else of panel size). With 1 power, one pass by rows. With 5
// and more, the strip schedule (E, one work panel W and one spare strip):
//  1. First pass, by rows: U_1[i] from the sparse R (never dense), written
//     (weighted, normalised) into E[i]. When U_1 is sparse enough, U_2 is
//     formed the same way (two hops over A into R) and stored in W;
//     otherwise U_1 is stored in W.
//  2. Middle powers, in place on W by column strips: column strip c of
//     U_{p+1} needs only strip c of U_p, so S = M W[:, c], then
//     E[:, c] += f_p W[:, c] and W[:, c] = S, with f_p = w_p / ||U_p[i]||.
//  3. The last power, by rows: u = M W[i] is never stored; E[i] += f_{q-1}
//     W[i] + w_q N(u), and the column statistics of the finished rows are
//     gathered while they are in cache.
//  4. E standardised in one more pass.
//
// Precision: panels and products in Scalar (float32 stays float32: each
// entry sums deg(i) terms); row norms, degrees and column statistics
// computed in double.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "lralg/buffer.hpp"
#include "lralg/common.hpp"
#include "lralg/projection.hpp"
#include "lralg/sparse.hpp"

namespace lralg {

struct FastRPOptions {
  index_t dim = 128;
  std::vector<double> weights{0.0, 1.0, 1.0, 1.0};
  double beta = 0.0;
  bool transition = true;
  bool normalize = true;
  double self_influence = 0.0;
  double density = -1.0;  // <= 0: 1 / sqrt(n)
  std::uint64_t seed = 0;
  index_t strip = 0;    // column strip width of the in-place products; 0: automatic
  int two_hop = -1;     // U_2 by two hops into R: 1 always, 0 never, -1 when cheaper
  int huge_panels = 1;  // the two panels on transparent huge pages: 1 yes, 0 no (4 KiB pages)
};

namespace detail {

// Packs of 32 bytes (8 floats, 4 doubles) kept in registers by the gather
// kernels; GCC/Clang vector extensions, plain arrays elsewhere.
#if defined(__GNUC__)
#define LRALG_VECTOR_EXT 1
typedef float f32x8 __attribute__((vector_size(32)));
typedef double f64x4 __attribute__((vector_size(32)));
template <class Scalar>
struct PackOf;
template <>
struct PackOf<float> {
  typedef f32x8 type;
};
template <>
struct PackOf<double> {
  typedef f64x4 type;
};
#endif
template <class Scalar>
constexpr index_t kLanes = index_t(32 / sizeof(Scalar));

// How far ahead (in arcs) the row gathered by a later arc is prefetched.
constexpr index_t kAhead = 12;

// out[0 .. NV * lanes) = rs * sum_p A.data[p] * src[A.indices[p] * ld + (0 .. NV * lanes)]
// over the arcs p of row i: NV register accumulators, one pass over the row.
template <int NV, class Scalar, class Index>
inline void gather_fixed(const CsrView<Scalar, Index>& A, index_t nnz, index_t i, const Scalar* src,
                         index_t ld, Scalar rs, Scalar* out) {
  constexpr index_t L = kLanes<Scalar>;
  constexpr index_t bytes = NV * L * index_t(sizeof(Scalar));
  const index_t end = A.row_end(i);
#ifdef LRALG_VECTOR_EXT
  using V = typename PackOf<Scalar>::type;
  V acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = V{};
  for (index_t p = A.row_begin(i); p < end; ++p) {
    if (p + kAhead < nnz) {
      const char* ahead = reinterpret_cast<const char*>(src + index_t(A.indices[p + kAhead]) * ld);
      for (index_t b = 0; b < bytes; b += 64) __builtin_prefetch(ahead + b);
    }
    const Scalar a = A.data[p];
    const Scalar* s = src + index_t(A.indices[p]) * ld;
    for (int v = 0; v < NV; ++v) {
      V x;
      std::memcpy(&x, s + v * L, sizeof(V));
      acc[v] += a * x;
    }
  }
  for (int v = 0; v < NV; ++v) {
    const V y = acc[v] * rs;
    std::memcpy(out + v * L, &y, sizeof(V));
  }
#else
  (void)bytes;
  Scalar acc[NV * L] = {};
  for (index_t p = A.row_begin(i); p < end; ++p) {
    const Scalar a = A.data[p];
    const Scalar* s = src + index_t(A.indices[p]) * ld;
    for (index_t c = 0; c < NV * L; ++c) acc[c] += a * s[c];
  }
  for (index_t c = 0; c < NV * L; ++c) out[c] = acc[c] * rs;
#endif
}

// The same for any width (the remainder of a strip).
template <class Scalar, class Index>
inline void gather_any(const CsrView<Scalar, Index>& A, index_t i, const Scalar* src, index_t ld,
                       index_t width, Scalar rs, Scalar* out) {
  std::fill(out, out + width, Scalar(0));
  for (index_t p = A.row_begin(i); p < A.row_end(i); ++p) {
    const Scalar a = A.data[p];
    const Scalar* s = src + index_t(A.indices[p]) * ld;
    for (index_t c = 0; c < width; ++c) out[c] += a * s[c];
  }
  for (index_t c = 0; c < width; ++c) out[c] *= rs;
}

// out[0 .. width) = rs * (row i of A) times src[:, 0 .. width) (src has row
// stride ld): chunks of 8, 4, 2, 1 register packs, then the remainder.
template <class Scalar, class Index>
inline void gather(const CsrView<Scalar, Index>& A, index_t nnz, index_t i, const Scalar* src, index_t ld,
                   index_t width, Scalar rs, Scalar* out) {
  constexpr index_t L = kLanes<Scalar>;
  index_t c = 0;
  for (; c + 8 * L <= width; c += 8 * L) gather_fixed<8>(A, nnz, i, src + c, ld, rs, out + c);
  if (c + 4 * L <= width) {
    gather_fixed<4>(A, nnz, i, src + c, ld, rs, out + c);
    c += 4 * L;
  }
  if (c + 2 * L <= width) {
    gather_fixed<2>(A, nnz, i, src + c, ld, rs, out + c);
    c += 2 * L;
  }
  if (c + L <= width) {
    gather_fixed<1>(A, nnz, i, src + c, ld, rs, out + c);
    c += L;
  }
  if (c < width) gather_any(A, i, src + c, ld, width - c, rs, out + c);
}

// Squared l2 norm in double, eight partial sums (a fixed order).
template <class Scalar>
inline double sq_norm(const Scalar* u, index_t k) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  index_t c = 0;
  for (; c + 8 <= k; c += 8)
    for (int j = 0; j < 8; ++j) s[j] += double(u[c + j]) * double(u[c + j]);
  for (; c < k; ++c) s[0] += double(u[c]) * double(u[c]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// sq_norm(u, k) of a row that is zero outside the columns cols[0 .. m)
// (ascending), in O(m): the same lanes, summed in the same order, and zeros
// add nothing to them, so the result is bit-identical.
template <class Scalar>
inline double sq_norm_sparse(const Scalar* u, const std::int32_t* cols, index_t m, index_t k) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const index_t k8 = k - k % 8;
  for (index_t t = 0; t < m; ++t) {
    const index_t c = cols[t];
    s[c < k8 ? (c & 7) : 0] += double(u[c]) * double(u[c]);
  }
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// The factor a row of U_p enters E with: w / ||row|| (normalize) or w. A
// row norm <= 0 marks a zero row or one that is rounding noise (see
// signed_norm): it enters with 0, never scaled up to unit length.
inline double row_factor(double w, double norm, bool normalize) {
  if (!normalize) return w;
  return norm > 0.0 ? w / norm : 0.0;
}

// The norm of a row computed as a sum of `terms` products whose absolute
// values add up to `bound` (a bound on the norm): returned negated when it is
// below the rounding error of that sum, i.e. the row is zero in exact
// arithmetic up to rounding (paths of the graph that cancel). Normalising
// such a row would blow rounding noise up to a unit vector.
template <class Scalar>
inline double signed_norm(double sq, double bound, index_t terms) {
  const double norm = std::sqrt(sq);
  const double noise = 2.0 * double(terms + 1) * double(std::numeric_limits<Scalar>::epsilon()) * bound;
  return norm > noise ? norm : -norm;
}

// Column means and sums of squared deviations of blocks of rows of E, kept
// per block and merged in block order (Chan et al.), so the result does not
// depend on the thread count. Each block is read twice while in cache.
// A block's numbers (2 k + 1 doubles) go to memory of their own, or, given
// a spare panel, to the first rows of the block's own rows of it: the last
// pass of the two-panel schedule is done with them by then, and the 2048
// blocks took 4 MB beside the two panels at 1e7 nodes.
struct ColumnStats {
  index_t rows = 1024;  // rows per block: at least 1024, at most 2048 blocks
  index_t k = 0;
  index_t blocks = 0;

  static index_t block_rows(index_t n) { return std::max<index_t>(1024, (n + 2047) / 2048); }

  template <class Scalar = float>
  ColumnStats(index_t n, index_t k_, Scalar* spare = nullptr) : k(k_) {
    rows = block_rows(n);
    blocks = (n + rows - 1) / rows;
    const std::size_t need = std::size_t(2 * k + 1) * sizeof(double);
    const index_t last = n - (blocks - 1) * rows;  // rows of the last block
    if (spare && std::size_t(last) * std::size_t(k) * sizeof(Scalar) >= need) {
      store_ = reinterpret_cast<unsigned char*>(spare);
      stride_ = std::size_t(rows) * std::size_t(k) * sizeof(Scalar);
    } else {
      own_.resize(std::size_t(blocks) * need);
      store_ = own_.data();
      stride_ = need;
    }
  }

  template <class Scalar>
  void add_block(index_t b, const Scalar* E, index_t lo, index_t hi) {
    std::vector<double> mu(static_cast<std::size_t>(k), 0.0), ss(static_cast<std::size_t>(k), 0.0);
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) mu[std::size_t(c)] += double(E[i * k + c]);
    const double inv = 1.0 / double(hi - lo);
    for (index_t c = 0; c < k; ++c) mu[std::size_t(c)] *= inv;
    for (index_t i = lo; i < hi; ++i)
      for (index_t c = 0; c < k; ++c) {
        const double d = double(E[i * k + c]) - mu[std::size_t(c)];
        ss[std::size_t(c)] += d * d;
      }
    // memcpy: the slot may lie in a panel of another Scalar type
    unsigned char* slot = store_ + std::size_t(b) * stride_;
    const double count = double(hi - lo);
    std::memcpy(slot, mu.data(), std::size_t(k) * sizeof(double));
    std::memcpy(slot + std::size_t(k) * sizeof(double), ss.data(), std::size_t(k) * sizeof(double));
    std::memcpy(slot + std::size_t(2 * k) * sizeof(double), &count, sizeof(double));
  }

  // E to mean 0, population variance 1 by columns; a column whose spread is
  // rounding noise counts as constant and is only centred (as
  // sklearn.preprocessing.scale does).
  template <class Scalar>
  void standardize(Scalar* E, index_t n) const {
    std::vector<double> mu(static_cast<std::size_t>(k), 0.0), m(static_cast<std::size_t>(k), 0.0),
        inv_std(static_cast<std::size_t>(k));
    std::vector<double> bmu(static_cast<std::size_t>(k)), bm2(static_cast<std::size_t>(k));
    double total = 0.0;
    for (index_t b = 0; b < blocks; ++b) {
      const unsigned char* slot = store_ + std::size_t(b) * stride_;
      double nb = 0.0;
      std::memcpy(&nb, slot + std::size_t(2 * k) * sizeof(double), sizeof(double));
      if (nb == 0.0) continue;
      std::memcpy(bmu.data(), slot, std::size_t(k) * sizeof(double));
      std::memcpy(bm2.data(), slot + std::size_t(k) * sizeof(double), std::size_t(k) * sizeof(double));
      const double merged = total + nb;
      for (index_t c = 0; c < k; ++c) {
        const double d = bmu[std::size_t(c)] - mu[std::size_t(c)];
        mu[std::size_t(c)] += d * nb / merged;
        m[std::size_t(c)] += bm2[std::size_t(c)] + d * d * total * nb / merged;
      }
      total = merged;
    }
    for (index_t c = 0; c < k; ++c) {
      const double sd = std::sqrt(m[std::size_t(c)] / double(n));
      const double floor =
          10.0 * double(std::numeric_limits<Scalar>::epsilon()) * std::max(1.0, std::abs(mu[std::size_t(c)]));
      inv_std[std::size_t(c)] = sd > floor ? 1.0 / sd : 1.0;
    }
    parallel_blocks(n, 2048, [&](index_t, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i)
        for (index_t c = 0; c < k; ++c) {
          Scalar& x = E[i * k + c];
          x = Scalar((double(x) - mu[std::size_t(c)]) * inv_std[std::size_t(c)]);
        }
    });
  }

 private:
  std::vector<unsigned char> own_;
  unsigned char* store_ = nullptr;  // block b's numbers at store_ + b * stride_
  std::size_t stride_ = 0;
};

// Strip width of the in-place products: 32 columns (4 float packs) by
// default, narrower for small dim so that the strip stays at most a quarter
// of the panel.
template <class Scalar>
inline index_t strip_width(index_t k, index_t requested) {
  if (requested > 0) return std::min(requested, k);
  constexpr index_t L = kLanes<Scalar>;
  index_t s = 64;
  while (s > L && 4 * s > k) s /= 2;
  return std::min(s, k);
}

}  // namespace detail

// ---------------------------------------------------------------------------
// 2 <= q <= 4: the output E and ONE work panel W, nothing else of panel size.
//
// U_1 is sparse when R is (each row has about deg * dim / sqrt(n) entries)
// and cheap to recompute from R, so no panel keeps it. The route:
//  a. W = U_2, by rows: from a compact CSR copy of U_1 when that is small
//     (the "sparse" route: no dense product), else E = U_1 and W = M E.
//  b. (q = 4) E = U_3 = M W.
//  c. The last product, by rows, into the panel it does not read, merging
//     the terms of the row there:  q = 4: W[i] = self + w_1 N(U_1[i]) +
//     w_2 N(W[i]) + w_4 N((M E)[i]), then E[i] = W[i] + w_3 N(E[i]);
//     q = 3: E[i] = self + w_1 N(U_1[i]) + w_2 N(W[i]) + w_3 N((M W)[i]);
//     q = 2: E[i] = self + w_1 N(U_1[i]) + w_2 N(U_2[i]) (no panel at all on
//     the sparse route).
// Products run by whole rows (each gathered row is one run of dim contiguous
// entries: one TLB entry, adjacent lines prefetched together), or by column
// strips where a strip fits the cache and the panel does not.
// ---------------------------------------------------------------------------
namespace detail {

// The row sum of A and the two per-node factors made from it: the row scale
// of M (1/deg, 0 for a node without out-weight: no division by zero) and the
// degree weight of the row of R (deg^beta; 0 for degree <= 0 unless beta == 0).
// f summed over the row's weights in four partial sums (a fixed order): one
// running sum is a chain of dependent adds, and the two-panel schedule
// takes row sums again in every pass rather than keep an n-vector of them.
template <class Scalar, class Index, class F>
inline double row_reduce(const CsrView<Scalar, Index>& A, index_t i, F&& f) {
  double s[4] = {0, 0, 0, 0};
  index_t p = A.row_begin(i);
  const index_t end = A.row_end(i);
  for (; p + 4 <= end; p += 4)
    for (int j = 0; j < 4; ++j) s[j] += f(double(A.data[p + j]));
  for (; p < end; ++p) s[0] += f(double(A.data[p]));
  return (s[0] + s[1]) + (s[2] + s[3]);
}
template <class Scalar, class Index>
inline double row_sum(const CsrView<Scalar, Index>& A, index_t i) {
  return row_reduce(A, i, [](double x) { return x; });
}
inline double transition_scale(double deg, bool transition) {
  return transition ? (deg != 0.0 ? 1.0 / deg : 0.0) : 1.0;
}
inline double degree_weight(double deg, double beta) {
  if (beta == 0.0) return 1.0;
  const double g = deg > 0.0 ? std::pow(deg, beta) : 0.0;
  return std::isfinite(g) ? g : 0.0;
}

inline index_t popcount64(std::uint64_t x) {
#if defined(__GNUC__)
  return index_t(__builtin_popcountll(x));
#else
  index_t c = 0;
  for (; x; x &= x - 1) ++c;
  return c;
#endif
}

// A compact CSR of Scalar rows: G = diag(deg^beta) R, and the copy of U_1
// (entries of a row in the order first met; rows padded with explicit zeros
// up to their bound), with 32-bit offsets. When most rows are empty (G at
// 1e6 nodes and more: 88-96% of its rows), the row index is succinct: a bit
// per row that says whether it has entries, a count per 64 rows, and offsets
// for the rows with entries only. At 1e7 nodes that is 4 MB in place of 40,
// and the bits stay in cache; when most rows have entries, the plain offset
// per row is about as small and its lookups are cheaper (the succinct index
// measured slower at BlogCatalog and at 1e5 nodes). Rows looked up at random
// (by the neighbours of each node) live in huge-page buffers: at 1e7 nodes
// an n-vector on 4 KiB pages spans 10000 pages, and every lookup was a TLB
// miss (a nested page walk on a virtual machine).
template <class Scalar>
struct SparseRows {
  struct Word {             // rows 64 w .. 64 w + 63
    std::uint64_t present;  // bit b: row 64 w + b has entries
    std::uint32_t rank;     // rows with entries before this word
    std::uint32_t unused;
  };
  struct Span {
    index_t begin, end;
  };
  RawBuffer<Word> words;         // succinct index only
  RawBuffer<std::uint32_t> off;  // offsets: row i's (plain) or the r-th non-empty row's (succinct)
  RawBuffer<std::int32_t> col;
  RawBuffer<Scalar> val;
  index_t col_count = 0;  // entries
  bool succinct = false;
  bool large = false;  // past the cache: lookups are worth prefetching

  const void* word_of(index_t i) const {
    return succinct ? static_cast<const void*>(words.data() + (i >> 6))
                    : static_cast<const void*>(off.data() + i);
  }
  // Where row i's begin and end offsets sit (nullptr: no entries).
  const std::uint32_t* offset_of(index_t i) const {
    if (!succinct) return off.data() + i;
    const Word& w = words.data()[i >> 6];
    const std::uint64_t bit = std::uint64_t(1) << (i & 63);
    if (!(w.present & bit)) return nullptr;
    return off.data() + index_t(w.rank) + popcount64(w.present & (bit - 1));
  }
  Span row(index_t i) const {
    const std::uint32_t* o = offset_of(i);
    return o ? Span{index_t(o[0]), index_t(o[1])} : Span{0, 0};
  }

  // The index from the row lengths count[0 .. n); entries allocated, not
  // filled. False (and nothing kept) when the entries do not fit 32 bits.
  bool build(index_t n, const std::uint32_t* count) {
    const index_t nw = (n + 63) / 64;
    RawBuffer<Word> wd_buf{std::size_t(nw)};
    RawBuffer<std::uint64_t> base{std::size_t(nw)};  // entries before each word
    Word* wd = wd_buf.data();
    std::uint64_t* bs = base.data();
    parallel_for(
        nw,
        [&](index_t v) {
          std::uint64_t bits = 0, sum = 0;
          for (index_t i = 64 * v; i < std::min(n, 64 * v + 64); ++i) {
            if (count[i] != 0) bits |= std::uint64_t(1) << (i & 63);
            sum += count[i];
          }
          wd[v] = Word{bits, std::uint32_t(popcount64(bits)), 0};
          bs[v] = sum;
        },
        1024);
    std::uint64_t rows = 0, total = 0;
    for (index_t v = 0; v < nw; ++v) {
      const std::uint64_t r = wd[v].rank, t = bs[v];
      wd[v].rank = std::uint32_t(rows);
      bs[v] = total;
      rows += r;
      total += t;
    }
    if (total > std::numeric_limits<std::uint32_t>::max()) return false;
    succinct = 2 * rows < std::uint64_t(n);
    off = RawBuffer<std::uint32_t>(std::size_t(succinct ? rows : std::uint64_t(n)) + 1);
    std::uint32_t* of = off.data();
    parallel_for(
        nw,
        [&](index_t v) {
          std::uint32_t* o = of + (succinct ? index_t(wd[v].rank) : 64 * v);
          std::uint64_t at = bs[v];
          for (index_t i = 64 * v; i < std::min(n, 64 * v + 64); ++i)
            if (count[i] != 0 || !succinct) {
              *o++ = std::uint32_t(at);
              at += count[i];
            }
        },
        1024);
    of[succinct ? rows : std::uint64_t(n)] = std::uint32_t(total);
    if (succinct) words = std::move(wd_buf);
    const double index_bytes = succinct ? double(nw) * sizeof(Word) + 4.0 * double(rows) : 4.0 * double(n);
    large = index_bytes + double(total) * double(4 + sizeof(Scalar)) > double(std::size_t(1) << 20);
    col_count = index_t(total);
    col = RawBuffer<std::int32_t>(std::size_t(total));
    val = RawBuffer<Scalar>(std::size_t(total));
    return true;
  }
  void release() {
    words.release();
    off.release();
    col.release();
    val.release();
  }
};

// G's rows as U_1's rows use them: U_1[i] sums, for each arc i -> j, the
// entries of row j of G, about deg(i) * nnz(G) / n of them. Where most rows
// of G have entries (small graphs: BlogCatalog has 1.3 per row), the loop
// over a row's entries ran a different, unpredictable number of times per
// arc, and its mispredictions made U_1 cost as much as half a dense
// product. So every row keeps its first two entries in a fixed 8-byte head
// (16 with double), padded with entries into spare columns past k that are
// thrown away; the arcs whose row has more are deferred and their remaining
// entries added after those of the row's next 256 arcs, in arc order. Every
// route sums U_1's rows in this one order, so they agree to the bit.
//
// A head: the row's weight g and two codes, bit 0 the sign, bits 1..14 the
// column, bit 15 (first code) "the row has more than two entries".
template <class Scalar>
struct RowHeads {
  static constexpr index_t kSpare = 16;  // spare columns k .. k + 15, padding spread by row (j mod 8)
  struct Head {
    std::uint16_t code[2];
    Scalar g;
  };
  RawBuffer<Head> heads;
  bool built = false;

  static bool fits(index_t k) { return k + kSpare <= (index_t(1) << 14); }
  // +-g of a slot, by flipping the sign bit: a select compiled to a branch,
  // taken at random.
  static Scalar signed_weight(const Head& h, int slot) {
    using Bits = typename std::conditional<sizeof(Scalar) == 4, std::uint32_t, std::uint64_t>::type;
    Bits b;
    std::memcpy(&b, &h.g, sizeof(b));
    b ^= Bits(h.code[slot] & 1u) << (8 * sizeof(Scalar) - 1);
    Scalar x;
    std::memcpy(&x, &b, sizeof(x));
    return x;
  }
  static index_t spare_column(index_t k, index_t j, int slot) { return k + 2 * (j & 7) + slot; }
  static index_t column(const Head& h, int slot) { return index_t((h.code[slot] >> 1) & 0x3fffu); }
  static bool more(const Head& h) { return (h.code[0] >> 15) != 0; }

  // From G (plain row index); values +-g_j.
  void build(const SparseRows<Scalar>& G, index_t n, index_t k) {
    heads = RawBuffer<Head>(std::size_t(n));
    Head* h = heads.data();
    parallel_for(
        n,
        [&](index_t j) {
          const auto r = G.row(j);
          Head out{{0, 0}, r.end > r.begin ? std::abs(G.val.data()[r.begin]) : Scalar(0)};
          for (int t = 0; t < 2; ++t) {
            const bool real = r.begin + t < r.end;
            const index_t c = real ? index_t(G.col.data()[r.begin + t]) : spare_column(k, j, t);
            const bool negative = real && std::signbit(G.val.data()[r.begin + t]);
            out.code[t] = std::uint16_t((c << 1) | (negative ? 1 : 0));
          }
          if (r.end - r.begin > 2) out.code[0] = std::uint16_t(out.code[0] | 0x8000u);
          h[j] = out;
        },
        1024);
    built = true;
  }
  void release() {
    heads.release();
    built = false;
  }
};

// Per-block scratch of the passes that form rows of U_1: a dense row u (k
// columns and RowHeads' spare ones), and a sparse row (acc and seen zero
// between uses, cols its columns).
template <class Scalar>
struct RowScratch {
  std::vector<Scalar> u, acc;
  std::vector<unsigned char> seen;
  std::vector<std::int32_t> cols;
  explicit RowScratch(index_t k)
      : u(std::size_t(k + RowHeads<Scalar>::kSpare)),
        acc(std::size_t(k), Scalar(0)),
        seen(std::size_t(k), 0),
        cols(std::size_t(k)) {}
};

// Width of the column strips of a product (tests ask for narrow ones). Whole
// rows unless the panel is larger than the cache and a strip of 64 columns
// is well inside it (small graphs, large dim: BlogCatalog at dim 512 ran
// 2x faster by strips); at 1e5 nodes and more, whole rows measured faster.
template <class Scalar>
inline index_t product_strip(index_t n, index_t k, index_t requested) {
  if (requested > 0) return std::min(requested, k);
  constexpr double kPanelInCache = 8.0 * (1 << 20), kStripInCache = 4.0 * (1 << 20);
  const double row = double(n) * double(sizeof(Scalar));
  return row * double(k) > kPanelInCache && row * 64.0 <= kStripInCache ? std::min<index_t>(64, k) : k;
}

// Nothing of size n is kept beside the two panels and the sparse U_1: row
// scales and degree weights are recomputed from the row's arcs where they
// are needed, and no vector of row norms is kept. A power's row that is
// rounding noise (negative signed_norm) is stored as zeros, so every stored
// row's norm is its true one, taken again (k flops) by whoever reads it.
template <class Scalar, class Index>
bool fastrp_two_panels(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, double density, Scalar* E) {
  const index_t n = A.rows;
  const index_t k = opt.dim;
  const int q = int(opt.weights.size());
  const auto& w = opt.weights;
  const bool normalize = opt.normalize;
  const index_t nnz = A.nnz();
  const double scale = projection_scale(density, k);
  constexpr double eps = double(std::numeric_limits<Scalar>::epsilon());
  constexpr index_t kRows = 256;
  auto deg_of = [&](index_t i) { return A.row_end(i) - A.row_begin(i); };
  auto row_scale = [&](index_t i) { return transition_scale(row_sum(A, i), opt.transition); };
  auto row_norm = [&](const Scalar* x) { return std::sqrt(sq_norm(x, k)); };
  auto axpy = [&](Scalar* y, Scalar f, const Scalar* x) {
    for (index_t c = 0; c < k; ++c) y[c] += f * x[c];
  };
  auto scal_to = [&](Scalar* y, Scalar f, const Scalar* x) {
    for (index_t c = 0; c < k; ++c) y[c] = f * x[c];
  };
  // Prefetches of a three-level lookup into S by arc pa: the index word of
  // the node met kFar arcs ahead, the offset of the node met kMid arcs
  // ahead, and the first entries (col and val) of the row of the node met
  // kNear arcs ahead; each in cache by the time the next level needs it.
  constexpr index_t kFar = 16, kMid = 10, kNear = 5;
  auto prefetch_rows = [&](const SparseRows<Scalar>& S, index_t pa) {
    if (!S.large) return;  // in cache: the lookups would only cost
    if (pa + kFar < nnz) __builtin_prefetch(S.word_of(index_t(A.indices[pa + kFar])));
    if (pa + kMid < nnz) {
      if (const std::uint32_t* o = S.offset_of(index_t(A.indices[pa + kMid]))) __builtin_prefetch(o);
    }
    if (pa + kNear < nnz) {
      if (const std::uint32_t* o = S.offset_of(index_t(A.indices[pa + kNear]))) {
        __builtin_prefetch(S.col.data() + *o);
        __builtin_prefetch(S.val.data() + *o);
      }
    }
  };
  auto abs_row = [&](index_t i) { return row_reduce(A, i, [](double x) { return std::abs(x); }); };
  // Largest of the block maxima (a fixed order).
  auto max_of = [](const std::vector<double>& v) {
    double m = 0.0;
    for (double x : v) m = std::max(m, x);
    return m;
  };

  // G = diag(deg^beta) R (entries +-g_j), drawn here from the generator
  // exactly as projection_pattern draws R (two passes over the same draws:
  // count, then fill), with no copy of R's own arrays.
  SparseRows<Scalar> G;
  {
    const CounterRng rng(opt.seed);
    RawBuffer<std::uint32_t> count{std::size_t(n)};
    std::uint32_t* cnt = count.data();
    parallel_for(
        n,
        [&](index_t j) {
          std::uint32_t c = 0;
          for_each_projection_entry(rng, j, k, density, [&](index_t, std::int8_t) { ++c; });
          cnt[j] = c;
        },
        1024);
    if (!G.build(n, cnt)) return false;
    count.release();
    parallel_for(
        n,
        [&](index_t j) {
          const std::uint32_t* o = G.offset_of(j);
          if (!o) return;
          const Scalar gj = Scalar(degree_weight(row_sum(A, j), opt.beta));
          std::uint32_t t = *o;
          for_each_projection_entry(rng, j, k, density, [&](index_t c, std::int8_t sign) {
            G.col.data()[t] = std::int32_t(c);
            G.val.data()[t] = sign > 0 ? gj : -gj;
            ++t;
          });
        },
        1024);
  }
  // u += (row i of A) S, u of k entries; prefetching the rows of S ahead.
  auto add_hop = [&](index_t i, const SparseRows<Scalar>& S, Scalar* u) {
    for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa) {
      prefetch_rows(S, pa);
      const index_t j = index_t(A.indices[pa]);
      const Scalar a = A.data[pa];
      const auto r = S.row(j);
      for (index_t t = r.begin; t < r.end; ++t) u[S.col.data()[t]] += a * S.val.data()[t];
    }
  };
  // Heads of G's rows where most rows have entries (G's plain row index): the
  // dense rows of U_1 are then made from the heads, and from G only for the
  // entries past a row's first two.
  RowHeads<Scalar> heads;
  if (!G.succinct && RowHeads<Scalar>::fits(k)) heads.build(G, n, k);
  // Row i's arcs in chunks of kChunk: head(pa) for each arc of a chunk
  // (true: the arc's row of G has more than two entries), then tail(pa) for
  // those arcs, in arc order. This is RowHeads' order, with the deferred
  // arcs kept on the stack.
  constexpr index_t kChunk = 256;
  auto by_chunks = [&](index_t i, auto&& head, auto&& tail) {
    index_t deferred[kChunk];
    for (index_t lo = A.row_begin(i), end = A.row_end(i); lo < end; lo += kChunk) {
      const index_t hi = std::min(end, lo + kChunk);
      index_t m = 0;
      for (index_t pa = lo; pa < hi; ++pa) {
        deferred[m] = pa;
        m += head(pa) ? 1 : 0;
      }
      for (index_t d = 0; d < m; ++d) tail(deferred[d]);
    }
  };
  // visit(c, a * G[j, c]) for the entries of the arc's row of G past the first two.
  auto visit_tail = [&](index_t pa, auto&& visit) {
    const Scalar a = A.data[pa];
    const auto r = G.row(index_t(A.indices[pa]));
    for (index_t t = r.begin + 2; t < r.end; ++t) visit(G.col.data()[t], a * G.val.data()[t]);
  };
  // The entries of U_1[i] (unscaled: a * G[j, c] for the arcs i -> j), in
  // RowHeads' order: visit(c, value).
  auto for_each_u1_term = [&](index_t i, auto&& visit) {
    by_chunks(
        i,
        [&](index_t pa) {
          prefetch_rows(G, pa);
          const Scalar a = A.data[pa];
          const auto r = G.row(index_t(A.indices[pa]));
          const index_t head = std::min(r.end, r.begin + 2);
          for (index_t t = r.begin; t < head; ++t) visit(G.col.data()[t], a * G.val.data()[t]);
          return r.end > head;
        },
        [&](index_t pa) { visit_tail(pa, visit); });
  };
  // U_1[i] into u (dense: k entries and RowHeads' spare columns, zeroed here)
  // and its squared norm (sums of signed equal terms: no rounding noise to
  // tell apart). With heads, two adds per arc and no loop over the row of G.
  constexpr index_t kHeadAhead = 8;  // arcs: the head of a later arc's row is prefetched
  auto u1_row = [&](index_t i, Scalar* u) {
    std::fill(u, u + k + RowHeads<Scalar>::kSpare, Scalar(0));
    auto add = [&](std::int32_t c, Scalar v) { u[c] += v; };
    if (heads.built) {
      const auto* h = heads.heads.data();
      by_chunks(
          i,
          [&](index_t pa) {
            if (pa + kHeadAhead < nnz) __builtin_prefetch(h + A.indices[pa + kHeadAhead]);
            const auto hd = h[A.indices[pa]];
            const Scalar a = A.data[pa];
            // the same expression as G's entries take (u[c] + a * val, fused or not alike)
            u[RowHeads<Scalar>::column(hd, 0)] += a * RowHeads<Scalar>::signed_weight(hd, 0);
            u[RowHeads<Scalar>::column(hd, 1)] += a * RowHeads<Scalar>::signed_weight(hd, 1);
            return RowHeads<Scalar>::more(hd);
          },
          [&](index_t pa) { visit_tail(pa, add); });
    } else {
      for_each_u1_term(i, add);
    }
    const Scalar s1 = Scalar(scale * row_scale(i));
    for (index_t c = 0; c < k; ++c) u[c] *= s1;
    return sq_norm(u, k);
  };
  // The same row sparse, unscaled: acc[c] for the columns cols[0 .. m) in
  // the order first met, summed in the order u1_row sums them (acc and seen:
  // k entries, zero on entry; the caller zeroes them again).
  auto u1_entries = [&](index_t i, RowScratch<Scalar>& s, std::int32_t* cols) {
    Scalar* acc = s.acc.data();
    unsigned char* seen = s.seen.data();
    index_t m = 0;
    for_each_u1_term(i, [&](std::int32_t c, Scalar v) {
      if (!seen[c]) {
        seen[c] = 1;
        cols[m++] = c;
      }
      acc[c] += v;
    });
    return m;
  };
  // dst += w_1 N(U_1[i]): in O(arcs + entries) when rows of U_1 are sparse
  // (as where R is: on average deg * nnz(R) / n entries, under k / 8), by
  // dense passes otherwise (BlogCatalog: ~80 of 128; the sparse bookkeeping
  // measured 5-10% slower there). Bit-identical either way (sq_norm_sparse).
  const bool u1_sparse = 8.0 * (double(nnz) / double(n)) * (double(G.col_count) / double(n)) < double(k);
  auto add_u1_term = [&](index_t i, Scalar* dst, RowScratch<Scalar>& s) {
    if (!u1_sparse) {
      const double sq1 = u1_row(i, s.u.data());
      axpy(dst, Scalar(row_factor(w[0], std::sqrt(sq1), normalize)), s.u.data());
      return;
    }
    Scalar* acc = s.acc.data();
    std::int32_t* cols = s.cols.data();
    const index_t m = u1_entries(i, s, cols);
    const Scalar s1 = Scalar(scale * row_scale(i));
    std::sort(cols, cols + m);
    for (index_t t = 0; t < m; ++t) acc[cols[t]] *= s1;
    const Scalar f = Scalar(row_factor(w[0], std::sqrt(sq_norm_sparse(acc, cols, m, k)), normalize));
    for (index_t t = 0; t < m; ++t) {
      const auto c = cols[t];
      dst[c] += f * acc[c];
      acc[c] = Scalar(0);
      s.seen[std::size_t(c)] = 0;
    }
  };
  // e += the self term of node i
  auto add_self = [&](index_t i, Scalar* e) {
    if (opt.self_influence == 0.0) return;
    const double own = scale * degree_weight(row_sum(A, i), opt.beta);
    const auto r = G.row(i);
    const double f0 =
        row_factor(opt.self_influence, std::sqrt(double(r.end - r.begin)) * std::abs(own), normalize);
    const Scalar x = Scalar(f0 * scale);
    for (index_t t = r.begin; t < r.end; ++t) e[G.col.data()[t]] += x * G.val.data()[t];
  };
  // The signed norm of row i of M U (sq its squared norm, rs the row's
  // scale): the bound |rs| sum_j |A_ij| ||U[j]|| is only summed when the norm
  // is not clearly above the rounding error (max_src: the largest ||U[j]||).
  auto product_norm = [&](index_t i, double rs, double sq, double max_src, auto&& norm_of) {
    const double norm = std::sqrt(sq);
    const index_t terms = deg_of(i);
    const double quick = 2.0 * double(terms + 1) * eps * std::abs(rs) * abs_row(i) * max_src;
    if (norm > quick) return norm;
    double b = 0.0;
    for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa)
      b += std::abs(double(A.data[pa]) * norm_of(index_t(A.indices[pa])));
    return signed_norm<Scalar>(sq, std::abs(rs) * b, terms);
  };
  // Row y of a stored power: zeroed when its signed norm marks it as
  // rounding noise; returns the norm it keeps.
  auto settle = [&](Scalar* y, double signed_nrm) {
    if (signed_nrm >= 0.0) return signed_nrm;
    std::fill(y, y + k, Scalar(0));
    return 0.0;
  };
  // dst = M src (n x k panels), by whole rows or column strips; returns the
  // largest row norm of dst. max_src: the largest row norm of src.
  auto product = [&](const Scalar* src, Scalar* dst, double max_src) {
    auto norm_of = [&](index_t j) { return row_norm(src + j * k); };
    std::vector<double> bmax(static_cast<std::size_t>((n + kRows - 1) / kRows), 0.0);
    const index_t s = product_strip<Scalar>(n, k, opt.strip);
    if (s < k) {
      for (index_t c0 = 0; c0 < k; c0 += s) {
        const index_t wc = std::min(s, k - c0);
        parallel_blocks(n, kRows, [&](index_t, index_t lo, index_t hi) {
          for (index_t i = lo; i < hi; ++i)
            gather(A, nnz, i, src + c0, k, wc, Scalar(row_scale(i)), dst + i * k + c0);
        });
      }
    }
    parallel_blocks(n, kRows, [&](index_t b, index_t lo, index_t hi) {
      double m = 0.0;
      for (index_t i = lo; i < hi; ++i) {
        Scalar* y = dst + i * k;
        const double rs = row_scale(i);
        if (s == k) gather(A, nnz, i, src, k, k, Scalar(rs), y);
        m = std::max(m, settle(y, product_norm(i, rs, sq_norm(y, k), max_src, norm_of)));
      }
      bmax[std::size_t(b)] = m;
    });
    return max_of(bmax);
  };

  // The route of U_2: sparse when the copy of U_1 (bounded by the R entries
  // its rows sum) is at most an eighth of a panel (and its offsets fit 32
  // bits). The count stops once the bound is passed (it only grows): on
  // BlogCatalog that is after about a tenth of the rows.
  bool sparse = false;
  SparseRows<Scalar> U1;  // the sparse route's copy of U_1, kept until U_2 is made
  if (opt.two_hop != 0) {
    const double limit = opt.two_hop == 1 ? std::numeric_limits<double>::infinity()
                                          : double(n) * double(k) * double(sizeof(Scalar)) /
                                                (8.0 * double(sizeof(std::int32_t) + sizeof(Scalar)));
    RawBuffer<std::uint32_t> count{std::size_t(n)};
    std::uint32_t* cnt = count.data();
    std::atomic<std::uint64_t> total{0};
    parallel_blocks(n, 1024, [&](index_t, index_t lo, index_t hi) {
      if (double(total.load(std::memory_order_relaxed)) > limit) return;
      std::uint64_t sum = 0;
      for (index_t i = lo; i < hi; ++i) {
        index_t c = 0;
        for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa) {
          prefetch_rows(G, pa);
          const auto r = G.row(index_t(A.indices[pa]));
          c += r.end - r.begin;
        }
        cnt[i] = std::uint32_t(std::min(c, k));
        sum += cnt[i];
      }
      total.fetch_add(sum, std::memory_order_relaxed);
    });
    sparse = double(total.load()) <= limit && U1.build(n, cnt);
  }

  // U_1[i] from the copy (rows read in order).
  auto u1_copied = [&](index_t i, Scalar* u) {
    std::fill(u, u + k, Scalar(0));
    const auto r = U1.row(i);
    for (index_t t = r.begin; t < r.end; ++t) u[U1.col.data()[t]] += U1.val.data()[t];  // padding adds 0
    return sq_norm(u, k);
  };

  // The panels' pages: huge pages save TLB misses in the gathers, but their
  // first touch may compact memory (measured 2-4x slower on a busy VM).
  const bool huge = opt.huge_panels != 0;
#if defined(__linux__) && defined(MADV_NOHUGEPAGE)
  if (!huge) {  // E is not touched yet (an uninitialised numpy array)
    const auto lo = (reinterpret_cast<std::uintptr_t>(E) + 4095) & ~std::uintptr_t(4095);
    const auto hi = (reinterpret_cast<std::uintptr_t>(E + n * k)) & ~std::uintptr_t(4095);
    if (hi > lo) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_NOHUGEPAGE);
  }
#endif
  RawBuffer<Scalar> W;
  Scalar* X = nullptr;  // the panel that holds U_p
  double maxX = 0.0;    // its largest row norm
  int p = 0;
  const double w1 = w[0];
  std::vector<double> bmax(static_cast<std::size_t>((n + kRows - 1) / kRows), 0.0);

  if (sparse) {
    parallel_blocks(n, kRows, [&](index_t b, index_t lo, index_t hi) {
      RowScratch<Scalar> scratch(k);
      std::vector<Scalar>& acc = scratch.acc;
      std::vector<unsigned char>& seen = scratch.seen;
      double m = 0.0;
      std::int32_t* const ucol = U1.col.data();
      Scalar* const uval = U1.val.data();
      for (index_t i = lo; i < hi; ++i) {
        const auto own = U1.row(i);
        index_t out = own.begin + u1_entries(i, scratch, ucol + own.begin);
        const Scalar s1 = Scalar(scale * row_scale(i));
        double sq = 0.0;
        for (index_t t = own.begin; t < out; ++t) {
          const auto c = std::size_t(ucol[t]);
          const Scalar v = acc[c] * s1;
          uval[t] = v;
          sq += double(v) * double(v);
          acc[c] = Scalar(0);
          seen[c] = 0;
        }
        for (; out < own.end; ++out) {
          ucol[out] = 0;
          uval[out] = Scalar(0);
        }
        m = std::max(m, std::sqrt(sq));
      }
      bmax[std::size_t(b)] = m;
    });
    // G is kept for the self term, and for w_1's term in the last pass
    // (U_1[i] from G again: the copy is freed once U_2 is made).
    if (opt.self_influence == 0.0 && (w1 == 0.0 || q == 2)) {
      G.release();
      heads.release();
    }
    const double max1 = max_of(bmax);
    auto norm1 = [&](index_t j) {
      double sq = 0.0;
      const auto r = U1.row(j);
      for (index_t t = r.begin; t < r.end; ++t) sq += double(U1.val.data()[t]) * double(U1.val.data()[t]);
      return std::sqrt(sq);
    };
    // U_2[i] into v (k entries); returns its signed norm.
    auto u2_row = [&](index_t i, Scalar* v) {
      std::fill(v, v + k, Scalar(0));
      add_hop(i, U1, v);
      const double rs = row_scale(i);
      const Scalar r = Scalar(rs);
      for (index_t c = 0; c < k; ++c) v[c] *= r;
      return product_norm(i, rs, sq_norm(v, k), max1, norm1);
    };
    if (q == 2) {
      ColumnStats stats(n, k);
      parallel_blocks(n, stats.rows, [&](index_t b, index_t lo, index_t hi) {
        std::vector<Scalar> u(static_cast<std::size_t>(k));
        for (index_t i = lo; i < hi; ++i) {
          Scalar* e = E + i * k;
          const double sq1 = u1_copied(i, u.data());
          scal_to(e, Scalar(row_factor(w1, std::sqrt(sq1), normalize)), u.data());
          add_self(i, e);
          const double n2 = u2_row(i, u.data());
          axpy(e, Scalar(row_factor(w[1], n2, normalize)), u.data());
        }
        stats.add_block(b, E, lo, hi);
      });
      stats.standardize(E, n);
      return true;
    }
    W = RawBuffer<Scalar>(std::size_t(n) * std::size_t(k), huge, /*reused=*/true);
    X = W.data();
    parallel_blocks(n, kRows, [&](index_t b, index_t lo, index_t hi) {
      double m = 0.0;
      for (index_t i = lo; i < hi; ++i) m = std::max(m, settle(X + i * k, u2_row(i, X + i * k)));
      bmax[std::size_t(b)] = m;
    });
    maxX = max_of(bmax);
    U1.release();  // w_1's term takes U_1[i] from G
    p = 2;
  } else {
    W = RawBuffer<Scalar>(std::size_t(n) * std::size_t(k), huge, /*reused=*/true);
    // U_1 into W (q = 2) or into E, then W = M E.
    Scalar* U1d = q == 2 ? W.data() : E;
    parallel_blocks(n, kRows, [&](index_t b, index_t lo, index_t hi) {
      RowScratch<Scalar> s(k);
      double m = 0.0;
      for (index_t i = lo; i < hi; ++i) {
        m = std::max(m, std::sqrt(u1_row(i, s.u.data())));
        std::copy(s.u.data(), s.u.data() + k, U1d + i * k);
      }
      bmax[std::size_t(b)] = m;
    });
    X = U1d;
    maxX = max_of(bmax);
    p = 1;
    if (q > 2) {
      maxX = product(E, W.data(), maxX);
      X = W.data();
      p = 2;
    }
  }

  // The last product by rows: row i of M src into u; its signed norm.
  const double wq = w[std::size_t(q - 1)];
  auto last_row = [&](index_t i, const Scalar* src, double max_src, Scalar* u) {
    const double rs = row_scale(i);
    gather(A, nnz, i, src, k, k, Scalar(rs), u);
    return product_norm(i, rs, sq_norm(u, k), max_src, [&](index_t j) { return row_norm(src + j * k); });
  };
  // dst += [w_1 N(U_1[i])] + self + w_q N((M src)[i]), src holding U_{q-1}:
  // the terms of row i beside the powers kept in the panels.
  auto add_outer_terms = [&](index_t i, Scalar* dst, const Scalar* src, double max_src,
                             RowScratch<Scalar>& s) {
    if (p > 1 && w1 != 0.0) add_u1_term(i, dst, s);
    Scalar* u = s.u.data();
    add_self(i, dst);
    if (wq != 0.0) {
      const double nq = last_row(i, src, max_src, u);
      axpy(dst, Scalar(row_factor(wq, nq, normalize)), u);
    }
  };

  if (p == q - 1) {
    // X (= W) holds U_{q-1}; E is free: E[i] = self + [w_1 N(U_1)] + w_{q-1} N(X[i]) + w_q N((M X)[i]).
    const double wp = w[std::size_t(p - 1)];
    ColumnStats stats(n, k);
    parallel_blocks(n, stats.rows, [&](index_t b, index_t lo, index_t hi) {
      RowScratch<Scalar> scratch(k);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E + i * k;
        const Scalar* x = X + i * k;
        scal_to(e, Scalar(row_factor(wp, row_norm(x), normalize)), x);
        add_outer_terms(i, e, X, maxX, scratch);
      }
      stats.add_block(b, E, lo, hi);
    });
    W.release();
    stats.standardize(E, n);
  } else {
    // q = 4: E = U_3 = M W; then W[i] = self + w_1 N(U_1[i]) + w_2 N(W[i]) + w_4 N((M E)[i]);
    // then E[i] = W[i] + w_3 N(E[i]).
    const double max3 = product(X, E, maxX);
    parallel_blocks(n, kRows, [&](index_t, index_t lo, index_t hi) {
      RowScratch<Scalar> scratch(k);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* x = X + i * k;
        const Scalar f2 = Scalar(row_factor(w[1], row_norm(x), normalize));
        for (index_t c = 0; c < k; ++c) x[c] *= f2;
        add_outer_terms(i, x, E, max3, scratch);
      }
    });
    ColumnStats stats(n, k, X);  // in the rows of W this pass is done with
    parallel_blocks(n, stats.rows, [&](index_t b, index_t lo, index_t hi) {
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E + i * k;
        const Scalar f3 = Scalar(row_factor(w[2], row_norm(e), normalize));
        const Scalar* x = X + i * k;
        for (index_t c = 0; c < k; ++c) e[c] = x[c] + f3 * e[c];
      }
      stats.add_block(b, E, lo, hi);
    });
    stats.standardize(E, n);
    W.release();
  }
  return true;
}

}  // namespace detail

// The FastRP embedding of the graph with adjacency A (n x n) into E (n x dim,
// row-major, written in full; its prior content is ignored).
template <class Scalar, class Index>
void fastrp(const CsrView<Scalar, Index>& A, const FastRPOptions& opt, Scalar* E) {
  using detail::row_factor;
  using detail::sq_norm;
  const index_t n = A.rows;
  const index_t k = opt.dim;
  require(A.cols == n, "the adjacency matrix must be square");
  require(n >= 1, "the graph must have at least one node");
  require(k >= 1, "dim must be >= 1");
  require(!opt.weights.empty(), "weights must not be empty");
  const int q = int(opt.weights.size());
  const double density = opt.density > 0.0 ? opt.density : 1.0 / std::sqrt(double(n));
  const bool normalize = opt.normalize;
  const auto& w = opt.weights;
  const index_t nnz = A.nnz();
  constexpr index_t kRows = 256;  // rows per parallel block

  // The two-panel schedule, unless R has more entries than its 32-bit offsets hold.
  if (q >= 2 && q <= 4 && detail::fastrp_two_panels(A, opt, density, E)) return;
  SignPattern R = projection_pattern(n, k, density, opt.seed);

  // Row scales of M and degree weights of the rows of R (see transition_scale
  // and degree_weight), kept as n-vectors: the strip schedule looks them up
  // for neighbours.
  std::vector<double> row_scale(static_cast<std::size_t>(n)), feature_scale;
  if (opt.beta != 0.0) feature_scale.resize(std::size_t(n));
  parallel_for(
      n,
      [&](index_t i) {
        const double d = detail::row_sum(A, i);
        row_scale[std::size_t(i)] = detail::transition_scale(d, opt.transition);
        if (opt.beta != 0.0) feature_scale[std::size_t(i)] = detail::degree_weight(d, opt.beta);
      },
      4096);
  const double* rs = row_scale.data();
  const double* g = opt.beta != 0.0 ? feature_scale.data() : nullptr;

  // U_2 by two hops into R when that touches far fewer entries than a dense
  // product: cost sum_i sum_{j in N(i)} c_j, c_j = the arcs out of j and
  // the R entries they reach, against nnz(A) * dim / 16 (a dense product
  // moves 8 floats per instruction, a scattered add one).
  bool two_hop = false;
  if (q >= 2 && opt.two_hop != 0) {
    if (opt.two_hop == 1) {
      two_hop = true;
    } else {
      std::vector<index_t> reach(static_cast<std::size_t>(n));
      parallel_for(
          n,
          [&](index_t j) {
            index_t c = 0;
            for (index_t p = A.row_begin(j); p < A.row_end(j); ++p) {
              const auto l = std::size_t(A.indices[p]);
              c += R.indptr[l + 1] - R.indptr[l] + (A.row_end(index_t(l)) - A.row_begin(index_t(l)));
            }
            reach[std::size_t(j)] = c;
          },
          4096);
      constexpr index_t kBlock = 4096;
      std::vector<double> partial(std::size_t((n + kBlock - 1) / kBlock), 0.0);
      parallel_blocks(n, kBlock, [&](index_t b, index_t lo, index_t hi) {
        index_t c = 0;
        for (index_t p = A.row_begin(lo); p < A.row_end(hi - 1); ++p) c += reach[std::size_t(A.indices[p])];
        partial[std::size_t(b)] = double(c);
      });
      double cost = 0.0;
      for (double c : partial) cost += c;
      two_hop = 16.0 * cost < double(nnz) * double(k);
    }
  }

  // The work panel W (n x k) in column strips of width s, each strip an
  // n x s row-major block (the last one possibly narrower), plus one spare
  // block: a strip of M W is written into the spare, which then takes the
  // place of the strip it replaces. Row norms (signed) in nrm. Not needed when q == 1.
  const index_t s = detail::strip_width<Scalar>(k, opt.strip);
  const index_t strips = (k + s - 1) / s;
  const bool middle = (two_hop ? 2 : 1) < q - 1;  // any power computed by strips
  const index_t n_blocks = q >= 2 ? strips + (middle ? 1 : 0) : 0;
  detail::RawBuffer<Scalar> W(std::size_t(n * s * n_blocks));
  std::vector<Scalar*> blk(std::size_t(strips + 1), nullptr);
  for (index_t c = 0; c < n_blocks; ++c) blk[std::size_t(c)] = W.data() + c * n * s;
  auto strip_cols = [&](index_t c) { return std::min(s, k - c * s); };
  // Row i of W into / out of the strips.
  auto put_row = [&](index_t i, const Scalar* x) {
    for (index_t c = 0; c < strips; ++c)
      std::copy(x + c * s, x + c * s + strip_cols(c), blk[std::size_t(c)] + i * s);
  };
  std::vector<double> nrm(q >= 2 ? static_cast<std::size_t>(n) : 0);
  int p = 0;  // W holds U_p
  detail::ColumnStats stats(n, k);
  const bool first_is_final = q == 1;

  // 1. U_1 (and U_2 by two hops) by rows; E = self term + w_1 N(U_1).
  {
    const double scale = R.scale;
    const index_t block = first_is_final ? stats.rows : kRows;
    parallel_blocks(n, block, [&](index_t b, index_t lo, index_t hi) {
      std::vector<Scalar> u(static_cast<std::size_t>(k)), v(two_hop ? static_cast<std::size_t>(k) : 0);
      for (index_t i = lo; i < hi; ++i) {
        std::fill(u.begin(), u.end(), Scalar(0));
        for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa) {
          const auto j = std::size_t(A.indices[pa]);
          const Scalar x = Scalar(g ? double(A.data[pa]) * g[j] : double(A.data[pa]));
          for (index_t r = R.indptr[j]; r < R.indptr[j + 1]; ++r)
            u[std::size_t(R.indices[std::size_t(r)])] += R.signs[std::size_t(r)] > 0 ? x : -x;
        }
        const Scalar s1 = Scalar(scale * rs[i]);
        for (auto& x : u) x *= s1;
        const double sq1 = sq_norm(u.data(), k);
        Scalar* e = E + i * k;
        // U_1 enters E here unless it goes on in W (then it enters when W is consumed).
        const Scalar f1 = two_hop || q == 1 ? Scalar(row_factor(w[0], std::sqrt(sq1), normalize)) : Scalar(0);
        for (index_t c = 0; c < k; ++c) e[c] = f1 * u[std::size_t(c)];
        if (opt.self_influence != 0.0) {
          const double own = scale * (g ? g[i] : 1.0);
          const index_t cnt = R.indptr[std::size_t(i) + 1] - R.indptr[std::size_t(i)];
          const double f0 = row_factor(opt.self_influence, std::sqrt(double(cnt)) * std::abs(own), normalize);
          const Scalar x = Scalar(f0 * own);
          for (index_t r = R.indptr[std::size_t(i)]; r < R.indptr[std::size_t(i) + 1]; ++r)
            e[R.indices[std::size_t(r)]] += R.signs[std::size_t(r)] > 0 ? x : -x;
        }
        if (two_hop) {
          // U_2[i] = rs_i sum_j A_ij rs_j sum_l A_jl g_l R_l
          std::fill(v.begin(), v.end(), Scalar(0));
          double bound = 0.0;
          index_t terms = 0;
          for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa) {
            const auto j = index_t(A.indices[pa]);
            const double a = double(A.data[pa]) * rs[j];
            if (a == 0.0) continue;
            for (index_t pb = A.row_begin(j); pb < A.row_end(j); ++pb) {
              const auto l = std::size_t(A.indices[pb]);
              const Scalar x = Scalar(a * (g ? double(A.data[pb]) * g[l] : double(A.data[pb])));
              const index_t hits = R.indptr[l + 1] - R.indptr[l];
              bound += double(hits) * std::abs(double(x));
              terms += hits;
              for (index_t r = R.indptr[l]; r < R.indptr[l + 1]; ++r)
                v[std::size_t(R.indices[std::size_t(r)])] += R.signs[std::size_t(r)] > 0 ? x : -x;
            }
          }
          for (auto& x : v) x *= s1;
          put_row(i, v.data());
          nrm[std::size_t(i)] =
              detail::signed_norm<Scalar>(sq_norm(v.data(), k), std::abs(double(s1)) * bound, terms);
        } else if (q >= 2) {
          put_row(i, u.data());
          nrm[std::size_t(i)] = std::sqrt(sq1);  // sums of signed equal terms: exact zeros
        }
      }
      if (first_is_final) stats.add_block(b, E, lo, hi);
    });
    p = two_hop ? 2 : 1;
  }
  R = SignPattern();  // its memory back before the strips

  if (q >= 2) {
    // 2. Middle powers: E += f_p W by rows, then W <- M W strip by strip.
    std::vector<double> nsq_next(p < q - 1 ? static_cast<std::size_t>(n) : 0);
    std::vector<double> bound(p < q - 1 ? static_cast<std::size_t>(n) : 0);
    for (; p < q - 1; ++p) {
      const double wp = w[std::size_t(p - 1)];
      parallel_blocks(n, kRows, [&](index_t, index_t lo, index_t hi) {
        for (index_t i = lo; i < hi; ++i) {
          nsq_next[std::size_t(i)] = 0.0;
          if (wp == 0.0) continue;
          const Scalar f = Scalar(row_factor(wp, nrm[std::size_t(i)], normalize));
          Scalar* e = E + i * k;
          for (index_t c = 0; c < strips; ++c) {
            const Scalar* x = blk[std::size_t(c)] + i * s;
            Scalar* y = e + c * s;
            for (index_t t = 0, wc = strip_cols(c); t < wc; ++t) y[t] += f * x[t];
          }
        }
      });
      for (index_t c = 0; c < strips; ++c) {
        const index_t wc = strip_cols(c);
        const Scalar* src = blk[std::size_t(c)];
        Scalar* dst = blk[std::size_t(strips)];
        parallel_blocks(n, kRows, [&](index_t, index_t lo, index_t hi) {
          for (index_t i = lo; i < hi; ++i) {
            detail::gather(A, nnz, i, src, s, wc, Scalar(rs[i]), dst + i * s);
            nsq_next[std::size_t(i)] += sq_norm(dst + i * s, wc);
            if (c == 0) {  // |rs_i| sum_j |A_ij| ||U_p[j]||: bounds ||U_{p+1}[i]||
              double b = 0.0;
              for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa)
                b += std::abs(double(A.data[pa]) * nrm[std::size_t(A.indices[pa])]);
              bound[std::size_t(i)] = std::abs(rs[i]) * b;
            }
          }
        });
        std::swap(blk[std::size_t(c)], blk[std::size_t(strips)]);
      }
      parallel_for(
          n,
          [&](index_t i) {
            nsq_next[std::size_t(i)] = detail::signed_norm<Scalar>(
                nsq_next[std::size_t(i)], bound[std::size_t(i)], A.row_end(i) - A.row_begin(i));
          },
          4096);
      std::swap(nrm, nsq_next);  // now the signed norms of U_{p+1}
    }
    // 3. The last power by rows (u never stored), or only the last
    //    accumulation when U_q is already in W; column statistics per block.
    const double wl = w[std::size_t(p - 1)];  // weight of U_p, in W
    const bool product = p < q && w[std::size_t(q - 1)] != 0.0;
    const double wq = w[std::size_t(q - 1)];
    parallel_blocks(n, stats.rows, [&](index_t b, index_t lo, index_t hi) {
      std::vector<Scalar> u(product ? static_cast<std::size_t>(k) : 0);
      for (index_t i = lo; i < hi; ++i) {
        Scalar* e = E + i * k;
        if (wl != 0.0) {
          const Scalar f = Scalar(row_factor(wl, nrm[std::size_t(i)], normalize));
          for (index_t c = 0; c < strips; ++c) {
            const Scalar* x = blk[std::size_t(c)] + i * s;
            Scalar* y = e + c * s;
            for (index_t t = 0, wc = strip_cols(c); t < wc; ++t) y[t] += f * x[t];
          }
        }
        if (product) {
          for (index_t c = 0; c < strips; ++c)
            detail::gather(A, nnz, i, blk[std::size_t(c)], s, strip_cols(c), Scalar(rs[i]), u.data() + c * s);
          double b = 0.0;
          for (index_t pa = A.row_begin(i); pa < A.row_end(i); ++pa)
            b += std::abs(double(A.data[pa]) * nrm[std::size_t(A.indices[pa])]);
          const double norm = detail::signed_norm<Scalar>(sq_norm(u.data(), k), std::abs(rs[i]) * b,
                                                          A.row_end(i) - A.row_begin(i));
          const Scalar f = Scalar(row_factor(wq, norm, normalize));
          for (index_t c = 0; c < k; ++c) e[c] += f * u[std::size_t(c)];
        }
      }
      stats.add_block(b, E, lo, hi);
    });
  }
  W.release();
  stats.standardize(E, n);
}

}  // namespace lralg
