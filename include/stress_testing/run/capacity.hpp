#ifndef STRESS_TESTING_RUN_CAPACITY_HPP
#define STRESS_TESTING_RUN_CAPACITY_HPP

/** Capacity search: the highest open-model rate at which a target meets its SLOs, how sure we are,
    and the latency–throughput curve on the way (docs/capacity.md). Pure layer: std only.

    The search is split so that its decisions can be tested without time:
    - `judge_step` turns what one step measured (`step_measurement`: the step's histograms, whole
      and by half, and the engine's accounting) into a judged `capacity_step`: each SLO with the
      confidence interval of its metric, the drift between the halves, the generator's health, and
      one verdict (pass, fail, undecided, generator-limited);
    - `capacity_search` is the state machine: given the judged steps it says which rate to hold
      next and for how long (`next()`), and when it is done (`result()`);
    - `search_capacity` loops the two over any step runner: `run/capacity_search.hpp` holds a rate
      with the orchestrator against a real target; tests hold it against a simulated queue.

    Rule of the search (the bar: never above the truth by more than 1%, within the precision below
    it): a step passes only when every SLO is met with confidence (the interval's bound on the
    SLO's side meets it) and its latency did not drift upwards between its halves (a backlog
    building is a rate the target does not sustain, however short the step); it fails when an SLO
    is broken with confidence or the latency drifted. Anything else is extended (held again,
    twice as long), and counted as a failure when still undecided, so doubt lowers the answer
    instead of raising it. A step whose generator fell behind its schedule is repeated, and if it
    stays so, bounds the search from above as the generator's limit, never as the target's. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/percentile_interval.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::run {

/// How to search (docs/capacity.md). `problems()` lists what is wrong, naming each field.
struct capacity_options {
  /// What "sustainable" means: every one must hold (`p99_response_time_ms < 50`, `error_rate < 0.01`).
  std::vector<criterion> slos;
  double min_rate = 10;       ///< the first rate held, requests/s (> 0)
  double max_rate = 100'000;  ///< never hold a rate above this (>= min_rate)
  /// Stop when the bracket [passed, failed] is narrower than this fraction of its upper end.
  double precision = 0.05;
  std::chrono::nanoseconds step_duration{std::chrono::seconds(10)};  ///< how long each rate is held
  /// Pause between steps so the target drains what the last one left (queues, connections).
  std::chrono::nanoseconds drain{std::chrono::seconds(2)};
  double confidence = 0.95;  ///< of every interval (percentiles, error rates)
  /// An undecided step (an interval straddles an SLO) is held again, twice as long, at most this often.
  std::size_t max_extensions = 2;
  /// A generator-limited step is held again at most this often before it bounds the search.
  std::size_t max_generator_repeats = 1;
  /** Latency drift within a step: the second half's median above the first half's by more than
      this factor *and* by more than `drift_min_ms`, both with confidence (the second half's lower
      bound against the first half's upper bound). */
  double drift_ratio = 1.25;
  double drift_min_ms = 1.0;
  /// A step that drifted is a failure (the default: a backlog is building); off: reported only.
  bool drift_fails = true;
  /// Hold the rate found this long at the end and report its verdict and drift (0: no hold).
  std::chrono::nanoseconds hold{0};
  std::size_t max_steps = 40;  ///< a bound on the whole search, extensions and repeats included
  /** The sampling interval of each step: the resolution of the drift check's halves (a step's
      intervals ending at or before its middle are its first half). 0: a tenth of the step, so
      the middle is an interval boundary. At most half of `step_duration`, or there is no second
      half to compare. */
  std::chrono::nanoseconds interval{0};

  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    auto finite_pos = [](double v) { return std::isfinite(v) && v > 0; };
    if (slos.empty()) out.push_back("slos: give at least one (e.g. \"p99_response_time_ms < 50\")");
    for (auto const& s : slos)
      if (s.scope != criterion_scope::run)
        out.push_back("slos: \"" + to_string(s) + "\": a capacity SLO is judged over each step; drop its scope");
    if (!finite_pos(min_rate)) out.push_back("min_rate: must be > 0");
    if (!std::isfinite(max_rate) || max_rate < min_rate) out.push_back("max_rate: must be >= min_rate");
    if (!(precision > 0 && precision < 1)) out.push_back("precision: must be in (0, 1)");
    if (step_duration <= std::chrono::nanoseconds::zero()) out.push_back("step_duration: must be > 0");
    if (drain < std::chrono::nanoseconds::zero()) out.push_back("drain: must be >= 0");
    if (!(confidence > 0 && confidence < 1)) out.push_back("confidence: must be in (0, 1)");
    if (!(drift_ratio >= 1) || !std::isfinite(drift_ratio)) out.push_back("drift_ratio: must be >= 1");
    if (!(drift_min_ms >= 0) || !std::isfinite(drift_min_ms)) out.push_back("drift_min_ms: must be >= 0");
    if (hold < std::chrono::nanoseconds::zero()) out.push_back("hold: must be >= 0");
    if (max_steps == 0) out.push_back("max_steps: must be >= 1");
    if (interval < std::chrono::nanoseconds::zero() ||
        (step_duration > std::chrono::nanoseconds::zero() && interval > step_duration / 2))
      out.push_back("interval: must be from 0 (a tenth of the step) to half of step_duration (the drift check "
                    "compares the step's halves)");
    return out;
  }
};

