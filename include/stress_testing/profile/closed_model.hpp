#ifndef STRESS_TESTING_PROFILE_CLOSED_MODEL_HPP
#define STRESS_TESTING_PROFILE_CLOSED_MODEL_HPP

#include <stress_testing/profile/detail/splitmix64.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/think_time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace stress_testing::profile {

/** The pure part of a closed workload: N virtual users, each looping "send, wait for the
    response, think, send again" (the seed's "500+ concurrent users"). The async engine does
    the I/O; this gives it each user's start offset, each user's think times, and the expected
    per-user interval used for coordinated-omission correction.

    Ramp-up: user u (0-based) of N starts at u·ramp_up/N seconds, so users join evenly over the
    ramp and all are active from ramp_up·(N−1)/N on (ramp_up = 0: all start at once).

    Coordinated omission. A closed-model user waits for each response, so a stall silently
    delays the requests it would have sent: the measured latencies under-count the stall. The
    standard correction (HdrHistogram's `record_corrected_value(value, expected_interval)`)
    back-fills the samples the user would have taken had it kept its healthy cadence. That
    cadence is one response plus one pause:

        expected_interval = think.mean() + nominal_response_time

    where `nominal_response_time` is the response time of a healthy system, chosen by the
    caller (e.g. the warm-up median or the latency objective); the per-user rate is its inverse
    and the whole model offers `users / expected_interval` requests/s at that cadence (Little's
    law). With both terms 0 there is no cadence and the interval is 0: record uncorrected.

    Immutable value; safe to share between threads. Each user's think-time stream is a separate
    small object (`user`) owned by whoever drives that user. */
class closed_model {
 public:
  /** `users` virtual users (>= 1) joining over `ramp_up_seconds` (finite, >= 0), pausing per
      `think`; `seed` makes every user's pauses reproducible. Throws std::invalid_argument. */
  closed_model(std::size_t users, double ramp_up_seconds, think_time think, std::uint64_t seed = 0)
      : users_(users),
        ramp_up_(detail::require_non_negative(ramp_up_seconds, "closed_model.ramp_up_seconds")),
        think_(think),
        seed_(seed) {
    if (users_ == 0) detail::throw_invalid("closed_model.users", "must be >= 1");
    if (!(ramp_up_ < detail::max_nanosecond_seconds))
      detail::throw_invalid("closed_model.ramp_up_seconds", "exceeds the nanosecond range", ramp_up_);
  }

  /** One virtual user's think-time stream: 8 bytes of generator state (splitmix64 seeded from
      the model's seed and the user index), so thousands of users cost nothing. Not
      thread-safe; owned by the worker driving the user. */
  class user {
   public:
    /// The pause before this user's next request.
    std::chrono::nanoseconds next_think_time() noexcept { return think_.sample(engine_); }

    /// Replays the same pauses from the start.
    void reset() noexcept { engine_ = detail::splitmix64_engine(seed_); }

    /// Offset of this user's first request from the start of the run.
    std::chrono::nanoseconds start_offset() const noexcept { return start_; }

   private:
    friend class closed_model;
    user(think_time think, std::uint64_t seed, std::chrono::nanoseconds start) noexcept
        : think_(think), seed_(seed), start_(start), engine_(seed) {}

    think_time think_;
    std::uint64_t seed_;
    std::chrono::nanoseconds start_;
    detail::splitmix64_engine engine_;
  };

  /// User `index` (in [0, users())): its start offset and think-time stream.
  user make_user(std::size_t index) const noexcept {
    return user(think_, detail::counter_hash(seed_, index), start_offset(index));
  }

  /// When user `index` sends its first request: index·ramp_up/users, from the start of the run.
  std::chrono::nanoseconds start_offset(std::size_t index) const noexcept {
    return detail::to_nanoseconds(ramp_up_ * (static_cast<double>(index) / static_cast<double>(users_)));
  }

  /// think.mean() + nominal_response_time: one user's healthy send-to-send interval (see above).
  std::chrono::nanoseconds expected_interval(std::chrono::nanoseconds nominal_response_time) const noexcept {
    double const response = std::chrono::duration<double>(nominal_response_time).count();
    return detail::to_nanoseconds(think_.mean() + (response > 0.0 ? response : 0.0));
  }

  /// users / expected_interval in requests/s (0 when the interval is 0).
  double expected_throughput(std::chrono::nanoseconds nominal_response_time) const noexcept {
    double const interval = std::chrono::duration<double>(expected_interval(nominal_response_time)).count();
    return interval > 0.0 ? static_cast<double>(users_) / interval : 0.0;
  }

  std::size_t users() const noexcept { return users_; }
  double ramp_up_seconds() const noexcept { return ramp_up_; }
  const think_time& think() const noexcept { return think_; }
  std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::size_t users_;
  double ramp_up_;
  think_time think_;
  std::uint64_t seed_;
};

}  // namespace stress_testing::profile

#endif
