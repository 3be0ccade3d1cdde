#ifndef STRESS_TESTING_LOAD_RUN_SUMMARY_HPP
#define STRESS_TESTING_LOAD_RUN_SUMMARY_HPP

/** What the load engines (`async_run_open_loop`, `async_run_closed_loop`) report about one run,
    as plain data: the accounting and the `generator_limited` heuristic. Pure (std only), so
    that results, reports and the dashboard can hold a run's accounting without Asio. */

#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/outcome.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace stress_testing::load {

/** When a run reports `generator_limited`: more than `late_fraction` of the issued requests
    were sent more than `late_threshold` after their intended time. With the defaults (1 ms, 1%)
    this also covers "p99 send lag above 1 ms", and a fortiori any larger p99 threshold. */
struct generator_limits {
  std::chrono::nanoseconds late_threshold{std::chrono::milliseconds(1)};
  double late_fraction = 0.01;
};

/** The `generator_limited` rule, in one place: more than `late_fraction` of `issued` requests
    were `late`. Used for the run (`finalize_summary`) and live for each sampled interval
    (`run::async_run`, which then does not let a latency criterion abort the run). */
constexpr bool exceeds_late_fraction(std::uint64_t late, std::uint64_t issued, double late_fraction) noexcept {
  return issued > 0 && static_cast<double>(late) > late_fraction * static_cast<double>(issued);
}

/** One step of the closed model's session (issue 15: e.g. "score", then "feedback" on its
    decision): its requests and their response times, apart from the other steps', since a
    feedback call and a scoring call answer at different speeds. A backfilled cadence slot
    (`run_summary::backfilled`) counts in the step of the request sent in its place, which it
    stands for. */
