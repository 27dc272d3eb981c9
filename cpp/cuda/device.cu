#include <cuda_runtime.h>

#include "device.cuh"

namespace lralg::cuda {

int device_count() {
  int count = 0;
  // No driver, no device or a driver older than the runtime: none usable.
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

std::string device_name() {
  require_device();
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  return prop.name;
}

std::size_t device_memory() {
  require_device();
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  return prop.totalGlobalMem;
}

void try_allocate(std::size_t bytes) {
  require_device();
  DeviceArray<unsigned char> block(bytes);
}

void synchronize() {
  if (device_count() > 0) check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

int runtime_version() { return CUDART_VERSION; }

}  // namespace lralg::cuda
