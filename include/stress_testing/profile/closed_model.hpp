#ifndef STRESS_TESTING_PROFILE_CLOSED_MODEL_HPP
#define STRESS_TESTING_PROFILE_CLOSED_MODEL_HPP

#include <stress_testing/profile/detail/splitmix64.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/detail/validate.hpp>
#include <stress_testing/profile/think_time.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

namespace stress_testing::profile {

/** One stage of a ramp of users (k6's `ramping-vus`): over `duration_seconds` the number of
    users moves linearly from the previous stage's target (0 before the first) to
    `target_users`. A stage of 0 s jumps. */
struct user_stage {
  double duration_seconds = 0;
  std::size_t target_users = 0;
  friend bool operator==(const user_stage&, const user_stage&) = default;
};

/** When user `index` (0-based) of a ramp of `stages` is active: the spans (seconds from the
    run's start, in order, disjoint) where the stages' curve is at least `index + 1`. So users
    join in index order as the curve rises and the highest-numbered leave first as it falls; after
    the last stage the curve holds its last target (the last span may be infinite). */
inline std::vector<std::pair<double, double>> user_active_spans(const std::vector<user_stage>& stages,
                                                                std::size_t index) {
  std::vector<std::pair<double, double>> spans;
  double const level = static_cast<double>(index) + 1.0;
  auto add = [&spans](double from, double to) {
    if (!spans.empty() && spans.back().second >= from) spans.back().second = std::max(spans.back().second, to);
    else spans.emplace_back(from, to);
  };
  double t = 0, a = 0;
  for (auto const& st : stages) {
    double const b = static_cast<double>(st.target_users);
    double const d = st.duration_seconds;
    if (d > 0) {
      if (a >= level && b >= level) add(t, t + d);
      else if (a < level && b >= level) add(t + d * (level - a) / (b - a), t + d);
      else if (a >= level && b < level) add(t, t + d * (a - level) / (a - b));
    }
    t += d;
    a = b;
  }
  if (a >= level) add(t, std::numeric_limits<double>::infinity());
  return spans;
}

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

  /** Users following a ramp of `stages` (k6's `ramping-vus`; non-empty, finite durations >= 0,
      some target >= 1): user j is active over `user_active_spans(stages, j)`. This model holds
      the users `j = u × stride + offset` (u = 0, 1, ...) below the stages' peak: the share of one
      worker of `stride` (a worker with no user has `users() == 0`). Throws
      std::invalid_argument. */
  closed_model(std::vector<user_stage> stages, think_time think, std::uint64_t seed, std::size_t stride = 1,
               std::size_t offset = 0)
      : users_(0), ramp_up_(0), think_(think), seed_(seed), stride_(stride == 0 ? 1 : stride), offset_(offset) {
    std::size_t peak = 0;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      (void)detail::require_non_negative(stages[i].duration_seconds, "closed_model.stages.duration_seconds");
      peak = std::max(peak, stages[i].target_users);
    }
    if (peak == 0) detail::throw_invalid("closed_model.stages", "need a stage with target_users >= 1");
    users_ = offset_ < peak ? (peak - offset_ + stride_ - 1) / stride_ : 0;
    stages_ = std::make_shared<const std::vector<user_stage>>(std::move(stages));
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
    return user(think_, detail::counter_hash(seed_, global_index(index)), start_offset(index));
  }

  /** When user `index` sends its first request, from the start of the run: index·ramp_up/users;
      with stages, the start of its first active span (never: the nanosecond range's end). */
  std::chrono::nanoseconds start_offset(std::size_t index) const noexcept {
    if (stages_) {
      auto const spans = active_spans(index);
      return spans.empty() ? detail::to_nanoseconds(detail::max_nanosecond_seconds) : detail::to_nanoseconds(spans.front().first);
    }
    return detail::to_nanoseconds(ramp_up_ * (static_cast<double>(index) / static_cast<double>(users_)));
  }

  /** The spans (seconds from the run's start) in which user `index` of this model is active:
      with stages `user_active_spans`, else one span from its start offset on. */
  std::vector<std::pair<double, double>> active_spans(std::size_t index) const {
    if (stages_) return user_active_spans(*stages_, global_index(index));
    return {{std::chrono::duration<double>(start_offset(index)).count(), std::numeric_limits<double>::infinity()}};
  }

  /// The ramp's stages (empty: the linear ramp-up of `ramp_up_seconds`).
  const std::vector<user_stage>& stages() const noexcept {
    static const std::vector<user_stage> none;
    return stages_ ? *stages_ : none;
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
  std::size_t global_index(std::size_t index) const noexcept { return index * stride_ + offset_; }

  std::size_t users_;
  double ramp_up_;
  think_time think_;
  std::uint64_t seed_;
  std::size_t stride_ = 1;  // stages only: this model's users are j = u × stride + offset
  std::size_t offset_ = 0;
  std::shared_ptr<const std::vector<user_stage>> stages_;  // null: linear ramp-up
};

}  // namespace stress_testing::profile

#endif
