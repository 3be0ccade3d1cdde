#ifndef STRESS_TESTING_RUN_ORCHESTRATOR_HPP
#define STRESS_TESTING_RUN_ORCHESTRATOR_HPP

/** Runs a `test_scenario` against a target: drives its load profile through a worker pool,
    samples every interval, classifies degradation, judges the success criteria live (stopping
    the run when an abort-on-fail criterion fails) and at the end, and returns a `run_result`.

    This is the one place where a run's numbers are put together; the latencies themselves are
    recorded by the engine (`load/open_loop.hpp`, where each request's completion is timed against
    its intended send time). */

#include <stress_testing/config/validation.hpp>
#include <stress_testing/criteria.hpp>
#include <stress_testing/fault/inject.hpp>
#include <stress_testing/fault/recipes.hpp>
#include <stress_testing/fault/site.hpp>
#include <stress_testing/fault/timeline.hpp>
#include <stress_testing/load/worker_pool.hpp>
#include <stress_testing/metrics/process_usage.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/from_model.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/run/assemble.hpp>
#include <stress_testing/run/progress.hpp>
#include <stress_testing/run/result.hpp>
#include <stress_testing/run/shard.hpp>
#include <stress_testing/target/service_stats.hpp>
#include <stress_testing/target/target_report.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing::run {

namespace asio = boost::asio;

/// How to run a scenario.
struct run_options {
  /// Sampling interval for the series, live criteria and progress (> 0).
  std::chrono::nanoseconds interval{std::chrono::seconds(1)};
  /// Workers, per-request timeout, in-flight bound, histogram layout, arrival process, seed.
  /// `pool.seed == 0` takes the scenario's `load_profile.seed`.
  load::worker_pool_options pool{};
  degradation_thresholds degradation{};
  recovery_thresholds recovery{};
  /// Lead time between starting the workers and the first intended instant, so the first
  /// requests are not late because threads were still starting.
  std::chrono::nanoseconds start_delay{std::chrono::milliseconds(20)};
  /** A start shared with other processes (the shards of one run, `run/shard.hpp`): the first
      intended instant is this wall-clock time instead of now + `start_delay`. A process that
      gets there late still runs the shared plan: its first requests are late and counted so
      (send lag). Refused when it is more than the run's duration in the past. */
  std::optional<std::chrono::system_clock::time_point> start_at;
  /** This process's part of a run split over several (`run/shard.hpp`): sets
      `pool.shard_index`/`shard_count`, and the result's `shard` record. Every shard must run
      the same scenario, seed, `pool.workers` and `interval`, and should share `start_at`. */
  std::optional<shard_spec> shard;
  /// Keep each interval's histograms, encoded, in `interval_record::histograms` (for merging
  /// the shards of a run exactly; a few KB an interval). Always on for a `shard`.
  bool keep_interval_histograms = false;
  /** The load to drive instead of the scenario's `load_profile`: any rate profile, composed ones
      (`then(...)`, `scale_load`, `scale_time`) included. Empty (the default): the scenario's.
      When set, its `duration()` is the run's (the scenario's `duration_seconds` is set to it). */
  profile::any_profile profile;
  /** Inject the scenario's `failure_scenarios` (the default): each at its `target_component`, or
      at `default_failure_component` when it has none, on the run's own clock. Off: the failures
      are only analysed as windows (the host injects them some other way). */
  bool inject_failures = true;
  /** A run in which no request succeeded (no `ok`, counting also a run that sent nothing) ends
      FAILED, with the first cause of each failure class in its reason, whatever its criteria
      say: an unreachable target (a certificate the client does not trust, a wrong port) must not
      read as a pass. A run the caller stopped before anything was due is exempt. Off: judged on
      its criteria alone (a test of a target that is meant to fail everything). */
  bool require_success = false;
  /// "client" (a decorator in front of every worker's target; fault/inject.hpp), or a component
  /// of one of `failure_sites`.
  std::string default_failure_component = "client";
  /** Sites the host lets the run inject into (a fault proxy, a service it runs): see
      `fault::failure_site`. Their `apply` is called on the run's executor. */
  std::vector<std::shared_ptr<fault::failure_site>> failure_sites;
  /** Called once on the run's executor, before any request, with the run's start: the instant
      intended send times, intervals and failure windows are measured from. */
  std::function<void(std::chrono::steady_clock::time_point)> on_start;
  /** The target's resident memory in bytes now (read /proc/<pid>/statm of a local service, or
      its metrics endpoint), or nullopt when unknown. Called on the run's executor at the end of
      the first interval and at the end of the run, for `memory_growth_percent`. Unset, or
      nullopt: the generator's own process is measured, and the result says so. */
  std::function<std::optional<std::uint64_t>()> target_resident_bytes;
  /// What `target_resident_bytes` reads (e.g. "/proc/1234/statm"), for results.json
  /// `memory_growth.source`.
  std::string target_resident_source;
  /** The service's report of itself, or nullopt when it could not be read: e.g. its `GET /stats`
      through `target::http::stats_probe`. Called on the run's executor before the first request,
      after each interval and at the end of the run (so it delays sampling while it runs, not
      the load when `pool.workers` >= 1; the probe's timeout bounds it). Gives the agents'
      `current_load` (`target::agent_load` between the first and the last reading), the
      target's memory for `memory_growth_percent` when `target_resident_bytes` is unset (its
      `resident_bytes`), and `run_result::target_stats`. Unset: none of these. */
  std::function<std::optional<target::service_stats>(std::string& error)> target_stats;
  /// Where `target_stats` reads (e.g. its URL), written in results.json `target_stats.source`.
  std::string target_stats_source;
  /** The target's capacity now (e.g. a Prometheus query: `target::http::prometheus_probe`), or
      nullopt with the reason: read with `target_stats`, before the first request, after each
      interval and at the end, and written, rounded to a whole number, as the readings' capacity
      in results.json `scaling` (run/scaling.hpp). Unset: the target's own report's, if any. */
  std::function<std::optional<double>(std::string& error)> target_capacity;
  /// What `target_capacity` reads (e.g. "prometheus <url>"), results.json `scaling.capacity_source`.
  std::string target_capacity_source;
  /// Called on the run's executor after each interval. Must not block for long: it delays the
  /// next sample, not the load (workers run on their own threads when `pool.workers` >= 1).
  std::function<void(const interval_progress&)> on_interval;
};

