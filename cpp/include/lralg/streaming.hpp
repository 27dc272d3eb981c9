// Streaming top eigenvector of A^T A from the rows of A, read once.
//
// Three methods share one state object:
//
//  * RandomOrder: the block power method for rows that arrive in uniformly
//    random order (Kacham and Woodruff, NeurIPS 2024, arXiv 2412.11963).
//    Rows whose squared norm is at least ||A||_F^2 / (d * polylog d) are
//    "heavy" and are stored exactly. The stream positions [0, n) are cut into
//    P consecutive blocks; because the order is random, the light rows of
//    block p are a uniform sample of the light rows of A, so
//    (n / |block p|) * L_p^T L_p is an unbiased, concentrated estimate of
//    L^T L. One power step is taken per block:
//        z_p = normalise( (n / |block p|) L_p^T L_p z_{p-1} + H^T H z_{p-1} ),
//    with H the heavy rows stored so far and z_0 a Gaussian vector. The
//    light rows are never stored: each contributes <a, z> a to the running
//    product. ||A||_F^2 is estimated on the fly at row i as the exact mass of
//    rows 1..i plus (n - i) times the mean squared norm of the light rows
//    seen so far (in a random-order stream the light part is unbiased; the
//    heavy rows are few and are not extrapolated). Memory: O(d) plus the h
//    heavy rows, O(h d). This reconstructs the paper's outline (heavy rows
//    kept, a block power method over random-order blocks) from its abstract
//    and summaries: the body, with its algorithm numbers and constants, could
//    not be read, so the block count and the polylog factor are our choices
//    (default_power_blocks, default_heavy_factor), not the paper's.
//    A stream of unknown length (n_rows = 0) is cut into blocks of growing
//    length (kFirstBlock rows, then a quarter of the rows seen so far), each
//    step scaled to the prefix read so far (n replaced by the rows seen: the
//    prefix of a random-order stream is a uniform sample of it), and
//    ||A||_F^2 estimated by the mass seen; rows kept as heavy that fall below
//    the threshold as that mass grows are dropped at block ends (the light
//    estimate of later blocks stands for them), so the heavy rows stay those of
//    the stream read so far. When every row seen is kept, H^T H is A^T A and
//    the result is its exact top eigenvector.
//  * Oja: Oja's rule with a fixed learning rate (the arbitrary-order
//    algorithm analysed by Price and Xun, arXiv 2408.10332):
//        z <- z + eta <a, z> a, renormalised when its norm grows.
//    Memory O(d). eta is given by the caller (the Python layer's default is
//    2 ln(d) / lambda_1).
//  * Exact: accumulates A^T A (d x d, double) and takes its top eigenvector
//    at the end: the in-memory reference, O(d^2) memory.
//
// Rows come from a dense block (row- or column-major) or a CSR block
// (CsrView), both read in place through the same update code (DenseRows,
// CsrRows). All accumulation is in double whatever the input type. Updates are
// deterministic for a given seed: the parallel reductions use a partition
// fixed by the block size, never by the thread count.
#pragma once

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "lralg/common.hpp"
#include "lralg/random.hpp"
#include "lralg/sparse.hpp"
#include "lralg/stream_rows.hpp"

