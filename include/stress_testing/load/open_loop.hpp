#ifndef STRESS_TESTING_LOAD_OPEN_LOOP_HPP
#define STRESS_TESTING_LOAD_OPEN_LOOP_HPP

#include <stress_testing/load/detail/run_state.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/target/async_target.hpp>

#include <boost/asio/async_result.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <optional>

namespace stress_testing::load {

/** A source of intended send times: `s.next()` returns the next one as an offset from the run's
    start (non-decreasing), or nullopt when there are no more. `profile::arrival_schedule`
    models it; so can a test's hand-written list. Optionally `s.skip_remaining()` ends the source
    and returns how many arrivals it still held, so that a stop costs O(1), not O(the rest). */
template <class S>
concept arrival_source = std::move_constructible<S> && requires(S& s) {
  { s.next() } -> std::same_as<std::optional<std::chrono::nanoseconds>>;
};

/** Settings of one open-model run (one worker). */
struct open_loop_options {
  /// Operations outstanding at once (>= 1); an arrival that finds this many is `dropped`.
  std::size_t max_in_flight = 10'000;
  /// Per-request timeout from the send instant (> 0); `nanoseconds::max()` never times out.
  std::chrono::nanoseconds request_timeout{std::chrono::seconds(30)};
  /// After the last arrival (or a stop), how long requests in flight may still complete (>= 0).
  std::chrono::nanoseconds drain_grace{std::chrono::seconds(5)};
  /// After cancelling what is left, how long to wait for those operations to return (>= 0).
  std::chrono::nanoseconds cancel_grace{std::chrono::seconds(1)};
  /// The `generator_limited` heuristic.
  generator_limits generator{};
  /** Precise sending: when > 0, the arrival loop sleeps on the timer only until
      `intended − spin_before_deadline`, then polls `steady_clock` until the intended instant,
      yielding to the executor between polls (completions and other handlers still run). Trades
      up to this much CPU time per arrival for send-lag precision (a timer wake-up is late by
      tens of microseconds; see benchmarks/README.md). 0 (the default): timer only. */
  std::chrono::nanoseconds spin_before_deadline{0};
  /** Pacing granularity: when > 0, the arrival loop wakes only on a grid of this period
      (anchored at the run's start) and then sends every arrival that is due, so one timer
      wake-up sends several requests at high rates: the target sees the schedule quantised to the
      grid, at the same rate over any window of a period or more. Each request is then sent up to
      this much after its intended instant by design: that lateness is in the send lag (from the
      intended instant), and the response time counts from the request's grid instant (or its
      send, if earlier), so that a known server delay reads the same as without pacing; lateness
      beyond the grid instant (the generator behind) is in both. It saves the per-arrival timer
      re-arm and thread wake-up, which dominate the generator's CPU cost at fixed rates (wrk2
      paces on a 1 ms event-loop tick). 0 (the default): wake for each arrival. */
  std::chrono::nanoseconds pacing_granularity{0};
  /** Adaptive pacing, when `pacing_granularity` is 0: when > 0, the grid's period is chosen from
      the local arrival rate so that one wake-up serves about 32 arrivals, and is never longer than
      this bound (`detail::adaptive_grid`); where even the bound spans fewer than 2 arrivals (low
      rates) the loop wakes for each arrival, exactly on time. Lateness and response time are
      measured as with a fixed grid. 0 (the library's default): no adaptation. `stress-run` uses
      1 ms unless `--pacing` says otherwise: at 10,000/s and more its cost per request is then a
      fraction of waking per arrival's (benchmarks/README.md). */
  std::chrono::nanoseconds adaptive_pacing_bound{0};

  /** The most lateness the pacing may impose by design: the fixed grid's period, else the
      adaptive bound (the engine allows each request its own grid's period; an interval's verdict,
      which sees only the send-lag histogram, allows this). */
  std::chrono::nanoseconds pacing_lateness_bound() const noexcept {
    return pacing_granularity > std::chrono::nanoseconds::zero() ? pacing_granularity : adaptive_pacing_bound;
  }

