#ifndef STRESS_TESTING_PROFILE_THINK_TIME_HPP
#define STRESS_TESTING_PROFILE_THINK_TIME_HPP

#include <stress_testing/profile/detail/splitmix64.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace stress_testing::profile {

/** The pause a virtual user takes between receiving a response and sending its next request
    (closed model, DESIGN.md §3): constant, uniform on [min, max], or exponential with a mean.

    An immutable description; draws take the caller's generator, so each user owns its own
    stream (see `closed_model::user`) and the same seed gives the same pauses. Seconds in, and
    `sample` returns nanoseconds. Safe to share between threads. */
class think_time {
 public:
  /// The distributions a think time can follow.
  enum class distribution : std::uint8_t { constant, uniform, exponential };

  /// No pause.
  think_time() noexcept = default;

  /// Always `seconds` (finite, >= 0). Throws std::invalid_argument otherwise.
  static think_time constant(double seconds) {
    double const s = detail::require_non_negative(seconds, "think_time.seconds");
    return think_time(distribution::constant, s, s, s);
  }

  /// Uniform on [min_seconds, max_seconds] (finite, 0 <= min <= max). Throws std::invalid_argument.
  static think_time uniform(double min_seconds, double max_seconds) {
    double const lo = detail::require_non_negative(min_seconds, "think_time.min_seconds");
    double const hi = detail::require_non_negative(max_seconds, "think_time.max_seconds");
    if (hi < lo) detail::throw_invalid("think_time.max_seconds", "must be >= min_seconds", hi);
    return think_time(distribution::uniform, lo, hi, 0.5 * (lo + hi));
  }

  /// Exponential with mean `mean_seconds` (finite, > 0): memoryless users. Throws std::invalid_argument.
  static think_time exponential(double mean_seconds) {
    double const m = detail::require_positive(mean_seconds, "think_time.mean_seconds");
    return think_time(distribution::exponential, 0.0, std::numeric_limits<double>::infinity(), m);
  }

  distribution kind() const noexcept { return kind_; }
  double mean() const noexcept { return mean_; }  ///< seconds
  double min() const noexcept { return min_; }    ///< seconds
  double max() const noexcept { return max_; }    ///< seconds (infinity for exponential)

  /** One pause, in seconds, drawn with `g` (any engine returning full 64-bit words, e.g.
      std::mt19937_64). Constant pauses do not touch the generator. */
  template <std::uniform_random_bit_generator Generator>
    requires(Generator::min() == 0 && Generator::max() == std::numeric_limits<std::uint64_t>::max())
  double sample_seconds(Generator& g) const noexcept {
    switch (kind_) {
      case distribution::constant: return mean_;
      case distribution::uniform: return min_ + (max_ - min_) * detail::to_unit(g());
      case distribution::exponential: return -mean_ * std::log(1.0 - detail::to_unit(g()));
    }
    return mean_;
  }

  /// One pause as nanoseconds (rounded; saturates beyond ~285 years).
  template <std::uniform_random_bit_generator Generator>
    requires(Generator::min() == 0 && Generator::max() == std::numeric_limits<std::uint64_t>::max())
  std::chrono::nanoseconds sample(Generator& g) const noexcept {
    return detail::to_nanoseconds(sample_seconds(g));
  }

  friend bool operator==(const think_time&, const think_time&) = default;

 private:
  think_time(distribution kind, double lo, double hi, double mean) noexcept
      : kind_(kind), min_(lo), max_(hi), mean_(mean) {}

  distribution kind_ = distribution::constant;
  double min_ = 0;
  double max_ = 0;
  double mean_ = 0;
};

}  // namespace stress_testing::profile

#endif
