#include "lralg/common.hpp"

#include <atomic>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace lralg {
namespace {

int default_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();  // honours OMP_NUM_THREADS
#else
  return 1;
#endif
}

// One setting for the whole process, read by every parallel region: OpenMP's
// own setting is per calling thread, and Python may call from any thread.
std::atomic<int>& thread_setting() {
  static std::atomic<int> value{default_threads()};
  return value;
}

}  // namespace

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  require(n >= 1, "n must be a positive number of threads");
  thread_setting().store(n, std::memory_order_relaxed);
}

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

}  // namespace lralg
