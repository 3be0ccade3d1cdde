// What stress-run prints: one live line per interval on stderr, and the end-of-test summary on
// stdout (every criterion ✓/✗, the accounting, and what the target and the workload reported).
#ifndef STRESS_RUN_CONSOLE_HPP
#define STRESS_RUN_CONSOLE_HPP

#include <stress_testing/fraud/business.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/run/presentation.hpp>
#include <stress_testing/run/result.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace stress_run {

namespace st = stress_testing;

inline const char* level_text(st::degradation_level l) {
  switch (l) {
    case st::degradation_level::none: return "ok";
    case st::degradation_level::moderate: return "MODERATE";
    case st::degradation_level::severe: return "SEVERE";
    case st::degradation_level::critical: return "CRITICAL";
  }
  return "?";
}

/// A figure of one interval (2 decimals), right-aligned in `width`, or "-" when the interval has
/// none (nothing completed in it): never a made-up 0.
inline std::string figure_text(std::optional<double> v, int width) {
  char text[32];
  if (v) std::snprintf(text, sizeof text, "%*.2f", width, *v);
  else std::snprintf(text, sizeof text, "%*s", width, "-");
  return text;
}

/// `part` of `whole` requests as a percentage in 5 columns, or "-" when the interval ended none.
inline std::string percent_text(double part, std::uint64_t whole) {
  return figure_text(whole ? std::optional<double>(100.0 * part / static_cast<double>(whole)) : std::nullopt, 5);
}

/// `[ 12.0s/  60s] plan 8000/s done 7998/s ok 7990/s p50 ... ` — one line per interval.
inline void print_live(const st::run::interval_progress& p) {
  using st::metrics::metric;
  auto const& v = p.interval.values;
  auto const& c = p.interval.counters;
  double const secs = p.interval.end_seconds() - p.interval.start_seconds();
  double const failed = static_cast<double>(c.total() - c.count(st::outcome::ok));
  char plan[32] = "    -  ";
  if (!std::isnan(p.planned_tps)) std::snprintf(plan, sizeof plan, "%6.0f/s", p.planned_tps);
  std::fprintf(stderr,
               "[%6.1fs/%4.0fs] plan %s  done %6.0f/s  ok %6.0f/s  p50 %sms  p99 %sms  "
               "err %s%%  thr %s%%  inflight %5lld  lag99 %sms  %s\n",
               p.elapsed_seconds, p.duration_seconds, plan, p.interval.completed_tps,
               secs > 0 ? static_cast<double>(c.count(st::outcome::ok)) / secs : 0.0,
               figure_text(v.get(metric::p50_response_time_ms), 7).c_str(), figure_text(v.get(metric::p99_response_time_ms), 7).c_str(),
               percent_text(failed, c.total()).c_str(),
               percent_text(static_cast<double>(c.count(st::outcome::throttled)), c.total()).c_str(),
               static_cast<long long>(p.interval.in_flight), figure_text(v.get(metric::p99_send_lag_ms), 6).c_str(),
               level_text(p.interval.degradation));
  if (auto const active = p.interval.active_users)  // closed model: who is waiting, who thinks
    std::fprintf(stderr, "               users %lld active: %lld in flight, %lld thinking\n",
                 static_cast<long long>(*active), static_cast<long long>(p.interval.in_flight),
                 static_cast<long long>(std::max<std::int64_t>(*active - p.interval.in_flight, 0)));
}