/// Why a step is run.
enum class step_kind {
  probe,   ///< a new rate of the bracket or the bisection
  extend,  ///< the same rate again, longer: the last step was undecided
  repeat,  ///< the same rate again: the generator fell behind
  hold,    ///< the rate found, held for `capacity_options::hold`
};

constexpr std::string_view to_string(step_kind k) noexcept {
  switch (k) {
    case step_kind::probe: return "probe";
    case step_kind::extend: return "extend";
    case step_kind::repeat: return "repeat";
    case step_kind::hold: return "hold";
  }
  return "?";
}

/// What to hold next: `rate` requests/s for `duration`.
struct step_plan {
  double rate = 0;
  std::chrono::nanoseconds duration{0};
  step_kind kind = step_kind::probe;
  std::size_t index = 0;  ///< 0-based position among the search's steps
};

/** What a step runner measured while holding `plan.rate` (nanosecond histograms, as the engine
    records them). `first_half` and `second_half` split `whole` at the middle of the schedule, by
    completion time; whatever completes after the schedule ended (the drain) is in the second. */
struct step_measurement {
  metrics::snapshot whole;
  metrics::snapshot first_half;
  metrics::snapshot second_half;
  load::run_summary accounting;
  /// Requests completed (any outcome but dropped) before the schedule ended, per second of it.
  double achieved_rps = 0;
  std::string generator_reason;  ///< why the generator was limited, when `accounting.generator_limited`
  bool cancelled = false;        ///< stopped by the caller: the search ends with what it has
  /// How many interval samples went into each half (the drift check's resolution).
  std::size_t first_half_intervals = 0, second_half_intervals = 0;
};

/// A value and its confidence interval (all three equal for a metric measured exactly).
struct estimate {
  double value = 0;
  std::optional<double> lower, upper;  ///< empty when the samples cannot bound it on that side
};

/// A latency percentile of a step, in ms, with its interval.
struct percentile_estimate {
  double percentile = 0;
  estimate ms;
};

/// How one SLO fared in one step.
enum class slo_verdict { pass, fail, undecided, no_data };

constexpr std::string_view to_string(slo_verdict v) noexcept {
  switch (v) {
    case slo_verdict::pass: return "pass";
    case slo_verdict::fail: return "fail";
    case slo_verdict::undecided: return "undecided";
    case slo_verdict::no_data: return "no_data";
  }
  return "?";
}

struct slo_judgement {
  criterion slo;
  std::optional<estimate> actual;  ///< empty: no data
  slo_verdict verdict = slo_verdict::no_data;
};

/// The step's verdict, for the search.
enum class step_verdict {
  pass,               ///< every SLO met with confidence, no drift
  fail,               ///< an SLO broken with confidence, or latency drifted
  undecided,          ///< an interval straddles an SLO (or has no bound yet): hold longer
  generator_limited,  ///< the generator fell behind: not the target's verdict
};

constexpr std::string_view to_string(step_verdict v) noexcept {
  switch (v) {
    case step_verdict::pass: return "pass";
    case step_verdict::fail: return "fail";
    case step_verdict::undecided: return "undecided";
    case step_verdict::generator_limited: return "generator_limited";
  }
  return "?";
}

/** The median of each half of a step and whether it drifted (`capacity_options::drift_ratio`),
    with the p99 and the error rate of each half: what a hold reports as its drift. */
struct drift_check {
  std::optional<estimate> first_p50_ms, second_p50_ms;
  double ratio = 0;  ///< second / first median; 0 when either half has no samples
  bool detected = false;
  std::size_t first_intervals = 0, second_intervals = 0;  ///< interval samples in each half
  std::optional<estimate> first_p99_ms, second_p99_ms;  ///< empty when the half has no response times
  /// second / first p99 − 1 (+0.2: 20% slower in the second half); empty without both p99s (> 0).
  std::optional<double> p99_change;
  /// failed / intended in each half (Wilson interval); empty when the half had no requests.
  std::optional<estimate> first_error_rate, second_error_rate;
};

