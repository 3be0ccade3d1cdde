#ifndef STRESS_TESTING_PROFILE_SCALE_TIME_HPP
#define STRESS_TESTING_PROFILE_SCALE_TIME_HPP

#include <stress_testing/profile/detail/child_segment.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

#include <cmath>
#include <type_traits>
#include <utility>

namespace stress_testing::profile {

/** `Profile` stretched (factor > 1) or compressed (factor < 1) in time, rates unchanged: how a
    30-minute scenario runs in 18 seconds in a test (`scale_time(p, 0.01)`).

    duration() = factor·p.duration() and rate_at(t) = p.rate_at(t / factor): the curve keeps its
    shape and its rates, so the total request count, cumulative(t) = factor·p.cumulative(t /
    factor), scales by `factor` too (1% of the time means 1% of the requests). Combine with
    `scale_load` to keep the count instead.

    Build one with `scale_time`. Immutable value; safe to call concurrently when `Profile` is. */
template <rate_profile Profile>
class time_scaled {
 public:
  /// `factor` finite and > 0. Throws std::invalid_argument otherwise.
  constexpr time_scaled(Profile profile, double factor)
      : profile_(std::move(profile)), factor_(detail::require_positive(factor, "scale_time.factor")) {}

  constexpr double rate_at(double t) const noexcept {
    return detail::in_window(t, duration()) ? profile_.rate_at(t / factor_) : 0.0;
  }

  constexpr double duration() const noexcept { return factor_ * profile_.duration(); }  ///< seconds

  constexpr double cumulative(double t) const noexcept {
    double const x = detail::clamp_time(t, duration());
    // At the end, ask for the base total directly so the scaled total is exactly factor·total.
    return factor_ * profile_.cumulative(x >= duration() ? profile_.duration() : x / factor_);
  }

  /// The wrapped profile's segment mapped to the scaled time.
  segment segment_at(double t) const noexcept {
    if (!(t > 0.0)) t = 0.0;
    if (t >= duration()) t = std::nextafter(duration(), 0.0);
    double const k = factor_;
    return detail::child_segment(profile_, t / k, t, [k](const segment& s) noexcept { return s.scale_time(k); });
  }

  constexpr const Profile& base() const noexcept { return profile_; }  ///< the unscaled profile
  constexpr double factor() const noexcept { return factor_; }

 private:
  Profile profile_;
  double factor_;
};

/// `profile` with its time axis multiplied by `factor` (finite, > 0; throws std::invalid_argument).
template <class Profile>
  requires rate_profile<std::remove_cvref_t<Profile>>
constexpr time_scaled<std::remove_cvref_t<Profile>> scale_time(Profile&& profile, double factor) {
  return time_scaled<std::remove_cvref_t<Profile>>(std::forward<Profile>(profile), factor);
}

}  // namespace stress_testing::profile

#endif