/// Completion signature of `async_run`: the error is set only when the run could not start
/// (invalid scenario or options: `errc::invalid_argument`, with the reasons in
/// `result.status_reason`). A cancelled or aborted run completes without an error.
using run_signature = void(boost::system::error_code, run_result);

/** A factory that builds each workload's targets: called as `factory(executor, worker_index,
    workload)` (a non-const lvalue, once per worker of each workload's pool), returning an
    `async_target` on that executor; the same type for every workload. A scenario without
    `workloads` calls it with its one implicit workload (named as the scenario, its `request`
    empty: the host's defaults). */
template <class F>
concept workload_target_factory =
    std::move_constructible<F> && std::invocable<F&, asio::any_io_executor, std::size_t, const workload&> &&
    target::async_target<std::decay_t<std::invoke_result_t<F&, asio::any_io_executor, std::size_t, const workload&>>>;

/** What `async_run` and `run_blocking` accept: a `load::target_factory` (`factory(executor,
    worker_index)`: every workload of a mix gets the same kind of target) or a
    `workload_target_factory` (a target per workload: its URL, method and body). */
template <class F>
concept scenario_target_factory = load::target_factory<F> || workload_target_factory<F>;

namespace detail {

inline std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

struct pool_completion {
  explicit pool_completion(const asio::any_io_executor& ex) : timer(ex) {}
  bool done = false;
  boost::system::error_code ec;
  load::run_summary summary;
  asio::steady_timer timer;  // the interval timer: cancelled when the pool finishes
};

/** Whether the load generator fell behind during one interval: the generator's own rule
    (`load::exceeds_late_fraction`) over the interval's send lags, a lag being late when its
    histogram bucket lies wholly above `late_threshold + pacing_lateness_bound()` (the engine's
    tolerance, at most). Then the interval's latencies describe the generator as much as the target, so
    its latency criteria are `inconclusive` live, as they are in the final verdict, and cannot
    abort the run. */
inline bool interval_generator_limited(const metrics::histogram& send_lag, const load::open_loop_options& loop) {
  std::int64_t const tolerance = (loop.generator.late_threshold + loop.pacing_lateness_bound()).count();
  std::uint64_t late = 0;
  send_lag.for_each_bucket([&](const metrics::histogram::bucket& b) {
    if (b.value_from > tolerance) late += static_cast<std::uint64_t>(b.count);
  });
  return load::exceeds_late_fraction(late, static_cast<std::uint64_t>(send_lag.total_count()),
                                     loop.generator.late_fraction);
}

/** One workload's worker pool in a run (`test_scenario::workloads`; a scenario without them is
    its one implicit workload), with what the orchestrator keeps of it. */
template <class Pool>
struct workload_pool {
  std::unique_ptr<Pool> pool;
  bool closed = false;
  profile::any_profile profile;  ///< the open workload's plan (what `planned_tps` reads)
  metrics::snapshot snap;        ///< its last interval
  load::run_summary summary;     ///< its accounting, once its pool completed
  boost::system::error_code ec;
};

/// An interval's record from its merged snapshot.
inline interval_record make_interval_record(const metrics::snapshot& snap, std::chrono::nanoseconds from,
                                            std::chrono::nanoseconds to, const metrics::derive_options& d,
                                            bool has_users, const run_options& options) {
  interval_record rec;
  rec.start = from;
  rec.end = to;
  rec.counters = snap.counters;
  rec.values = metrics::derive_metric_values(snap, d);
  rec.in_flight = snap.in_flight;
  if (has_users) {
    rec.active_users = snap.active_users;
    rec.values.set(metrics::metric::concurrent_users, static_cast<double>(snap.active_users));
  }
  double const seconds = std::chrono::duration<double>(to - from).count();
  rec.completed_tps = seconds > 0 ? static_cast<double>(snap.counters.total()) / seconds : 0.0;
  rec.degradation = classify_degradation(rec.values, options.degradation);
  return rec;
}

/** Takes the interval [from, to) from every workload's pool (their sums are the run's interval:
    histograms and counters add), records it in `result` (and, in a mix, each workload's in
    `result.workloads`), judges the criteria on it (a criterion `@ name` on that workload's
    interval), reports it. Returns the failed abort-on-fail criterion, if any. */
template <class Pools>
std::optional<criterion_result> take_interval(Pools& pools, metrics::snapshot& snap, std::chrono::nanoseconds from,
                                              std::chrono::nanoseconds to, metrics::process_sampler& cpu,
                                              const run_options& options, window_tracker& windowed,
                                              run_result& result) {
  metrics::derive_options d{cpu.sample(), now_timestamp()};
  snap.reset();
  bool any_closed = false;
  for (auto& p : pools) {
    p.pool->sample_into(p.snap, to);
    snap.merge(p.snap);
    any_closed = any_closed || p.closed;
  }
  bool const mix = !result.workloads.empty();
  if (mix)
    for (std::size_t k = 0; k < pools.size(); ++k)
      result.workloads[k].intervals.push_back(make_interval_record(pools[k].snap, from, to, d, pools[k].closed, options));
  interval_record rec = make_interval_record(snap, from, to, d, any_closed, options);
  if (options.keep_interval_histograms)
    rec.histograms = interval_record::encoded_histograms{snap.response_time.to_base64(), snap.service_time.to_base64(),
                                                         snap.send_lag.to_base64()};
  result.intervals.push_back(rec);

  std::vector<criterion_result> judged;
  judged.reserve(result.scenario.success_criteria.size());
  for (auto const& c : result.scenario.success_criteria) {
    std::size_t k = 0;
    while (k < result.workloads.size() && result.workloads[k].name != c.workload) ++k;
    bool const own = !c.workload.empty() && k < result.workloads.size();
    judged.push_back(evaluate(c, own ? result.workloads[k].intervals.back().values : rec.values));
    if (interval_generator_limited(own ? pools[k].snap.send_lag : snap.send_lag, options.pool.loop))
      mark_latency_inconclusive(judged.back());
  }
  bool const limited = interval_generator_limited(snap.send_lag, options.pool.loop);
  std::optional<criterion_result> abort = windowed.add(snap, d, limited);
  for (auto const& r : judged)
    if (r.criterion.abort_on_fail && r.failed() && !abort) abort = r;

  if (options.on_interval) {
    double const a = std::chrono::duration<double>(from).count();
    double const b = std::chrono::duration<double>(to).count();
    // The closed model has no plan: its throughput is the result (NaN says "not planned").
    double planned = 0;
    for (auto const& p : pools)
      planned += p.closed ? std::numeric_limits<double>::quiet_NaN()
                 : b > a  ? (p.profile.cumulative(b) - p.profile.cumulative(a)) / (b - a)
                          : 0.0;
    options.on_interval(
        interval_progress{result.intervals.back(), snap, judged, result.status, b, result.scenario.duration_seconds, planned});
  }
  return abort;
}

/** The factory the pool runs: the host's, with the client's failures in front of each target
    (`fault::injected_target`; with no client failure its plan is empty and every request goes
    straight through). One type whether or not the scenario has failures: the engine is
    instantiated once per host factory. */
template <class TargetFactory>
struct injecting_factory {
  TargetFactory inner;
  fault::fault_plan_options plan;
  std::size_t workers = 1;
  std::shared_ptr<std::atomic<std::uint64_t>> fail_first = fault::fault_plan::shared_counter();
  /// The run's start, set before the pool builds its targets.
  std::shared_ptr<std::chrono::steady_clock::time_point> start =
      std::make_shared<std::chrono::steady_clock::time_point>();