namespace lralg {

enum class EigMethod { RandomOrder = 0, Oja = 1, Exact = 2 };

struct StreamingEigOptions {
  EigMethod method = EigMethod::RandomOrder;
  index_t n_features = 0;
  index_t n_rows = 0;          // stream length n (0 = unknown)
  index_t n_blocks = 0;        // random-order: number of power-iteration blocks P
  double heavy_factor = 0.0;   // random-order: row heavy iff ||a||^2 >= ||A||_F^2 / (d * factor)
  double learning_rate = 0.0;  // oja: eta (> 0)
  std::uint64_t seed = 0;
};

// The default number of blocks (power steps): as many as leave about 8d rows
// per block, and at least ceil(log2 d) + 2 (the steps the power method needs
// from a random start), each block holding at least 64 rows where n allows.
// Chosen by measurement (bench/streaming.py): with a small gap and heavy rows
// more, noisier steps do better (convergence limits); with a flat spectrum
// below sigma_1 fewer, larger blocks do (the last block's noise limits).
inline index_t default_power_blocks(index_t n_features, index_t n_rows) {
  const index_t d = std::max<index_t>(n_features, 2);
  const index_t steps = std::max(index_t(std::ceil(std::log2(double(d)))) + 2, n_rows / (8 * d));
  const index_t cap = std::max<index_t>(1, n_rows / 64);
  return std::max<index_t>(1, std::min(steps, cap));
}

// The default polylog(d) of the heavy threshold: max(1, log2 d).
inline double default_heavy_factor(index_t n_features) {
  return std::max(1.0, std::log2(double(std::max<index_t>(n_features, 1))));
}

// The first pass over rows [lo, hi) of a random-order segment: norms[r - lo] = ||a_r||^2 and,
// per chunk c of `chunk` rows, partial[c d ..] (zeroed by the caller) = the sum of <a_r, z> a_r
// over the chunk's rows in order, as if every row were light. Chunks run in parallel, each
// summed in a fixed order. Found by argument-dependent lookup, so that a rows type of the CUDA
// backend brings its own (the same sums on the device).
template <class Rows>
void segment_sums(const Rows& X, index_t lo, index_t hi, index_t chunk, const double* z, double* partial,
                  double* norms) {
  const index_t d = X.cols, n_chunks = (hi - lo + chunk - 1) / chunk;
  parallel_blocks(n_chunks, 1, [&](index_t c, index_t, index_t) {
    double* out = partial + c * d;
    const index_t c_lo = lo + c * chunk, c_hi = std::min(hi, c_lo + chunk);
    for (index_t r = c_lo; r < c_hi; ++r) {
      double s = 0.0, nn = 0.0;
      X.dot_norm(r, z, s, nn);
      X.add_scaled(r, s, out);
      norms[r - lo] = nn;
    }
  });
}

class StreamingTopEig {
  static constexpr const char* kTooLarge =
      "the rows are too large: their squared norms overflow float64; scale them";

 public:
  explicit StreamingTopEig(const StreamingEigOptions& opt) : opt_(opt) {
    require(opt.n_features >= 1, "n_features must be >= 1");
    const index_t d = opt.n_features;
    if (opt.method == EigMethod::RandomOrder) {
      require(opt.n_rows >= 0, "n_rows must be >= 0 (0: unknown)");
      require(opt.n_rows > 0 || opt.n_blocks <= 0, "n_blocks needs n_rows (the stream length)");
      if (opt.n_rows > 0 && opt_.n_blocks <= 0) opt_.n_blocks = default_power_blocks(d, opt.n_rows);
      require(opt.n_rows == 0 || opt_.n_blocks <= opt.n_rows, "n_blocks must be <= n_rows");
      if (opt_.heavy_factor <= 0.0) opt_.heavy_factor = default_heavy_factor(d);
    } else if (opt.method == EigMethod::Oja) {
      require(opt.learning_rate > 0.0 && std::isfinite(opt.learning_rate),
              "learning_rate must be a finite number > 0");
    }
    if (opt.method == EigMethod::Exact) {
      gram_ = Eigen::MatrixXd::Zero(d, d);
    } else {
      // z_0: a Gaussian vector drawn from the counter-based generator.
      const CounterRng rng(opt.seed);
      z_.resize(d);
      for (index_t j = 0; j < d; j += 2) {
        const auto g = rng.normal_pair(0, std::uint64_t(j / 2));
        z_[j] = g[0];
        if (j + 1 < d) z_[j + 1] = g[1];
      }
      z_ /= z_.norm();
      acc_ = Eigen::VectorXd::Zero(d);
    }
  }

