#ifndef STRESS_TESTING_RUN_PRESENTATION_HPP
#define STRESS_TESTING_RUN_PRESENTATION_HPP

/** The seed's presentation models (`PresentationData` with its `TransactionFlowNode`s,
    `CostEfficiencyMetrics` and `CompetitiveBenchmarks`) derived from a run's figures, in one
    place for every consumer: results.json's `presentation` (`report::to_json`), each live
    interval message (`dashboard::live_feed`) and so the report and the live page, which only
    format it. Pure (std only). The rules, and why a field is null, are in docs/results.md
    (*The presentation*).

    What a producer supplies differs only in *which* figures are the current ones: at the end of
    a run the whole run's (`presentation_inputs_of(run_result)`); live, the last interval's offered
    and achieved rates, the run so far for the rest, and the agents as the service reports them. */

#include <stress_testing/fraud/business.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/run/result.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::run {

/// One agent of the flow: requests/s through it, its mean time per request, its failure share.
struct flow_agent {
  std::string id;
  std::string name;
  std::optional<double> throughput;
  std::optional<double> latency_ms;
  std::optional<double> error_rate;
};

/// The figures a presentation is derived from (see the file's comment for who fills what).
struct presentation_inputs {
  stress_testing::timestamp at{};
  bool running = false;  ///< live: nodes are "processing"; over: "completed"
  double elapsed_seconds = 0;
  std::optional<double> offered_tps;   ///< ingestion: what the schedule asked for, per second
  std::optional<double> achieved_tps;  ///< decision: requests answered per second
  metrics::outcome_counters outcomes;  ///< every due request so far, by outcome
  std::uint64_t timed_requests = 0;    ///< requests with a response time (the summary's latencies)
  std::uint64_t sent_requests = 0;     ///< requests with a send lag (the summary's queue latency)
  stress_testing::system_metrics summary;
  std::vector<flow_agent> agents;
  std::optional<stress_testing::business_metrics> business;
  std::optional<stress_testing::hero_metrics> hero;
  /// How the due requests entered the business figures (the failed ones' cost).
  std::optional<fraud::business_accounting> billing;
  stress_testing::resilience_metrics resilience;
  std::vector<stress_testing::competitor_figures> competitors;
};

/// Hours in a month of AWS's price list (730): `current_monthly_cost` = 730 x the hourly cost.
inline constexpr double hours_per_month = 730.0;

/** The figures `competitive_benchmarks` compares, each with the direction that is better; the
    keys are those of results.json's `summary` and `business_metrics`. */
struct benchmark_key {
  std::string_view key;
  std::string_view label;
  bool higher_is_better;
};
inline constexpr benchmark_key benchmark_keys[] = {
    {"throughput_tps", "throughput", true},
    {"p95_response_time_ms", "p95 response time", false},
    {"p99_response_time_ms", "p99 response time", false},
    {"error_rate", "error rate", false},
    {"cost_per_transaction", "cost per transaction", false},
    {"fraud_detection_accuracy", "fraud detection accuracy", true},
};

