#ifndef STRESS_TESTING_RUN_ANALYSIS_HPP
#define STRESS_TESTING_RUN_ANALYSIS_HPP

/** What a run's interval series means: each interval's degradation level, and the run-level
    figures that success criteria use (`max_degradation_level`, `p95_drift_ratio`,
    `error_rate_outside_failures`, `failures_unrecovered`, `max_recovery_seconds`) with the
    resilience figures of each disturbance window (time to detect, time to recover, requests
    affected). Pure: std only; every definition is here, in one place, so a reported number can be
    traced back to its formula.

    A window's time to detect, time to recover and request counts are measured at request
    resolution, from the run's requests tallied by intended time (`metrics::segment_tally`); the
    figures per interval (peaks, baselines, degradation) stay on the interval grid. Without a
    tally (the live feed, while the run goes on) the window figures are estimates on the grid. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/metrics/segment_tally.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing::run {

/** Thresholds that classify an interval's `degradation_level`; an interval takes the most severe
    level whose condition holds. Defaults come from seed/FACTS.md: "error rate > 10% → CRITICAL,
    P99 > 5 s → SEVERE" and its alerting thresholds (warning at error rate > 0.1%, critical at
    error rate > 1% or P99 > 10 s). FACTS' "CPU > 90% → MODERATE" is about the system under
    test's CPU, which a client cannot see; the generator's own CPU says nothing about the target
    (it sets `generator_limited` instead), so it is not used here. */
struct degradation_thresholds {
  double critical_error_rate = 0.10;   ///< FACTS: error rate > 10% -> CRITICAL
  double critical_p99_ms = 10000;      ///< FACTS alerting: P99 > 10 s is critical
  double severe_error_rate = 0.01;     ///< FACTS alerting: error rate > 1% is critical-alert
  double severe_p99_ms = 5000;         ///< FACTS: P99 > 5 s -> SEVERE
  double moderate_error_rate = 0.001;  ///< FACTS alerting: error rate > 0.1% is a warning
  double moderate_p95_ms = 2000;       ///< the design's P95 < 2 s SLO

  friend bool operator==(const degradation_thresholds&, const degradation_thresholds&) = default;
};

/// The degradation level of one interval from its metric values (no data = no evidence = NONE).
inline degradation_level classify_degradation(const metrics::metric_values& v,
                                              const degradation_thresholds& t = {}) noexcept {
  using metrics::metric;
  double const err = v.get(metric::error_rate).value_or(0.0);
  double const p99 = v.get(metric::p99_response_time_ms).value_or(0.0);
  double const p95 = v.get(metric::p95_response_time_ms).value_or(0.0);
  if (err > t.critical_error_rate || p99 > t.critical_p99_ms) return degradation_level::critical;
  if (err > t.severe_error_rate || p99 > t.severe_p99_ms) return degradation_level::severe;
  if (err > t.moderate_error_rate || p95 > t.moderate_p95_ms) return degradation_level::moderate;
  return degradation_level::none;
}

/** One interval of a run, as kept in the result's series: its range, its counts, every metric
    value, and its classification. No histograms: a series must not grow with request count, and
    a two-hour run at 1 s intervals keeps 7,200 of these (about 3 MB). */
struct interval_record {
  std::chrono::nanoseconds start{0};  ///< since the run's start
  std::chrono::nanoseconds end{0};
  metrics::outcome_counters counters;
  metrics::metric_values values;
  /// Requests whose outcome was recorded in the interval (any outcome, dropped included) / its
  /// length. Outcomes are recorded at completion, so this is the completion rate, not the
  /// intended rate (`interval_progress::planned_tps` is that).
  double completed_tps = 0;
  degradation_level degradation = degradation_level::none;
  std::int64_t in_flight = 0;
  /// Virtual users active at the interval's end (`snapshot::active_users`); nullopt in the open
  /// model. Users thinking = active − in flight (a closed user has at most one request out).
  std::optional<std::int64_t> active_users;
  /** The interval's three histograms, encoded (`metrics::histogram::to_base64`), when the run
      keeps them (`run_options::keep_interval_histograms`; on for a shard of a run, so that
      `report::merge_results` re-derives every interval's percentiles exactly); else empty. A few
      KB an interval, whatever the request count. */
  struct encoded_histograms {
    std::string response_time, service_time, send_lag;
  };
  std::optional<encoded_histograms> histograms;

