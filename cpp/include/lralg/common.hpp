// Shared vocabulary of the core: index type, error types and the one parallel loop.
#pragma once

#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>

namespace lralg {

using index_t = std::int64_t;

// A bad value or shape. The bindings raise it as ValueError.
struct value_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A bad type. The bindings raise it as TypeError.
struct type_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void require(bool condition, const std::string& message) {
  if (!condition) throw value_error(message);
}

// Thread count used by every parallel region of the core (src/threads.cpp).
int num_threads();
int max_threads();  // the most set_num_threads accepts: 8 per core, at least 64
void set_num_threads(int n);
bool openmp_enabled();

namespace detail {
// The first exception thrown inside a parallel region, rethrown after it:
// exceptions must not cross an OpenMP boundary.
class ExceptionSlot {
 public:
  template <class F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
};
}  // namespace detail

// Calls body(block, lo, hi) for the fixed partition of [0, n) into blocks of
// `block_size`, in parallel. The partition does not depend on the thread
// count, so per-block partial results reduced in block order are
// deterministic whatever the number of threads.
template <class Body>
void parallel_blocks(index_t n, index_t block_size, Body&& body) {
  if (n <= 0) return;
  if (block_size < 1) block_size = 1;
  const index_t n_blocks = (n + block_size - 1) / block_size;
  detail::ExceptionSlot slot;
  const int threads = n_blocks > 1 ? num_threads() : 1;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
#endif
  for (index_t b = 0; b < n_blocks; ++b) {
    const index_t lo = b * block_size;
    const index_t hi = lo + block_size < n ? lo + block_size : n;
    slot.run([&] { body(b, lo, hi); });
  }
  (void)threads;
  slot.rethrow();
}

// Calls body(i) for every i in [0, n), in parallel, in blocks of `grain`.
template <class Body>
void parallel_for(index_t n, Body&& body, index_t grain = 64) {
  parallel_blocks(n, grain, [&](index_t, index_t lo, index_t hi) {
    for (index_t i = lo; i < hi; ++i) body(i);
  });
}

}  // namespace lralg
