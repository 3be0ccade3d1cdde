#ifndef STRESS_TESTING_PROFILE_DETAIL_TIME_HPP
#define STRESS_TESTING_PROFILE_DETAIL_TIME_HPP

#include <chrono>
#include <cmath>
#include <cstdint>

namespace stress_testing::profile::detail {

/// `t` clamped to [0, duration]; NaN maps to 0 so that cumulative() never returns NaN.
constexpr double clamp_time(double t, double duration) noexcept {
  if (!(t > 0.0)) return 0.0;
  return t < duration ? t : duration;
}

/// True when `t` lies in [0, duration); false for NaN.
constexpr bool in_window(double t, double duration) noexcept { return t >= 0.0 && t < duration; }

/** Index k of the period [k·period, (k+1)·period) that holds `t` (t >= 0). floor(t / period)
    can be off by one when the division rounds, and the boundaries callers compute are
    k·period, so the index is corrected against exactly those products. */
inline double period_index(double t, double period) noexcept {
  double k = std::floor(t / period);
  if (k > 0.0 && k * period > t) k -= 1.0;
  else if ((k + 1.0) * period <= t) k += 1.0;
  return k;
}

/// Largest seconds value whose nanosecond count fits in std::int64_t, with margin.
inline constexpr double max_nanosecond_seconds = 9.0e9;

/// Seconds to nanoseconds, rounded to nearest, saturating at the representable range.
inline std::chrono::nanoseconds to_nanoseconds(double seconds) noexcept {
  if (!(seconds > 0.0)) return std::chrono::nanoseconds{0};
  if (seconds >= max_nanosecond_seconds) return std::chrono::nanoseconds{static_cast<std::int64_t>(9.0e18)};
  return std::chrono::nanoseconds{static_cast<std::int64_t>(seconds * 1e9 + 0.5)};
}

}  // namespace stress_testing::profile::detail

#endif