  double start_seconds() const noexcept { return std::chrono::duration<double>(start).count(); }
  double end_seconds() const noexcept { return std::chrono::duration<double>(end).count(); }
};

/// A stretch of the timeline where the system is expected to be disturbed: an injected failure,
/// or a burst of the load profile.
struct disturbance_window {
  std::string name;  ///< e.g. "LAMBDA_CRASH", "burst 2"
  double start_seconds = 0;
  double end_seconds = 0;
  /// An injected failure (criteria "... after each failure" look at these), not a load burst.
  bool injected_failure = true;
};

/** When an interval counts as "back at baseline" after a disturbance, when a request counts as
    slow, and what a failure costs. */
struct recovery_thresholds {
  double error_rate_margin = 0.01;   ///< error rate <= baseline + margin
  /// An interval's p99 <= baseline p99 x factor + margin; and a request is slow above the
  /// requests' baseline p99 x factor + margin (`slow_rule`).
  double p99_factor = 1.5;
  double p99_margin_ms = 10;
  /// Recovered = this many consecutive intervals at baseline (or fewer, if the run ends while
  /// still at baseline): one good interval between two bad ones is not a recovery. At request
  /// resolution the same number of consecutive quiet bins of intended time (`detail::find_quiet`).
  int stable_intervals = 3;
  /// The error budget's rate: the run may fail this fraction of its requests (a 99.9% SLO).
  /// The orchestrator takes it from the scenario's `error_rate < X` criterion when there is one.
  double error_budget_rate = 0.001;

  friend bool operator==(const recovery_thresholds&, const recovery_thresholds&) = default;
};

/// How a window's detection, recovery and request counts were measured.
enum class window_resolution {
  request,   ///< from each request's intended time and outcome (the run's result)
  interval,  ///< estimated on the interval grid (the live feed, before the run's end)
};

inline constexpr const char* to_string(window_resolution r) noexcept {
  return r == window_resolution::request ? "request" : "interval";
}

/** The resilience figures of one disturbance window (DESIGN.md §5, docs/resilience.md). A
    window's *accounting* covers the requests intended from its start until the next window
    starts (the run's end for the last one): a failure's cost stops where the next one's begins.
    "Bad" = not ended ok, or slow (`slow_rule`). */
struct window_result {
  disturbance_window window;
  window_resolution resolution = window_resolution::interval;
  /// Where the window's accounting stops: the next window's start, or the run's end.
  double accounted_until_seconds = 0;
  /// The window's own baseline on the grid: medians over the undisturbed intervals before it
  /// (the run's baseline when there are none). Informational: the yardstick of the grid figures.
  double baseline_error_rate = 0;
  double baseline_p99_ms = 0;
  degradation_level baseline_degradation = degradation_level::none;
  /// Seconds from the window's start to the intended time of the first bad request in its
  /// accounting; nullopt if there was none (the system absorbed it).
  std::optional<double> detected_after_seconds;
  /// Seconds from the window's end to the intended time of the last bad request in its
  /// accounting (0 if none was after the end); nullopt if the accounting's last request was bad:
  /// bad requests went on until the next window (or the run's end), the failure is unrecovered.
  std::optional<double> recovered_after_seconds;
  /// The worst interval of the grid (by completion time) from the window's start until the last
  /// bad request completed (until the window's end if there was none; until the accounting's end
  /// if unrecovered), never from the next window's start.
  degradation_level peak_degradation = degradation_level::none;
  double peak_error_rate = 0;
  double peak_p99_ms = 0;
  /// Requests intended in the window itself, [start, end) (cut at the next window's start), and
  /// those of them that did not end ok, and those that ended ok but slow.
  std::uint64_t requests_in_window = 0;
  std::uint64_t requests_failed_in_window = 0;
  std::uint64_t requests_slow_in_window = 0;
  /// Bad requests in the window's accounting: its whole cost, recovery tail included.
  std::uint64_t requests_affected = 0;
  /// Of `requests_affected`, those that did not end ok, and those that were slow.
  std::uint64_t requests_affected_failed = 0;
  std::uint64_t requests_affected_slow = 0;
  /// `requests_affected_failed` / (error_budget_rate x the run's requests): the share of the
  /// run's error budget this failure burned (1 = all of it; may exceed 1).
  double error_budget_burned = 0;

  bool recovered() const noexcept { return recovered_after_seconds.has_value(); }
};

