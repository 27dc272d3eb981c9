// The succinct row index: a compact CSR of Scalar rows with 32-bit offsets
// (G = diag(deg^beta) R and the copy of U_1 of the two-panel schedule).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "lralg/buffer.hpp"
#include "lralg/common.hpp"

namespace lralg {
namespace detail {

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
// up to their bound), with 32-bit offsets. When most rows are empty (G on
// large graphs, where R has dim / sqrt(n) entries a row), the row index is
// succinct: a bit per row that says whether it has entries, a count per 64
// rows, and offsets for the rows with entries only: a fraction of a plain
// offset per row, small enough for the cache. When most rows have entries,
// the plain offset per row is about as small and its lookups are cheaper.
// Rows looked up at random (by the neighbours of each node) live in
// huge-page buffers: an n-vector on 4 KiB pages spans so many pages that
// every lookup would miss the TLB.
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

}  // namespace detail
}  // namespace lralg
