#ifndef STRESS_TESTING_PROFILE_CONSTANT_RATE_HPP
#define STRESS_TESTING_PROFILE_CONSTANT_RATE_HPP

#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/segment.hpp>

namespace stress_testing::profile {

/** A constant rate for a fixed time: the seed's SUSTAINED shape and the building block of
    sequences (a zero rate makes a pause).

    Immutable value; every member is safe to call concurrently. */
class constant_rate {
 public:
  /** `rate` requests/s (finite, >= 0) for `duration` seconds (finite, > 0).
      Throws std::invalid_argument naming the offending parameter. */
  constexpr constant_rate(double rate, double duration)
      : rate_(detail::require_non_negative(rate, "constant_rate.rate")),
        duration_(detail::require_positive(duration, "constant_rate.duration")) {}

  /// `rate()` inside [0, duration()), 0 outside.
  constexpr double rate_at(double t) const noexcept { return detail::in_window(t, duration_) ? rate_ : 0.0; }

  /// Seconds.
  constexpr double duration() const noexcept { return duration_; }

  /// Requests in [0, t): rate·t, clamped to the profile.
  constexpr double cumulative(double t) const noexcept { return rate_ * detail::clamp_time(t, duration_); }

  /// One linear segment with zero slope over the whole profile.
  constexpr segment segment_at(double /*t*/) const noexcept {
    segment s;
    s.begin = 0;
    s.end = duration_;
    s.cumulative_end = cumulative(duration_);
    s.rate = rate_;
    return s;
  }

  /// Requests/s.
  constexpr double rate() const noexcept { return rate_; }

  friend constexpr bool operator==(const constant_rate&, const constant_rate&) = default;

 private:
  double rate_;
  double duration_;
};

}  // namespace stress_testing::profile

#endif