/// The run-level figures derived from a series.
struct run_analysis {
  degradation_level max_degradation = degradation_level::none;
  std::optional<double> p95_drift_ratio;
  std::optional<double> error_rate_outside_failures;
  std::vector<window_result> windows;
  double baseline_error_rate = 0;
  double baseline_p99_ms = 0;
  /// The requests' baseline and the slow threshold of `slow_rule` (nullopt: no ok request before
  /// the first window, or no tally; then only failed requests are bad).
  std::optional<double> request_baseline_p99_ms;
  std::optional<double> slow_threshold_ms;
  /// The seed's `ResilienceMetrics` for the whole run (see `analyse` for each definition).
  stress_testing::resilience_metrics resilience;
  /** Actual values of the scoped criteria (`over any 10s`, `within 30s after each failure`),
      keyed by the criterion's text; filled by the orchestrator, read by `scoped_actual`. */
  std::vector<std::pair<std::string, std::optional<double>>> scoped_actuals;

  /// The actual value recorded for scoped criterion `c` (nullopt: none, `no_data`).
  std::optional<double> scoped_actual(const criterion& c) const {
    auto const key = to_string(c);
    for (auto const& [k, v] : scoped_actuals)
      if (k == key) return v;
    return std::nullopt;
  }

  std::uint64_t failures_unrecovered() const noexcept {
    return static_cast<std::uint64_t>(std::count_if(windows.begin(), windows.end(),
                                                     [](auto const& w) { return !w.recovered(); }));
  }
  std::optional<double> max_recovery_seconds() const noexcept {
    std::optional<double> m;
    for (auto const& w : windows)
      if (w.recovered_after_seconds) m = std::max(m.value_or(0.0), *w.recovered_after_seconds);
    return m;
  }

  /// Writes the run-level metrics into `v` (so criteria can judge them).
  void store(metrics::metric_values& v) const noexcept {
    using metrics::metric;
    v.set(metric::max_degradation_level, static_cast<double>(max_degradation));
    if (p95_drift_ratio) v.set(metric::p95_drift_ratio, *p95_drift_ratio);
    if (error_rate_outside_failures) v.set(metric::error_rate_outside_failures, *error_rate_outside_failures);
    if (!windows.empty()) {
      v.set(metric::failures_unrecovered, static_cast<double>(failures_unrecovered()));
      if (auto m = max_recovery_seconds()) v.set(metric::max_recovery_seconds, *m);
    }
  }
};

namespace detail {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  double m = *mid;
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
  return m;
}

inline bool overlaps(const interval_record& r, const disturbance_window& w) noexcept {
  return r.start_seconds() < w.end_seconds && r.end_seconds() > w.start_seconds;
}

inline double ns_to_seconds(std::int64_t ns) noexcept { return static_cast<double>(ns) / 1e9; }

}  // namespace detail

/** "Slow", in one place. The requests' baseline is the p99 response time of the requests that
    ended ok among those intended before the first window (the tally's first segment), at the
    tally's resolution (the upper edge of its bucket, at most 3.2% above). A request is slow when
    it ended ok and its response time's bucket lies wholly above baseline × `p99_factor` +
    `p99_margin_ms` (so a response up to 3.2% above that threshold may still count as not slow).
    With no ok request before the first window (a failure at the run's start) there is no
    threshold: only requests that did not end ok are bad. */
struct slow_rule {
  std::optional<std::int64_t> baseline_p99_ns;
  std::optional<std::int64_t> threshold_ns;

  static slow_rule of(const metrics::segment_tally& t, const recovery_thresholds& rt) noexcept {
    slow_rule r;
    if (t.size() == 0 || t[0].ok == 0) return r;
    auto const& before = t[0];
    auto const rank = static_cast<std::uint64_t>(std::ceil(0.99 * static_cast<double>(before.ok)));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < metrics::segment_tally::bucket_count; ++b) {
      seen += before.ok_by_response[b].count;
      if (seen >= std::max<std::uint64_t>(rank, 1)) {
        r.baseline_p99_ns = metrics::segment_tally::bucket_upper(b);
        break;
      }
    }
    if (r.baseline_p99_ns)
      r.threshold_ns = static_cast<std::int64_t>(std::llround(static_cast<double>(*r.baseline_p99_ns) * rt.p99_factor +
                                                              rt.p99_margin_ms * 1e6));
    return r;
  }

  /// Whether the ok requests of `bucket` (of `metrics::segment_tally`) are slow.
  bool slow(std::size_t bucket) const noexcept {
    return threshold_ns && metrics::segment_tally::bucket_lower(bucket) > *threshold_ns;
  }
  /// The same for a bin's coarse bucket (`segment_tally::coarse_of`): wholly above the threshold.
  bool slow_coarse(std::size_t coarse) const noexcept {
    return threshold_ns && metrics::segment_tally::coarse_lower(coarse) > *threshold_ns;
  }
};