inline void print_summary(const st::run::run_result& r, const std::string& results_path) {
  auto const& s = r.summary;
  auto const& a = r.accounting;
  auto const& h = r.histograms.response_time;
  std::printf("\n%s — %s, %s\n", r.scenario.name.c_str(), std::string(st::to_string(r.status)).c_str(),
              std::string(st::run::verdict_word(r.verdict())).c_str());
  std::printf("  %s\n", r.status_reason.c_str());
  std::printf("  elapsed %.1f s, intended %llu, sent %llu\n", r.elapsed_seconds,
              static_cast<unsigned long long>(a.intended), static_cast<unsigned long long>(a.issued));
  // A mix: each workload on its own line (the lines below are their merge, the run's totals).
  for (auto const& w : r.workloads) {
    auto const& wa = w.accounting;
    double const sent = w.elapsed_seconds > 0 ? static_cast<double>(wa.issued) / w.elapsed_seconds : 0.0;
    auto const p99 = w.values.get(st::metrics::metric::p99_response_time_ms);
    std::printf("  workload %s (%s): intended %llu, sent %llu (%.1f/s), ok %llu, p99 %.2f ms, error rate %.4f%s",
                w.name.c_str(), w.model.c_str(), static_cast<unsigned long long>(wa.intended),
                static_cast<unsigned long long>(wa.issued), sent, static_cast<unsigned long long>(wa.count(st::outcome::ok)),
                p99.value_or(0), w.values.get(st::metrics::metric::error_rate).value_or(0),
                wa.balanced() ? "  (all accounted)" : "  (UNBALANCED)");
    if (w.users) {
      std::printf("; %zu users (peak active %lld)", w.users->users, static_cast<long long>(w.users->peak_active));
      if (auto const l = w.littles_law_tps()) std::printf(", Little's law %.1f/s", *l);
    }
    std::printf("\n");
  }
  if (!r.workloads.empty()) {
    std::printf("  load model: %s, %zu workloads on one clock (totals below)\n", std::string(r.load_model()).c_str(),
                r.workloads.size());
  } else if (r.users) {  // the closed model: its population and Little's law beside what it sent
    std::printf("  load model: closed, %zu users (peak active %lld), think %.3f s", r.users->users,
                static_cast<long long>(r.users->peak_active), r.users->think_time_mean_seconds);
    if (auto const l = r.littles_law_tps())
      std::printf("; sent %.1f/s, Little's law %.1f/s (users / (think + mean service))", r.sent_tps(), *l);
    std::printf("\n");
    // Each step of the users' session on its own (results.json users.session[]).
    for (std::size_t i = 0; i < r.users->session.size() && i < a.steps.size(); ++i) {
      auto const& f = a.steps[i];
      auto const ok = f.outcomes.count(st::outcome::ok);
      std::printf("  step %s (%s %s): sent %llu, ok %llu, failed %llu, p50 %.2f ms, p99 %.2f ms\n",
                  r.users->session[i].name.c_str(), r.users->session[i].method.c_str(), r.users->session[i].path.c_str(),
                  static_cast<unsigned long long>(f.issued), static_cast<unsigned long long>(ok),
                  static_cast<unsigned long long>(f.outcomes.total() - ok),
                  static_cast<double>(f.response_time.value_at_percentile(50)) / 1e6,
                  static_cast<double>(f.response_time.value_at_percentile(99)) / 1e6);
    }
  } else {
    std::printf("  load model: open (arrival rates)\n");
  }
  std::printf("  outcomes:");
  for (auto o : st::all_outcomes)
    std::printf(" %s %llu", std::string(st::to_string(o)).c_str(), static_cast<unsigned long long>(a.outcomes.count(o)));
  if (a.not_sent_at_stop > 0)  // no outcome: the run was stopped before they were due
    std::printf(" + not sent at stop %llu", static_cast<unsigned long long>(a.not_sent_at_stop));
  std::printf("%s\n", a.balanced() ? "  (all accounted)" : "  (UNBALANCED)");
  for (auto const& [kind, cause] : r.failure_causes) std::printf("  first %s: %s\n", kind.c_str(), cause.c_str());
  // The run's one uptime (load::uptime_percentage): the hero's and the resilience figure's too.
  std::printf("  uptime %.2f%% (ok / requests due)\n", st::load::uptime_percentage(a));
  std::printf("  throughput %.1f ok/s   error rate %.4f   timeout rate %.4f\n", s.throughput_tps, s.error_rate,
              s.timeout_rate);
  auto pct = [&](double p) { return static_cast<double>(h.value_at_percentile(p)) / 1e6; };
  std::printf("  response time (from intended send) ms: avg %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
              s.avg_response_time_ms, pct(50), pct(90), pct(99), pct(99.9), s.max_response_time_ms);
  auto const& sv = r.histograms.service_time;
  std::printf("  service time (from actual send) ms:   p50 %.2f  p99 %.2f\n",
              static_cast<double>(sv.value_at_percentile(50)) / 1e6, static_cast<double>(sv.value_at_percentile(99)) / 1e6);
  std::printf("  send lag p99 %.3f ms%s\n", std::chrono::duration<double, std::milli>(a.send_lag_p99).count(),
              r.generator_limited ? "  — GENERATOR LIMITED" : "");
  if (r.generator_limited) std::printf("  %s\n", r.generator_reason.c_str());
  if (!r.target_counters.empty()) {
    auto get = [&](const char* k) {
      auto it = r.target_counters.find(k);
      return static_cast<unsigned long long>(it == r.target_counters.end() ? 0 : it->second);
    };
    double const secs = r.elapsed_seconds > 0 ? r.elapsed_seconds : 1;
    std::printf("  connections: opened %llu, connect failures %llu (tls %llu), closed by server %llu, resets %llu\n",
                get("connections_opened"), get("connect_failures"), get("tls_failures"), get("closed_by_server"),
                get("resets"));
    if (get("tls_failures") > 0)
      std::printf("  hint: pass --ca-file FILE to trust the server's certificate authority, or -k for a throw-away "
                  "test server\n");
    std::printf("  responses %llu (interim 1xx skipped %llu), protocol errors %llu, unsolicited %llu, bodies too large "
                "%llu, cancelled %llu; transfer in %.2f MB/s, out %.2f MB/s\n",
                get("responses"), get("interim_responses"), get("protocol_errors"), get("unsolicited"),
                get("body_too_large"), get("cancelled"),
                static_cast<double>(get("bytes_in")) / secs / 1e6, static_cast<double>(get("bytes_out")) / secs / 1e6);
  }
  for (auto const& ag : r.agents)
    std::printf("  timing %-14s %8lld reports  avg %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  success %6.2f%%  %s\n",
                ag.agent_id.c_str(), static_cast<long long>(ag.requests_processed), ag.avg_response_time_ms,
                ag.p95_response_time_ms, ag.p99_response_time_ms, 100 * ag.success_rate, ag.status.c_str());
  if (r.business) {
    auto const& b = *r.business;
    auto const ba = *st::run::billing_of(r);
    std::printf("  business: %lld scored, %lld fraud blocked (%.2f prevented), detection rate %.2f%%, "
                "accuracy %.2f%%, cost/tx $%.5f, ROI %.0f%%\n",
                static_cast<long long>(b.transactions_processed), static_cast<long long>(b.fraud_detected),
                b.fraud_prevented_amount, 100 * b.fraud_detection_rate, 100 * b.fraud_detection_accuracy,
                b.cost_per_transaction, b.roi_percentage);
    std::printf("  business accounting: %llu intended = %llu scored + %llu failed without a decision (billed) + "
                "%llu dropped (never sent, not billed); total cost $%.4f\n",
                static_cast<unsigned long long>(ba.intended), static_cast<unsigned long long>(ba.answered),
                static_cast<unsigned long long>(ba.failed), static_cast<unsigned long long>(ba.dropped), b.total_cost);
  }
  if (!r.analysis.windows.empty()) {
    auto const& rm = r.analysis.resilience;
    std::printf("  resilience: uptime %.2f%% (%.1f s at CRITICAL), %lld of %lld failures recovered (mean %.1f s), "
                "%lld degradation events, baseline p99 %.1f ms, errors %.3f%%\n",
                rm.uptime_percentage, rm.downtime_seconds, static_cast<long long>(rm.failures_recovered),
                static_cast<long long>(rm.failures_injected), rm.recovery_time_avg_seconds,
                static_cast<long long>(rm.degradation_events), r.analysis.baseline_p99_ms,
                100 * r.analysis.baseline_error_rate);
  }
  if (r.analysis.slow_threshold_ms)
    std::printf("  slow request: ok but over %.1f ms (1.5 x the p99 of %.1f ms before the first failure + 10 ms)\n",
                *r.analysis.slow_threshold_ms, r.analysis.request_baseline_p99_ms.value_or(0.0));
  for (auto const& w : r.analysis.windows) {
    // Detection and recovery are request timestamps (docs/resilience.md): ms matter.
    std::printf("  %s %g-%g s: ", w.window.name.c_str(), w.window.start_seconds, w.window.end_seconds);
    if (w.detected_after_seconds) std::printf("detected after %.3f s, ", *w.detected_after_seconds);
    else std::printf("not visible, ");
    if (w.recovered_after_seconds) std::printf("recovered %.3f s after it ended; ", *w.recovered_after_seconds);
    else std::printf("NOT recovered by %g s; ", w.accounted_until_seconds);
    std::printf("%llu of %llu requests intended in it failed, %llu slow; until %g s %llu bad (%llu failed: %.0f%% of "
                "the error budget); worst interval %s (errors %.1f%%, p99 %.0f ms vs %.0f ms before)\n",
                static_cast<unsigned long long>(w.requests_failed_in_window),
                static_cast<unsigned long long>(w.requests_in_window),
                static_cast<unsigned long long>(w.requests_slow_in_window), w.accounted_until_seconds,
                static_cast<unsigned long long>(w.requests_affected),
                static_cast<unsigned long long>(w.requests_affected_failed), 100 * w.error_budget_burned,
                std::string(st::to_string(w.peak_degradation)).c_str(), 100 * w.peak_error_rate, w.peak_p99_ms,
                w.baseline_p99_ms);
  }
  if (!r.criteria.empty()) std::printf("  criteria:\n");
  for (auto const& c : r.criteria) {
    char actual[64] = "no data";
    if (c.actual) std::snprintf(actual, sizeof actual, "%.6g", *c.actual);
    std::printf("    %s %-42s actual %s%s\n", c.passed() ? "✓" : c.failed() ? "✗" : c.inconclusive() ? "~" : "?",
                st::to_string(c.criterion).c_str(), actual,
                c.inconclusive() ? "  (inconclusive: the generator was limited)" : "");
  }
  if (!results_path.empty()) std::printf("  results: %s\n", results_path.c_str());
}

}  // namespace stress_run

#endif
