#ifndef STRESS_TESTING_PROFILE_RATE_PROFILE_HPP
#define STRESS_TESTING_PROFILE_RATE_PROFILE_HPP

#include <concepts>

namespace stress_testing::profile {

/** A load profile as a pure function of time (DESIGN.md §3).

    Time `t` is `double` seconds from the start of the profile; rates are requests per second.
    - `p.rate_at(t)`: the intended request rate at `t`, >= 0; 0 outside [0, duration()).
    - `p.duration()`: length of the profile in seconds (>= 0).
    - `p.cumulative(t)`: the expected number of requests in [0, t), i.e. the integral of
      `rate_at` from 0 to `t`, in closed form. It is 0 for t <= 0 (and for NaN), constant at
      `cumulative(duration())` for t >= duration(), and non-decreasing. Arrival schedules invert
      it, which is why it is part of the concept rather than computed numerically.

    All three are `noexcept`, and on every profile of this module allocation-free and safe to call
    concurrently on one object (profiles are immutable values).

    Named `rate_profile`, not `load_profile`: `stress_testing::load_profile` is the seed's data
    model, which `make_profile` (profile/from_model.hpp) turns into a `rate_profile`.

    A profile may also model `segmented_profile` (profile/segment.hpp) to let schedules invert
    it in closed form; that is optional. */
template <class P>
concept rate_profile = std::copy_constructible<P> && requires(const P& p, double t) {
  { p.rate_at(t) } noexcept -> std::same_as<double>;
  { p.duration() } noexcept -> std::same_as<double>;
  { p.cumulative(t) } noexcept -> std::same_as<double>;
};

}  // namespace stress_testing::profile

#endif