namespace presentation_detail {

inline std::string text(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

/** A node's status and colour: `idle` (grey) when nothing went through it, `failed` (red) above
    the CRITICAL error rate (`degradation_thresholds::critical_error_rate`, 10%), else
    `processing` while the run goes on or `completed` after it (amber above the SEVERE error rate,
    1%, green otherwise). */
inline void classify(transaction_flow_node& n, bool running) {
  degradation_thresholds const t;
  if (n.throughput && *n.throughput == 0) {
    n.status = "idle";
    n.color = "#9E9E9E";
  } else if (n.error_rate && *n.error_rate > t.critical_error_rate) {
    n.status = "failed";
    n.color = "#F44336";
  } else {
    n.status = running ? "processing" : "completed";
    n.color = n.error_rate && *n.error_rate > t.severe_error_rate ? "#FF9800" : "#4CAF50";
  }
}

inline transaction_flow_node node(std::string id, std::string type, std::string name, std::optional<double> throughput,
                                  std::optional<double> latency, std::optional<double> error_rate,
                                  std::pair<std::int64_t, std::int64_t> position, bool running) {
  transaction_flow_node n;
  n.node_id = std::move(id);
  n.node_type = std::move(type);
  n.node_name = std::move(name);
  n.throughput = throughput;
  n.latency_ms = latency;
  n.error_rate = error_rate;
  n.position = position;
  classify(n, running);
  return n;
}

inline std::optional<double> ratio(double part, double whole) {
  return whole > 0 ? std::optional<double>(part / whole) : std::nullopt;
}

}  // namespace presentation_detail

/** The flow ingestion -> agents -> decision. Positions are (column, row): ingestion (0, 0), the
    agents (1, i) in order, decision (2, 0); `size` is the seed's 50 for every node.
    - ingestion: `offered_tps`; latency the summary's `queue_latency_ms` (mean send lag: how long
      a request waited before it was sent; null before any was sent); error rate the share of due
      requests dropped (never sent; null before any was due)
    - each agent as given (`flow_agents_of`, or the service's own report live)
    - decision: `achieved_tps`; latency the summary's `avg_response_time_ms` (end to end, null
      before any response); error rate the summary's `error_rate` (null before any was due) */
inline std::vector<transaction_flow_node> derive_flow(const presentation_inputs& in) {
  std::vector<transaction_flow_node> flow;
  auto const due = static_cast<double>(in.outcomes.total());
  auto const any_due = in.outcomes.total() > 0;
  flow.push_back(presentation_detail::node("ingestion", "ingestion", "Ingestion", in.offered_tps,
                              in.sent_requests > 0 ? std::optional<double>(in.summary.queue_latency_ms) : std::nullopt,
                              presentation_detail::ratio(static_cast<double>(in.outcomes.count(outcome::dropped)), due), {0, 0},
                              in.running));
  std::int64_t row = 0;
  for (auto const& a : in.agents)
    flow.push_back(presentation_detail::node("agent-" + a.id, "agent", a.name, a.throughput, a.latency_ms, a.error_rate, {1, row++},
                                in.running));
  flow.push_back(presentation_detail::node("decision", "decision", "Decision", in.achieved_tps,
                              in.timed_requests > 0 ? std::optional<double>(in.summary.avg_response_time_ms) : std::nullopt,
                              any_due ? std::optional<double>(in.summary.error_rate) : std::nullopt, {2, 0}, in.running));
  return flow;
}

/** Agents of `agents[]` (the run's `agent_metrics`) as flow nodes: throughput =
    requests_processed / `elapsed_seconds`, latency = avg_response_time_ms, error rate =
    1 - success_rate; each null when the agent reported nothing (or the run has no length). */
inline std::vector<flow_agent> flow_agents_of(const std::vector<stress_testing::agent_metrics>& agents,
                                              double elapsed_seconds) {
  std::vector<flow_agent> out;
  for (auto const& a : agents) {
    flow_agent f{a.agent_id, a.agent_name.empty() ? a.agent_id : a.agent_name, std::nullopt, std::nullopt, std::nullopt};
    if (elapsed_seconds > 0) f.throughput = static_cast<double>(a.requests_processed) / elapsed_seconds;
    if (a.requests_processed > 0) {
      f.latency_ms = a.avg_response_time_ms;
      f.error_rate = 1.0 - a.success_rate;
    }
    out.push_back(std::move(f));
  }
  return out;
}

/** Cost at this run's rate, from `business_metrics` (`fraud::project` for the hourly and daily
    cost; `aws_cost_breakdown` / hours for each component, which sum to the hourly cost):
    - current_monthly_cost = `hours_per_month` x current_hourly_cost
    - cost_per_transaction = business_metrics.cost_per_transaction (null before any decision)
    - cost_per_fraud_detected = total_cost / fraud_detected (null before any fraud was detected)
    - potential_savings = what the failed requests cost per hour: failed x the compute price per
      billed request / hours (0 when none failed; null without the billing)
    - optimization_recommendations: one line when requests failed (their cost), else none.
    Every figure is null without business figures or a run length. */
inline stress_testing::cost_efficiency_metrics derive_cost(const presentation_inputs& in) {
  stress_testing::cost_efficiency_metrics c;
  c.timestamp = in.at;
  if (!in.business || !(in.elapsed_seconds > 0)) return c;
  auto const& b = *in.business;
  auto const p = fraud::project(b, in.elapsed_seconds);
  double const hours = in.elapsed_seconds / 3600.0;
  c.current_hourly_cost = p.cost_per_hour;
  c.current_daily_cost = p.cost_per_day;
  if (p.cost_per_hour) c.current_monthly_cost = hours_per_month * *p.cost_per_hour;
  auto per_hour = [&](const char* k) -> std::optional<double> {
    auto const it = b.aws_cost_breakdown.find(k);
    return it == b.aws_cost_breakdown.end() ? std::nullopt : std::optional<double>(it->second / hours);
  };
  c.lambda_cost = per_hour("lambda");
  c.dynamodb_cost = per_hour("dynamodb");
  c.kinesis_cost = per_hour("kinesis");
  c.bedrock_cost = per_hour("bedrock");
  c.other_costs = per_hour("other");
  if (b.transactions_processed > 0) c.cost_per_transaction = b.cost_per_transaction;
  if (b.fraud_detected > 0) c.cost_per_fraud_detected = b.total_cost / static_cast<double>(b.fraud_detected);
  if (in.billing && c.lambda_cost && c.dynamodb_cost && c.kinesis_cost && c.bedrock_cost) {
    auto const& acc = *in.billing;
    double const compute_per_hour = *c.lambda_cost + *c.dynamodb_cost + *c.kinesis_cost + *c.bedrock_cost;
    if (acc.billed() > 0) {
      c.potential_savings = compute_per_hour * static_cast<double>(acc.failed) / static_cast<double>(acc.billed());
      if (acc.failed > 0)
        c.optimization_recommendations.push_back(presentation_detail::text(
            "%llu of %llu billed requests failed without a decision: $%.6f per hour is spent on failures",
            static_cast<unsigned long long>(acc.failed), static_cast<unsigned long long>(acc.billed()),
            *c.potential_savings));
    }
  }
  return c;
}

/** This run beside the supplied reference points (`competitors`, never invented):
    - our_performance: the `benchmark_keys` this run measured (throughput and error rate once a
      request was due, the percentiles once one had a response time, cost per transaction and
      accuracy once a decision was made); a key it did not measure is absent
    - competitor_avg: per figure, the mean over the competitors that give it; null without any
    - improvement_percentage: per `benchmark_keys` figure in both, how much better this run is
      than the average, in % of the average: (ours - theirs) / |theirs| x 100 where higher is
      better, (theirs - ours) / |theirs| x 100 where lower is; absent for an average of 0
    - unique_advantages: each positive improvement as a sentence; market_position: `leader` when
      every compared figure is better, `follower` when none is, else `challenger` (null when no
      figure could be compared). All null without competitors. */
inline stress_testing::competitive_benchmarks derive_benchmarks(const presentation_inputs& in) {
  stress_testing::competitive_benchmarks cb;
  cb.timestamp = in.at;
  cb.competitors = in.competitors;
  auto& ours = cb.our_performance;
  if (in.outcomes.total() > 0) {
    if (in.achieved_tps) ours["throughput_tps"] = *in.achieved_tps;
    ours["error_rate"] = in.summary.error_rate;
  }
  if (in.timed_requests > 0) {
    ours["p95_response_time_ms"] = in.summary.p95_response_time_ms;
    ours["p99_response_time_ms"] = in.summary.p99_response_time_ms;
  }
  if (in.business && in.business->transactions_processed > 0) {
    ours["cost_per_transaction"] = in.business->cost_per_transaction;
    ours["fraud_detection_accuracy"] = in.business->fraud_detection_accuracy;
  }
  if (in.competitors.empty()) return cb;

  std::map<std::string, double> sum;
  std::map<std::string, int> count;
  for (auto const& c : in.competitors)
    for (auto const& [k, v] : c.figures) {
      sum[k] += v;
      ++count[k];
    }
  auto& avg = cb.competitor_avg.emplace();
  for (auto const& [k, s] : sum) avg[k] = s / count[k];

  auto& improvement = cb.improvement_percentage.emplace();
  auto& advantages = cb.unique_advantages.emplace();
  int better = 0, compared = 0;
  for (auto const& bk : benchmark_keys) {
    std::string const key(bk.key);
    auto const o = ours.find(key);
    auto const t = avg.find(key);
    if (o == ours.end() || t == avg.end() || t->second == 0) continue;
    double const pct = (bk.higher_is_better ? o->second - t->second : t->second - o->second) / std::abs(t->second) * 100;
    improvement[key] = pct;
    ++compared;
    if (pct > 0) {
      ++better;
      advantages.push_back(presentation_detail::text("%.*s %.1f%% better than the competitors' average",
                                          static_cast<int>(bk.label.size()), bk.label.data(), pct));
    }
  }
  if (compared > 0) cb.market_position = better == compared ? "leader" : better == 0 ? "follower" : "challenger";
  return cb;
}

/** The whole `PresentationData`: the flow, cost and benchmarks above; the summary, hero,
    business and resilience figures as given (the same numbers as results.json's top level);
    `business_narrative`, one sentence from the hero figures (null without them); and
    `key_highlights`: the recovered failures (when any were injected), the return per $1 (when
    there is a cost) and the advantages over the competitors. `investor_profile` is the seed's
    `general`: nothing selects another. */
inline stress_testing::presentation_data derive_presentation(const presentation_inputs& in) {
  stress_testing::presentation_data p;
  p.timestamp = in.at;
  p.hero_metrics = in.hero;
  p.system_metrics = in.summary;
  p.business_metrics = in.business;
  p.transaction_flow_data = derive_flow(in);
  p.competitive_benchmarks = derive_benchmarks(in);
  p.cost_efficiency = derive_cost(in);
  p.resilience_demonstration = in.resilience;
  auto const& r = in.resilience;
  if (in.hero) {
    auto const& h = *in.hero;
    std::string failures;
    if (r.failures_injected > 0)
      failures = presentation_detail::text(" through %lld injected failure(s), %lld recovered", static_cast<long long>(r.failures_injected),
                                static_cast<long long>(r.failures_recovered));
    p.business_narrative = presentation_detail::text(
        "%lld transactions decided at %lld per second; %.2f%% of requests answered successfully%s; %lld frauds blocked, "
        "$%.2f saved.",
        static_cast<long long>(h.total_transactions), static_cast<long long>(h.transactions_per_second),
        h.uptime_percentage, failures.c_str(), static_cast<long long>(h.fraud_blocked), h.money_saved);
  }
  if (r.failures_injected > 0)
    p.key_highlights.push_back(presentation_detail::text("%lld of %lld injected failures recovered, in %.2f s on average",
                                              static_cast<long long>(r.failures_recovered),
                                              static_cast<long long>(r.failures_injected), r.recovery_time_avg_seconds));
  if (in.business)
    if (auto const rpd = fraud::project(*in.business, in.elapsed_seconds).return_per_dollar)
      p.key_highlights.push_back(presentation_detail::text("$%.2f saved per $1 of running cost", *rpd));
  if (auto const& adv = p.competitive_benchmarks.unique_advantages)
    p.key_highlights.insert(p.key_highlights.end(), adv->begin(), adv->end());
  return p;
}

/** How every intended request enters the business figures, the one definition behind
    results.json's `business_accounting`, the summary's "business accounting" line and the
    presentation's cost: the accounting the figures were reconciled with
    (`run_result::business_accounting`: a mix's fraud workloads, a session's scoring steps; else
    the run's own) against the transactions they processed. Empty without business figures. */
inline std::optional<fraud::business_accounting> billing_of(const run_result& r) {
  if (!r.business) return std::nullopt;
  return fraud::reconcile(r.business_accounting.value_or(r.accounting),
                          static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.business->transactions_processed)), 0);
}

/** The inputs at the end of a run: the whole run's figures. Offered = due requests /
    elapsed_seconds; achieved = the summary's throughput_tps; agents from `agents[]`; billing =
    `billing_of(r)`. */
inline presentation_inputs presentation_inputs_of(const run_result& r) {
  presentation_inputs in;
  in.at = r.ended_at;
  in.running = false;
  in.elapsed_seconds = r.elapsed_seconds;
  if (r.elapsed_seconds > 0) {
    in.offered_tps = static_cast<double>(r.accounting.due()) / r.elapsed_seconds;
    in.achieved_tps = r.summary.throughput_tps;
  }
  in.outcomes = r.accounting.outcomes;
  in.timed_requests = r.histograms.response_time.total_count();
  in.sent_requests = r.histograms.send_lag.total_count();
  in.summary = r.summary;
  in.agents = flow_agents_of(r.agents, r.elapsed_seconds);
  in.business = r.business;
  in.hero = r.hero;
  in.billing = billing_of(r);
  in.resilience = r.analysis.resilience;
  in.competitors = r.competitors;
  return in;
}

}  // namespace stress_testing::run

#endif