/// The instants at which a run tallies its requests for `analyse`: every window's start and end.
inline std::vector<double> tally_cuts(const std::vector<disturbance_window>& windows) {
  std::vector<double> cuts;
  for (auto const& w : windows) {
    cuts.push_back(w.start_seconds);
    cuts.push_back(w.end_seconds);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

namespace detail {

/** The figures of window `w` from the requests intended in its accounting, [w's start,
    `until`): see `window_result`. Returns until when the grid's peaks run (seconds), or nullopt
    when `t` was not cut at the window's bounds (then nothing is set). */
/** Where a window's aftermath went quiet, from the tally's bins (`segment_tally` with a bin
    width): the start of the first run of `need` consecutive quiet bins of intended time from the
    window's end (segments `from` .. `to` − 1), a bin being quiet when its bad requests (failed,
    or slow by `rule`) are at most (the baseline's bad share + `margin`) of its requests. An empty
    bin neither counts nor breaks a run; a run cut short by the accounting's end counts.
    `recovered` = that start; `unrecovered` when the bins cover the accounting and never went
    quiet; nothing when the bins do not cover it (then the caller keeps its rule). */
struct quiet_search {
  bool decided = false;
  std::optional<double> at_seconds;  ///< the quiet run's start (nullopt: unrecovered)
};

inline quiet_search find_quiet(const metrics::segment_tally& t, std::size_t from, std::size_t to, const slow_rule& rule,
                               double margin, int need) {
  using tally = metrics::segment_tally;
  quiet_search q;
  if (t.bin_seconds() <= 0 || t.size() == 0 || from == 0 || from >= to) return q;
  // The baseline's bad share: the requests intended before the first window, by the same rule.
  auto const& before = t[0];
  std::uint64_t bad0 = before.failed;
  for (std::size_t b = 0; b < tally::bucket_count; ++b)
    if (rule.slow(b)) bad0 += before.ok_by_response[b].count;
  double const limit = (before.total() > 0 ? static_cast<double>(bad0) / static_cast<double>(before.total()) : 0.0) + margin;
  int run = 0;
  double run_start = 0;
  bool seen = false;  // any request after the window at all
  for (std::size_t i = from; i < to; ++i) {
    auto const& s = t[i];
    double const cut = t.cuts()[i - 1];
    double const span = i < t.cuts().size() ? t.cuts()[i] - cut : std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < s.bins; ++k) {
      std::uint64_t total = s.bin_failed(k), bad = s.bin_failed(k);
      for (std::size_t c = 0; c < tally::coarse_count; ++c) {
        total += s.bin_ok(k, c);
        if (rule.slow_coarse(c)) bad += s.bin_ok(k, c);
      }
      if (total == 0) continue;
      seen = true;
      if (static_cast<double>(bad) <= limit * static_cast<double>(total)) {
        if (run++ == 0) run_start = cut + static_cast<double>(k) * t.bin_seconds();
        if (run >= need) {
          q.decided = true;
          q.at_seconds = run_start;
          return q;
        }
      } else {
        run = 0;
      }
    }
    // Requests of this segment past its last bin are in no bin: the bins cannot decide.
    if (static_cast<double>(s.bins) * t.bin_seconds() < span && s.last_intended != tally::none &&
        static_cast<double>(s.last_intended) / 1e9 >= cut + static_cast<double>(s.bins) * t.bin_seconds())
      return q;
  }
  if (!seen) return q;  // no request after the window: nothing to judge the aftermath on
  q.decided = true;
  if (run > 0) q.at_seconds = run_start;  // quiet until the accounting's end, if shorter than `need`
  return q;
}

inline std::optional<double> request_figures(const metrics::segment_tally& t, const disturbance_window& w, double until,
                                             const slow_rule& rule, window_result& wr, const recovery_thresholds& rt = {}) {
  using tally = metrics::segment_tally;
  std::size_t const first = t.segment_starting_at(w.start_seconds);
  double const in_end = std::min(w.end_seconds, until);
  std::size_t const in_last = t.segment_starting_at(in_end);  // first segment not in the window
  std::size_t const last = std::isinf(until) ? t.size() : t.segment_starting_at(until);
  // Every bound must be a cut (`segment_starting_at` says `size()` otherwise), but the open end.
  if (first >= t.size() || in_last >= t.size() || (!std::isinf(until) && last >= t.size())) return std::nullopt;

  std::int64_t first_bad = tally::never, last_bad = tally::none, last_done = tally::none, last_any = tally::none;
  for (std::size_t i = first; i < last; ++i) {
    auto const& s = t[i];
    bool const in = i < in_last;
    last_any = std::max(last_any, s.last_intended);
    wr.requests_affected_failed += s.failed;
    if (s.failed > 0) {
      first_bad = std::min(first_bad, s.first_failed);
      last_bad = std::max(last_bad, s.last_failed);
      last_done = std::max(last_done, s.last_failed_done);
    }
    if (in) {
      wr.requests_in_window += s.total();
      wr.requests_failed_in_window += s.failed;
    }
    for (std::size_t b = 0; b < tally::bucket_count; ++b) {
      auto const& k = s.ok_by_response[b];
      if (k.count == 0 || !rule.slow(b)) continue;
      wr.requests_affected_slow += k.count;
      if (in) wr.requests_slow_in_window += k.count;
      first_bad = std::min(first_bad, k.first_intended);
      last_bad = std::max(last_bad, k.last_intended);
      last_done = std::max(last_done, k.last_intended + tally::bucket_upper(b));
    }
  }
  wr.requests_affected = wr.requests_affected_failed + wr.requests_affected_slow;
  wr.resolution = window_resolution::request;
  if (first_bad == tally::never) {  // nothing bad: absorbed, and never left its baseline
    wr.recovered_after_seconds = 0.0;
    return w.end_seconds;
  }
  wr.detected_after_seconds = std::max(0.0, ns_to_seconds(first_bad) - w.start_seconds);
  // Recovery: where the aftermath went quiet (the bins), so that a stray bad request later does
  // not extend it; without bins (or beyond them), the last bad request's intended time.
  if (auto const q = find_quiet(t, in_last, last, rule, rt.error_rate_margin, std::max(1, rt.stable_intervals)); q.decided) {
    if (!q.at_seconds) return until;  // never quiet again before the accounting's end: unrecovered
    wr.recovered_after_seconds = std::max(0.0, *q.at_seconds - w.end_seconds);
    return std::max(w.end_seconds, std::min(ns_to_seconds(last_done), *q.at_seconds));
  }
  if (last_any <= last_bad) return until;  // bad until the accounting's last request: unrecovered
  wr.recovered_after_seconds = std::max(0.0, ns_to_seconds(last_bad) - w.end_seconds);
  return std::max(w.end_seconds, ns_to_seconds(last_done));
}

}  // namespace detail

/** The disturbance windows of a scenario: every failure injection, and for a BURST profile every
    burst (they are what "recovery within 60 s" is about in the burst scenario). */
inline std::vector<disturbance_window> disturbance_windows(const test_scenario& s) {
  std::vector<disturbance_window> out;
  for (auto const& f : s.failure_scenarios)
    out.push_back({std::string(to_string(f.failure_type)), f.start_time_seconds,
                   f.start_time_seconds + f.duration_seconds, true});
  auto const& p = s.load_profile;
  if (p.profile_type == load_profile_type::burst && p.burst_interval_seconds > 0) {
    int k = 1;
    for (double t = p.burst_interval_seconds; t < s.duration_seconds; t += p.burst_interval_seconds, ++k)
      out.push_back({"burst " + std::to_string(k), t, std::min(t + p.burst_duration_seconds, s.duration_seconds), false});
  }
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.start_seconds < b.start_seconds; });
  return out;
}