/// One judged step: the curve's point and the search's evidence.
struct capacity_step {
  step_plan plan;
  double seconds = 0;       ///< the schedule's length
  double achieved_rps = 0;  ///< see `step_measurement::achieved_rps`
  double goodput_rps = 0;   ///< ok responses per second of the step (`throughput_tps`)
  std::uint64_t intended = 0, ok = 0, failed = 0;
  estimate error_rate;
  std::vector<percentile_estimate> percentiles;  ///< p50, p90, p99, p99.9 of response time
  std::vector<slo_judgement> slos;
  drift_check drift;
  // Generator health.
  bool generator_limited = false;
  std::string generator_reason;
  std::uint64_t late = 0;
  /// Null when the step sent nothing (no send lag was measured), never a made-up 0.
  std::optional<double> p99_send_lag_ms;

  step_verdict verdict = step_verdict::undecided;
  /// Counted as a failure by the search although not decided (see `capacity_search`).
  bool counted_as_failure = false;
  std::string reason;  ///< the verdict in a sentence
};

/// The knee of the latency–throughput curve (`find_knee`).
struct knee_point {
  double rate = 0;          ///< offered rate of the step at the knee
  double achieved_rps = 0;
  double latency_ms = 0;    ///< the curve's latency there
  double percentile = 99;   ///< which percentile the curve plots
};

/// Why the search stopped.
enum class capacity_stop {
  converged,        ///< the bracket is within `precision`
  max_rate_passed,  ///< `max_rate` passed: the capacity is at least that
  min_rate_failed,  ///< `min_rate` failed: the capacity is below it
  generator_limit,  ///< converged, but the upper bound is the generator's, not the target's
  max_steps,        ///< out of steps before converging
  cancelled,
};

constexpr std::string_view to_string(capacity_stop s) noexcept {
  switch (s) {
    case capacity_stop::converged: return "converged";
    case capacity_stop::max_rate_passed: return "max_rate_passed";
    case capacity_stop::min_rate_failed: return "min_rate_failed";
    case capacity_stop::generator_limit: return "generator_limit";
    case capacity_stop::max_steps: return "max_steps";
    case capacity_stop::cancelled: return "cancelled";
  }
  return "?";
}

/// The answer.
struct capacity_result {
  /// The highest rate that passed (the bracket's lower end); empty when none did.
  std::optional<double> max_sustainable_rps;
  std::optional<double> bracket_low;   ///< highest rate that passed
  std::optional<double> bracket_high;  ///< lowest rate that failed (or was counted so)
  /// The bracket's upper end was set by the generator (it could not drive that rate), so the
  /// target's capacity may be higher than `bracket_high`.
  bool upper_bound_is_generator = false;
  capacity_stop stop = capacity_stop::max_steps;
  std::vector<capacity_step> steps;  ///< in the order run, the hold included
  std::optional<knee_point> knee;
  std::optional<capacity_step> hold;  ///< the hold at the rate found, when asked
  /// Steps that passed every SLO but whose latency drifted upwards (by index in `steps`).
  std::vector<std::size_t> drifted_steps;
  std::string summary;  ///< one line a person can act on (`summary_line`)
};

