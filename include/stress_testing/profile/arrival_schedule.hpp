#ifndef STRESS_TESTING_PROFILE_ARRIVAL_SCHEDULE_HPP
#define STRESS_TESTING_PROFILE_ARRIVAL_SCHEDULE_HPP

#include <stress_testing/profile/detail/solve.hpp>
#include <stress_testing/profile/detail/splitmix64.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <utility>

namespace stress_testing::profile {

/** How arrivals are spread at the local rate (open model, DESIGN.md §3). */
enum class arrival_process : std::uint8_t {
  /** Evenly spaced, deterministic (wrk2-style constant throughput): arrival j is the instant
      where cumulative() reaches j + ½. Placing each arrival at the middle of its unit of
      cumulative load keeps window counts unbiased (round(Λ) rather than ceil(Λ)) and never
      fires at an instant where the rate is still 0 (the first instant of a ramp from 0). */
  uniform,
  /** Non-homogeneous Poisson by time rescaling: cumulative() advances by independent Exp(1)
      draws, so arrivals are a Poisson process at the local rate. Reproducible: std::mt19937_64
      seeded from `arrival_options::seed`. */
  poisson,
};

/** Which process, and which share of it, an `arrival_schedule` generates. */
struct arrival_options {
  arrival_process process = arrival_process::uniform;
  /// Poisson only: same seed (and worker) ⇒ same schedule.
  std::uint64_t seed = 0;
  /// Workers sharing the schedule (>= 1); see `arrival_schedule` for the partition.
  std::size_t worker_count = 1;
  /// This worker, in [0, worker_count).
  std::size_t worker_index = 0;
};

/** The intended send times of a profile: the instant of every request, as an offset from the
    start of the run, found by inverting `cumulative()`.

    Partitioning: W schedules built with worker_count = W and worker_index = 0..W−1 together
    make the whole schedule, with no coordination. Uniform: worker i owns arrivals j ≡ i (mod
    W), so the union of the W schedules is bit-for-bit the single-worker schedule. Poisson:
    worker i draws an independent Poisson stream at rate/W (cumulative steps of W·Exp(1), from
    an mt19937_64 seeded with the i-th splitmix64 output of `seed`); the superposition of W
    independent Poisson processes at rate/W is a Poisson process at the full rate.

    Cost: for a `segmented_profile` the profile is consulted once per segment (O(1) per
    arrival amortised) and each arrival is inverted in closed form on linear segments and by a
    few Newton steps on sine segments; other profiles are inverted by a guarded Newton/bisection
    on `cumulative`. Zero-rate stretches are skipped (their cumulative is flat). `next()` never
    allocates or throws. Every instant depends only on its target cumulative value, not on the
    path taken, which is what makes the uniform partition exact.

    Not thread-safe: one schedule per worker (DESIGN.md §3). */
template <rate_profile Profile>
class arrival_schedule {
 public:
  /** Schedules `profile` (copied). Throws std::invalid_argument when worker_count is 0,
      worker_index >= worker_count, or the profile is longer than the nanosecond range
      (~285 years). */
  explicit arrival_schedule(Profile profile, arrival_options options = {})
      : profile_(std::move(profile)),
        options_(options),
        duration_(profile_.duration()),
        total_(profile_.cumulative(duration_)),
        stride_(static_cast<double>(options.worker_count)) {
    if (options_.worker_count == 0) detail::throw_invalid("arrival_options.worker_count", "must be >= 1");
    if (options_.worker_index >= options_.worker_count)
      detail::throw_invalid("arrival_options.worker_index", "must be < worker_count",
                            static_cast<double>(options_.worker_index));
    if (!(duration_ < detail::max_nanosecond_seconds))
      detail::throw_invalid("arrival_schedule", "profile duration exceeds the nanosecond range", duration_);
    reset();
  }

  /** The next intended send time of this worker, as an offset from the start of the run, or
      nullopt when the profile is exhausted (and forever after, until `reset`). Non-decreasing. */
  std::optional<std::chrono::nanoseconds> next() noexcept {
    if (done_) return std::nullopt;
    double const target = options_.process == arrival_process::uniform
                              ? static_cast<double>(next_index_) + 0.5
                              : target_ + stride_ * exponential();
    if (!(target < total_) || !locate(target)) {
      done_ = true;
      return std::nullopt;
    }
    double const t = invert(target);
    if (!(t < duration_)) {
      done_ = true;
      return std::nullopt;
    }
    next_index_ += options_.worker_count;
    target_ = target;
    ++issued_;
    return detail::to_nanoseconds(t);
  }

  /// Starts over: the same instants again (the Poisson generator is re-seeded).
  void reset() noexcept {
    rng_.seed(detail::counter_hash(options_.seed, options_.worker_index));
    next_index_ = options_.worker_index;
    target_ = 0.0;
    issued_ = 0;
    done_ = !(duration_ > 0.0 && total_ > 0.0);
    if (!done_) segment_ = segment_of(profile_, 0.0);
  }