/** Analyses a series (intervals in time order).

    - max_degradation: the worst interval.
    - p95_drift_ratio: median interval p95 over the last tenth of the intervals with traffic,
      divided by that of the first tenth (at least one interval each; needs 2+ intervals with a
      p95). > 1 means the system got slower over the run.
    - error_rate_outside_failures: failed / intended over the intervals that overlap no
      disturbance window (nullopt when there is none, or no request in them).
    - baseline: medians of error rate, p99 and degradation level over the intervals with traffic
      that overlap no window and start before the first window ends; if there are none, over all
      intervals outside windows. Each window also gets its own baseline, from the undisturbed
      intervals before its start (the run's when there are none).
    - at baseline: an interval whose error rate <= baseline + margin, p99 <= baseline × factor +
      margin, and degradation level <= the baseline's (an interval with no requests is at
      baseline).
    - per window, at request resolution (`requests`: the run's requests tallied by intended
      time, cut at `tally_cuts(windows)`): the window's accounting is the requests intended from
      its start until the next window's start (the run's end for the last); bad = not ended ok,
      or slow (`slow_rule`); detected = first bad request's intended time − the window's start;
      recovered = start of the first quiet period after the window's end (`detail::find_quiet`:
      `stable_intervals` consecutive bins of the tally at most at the baseline's bad share +
      `error_rate_margin`) − the window's end, unrecovered if never quiet again; without bins,
      the last bad request's intended time − the window's end (≥ 0; 0 with no bad request),
      unrecovered when the accounting's last request was bad; requests in / failed in
      / slow in the window = those intended in [start, end) (cut at the next start); requests
      affected = bad requests in the accounting; budget burned = its failed ones / budget. Peak
      figures: the worst intervals (completion time) from the window's start until the last bad
      request completed (the window's end if none, the accounting's end if unrecovered), never
      from the next window's start.
    - per window without `requests` (the live feed's estimate, on the grid): detected = first
      interval overlapping the window not at its baseline; recovered = start of the first run of
      `stable_intervals` intervals at baseline (or a shorter run reaching the end of the series)
      whose last interval ends at or after the window's end; requests in and failed in the window
      = completed in the intervals overlapping it; peak figures, requests affected (failed ones
      only) and budget burned run from the window's start until that recovery (or the series'
      end), never from an interval starting at or after the next window's start.
    - resilience (the seed's ResilienceMetrics): downtime = total length of CRITICAL intervals;
      uptime % = `load::uptime_percentage` of the series' requests (100 × ok / all outcomes,
      dropped included: request-based, not 100 − the downtime's share of the run; the
      orchestrator sets it from the run's accounting, the same counts); degradation_events = intervals whose level
      rose from NONE; failures injected/recovered and the mean recovery time count injected
      failures only (not bursts). Circuit breakers are inside the system under test, which a
      client cannot see: those two fields stay 0. */
