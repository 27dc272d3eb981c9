// Gathers of the sparse times dense products: a row of A times a panel
// (or a column strip of one), in register-sized packs with the rows of
// later arcs prefetched.
#pragma once

#include <algorithm>
#include <cstring>

#include "lralg/common.hpp"
#include "lralg/sparse.hpp"

namespace lralg {
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

}  // namespace detail
}  // namespace lralg
