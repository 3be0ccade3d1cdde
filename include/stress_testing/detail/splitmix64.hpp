#ifndef STRESS_TESTING_DETAIL_SPLITMIX64_HPP
#define STRESS_TESTING_DETAIL_SPLITMIX64_HPP

#include <cstdint>
#include <limits>

/* Seeded, counter-based randomness shared by the profiles (chaos, arrivals, think time), the
   fraud workload and the fault injectors: one neutral home, so that those modules do not reach
   into each other's internals for it. Pure (std only). */

namespace stress_testing::detail {

inline constexpr std::uint64_t golden_gamma = 0x9E3779B97F4A7C15ULL;

/// The splitmix64 output finaliser (a bijective 64-bit mixer).
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/** The k-th output (k = 0, 1, ...) of a splitmix64 stream seeded with `seed`, computed
    directly: splitmix64 is counter-based, so any element is O(1) and needs no state. */
constexpr std::uint64_t counter_hash(std::uint64_t seed, std::uint64_t k) noexcept {
  return mix64(seed + (k + 1) * golden_gamma);
}

/// Uniform double in [0, 1) from the top 53 bits of `x`.
constexpr double to_unit(std::uint64_t x) noexcept {
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

/** A tiny splitmix64 engine (8 bytes of state) that satisfies
    std::uniform_random_bit_generator; used where one generator per virtual user makes
    std::mt19937_64's 2.5 KB state too heavy. */
class splitmix64_engine {
 public:
  using result_type = std::uint64_t;

  constexpr explicit splitmix64_engine(std::uint64_t seed = 0) noexcept : state_(seed) {}

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  constexpr result_type operator()() noexcept {
    state_ += golden_gamma;
    return mix64(state_);
  }

 private:
  std::uint64_t state_;
};

}  // namespace stress_testing::detail

#endif
