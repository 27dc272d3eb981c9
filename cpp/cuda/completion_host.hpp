// Completion's half-sweep on the device as the bindings call it: host C++
// (Eigen for the robust method's preconditioner), no CUDA headers.
#pragma once

#include "api.hpp"
#include "lralg/completion.hpp"

namespace lralg::cuda {

// lralg::solve_rows with the rows solved on the device: X (rows x d, C order,
// host) is updated in place; returns the CG iterations (robust-altmin). The
// observations are read from `resident` where given (see DeviceObservations).
template <class Scalar, class Index>
index_t completion_half_sweep(const RowObservations<Scalar, Index>& obs, const Scalar* offset,
                              const Scalar* Y, index_t d, Scalar* X, const HalfSweepOptions& opt,
                              const DeviceObservations<Scalar, Index>* resident = nullptr);

}  // namespace lralg::cuda
