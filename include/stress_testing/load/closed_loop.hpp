#ifndef STRESS_TESTING_LOAD_CLOSED_LOOP_HPP
#define STRESS_TESTING_LOAD_CLOSED_LOOP_HPP

#include <stress_testing/load/detail/run_state.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/profile/closed_model.hpp>
#include <stress_testing/target/async_target.hpp>

#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace stress_testing::load {

/** Settings of one closed-model run. */
struct closed_loop_options {
  /** The response time of a healthy system (e.g. the warm-up median or the latency objective):
      with the think time it sets each user's cadence, the expected interval of
      coordinated-omission correction (see `async_run_closed_loop`). >= 0. */
  std::chrono::nanoseconds nominal_response_time{0};
  /// Per-request timeout from the send instant (> 0); `nanoseconds::max()` never times out.
  std::chrono::nanoseconds request_timeout{std::chrono::seconds(30)};
  /// After the duration ends (or a stop), how long requests in flight may still complete (>= 0).
  std::chrono::nanoseconds drain_grace{std::chrono::seconds(5)};
  /// After cancelling what is left, how long to wait for those operations to return (>= 0).
  std::chrono::nanoseconds cancel_grace{std::chrono::seconds(1)};
  /// The `generator_limited` heuristic, applied to the generator's own lateness (see below).
  generator_limits generator{};
  /** The steps of each user's session (issue 15; >= 1): a user's k-th request is step
      `k mod session_steps`, told to the target through `target::request_context::step` (with
      the user's index in `user`). With more than one step the run also reports each step's
      figures (`run_summary::steps`). */
  std::size_t session_steps = 1;
  /** Per step (at most `session_steps` entries; missing or empty ones: the model's think time),
      a fixed pause after that step's response that replaces the model's think time: e.g. an
      analyst reads a decision for 2 s before sending feedback, then thinks the model's time
      after the feedback. Each >= 0. */
  std::vector<std::optional<std::chrono::nanoseconds>> step_think;
  /** Per step (as `step_think`), the healthy response time of that step, which replaces
      `nominal_response_time` in the cadence after that step's request: a scoring call and a
      feedback call answer at different speeds, and one nominal for both would over- or
      under-state each step's response time by the difference. Each >= 0. */
  std::vector<std::optional<std::chrono::nanoseconds>> step_nominal;

  /// What is wrong with these options (the first problem found), or nullptr when they are valid.
  const char* problem() const noexcept {
    using std::chrono::nanoseconds;
    if (nominal_response_time < nanoseconds::zero()) return "nominal_response_time: must be >= 0";
    if (request_timeout <= nanoseconds::zero()) return "request_timeout: must be > 0";
    if (drain_grace < nanoseconds::zero()) return "drain_grace: must be >= 0";
    if (cancel_grace < nanoseconds::zero()) return "cancel_grace: must be >= 0";
    if (generator.late_threshold < nanoseconds::zero()) return "generator.late_threshold: must be >= 0";
    if (!(generator.late_fraction >= 0.0 && generator.late_fraction <= 1.0))
      return "generator.late_fraction: must be in [0, 1]";
    if (session_steps == 0) return "session_steps: must be >= 1";
    if (step_think.size() > session_steps) return "step_think: more entries than session_steps";
    for (auto const& t : step_think)
      if (t && *t < nanoseconds::zero()) return "step_think: must be >= 0";
    if (step_nominal.size() > session_steps) return "step_nominal: more entries than session_steps";
    for (auto const& t : step_nominal)
      if (t && *t < nanoseconds::zero()) return "step_nominal: must be >= 0";
    return nullptr;
  }
};