  /// What is wrong with these options (the first problem found), or nullptr when they are valid.
  const char* problem() const noexcept {
    using std::chrono::nanoseconds;
    if (max_in_flight == 0) return "max_in_flight: must be >= 1";
    if (request_timeout <= nanoseconds::zero()) return "request_timeout: must be > 0";
    if (drain_grace < nanoseconds::zero()) return "drain_grace: must be >= 0";
    if (cancel_grace < nanoseconds::zero()) return "cancel_grace: must be >= 0";
    if (spin_before_deadline < nanoseconds::zero()) return "spin_before_deadline: must be >= 0";
    if (pacing_granularity < nanoseconds::zero()) return "pacing_granularity: must be >= 0";
    if (adaptive_pacing_bound < nanoseconds::zero()) return "adaptive_pacing_bound: must be >= 0";
    if (generator.late_threshold < nanoseconds::zero()) return "generator.late_threshold: must be >= 0";
    if (!(generator.late_fraction >= 0.0 && generator.late_fraction <= 1.0))
      return "generator.late_fraction: must be in [0, 1]";
    return nullptr;
  }
};

/** Runs one worker's share of an open-model load test (DESIGN.md §3): every arrival of
    `schedule` is sent to `target` at its intended time, whatever the target's speed; nothing
    ever waits for a response before sending.

    Per request the engine knows three instants, intended (`start` + the schedule's offset),
    sent (`async_request` called) and completed, and records into `recorder` the response time
    (completed − intended; with pacing, completed − the request's grid instant or its send if
    earlier, see `pacing_granularity`), the service time (completed − sent), the send lag (sent −
    intended), the outcome and the bytes. Every intended request ends in exactly one outcome:
    - the target's (`request_result::kind`), where an error code with `kind == ok` is `io_error`
      (a target may itself say `dropped`: its own queue was full and nothing was sent);
    - `dropped` when `max_in_flight` operations are outstanding at its intended time (timed-out
      operations count until they return);
    - `timeout` when it has not completed `request_timeout` after it was sent, or is still in
      flight when the drain grace ends: recorded at that instant with the durations elapsed so
      far (it was at least that slow); its operation is cancelled (`terminal`) and whatever it
      reports later is ignored.

    An arrival the run was stopped before is no outcome: it is counted in
    `run_summary::not_sent_at_stop` (the target did nothing wrong), and `intended` =
    `outcomes.total()` + `not_sent_at_stop`.

    Ending: when the schedule ends or the run is stopped, no arrival is sent any more; those not
    reached are counted `not_sent_at_stop` in O(1) when the schedule has `skip_remaining()`
    (`profile::arrival_schedule`: exact for uniform arrivals, the expected count for Poisson),
    else by walking it (~15 ns each, in slices that let completions run), so `intended` is what
    the schedule would have produced. Requests in
    flight get `drain_grace` (their timeouts still apply); those left are recorded `timeout` and
    cancelled, and the run waits up to `cancel_grace` for their operations to return.

    @param target The target. Must outlive the operation, and longer if the summary's
    `abandoned` is not 0: those operations ignored cancellation and are still outstanding (keep
    the target alive until they return, or destroy the execution context).
    @param schedule The intended send times; moved into the operation.
    @param recorder Receives every outcome (single writer: this run). Must outlive the
    operation; its reader side (`sample`, `cumulative`) may be used from any thread meanwhile.
    @param start The run's start instant; the schedule's offsets count from it.
    @param options Copied at initiation. `options.problem()` completes with
    `errc::invalid_argument` and an empty summary.
    @param token The completion token. Its handler's signature is
    @code
    void handler(boost::system::error_code ec, run_summary summary);
    @endcode
    `ec` is empty for a run that ended normally **or was stopped** (`summary.cancelled`): a
    stopped run is a valid run whose results must not be lost to an exception (`use_future` and
    `use_awaitable` throw on an error code). Another code only if the engine itself failed (out
    of memory); the summary may then not be balanced. The handler is never invoked from within
    this function: it is invoked as if by `boost::asio::post`, on its associated executor
    (default: the target's).

    @par Per-Operation Cancellation
    Any cancellation type, through the handler's associated slot. The first emission stops the
    run (see Ending); the next ones cut the current grace period short. Emit on the target's
    executor.

    @par Threading
    Everything runs on `target.get_executor()`, which must not run two handlers at once (an
    `io_context` run by one thread, or a strand). The library never runs the execution context.

    @par Cost
    Per request one pooled slot (bounded by `max_in_flight`), one timer wait for the arrival and
    the target's own handler allocation; one timer serves every timeout (the oldest request's). */
template <target::async_target Target, arrival_source Schedule,
          boost::asio::completion_token_for<run_signature> CompletionToken>
auto async_run_open_loop(Target& target, Schedule schedule, metrics::interval_recorder& recorder,
                         std::chrono::steady_clock::time_point start, const open_loop_options& options,
                         CompletionToken&& token);

}  // namespace stress_testing::load

#include <stress_testing/load/impl/open_loop.hpp>

#endif
