#ifndef STRESS_TESTING_CONFIG_SCENARIO_BUILDER_HPP
#define STRESS_TESTING_CONFIG_SCENARIO_BUILDER_HPP

/** The five predefined scenarios of the original design, with its numbers (seed/FACTS.md), and
    the scaling that lets the same scenario run for seconds in a test or a demo. Pure: std only. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing {

/** Builds the predefined scenarios. Numbers are production numbers; use `scale_scenario` or
    `apply_environment` to run them smaller or shorter. Criteria use the metric names of
    docs/criteria.md; the seed's qualitative criteria (no memory leaks, automatic recovery, ...)
    are written as the measurable criterion they stand for (`config/seed_criteria.hpp`). */
class scenario_builder {
 public:
  /// Ramp 0 -> 10,000 TPS over 5 min, hold 20 min, ramp down over 5 min: 30 min in all.
  /// Criteria: no data loss, P95 < 2 s, P99 < 5 s, error rate < 0.1%, all agents healthy, 500+
  /// concurrent users without throttling.
  static test_scenario create_peak_load_scenario() {
    test_scenario s;
    s.scenario_id = "peak_load";
    s.name = "Peak Load Test";
    s.description = "Validate the system handles a 10,000 TPS peak load without data loss";
    s.load_profile.profile_type = load_profile_type::ramp_up;
    s.load_profile.start_tps = 0;
    s.load_profile.peak_tps = 10000;
    s.load_profile.sustained_tps = 10000;
    s.load_profile.ramp_up_seconds = 300;
    s.load_profile.ramp_down_seconds = 300;
    s.duration_seconds = 1800;
    s.success_criteria = {
        named("requests_lost == 0", "zero_data_loss"),
        named("p95_response_time_ms < 2000", "p95_latency_ms"),
        named("p99_response_time_ms < 5000", "p99_latency_ms"),
        named("error_rate < 0.001", "error_rate"),
        named("unhealthy_agents == 0", "all_agents_healthy"),
        // The seed's "500+ concurrent users without throttling": judged when the run has users
        // (`--users`, a user_profile); an open run has none, and the criterion has no data.
        named("concurrent_users >= 500", "min_concurrent_users"),
        named("throttle_rate == 0", "no_throttling_errors"),
    };
    s.tags = {"peak", "high-volume", "scalability"};
    s.created_at = now_timestamp();
    return s;
  }

  /// Constant 2,000 TPS for 2 h. Criteria: no memory growth, consistent performance, no
  /// degradation, and the requirement's P95 < 2 s and P99 < 5 s at 2,000 TPS.
  static test_scenario create_sustained_load_scenario() {
    test_scenario s;
    s.scenario_id = "sustained_load";
    s.name = "Sustained Load Test";
    s.description = "Validate stability over 2 hours at 2,000 TPS: no memory growth, no drift";
    s.load_profile.profile_type = load_profile_type::sustained;
    s.load_profile.start_tps = 2000;
    s.load_profile.peak_tps = 2000;
    s.load_profile.sustained_tps = 2000;
    s.duration_seconds = 7200;
    s.success_criteria = {
        named("memory_growth_percent < 10", "no_memory_leaks"),
        named("p95_drift_ratio < 1.5", "consistent_performance"),
        named("max_degradation_level == 0", "no_degradation"),
        named("p95_response_time_ms < 2000", "p95_latency_ms"),
        named("p99_response_time_ms < 5000", "p99_latency_ms"),
    };
    s.tags = {"sustained", "stability", "endurance"};
    s.created_at = now_timestamp();
    return s;
  }

  /// Baseline 1,000 TPS with 5-second 10,000 TPS bursts every 3 min, 15 min in all.
  /// Criteria: every transaction processed (none lost), recovery within 60 s of a burst.
  static test_scenario create_burst_traffic_scenario() {
    test_scenario s;
    s.scenario_id = "burst_traffic";
    s.name = "Burst Traffic Test";
    s.description = "Validate burst handling: 10,000 TPS spikes over a 1,000 TPS baseline, nothing lost";
    s.load_profile.profile_type = load_profile_type::burst;
    s.load_profile.start_tps = 1000;
    s.load_profile.sustained_tps = 1000;
    s.load_profile.burst_tps = 10000;
    s.load_profile.burst_duration_seconds = 5;
    s.load_profile.burst_interval_seconds = 180;
    s.duration_seconds = 900;
    s.success_criteria = {
        named("requests_lost == 0", "no_transaction_loss"),
        named("time_to_scale_seconds <= 60", "auto_scaling_triggered"),
        // Seen from outside: latency and errors back to normal within 60 s of each burst.
        named("max_recovery_seconds <= 60", "recovers_after_burst"),
    };
    s.tags = {"burst", "auto-scaling", "queue"};
    s.created_at = now_timestamp();
    return s;
  }