namespace detail {

/// The response-time percentiles every step reports (the curve's lines).
inline constexpr std::array<double, 4> capacity_percentiles{50, 90, 99, 99.9};

/// The `q`-th percentile of `h` (ns) in ms with its interval.
inline estimate percentile_ms(const metrics::histogram& h, double q, double confidence) {
  estimate e;
  e.value = static_cast<double>(h.value_at_percentile(q)) / 1e6;
  auto const ci = metrics::percentile_confidence_interval(h, q, confidence);
  if (ci.lower) e.lower = static_cast<double>(*ci.lower) / 1e6;
  if (ci.upper) e.upper = static_cast<double>(*ci.upper) / 1e6;
  return e;
}

/** Wilson score interval of a proportion `k / n` (n > 0): unlike the normal approximation it
    stays within [0, 1] and gives a non-zero upper bound when k is 0, which is what an error-rate
    SLO needs (no error in 100 requests does not prove an error rate below 0.1%). */
inline estimate proportion(double k, double n, double confidence) {
  estimate e;
  e.value = k / n;
  double const z = metrics::detail::two_sided_z(confidence);
  double const p = e.value, z2 = z * z;
  double const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  double const half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  e.lower = k <= 0 ? 0.0 : std::max(0.0, centre - half);  // exact at the ends (no rounding residue)
  e.upper = k >= n ? 1.0 : std::min(1.0, centre + half);
  return e;
}

/// The histogram percentile a metric is (p99_response_time_ms → response time, 99), if it is one.
inline std::optional<std::pair<const metrics::histogram*, double>> percentile_metric(metrics::metric m,
                                                                                    const metrics::snapshot& s) {
  using metrics::metric;
  switch (m) {
    case metric::p50_response_time_ms: return std::pair{&s.response_time, 50.0};
    case metric::p95_response_time_ms: return std::pair{&s.response_time, 95.0};
    case metric::p99_response_time_ms: return std::pair{&s.response_time, 99.0};
    case metric::p999_response_time_ms: return std::pair{&s.response_time, 99.9};
    case metric::p99_service_time_ms: return std::pair{&s.service_time, 99.0};
    default: return std::nullopt;
  }
}

/// The outcome count a ratio metric counts (error_rate → failed), if it is one.
inline std::optional<double> ratio_numerator(metrics::metric m, const metrics::outcome_counters& c) {
  using metrics::metric;
  double const total = static_cast<double>(c.total());
  auto const n = [&](outcome o) { return static_cast<double>(c.count(o)); };
  switch (m) {
    case metric::error_rate: return total - n(outcome::ok);
    case metric::success_rate: return n(outcome::ok);
    case metric::timeout_rate: return n(outcome::timeout);
    default: return std::nullopt;
  }
}

/// `actual` of `slo` in step `s`: the interval when the metric has one, else the exact value.
inline std::optional<estimate> slo_actual(const criterion& slo, const metrics::snapshot& s,
                                          const metrics::metric_values& values, double confidence) {
  auto const m = metrics::find_metric(slo.metric);
  if (!m) return std::nullopt;
  if (auto p = percentile_metric(*m, s)) {
    if (p->first->total_count() == 0) return std::nullopt;
    return percentile_ms(*p->first, p->second, confidence);
  }
  if (auto k = ratio_numerator(*m, s.counters); k && s.counters.total() > 0)
    return proportion(*k, static_cast<double>(s.counters.total()), confidence);
  auto const v = values.get(*m);
  if (!v) return std::nullopt;
  return estimate{*v, *v, *v};
}

/** Pass when the bound on the SLO's side meets it (the upper bound of `p99 < 50`), fail when the
    other bound breaks it, undecided in between or when the deciding bound is missing. */
inline slo_verdict judge_estimate(const criterion& slo, const estimate& e) {
  switch (slo.op) {
    case comparison::less:
    case comparison::less_equal:
      if (e.upper && compare(*e.upper, slo.op, slo.threshold)) return slo_verdict::pass;
      if (e.lower && !compare(*e.lower, slo.op, slo.threshold)) return slo_verdict::fail;
      return slo_verdict::undecided;
    case comparison::greater:
    case comparison::greater_equal:
      if (e.lower && compare(*e.lower, slo.op, slo.threshold)) return slo_verdict::pass;
      if (e.upper && !compare(*e.upper, slo.op, slo.threshold)) return slo_verdict::fail;
      return slo_verdict::undecided;
    default:
      return compare(e.value, slo.op, slo.threshold) ? slo_verdict::pass : slo_verdict::fail;
  }
}

inline std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

}  // namespace detail

/** Judges one step (see the file comment): SLOs with their intervals at `o.confidence`, drift of
    the median between the halves, the generator's health, and the step's verdict:
    an SLO broken with confidence on a metric the generator cannot inflate (error rate) → fail;
    the generator limited → generator_limited; an SLO broken, or drift (with `drift_fails`) →
    fail; an SLO undecided or without data → undecided; else pass. */