  const StreamingEigOptions& options() const { return opt_; }
  index_t n_features() const { return opt_.n_features; }
  index_t rows_seen() const { return rows_seen_; }
  index_t n_heavy() const { return index_t(heavy_.size()) / opt_.n_features; }
  index_t blocks_done() const { return block_; }
  double frobenius_sq() const { return sumsq_; }

  // Bytes of state held across updates (vectors, heavy rows, Gram matrix);
  // the scratch buffers of one update scale with that block's rows, not n.
  std::int64_t memory_bytes() const {
    const std::int64_t d = opt_.n_features;
    std::int64_t bytes = std::int64_t(z_.size() + acc_.size()) * 8;
    bytes += std::int64_t(heavy_.capacity()) * 8;
    bytes += std::int64_t(gram_.size()) * 8;
    (void)d;
    return bytes;
  }

  // Feeds rows X (rows x d, row- or column-major). The caller has checked
  // that every value is finite; the shape is checked here before any state
  // changes, so a refused block leaves the stream as it was.
  template <class Scalar>
  void update(const Scalar* X, index_t rows, index_t cols, bool row_major) {
    update_rows(DenseRows<Scalar>{X, rows, cols, row_major});
  }

  // Feeds the rows of a CSR block (validated by the caller: csr_view), read
  // in place; never densified.
  template <class Scalar, class Index>
  void update_csr(const CsrView<Scalar, Index>& X) {
    update_rows(CsrRows<Scalar, Index>(X));
  }

  // Feeds the rows of any rows type (DenseRows, CsrRows, or the CUDA backend's, which run the
  // random-order block products on the device; lralg/stream_rows.hpp).
  template <class Rows>
  void update_rows(const Rows& X) {
    const index_t rows = X.rows, cols = X.cols;
    require(cols == opt_.n_features, "block has " + std::to_string(cols) + " columns, the stream has " +
                                         std::to_string(opt_.n_features));
    require(rows >= 1, "block has no rows");
    if (opt_.method == EigMethod::RandomOrder && opt_.n_rows > 0)
      require(rows_seen_ + rows <= opt_.n_rows,
              "the stream was declared with n_rows=" + std::to_string(opt_.n_rows) +
                  " but this block brings it to " + std::to_string(rows_seen_ + rows) + " rows");
    switch (opt_.method) {
      case EigMethod::Exact:
        update_exact(X);
        break;
      case EigMethod::Oja: {
        // Oja can refuse mid-block (overflow): keep the state to restore it.
        const Eigen::VectorXd z = z_;
        const double sumsq = sumsq_, value_sum = value_sum_;
        try {
          update_oja(X);
        } catch (...) {
          z_ = z;
          sumsq_ = sumsq;
          value_sum_ = value_sum;
          throw;
        }
        break;
      }
      case EigMethod::RandomOrder: {
        // A block may span power steps; refusing it (overflow) restores every counter.
        const Eigen::VectorXd z = z_, acc = acc_;
        // Only a stream of unknown length drops kept rows: copy them only then.
        const std::size_t heavy_size = heavy_.size();
        const std::vector<double> heavy = opt_.n_rows == 0 ? heavy_ : std::vector<double>();
        const index_t rows_seen = rows_seen_, block = block_, in_block = in_block_,
                      light_count = light_count_, block_start = block_start_, dropped = dropped_;
        const double sumsq = sumsq_, light_mass = light_mass_, last_value = last_value_;
        try {
          update_random_order(X);
        } catch (...) {
          z_ = z;
          acc_ = acc;
          if (opt_.n_rows == 0)
            heavy_ = heavy;
          else
            heavy_.resize(heavy_size);
          block_start_ = block_start;
          dropped_ = dropped;
          rows_seen_ = rows_seen;
          block_ = block;
          in_block_ = in_block;
          light_count_ = light_count;
          sumsq_ = sumsq;
          light_mass_ = light_mass;
          last_value_ = last_value;
          throw;
        }
        break;
      }
    }
  }