struct step_summary {
  /// 1 µs to one hour at 2 significant digits (1% precision, about 28 KiB): a step's p50/p99,
  /// not the run's exact figures (those are the recorder's histograms).
  static metrics::histogram make_histogram() { return metrics::histogram(1'000, 3'600'000'000'000, 2); }

  std::uint64_t issued = 0;              ///< requests of this step started on the target
  metrics::outcome_counters outcomes;    ///< outcome of every intended request of this step
  metrics::histogram response_time = make_histogram();  ///< ns, intended -> completed, sent requests only
  metrics::histogram service_time = make_histogram();   ///< ns, sent -> completed

  /// Adds another worker's figures for the same step.
  void add(const step_summary& other) {
    issued += other.issued;
    outcomes += other.outcomes;
    response_time.add(other.response_time);
    service_time.add(other.service_time);
  }
};

/** The accounting of one run: what the worker intended, what it did, and whether it kept up.
    The latency histograms are in the `interval_recorder`; this is what the engine itself knows.

    Invariant (DESIGN.md §3): `intended == outcomes.total() + not_sent_at_stop` for every run that
    completed without an error code, cancelled or not. */
struct run_summary {
  /// Arrivals of the schedule, including those never issued because the run was stopped.
  std::uint64_t intended = 0;
  /** Arrivals the run was stopped before (a user's stop, a criterion's abort): never sent, and
      not an outcome — the target did nothing wrong. Criteria and uptime are judged on the
      `due()` rest; stopping at a healthy target is no failure. */
  std::uint64_t not_sent_at_stop = 0;
  /// Requests started on the target (`async_request` called).
  std::uint64_t issued = 0;
  /** Outcome of every intended request, and the bytes moved (same counts as the recorder's).
      `count(dropped)` is `dropped_at_limit` plus any the target itself reported dropped. */
  metrics::outcome_counters outcomes;

  /// `dropped` because `max_in_flight` operations were outstanding at the arrival.
  std::uint64_t dropped_at_limit = 0;
  /// `timeout` because they were still in flight when the drain grace ended.
  std::uint64_t timed_out_at_stop = 0;
  /** Operations that had not returned when the run completed, even after cancellation and
      `cancel_grace` (a target that ignores cancellation). Their outcome is recorded
      (`timeout`), but the target must outlive them. */
  std::uint64_t abandoned = 0;

  /** Closed model only (`async_run_closed_loop`): cadence slots a virtual user could not send
      on time, recorded with the outcome and completion of the request sent in their place
      (coordinated-omission correction). Counted in `intended` and the outcomes, not in `issued`. */
  std::uint64_t backfilled = 0;

  /// Issued requests sent more than `generator_limits::late_threshold` (plus the open loop's
  /// `pacing_granularity`) after their intended time.
  std::uint64_t late = 0;
  /** The generator's own lateness over issued requests (~1% precision): open loop sent −
      intended, closed loop sent − planned send instant (not the user's lag behind its cadence).
      Merged over workers these are the worst worker's figures (`merge`), an upper bound; the
      exact merged distribution of sent − intended is the snapshot's `send_lag` histogram
      (`p99_send_lag_ms` in results.json's `metrics`, while these are its `generator.send_lag_*_ms`). */
  std::chrono::nanoseconds send_lag_p50{0};
  std::chrono::nanoseconds send_lag_p99{0};  ///< see `send_lag_p50`
  std::chrono::nanoseconds send_lag_max{0};  ///< see `send_lag_p50`
  /// The generator fell behind its schedule (see `generator_limits`): blame the generator, not the target.
  bool generator_limited = false;

  /** Closed model with a session of more than one step (`closed_loop_options::session_steps`):
      each step's figures, indexed by step; empty otherwise (the open model, a one-step
      session). The steps' `outcomes` add up to `outcomes`. */
  std::vector<step_summary> steps;

  /// The run was stopped by cancellation before its schedule ended.
  bool cancelled = false;
  /// From the run's start instant to its completion.
  std::chrono::nanoseconds elapsed{0};

  /// Requests that ended in `o`.
  std::uint64_t count(outcome o) const noexcept { return outcomes.count(o); }
  /// Requests that were due before the run ended or was stopped: `intended − not_sent_at_stop`.
  std::uint64_t due() const noexcept { return intended > not_sent_at_stop ? intended - not_sent_at_stop : 0; }
  /// `intended == outcomes.total() + not_sent_at_stop`: every intended request ended in exactly
  /// one outcome, or was never due.
  bool balanced() const noexcept { return intended == outcomes.total() + not_sent_at_stop; }
};

/** Uptime, the one definition every figure uses (hero and resilience `uptime_percentage`, the
    live feed, the summary, the report; docs/results.md): the share of the requests the profile
    asked for that ended `ok`, in percent, at request resolution:

        uptime_percentage = 100 × ok / intended

    where `intended` counts every request of the schedule that was due, whatever became of it:
    ok, failed at any site (an error injected at the client, a connection or I/O error, a
    timeout, an HTTP error or throttling) or dropped (never sent); a stopped run's rest
    (`run_summary::not_sent_at_stop`) was never due and is not counted. It is not 100 − the share of time spent
    CRITICAL (`downtime_seconds` is that, a separate figure): a run that fails 5% of its requests
    spread over its whole length has 95% uptime and no downtime.

    100 when nothing was intended (nothing was refused); never above 100 (`ok` is clamped to
    `intended` if the counts are inconsistent). */
constexpr double uptime_percentage(std::uint64_t ok, std::uint64_t intended) noexcept {
  if (intended == 0) return 100.0;
  return 100.0 * static_cast<double>(std::min(ok, intended)) / static_cast<double>(intended);
}

/// `uptime_percentage` of a run's accounting: `count(ok)` over the requests that were due
/// (`due()`: a stopped run's unsent rest is not counted against the target).
inline double uptime_percentage(const run_summary& a) noexcept {
  return uptime_percentage(a.count(outcome::ok), a.due());
}

/** Adds the accounting of another worker's run to `into` (the pool's merged summary): counts
    add; `send_lag_*` and `elapsed` take the maximum (a merged p99 is bounded by the worst
    worker's; the exact merged percentiles are in the merged snapshot's `send_lag`);
    `generator_limited` and `cancelled` are or-ed; the steps add step by step. Allocates only
    when `into` has fewer steps than `other` (the first merge). */
inline void merge(run_summary& into, const run_summary& other) {
  into.intended += other.intended;
  into.issued += other.issued;
  into.outcomes += other.outcomes;
  into.dropped_at_limit += other.dropped_at_limit;
  into.not_sent_at_stop += other.not_sent_at_stop;
  into.timed_out_at_stop += other.timed_out_at_stop;
  into.abandoned += other.abandoned;
  into.backfilled += other.backfilled;
  into.late += other.late;
  into.send_lag_p50 = std::max(into.send_lag_p50, other.send_lag_p50);
  into.send_lag_p99 = std::max(into.send_lag_p99, other.send_lag_p99);
  into.send_lag_max = std::max(into.send_lag_max, other.send_lag_max);
  into.generator_limited = into.generator_limited || other.generator_limited;
  into.cancelled = into.cancelled || other.cancelled;
  into.elapsed = std::max(into.elapsed, other.elapsed);
  if (into.steps.size() < other.steps.size()) into.steps.resize(other.steps.size());
  for (std::size_t i = 0; i < other.steps.size(); ++i) into.steps[i].add(other.steps[i]);
}

}  // namespace stress_testing::load

#endif