  auto operator()(asio::any_io_executor ex, std::size_t worker) {
    return fault::inject(inner(ex, worker), fault::fault_plan(plan, workers, fail_first), *start);
  }
};

/** One workload's view of the host's factory: the pool's `factory(executor, worker)`, calling the
    host's with the workload when it takes one. The host's factory is shared by every workload's
    pool; pools build their targets one after the other, on the run's executor. */
template <class TargetFactory>
struct workload_factory {
  std::shared_ptr<TargetFactory> host;
  std::shared_ptr<const workload> which;

  auto operator()(asio::any_io_executor ex, std::size_t worker) {
    if constexpr (workload_target_factory<TargetFactory>) return (*host)(std::move(ex), worker, *which);
    else return (*host)(std::move(ex), worker);
  }
};

/// The engine's closed workload for a scenario's user profile (validated: see `validate`).
inline load::closed_workload closed_workload_of(const user_profile& u) {
  load::closed_workload c;
  switch (u.think_time_distribution) {
    case think_time_distribution::fixed: c.think = profile::think_time::constant(u.think_time_seconds); break;
    case think_time_distribution::uniform:
      c.think = profile::think_time::uniform(u.think_time_min_seconds, u.think_time_max_seconds);
      break;
    case think_time_distribution::exponential: c.think = profile::think_time::exponential(u.think_time_seconds); break;
  }
  c.users = static_cast<std::size_t>(std::max<std::int64_t>(u.users, 0));
  c.ramp_up_seconds = u.ramp_up_seconds;
  for (auto const& st : u.stages)
    c.stages.push_back({st.duration_seconds, static_cast<std::size_t>(std::max<std::int64_t>(st.target_users, 0))});
  c.nominal_response_time =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(u.nominal_response_time_ms));
  c.session_steps = std::max<std::size_t>(1, u.session.size());
  for (auto const& st : u.session) {
    auto& pause = c.step_think.emplace_back();
    if (st.think_time_seconds)
      pause = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*st.think_time_seconds));
    auto& nominal = c.step_nominal.emplace_back();
    if (st.nominal_response_time_ms)
      nominal = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double, std::milli>(*st.nominal_response_time_ms));
  }
  return c;
}