  // The current estimate of v_1 (unit norm, largest |entry| positive) and of
  // lambda_1 = sigma_1^2. Throws when no row or only zero rows were seen.
  void result(Eigen::VectorXd& vector, double& value) const {
    require(rows_seen_ > 0, "no rows were seen: the stream is empty");
    require(sumsq_ > 0.0, "every row seen is zero: A^T A = 0 has no top eigenvector");
    const index_t d = opt_.n_features;
    if (opt_.method == EigMethod::Exact) {
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram_);
      require(eig.info() == Eigen::Success, "eigendecomposition of A^T A failed");
      vector = eig.eigenvectors().col(d - 1);
      value = eig.eigenvalues()(d - 1);
    } else if (opt_.method == EigMethod::Oja) {
      vector = z_ / z_.norm();
      value = value_sum_;
    } else if (light_mass_ == 0.0 && dropped_ == 0) {
      exact_heavy_eigenvector(vector, value);
    } else {
      if (in_block_ > 0) {
        // The power step of the block under way, from the rows seen so far.
        Eigen::VectorXd step = acc_ * (double(stream_length()) / double(in_block_));
        add_heavy_product(z_, step);
        const double norm = step.norm();
        vector = norm > 0.0 ? Eigen::VectorXd(step / norm) : z_;
        value = z_.dot(step);
      } else {
        vector = z_;
        value = last_value_;
      }
    }
    fix_sign(vector);
  }

 private:
  // Rows of the first block of a stream of unknown length; later blocks hold
  // a quarter of the rows seen before them (at least this many).
  static constexpr index_t kFirstBlock = 64;

  // n, or the rows seen so far when n is unknown.
  index_t stream_length() const { return opt_.n_rows > 0 ? opt_.n_rows : rows_seen_; }
  // First position after the block under way.
  index_t current_block_end() const {
    if (opt_.n_rows == 0) return block_start_ + std::max(kFirstBlock, block_start_ / 4);
    return index_t((__int128)(block_ + 1) * opt_.n_rows / opt_.n_blocks);
  }

  // Every row seen was kept: the top eigenpair of H^T H (= A^T A) from the
  // smaller of the Gram matrices H H^T (h x h) and H^T H (d x d).
  void exact_heavy_eigenvector(Eigen::VectorXd& vector, double& value) const {
    const index_t d = opt_.n_features, h = n_heavy();
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> H(heavy_.data(),
                                                                                               h, d);
    Eigen::MatrixXd G = h <= d ? Eigen::MatrixXd(H * H.transpose()) : Eigen::MatrixXd(H.transpose() * H);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(G);
    require(eig.info() == Eigen::Success, "eigendecomposition of the kept rows failed");
    const Eigen::Index top = G.rows() - 1;
    value = eig.eigenvalues()(top);
    vector =
        h <= d ? Eigen::VectorXd(H.transpose() * eig.eigenvectors().col(top)) : eig.eigenvectors().col(top);
    vector /= vector.norm();
  }

  static void fix_sign(Eigen::VectorXd& v) {
    Eigen::Index k = 0;
    v.cwiseAbs().maxCoeff(&k);
    if (v[k] < 0) v = -v;
  }

  // out += H^T H z for the heavy rows stored so far.
  void add_heavy_product(const Eigen::VectorXd& z, Eigen::VectorXd& out) const {
    const index_t d = opt_.n_features;
    const index_t h = n_heavy();
    for (index_t k = 0; k < h; ++k) {
      Eigen::Map<const Eigen::VectorXd> a(heavy_.data() + k * d, d);
      out.noalias() += a.dot(z) * a;
    }
  }