inline capacity_step judge_step(const step_plan& plan, const step_measurement& m, const capacity_options& o) {
  capacity_step s;
  s.plan = plan;
  s.seconds = std::chrono::duration<double>(plan.duration).count();
  s.achieved_rps = m.achieved_rps;
  auto const values = metrics::derive_metric_values(m.whole);
  auto const& c = m.whole.counters;
  s.intended = c.total();
  s.ok = c.count(outcome::ok);
  s.failed = s.intended - s.ok;
  s.goodput_rps = values.value(metrics::metric::throughput_tps);
  if (s.intended > 0) s.error_rate = detail::proportion(static_cast<double>(s.failed), static_cast<double>(s.intended), o.confidence);
  if (m.whole.response_time.total_count() > 0)
    for (double q : detail::capacity_percentiles)
      s.percentiles.push_back({q, detail::percentile_ms(m.whole.response_time, q, o.confidence)});
  s.generator_limited = m.accounting.generator_limited;
  s.generator_reason = m.generator_reason;
  s.late = m.accounting.late;
  if (m.whole.send_lag.total_count() > 0)
    s.p99_send_lag_ms = static_cast<double>(m.whole.send_lag.value_at_percentile(99)) / 1e6;

  // Drift: the median of each half, with confidence on both sides.
  s.drift.first_intervals = m.first_half_intervals;
  s.drift.second_intervals = m.second_half_intervals;
  if (m.first_half.response_time.total_count() > 0 && m.second_half.response_time.total_count() > 0) {
    auto const a = detail::percentile_ms(m.first_half.response_time, 50, o.confidence);
    auto const b = detail::percentile_ms(m.second_half.response_time, 50, o.confidence);
    s.drift.first_p50_ms = a;
    s.drift.second_p50_ms = b;
    s.drift.ratio = a.value > 0 ? b.value / a.value : 0;
    if (a.upper && b.lower)
      s.drift.detected = *b.lower > *a.upper * o.drift_ratio && *b.lower - *a.upper > o.drift_min_ms;
  }
  // The hold's drift figures (computed for every step): p99 and error rate of each half.
  auto half_figures = [&](const metrics::snapshot& h, std::optional<estimate>& p99, std::optional<estimate>& errors) {
    if (h.response_time.total_count() > 0) p99 = detail::percentile_ms(h.response_time, 99, o.confidence);
    if (auto const n = h.counters.total(); n > 0)
      errors = detail::proportion(static_cast<double>(n - h.counters.count(outcome::ok)), static_cast<double>(n), o.confidence);
  };
  half_figures(m.first_half, s.drift.first_p99_ms, s.drift.first_error_rate);
  half_figures(m.second_half, s.drift.second_p99_ms, s.drift.second_error_rate);
  if (s.drift.first_p99_ms && s.drift.second_p99_ms && s.drift.first_p99_ms->value > 0)
    s.drift.p99_change = s.drift.second_p99_ms->value / s.drift.first_p99_ms->value - 1;

  bool hard_fail = false, fail = false, undecided = false;
  std::string broken, open;
  for (auto const& slo : o.slos) {
    slo_judgement j{slo, detail::slo_actual(slo, m.whole, values, o.confidence), slo_verdict::no_data};
    if (j.actual) j.verdict = detail::judge_estimate(slo, *j.actual);
    if (j.verdict == slo_verdict::fail) {
      fail = true;
      hard_fail = hard_fail || !judges_latency(slo);
      broken += (broken.empty() ? "" : ", ") + to_string(slo);
    } else if (j.verdict != slo_verdict::pass) {
      undecided = true;
      open += (open.empty() ? "" : ", ") + to_string(slo);
    }
    s.slos.push_back(std::move(j));
  }
  std::string const drift_text =
      s.drift.detected ? detail::format("latency drifted within the step: median %.3f ms in its first half, %.3f ms in "
                                        "its second (x%.2f): a backlog is building",
                                        s.drift.first_p50_ms->value, s.drift.second_p50_ms->value, s.drift.ratio)
                       : std::string();
  if (hard_fail) {
    s.verdict = step_verdict::fail;
    s.reason = "broken with confidence: " + broken;
  } else if (s.generator_limited) {
    s.verdict = step_verdict::generator_limited;
    s.reason = "the load generator fell behind its schedule, so this step judges the generator, not the target" +
               (s.generator_reason.empty() ? std::string() : ": " + s.generator_reason);
  } else if (fail) {
    s.verdict = step_verdict::fail;
    s.reason = "broken with confidence: " + broken;
    if (s.drift.detected) s.reason += "; " + drift_text;
  } else if (s.drift.detected && o.drift_fails) {
    s.verdict = step_verdict::fail;
    s.reason = drift_text;
  } else if (undecided) {
    s.verdict = step_verdict::undecided;
    s.reason = "not decided at " + detail::format("%.0f%%", 100 * o.confidence) + " confidence: " + open;
  } else {
    s.verdict = step_verdict::pass;
    s.reason = "every SLO met with confidence";
    if (s.drift.detected) s.reason += "; but " + drift_text;
  }
  return s;
}

/// One point of the latency–throughput curve (`latency_curve`).
struct curve_point {
  double rate = 0;          ///< the offered rate
  double achieved_rps = 0;  ///< see `step_measurement::achieved_rps`
  std::optional<estimate> p50_ms, p99_ms;  ///< empty when the step had no response times
  step_verdict verdict = step_verdict::undecided;
  std::size_t step = 0;  ///< index in the search's steps
};

