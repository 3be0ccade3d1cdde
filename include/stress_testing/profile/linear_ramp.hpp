#ifndef STRESS_TESTING_PROFILE_LINEAR_RAMP_HPP
#define STRESS_TESTING_PROFILE_LINEAR_RAMP_HPP

#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/segment.hpp>

namespace stress_testing::profile {

/** A rate that changes linearly from `from` to `to` over `duration` seconds: ramp-ups and
    ramp-downs (the seed's RAMP_UP is a sequence of these and `constant_rate`s).

    Immutable value; every member is safe to call concurrently. */
class linear_ramp {
 public:
  /** Rates in requests/s (finite, >= 0), `duration` in seconds (finite, > 0).
      Throws std::invalid_argument naming the offending parameter. */
  constexpr linear_ramp(double from, double to, double duration)
      : from_(detail::require_non_negative(from, "linear_ramp.from")),
        to_(detail::require_non_negative(to, "linear_ramp.to")),
        duration_(detail::require_positive(duration, "linear_ramp.duration")),
        slope_((to_ - from_) / duration_) {}

  /// from + (to − from)·t/duration inside [0, duration()), 0 outside.
  constexpr double rate_at(double t) const noexcept {
    if (!detail::in_window(t, duration_)) return 0.0;
    double const r = from_ + slope_ * t;
    return r > 0.0 ? r : 0.0;  // a ramp down to 0 may round a hair below 0 at its end
  }

  /// Seconds.
  constexpr double duration() const noexcept { return duration_; }

  /// Requests in [0, t): from·t + slope·t²/2 (the trapezoid), clamped to the profile.
  constexpr double cumulative(double t) const noexcept {
    double const x = detail::clamp_time(t, duration_);
    return x * (from_ + 0.5 * slope_ * x);
  }

  /// One linear segment over the whole profile.
  constexpr segment segment_at(double /*t*/) const noexcept {
    segment s;
    s.begin = 0;
    s.end = duration_;
    s.cumulative_end = cumulative(duration_);
    s.rate = from_;
    s.slope = slope_;
    return s;
  }

  constexpr double from() const noexcept { return from_; }  ///< requests/s at t = 0
  constexpr double to() const noexcept { return to_; }      ///< requests/s approached at the end

  friend constexpr bool operator==(const linear_ramp&, const linear_ramp&) = default;

 private:
  double from_;
  double to_;
  double duration_;
  double slope_;
};

}  // namespace stress_testing::profile

#endif
