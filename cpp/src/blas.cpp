// The table of BLAS/LAPACK function pointers behind lralg/blas.hpp.
#include "lralg/blas.hpp"

#include <atomic>
#include <cstring>

namespace lralg::blas {

Table& table() {
  static Table t;
  return t;
}

namespace {
std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> on{true};
  return on;
}
}  // namespace

bool enabled() { return enabled_flag().load(std::memory_order_relaxed); }
void use_blas(bool on) { enabled_flag().store(on, std::memory_order_relaxed); }

const std::vector<const char*>& names() {
  static const std::vector<const char*> n = {"dgemm",  "sgemm",  "dsyrk",  "ssyrk",  "dsyevd", "ssyevd",
                                             "dgeqrf", "sgeqrf", "dorgqr", "sorgqr", "dpotrf", "dtrtri"};
  return n;
}

bool set_pointer(const char* name, void* p) {
  Table& t = table();
  auto is = [&](const char* s) { return std::strcmp(name, s) == 0; };
  if (is("dgemm"))
    t.dgemm = reinterpret_cast<gemm_fn<double>*>(p);
  else if (is("sgemm"))
    t.sgemm = reinterpret_cast<gemm_fn<float>*>(p);
  else if (is("dsyrk"))
    t.dsyrk = reinterpret_cast<syrk_fn<double>*>(p);
  else if (is("ssyrk"))
    t.ssyrk = reinterpret_cast<syrk_fn<float>*>(p);
  else if (is("dsyevd"))
    t.dsyevd = reinterpret_cast<syevd_fn<double>*>(p);
  else if (is("ssyevd"))
    t.ssyevd = reinterpret_cast<syevd_fn<float>*>(p);
  else if (is("dgeqrf"))
    t.dgeqrf = reinterpret_cast<geqrf_fn<double>*>(p);
  else if (is("sgeqrf"))
    t.sgeqrf = reinterpret_cast<geqrf_fn<float>*>(p);
  else if (is("dorgqr"))
    t.dorgqr = reinterpret_cast<orgqr_fn<double>*>(p);
  else if (is("sorgqr"))
    t.sorgqr = reinterpret_cast<orgqr_fn<float>*>(p);
  else if (is("dpotrf"))
    t.dpotrf = reinterpret_cast<potrf_fn<double>*>(p);
  else if (is("dtrtri"))
    t.dtrtri = reinterpret_cast<trtri_fn<double>*>(p);
  else
    return false;
  return true;
}

}  // namespace lralg::blas
