// Marks the functions that the CUDA kernels share with the CPU core (the
// random number generator above all): __host__ __device__ under nvcc,
// nothing for a plain C++ compiler, so the CPU build is unchanged.
#pragma once

#if defined(__CUDACC__)
#define LRALG_HD __host__ __device__
#else
#define LRALG_HD
#endif
