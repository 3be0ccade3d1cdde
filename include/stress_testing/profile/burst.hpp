#ifndef STRESS_TESTING_PROFILE_BURST_HPP
#define STRESS_TESTING_PROFILE_BURST_HPP

#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/segment.hpp>

#include <algorithm>
#include <cmath>

namespace stress_testing::profile {

/** A baseline rate with periodic bursts: the seed's BURST shape ("1,000 TPS with 10,000 TPS
    bursts every 3 min").

    Bursts occupy [k·interval, k·interval + burst_duration) for k = 1, 2, ..., so every run
    starts with a full baseline interval (the system under test warms up before the first
    burst) and bursts repeat every `interval` seconds until the end; a burst cut by the end of
    the profile is truncated. `burst_rate` may be below `baseline` (periodic dips).

    Immutable value; every member is safe to call concurrently. */
class burst {
 public:
  /** Rates in requests/s (finite, >= 0); `burst_duration`, `interval` and `duration` in seconds
      (finite, > 0) with burst_duration <= interval. Throws std::invalid_argument naming the
      offending parameter. */
  constexpr burst(double baseline, double burst_rate, double burst_duration, double interval, double duration)
      : baseline_(detail::require_non_negative(baseline, "burst.baseline")),
        burst_rate_(detail::require_non_negative(burst_rate, "burst.burst_rate")),
        burst_duration_(detail::require_positive(burst_duration, "burst.burst_duration")),
        interval_(detail::require_positive(interval, "burst.interval")),
        duration_(detail::require_positive(duration, "burst.duration")) {
    if (burst_duration_ > interval_) detail::throw_invalid("burst.burst_duration", "must not exceed interval", burst_duration_);
  }

  /// `burst_rate()` inside a burst, `baseline()` elsewhere in [0, duration()), 0 outside.
  double rate_at(double t) const noexcept {
    if (!detail::in_window(t, duration_)) return 0.0;
    double const k = detail::period_index(t, interval_);
    return k >= 1.0 && t < k * interval_ + burst_duration_ ? burst_rate_ : baseline_;
  }

  /// Seconds.
  constexpr double duration() const noexcept { return duration_; }

  /// Requests in [0, t): baseline over the non-burst time plus burst_rate over the burst time.
  double cumulative(double t) const noexcept {
    double const x = detail::clamp_time(t, duration_);
    double const k = detail::period_index(x, interval_);
    double const in_bursts = k >= 1.0 ? (k - 1.0) * burst_duration_ + std::min(x - k * interval_, burst_duration_) : 0.0;
    return baseline_ * (x - in_bursts) + burst_rate_ * in_bursts;
  }

  /// The baseline stretch or burst that holds `t`: a constant linear segment.
  segment segment_at(double t) const noexcept {
    if (!(t > 0.0)) t = 0.0;
    if (t >= duration_) t = std::nextafter(duration_, 0.0);
    double const k = detail::period_index(t, interval_);
    segment s;
    if (k < 1.0) {
      s.begin = 0.0;
      s.end = interval_;
      s.rate = baseline_;
    } else {
      double const burst_end = k * interval_ + burst_duration_;
      if (t < burst_end) {
        s.begin = k * interval_;
        s.end = burst_end;
        s.rate = burst_rate_;
      } else {
        s.begin = burst_end;
        s.end = (k + 1.0) * interval_;
        s.rate = baseline_;
      }
    }
    s.end = std::min(s.end, duration_);
    s.cumulative_begin = cumulative(s.begin);
    s.cumulative_end = cumulative(s.end);
    return s;
  }

  constexpr double baseline() const noexcept { return baseline_; }              ///< requests/s
  constexpr double burst_rate() const noexcept { return burst_rate_; }          ///< requests/s
  constexpr double burst_duration() const noexcept { return burst_duration_; }  ///< seconds
  constexpr double interval() const noexcept { return interval_; }              ///< seconds, burst start to burst start

  friend constexpr bool operator==(const burst&, const burst&) = default;

 private:
  double baseline_;
  double burst_rate_;
  double burst_duration_;
  double interval_;
  double duration_;
};

}  // namespace stress_testing::profile

#endif