  template <class Rows>
  void update_exact(const Rows& X) {
    if constexpr (Rows::is_dense) {
      using Scalar = std::remove_cv_t<std::remove_pointer_t<decltype(X.X)>>;
      using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
      using RowMat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      Eigen::MatrixXd block;
      if (X.row_major)
        block = Eigen::Map<const RowMat>(X.X, X.rows, X.cols).template cast<double>();
      else
        block = Eigen::Map<const Mat>(X.X, X.rows, X.cols).template cast<double>();
      const double mass = block.squaredNorm();
      require(std::isfinite(sumsq_ + mass), kTooLarge);
      gram_.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
      gram_.triangularView<Eigen::StrictlyUpper>() = gram_.transpose();
      sumsq_ += mass;
    } else {
      // Sparse rows: each row adds the outer product of its non-zeros, O(nnz_row^2).
      const auto& V = X.X;
      double mass = sumsq_;
      for (index_t p = 0; p < V.nnz(); ++p) mass += double(V.data[p]) * double(V.data[p]);
      require(std::isfinite(mass), kTooLarge);
      for (index_t r = 0; r < X.rows; ++r) {
        for (index_t p = V.row_begin(r); p < V.row_end(r); ++p) {
          const double x = double(V.data[p]);
          sumsq_ += x * x;
          for (index_t q = V.row_begin(r); q < V.row_end(r); ++q)
            gram_(index_t(V.indices[p]), index_t(V.indices[q])) += x * double(V.data[q]);
        }
      }
    }
    rows_seen_ += X.rows;
  }

  template <class Rows>
  void update_oja(const Rows& X) {
    const double eta = opt_.learning_rate;
    double znorm2 = z_.squaredNorm();
    for (index_t i = 0; i < X.rows; ++i) {
      double s = 0.0, aa = 0.0;
      X.dot_norm(i, z_.data(), s, aa);
      sumsq_ += aa;
      value_sum_ += s * s / znorm2;
      const double step = eta * s;
      X.add_scaled(i, step, z_.data());
      znorm2 += 2.0 * step * s + step * step * aa;
      if (znorm2 > 1e100 || znorm2 < 1e-100) {
        znorm2 = z_.squaredNorm();
        require(znorm2 > 0.0 && std::isfinite(znorm2),
                "Oja iterate over- or underflowed; lower learning_rate");
        z_ /= std::sqrt(znorm2);
        znorm2 = 1.0;
      }
    }
    const double norm = z_.norm();
    require(norm > 0.0 && std::isfinite(norm), "Oja iterate over- or underflowed; lower learning_rate");
    require(std::isfinite(sumsq_) && std::isfinite(value_sum_), kTooLarge);
    z_ /= norm;
    rows_seen_ += X.rows;
  }

  template <class Rows>
  void update_random_order(const Rows& X) {
    // Split the block at power-step boundaries: z changes between segments.
    index_t i = 0;
    while (i < X.rows) {
      const index_t end = current_block_end();
      const index_t stop = std::min(X.rows, i + (end - rows_seen_));
      process_segment(X, i, stop);
      in_block_ += stop - i;
      rows_seen_ += stop - i;
      i = stop;
      if (rows_seen_ == end) finish_block();
    }
  }

