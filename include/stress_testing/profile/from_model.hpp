#ifndef STRESS_TESTING_PROFILE_FROM_MODEL_HPP
#define STRESS_TESTING_PROFILE_FROM_MODEL_HPP

#include <stress_testing/models.hpp>
#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/burst.hpp>
#include <stress_testing/profile/chaos.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/dynamic_sequence.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/wave.hpp>

#include <utility>
#include <vector>

namespace stress_testing::profile {

namespace detail {

inline any_profile make_ramp_up_profile(const stress_testing::load_profile& m, double duration) {
  double const start = require_non_negative(m.start_tps, "load_profile.start_tps");
  double const peak = require_non_negative(m.peak_tps, "load_profile.peak_tps");
  double const sustained = require_non_negative(m.sustained_tps, "load_profile.sustained_tps");
  double const up = require_non_negative(m.ramp_up_seconds, "load_profile.ramp_up_seconds");
  double const down = require_non_negative(m.ramp_down_seconds, "load_profile.ramp_down_seconds");
  if (up + down > duration)
    throw_invalid("load_profile.ramp_up_seconds",
                  "ramp_up_seconds + ramp_down_seconds must not exceed the duration", up + down);
  double const down_start = duration - down;
  double hold_end = down_start;
  if (m.peak_hold_seconds) {
    double const hold = require_non_negative(*m.peak_hold_seconds, "load_profile.peak_hold_seconds");
    if (up + hold + down > duration)
      throw_invalid("load_profile.peak_hold_seconds",
                    "ramp_up_seconds + peak_hold_seconds + ramp_down_seconds must not exceed the duration",
                    up + hold + down);
    hold_end = up + hold;
  }
  std::vector<any_profile> pieces;
  pieces.reserve(4);
  if (up > 0) pieces.emplace_back(linear_ramp(start, peak, up));
  if (hold_end > up) pieces.emplace_back(constant_rate(peak, hold_end - up));
  if (down_start > hold_end) pieces.emplace_back(constant_rate(sustained, down_start - hold_end));
  // The ramp-down leaves from whatever level precedes it: sustained when that stretch exists.
  double const before_down = down_start > hold_end ? sustained : peak;
  if (down > 0) pieces.emplace_back(linear_ramp(before_down, start, down));
  return dynamic_sequence(std::move(pieces));
}

}  // namespace detail

/** The seed's load profile semantics: turns the data model `load_profile` (models.hpp) into the
    curve a run follows for `duration_seconds` (finite, > 0).

    - SUSTAINED: `sustained_tps`, constant.
    - RAMP_UP: linear `start_tps` → `peak_tps` over `ramp_up_seconds`; `peak_tps` for
      `peak_hold_seconds` (nullopt: until the ramp-down begins); `sustained_tps` until
      duration − `ramp_down_seconds`; then linear back to `start_tps` over `ramp_down_seconds`,
      starting from the level reached (sustained_tps, or peak_tps when no sustained stretch is
      left). Zero-length ramps and holds are allowed and skipped. The seed's peak load (0 →
      10,000 over 300 s, hold, down over 300 s, 1,800 s) is `cumulative(1800) = 15,000,000`.
    - BURST: `burst(sustained_tps, burst_tps, burst_duration_seconds, burst_interval_seconds)`:
      bursts start after one baseline interval.
    - WAVE: `wave(sustained_tps, wave_amplitude, wave_period_seconds)`: clamped at 0 when the
      amplitude exceeds the mean.
    - CHAOS: `chaos(chaos_min_tps, chaos_max_tps, chaos_change_interval_seconds, seed)`.

    Throws std::invalid_argument naming the model field (`load_profile.ramp_up_seconds: ...`)
    for NaN, infinite or negative values and impossible combinations (ramps longer than the
    duration, a burst longer than its interval, chaos_min_tps > chaos_max_tps). This is the
    backstop; the configuration layer reports the same problems with the scenario's path. */
inline any_profile make_profile(const stress_testing::load_profile& model, double duration_seconds) {
  double const d = detail::require_positive(duration_seconds, "duration_seconds");
  using type = stress_testing::load_profile_type;
  switch (model.profile_type) {
    case type::sustained:
      return constant_rate(detail::require_non_negative(model.sustained_tps, "load_profile.sustained_tps"), d);
    case type::ramp_up: return detail::make_ramp_up_profile(model, d);
    case type::burst: {
      double const baseline = detail::require_non_negative(model.sustained_tps, "load_profile.sustained_tps");
      double const rate = detail::require_non_negative(model.burst_tps, "load_profile.burst_tps");
      double const length = detail::require_positive(model.burst_duration_seconds, "load_profile.burst_duration_seconds");
      double const interval =
          detail::require_positive(model.burst_interval_seconds, "load_profile.burst_interval_seconds");
      if (length > interval)
        detail::throw_invalid("load_profile.burst_duration_seconds", "must not exceed burst_interval_seconds", length);
      return burst(baseline, rate, length, interval, d);
    }
    case type::wave: {
      double const mean = detail::require_non_negative(model.sustained_tps, "load_profile.sustained_tps");
      double const amplitude = detail::require_non_negative(model.wave_amplitude, "load_profile.wave_amplitude");
      double const period = detail::require_positive(model.wave_period_seconds, "load_profile.wave_period_seconds");
      return wave(mean, amplitude, period, d);
    }
    case type::chaos: {
      double const lo = detail::require_non_negative(model.chaos_min_tps, "load_profile.chaos_min_tps");
      double const hi = detail::require_non_negative(model.chaos_max_tps, "load_profile.chaos_max_tps");
      double const interval = detail::require_positive(model.chaos_change_interval_seconds,
                                                       "load_profile.chaos_change_interval_seconds");
      if (hi < lo) detail::throw_invalid("load_profile.chaos_max_tps", "must be >= chaos_min_tps", hi);
      if (d / interval > static_cast<double>(chaos::max_levels))
        detail::throw_invalid("load_profile.chaos_change_interval_seconds",
                              "too small for the duration (more than 4194304 levels)", interval);
      return chaos(lo, hi, interval, d, model.seed);
    }
  }
  detail::throw_invalid("load_profile.profile_type", "unknown value");
}

}  // namespace stress_testing::profile

#endif
