#include "lralg/common.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace lralg {
namespace {

int default_threads() {
#ifdef _OPENMP
  return std::min(omp_get_max_threads(), max_threads());  // honours OMP_NUM_THREADS, within bounds
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

// A thread team far larger than the cores gains nothing and can exhaust the
// process's stacks: OpenMP then crashes in its runtime instead of failing.
int max_threads() {
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  int bound = std::max(64, 8 * cores);
#ifdef _OPENMP
  bound = std::min(bound, omp_get_thread_limit());
#endif
  return bound;
}

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  require(n >= 1, "n must be a positive number of threads");
  require(n <= max_threads(),
          "n must be at most " + std::to_string(max_threads()) + " threads on this machine");
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
