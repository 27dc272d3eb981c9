// Counter-based random numbers (Philox4x32-10; Salmon et al., SC 2011).
//
// Every draw is a pure function of (seed, stream, counter), so a parallel
// loop that keys its draws by what it computes (a row, an entry) gives the
// same numbers whatever the thread count or the order of work.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace lralg {

class Philox4x32 {
 public:
  using block_type = std::array<std::uint32_t, 4>;
  using key_type = std::array<std::uint32_t, 2>;

  static block_type encrypt(block_type ctr, key_type key) {
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        key[0] += kWeyl0;
        key[1] += kWeyl1;
      }
      const std::uint64_t p0 = std::uint64_t(kMul0) * ctr[0];
      const std::uint64_t p1 = std::uint64_t(kMul1) * ctr[2];
      ctr = {std::uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], std::uint32_t(p1),
             std::uint32_t(p0 >> 32) ^ ctr[3] ^ key[1], std::uint32_t(p0)};
    }
    return ctr;
  }

 private:
  static constexpr std::uint32_t kMul0 = 0xD2511F53u;
  static constexpr std::uint32_t kMul1 = 0xCD9E8D57u;
  static constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;
  static constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;
};

// Random numbers keyed by a 64-bit seed; (stream, counter) picks the draw.
class CounterRng {
 public:
  explicit CounterRng(std::uint64_t seed) : key_{std::uint32_t(seed), std::uint32_t(seed >> 32)} {}

  // 128 random bits as two 64-bit words.
  std::array<std::uint64_t, 2> bits(std::uint64_t stream, std::uint64_t counter) const {
    const auto out = Philox4x32::encrypt(
        {std::uint32_t(counter), std::uint32_t(counter >> 32), std::uint32_t(stream),
         std::uint32_t(stream >> 32)},
        key_);
    return {(std::uint64_t(out[1]) << 32) | out[0], (std::uint64_t(out[3]) << 32) | out[2]};
  }

  // Uniform in [0, 1) with 53 random bits.
  static double to_unit(std::uint64_t word) { return double(word >> 11) * 0x1.0p-53; }

  // Uniform in (0, 1]: safe under log().
  static double to_open_unit(std::uint64_t word) { return (double(word >> 11) + 1.0) * 0x1.0p-53; }

  double uniform(std::uint64_t stream, std::uint64_t counter) const {
    return to_unit(bits(stream, counter)[0]);
  }

  // Two independent standard normals (Box-Muller) from one draw.
  std::array<double, 2> normal_pair(std::uint64_t stream, std::uint64_t counter) const {
    const auto w = bits(stream, counter);
    const double radius = std::sqrt(-2.0 * std::log(to_open_unit(w[0])));
    const double angle = 6.283185307179586476925286766559 * to_unit(w[1]);
    return {radius * std::cos(angle), radius * std::sin(angle)};
  }

  double normal(std::uint64_t stream, std::uint64_t counter) const {
    return normal_pair(stream, counter)[0];
  }

 private:
  Philox4x32::key_type key_;
};

}  // namespace lralg
