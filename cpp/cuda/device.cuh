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

  // `source` and `target` may be host or device memory (a CuPy array's
  // pointer): cudaMemcpyDefault reads which from the unified address space.
  void upload(const T* source, std::size_t count) {
    if (count) check(cudaMemcpy(data_, source, count * sizeof(T), cudaMemcpyDefault), "cudaMemcpy to device");
  }
  void download(T* target, std::size_t count) const {
    if (count)
      check(cudaMemcpy(target, data_, count * sizeof(T), cudaMemcpyDefault), "cudaMemcpy from device");
  }
  void zero() {
    if (count_) check(cudaMemset(data_, 0, count_ * sizeof(T)), "cudaMemset");
  }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

// True where `p` is memory that the kernels can read and write in place:
// device or managed memory of the current device (a CuPy array's pointer).
// Host memory, and memory of another device, are copied instead.
inline bool on_current_device(const void* p) {
  cudaPointerAttributes attributes{};
  if (p == nullptr || cudaPointerGetAttributes(&attributes, p) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  int current = 0;
  check(cudaGetDevice(&current), "cudaGetDevice");
  const bool device_memory =
      attributes.type == cudaMemoryTypeDevice || attributes.type == cudaMemoryTypeManaged;
  return device_memory && attributes.device == current;
}

// A kernel's input: the caller's array itself where it is already on the
// device, otherwise a device copy of it.
template <class T>
class DeviceInput {
 public:
  DeviceInput(const T* data, std::size_t count) : data_(data) {
    if (count > 0 && !on_current_device(data)) {
      copy_ = DeviceArray<T>(data, count);
      data_ = copy_.get();
    }
  }
  const T* get() const { return data_; }

 private:
  DeviceArray<T> copy_;
  const T* data_;
};

// A kernel's output: written in place where the caller's array is on the
// device, otherwise into device scratch that finish() copies back.
template <class T>
class DeviceOutput {
 public:
  DeviceOutput(T* out, std::size_t count) : out_(out), count_(count) {
    if (count > 0 && !on_current_device(out)) scratch_ = DeviceArray<T>(count);
  }
  T* get() { return scratch_.size() > 0 ? scratch_.get() : out_; }
  // After the last kernel: the result in the caller's array, every launch checked.
  void finish() {
    if (scratch_.size() > 0)
      scratch_.download(out_, count_);
    else if (count_ > 0)
      check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  }

 private:
  T* out_;
  std::size_t count_;
  DeviceArray<T> scratch_;
};

// Raises cuda_error where no device can run the kernels.
inline void require_device() {
  if (device_count() < 1) throw cuda_error("no CUDA device is visible");
}

inline unsigned blocks_for(std::size_t work, unsigned threads) {
  return unsigned((work + threads - 1) / threads);
}

}  // namespace lralg::cuda
