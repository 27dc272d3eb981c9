// The host's share of a completion half-sweep on the device: the same checks
// as lralg::solve_rows and, for "robust-altmin", the same preconditioner R,
// basis W = Y R^{-1} and K = R^{-T} R^{-1} as the CPU (the functions of
// lralg/completion.hpp, O(n d^2) on the host), so that the device solves the
// CPU's problems row by row.
#include "completion_host.hpp"

namespace lralg::cuda {

template <class Scalar, class Index>
index_t completion_half_sweep(const RowObservations<Scalar, Index>& obs, const Scalar* offset,
                              const Scalar* Y, index_t d, Scalar* X, const HalfSweepOptions& opt,
                              const DeviceObservations<Scalar, Index>* resident) {
  require(d >= 1, "completion: the factors need at least one column");
  require(opt.reg >= 0.0 && std::isfinite(opt.reg), "reg must be finite and >= 0");
  require(opt.inner_iter >= 0 && opt.sketch_factor >= 1, "completion: bad solver settings");
  if (device_count() < 1) throw cuda_error("no CUDA device is visible");
  RowSolveSettings settings;
  settings.exact = opt.method == CompletionMethod::altmin;
  settings.reg = opt.reg;
  settings.reg_per_entry = opt.reg_per_entry;
  settings.mu = opt.mu;
  settings.inner_iter = opt.inner_iter;
  settings.inner_rtol = opt.inner_rtol;
  if (settings.exact) return solve_rows(obs, offset, Y, d, X, settings, resident);
  const detail::MatD R =
      detail::sketch_preconditioner(Y, obs.cols, d, opt, detail::preconditioner_shift(obs, opt));
  const std::vector<Scalar> W = detail::preconditioned_basis<Scalar>(Y, obs.cols, d, R, d);
  detail::MatD K;
  if (opt.reg > 0.0) K = detail::regularizer_in_basis(R);
  settings.R = R.data();
  settings.K = opt.reg > 0.0 ? K.data() : nullptr;
  return solve_rows(obs, offset, W.data(), d, X, settings, resident);
}

#define LRALG_CUDA_HALF_SWEEP(Scalar, Index)                                                 \
  template index_t completion_half_sweep<Scalar, Index>(                                     \
      const RowObservations<Scalar, Index>&, const Scalar*, const Scalar*, index_t, Scalar*, \
      const HalfSweepOptions&, const DeviceObservations<Scalar, Index>*);
LRALG_CUDA_HALF_SWEEP(float, std::int32_t)
LRALG_CUDA_HALF_SWEEP(float, std::int64_t)
LRALG_CUDA_HALF_SWEEP(double, std::int32_t)
LRALG_CUDA_HALF_SWEEP(double, std::int64_t)
#undef LRALG_CUDA_HALF_SWEEP

}  // namespace lralg::cuda