inline run_analysis analyse(const std::vector<interval_record>& series, const std::vector<disturbance_window>& windows,
                            const recovery_thresholds& rt = {}, const metrics::segment_tally* requests = nullptr) {
  using metrics::metric;
  run_analysis a;
  for (auto const& r : series) a.max_degradation = std::max(a.max_degradation, r.degradation);

  // Drift.
  std::vector<double> p95s;
  for (auto const& r : series)
    if (auto p = r.values.get(metric::p95_response_time_ms); p && r.counters.total() > 0) p95s.push_back(*p);
  if (p95s.size() >= 2) {
    std::size_t const tenth = std::max<std::size_t>(1, p95s.size() / 10);
    double const first = detail::median({p95s.begin(), p95s.begin() + static_cast<std::ptrdiff_t>(tenth)});
    double const last = detail::median({p95s.end() - static_cast<std::ptrdiff_t>(tenth), p95s.end()});
    if (first > 0) a.p95_drift_ratio = last / first;
  }

  auto in_any_window = [&](const interval_record& r) {
    return std::any_of(windows.begin(), windows.end(), [&](auto const& w) { return detail::overlaps(r, w); });
  };

  // Outside-window error rate.
  std::uint64_t outside_total = 0, outside_failed = 0;
  for (auto const& r : series) {
    if (in_any_window(r)) continue;
    outside_total += r.counters.total();
    outside_failed += r.counters.total() - r.counters.count(outcome::ok);
  }
  if (!windows.empty() && outside_total > 0)
    a.error_rate_outside_failures = static_cast<double>(outside_failed) / static_cast<double>(outside_total);

  // Baseline: of the whole run (before the first window), and of each window (before it).
  auto baseline_over = [&](double before_seconds, bool& found, double& err_out, double& p99_out,
                           degradation_level& level_out) {
    std::vector<double> errs, p99s, levels;
    for (auto const& r : series) {
      if (r.counters.total() == 0 || in_any_window(r)) continue;
      if (r.start_seconds() >= before_seconds) continue;
      errs.push_back(r.values.get(metric::error_rate).value_or(0.0));
      if (auto p = r.values.get(metric::p99_response_time_ms)) p99s.push_back(*p);
      levels.push_back(static_cast<double>(r.degradation));
    }
    found = !errs.empty();
    if (!found) return;
    err_out = detail::median(errs);
    p99_out = detail::median(p99s);
    level_out = static_cast<degradation_level>(static_cast<int>(std::floor(detail::median(levels))));
  };
  bool found = false;
  degradation_level run_level = degradation_level::none;
  baseline_over(windows.empty() ? 0.0 : windows.front().end_seconds, found, a.baseline_error_rate, a.baseline_p99_ms,
                run_level);
  if (!found) baseline_over(std::numeric_limits<double>::infinity(), found, a.baseline_error_rate, a.baseline_p99_ms,
                            run_level);

  std::uint64_t run_requests = 0;
  for (auto const& r : series) run_requests += r.counters.total();
  double const budget = rt.error_budget_rate * static_cast<double>(run_requests);
  double const run_end = series.empty() ? 0.0 : series.back().end_seconds();
  slow_rule const rule = requests ? slow_rule::of(*requests, rt) : slow_rule{};
  if (rule.baseline_p99_ns) a.request_baseline_p99_ms = static_cast<double>(*rule.baseline_p99_ns) / 1e6;
  if (rule.threshold_ns) a.slow_threshold_ms = static_cast<double>(*rule.threshold_ns) / 1e6;

  for (auto const& w : windows) {
    window_result wr;
    wr.window = w;
    wr.baseline_error_rate = a.baseline_error_rate;
    wr.baseline_p99_ms = a.baseline_p99_ms;
    wr.baseline_degradation = run_level;
    bool own = false;
    double e = 0, p = 0;
    degradation_level l = degradation_level::none;
    baseline_over(w.start_seconds, own, e, p, l);
    if (own) {
      wr.baseline_error_rate = e;
      wr.baseline_p99_ms = p;
      wr.baseline_degradation = l;
    }
    auto at_baseline = [&](const interval_record& r) {
      if (r.counters.total() == 0) return true;
      double const err = r.values.get(metric::error_rate).value_or(0.0);
      double const p99 = r.values.get(metric::p99_response_time_ms).value_or(0.0);
      return err <= wr.baseline_error_rate + rt.error_rate_margin &&
             p99 <= wr.baseline_p99_ms * rt.p99_factor + rt.p99_margin_ms && r.degradation <= wr.baseline_degradation;
    };

    // The window's accounting stops where the next window starts.
    double next_start = std::numeric_limits<double>::infinity();
    for (auto const& o : windows)
      if (o.start_seconds > w.start_seconds) next_start = std::min(next_start, o.start_seconds);
    wr.accounted_until_seconds = std::isinf(next_start) ? std::max(run_end, w.end_seconds) : next_start;

    std::optional<double> peak_until;
    if (requests) peak_until = detail::request_figures(*requests, w, next_start, rule, wr, rt);
    if (!peak_until) {  // on the grid
      for (auto const& r : series) {
        if (!detail::overlaps(r, w)) continue;
        wr.requests_in_window += r.counters.total();
        wr.requests_failed_in_window += r.counters.total() - r.counters.count(outcome::ok);
        if (!wr.detected_after_seconds && !at_baseline(r))
          wr.detected_after_seconds = std::max(0.0, r.start_seconds() - w.start_seconds);
      }
      // Recovery: the first run of `stable_intervals` at-baseline intervals (or a shorter one
      // that reaches the end of the series) whose last interval ends after the window.
      std::size_t const n = series.size();
      std::size_t const need = static_cast<std::size_t>(std::max(1, rt.stable_intervals));
      std::optional<std::size_t> recovered_at;
      for (std::size_t i = 0; i < n && !recovered_at; ++i) {
        if (series[i].end_seconds() <= w.start_seconds) continue;
        std::size_t k = 0;
        while (i + k < n && k < need && at_baseline(series[i + k])) ++k;
        if (k == 0) continue;
        bool const long_enough = k == need || i + k == n;
        if (long_enough && series[i + k - 1].end_seconds() >= w.end_seconds) recovered_at = i;
        else if (!long_enough) i += k - 1;  // skip the short run; the loop's ++i moves past it
      }
      peak_until = next_start;
      if (recovered_at) {
        wr.recovered_after_seconds = std::max(0.0, series[*recovered_at].start_seconds() - w.end_seconds);
        peak_until = std::min(next_start, series[*recovered_at].start_seconds());
      }
      for (auto const& r : series) {
        if (r.end_seconds() <= w.start_seconds || r.start_seconds() >= *peak_until) continue;
        wr.requests_affected_failed += r.counters.total() - r.counters.count(outcome::ok);
      }
      wr.requests_affected = wr.requests_affected_failed;
    }

    double const peaks_until = std::min(*peak_until, next_start);
    for (auto const& r : series) {
      if (r.end_seconds() <= w.start_seconds) continue;
      if (r.start_seconds() >= peaks_until) break;
      wr.peak_degradation = std::max(wr.peak_degradation, r.degradation);
      if (r.counters.total() > 0) {
        wr.peak_error_rate = std::max(wr.peak_error_rate, r.values.get(metric::error_rate).value_or(0.0));
        wr.peak_p99_ms = std::max(wr.peak_p99_ms, r.values.get(metric::p99_response_time_ms).value_or(0.0));
      }
    }
    wr.error_budget_burned = budget > 0 ? static_cast<double>(wr.requests_affected_failed) / budget : 0.0;
    a.windows.push_back(std::move(wr));
  }

  // The seed's ResilienceMetrics. Down = an interval at CRITICAL (error rate > 10% or p99 > 10 s
  // by default): the service answered too few requests, or too late, to count as up.
  auto& rm = a.resilience;
  std::uint64_t ok = 0;
  std::uint64_t intended = 0;
  degradation_level previous = degradation_level::none;
  for (auto const& r : series) {
    ok += r.counters.count(outcome::ok);
    intended += r.counters.total();
    if (r.degradation == degradation_level::critical) rm.downtime_seconds += r.end_seconds() - r.start_seconds();
    if (r.degradation > degradation_level::none && previous == degradation_level::none) ++rm.degradation_events;
    previous = r.degradation;
  }
  rm.uptime_percentage = load::uptime_percentage(ok, intended);
  rm.degradation_level = a.max_degradation;
  double recovery_sum = 0;
  for (auto const& wr : a.windows) {
    if (!wr.window.injected_failure) continue;
    ++rm.failures_injected;
    if (wr.recovered()) {
      ++rm.failures_recovered;
      recovery_sum += *wr.recovered_after_seconds;
    }
  }
  rm.recovery_time_avg_seconds = rm.failures_recovered > 0 ? recovery_sum / static_cast<double>(rm.failures_recovered) : 0.0;
  return a;
}