/// The mean pause after a request over the session's steps: a step's own pause, or the think
/// time's mean (Little's law's think term: users / (this + mean service time)).
inline double mean_pause_seconds(const load::closed_workload& c) {
  double sum = 0;
  for (std::size_t i = 0; i < c.session_steps; ++i)
    sum += i < c.step_think.size() && c.step_think[i] ? std::chrono::duration<double>(*c.step_think[i]).count()
                                                      : c.think.mean();
  return sum / static_cast<double>(std::max<std::size_t>(1, c.session_steps));
}

template <class TargetFactory>
asio::awaitable<std::pair<boost::system::error_code, run_result>> run_scenario(test_scenario scenario,
                                                                               TargetFactory factory,
                                                                               run_options options) {
  using namespace std::chrono;
  auto ex = co_await asio::this_coro::executor;
  // Any cancellation type stops the run (stop issuing, drain, cancel the rest); see async_run.
  co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());

  if (!options.profile.empty()) scenario.duration_seconds = options.profile.duration();
  run_result result;
  result.scenario = scenario;

  std::vector<config_problem> problems;
  validate(scenario, problems);
  if (options.interval <= nanoseconds::zero()) problems.push_back({"interval", "must be > 0"});
  if (options.start_delay < nanoseconds::zero()) problems.push_back({"start_delay", "must be >= 0"});
  if (options.shard) {
    options.pool.shard_index = options.shard->index;
    options.pool.shard_count = options.shard->count;
    options.keep_interval_histograms = true;  // the merge re-derives every interval from them
  }
  if (options.pool.shard_count > 1 && options.pool.shard_index >= options.pool.shard_count)
    problems.push_back({"pool.shard_index", "must be < pool.shard_count"});
  if (options.start_at) {
    double const late = duration<double>(system_clock::now() - *options.start_at).count();
    if (late > scenario.duration_seconds)
      problems.push_back({"start_at", "is " + seconds_text(late) + " in the past, beyond the run's duration"});
  }
  if (auto const* p = options.pool.loop.problem()) problems.push_back({"pool.loop", p});
  if (!scenario.workloads.empty()) {  // a mix: each workload brings its own load (docs/configuration.md)
    if (!options.profile.empty()) problems.push_back({"profile", "a scenario with workloads runs each workload's own load"});
    if (options.pool.closed) problems.push_back({"pool.closed", "a scenario with workloads runs each workload's own load"});
    if (options.pool.shard_count > 1) problems.push_back({"shard", "a scenario with workloads cannot be sharded yet"});
  }
  fault::failure_placement placement;
  if (options.inject_failures) {
    if (auto why = fault::place_failures(scenario.failure_scenarios, options.default_failure_component,
                                         options.failure_sites, placement))
      problems.push_back({"scenario", *why});
  }
  fault::fault_plan_options client_plan = fault::plan_for(placement.at_client, scenario.load_profile.seed);
  if (auto p = client_plan.problems(); !p.empty()) problems.push_back({"failure_scenarios", p.front()});
  if (!problems.empty()) {
    result.status = test_status::failed;
    result.status_reason = "invalid scenario or options:";
    for (auto const& p : problems) result.status_reason += " " + to_string(p) + ";";
    co_return std::pair{make_error_code(boost::system::errc::invalid_argument), std::move(result)};
  }

  result.status = test_status::initializing;
  auto const profile = options.profile.empty() ? profile::make_profile(scenario.load_profile, scenario.duration_seconds)
                                               : options.profile;
  auto const windows = disturbance_windows(scenario);
  if (options.pool.seed == 0) options.pool.seed = scenario.load_profile.seed;
  // Each worker tallies its requests by intended time, cut at the windows: their figures at
  // request resolution (`analyse`). No window, no tally.
  options.pool.tally_cuts = tally_cuts(windows);
  // Bins of intended time as wide as the sampling interval: where each failure's aftermath went
  // quiet (recovery; a stray bad request later does not extend it).
  options.pool.tally_bin_seconds = duration<double>(options.interval).count();
  if (!options.pool.closed && scenario.user_profile && options.profile.empty())
    options.pool.closed = closed_workload_of(*scenario.user_profile);
  auto const run_duration = duration_cast<nanoseconds>(duration<double>(scenario.duration_seconds));
  if (options.pool.closed && options.pool.closed->duration <= nanoseconds::zero())
    options.pool.closed->duration = run_duration;

  // One pool per workload, all started on the same instant. A scenario without workloads is its
  // one implicit workload, run exactly as before (the run's pool options, profile and users).
  using host_factory = workload_factory<TargetFactory>;
  using pool_type = load::worker_pool<injecting_factory<host_factory>>;
  auto const host = std::make_shared<TargetFactory>(std::move(factory));
  injecting_factory<host_factory> const injecting{host_factory{host, nullptr}, std::move(client_plan),
                                                  options.pool.workers == 0 ? 1 : options.pool.workers};
  auto const run_start = injecting.start;  // every pool's client failures are on this clock
  std::vector<workload_pool<pool_type>> pools;
  auto add_pool = [&](workload w, profile::any_profile p, const load::worker_pool_options& o) {
    auto f = injecting;  // sharing the plan's start and its "fail first" count
    f.inner.which = std::make_shared<const workload>(std::move(w));
    workload_pool<pool_type> wp;
    wp.closed = o.closed.has_value();
    wp.profile = p;
    wp.snap = metrics::snapshot(o.histograms);
    wp.pool = std::make_unique<pool_type>(std::move(p), std::move(f), o);
    pools.push_back(std::move(wp));
  };
  if (scenario.workloads.empty()) {
    workload implicit;
    implicit.name = scenario.scenario_id;
    implicit.load_profile = scenario.load_profile;
    implicit.user_profile = scenario.user_profile;
    add_pool(std::move(implicit), profile, options.pool);
    if (options.pool.closed) {
      auto const& c = *options.pool.closed;
      result.users = run_result::users_record{c.peak_users(), mean_pause_seconds(c),
                                              duration<double, std::milli>(c.nominal_response_time).count(), 0,
                                              c.stages.empty() && c.ramp_up_seconds == 0, {}};
      if (scenario.user_profile && c.session_steps == scenario.user_profile->session.size())
        result.users->session = scenario.user_profile->session;
    }
  } else {
    std::size_t users = 0;
    double thinking = 0;
    for (std::size_t k = 0; k < scenario.workloads.size(); ++k) {
      auto const& w = scenario.workloads[k];
      load::worker_pool_options o = options.pool;
      run_result::workload_result wr;
      wr.name = w.name;
      wr.model = std::string(w.model());
      if (w.user_profile) {
        o.closed = closed_workload_of(*w.user_profile);
        o.closed->duration = run_duration;
        // Each closed workload's think times from its own stream: the run's seed, plus its index.
        o.seed = options.pool.seed + k;
        auto const& c = *o.closed;
        wr.users = run_result::users_record{c.peak_users(), mean_pause_seconds(c),
                                            duration<double, std::milli>(c.nominal_response_time).count(), 0,
                                            c.stages.empty() && c.ramp_up_seconds == 0, w.user_profile->session};
        users += c.peak_users();
        thinking += static_cast<double>(c.peak_users()) * mean_pause_seconds(c);
      } else {
        o.seed = w.load_profile->seed;
      }
      result.workloads.push_back(std::move(wr));
      add_pool(w, w.load_profile ? profile::make_profile(*w.load_profile, scenario.duration_seconds) : profile, o);
    }
    // The closed workloads' users together; Little's law is each workload's (a mix is not steady).
    if (users > 0) result.users = run_result::users_record{users, thinking / static_cast<double>(users), 0, 0, false, {}};
  }
  auto timeline = std::make_shared<fault::failure_timeline>(std::move(placement.at_sites), options.failure_sites);

  metrics::process_sampler interval_cpu;
  metrics::process_sampler run_cpu;
  // memory_growth_percent grows from the end of the first interval (warm-up excluded).
  struct memory_mark {
    double at_seconds = 0;
    std::optional<std::uint64_t> target, generator;
  };
  std::optional<memory_mark> settled_memory;
  // The service's own report, when the host can read it: polled before the load, after every
  // interval and at the end. `fresh` is the latest poll's reading (nothing if it failed).
  std::optional<target::service_stats> fresh;
  if (options.target_stats) result.target_stats.emplace().source = options.target_stats_source;
  scaling_tracker scaling;  // the target's readings on the run's clock (results.json scaling)
  // The host's reading of the target's capacity, into the same readings.
  auto poll_capacity = [&options, &scaling](double at_seconds, std::optional<target::service_stats> reading) {
    if (!options.target_capacity) {
      if (reading) scaling.add(at_seconds, *reading);
      return;
    }
    std::string error;
    auto const capacity = options.target_capacity(error);
    if (!capacity || !(*capacity >= 0)) {
      scaling.capacity_failed(capacity ? "a negative capacity" : (error.empty() ? "no reading" : error));
      if (reading) scaling.add(at_seconds, *reading);
      return;
    }
    if (!reading) reading.emplace();
    reading->capacity = static_cast<std::uint64_t>(std::llround(*capacity));
    scaling.add(at_seconds, *reading, true);
  };
  auto poll_stats = [&options, &result, &fresh, &poll_capacity](double at_seconds) {
    if (!options.target_stats) return poll_capacity(at_seconds, std::nullopt);
    auto& rec = *result.target_stats;
    ++rec.polls;
    std::string error;
    fresh = options.target_stats(error);
    if (!fresh) {
      ++rec.failed_polls;
      rec.last_error = error.empty() ? "no reading" : error;
      return poll_capacity(at_seconds, std::nullopt);
    }
    if (!rec.first) rec.first = fresh;
    rec.last = fresh;
    poll_capacity(at_seconds, fresh);
    auto peak = [](std::optional<std::uint64_t>& p, std::optional<std::uint64_t> v) {
      if (v) p = std::max(p.value_or(0), *v);
    };
    peak(rec.peak_in_flight, fresh->in_flight);
    peak(rec.peak_queued, fresh->queued);
  };
  auto const target_memory_source =
      options.target_resident_bytes
          ? (options.target_resident_source.empty() ? std::string("run_options::target_resident_bytes")
                                                    : options.target_resident_source)
          : "resident_bytes of " + (options.target_stats_source.empty() ? std::string("run_options::target_stats")
                                                                        : options.target_stats_source);
  auto mark_memory = [&options, &fresh](double at) {
    memory_mark m{at, std::nullopt, std::nullopt};
    if (options.target_resident_bytes) m.target = options.target_resident_bytes();
    else if (fresh) m.target = fresh->resident_bytes;  // polled just before
    if (auto const r = metrics::read_process_usage(); r.memory_available) m.generator = r.rss_bytes;
    return m;
  };
  poll_stats(0.0);  // before any request: where the agents' busy time starts
  // The plan's origin: now + start_delay, or the shared wall-clock instant of a sharded run
  // (its lead may be negative: this process came up late, and its first requests are late).
  auto const lead = options.start_at ? duration_cast<nanoseconds>(*options.start_at - system_clock::now())
                                     : options.start_delay;
  auto const start = steady_clock::now() + lead;
  result.started_at = now_timestamp() + duration_cast<microseconds>(lead);
  if (options.pool.shard_count > 1 || options.start_at)
    result.shard = run_result::shard_record{options.pool.shard_index, std::max<std::size_t>(1, options.pool.shard_count),
                                            options.shard ? options.shard->source : std::string(),
                                            duration<double>(lead).count()};
  auto completion = std::make_shared<pool_completion>(ex);
  *run_start = start;  // the client's failure windows and every site's are on this clock
  if (options.on_start) options.on_start(start);
  // Shared with the timeline's completion: the signal must outlive the operation it can cancel.
  auto stop_timeline = std::make_shared<asio::cancellation_signal>();
  if (!timeline->empty())
    asio::co_spawn(ex, fault::run_timeline(timeline, start),
                   asio::bind_cancellation_slot(stop_timeline->slot(), [stop_timeline](std::exception_ptr) {}));
  for (auto& p : pools) p.pool->start(ex, start);
  // The run is over when every workload's pool is: its accounting is their merge.
  auto pending = std::make_shared<std::size_t>(pools.size());
  for (auto& p : pools)
    p.pool->async_wait(asio::bind_executor(ex, [completion, pending, slot = &p, &pools](boost::system::error_code ec,
                                                                                      load::run_summary s) {
      slot->ec = ec;
      slot->summary = std::move(s);
      if (--*pending > 0) return;
      for (auto const& q : pools) {
        if (!completion->ec && q.ec) completion->ec = q.ec;
        load::merge(completion->summary, q.summary);
      }
      completion->done = true;
      completion->timer.cancel();
    }));
  auto stop_pools = [&pools] {
    for (auto& p : pools) p.pool->stop();
  };
  result.status = test_status::running;

  metrics::snapshot snap(options.pool.histograms);
  window_tracker windowed(scenario.success_criteria, options.interval);
  nanoseconds previous{0};
  std::int64_t tick = 1;
  bool stopped_by_caller = false;
  std::optional<criterion_result> aborted_by;
  nanoseconds aborted_at{0};

  while (!completion->done) {
    auto const due = start + tick * options.interval;
    completion->timer.expires_at(due);
    boost::system::error_code ec;
    co_await completion->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    asio::cancellation_state const cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) {
      co_await asio::this_coro::reset_cancellation_state(asio::enable_total_cancellation());
      if (!stopped_by_caller && !aborted_by) {
        stopped_by_caller = true;
        result.status = test_status::stopping;
        stop_pools();
      } else {
        stop_pools();  // a later stop cuts the drain and cancel graces short (worker_pool::stop)
      }
    }
    if (completion->done) break;
    if (steady_clock::now() < due) continue;  // woken early (cancellation): wait for the tick
    auto abort = take_interval(pools, snap, previous, tick * options.interval, interval_cpu, options, windowed, result);
    previous = tick * options.interval;
    ++tick;
    poll_stats(duration<double>(previous).count());
    if (!settled_memory) settled_memory = mark_memory(duration<double>(previous).count());
    if (abort && !aborted_by && !stopped_by_caller) {
      aborted_by = std::move(abort);
      aborted_at = previous;
      result.status = test_status::stopping;
      stop_pools();
    }
  }

  // The last, partial interval: from the last tick to now.
  auto const end = steady_clock::now() - start;
  if (!timeline->empty()) {  // every site back to normal before the results are put together
    stop_timeline->emit(asio::cancellation_type::terminal);
    timeline->clear(duration<double>(end).count());
  }
  if (end > previous) (void)take_interval(pools, snap, previous, end, interval_cpu, options, windowed, result);
  poll_stats(duration<double>(end).count());  // the last reading: every request has been answered
  result.scaling = scaling.finish(options.target_capacity ? options.target_capacity_source
                                                         : "the target's report (" + options.target_stats_source + ")");

  result.ended_at = now_timestamp();
  result.accounting = completion->summary;
  // What the targets know beyond outcomes (target/target_report.hpp); the workers are idle.
  target::target_report report;
  for (auto& p : pools)
    p.pool->for_each_target([&report](auto& injected) {
      if constexpr (target::reporting_target<std::decay_t<decltype(injected.inner())>>) report_into(injected.inner(), report);
    });
  result.target_counters = std::move(report.counters);
  result.failure_causes = std::move(report.first_failures);
  // The totals are the exact merge of the workloads' (histograms add, counters sum).
  result.histograms = metrics::snapshot(options.pool.histograms);
  for (std::size_t k = 0; k < pools.size(); ++k) {
    pools[k].pool->cumulative_into(pools[k].snap);
    result.histograms.merge(pools[k].snap);
    if (k < result.workloads.size()) {
      auto& w = result.workloads[k];
      w.accounting = pools[k].summary;
      w.histograms = pools[k].snap;
      w.elapsed_seconds = duration<double>(w.histograms.duration()).count();
    }
  }
  result.elapsed_seconds = duration<double>(result.histograms.duration()).count();
  if (!report.agents.empty()) result.agents = report.agents.to_agent_metrics(result.ended_at, result.elapsed_seconds);
  apply_agent_loads(result);  // an agent's load is known only to its service: from its own report

  metrics::derive_options const run_derive{run_cpu.sample(), result.ended_at};
  if (settled_memory) {
    auto const last = mark_memory(duration<double>(end).count());
    bool const on_target = settled_memory->target && last.target;
    auto const from = on_target ? settled_memory->target : settled_memory->generator;
    auto const to = on_target ? last.target : last.generator;
    if (auto const g = from && to ? metrics::memory_growth_percent(*from, *to) : std::nullopt)
      result.memory_growth = run_result::memory_growth_record{
          *g,    on_target ? "target" : "generator", settled_memory->at_seconds, *from, *to,
          on_target ? target_memory_source : std::string("/proc/self/statm")};
  }
  if (result.users)
    for (auto const& iv : result.intervals) result.users->peak_active = std::max(result.users->peak_active, iv.active_users.value_or(0));
  metrics::segment_tally requests;
  for (auto& p : pools) {  // the workers have finished
    metrics::segment_tally t;
    p.pool->tally_into(t);
    requests.add(t);
  }
  for (auto& w : result.workloads) {  // before the criteria are judged: `@ name` reads them
    w.values = metrics::derive_metric_values(w.histograms, run_derive);
    if (w.users) {
      for (auto const& iv : w.intervals) w.users->peak_active = std::max(w.users->peak_active, iv.active_users.value_or(0));
      w.values.set(metrics::metric::concurrent_users, static_cast<double>(w.users->peak_active));
    }
  }
  assemble_figures(result, windows, options.recovery, &requests, windowed, run_derive);
  auto const& acc = result.accounting;
  add_engine_failure_causes(result, options.pool.loop.request_timeout, options.pool.loop.max_in_flight);

  if (completion->ec) {
    result.status = test_status::failed;
    result.status_reason = "the load engine failed: " + completion->ec.message();
  } else if (aborted_by) {
    result.status = test_status::failed;
    result.status_reason = "aborted: criterion " + to_string(aborted_by->criterion) + " failed at " +
                           seconds_text(duration<double>(aborted_at).count()) + " (actual " +
                           (aborted_by->actual ? std::to_string(*aborted_by->actual) : std::string("n/a")) + ")";
  } else if (options.require_success && acc.count(outcome::ok) == 0 && (acc.due() > 0 || !stopped_by_caller)) {
    result.status = test_status::failed;
    result.status_reason = nothing_succeeded_reason(result);
  } else if (stopped_by_caller) {
    result.status = test_status::cancelled;
    result.status_reason = "cancelled at " + seconds_text(duration<double>(end).count()) + "; " +
                           std::to_string(acc.not_sent_at_stop) + " requests not yet due were not sent (judged on the " +
                           std::to_string(acc.due()) + " that were due)";
  } else {
    result.status = test_status::completed;
    result.status_reason = completed_reason(result.criteria);
  }
  co_return std::pair{completion->ec, std::move(result)};
}

}  // namespace detail