/** The latency–throughput curve of a search, the one definition that capacity.json's `curve`,
    its chart and the knee use: one point per offered rate (the last step held at it, so an
    extended step replaces its shorter try), sorted by rate, leaving out generator-limited steps
    (they measure the generator) and the hold (it repeats a rate). */
inline std::vector<curve_point> latency_curve(const std::vector<capacity_step>& steps) {
  std::vector<curve_point> pts;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto const& s = steps[i];
    if (s.generator_limited || s.plan.kind == step_kind::hold) continue;
    curve_point c{s.plan.rate, s.achieved_rps, std::nullopt, std::nullopt, s.verdict, i};
    for (auto const& p : s.percentiles) {
      if (p.percentile == 50) c.p50_ms = p.ms;
      if (p.percentile == 99) c.p99_ms = p.ms;
    }
    auto same = std::find_if(pts.begin(), pts.end(), [&](const curve_point& p) { return p.rate == c.rate; });
    if (same != pts.end()) *same = c;
    else pts.push_back(c);
  }
  std::sort(pts.begin(), pts.end(), [](const curve_point& a, const curve_point& b) { return a.rate < b.rate; });
  return pts;
}

/** The knee of the latency–throughput curve (`latency_curve`, its p99 points): both axes scaled
    to [0, 1], the point farthest below the chord from the first to the last point (the Kneedle
    rule for an increasing convex curve). Needs three points with a p99 and a curve that rises
    with confidence (its highest p99's lower bound above its lowest p99's upper bound; a missing
    bound counts as the value): a flat curve's wobble has no knee. Otherwise empty.

    Known answer: latencies 1, 1, 1.1, 10 ms at 100, 200, 300, 400 requests/s → knee at 300. */
inline std::optional<knee_point> find_knee(const std::vector<capacity_step>& steps) {
  std::vector<curve_point> pts;
  for (auto const& c : latency_curve(steps))
    if (c.p99_ms) pts.push_back(c);
  if (pts.size() < 3) return std::nullopt;
  double const x0 = pts.front().rate, x1 = pts.back().rate;
  double y0 = pts.front().p99_ms->value, y1 = y0;
  const estimate* lowest = &*pts.front().p99_ms;
  const estimate* highest = lowest;
  for (auto const& p : pts) {
    y0 = std::min(y0, p.p99_ms->value);
    y1 = std::max(y1, p.p99_ms->value);
    if (p.p99_ms->value < lowest->value) lowest = &*p.p99_ms;
    if (p.p99_ms->value > highest->value) highest = &*p.p99_ms;
  }
  if (!(x1 > x0) || !(highest->lower.value_or(highest->value) > lowest->upper.value_or(lowest->value)))
    return std::nullopt;
  double best = 0;
  std::optional<knee_point> knee;
  for (auto const& p : pts) {
    double const d = (p.rate - x0) / (x1 - x0) - (p.p99_ms->value - y0) / (y1 - y0);
    if (d > best) {
      best = d;
      knee = knee_point{p.rate, p.achieved_rps, p.p99_ms->value, 99};
    }
  }
  return knee;
}

/** The search's state machine (see the file comment). Bracketing: hold `min_rate`, then double
    after each pass (capped at `max_rate`) until a step fails. Bisecting: hold the middle of
    [highest passed, lowest failed] until the bracket is narrower than `precision` of its upper
    end. An undecided step is extended (the same rate held twice as long, then four times...) up
    to `max_extensions` times, then counted as a failure; a generator-limited step is repeated up
    to `max_generator_repeats` times, then bounds the bracket from above as the generator's limit.
    With `hold` > 0 the rate found is held once more at the end. Pure: no time, no I/O. */
class capacity_search {
 public:
  explicit capacity_search(capacity_options o) : o_(std::move(o)) {
    next_ = step_plan{o_.min_rate, o_.step_duration, step_kind::probe, 0};
  }

  const capacity_options& options() const noexcept { return o_; }

  /// The step to run next; empty when the search is done.
  const std::optional<step_plan>& next() const noexcept { return next_; }
  bool done() const noexcept { return !next_.has_value(); }

