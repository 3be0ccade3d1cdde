#ifndef STRESS_TESTING_PROFILE_WAVE_HPP
#define STRESS_TESTING_PROFILE_WAVE_HPP

#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/segment.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>

namespace stress_testing::profile {

/** An oscillating rate, max(0, mean + amplitude·sin(2π·t/period)): the seed's WAVE shape.

    `amplitude > mean` is allowed: the rate is then clamped at 0 for part of each period (a
    wave with idle troughs), and `cumulative` stays exact, because it integrates only the
    positive part in closed form — the trough is the stretch where sin(θ) < −mean/amplitude,
    bounded by θ = π − α and 2π + α with α = asin(−mean/amplitude). A clamped wave's average
    rate is therefore above `mean`. The wave starts at `mean`, rising.

    Immutable value; every member is safe to call concurrently. */
class wave {
 public:
  /** `mean` and `amplitude` in requests/s (finite, >= 0); `period` and `duration` in seconds
      (finite, > 0). Throws std::invalid_argument naming the offending parameter. */
  wave(double mean, double amplitude, double period, double duration)
      : mean_(detail::require_non_negative(mean, "wave.mean")),
        amplitude_(detail::require_non_negative(amplitude, "wave.amplitude")),
        period_(detail::require_positive(period, "wave.period")),
        duration_(detail::require_positive(duration, "wave.duration")),
        omega_(2.0 * std::numbers::pi / period_),
        clamped_(amplitude_ > mean_) {
    if (clamped_) {
      double const alpha = std::asin(-mean_ / amplitude_);  // in [−π/2, 0]
      trough_begin_ = (std::numbers::pi - alpha) / omega_;
      trough_end_ = (2.0 * std::numbers::pi + alpha) / omega_;
      per_period_ = positive_part(trough_begin_) + positive_part(period_) - positive_part(trough_end_);
      // The first lobe spans half to three quarters of the period, the tail after the trough
      // at most a quarter (none when mean == 0).
      add_pieces(0.0, trough_begin_, 12);
      trough_piece_ = piece_count_;
      add_pieces(trough_begin_, trough_end_, 1);
      if (trough_end_ < period_) add_pieces(trough_end_, period_, 4);
    } else {
      trough_begin_ = trough_end_ = period_;
      per_period_ = mean_ * period_;
      add_pieces(0.0, period_, 16);
    }
  }

  /// max(0, mean + amplitude·sin(2π·t/period)) inside [0, duration()), 0 outside.
  double rate_at(double t) const noexcept {
    if (!detail::in_window(t, duration_)) return 0.0;
    double const k = detail::period_index(t, period_);
    double const r = mean_ + amplitude_ * std::sin(omega_ * (t - k * period_));
    return r > 0.0 ? r : 0.0;
  }

  /// Seconds.
  double duration() const noexcept { return duration_; }

  /// Requests in [0, t): whole periods times their integral plus the closed-form remainder.
  double cumulative(double t) const noexcept {
    double const x = detail::clamp_time(t, duration_);
    double const k = detail::period_index(x, period_);
    return k * per_period_ + within_period(x - k * period_);
  }

  /** The stretch of the wave around `t`: each period is cut into short `sine` segments (so
      that schedules start their Newton iteration close to the answer) and, when the wave is
      clamped, one zero-rate linear segment per trough (which schedules skip). */
  segment segment_at(double t) const noexcept {
    if (!(t > 0.0)) t = 0.0;
    if (t >= duration_) t = std::nextafter(duration_, 0.0);
    double const k = detail::period_index(t, period_);
    double const start = k * period_;
    std::size_t j = piece_count_ - 1;
    while (j > 0 && t < start + piece_starts_[j]) --j;
    segment s;
    s.begin = start + piece_starts_[j];
    s.end = std::min(j + 1 < piece_count_ ? start + piece_starts_[j + 1] : (k + 1.0) * period_, duration_);
    if (j != trough_piece_ && amplitude_ > 0.0) {
      s.kind = segment_kind::sine;
      s.amplitude = amplitude_;
      s.omega = omega_;
      s.phase = omega_ * piece_starts_[j];
    }
    s.rate = j == trough_piece_ ? 0.0 : mean_;
    s.cumulative_begin = cumulative(s.begin);
    s.cumulative_end = cumulative(s.end);
    return s;
  }

  double mean() const noexcept { return mean_; }            ///< requests/s
  double amplitude() const noexcept { return amplitude_; }  ///< requests/s
  double period() const noexcept { return period_; }        ///< seconds

  friend bool operator==(const wave& a, const wave& b) noexcept {
    return a.mean_ == b.mean_ && a.amplitude_ == b.amplitude_ && a.period_ == b.period_ &&
           a.duration_ == b.duration_;
  }

 private:
  void add_pieces(double from, double to, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i)
      piece_starts_[piece_count_++] = from + (to - from) * (static_cast<double>(i) / static_cast<double>(n));
  }

  // ∫₀ˣ (mean + amplitude·sin(ω·u)) du, no clamping.
  double positive_part(double x) const noexcept {
    return mean_ * x + amplitude_ / omega_ * (1.0 - std::cos(omega_ * x));
  }

  // Requests in [k·period, k·period + x) for x in [0, period].
  double within_period(double x) const noexcept {
    if (!clamped_) return positive_part(x);
    double v = positive_part(std::min(x, trough_begin_));
    if (x > trough_end_) v += positive_part(x) - positive_part(trough_end_);
    return v;
  }

  double mean_;
  double amplitude_;
  double period_;
  double duration_;
  double omega_;
  bool clamped_;
  double trough_begin_ = 0;  // seconds into each period where the clamped trough starts
  double trough_end_ = 0;    // ... and ends
  double per_period_ = 0;    // requests in one whole period
  // Segments within one period: start offsets in seconds, and which one is the trough.
  std::array<double, 17> piece_starts_{};
  std::size_t piece_count_ = 0;
  std::size_t trough_piece_ = 17;
};

}  // namespace stress_testing::profile

#endif
