#ifndef STRESS_TESTING_PROFILE_SCALE_LOAD_HPP
#define STRESS_TESTING_PROFILE_SCALE_LOAD_HPP

#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

#include <type_traits>
#include <utility>

namespace stress_testing::profile {

/** `Profile` with every rate multiplied by a constant factor: the same shape at a different
    load (an environment's share of production, DESIGN.md, or a stress multiplier).

    rate_at(t) = factor·p.rate_at(t), cumulative(t) = factor·p.cumulative(t), same duration.
    Build one with `scale_load`. Immutable value; safe to call concurrently when `Profile` is. */
template <rate_profile Profile>
class load_scaled {
 public:
  /// `factor` finite and >= 0 (0 silences the profile). Throws std::invalid_argument otherwise.
  constexpr load_scaled(Profile profile, double factor)
      : profile_(std::move(profile)), factor_(detail::require_non_negative(factor, "scale_load.factor")) {}

  constexpr double rate_at(double t) const noexcept { return factor_ * profile_.rate_at(t); }  ///< requests/s
  constexpr double duration() const noexcept { return profile_.duration(); }                    ///< seconds
  constexpr double cumulative(double t) const noexcept { return factor_ * profile_.cumulative(t); }

  /// The wrapped profile's segment with its rates scaled.
  segment segment_at(double t) const noexcept { return segment_of(profile_, t).scale_load(factor_); }

  constexpr const Profile& base() const noexcept { return profile_; }  ///< the unscaled profile
  constexpr double factor() const noexcept { return factor_; }

 private:
  Profile profile_;
  double factor_;
};

/// `profile` with its rates multiplied by `factor` (finite, >= 0; throws std::invalid_argument).
template <class Profile>
  requires rate_profile<std::remove_cvref_t<Profile>>
constexpr load_scaled<std::remove_cvref_t<Profile>> scale_load(Profile&& profile, double factor) {
  return load_scaled<std::remove_cvref_t<Profile>>(std::forward<Profile>(profile), factor);
}

}  // namespace stress_testing::profile

#endif