  /// Records the judged result of the step `next()` asked for, and decides the one after it.
  void record(capacity_step s) {
    if (!next_) return;
    auto const plan = *next_;
    next_.reset();
    s.plan = plan;
    std::size_t const at = r_.steps.size();
    if (s.drift.detected && s.verdict == step_verdict::pass) r_.drifted_steps.push_back(at);
    if (plan.kind == step_kind::hold) {
      r_.steps.push_back(s);
      r_.hold = std::move(s);
      return;
    }
    auto const verdict = s.verdict;
    r_.steps.push_back(std::move(s));
    auto& step = r_.steps.back();
    if (r_.steps.size() >= o_.max_steps) {
      apply(step);
      return finish(capacity_stop::max_steps);
    }
    if (verdict == step_verdict::undecided && extensions_ < o_.max_extensions) {
      ++extensions_;
      return plan_next(plan.rate, plan.duration * 2, step_kind::extend);
    }
    if (verdict == step_verdict::generator_limited && repeats_ < o_.max_generator_repeats) {
      ++repeats_;
      return plan_next(plan.rate, plan.duration, step_kind::repeat);
    }
    apply(step);
    advance();
  }

  /// Ends the search now (the caller was cancelled): the result holds what was found so far.
  void cancel() {
    next_.reset();
    r_.stop = capacity_stop::cancelled;
  }

  /// The steps recorded so far, in the order run.
  const std::vector<capacity_step>& steps() const noexcept { return r_.steps; }

  /// The answer so far; final once `done()`. Fills the knee and the summary line.
  capacity_result result() const {
    capacity_result r = r_;
    r.max_sustainable_rps = lo_;
    r.bracket_low = lo_;
    r.bracket_high = hi_;
    r.upper_bound_is_generator = hi_generator_;
    r.knee = find_knee(r.steps);
    r.summary = summary_line(r, o_);
    return r;
  }

  /** The hold in words: "holds 968.8/s for 300 s: p99 drift +4% (3.10 -> 3.22 ms), errors 0.00% ->
      0.00%, achieved 968.0/s: pass", and whether its latency drifted (drift_check). */
  static std::string hold_line(const capacity_step& h) {
    auto const& d = h.drift;
    std::string out = detail::format("holds %.1f/s for %.0f s: ", h.plan.rate, h.seconds);
    if (d.p99_change)
      out += detail::format("p99 drift %+.0f%% (%.2f -> %.2f ms)", 100 * *d.p99_change, d.first_p99_ms->value,
                            d.second_p99_ms->value);
    else
      out += "p99 drift unknown (a half without responses)";
    if (d.first_error_rate && d.second_error_rate)
      out += detail::format(", errors %.2f%% -> %.2f%%", 100 * d.first_error_rate->value, 100 * d.second_error_rate->value);
    out += detail::format(", achieved %.1f/s: ", h.achieved_rps) + std::string(to_string(h.verdict));
    if (d.detected) out += ", its latency drifted (it does not stay there)";
    return out;
  }

  /** The line a person can act on: the rate found, its bracket and the SLOs, what bounded it, and
      what to do when the answer is not a clean one (raise --max-rate, lower --min-rate, add
      generator threads, look at the drift). */
  static std::string summary_line(const capacity_result& r, const capacity_options& o) {
    std::string slos;
    for (auto const& s : o.slos) slos += (slos.empty() ? "" : ", ") + to_string(s);
    std::string out;
    if (r.max_sustainable_rps) {
      out = detail::format("max sustainable rate %.1f requests/s", *r.max_sustainable_rps) + " meeting " + slos;
      if (r.bracket_high)
        out += detail::format(" (passed at %.1f/s, failed at %.1f/s", *r.bracket_low, *r.bracket_high) +
               (r.upper_bound_is_generator ? " because the generator could not drive it: the target may take more"
                                           : "") +
               ")";
    } else if (r.stop == capacity_stop::cancelled) {
      out = "no rate passed " + slos + " before the search was stopped";
    } else {
      out = "no rate met " + slos;
    }
    switch (r.stop) {
      case capacity_stop::converged: break;
      case capacity_stop::generator_limit:
        out += "; the load generator was the limit: add --threads or run it on a bigger machine";
        break;
      case capacity_stop::max_rate_passed:
        out += detail::format("; it passed --max-rate %.1f/s, so the capacity is at least that: raise --max-rate",
                              o.max_rate);
        break;
      case capacity_stop::min_rate_failed:
        out += detail::format("; it failed already at --min-rate %.1f/s: lower --min-rate, or fix the target first",
                              o.min_rate);
        break;
      case capacity_stop::max_steps: out += "; out of steps before the bracket was within --precision"; break;
      case capacity_stop::cancelled:
        out += "; interrupted after " + std::to_string(r.steps.size()) + (r.steps.size() == 1 ? " step" : " steps") +
               " before the search converged" +
               (r.max_sustainable_rps ? ": the answer is the highest rate passed so far" : "");
        break;
    }
    if (r.hold) out += "; " + hold_line(*r.hold);
    if (r.knee) out += detail::format("; latency turns up at about %.1f/s (the knee)", r.knee->rate);
    return out;
  }