/** Runs a closed-model load test (DESIGN.md §3): `model.users()` virtual users, each looping
    "send a request, wait for its response, think, send again" against `target` from its start
    offset (`model.start_offset(u)`, the ramp-up) until `duration` after `start`, or a stop.
    Request numbers are `round × users + u` (unique).

    Sessions (`options.session_steps`, issue 15). Each user repeats its session's steps in
    order: its k-th request (k = its round) is step `k mod session_steps`, and the target learns
    the user and the step from `target::current_request()` while the request is initiated (an
    HTTP target sends each step to its own path, `target/http_target.hpp`). The pause after a
    step's response is that step's `options.step_think` when given, else the model's think time;
    the cadence's next slot after a step's request is its send + that step's nominal response
    (`options.step_nominal`, else `nominal_response_time`) + that pause. The backfilled slots are
    spaced by the mean of (nominal + pause) over the steps (exact when every step is alike). A user
    retired by a ramp and re-admitted carries on with its next step.

    Coordinated omission. A closed user waits for each response, so a stall silently delays the
    requests it would have sent. Each user therefore keeps a cadence: its first slot is
    `start + start_offset(u)`, and after request k (sent at `sent_k`, followed by the pause
    `think_k`) the next slot is `sent_k + nominal_response_time + think_k`. While the system
    answers within `nominal_response_time` the user sends exactly on its slots (constant think
    time: `slot_k = slot_0 + k × expected_interval`, up to timer wake-up lateness, where
    `expected_interval = think.mean() + options.nominal_response_time`). A request is sent at
    `max(next slot, previous completion + think)`, and takes the **latest slot due** by its send
    instant as its intended time; the earlier due slots (spaced by `expected_interval`) are the
    requests the user could not send on time. Every one of them is recorded, when the request
    completes, with the request's outcome and `response = completed − slot`, `service =
    completed − sent`, `send lag = sent − slot` (HdrHistogram's `record_corrected_value`, made
    exact by the cadence): a stall shows for every request the user missed, and the user catches
    up on its cadence instead of carrying the delay forever. They count in `intended` (and in
    the outcomes, so `intended == outcomes.total()` holds) and in `run_summary::backfilled`, not
    in `issued`. A response slower than `nominal_response_time` by `x` (less than one interval)
    delays the next request by `x`, which its response time includes: the correction's known
    over-estimate for a uniformly slow system, bounded by `x` because the cadence restarts from
    each send. Choose the healthy response time (not below it). With no expected interval (think
    mean and nominal both 0) there is no cadence: every request's intended instant is its send
    instant and the response time is completed − sent.

    Run-level figures: `send_lag_*`, `late` and `generator_limited` measure the *generator's*
    lateness (sent − planned send instant), not the user's lag behind its cadence (which the
    target causes).

    Ending and timeouts are those of `async_run_open_loop`: at the end of `duration` (or the
    first stop) no user sends again (a user waiting to send retires; slots not reached are not
    counted), requests in flight get `drain_grace`, then are recorded `timeout` and cancelled,
    then `cancel_grace` for their operations to return. A timed-out request is recorded
    `timeout` at its deadline and cancelled; its user continues once the operation returns.

    @param target The target. Must outlive the operation, and longer if the summary's
    `abandoned` is not 0 (as for `async_run_open_loop`).
    @param model The users, their ramp-up and think time. Copied: it need not outlive the call,
    even with a deferred token.
    @param duration How long users start requests, from `start` (>= 0).
    @param recorder Receives every outcome (single writer: this run). Must outlive the
    operation; its reader side may be used from any thread meanwhile.
    @param start The run's start instant.
    @param options Copied at initiation. `options.problem()` or a negative `duration` completes
    with `errc::invalid_argument` and an empty summary.
    @param token The completion token. Its handler's signature is
    @code
    void handler(boost::system::error_code ec, run_summary summary);
    @endcode
    with the meaning of `async_run_open_loop`'s (a stopped run completes without an error). The
    handler is never invoked from within this function: it is invoked as if by
    `boost::asio::post`, on its associated executor (default: the target's).

    @par Per-Operation Cancellation
    Any cancellation type, through the handler's associated slot: the first emission stops the
    run, the next ones cut the current grace period short. Emit on the target's executor.

    @par Threading
    Everything runs on `target.get_executor()`, one handler at a time (an `io_context` run by
    one thread, or a strand).

    @par Cost
    One timer per user; no allocation per request beyond the target's and the handlers'. */
template <target::async_target Target, boost::asio::completion_token_for<run_signature> CompletionToken>
auto async_run_closed_loop(Target& target, const profile::closed_model& model, std::chrono::nanoseconds duration,
                           metrics::interval_recorder& recorder, std::chrono::steady_clock::time_point start,
                           const closed_loop_options& options, CompletionToken&& token);

}  // namespace stress_testing::load

#include <stress_testing/load/impl/closed_loop.hpp>

#endif
