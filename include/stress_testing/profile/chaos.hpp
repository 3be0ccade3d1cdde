#ifndef STRESS_TESTING_PROFILE_CHAOS_HPP
#define STRESS_TESTING_PROFILE_CHAOS_HPP

#include <stress_testing/profile/detail/splitmix64.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/segment.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace stress_testing::profile {

/** A random but reproducible rate: the seed's CHAOS shape.

    The profile is piecewise constant: level k holds on [k·change_interval,
    (k+1)·change_interval) and equals min_rate + (max_rate − min_rate)·u_k, where u_k is a
    uniform [0, 1) number from the top 53 bits of the k-th output of a splitmix64 stream seeded
    with `seed`. splitmix64 is counter-based, so `rate_at` is O(1) and stateless, and the same
    seed gives the same curve on every platform.

    `cumulative` reads a prefix-sum table built by the constructor (one double per level, at
    most `max_levels`), shared between copies, so copying a `chaos` is cheap.

    Immutable value; every member is safe to call concurrently. */
class chaos {
 public:
  /// Upper bound on duration / change_interval, which bounds the table at 32 MiB.
  static constexpr std::size_t max_levels = std::size_t{1} << 22;

  /** Rates in requests/s (finite, 0 <= min_rate <= max_rate); `change_interval` and `duration`
      in seconds (finite, > 0, at most `max_levels` intervals). Throws std::invalid_argument
      naming the offending parameter. */
  chaos(double min_rate, double max_rate, double change_interval, double duration, std::uint64_t seed)
      : min_rate_(detail::require_non_negative(min_rate, "chaos.min_rate")),
        max_rate_(detail::require_non_negative(max_rate, "chaos.max_rate")),
        change_interval_(detail::require_positive(change_interval, "chaos.change_interval")),
        duration_(detail::require_positive(duration, "chaos.duration")),
        seed_(seed) {
    if (max_rate_ < min_rate_) detail::throw_invalid("chaos.max_rate", "must be >= min_rate", max_rate_);
    double const intervals = std::ceil(duration_ / change_interval_);
    if (!(intervals <= static_cast<double>(max_levels)))
      detail::throw_invalid("chaos.change_interval", "duration / change_interval must not exceed 4194304 levels",
                            change_interval_);
    auto const count = static_cast<std::size_t>(detail::period_index(std::nextafter(duration_, 0.0), change_interval_)) + 1;
    auto table = std::make_shared<std::vector<double>>(count + 1);
    auto& prefix = *table;
    prefix[0] = 0.0;
    for (std::size_t k = 0; k < count; ++k) {
      double const end = std::min(static_cast<double>(k + 1) * change_interval_, duration_);
      double const begin = static_cast<double>(k) * change_interval_;
      prefix[k + 1] = prefix[k] + level(k) * (end - begin);
    }
    prefix_ = std::move(table);
  }

  /// The level in effect at `t` inside [0, duration()), 0 outside.
  double rate_at(double t) const noexcept {
    if (!detail::in_window(t, duration_)) return 0.0;
    return level(index(t));
  }

  /// Seconds.
  double duration() const noexcept { return duration_; }

  /// Requests in [0, t): the prefix sum of whole levels plus the current level's share.
  double cumulative(double t) const noexcept {
    auto const& prefix = *prefix_;
    double const x = detail::clamp_time(t, duration_);
    if (x >= duration_) return prefix.back();
    std::size_t const k = index(x);
    return prefix[k] + level(k) * (x - static_cast<double>(k) * change_interval_);
  }

  /// The constant stretch of the level in effect at `t`.
  segment segment_at(double t) const noexcept {
    if (!(t > 0.0)) t = 0.0;
    std::size_t const k = index(std::min(t, std::nextafter(duration_, 0.0)));
    auto const& prefix = *prefix_;
    segment s;
    s.begin = static_cast<double>(k) * change_interval_;
    s.end = std::min(static_cast<double>(k + 1) * change_interval_, duration_);
    s.cumulative_begin = prefix[k];
    s.cumulative_end = prefix[k + 1];
    s.rate = level(k);
    return s;
  }

  /// Level k (requests/s), k in [0, level_count()); always in [min_rate, max_rate].
  double level(std::size_t k) const noexcept {
    double const r = min_rate_ + (max_rate_ - min_rate_) * detail::to_unit(detail::counter_hash(seed_, k));
    return std::min(r, max_rate_);
  }

  /// Number of levels: ceil(duration / change_interval).
  std::size_t level_count() const noexcept { return prefix_->size() - 1; }

  double min_rate() const noexcept { return min_rate_; }                ///< requests/s
  double max_rate() const noexcept { return max_rate_; }                ///< requests/s
  double change_interval() const noexcept { return change_interval_; }  ///< seconds
  std::uint64_t seed() const noexcept { return seed_; }

  /// Same parameters (hence the same curve).
  friend bool operator==(const chaos& a, const chaos& b) noexcept {
    return a.min_rate_ == b.min_rate_ && a.max_rate_ == b.max_rate_ && a.change_interval_ == b.change_interval_ &&
           a.duration_ == b.duration_ && a.seed_ == b.seed_;
  }

 private:
  std::size_t index(double t) const noexcept {
    auto const k = static_cast<std::size_t>(detail::period_index(t, change_interval_));
    return std::min(k, prefix_->size() - 2);
  }

  double min_rate_;
  double max_rate_;
  double change_interval_;
  double duration_;
  std::uint64_t seed_;
  std::shared_ptr<const std::vector<double>> prefix_;
};

}  // namespace stress_testing::profile

#endif