 private:
  void plan_next(double rate, std::chrono::nanoseconds d, step_kind k) {
    next_ = step_plan{rate, d, k, r_.steps.size()};
  }

  /// Moves the bracket with a final verdict for the step's rate.
  void apply(capacity_step& s) {
    extensions_ = repeats_ = 0;
    double const rate = s.plan.rate;
    if (s.verdict == step_verdict::pass) {
      lo_ = lo_ ? std::max(*lo_, rate) : rate;
      return;
    }
    s.counted_as_failure = s.verdict != step_verdict::fail;
    if (!hi_ || rate <= *hi_) {
      hi_generator_ = s.verdict == step_verdict::generator_limited;
      hi_ = rate;
    }
  }

  void advance() {
    if (!hi_) {
      if (*lo_ >= o_.max_rate) return finish(capacity_stop::max_rate_passed);
      return plan_next(std::min(*lo_ * 2, o_.max_rate), o_.step_duration, step_kind::probe);
    }
    if (!lo_)  // the first step, at min_rate, did not pass
      return finish(hi_generator_ ? capacity_stop::generator_limit : capacity_stop::min_rate_failed);
    if (*hi_ - *lo_ <= o_.precision * *hi_)
      return finish(hi_generator_ ? capacity_stop::generator_limit : capacity_stop::converged);
    plan_next((*lo_ + *hi_) / 2, o_.step_duration, step_kind::probe);
  }

  void finish(capacity_stop why) {
    r_.stop = why;
    if (o_.hold > std::chrono::nanoseconds::zero() && lo_ && why != capacity_stop::cancelled)
      plan_next(*lo_, o_.hold, step_kind::hold);
  }

  capacity_options o_;
  std::optional<step_plan> next_;
  capacity_result r_;
  std::optional<double> lo_, hi_;
  bool hi_generator_ = false;
  std::size_t extensions_ = 0, repeats_ = 0;
};

/** Runs the search with `run_step(const step_plan&) -> step_measurement` holding each rate (and
    draining after it: the runner owns time). `on_step(const capacity_step&)` sees each step as
    recorded, as `result().steps` will hold it (progress lines, the live dashboard). A measurement
    marked `cancelled` ends the search with what it has. Throws `std::invalid_argument` listing
    `options.problems()` when the options are invalid. */
template <class StepRunner, class OnStep>
capacity_result search_capacity(const capacity_options& options, StepRunner&& run_step, OnStep&& on_step) {
  if (auto p = options.problems(); !p.empty()) {
    std::string what = "capacity search:";
    for (auto const& x : p) what += " " + x + ";";
    throw std::invalid_argument(what);
  }
  capacity_search search(options);
  while (auto const plan = search.next()) {
    step_measurement const m = run_step(*plan);
    if (m.cancelled) {
      search.cancel();
      break;
    }
    search.record(judge_step(*plan, m, options));
    on_step(static_cast<const capacity_step&>(search.steps().back()));  // as recorded (counted_as_failure)
  }
  return search.result();
}

/** Splits a step's interval snapshots (in time order) into the measurement's halves at
    `middle`: an interval ending at or before it (`end`, since the run's start) goes to the first
    half, any other to the second. Also counts what completed before `schedule_end` for
    `achieved_rps`. */
class step_halves {
 public:
  step_halves(std::chrono::nanoseconds middle, std::chrono::nanoseconds schedule_end,
              const metrics::histogram_options& layout = {})
      : middle_(middle), end_(schedule_end), first_(layout), second_(layout) {}

  void add(const metrics::snapshot& interval, std::chrono::nanoseconds end) {
    (end <= middle_ ? first_ : second_).append(interval);
    ++(end <= middle_ ? first_count_ : second_count_);
    if (end <= end_ + std::chrono::milliseconds(1)) {
      completed_ += interval.counters.sent();
      counted_until_ = end;
    }
  }

  /// Moves the halves into `m` and sets its `achieved_rps`.
  void into(step_measurement& m) {
    double const s = std::chrono::duration<double>(counted_until_).count();
    m.achieved_rps = s > 0 ? static_cast<double>(completed_) / s : 0.0;
    m.first_half = std::move(first_);
    m.second_half = std::move(second_);
    m.first_half_intervals = first_count_;
    m.second_half_intervals = second_count_;
  }

 private:
  std::chrono::nanoseconds middle_, end_, counted_until_{0};
  metrics::snapshot first_, second_;
  std::uint64_t completed_ = 0;
  std::size_t first_count_ = 0, second_count_ = 0;
};

}  // namespace stress_testing::run

#endif