/** Runs `scenario`, building one target per worker with `factory(executor, worker_index)`, or
    with `factory(executor, worker_index, workload)` (`workload_target_factory`): one worker pool
    per workload of a mix (`test_scenario::workloads`), every pool on the same start instant.

    - Completion signature: `void(error_code, run_result)`; see `run_signature`.
    - `ex`: where the orchestration runs (sampling, criteria, the progress callback). With
      `options.pool.workers == 0` the load runs on it too (no threads; tests and embedding);
      otherwise each worker is a thread with its own `io_context` and its own target.
    - Lifetimes: the scenario, factory and options are moved into the operation. Targets are
      created and destroyed by the pool. The callback in `options.on_interval` is called on `ex`.
    - Cancellation: any cancellation type on the token's slot stops the run gracefully: stop
      issuing (requests not yet due are counted `not_sent_at_stop`, no outcome), drain in-flight requests for
      `pool.loop.drain_grace`, then cancel the rest; a second emission cuts those graces short.
      The operation still completes with the result gathered so far (status CANCELLED, no
      error), so Ctrl-C can write results.
    - Thread safety: the operation runs on `ex`; emit the cancellation signal on `ex`. */
template <scenario_target_factory TargetFactory, class CompletionToken>
auto async_run(asio::any_io_executor ex, test_scenario scenario, TargetFactory factory, run_options options,
               CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, run_signature>(
      [ex](auto handler, test_scenario s, TargetFactory f, run_options o) mutable {
        auto slot = asio::get_associated_cancellation_slot(handler);
        auto handler_ex = asio::get_associated_executor(handler, ex);
        auto finish = [h = std::move(handler), handler_ex](
                          std::exception_ptr e,
                          std::pair<boost::system::error_code, run_result> r) mutable {
          if (e) {
            // Only a bug or an exhausted resource gets here; report it rather than crash.
            r.second.status = test_status::failed;
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& x) {
              r.second.status_reason = std::string("internal error: ") + x.what();
            } catch (...) {
              r.second.status_reason = "internal error";
            }
            r.first = make_error_code(boost::system::errc::io_error);
          }
          asio::dispatch(handler_ex, asio::append(std::move(h), r.first, std::move(r.second)));
        };
        asio::co_spawn(ex, detail::run_scenario(std::move(s), std::move(f), std::move(o)),
                       asio::bind_cancellation_slot(slot, std::move(finish)));
      },
      token, std::move(scenario), std::move(factory), std::move(options));
}