  /** Ends the schedule in O(1) and returns how many arrivals `next()` would still have returned:
      what a stopped run never sent (`load::run_summary::not_sent_at_stop`), counted without
      walking a plan that may hold 10^11 arrivals. Uniform: exact, the global indices j ≡
      worker_index (mod worker_count) from the next one with j + ½ < cumulative(duration).
      Poisson: the arrivals were never drawn, so the count is the expected one, (cumulative(duration)
      − the last arrival's cumulative) / worker_count, rounded to the nearest integer. `next()`
      returns nullopt afterwards, until `reset`. */
  std::uint64_t skip_remaining() noexcept {
    if (done_) return 0;
    done_ = true;
    double const stride = stride_;
    double const rest = options_.process == arrival_process::uniform
                            ? std::ceil((total_ - 0.5 - static_cast<double>(next_index_)) / stride)
                            : std::round((total_ - target_) / stride);
    if (!(rest > 0.0)) return 0;
    // Above 2^64 only by a profile no run could honour (validation caps rate × duration far lower).
    if (!(rest < 0x1p64)) return std::numeric_limits<std::uint64_t>::max();
    return static_cast<std::uint64_t>(rest);
  }

  /// Arrivals returned by `next()` since construction or the last `reset()`.
  std::uint64_t issued() const noexcept { return issued_; }

  /// Expected number of arrivals this worker will return: cumulative(duration) / worker_count.
  double expected_count() const noexcept { return total_ / stride_; }

  const Profile& profile() const noexcept { return profile_; }
  const arrival_options& options() const noexcept { return options_; }

 private:
  double exponential() noexcept { return -std::log(1.0 - detail::to_unit(rng_())); }

  // Moves segment_ forward to the first segment whose cumulative_end exceeds the target; false
  // when the profile ends first. Segments are visited in order by every worker, so all workers
  // pick the same segment for the same target.
  bool locate(double target) noexcept {
    while (!(target < segment_.cumulative_end)) {
      if (!(segment_.end < duration_)) return false;
      segment const following = segment_of(profile_, segment_.end);
      if (!(following.end > segment_.end)) return false;  // a segment_at that makes no progress
      segment_ = following;
    }
    return true;
  }

  double invert(double target) const noexcept {
    segment const& s = segment_;
    double const lo = s.begin;
    double const hi = s.end;
    double const dy = target - s.cumulative_begin;
    if (!(dy > 0.0)) return lo;  // rounding put the target at or before the segment's start
    double t = lo;
    switch (s.kind) {
      case segment_kind::linear:
        if (s.slope == 0.0) {
          t = lo + dy / s.rate;
        } else {
          // Root of slope/2·x² + rate·x − dy in the cancellation-free form.
          double const disc = s.rate * s.rate + 2.0 * s.slope * dy;
          double const denom = s.rate + (disc > 0.0 ? std::sqrt(disc) : 0.0);
          t = denom > 0.0 ? lo + 2.0 * dy / denom : lo;
        }
        break;
      case segment_kind::sine: {
        double const reach = s.amplitude / s.omega;
        double const base = s.cumulative_begin + reach * std::cos(s.phase) - target;
        t = detail::solve_increasing(
            [&](double u) noexcept {
              double const theta = s.omega * (u - lo) + s.phase;
              return detail::value_and_slope{base + s.rate * (u - lo) - reach * std::cos(theta),
                                             s.rate + s.amplitude * std::sin(theta)};
            },
            lo, hi, interpolate(s, target));
        break;
      }
      case segment_kind::opaque:
        t = detail::solve_increasing(
            [&](double u) noexcept {
              return detail::value_and_slope{profile_.cumulative(u) - target, profile_.rate_at(u)};
            },
            lo, hi, interpolate(s, target));
        break;
    }
    if (!(t > lo)) return lo;
    return t < hi ? t : hi;
  }

  // Deterministic first guess: where the segment's chord reaches the target.
  static double interpolate(const segment& s, double target) noexcept {
    double const span = s.cumulative_end - s.cumulative_begin;
    return span > 0.0 ? s.begin + (s.end - s.begin) * ((target - s.cumulative_begin) / span) : s.begin;
  }

  Profile profile_;
  arrival_options options_;
  double duration_;
  double total_;
  double stride_;
  segment segment_{};
  std::uint64_t next_index_ = 0;  // uniform: global index of the next arrival
  double target_ = 0.0;           // poisson: cumulative value of the last arrival
  std::uint64_t issued_ = 0;
  bool done_ = true;
  std::mt19937_64 rng_;
};

template <rate_profile Profile>
arrival_schedule(Profile, arrival_options) -> arrival_schedule<Profile>;

template <rate_profile Profile>
arrival_schedule(Profile) -> arrival_schedule<Profile>;

}  // namespace stress_testing::profile

#endif