/** The actual value of a criterion scoped `within T after each failure`: for each injected
    failure, the seconds from its end to the start of the first interval (among those ending
    after it) whose value of the metric satisfies the condition; the largest over the failures.
    +infinity when the condition never held again before the run ended; nullopt when the run had
    no injected failure. Intervals without a value (no traffic) are skipped. */
inline std::optional<double> seconds_until_condition_holds(const criterion& c, const std::vector<interval_record>& series,
                                                           const std::vector<disturbance_window>& windows) {
  auto const m = metrics::find_metric(c.metric);
  if (!m) return std::nullopt;
  std::optional<double> worst;
  for (auto const& w : windows) {
    if (!w.injected_failure) continue;
    double back = std::numeric_limits<double>::infinity();
    for (auto const& r : series) {
      if (r.end_seconds() <= w.end_seconds) continue;
      auto const v = r.values.get(*m);
      if (!v || !compare(*v, c.op, c.threshold)) continue;
      back = std::max(0.0, r.start_seconds() - w.end_seconds);
      break;
    }
    worst = std::max(worst.value_or(0.0), back);
  }
  return worst;
}

/** Of two values of a criterion's metric, the one that is worse for it: a failing value over a
    passing one, else the one further in the failing direction (larger for `<`, smaller for `>`);
    for `==`/`!=` the first failing value is kept. */
inline double worse_value(const criterion& c, double kept, double candidate) noexcept {
  bool const kept_ok = compare(kept, c.op, c.threshold);
  bool const cand_ok = compare(candidate, c.op, c.threshold);
  if (kept_ok != cand_ok) return cand_ok ? kept : candidate;
  switch (c.op) {
    case comparison::less:
    case comparison::less_equal: return std::max(kept, candidate);
    case comparison::greater:
    case comparison::greater_equal: return std::min(kept, candidate);
    default: return kept;
  }
}

}  // namespace stress_testing::run

#endif
