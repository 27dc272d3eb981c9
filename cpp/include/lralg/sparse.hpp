// Non-owning views of sparse matrices held by the caller (scipy.sparse arrays
// on the Python side). Index is the caller's index type (int32 or int64).
#pragma once

#include "lralg/common.hpp"

namespace lralg {

// Compressed sparse rows: the entries of row i are data[indptr[i] .. indptr[i+1]),
// in columns indices[...]. Read as compressed columns by swapping rows/cols.
template <class Scalar, class Index>
struct CsrView {
  index_t rows = 0;
  index_t cols = 0;
  const Index* indptr = nullptr;   // rows + 1 entries
  const Index* indices = nullptr;  // nnz entries
  const Scalar* data = nullptr;    // nnz entries

  index_t nnz() const { return rows > 0 ? index_t(indptr[rows]) : 0; }
  index_t row_begin(index_t i) const { return index_t(indptr[i]); }
  index_t row_end(index_t i) const { return index_t(indptr[i + 1]); }

  // Structural checks: a malformed matrix must raise, never read out of bounds.
  void validate(const char* name) const {
    const std::string n(name);
    require(rows >= 0 && cols >= 0, n + ": negative shape");
    if (rows == 0) return;
    require(indptr[0] == 0, n + ": indptr must start at 0");
    // Scan first, build the message only on failure (no string per entry);
    // no early exit, so that the scans vectorise (they run with the GIL held,
    // before the call releases it).
    bool unsorted = false;
    for (index_t i = 0; i < rows; ++i) unsorted |= indptr[i] > indptr[i + 1];
    require(!unsorted, n + ": indptr must be non-decreasing");
    const index_t total = nnz();
    bool out_of_range = false;
    for (index_t p = 0; p < total; ++p) out_of_range |= (indices[p] < 0) | (index_t(indices[p]) >= cols);
    require(!out_of_range, n + ": column index out of range");
  }
};

// Coordinate format: entry p is (row[p], col[p], data[p]).
template <class Scalar, class Index>
struct CooView {
  index_t rows = 0;
  index_t cols = 0;
  index_t nnz = 0;
  const Index* row = nullptr;
  const Index* col = nullptr;
  const Scalar* data = nullptr;

  void validate(const char* name) const {
    const std::string n(name);
    require(rows >= 0 && cols >= 0 && nnz >= 0, n + ": negative shape");
    bool rows_ok = true, cols_ok = true;
    for (index_t p = 0; p < nnz; ++p) {
      rows_ok = rows_ok && row[p] >= 0 && index_t(row[p]) < rows;
      cols_ok = cols_ok && col[p] >= 0 && index_t(col[p]) < cols;
    }
    require(rows_ok, n + ": row index out of range");
    require(cols_ok, n + ": column index out of range");
  }
};

}  // namespace lralg