  /// Constant 3,000 TPS for 45 min with Lambda crashes, DynamoDB throttling, network latency
  /// spikes and Bedrock rate limiting injected. Criteria: automatic recovery, no cascading
  /// failures, graceful degradation (never CRITICAL).
  static test_scenario create_failure_recovery_scenario() {
    test_scenario s;
    s.scenario_id = "failure_recovery";
    s.name = "Failure Recovery Test";
    s.description = "Validate resilience under continuous load with injected failures";
    s.load_profile.profile_type = load_profile_type::sustained;
    s.load_profile.start_tps = 3000;
    s.load_profile.sustained_tps = 3000;
    s.duration_seconds = 2700;
    s.failure_scenarios = {
        failure(failure_type::lambda_crash, 300, 60, 0.3),
        failure(failure_type::dynamodb_throttle, 600, 120, 0.5),
        failure(failure_type::network_latency, 900, 90, 0.4, {{"latency_ms", std::int64_t{500}}}),
        failure(failure_type::bedrock_rate_limit, 1200, 60, 0.6),
    };
    s.success_criteria = {
        named("failures_unrecovered == 0", "automatic_recovery"),
        named("error_rate_outside_failures < 0.01", "no_cascading_failures"),
        named("max_degradation_level < 3", "graceful_degradation"),
    };
    s.tags = {"resilience", "failure-injection", "recovery"};
    s.created_at = now_timestamp();
    return s;
  }

  /// 10 minutes: a dramatic ramp 0 -> 8,000 TPS over 2 min, held 4 min with a Lambda crash at
  /// minute 5 (at the peak), then 5,000 TPS, and a 1-minute ramp down.
  /// Criteria: recovery demonstrated, business value visible, P99 < 5 s.
  static test_scenario create_investor_presentation_scenario() {
    test_scenario s;
    s.scenario_id = "investor_presentation";
    s.name = "Investor Presentation Demo";
    s.description = "10-minute demo: ramp to an 8,000 TPS peak, survive a failure, show the business value";
    s.load_profile.profile_type = load_profile_type::ramp_up;
    s.load_profile.start_tps = 0;
    s.load_profile.peak_tps = 8000;
    s.load_profile.sustained_tps = 5000;
    s.load_profile.ramp_up_seconds = 120;
    s.load_profile.peak_hold_seconds = 240;
    s.load_profile.ramp_down_seconds = 60;
    s.duration_seconds = 600;
    s.failure_scenarios = {failure(failure_type::lambda_crash, 300, 30, 0.3)};
    s.success_criteria = {
        named("failures_unrecovered == 0", "recovery_demonstrated"),
        named("fraud_prevented_amount > 0", "business_value_clear"),
        named("p99_response_time_ms < 5000", "p99_latency_ms"),
    };
    s.tags = {"demo", "presentation", "investor"};
    s.created_at = now_timestamp();
    return s;
  }

  /// The names `create(name)` accepts, in the seed's order.
  static constexpr std::array<std::string_view, 5> names{
      "peak_load", "sustained_load", "burst_traffic", "failure_recovery", "investor_presentation"};

  /// The predefined scenario called `name` (one of `names`), or nullopt.
  static std::optional<test_scenario> create(std::string_view name) {
    if (name == "peak_load") return create_peak_load_scenario();
    if (name == "sustained_load") return create_sustained_load_scenario();
    if (name == "burst_traffic") return create_burst_traffic_scenario();
    if (name == "failure_recovery") return create_failure_recovery_scenario();
    if (name == "investor_presentation") return create_investor_presentation_scenario();
    return std::nullopt;
  }

  /// All five, in the seed's order.
  static std::vector<test_scenario> all() {
    std::vector<test_scenario> v;
    for (auto n : names) v.push_back(*create(n));
    return v;
  }

 private:
  static criterion named(std::string_view expression, std::string_view seed_key) {
    auto c = parse_criterion(expression);
    c.description = std::string(seed_key);
    return c;
  }

  static failure_scenario failure(failure_type type, double start, double duration, double severity,
                                  std::map<std::string, parameter_value> parameters = {}) {
    failure_scenario f;
    f.failure_type = type;
    f.start_time_seconds = start;
    f.duration_seconds = duration;
    f.severity = severity;
    f.parameters = std::move(parameters);
    return f;
  }
};

namespace scale_detail {

/// A load profile's times × `time_scale` and rates × `load_scale` (`scale_scenario`).
inline void scale(load_profile& p, double time_scale, double load_scale) {
  p.ramp_up_seconds *= time_scale;
  p.ramp_down_seconds *= time_scale;
  if (p.peak_hold_seconds) *p.peak_hold_seconds *= time_scale;
  p.burst_duration_seconds *= time_scale;
  p.burst_interval_seconds *= time_scale;
  p.wave_period_seconds *= time_scale;
  p.chaos_change_interval_seconds *= time_scale;
  p.start_tps *= load_scale;
  p.peak_tps *= load_scale;
  p.sustained_tps *= load_scale;
  p.burst_tps *= load_scale;
  p.wave_amplitude *= load_scale;
  p.chaos_min_tps *= load_scale;
  p.chaos_max_tps *= load_scale;
}

/// A user profile's ramp and stages × `time_scale`, its users × `load_scale` (`scale_scenario`).
inline void scale(user_profile& u, double time_scale, double load_scale) {
  auto scaled = [load_scale](std::int64_t n) {
    return n <= 0 ? n : std::max<std::int64_t>(1, std::llround(static_cast<double>(n) * load_scale));
  };
  u.users = scaled(u.users);
  u.ramp_up_seconds *= time_scale;
  for (auto& st : u.stages) {
    st.duration_seconds *= time_scale;
    st.target_users = scaled(st.target_users);
  }
}

}  // namespace scale_detail

