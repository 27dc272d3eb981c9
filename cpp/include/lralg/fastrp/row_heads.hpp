// Row heads: the first two entries of each row of G in a fixed-size record,
// so that the rows of U_1 are summed without a loop over each row of G; and
// the per-block scratch of the passes that form rows of U_1.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "lralg/buffer.hpp"
#include "lralg/common.hpp"
#include "lralg/fastrp/sparse_rows.hpp"

namespace lralg {
namespace detail {

// G's rows as U_1's rows use them: U_1[i] sums, for each arc i -> j, the
// entries of row j of G, about deg(i) * nnz(G) / n of them. Where most rows
// of G have entries (small graphs), a loop over each row's entries runs a
// different, unpredictable number of times per arc, and its branch
// mispredictions dominate the cost of U_1. So every row keeps its first two
// entries in a fixed 8-byte head
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

}  // namespace detail
}  // namespace lralg
