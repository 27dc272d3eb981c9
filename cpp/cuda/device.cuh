// Device memory and error checks shared by the kernels of the CUDA backend.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "api.hpp"

namespace lralg::cuda {

inline void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky-free error state before throwing
  throw cuda_error(std::string(what) + " failed: " + cudaGetErrorString(status));
}

// After a kernel launch: a bad configuration shows at once, a fault in the
// kernel at the next synchronisation.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

// An array in device memory, freed with its owner. Allocation failure is
// out_of_memory naming the size, never a crash.
template <class T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(std::size_t count) : count_(count) {
    if (count == 0) return;
    if (count > std::numeric_limits<std::size_t>::max() / sizeof(T))
      throw out_of_memory(std::numeric_limits<std::size_t>::max());
    const cudaError_t status = cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T));
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      data_ = nullptr;
      throw out_of_memory(count * sizeof(T));
    }
    check(status, "cudaMalloc");
  }
  DeviceArray(const T* host, std::size_t count) : DeviceArray(count) { upload(host, count); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  DeviceArray(DeviceArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  DeviceArray& operator=(DeviceArray&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  ~DeviceArray() {
    if (data_) cudaFree(data_);
  }

  T* get() { return data_; }
  const T* get() const { return data_; }
  std::size_t size() const { return count_; }

  void upload(const T* host, std::size_t count) {
    if (count)
      check(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy to device");
  }
  void download(T* host, std::size_t count) const {
    if (count)
      check(cudaMemcpy(host, data_, count * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
  }
  void zero() {
    if (count_) check(cudaMemset(data_, 0, count_ * sizeof(T)), "cudaMemset");
  }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

// Raises cuda_error where no device can run the kernels.
inline void require_device() {
  if (device_count() < 1) throw cuda_error("no CUDA device is visible");
}

inline unsigned blocks_for(std::size_t work, unsigned threads) {
  return unsigned((work + threads - 1) / threads);
}

}  // namespace lralg::cuda
