#ifndef STRESS_TESTING_PROFILE_SEGMENT_HPP
#define STRESS_TESTING_PROFILE_SEGMENT_HPP

#include <stress_testing/profile/rate_profile.hpp>

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>

namespace stress_testing::profile {

/// How the rate behaves inside a `segment`.
enum class segment_kind : std::uint8_t {
  linear,  ///< r(t) = rate + slope·(t − begin); constant when slope == 0
  sine,    ///< r(t) = rate + amplitude·sin(omega·(t − begin) + phase), >= 0 on the whole segment
  opaque,  ///< no closed form: invert the owning profile's cumulative() numerically
};

/** A stretch [begin, end) of a profile on which the rate has a closed form.

    Why it exists: arrival schedules must invert `cumulative` millions of times per second.
    Profiles that model `segmented_profile` describe themselves as a chain of segments, and a
    schedule then inverts each arrival in closed form (linear) or by a short Newton iteration on
    the segment's own formula (sine), with no call back into the profile. Composition
    (sequences, scaling) maps segments with `shift`, `scale_load` and `scale_time`, so a composed
    profile keeps this fast path.

    Times are seconds of the owning profile; `cumulative_begin`/`cumulative_end` are that
    profile's `cumulative()` at `begin`/`end`. Parameters not used by `kind` are 0. A plain
    aggregate: trivially copyable, no invariants enforced. */
struct segment {
  double begin = 0;             ///< seconds, inclusive
  double end = 0;               ///< seconds, exclusive
  double cumulative_begin = 0;  ///< requests in [0, begin)
  double cumulative_end = 0;    ///< requests in [0, end)
  segment_kind kind = segment_kind::linear;
  double rate = 0;       ///< requests/s at `begin` (linear) or the sine's mean
  double slope = 0;      ///< linear: requests/s²
  double amplitude = 0;  ///< sine: requests/s
  double omega = 0;      ///< sine: radians/s
  double phase = 0;      ///< sine: radians at `begin`

  /// Rate at `t` (requests/s) from the closed form; NaN for `opaque`.
  double rate_at(double t) const noexcept {
    double const x = t - begin;
    switch (kind) {
      case segment_kind::linear: return rate + slope * x;
      case segment_kind::sine: return rate + amplitude * std::sin(omega * x + phase);
      case segment_kind::opaque: break;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

  /// Requests in [0, t) of the owning profile, for `t` in [begin, end]; NaN for `opaque`.
  double cumulative_at(double t) const noexcept {
    double const x = t - begin;
    switch (kind) {
      case segment_kind::linear: return cumulative_begin + x * (rate + 0.5 * slope * x);
      case segment_kind::sine:
        return cumulative_begin + rate * x +
               amplitude / omega * (std::cos(phase) - std::cos(omega * x + phase));
      case segment_kind::opaque: break;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

  /// This segment seen from a profile in which the owner starts at `time` and `requests` earlier.
  constexpr segment shift(double time, double requests) const noexcept {
    segment s = *this;
    s.begin += time;
    s.end += time;
    s.cumulative_begin += requests;
    s.cumulative_end += requests;
    return s;
  }

  /// This segment with every rate multiplied by `k` (see `scale_load`).
  constexpr segment scale_load(double k) const noexcept {
    segment s = *this;
    s.cumulative_begin *= k;
    s.cumulative_end *= k;
    s.rate *= k;
    s.slope *= k;
    s.amplitude *= k;
    return s;
  }

  /// This segment stretched in time by `k`: r'(t) = r(t / k) (see `scale_time`).
  constexpr segment scale_time(double k) const noexcept {
    segment s = *this;
    s.begin *= k;
    s.end *= k;
    s.cumulative_begin *= k;
    s.cumulative_end *= k;
    s.slope /= k;
    s.omega /= k;
    return s;
  }
};

/** A `rate_profile` that can describe itself as a chain of `segment`s.

    `p.segment_at(t)`, for `t` in [0, duration()), returns the segment with begin <= t < end.
    Chaining `segment_at(previous.end)` from `segment_at(0)` must tile [0, duration()) in order
    with strictly increasing `end`, and the segments' closed forms must agree with `rate_at` and
    `cumulative` (up to rounding). Outside [0, duration()) the result is some valid segment of
    the profile. Must be noexcept and allocation-free. */
template <class P>
concept segmented_profile = rate_profile<P> && requires(const P& p, double t) {
  { p.segment_at(t) } noexcept -> std::same_as<segment>;
};

/** The segment of `p` at `t`: `p.segment_at(t)` when `p` is a `segmented_profile`, otherwise
    one `opaque` segment spanning the whole profile (schedules then fall back to a guarded
    Newton/bisection on `p.cumulative`). */
template <rate_profile P>
segment segment_of(const P& p, double t) noexcept {
  if constexpr (segmented_profile<P>) {
    return p.segment_at(t);
  } else {
    (void)t;
    segment s;
    s.begin = 0;
    s.end = p.duration();
    s.cumulative_begin = 0;
    s.cumulative_end = p.cumulative(s.end);
    s.kind = segment_kind::opaque;
    return s;
  }
}

}  // namespace stress_testing::profile

#endif