/** A copy of `s` with every time × `time_scale` and every rate × `load_scale`.

    Time: the duration, the profile's ramps, holds, burst lengths and intervals, wave period and
    chaos interval, a user profile's ramp and stages (not its think time: a user's pace is its
    own), each failure's start and duration, and every time-based threshold: criteria
    on a metric measured in seconds (`max_recovery_seconds <= 60`, any metric whose unit in
    `metrics::metric_table` is `s`) and the spans of scoped criteria (`over any 10s`, `within 30s
    after each failure`). Load: every TPS field, and the threshold of criteria on
    `throughput_tps` and `concurrent_users` (the criteria whose meaning depends on the offered
    load); a user profile's users and stage targets (rounded; a population keeps at least one
    user, a stage at 0 stays 0); the same for each of its `workloads`. Latency and
    rate criteria are unchanged: a scenario run 20× shorter must still meet the same SLOs
    (docs/criteria.md says which of the predefined scenarios' criteria mean something else at
    scale). Throws `std::invalid_argument` unless both factors are finite and > 0. */
inline test_scenario scale_scenario(test_scenario s, double time_scale, double load_scale) {
  if (!(time_scale > 0) || !(time_scale < 1e12))
    throw std::invalid_argument("scale_scenario: time_scale must be a finite number > 0");
  if (!(load_scale > 0) || !(load_scale < 1e12))
    throw std::invalid_argument("scale_scenario: load_scale must be a finite number > 0");
  s.duration_seconds *= time_scale;
  for (auto& f : s.failure_scenarios) {
    f.start_time_seconds *= time_scale;
    f.duration_seconds *= time_scale;
  }
  scale_detail::scale(s.load_profile, time_scale, load_scale);
  if (s.user_profile) scale_detail::scale(*s.user_profile, time_scale, load_scale);
  for (auto& w : s.workloads) {  // a mix: each workload's load, as the scenario's own
    if (w.load_profile) scale_detail::scale(*w.load_profile, time_scale, load_scale);
    if (w.user_profile) scale_detail::scale(*w.user_profile, time_scale, load_scale);
  }
  for (auto& c : s.success_criteria) {
    if (c.metric == "throughput_tps" || c.metric == "concurrent_users") c.threshold *= load_scale;
    if (auto const m = metrics::find_metric(c.metric); m && metrics::info(*m).unit == "s") c.threshold *= time_scale;
    c.span_seconds *= time_scale;  // 0 for a run-scoped criterion
  }
  return s;
}

/// Bounds of `sampling_interval_seconds`: no coarser than the default 1 s, no finer than 10 ms.
inline constexpr double longest_sampling_interval_seconds = 1.0;
inline constexpr double shortest_sampling_interval_seconds = 0.01;

/** The sampling interval (`run::run_options::interval`, in seconds) that resolves `s`'s shortest
    disturbance or window: a quarter of the shortest of its failures' durations, its bursts (a
    BURST profile's `burst_duration_seconds`) and its scoped criteria's spans (`over any 10s`,
    `within 30s after each failure`), at most 1 s and at least 10 ms. 1 s when it has none. So a
    scaled scenario's 0.25 s burst is seen by 4 intervals instead of none, and a 60 s failure of
    the unscaled scenario keeps the 1 s default. The one rule; `stress-run scenario` uses it
    when `--interval` is not given. */
inline double sampling_interval_seconds(const test_scenario& s) noexcept {
  double shortest = longest_sampling_interval_seconds * 4;
  auto consider = [&shortest](double seconds) {
    if (seconds > 0 && seconds < shortest) shortest = seconds;
  };
  for (auto const& f : s.failure_scenarios) consider(f.duration_seconds);
  if (s.load_profile.profile_type == load_profile_type::burst) consider(s.load_profile.burst_duration_seconds);
  for (auto const& c : s.success_criteria)
    if (c.scope != criterion_scope::run) consider(c.span_seconds);
  double const interval = shortest / 4;
  return interval < shortest_sampling_interval_seconds ? shortest_sampling_interval_seconds : interval;
}

/// The scenario as run in `env`: load × `environment_load_factor(env)` (dev 10%, staging 80%).
inline test_scenario apply_environment(test_scenario s, test_environment env) {
  return scale_scenario(std::move(s), 1.0, environment_load_factor(env));
}

}  // namespace stress_testing

#endif