  // One pass over rows [lo, hi) of a segment: squared norms, and <a, z> a
  // summed per chunk of kChunk rows as if every row were light; then the rows
  // are classified in stream order, and the few chunks holding a heavy row
  // are summed again without it. Chunks are reduced in order: deterministic.
  template <class Rows>
  void process_segment(const Rows& X, index_t lo, index_t hi) {
    constexpr index_t kChunk = 256;
    const index_t d = opt_.n_features;
    const index_t m = hi - lo;
    const index_t n_chunks = (m + kChunk - 1) / kChunk;
    scratch_.resize(std::size_t(m));
    partial_.assign(std::size_t(n_chunks * d), 0.0);
    segment_sums(X, lo, hi, kChunk, z_.data(), partial_.data(), scratch_.data());
    {
      double mass = sumsq_;
      for (index_t k = 0; k < m; ++k) mass += scratch_[std::size_t(k)];
      require(std::isfinite(mass), kTooLarge);
    }
    // Classify in stream order with the running estimate of ||A||_F^2.
    std::vector<char> heavy(std::size_t(m), 0);
    std::vector<index_t> dirty;
    for (index_t k = 0; k < m; ++k) {
      const double s = scratch_[std::size_t(k)];
      sumsq_ += s;
      const index_t pos = rows_seen_ + k + 1;
      // ||A||_F^2 estimate: the rows seen, exactly, plus the unseen rows at the
      // mean squared norm of the light rows seen (heavy rows are not
      // extrapolated, so one early heavy row does not inflate the estimate).
      const double mean_light = light_count_ > 0 ? light_mass_ / double(light_count_) : s;
      const double frob = opt_.n_rows > 0 ? sumsq_ + double(opt_.n_rows - pos) * mean_light : sumsq_;
      if (s > 0.0 && s * double(d) * opt_.heavy_factor >= frob) {
        heavy[std::size_t(k)] = 1;
        const std::size_t base = heavy_.size();
        heavy_.resize(base + std::size_t(d));
        X.copy(lo + k, heavy_.data() + base);
        if (dirty.empty() || dirty.back() != k / kChunk) dirty.push_back(k / kChunk);
      } else {
        light_mass_ += s;
        ++light_count_;
      }
    }
    // The chunks holding a heavy row, summed again (on the host) without it.
    for (index_t c : dirty) {
      double* out = partial_.data() + c * d;
      std::fill(out, out + d, 0.0);
      const index_t c_lo = lo + c * kChunk, c_hi = std::min(hi, c_lo + kChunk);
      for (index_t r = c_lo; r < c_hi; ++r) {
        if (heavy[std::size_t(r - lo)]) continue;
        double s = 0.0, nn = 0.0;
        X.dot_norm(r, z_.data(), s, nn);
        X.add_scaled(r, s, out);
      }
    }
    for (index_t c = 0; c < n_chunks; ++c)
      acc_ += Eigen::Map<const Eigen::VectorXd>(partial_.data() + c * d, d);
  }

  void finish_block() {
    Eigen::VectorXd step = acc_ * (double(stream_length()) / double(in_block_));
    add_heavy_product(z_, step);
    const double norm = step.norm();
    require(std::isfinite(norm), kTooLarge);
    last_value_ = z_.dot(step);
    if (norm > 0.0) z_ = step / norm;  // a block of zero rows leaves z as it was
    acc_.setZero();
    in_block_ = 0;
    ++block_;
    block_start_ = rows_seen_;
    if (opt_.n_rows == 0) drop_light_heavy_rows();
  }

  // Unknown n: drops the kept rows now below the heavy threshold of the mass seen.
  void drop_light_heavy_rows() {
    const index_t d = opt_.n_features, h = n_heavy();
    const double threshold = sumsq_ / (double(d) * opt_.heavy_factor);
    index_t kept = 0;
    for (index_t k = 0; k < h; ++k) {
      const double* a = heavy_.data() + k * d;
      double mass = 0.0;
      for (index_t j = 0; j < d; ++j) mass += a[j] * a[j];
      if (mass >= threshold) {
        if (kept != k) std::copy(a, a + d, heavy_.data() + kept * d);
        ++kept;
      } else {
        ++dropped_;
      }
    }
    if (kept < h) {
      heavy_.resize(std::size_t(kept * d));
      heavy_.shrink_to_fit();
    }
  }

  StreamingEigOptions opt_;
  Eigen::VectorXd z_, acc_;
  Eigen::MatrixXd gram_;
  std::vector<double> heavy_;    // h x d, row-major
  std::vector<double> scratch_;  // squared norms of the block under way
  std::vector<double> partial_;  // per-chunk partial sums
  index_t rows_seen_ = 0;
  index_t block_ = 0;
  index_t in_block_ = 0;
  index_t block_start_ = 0;  // rows seen when the block under way began
  index_t dropped_ = 0;      // unknown n: kept rows dropped as the mass seen grew
  double sumsq_ = 0.0;
  double light_mass_ = 0.0;
  index_t light_count_ = 0;
  double value_sum_ = 0.0;
  double last_value_ = 0.0;
};

}  // namespace lralg
