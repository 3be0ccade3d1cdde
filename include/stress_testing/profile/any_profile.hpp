#ifndef STRESS_TESTING_PROFILE_ANY_PROFILE_HPP
#define STRESS_TESTING_PROFILE_ANY_PROFILE_HPP

#include <stress_testing/profile/detail/profile_model.hpp>
#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>

namespace stress_testing::profile {

/** Any `rate_profile`, type-erased: what a scenario stores when its shape is chosen at run time
    (`make_profile`, configuration files), and itself a `rate_profile` and `segmented_profile`.

    Holds a `shared_ptr<const>` to an immutable copy of the profile, so copies are a reference
    count increment and share one instance (profiles never change after construction; workers
    each copy the scenario's profile). Each call costs one virtual dispatch; arrival schedules
    call through it once per segment, not once per arrival.

    A default-constructed `any_profile` is empty: zero duration, zero rate.

    Thread safety: const members may be called concurrently, also on copies in other threads. */
class any_profile {
 public:
  /// The empty profile.
  any_profile() noexcept = default;

  /** Wraps a copy of `profile`. Implicit, like std::function, so any profile can be passed
      where an `any_profile` is expected. Allocates once. */
  template <class Profile>
    requires(!std::same_as<std::remove_cvref_t<Profile>, any_profile> && rate_profile<std::remove_cvref_t<Profile>>)
  any_profile(Profile&& profile)  // NOLINT(google-explicit-constructor)
      : duration_(profile.duration()),
        impl_(std::make_shared<const detail::profile_model<std::remove_cvref_t<Profile>>>(std::forward<Profile>(profile))) {}

  /// requests/s at `t`; 0 outside [0, duration()) and when empty.
  double rate_at(double t) const noexcept { return impl_ ? impl_->rate_at(t) : 0.0; }

  /// Seconds; 0 when empty. Cached, so no virtual call.
  double duration() const noexcept { return duration_; }

  /// Requests in [0, t).
  double cumulative(double t) const noexcept { return impl_ ? impl_->cumulative(t) : 0.0; }

  /// The wrapped profile's segment (an `opaque` one if it is not a `segmented_profile`).
  segment segment_at(double t) const noexcept { return impl_ ? impl_->segment_at(t) : segment{}; }

  /// True when no profile is held.
  bool empty() const noexcept { return impl_ == nullptr; }

  /// The held profile if it is a `Profile`, else nullptr.
  template <rate_profile Profile>
  const Profile* target() const noexcept {
    if (!impl_ || impl_->type() != detail::type_tag<Profile>()) return nullptr;
    return &static_cast<const detail::profile_model<Profile>&>(*impl_).get();
  }

 private:
  double duration_ = 0;
  std::shared_ptr<const detail::profile_concept> impl_;
};

}  // namespace stress_testing::profile

#endif
