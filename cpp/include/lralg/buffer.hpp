// RawBuffer: uninitialised, aligned memory for panels and work arrays,
// from the heap or mapped from the system (see the class comment).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace lralg {
namespace detail {

// An uninitialised, 64-byte aligned buffer (no zero fill: its pages are
// first touched by the parallel pass that writes them). From 64 KiB on,
// mapped from the system directly, so that release() hands the pages back
// at once (a freed heap block can stay resident, and one freed in the middle
// of a call would count against the call's peak memory); except a `reused`
// buffer under 32 MiB (the work panel, freed last), left to the heap, which
// keeps it for the next call, so that small graphs do not fault in a fresh
// panel at every call. From 2 MiB on, aligned to
// 2 MiB and offered transparent huge pages over whole 2 MiB pages (the tail
// stays on 4 KiB pages, so that no more than the buffer is resident): the
// products gather rows at random, and huge pages save TLB misses.
template <class T>
class RawBuffer {
 public:
  RawBuffer() = default;
  explicit RawBuffer(std::size_t count, bool huge = true, bool reused = false) {
    std::size_t bytes = std::max<std::size_t>(count, 1) * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= kMapFrom && !(reused && bytes < kHeapReuse)) {
      map((bytes + 4095) / 4096 * 4096, huge);
      return;
    }
#else
    (void)reused;
#endif
    const std::size_t align = bytes >= kHuge ? kHuge : 64;
    bytes = (bytes + 4095) / 4096 * 4096;
    ptr_ = static_cast<T*>(std::aligned_alloc(align, bytes));
    if (!ptr_) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align == kHuge) (void)madvise(ptr_, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
    (void)huge;
#endif
  }
  RawBuffer(const RawBuffer&) = delete;
  RawBuffer& operator=(const RawBuffer&) = delete;
  RawBuffer(RawBuffer&& other) noexcept : ptr_(other.ptr_), mapped_(other.mapped_) {
    other.ptr_ = nullptr;
    other.mapped_ = 0;
  }
  RawBuffer& operator=(RawBuffer&& other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(mapped_, other.mapped_);
    return *this;
  }
  ~RawBuffer() { release(); }
  void release() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (mapped_ != 0) {
      (void)munmap(ptr_, mapped_);
      ptr_ = nullptr;
      mapped_ = 0;
      return;
    }
#endif
    std::free(ptr_);
    ptr_ = nullptr;
  }
  T* data() const { return ptr_; }

 private:
  static constexpr std::size_t kHuge = std::size_t(1) << 21;
  static constexpr std::size_t kMapFrom = std::size_t(1) << 16;    // 64 KiB
  static constexpr std::size_t kHeapReuse = std::size_t(1) << 25;  // 32 MiB: glibc's largest mmap threshold
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // `bytes` (a multiple of 4 KiB); from 2 MiB on, at a 2 MiB boundary (map
  // 2 MiB more and unmap the unaligned head and the rest of the tail).
  void map(std::size_t bytes, bool huge) {
    const std::size_t pad = bytes >= kHuge ? kHuge : 0;
    void* p = mmap(nullptr, bytes + pad, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<std::uintptr_t>(p);
    const auto start = pad ? (base + kHuge - 1) & ~std::uintptr_t(kHuge - 1) : base;
    if (start > base) (void)munmap(p, start - base);
    const std::size_t tail = pad - (start - base);
    if (tail > 0) (void)munmap(reinterpret_cast<void*>(start + bytes), tail);
    ptr_ = reinterpret_cast<T*>(start);
    mapped_ = bytes;
    if (pad) (void)madvise(ptr_, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  }
#endif
  T* ptr_ = nullptr;
  std::size_t mapped_ = 0;  // bytes mapped (0: from aligned_alloc, or none)
};

}  // namespace detail
}  // namespace lralg
