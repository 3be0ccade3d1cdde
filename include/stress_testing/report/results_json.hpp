#ifndef STRESS_TESTING_REPORT_RESULTS_JSON_HPP
#define STRESS_TESTING_REPORT_RESULTS_JSON_HPP

/** The results document (DESIGN.md §5): one JSON object per run, schema-versioned, holding the
    scenario, status, summary in the seed's `SystemMetrics` names, every metric, the accounting,
    the generator's health, criteria outcomes, the interval series, resilience figures and the
    merged histograms (HdrHistogram's compressed V2 encoding in base64, with their exact extremes:
    readable by HdrHistogram's tools, mergeable again for distributed runs; `read_histogram`).
    Keys are documented in docs/results.md. */

#include <stress_testing/config/json.hpp>
#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/fraud/business.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/report/histogram_json.hpp>
#include <stress_testing/report/schema.hpp>  // results_schema, results_schema_version  // histograms_json, read_histogram
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/percentile_interval.hpp>
#include <stress_testing/profile/from_model.hpp>
#include <stress_testing/run/presentation.hpp>
#include <stress_testing/run/result.hpp>
#include <stress_testing/target/service_stats_json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace stress_testing::report {

namespace detail {

inline nlohmann::json optional_number(std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

/** `users.session`: each step of the users' session with its own figures (issue 15): requests
    (intended, backfilled slots included), sent, ok and failed, and the response and service
    times of its sent requests (ms, 1% precision; null before any). Empty without a session. */
inline nlohmann::json session_json(const run::run_result& r) {
  auto j = nlohmann::json::array();
  if (!r.users) return j;
  auto const& steps = r.accounting.steps;
  auto ms = [](const metrics::histogram& h, double p) {
    return h.total_count() > 0 ? nlohmann::json(static_cast<double>(h.value_at_percentile(p)) / 1e6) : nlohmann::json();
  };
  for (std::size_t i = 0; i < r.users->session.size(); ++i) {
    auto const& st = r.users->session[i];
    nlohmann::json s = {{"name", st.name}, {"method", st.method}, {"path", st.path}};
    if (i < steps.size()) {
      auto const& f = steps[i];
      s["requests"] = f.outcomes.total();
      s["sent"] = f.issued;
      s["ok"] = f.outcomes.count(outcome::ok);
      s["failed"] = f.outcomes.total() - f.outcomes.count(outcome::ok);
      s["throughput_tps"] =
          r.elapsed_seconds > 0 ? nlohmann::json(static_cast<double>(f.issued) / r.elapsed_seconds) : nlohmann::json();
      s["mean_response_time_ms"] = f.response_time.total_count() > 0 ? nlohmann::json(f.response_time.mean() / 1e6) : nlohmann::json();
      s["p50_response_time_ms"] = ms(f.response_time, 50);
      s["p95_response_time_ms"] = ms(f.response_time, 95);
      s["p99_response_time_ms"] = ms(f.response_time, 99);
      s["max_response_time_ms"] = ms(f.response_time, 100);
      s["mean_service_time_ms"] = f.service_time.total_count() > 0 ? nlohmann::json(f.service_time.mean() / 1e6) : nlohmann::json();
      s["p50_service_time_ms"] = ms(f.service_time, 50);
      s["p99_service_time_ms"] = ms(f.service_time, 99);
    }
    j.push_back(std::move(s));
  }
  return j;
}

inline nlohmann::json outcomes_json(const metrics::outcome_counters& c) {
  nlohmann::json j = nlohmann::json::object();
  for (auto o : all_outcomes) j[std::string(to_string(o))] = c.count(o);
  return j;
}

inline nlohmann::json values_json(const metrics::metric_values& v) {
  nlohmann::json j = nlohmann::json::object();
  for (auto const& [name, value] : v.items()) j[std::string(name)] = optional_number(value);
  return j;
}

inline double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// The `accounting` object of a run or of one workload: intended = the outcomes + not sent at stop.
inline nlohmann::json accounting_json(const load::run_summary& a) {
  return {
      {"intended", a.intended},
      {"issued", a.issued},
      {"outcomes", outcomes_json(a.outcomes)},
      {"dropped_at_limit", a.dropped_at_limit},
      {"not_sent_at_stop", a.not_sent_at_stop},
      {"timed_out_at_stop", a.timed_out_at_stop},
      {"abandoned", a.abandoned},
      {"backfilled", a.backfilled},
      {"cancelled", a.cancelled},
      {"bytes_in", a.outcomes.bytes_in()},
      {"bytes_out", a.outcomes.bytes_out()},
      {"balanced", a.balanced()},
      {"uptime_percentage", load::uptime_percentage(a)},  // the run's one uptime (docs/results.md)
  };
}

/// The `users` object of a closed population (a run's or a workload's).
inline nlohmann::json users_json(const run::run_result::users_record& u, const metrics::snapshot& h,
                                 std::optional<double> littles_law_tps, double sent_tps) {
  return {{"users", u.users},
          {"peak_active", u.peak_active},
          {"steady", u.steady},
          {"think_time_mean_seconds", u.think_time_mean_seconds},
          {"nominal_response_time_ms", u.nominal_response_time_ms},
          {"mean_service_time_ms",
           h.service_time.total_count() > 0 ? nlohmann::json(h.service_time.mean() / 1e6) : nlohmann::json()},
          {"littles_law_tps", optional_number(littles_law_tps)},
          {"sent_tps", sent_tps}};
}

/// One interval of `intervals[]` (also the live dashboard's interval message).
inline nlohmann::json interval_json(const run::interval_record& i) {
  using metrics::metric;
  auto const& v = i.values;
  nlohmann::json j = {
      {"start_seconds", i.start_seconds()},
      {"end_seconds", i.end_seconds()},
      {"completed_tps", i.completed_tps},
      {"throughput_tps", detail::optional_number(v.get(metric::throughput_tps))},
      {"outcomes", detail::outcomes_json(i.counters)},
      {"error_rate", detail::optional_number(v.get(metric::error_rate))},
      {"p50_response_time_ms", detail::optional_number(v.get(metric::p50_response_time_ms))},
      {"p95_response_time_ms", detail::optional_number(v.get(metric::p95_response_time_ms))},
      {"p99_response_time_ms", detail::optional_number(v.get(metric::p99_response_time_ms))},
      {"max_response_time_ms", detail::optional_number(v.get(metric::max_response_time_ms))},
      {"p99_service_time_ms", detail::optional_number(v.get(metric::p99_service_time_ms))},
      {"p99_send_lag_ms", detail::optional_number(v.get(metric::p99_send_lag_ms))},
      {"in_flight", i.in_flight},
      {"cpu_utilization", detail::optional_number(v.get(metric::cpu_utilization))},
      {"degradation_level", std::string(to_string(i.degradation))},
  };
  if (i.active_users)  // closed model: a user is in flight or thinking
    j["users"] = {{"active", *i.active_users},
                  {"thinking", std::max<std::int64_t>(*i.active_users - i.in_flight, 0)},
                  {"in_flight", i.in_flight}};
  if (i.histograms)  // kept by a shard of a run, for the exact merge (report/merge.hpp)
    j["histograms"] = {{"response_time", i.histograms->response_time},
                       {"service_time", i.histograms->service_time},
                       {"send_lag", i.histograms->send_lag}};
  return j;
}

/// The `resilience` object: run baseline, the seed's ResilienceMetrics, and every window.
inline nlohmann::json resilience_json(const run::run_analysis& a) {
  nlohmann::json resilience = nlohmann::json::array();
  for (auto const& w : a.windows)
    resilience.push_back({{"name", w.window.name},
                          {"injected_failure", w.window.injected_failure},
                          {"start_seconds", w.window.start_seconds},
                          {"end_seconds", w.window.end_seconds},
                          {"resolution", run::to_string(w.resolution)},
                          {"accounted_until_seconds", w.accounted_until_seconds},
                          {"baseline_error_rate", w.baseline_error_rate},
                          {"baseline_p99_ms", w.baseline_p99_ms},
                          {"baseline_degradation_level", std::string(to_string(w.baseline_degradation))},
                          {"detected_after_seconds", detail::optional_number(w.detected_after_seconds)},
                          {"recovered_after_seconds", detail::optional_number(w.recovered_after_seconds)},
                          {"recovered", w.recovered()},
                          {"peak_degradation_level", std::string(to_string(w.peak_degradation))},
                          {"peak_error_rate", w.peak_error_rate},
                          {"peak_p99_ms", w.peak_p99_ms},
                          {"requests_in_window", w.requests_in_window},
                          {"requests_failed_in_window", w.requests_failed_in_window},
                          {"requests_slow_in_window", w.requests_slow_in_window},
                          {"requests_affected", w.requests_affected},
                          {"requests_affected_failed", w.requests_affected_failed},
                          {"requests_affected_slow", w.requests_affected_slow},
                          {"error_budget_burned", w.error_budget_burned}});
  auto const& rm = a.resilience;
  return {{"baseline_error_rate", a.baseline_error_rate},
          {"baseline_p99_ms", a.baseline_p99_ms},
          {"request_baseline_p99_ms", detail::optional_number(a.request_baseline_p99_ms)},
          {"slow_threshold_ms", detail::optional_number(a.slow_threshold_ms)},
          {"max_degradation_level", std::string(to_string(a.max_degradation))},
          {"uptime_percentage", rm.uptime_percentage},
          {"downtime_seconds", rm.downtime_seconds},
          {"failures_injected", rm.failures_injected},
          {"failures_recovered", rm.failures_recovered},
          {"recovery_time_avg_seconds", rm.recovery_time_avg_seconds},
          {"degradation_events", rm.degradation_events},
          {"windows", std::move(resilience)}};
}

/// `[lower, upper]` in ms from a histogram in ns; a missing bound is `null`.
inline nlohmann::json interval_ms_json(const metrics::percentile_interval& ci) {
  auto bound = [](std::optional<std::int64_t> v) {
    return v ? nlohmann::json(static_cast<double>(*v) / 1e6) : nlohmann::json();
  };
  return nlohmann::json::array({bound(ci.lower), bound(ci.upper)});
}

/// The `percentile_ci` object: each reported percentile's 95% interval, with its ranks and reason.
inline nlohmann::json percentile_ci_json(const metrics::snapshot& h) {
  struct row {
    const char* key;
    const metrics::histogram* histogram;
    double percentile;
  };
  row const rows[] = {{"p50_response_time_ms", &h.response_time, 50},
                      {"p95_response_time_ms", &h.response_time, 95},
                      {"p99_response_time_ms", &h.response_time, 99},
                      {"p999_response_time_ms", &h.response_time, 99.9},
                      {"p99_service_time_ms", &h.service_time, 99}};
  nlohmann::json j = {{"confidence", 0.95},
                      {"method", "order statistics of the merged histogram, ranks from binomial(n, q): exact tails "
                                 "up to 1000 samples, n q +- 1.96 sqrt(n q (1 - q)) above"}};
  for (auto const& r : rows) {
    auto const ci = metrics::percentile_confidence_interval(*r.histogram, r.percentile, 0.95);
    j[r.key] = {{"interval", interval_ms_json(ci)},
                {"samples", ci.samples},
                {"lower_rank", ci.lower_rank},
                {"upper_rank", ci.upper_rank},
                {"exact", ci.exact},
                {"reason", ci.reason.empty() ? nlohmann::json() : nlohmann::json(ci.reason)}};
  }
  return j;
}

/** The `plan` object: the scenario as run (after `scale_scenario`), in the words the dashboard
    states it: `peak_tps`, the highest rate the profile (a mix: its open workloads' profiles
    together) asks for (its `rate_at` at 10,001 evenly
    spaced instants of the run, ends included: exact for ramps and holds, which peak at a
    breakpoint; null when the profile cannot be built), `duration_seconds`, and `failures[]`
    ({name, start_seconds, end_seconds, severity}) as scheduled. The scenario's own
    `description` is the design's text and may quote unscaled figures. */
inline nlohmann::json plan_json(const test_scenario& s) {
  nlohmann::json peak;
  try {
    // A mix's plan is its open workloads' arrivals together (its closed ones plan no rate).
    std::vector<profile::any_profile> profiles;
    if (s.workloads.empty()) profiles.push_back(profile::make_profile(s.load_profile, s.duration_seconds));
    for (auto const& w : s.workloads)
      if (w.load_profile) profiles.push_back(profile::make_profile(*w.load_profile, s.duration_seconds));
    double best = 0;
    constexpr int steps = 10000;
    for (int i = 0; i <= steps; ++i) {
      double rate = 0;
      for (auto const& p : profiles) rate += p.rate_at(s.duration_seconds * i / steps);
      best = std::max(best, rate);
    }
    peak = best;
  } catch (const std::exception&) {
  }
  nlohmann::json failures = nlohmann::json::array();
  for (auto const& f : s.failure_scenarios)
    failures.push_back({{"name", std::string(to_string(f.failure_type))},
                        {"start_seconds", f.start_time_seconds},
                        {"end_seconds", f.start_time_seconds + f.duration_seconds},
                        {"severity", f.severity}});
  return {{"peak_tps", peak}, {"duration_seconds", s.duration_seconds}, {"failures", std::move(failures)}};
}

/// The `alerts` object: the thresholds and the alerts `run::detect_alerts` raises over `series`.
inline nlohmann::json alerts_json(const std::vector<run::interval_record>& series, const run::alert_thresholds& t,
                                  bool run_over) {
  nlohmann::json events = nlohmann::json::array();
  for (auto const& a : run::detect_alerts(series, t, run_over))
    events.push_back({{"metric", a.metric},
                      {"severity", a.severity},
                      {"start_seconds", a.start_seconds},
                      {"end_seconds", a.end_seconds},
                      {"worst", a.worst},
                      {"threshold", a.threshold},
                      {"active", a.active}});
  return {{"thresholds",
           {{"warning_error_rate", t.warning_error_rate},
            {"critical_error_rate", t.critical_error_rate},
            {"warning_p99_ms", t.warning_p99_ms},
            {"critical_p99_ms", t.critical_p99_ms}}},
          {"events", std::move(events)}};
}

/// The `projections` object (`fraud::project`): per-hour and per-day figures if the run's rate
/// held, and the return per dollar; null without business figures.
inline nlohmann::json projections_json(const std::optional<business_metrics>& b, double elapsed_seconds) {
  if (!b) return nullptr;
  auto const p = fraud::project(*b, elapsed_seconds);
  return {{"projection", true},
          {"basis_seconds", elapsed_seconds},
          {"return_per_dollar", optional_number(p.return_per_dollar)},
          {"transactions_per_hour", optional_number(p.transactions_per_hour)},
          {"transactions_per_day", optional_number(p.transactions_per_day)},
          {"money_saved_per_hour", optional_number(p.money_saved_per_hour)},
          {"money_saved_per_day", optional_number(p.money_saved_per_day)},
          {"cost_per_hour", optional_number(p.cost_per_hour)},
          {"cost_per_day", optional_number(p.cost_per_day)}};
}

}  // namespace detail

/// The whole result as a JSON document.
inline nlohmann::json to_json(const run::run_result& r) {
  using metrics::metric;
  nlohmann::json j;
  j["schema"] = results_schema;
  j["schema_version"] = results_schema_version;
  j["scenario"] = r.scenario;
  j["plan"] = detail::plan_json(r.scenario);
  j["seed"] = r.scenario.load_profile.seed;
  j["status"] = std::string(to_string(r.status));
  j["status_reason"] = r.status_reason;
  j["passed"] = r.passed();
  j["verdict"] = std::string(to_string(r.verdict()));
  j["started_at"] = format_timestamp(r.started_at);
  j["ended_at"] = format_timestamp(r.ended_at);
  j["elapsed_seconds"] = r.elapsed_seconds;
  j["summary"] = r.summary;
  for (double p : {50.0, 95.0, 99.0})  // beside each of the seed's percentiles, its 95% interval
    j["summary"]["p" + std::to_string(static_cast<int>(p)) + "_response_time_ms_ci"] =
        detail::interval_ms_json(metrics::percentile_confidence_interval(r.histograms.response_time, p, 0.95));
  j["percentile_ci"] = detail::percentile_ci_json(r.histograms);
  j["metrics"] = detail::values_json(r.values);

  j["load_model"] = std::string(r.load_model());
  j["users"] = r.users ? detail::users_json(*r.users, r.histograms, r.littles_law_tps(), r.sent_tps()) : nlohmann::json();
  if (r.users) j["users"]["session"] = detail::session_json(r);
  auto const& a = r.accounting;
  j["accounting"] = detail::accounting_json(a);
  // A mix's workloads, each on its own (the totals above are their merge); null without workloads.
  if (!r.workloads.empty()) {
    nlohmann::json workloads = nlohmann::json::array();
    for (std::size_t k = 0; k < r.workloads.size(); ++k) {
      auto const& w = r.workloads[k];
      auto const& spec = k < r.scenario.workloads.size() ? r.scenario.workloads[k] : workload{};
      double const sent = w.elapsed_seconds > 0 ? static_cast<double>(w.accounting.issued) / w.elapsed_seconds : 0.0;
      using metrics::metric;
      nlohmann::json series = nlohmann::json::array();
      for (auto const& i : w.intervals) series.push_back(detail::interval_json(i));
      j["workloads"].push_back(
          {{"name", w.name},
           {"model", w.model},
           {"request", spec.request},
           {"elapsed_seconds", w.elapsed_seconds},
           {"accounting", detail::accounting_json(w.accounting)},
           {"throughput_tps", detail::optional_number(w.values.get(metric::throughput_tps))},
           {"sent_tps", sent},
           {"error_rate", detail::optional_number(w.values.get(metric::error_rate))},
           {"p50_response_time_ms", detail::optional_number(w.values.get(metric::p50_response_time_ms))},
           {"p95_response_time_ms", detail::optional_number(w.values.get(metric::p95_response_time_ms))},
           {"p99_response_time_ms", detail::optional_number(w.values.get(metric::p99_response_time_ms))},
           {"max_response_time_ms", detail::optional_number(w.values.get(metric::max_response_time_ms))},
           {"generator_limited", w.accounting.generator_limited},
           {"users", w.users ? detail::users_json(*w.users, w.histograms, w.littles_law_tps(), sent) : nlohmann::json()},
           {"metrics", detail::values_json(w.values)},
           {"intervals", std::move(series)},
           {"histograms", histograms_json(w.histograms)}});
    }
  } else {
    j["workloads"] = nullptr;
  }
  j["generator"] = {
      {"limited", r.generator_limited},
      {"reason", r.generator_reason},
      {"late_requests", a.late},
      {"send_lag_p50_ms", detail::ms(a.send_lag_p50)},
      {"send_lag_p99_ms", detail::ms(a.send_lag_p99)},
      {"send_lag_max_ms", detail::ms(a.send_lag_max)},
  };
  // memory_growth_percent and where it was measured; null when it could not be.
  if (auto const& m = r.memory_growth)
    j["memory_growth"] = {{"percent", m->percent},         {"measured_on", m->measured_on},
                          {"from_seconds", m->from_seconds}, {"from_bytes", m->from_bytes},
                          {"to_bytes", m->to_bytes},         {"source", m->source}};
  else
    j["memory_growth"] = nullptr;
  // What the service reported about itself (GET /stats), when the host polled it.
  if (auto const& t = r.target_stats) {
    auto reading = [](const std::optional<target::service_stats>& s) {
      return s ? target::to_stats_json(*s) : nlohmann::json();
    };
    j["target_stats"] = {{"source", t->source},
                         {"polls", t->polls},
                         {"failed_polls", t->failed_polls},
                         {"last_error", t->last_error.empty() ? nlohmann::json() : nlohmann::json(t->last_error)},
                         {"first", reading(t->first)},
                         {"last", reading(t->last)},
                         {"peak_in_flight", t->peak_in_flight ? nlohmann::json(*t->peak_in_flight) : nlohmann::json()},
                         {"peak_queued", t->peak_queued ? nlohmann::json(*t->peak_queued) : nlohmann::json()}};
  } else {
    j["target_stats"] = nullptr;
  }
  // The target's scaling timeline, from its own readings (run/scaling.hpp); null when it did not
  // say it autoscales.
  if (auto const& sc = r.scaling) {
    auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    nlohmann::json samples = nlohmann::json::array(), events = nlohmann::json::array();
    for (auto const& x : sc->samples)
      samples.push_back({{"at_seconds", x.at_seconds},
                         {"slots", opt(x.slots)},
                         {"pending_slots", opt(x.pending_slots)},
                         {"utilization", opt(x.utilization)}});
    for (auto const& e : sc->events)
      events.push_back({{"kind", std::string(run::to_string(e.kind))},
                        {"at_seconds", e.at_seconds},
                        {"utilization", opt(e.utilization)},
                        {"slots_from", e.slots_from},
                        {"slots_to", e.slots_to},
                        {"time_to_scale_seconds", opt(e.time_to_scale_seconds)}});
    j["scaling"] = {{"capacity_source", sc->capacity_source},
                    {"failed_capacity_polls", sc->failed_capacity_polls},
                    {"last_capacity_error", sc->last_capacity_error.empty() ? nlohmann::json() : nlohmann::json(sc->last_capacity_error)},
                    {"threshold", opt(sc->threshold)},
                    {"min_slots", opt(sc->min_slots)},
                    {"max_slots", opt(sc->max_slots)},
                    {"time_to_scale_seconds", opt(sc->time_to_scale_seconds)},
                    {"unanswered_crossing_at", opt(sc->unanswered_crossing_at)},
                    {"events", std::move(events)},
                    {"samples", std::move(samples)}};
  } else {
    j["scaling"] = nullptr;
  }

  // The part of a sharded run this is, or the shards it was merged from (docs/sharding.md).
  if (auto const& sh = r.shard)
    j["shard"] = {{"index", sh->index}, {"count", sh->count}, {"source", sh->source}, {"lead_seconds", sh->lead_seconds}};
  else
    j["shard"] = nullptr;
  if (auto const& m = r.merged) {
    nlohmann::json parts = nlohmann::json::array();
    for (auto const& p : m->parts)
      parts.push_back({{"index", p.index}, {"source", p.source}, {"started_at", format_timestamp(p.started_at)},
                       {"lead_seconds", p.lead_seconds}, {"intended", p.intended}});
    j["merged"] = {{"shards", m->parts.size()}, {"start_skew_ms", m->start_skew_seconds * 1e3},
                   {"exact_intervals", m->exact_intervals}, {"parts", std::move(parts)}};
  } else {
    j["merged"] = nullptr;
  }

  nlohmann::json criteria = nlohmann::json::array();
  for (auto const& c : r.criteria)
    criteria.push_back({{"expression", to_string(c.criterion)},
                        {"description", c.criterion.description},
                        {"abort_on_fail", c.criterion.abort_on_fail},
                        {"actual", detail::optional_number(c.actual)},
                        {"verdict", std::string(to_string(c.verdict))}});
  j["criteria"] = std::move(criteria);

  nlohmann::json intervals = nlohmann::json::array();
  for (auto const& i : r.intervals) intervals.push_back(detail::interval_json(i));
  j["intervals"] = std::move(intervals);

  j["resilience"] = detail::resilience_json(r.analysis);
  j["alerts"] = detail::alerts_json(r.intervals, r.alerting, true);

  j["agents"] = r.agents;
  j["business_metrics"] = r.business ? nlohmann::json(*r.business) : nlohmann::json();
  j["hero_metrics"] = r.hero ? nlohmann::json(*r.hero) : nlohmann::json();
  j["projections"] = detail::projections_json(r.business, r.elapsed_seconds);
  if (auto const b = run::billing_of(r)) {  // how every intended request enters the business figures
    j["business_accounting"] = {{"intended", b->intended}, {"answered", b->answered}, {"failed", b->failed},
                                {"dropped", b->dropped},   {"billed", b->billed()}};
  } else {
    j["business_accounting"] = nullptr;
  }
  // The seed's PresentationData: the flow, cost and benchmarks the page draws (run/presentation.hpp).
  j["presentation"] = run::derive_presentation(run::presentation_inputs_of(r));
  j["target_counters"] = r.target_counters;
  j["failure_causes"] = r.failure_causes.empty() ? nlohmann::json::object() : nlohmann::json(r.failure_causes);

  j["histograms"] = histograms_json(r.histograms);
  return j;
}

/** Writes the document to `path` (pretty-printed), through a temporary file renamed into place
    so a crash never leaves half a results file. Throws `std::system_error` on I/O failure. */
inline void write_results(const run::run_result& r, const std::filesystem::path& path) {
  stress_testing::detail::write_file_atomically(path, to_json(r).dump(2) + "\n");
}

}  // namespace stress_testing::report

#endif