/** Runs `scenario` to completion on an internal `io_context` and returns its result. Throws
    `boost::system::system_error` when the run could not start (the reasons are in the message). */
template <scenario_target_factory TargetFactory>
run_result run_blocking(test_scenario scenario, TargetFactory factory, run_options options = {}) {
  asio::io_context ioc;
  boost::system::error_code ec;
  std::optional<run_result> out;
  async_run(ioc.get_executor(), std::move(scenario), std::move(factory), std::move(options),
            [&](boost::system::error_code e, run_result r) {
              ec = e;
              out = std::move(r);
            });
  ioc.run();
  if (ec) throw boost::system::system_error(ec, out ? out->status_reason : std::string("run failed"));
  return std::move(*out);
}

/// Non-throwing form: sets `ec` instead.
template <scenario_target_factory TargetFactory>
run_result run_blocking(test_scenario scenario, TargetFactory factory, run_options options,
                        boost::system::error_code& ec) {
  asio::io_context ioc;
  std::optional<run_result> out;
  async_run(ioc.get_executor(), std::move(scenario), std::move(factory), std::move(options),
            [&](boost::system::error_code e, run_result r) {
              ec = e;
              out = std::move(r);
            });
  ioc.run();
  return std::move(*out);
}

}  // namespace stress_testing::run

#endif
