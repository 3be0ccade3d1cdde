#ifndef STRESS_TESTING_LOAD_DETAIL_ADAPTIVE_PACING_HPP
#define STRESS_TESTING_LOAD_DETAIL_ADAPTIVE_PACING_HPP

// How the open loop chooses when to wake for an arrival (load/open_loop.hpp,
// `open_loop_options::pacing_granularity` and `adaptive_pacing_bound`). Pure arithmetic on time
// points, so that the choice is tested with made-up instants, without a clock.

#include <chrono>
#include <cstdint>

namespace stress_testing::load::detail {

/// The instant of the grid of period `grid` anchored at `start` at or after `intended`; `intended`
/// itself when `grid` is 0 or the arrival is due at or before the start.
template <class TimePoint>
constexpr TimePoint grid_wake(TimePoint start, TimePoint intended, typename TimePoint::duration grid) noexcept {
  using duration = typename TimePoint::duration;
  if (grid <= duration::zero() || intended <= start) return intended;
  auto const since = intended - start;
  return start + ((since + grid - duration(1)) / grid) * grid;
}

/** The grid period for the default, adaptive pacing, chosen from the local arrival rate.

    Each arrival is `observe`d in order (its intended instant); the spacing of arrivals is
    tracked as a moving average of the last gaps (weight 1/8: a ramp or a Poisson process is
    followed within a few dozen arrivals). The period is `arrivals_per_wake` average gaps, at most
    `bound`: a wake-up then serves about that many arrivals, and no arrival is sent more than
    `bound` after its instant. When even `bound` would not span `min_per_wake` gaps (low rates,
    where the per-arrival wake-up costs little in all), the period is 0: wake for each arrival,
    exactly on time. `bound` 0 disables the adaptation (always 0). */
template <class Duration>
class adaptive_grid {
 public:
  /// Arrivals one wake-up aims to serve. With batched reads (`http_target`) a wake-up is what a
  /// fixed rate costs beyond each request's own send and read: 8 per wake-up cost 16.1 µs per
  /// request at 30,000/s, 1 ms (30) 12.1 µs (benchmarks/README.md). 32 makes the grid the
  /// 1 ms bound from 4,000/s to 32,000/s, and keeps the lateness shorter above.
  static constexpr std::int64_t arrivals_per_wake = 32;
  /// Fewer arrivals per wake-up than this: not worth any lateness.
  static constexpr std::int64_t min_per_wake = 2;

  constexpr explicit adaptive_grid(Duration bound) noexcept : bound_(bound) {}

  /// Takes the next arrival's intended instant (non-decreasing) and returns the grid period for it.
  template <class TimePoint>
  constexpr Duration observe(TimePoint intended) noexcept {
    if (bound_ <= Duration::zero()) return Duration::zero();
    auto const now = intended.time_since_epoch();
    if (seen_ == 0) {
      seen_ = 1;
      last_ = now;
      return Duration::zero();
    }
    auto const gap = now - last_;
    last_ = now;
    if (seen_ == 1) {
      seen_ = 2;
      mean_gap_ = gap;
    } else {
      mean_gap_ += (gap - mean_gap_) / 8;
    }
    return period();
  }

  /// The period for the current average gap (0 before two arrivals were observed).
  constexpr Duration period() const noexcept {
    if (seen_ < 2 || bound_ <= Duration::zero()) return Duration::zero();
    auto const gap = mean_gap_ > Duration::zero() ? mean_gap_ : Duration(1);
    if (gap * min_per_wake > bound_) return Duration::zero();
    auto const want = gap * arrivals_per_wake;
    return want < bound_ ? want : bound_;
  }

 private:
  Duration bound_;
  Duration last_{};
  Duration mean_gap_{};
  int seen_ = 0;
};

}  // namespace stress_testing::load::detail

#endif
