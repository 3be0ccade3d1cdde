#ifndef STRESS_TESTING_MODELS_HPP
#define STRESS_TESTING_MODELS_HPP

/** The data models of the user's original design (seed/`models.py`), mapped to C++.

    Members keep the seed's names even where a member is named like its type
    (`system_metrics::timestamp`, `test_scenario::load_profile`); types inside the structs are
    therefore written fully qualified.

    Field names are the seed's, so JSON keys are identical (`config/json.hpp` does the mapping).
    Enums serialise as the seed prints them (`"RAMP_UP"`). Pure layer: std only.

    Additions to the seed are marked "(ours)"; each one exists because the seed left a number
    implicit that a load generator must know (ramp lengths, random seed). */

#include <stress_testing/criteria.hpp>
#include <stress_testing/timestamp.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace stress_testing {

// ---------------------------------------------------------------------------------------------
// Enums

/// Lifecycle of one test run.
enum class test_status { not_started, initializing, running, paused, stopping, completed, failed, cancelled };

/// The load shapes of the seed (see `profile/from_model.hpp` for their exact curves).
enum class load_profile_type { ramp_up, sustained, burst, wave, chaos };

/** The failures the seed's system can suffer. Each is a named recipe over the generic faults of
    `fault/` (latency, errors, throttling, crash windows, black holes), DESIGN.md §4. */
enum class failure_type {
  lambda_crash,
  lambda_cold_start,
  dynamodb_throttle,
  network_latency,
  network_partition,
  bedrock_rate_limit,
  kinesis_lag,
  agent_timeout,
  agent_failure,
  memory_pressure,
  cascading_failure,
};

/// (ours) How a virtual user's pause between a response and its next request is drawn.
enum class think_time_distribution { fixed, uniform, exponential };

/// How badly the system is degraded in an interval (thresholds: `degradation_thresholds`).
enum class degradation_level { none, moderate, severe, critical };

/** Maps an enum to the names it serialises as. `names` are the seed's printed names
    (`RAMP_UP`); `values` are the seed's Python enum values (`ramp_up`), accepted on input so
    files written by the original Python tool load too. */
template <class Enum>
struct enum_traits;

template <>
struct enum_traits<test_status> {
  static constexpr std::string_view type_name = "TestStatus";
  static constexpr std::array<std::string_view, 8> names{
      "NOT_STARTED", "INITIALIZING", "RUNNING", "PAUSED", "STOPPING", "COMPLETED", "FAILED", "CANCELLED"};
  static constexpr std::array<std::string_view, 8> values{
      "not_started", "initializing", "running", "paused", "stopping", "completed", "failed", "cancelled"};
};

template <>
struct enum_traits<load_profile_type> {
  static constexpr std::string_view type_name = "LoadProfileType";
  static constexpr std::array<std::string_view, 5> names{"RAMP_UP", "SUSTAINED", "BURST", "WAVE", "CHAOS"};
  static constexpr std::array<std::string_view, 5> values{"ramp_up", "sustained", "burst", "wave", "chaos"};
};

template <>
struct enum_traits<failure_type> {
  static constexpr std::string_view type_name = "FailureType";
  static constexpr std::array<std::string_view, 11> names{
      "LAMBDA_CRASH",       "LAMBDA_COLD_START", "DYNAMODB_THROTTLE", "NETWORK_LATENCY",
      "NETWORK_PARTITION",  "BEDROCK_RATE_LIMIT", "KINESIS_LAG",      "AGENT_TIMEOUT",
      "AGENT_FAILURE",      "MEMORY_PRESSURE",   "CASCADING_FAILURE"};
  static constexpr std::array<std::string_view, 11> values{
      "lambda_crash",      "lambda_cold_start",  "dynamodb_throttle", "network_latency",
      "network_partition", "bedrock_rate_limit", "kinesis_lag",       "agent_timeout",
      "agent_failure",     "memory_pressure",    "cascading_failure"};
};

template <>
struct enum_traits<think_time_distribution> {
  static constexpr std::string_view type_name = "ThinkTimeDistribution";
  static constexpr std::array<std::string_view, 3> names{"FIXED", "UNIFORM", "EXPONENTIAL"};
  static constexpr std::array<std::string_view, 3> values{"fixed", "uniform", "exponential"};
};

template <>
struct enum_traits<degradation_level> {
  static constexpr std::string_view type_name = "DegradationLevel";
  static constexpr std::array<std::string_view, 4> names{"NONE", "MODERATE", "SEVERE", "CRITICAL"};
  static constexpr std::array<std::string_view, 4> values{"none", "moderate", "severe", "critical"};
};

/// The name an enum value serialises as (`"RAMP_UP"`).
template <class Enum>
constexpr std::string_view to_string(Enum e) noexcept
  requires requires { enum_traits<Enum>::names; }
{
  auto const i = static_cast<std::size_t>(e);
  auto const& names = enum_traits<Enum>::names;
  return i < names.size() ? names[i] : std::string_view{"UNKNOWN"};
}

/// Parses the seed's printed name (`"RAMP_UP"`) or its Python value (`"ramp_up"`).
template <class Enum>
constexpr std::optional<Enum> enum_from_string(std::string_view s) noexcept
  requires requires { enum_traits<Enum>::names; }
{
  auto const& names = enum_traits<Enum>::names;
  auto const& values = enum_traits<Enum>::values;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == s || values[i] == s) return static_cast<Enum>(i);
  return std::nullopt;
}

/// Every value of an enum, in order (`all_values<failure_type>()`: the seed's eleven failures).
template <class Enum>
constexpr auto all_values() noexcept
  requires requires { enum_traits<Enum>::names; }
{
  std::array<Enum, enum_traits<Enum>::names.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<Enum>(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Configuration models

/// The environments of the original design and how much of production's load each one gets.
enum class test_environment { dev, staging, production };

/** Fraction of production load an environment runs (the original design: dev 10%, staging
    80%). Scenarios are written at production numbers and scaled down by this factor. */
constexpr double environment_load_factor(test_environment env) noexcept {
  switch (env) {
    case test_environment::dev: return 0.10;
    case test_environment::staging: return 0.80;
    case test_environment::production: return 1.0;
  }
  return 1.0;
}

constexpr std::string_view to_string(test_environment env) noexcept {
  switch (env) {
    case test_environment::dev: return "dev";
    case test_environment::staging: return "staging";
    case test_environment::production: return "production";
  }
  return "unknown";
}

constexpr std::optional<test_environment> parse_test_environment(std::string_view s) noexcept {
  if (s == "dev") return test_environment::dev;
  if (s == "staging") return test_environment::staging;
  if (s == "production") return test_environment::production;
  return std::nullopt;
}

/// `StressTestConfig`: the run-wide settings of one test.
struct stress_test_config {
  std::string test_id;
  std::string test_name;
  std::string description;

  double target_tps = 1000;
  double duration_seconds = 300;
  double ramp_up_seconds = 60;
  double ramp_down_seconds = 60;

  int num_workers = 10;

  bool enable_failure_injection = false;
  bool enable_presentation_mode = false;
  bool enable_real_time_metrics = true;

  /// "dev", "staging" or "production" (text, as in the seed; validated on load).
  std::string test_environment = "dev";

  double max_error_rate = 0.01;
  double max_p99_latency_ms = 5000;
  double min_success_rate = 0.99;

  double max_cost_per_hour = 100.0;
  bool auto_stop_on_budget_exceed = true;

  stress_testing::timestamp created_at{};
  std::string created_by = "system";
  std::map<std::string, std::string> tags;

  friend bool operator==(const stress_test_config&, const stress_test_config&) = default;
};

/** `LoadProfile`: the shape of the offered load. Which fields matter depends on
    `profile_type`; `profile::make_profile` documents each curve. Rates are in requests/s and are
    doubles (the seed has ints) so environment and time scaling stay exact. */
struct load_profile {
  load_profile_type profile_type = load_profile_type::sustained;

  double start_tps = 0;
  double peak_tps = 1000;
  double sustained_tps = 500;

  double ramp_up_seconds = 60;                ///< (ours) RAMP_UP: start_tps -> peak_tps
  double ramp_down_seconds = 60;              ///< (ours) RAMP_UP: back to start_tps at the end
  std::optional<double> peak_hold_seconds;    ///< (ours) RAMP_UP: nullopt = hold peak until ramp-down

  double burst_tps = 5000;
  double burst_duration_seconds = 10;
  double burst_interval_seconds = 60;

  double wave_amplitude = 500;
  double wave_period_seconds = 120;

  double chaos_min_tps = 100;
  double chaos_max_tps = 2000;
  double chaos_change_interval_seconds = 30;

  std::uint64_t seed = 42;  ///< (ours) CHAOS curve and Poisson arrivals: same seed, same run

  friend bool operator==(const load_profile&, const load_profile&) = default;
};

/// (ours) One stage of a ramp of users (k6's `ramping-vus`): over `duration_seconds` the number
/// of users moves linearly from the previous stage's target (0 before the first) to `target_users`.
struct user_stage {
  double duration_seconds = 0;
  std::int64_t target_users = 0;

  friend bool operator==(const user_stage&, const user_stage&) = default;
};

/** (ours) One step of a user's session (issue 15): what a virtual user sends at this point of
    its loop. A user sends its session's steps in order, one per cycle of "send, wait, think",
    and starts again after the last: with score then feedback, every second request of a user
    is the feedback on the score just before it. */
struct session_step {
  std::string name;             ///< unique in the session: "score", "feedback" (figures are per step)
  std::string method = "POST";  ///< GET, HEAD, POST, PUT, DELETE, PATCH or OPTIONS
  /** "/v1/transactions/feedback" (on the target URL's host), an absolute URL on the target's
      scheme, host and port, or empty for the target URL itself. */
  std::string path;
  std::optional<std::string> body;  ///< a fixed body
  /** A body generator the harness provides by name (stress-run's fraud workload:
      `fraud_transaction`, and `fraud_feedback` on the user's previous request). */
  std::optional<std::string> body_generator;
  /// The pause after this step's response, instead of the profile's think time.
  std::optional<double> think_time_seconds;
  /// This step's healthy response time, instead of the profile's `nominal_response_time_ms`.
  std::optional<double> nominal_response_time_ms;

  friend bool operator==(const session_step&, const session_step&) = default;
};

/** (ours) `UserProfile`: a closed population instead of an arrival rate (the seed's "500+
    concurrent users"). Each user loops "send, wait for the response, think, send again"
    (`load::closed_workload`, DESIGN.md §3), so throughput is the result: users / (think time +
    response time). With `stages` the users follow that ramp; otherwise all `users` join evenly
    over `ramp_up_seconds` and stay. Think times are seeded by the profile's `seed`. */
struct user_profile {
  std::int64_t users = 0;  ///< the population (ignored when `stages` is set)
  stress_testing::think_time_distribution think_time_distribution = stress_testing::think_time_distribution::fixed;
  double think_time_seconds = 0;      ///< FIXED: the pause; EXPONENTIAL: its mean
  double think_time_min_seconds = 0;  ///< UNIFORM: lower bound
  double think_time_max_seconds = 0;  ///< UNIFORM: upper bound
  double ramp_up_seconds = 0;
  std::vector<stress_testing::user_stage> stages;
  /** The response time of a healthy system: with the think time it sets each user's intended
      cadence, against which response times are measured (coordinated-omission correction;
      `load::closed_loop_options::nominal_response_time`). 0: the cadence is the think time. */
  double nominal_response_time_ms = 0;
  /** Each user's session: the steps it repeats in order (its k-th request is step k mod
      steps). Empty: every request is the target's one request. */
  std::vector<stress_testing::session_step> session;

  friend bool operator==(const user_profile&, const user_profile&) = default;
};

/// A parameter value of a failure scenario: the seed allows any JSON scalar here.
using parameter_value = std::variant<bool, std::int64_t, double, std::string>;

/// `FailureScenario`: one failure injected on the scenario timeline.
struct failure_scenario {
  stress_testing::failure_type failure_type = stress_testing::failure_type::lambda_crash;
  double start_time_seconds = 0;                            ///< relative to the test start
  double duration_seconds = 0;
  double severity = 0.5;                                    ///< 0.0 .. 1.0
  std::optional<std::string> target_component;
  std::map<std::string, stress_testing::parameter_value> parameters;

  friend bool operator==(const failure_scenario&, const failure_scenario&) = default;
};

/** (ours) What one workload of a mix sends (`workload::request`). A host maps it to its target:
    stress-run sends `method` to `url` resolved against the target's base URL, with `body`, or
    with each request's body from the named `generator`. Empty fields: the host's defaults (the
    implicit workload of a scenario without `workloads` has them all empty). */
struct workload_request {
  std::string method;     ///< HTTP method ("GET", "POST"); empty: the host's default
  /// A path ("/v1/transactions/score"), relative to the target's base URL, or a whole
  /// http(s) URL; empty: the target's URL as given
  std::string url;
  std::string body;       ///< a fixed body for every request (ignored with a generator)
  /// A body generator the host knows by name (stress-run: "fraud_transactions"); empty: `body`
  std::string generator;

  friend bool operator==(const workload_request&, const workload_request&) = default;
};

/** (ours) One workload of a mix: a named load, open (`load_profile`: arrival rates) or closed
    (`user_profile`: virtual users), exactly one of the two, and what it sends. Every workload of
    a scenario runs on the run's one clock, each with its own worker pool; each is reported on
    its own and merged in the totals (docs/configuration.md "Workload mixes"). */
struct workload {
  std::string name;  ///< unique in the scenario; criteria name it (`... @ name`)
  std::optional<stress_testing::load_profile> load_profile;
  std::optional<stress_testing::user_profile> user_profile;
  workload_request request;

  /// "closed" (virtual users) or "open" (arrival rates).
  std::string_view model() const noexcept { return user_profile ? "closed" : "open"; }

  friend bool operator==(const workload&, const workload&) = default;
};

/// `TestScenario`: a complete test: load, duration, failures and success criteria.
struct test_scenario {
  std::string scenario_id;
  std::string name;
  std::string description;
  stress_testing::load_profile load_profile;
  /// (ours) A closed population of virtual users; when set the run drives it instead of
  /// `load_profile`'s rates (whose `seed` still seeds the think times).
  std::optional<stress_testing::user_profile> user_profile;
  /** (ours) Several workloads in one run, on one clock (a mix: e.g. scoring arrivals plus
      analysts browsing). Empty (the default): the scenario is its one implicit workload,
      `load_profile` or `user_profile`. Set: each workload brings its own load, and the
      scenario's `load_profile` only gives the run's `seed` (`user_profile` must be empty). */
  std::vector<stress_testing::workload> workloads;
  double duration_seconds = 0;
  /// (ours, typed) The seed's free-form dict becomes measurable criteria; the JSON form accepts
  /// both expressions (`"p95_response_time_ms < 2000"`) and the seed's dict keys.
  std::vector<stress_testing::criterion> success_criteria;
  std::vector<stress_testing::failure_scenario> failure_scenarios;
  stress_testing::timestamp created_at{};
  std::vector<std::string> tags;

  friend bool operator==(const test_scenario&, const test_scenario&) = default;
};

// ---------------------------------------------------------------------------------------------
// Metrics models

/// `SystemMetrics`: one snapshot of the system as the load generator sees it.
struct system_metrics {
  stress_testing::timestamp timestamp{};

  double throughput_tps = 0;
  std::int64_t requests_total = 0;
  std::int64_t requests_successful = 0;
  std::int64_t requests_failed = 0;

  double avg_response_time_ms = 0;
  double p50_response_time_ms = 0;
  double p95_response_time_ms = 0;
  double p99_response_time_ms = 0;
  double max_response_time_ms = 0;

  double error_rate = 0;
  double timeout_rate = 0;

  /// 0..1 of the machine's CPU capacity (load generator process); nullopt (JSON `null`) when the
  /// host cannot tell (no /proc), never a 0 that means "unknown".
  std::optional<double> cpu_utilization;
  /// 0..1: resident set / physical memory (load generator process); nullopt as `cpu_utilization`.
  std::optional<double> memory_utilization;
  double network_throughput_mbps = 0;

  std::int64_t queue_depth = 0;   ///< requests in flight at the snapshot
  double queue_latency_ms = 0;    ///< mean send lag: intended -> sent

  friend bool operator==(const system_metrics&, const system_metrics&) = default;
};

/// `AgentMetrics`: health and performance of one agent of the system under test.
struct agent_metrics {
  std::string agent_id;
  std::string agent_name;
  stress_testing::timestamp timestamp{};

  std::int64_t requests_processed = 0;
  double avg_response_time_ms = 0;
  double p95_response_time_ms = 0;
  double p99_response_time_ms = 0;

  double success_rate = 0;
  std::int64_t error_count = 0;
  /// Times the service reported the agent missed its time budget; nullopt when the service
  /// reports no per-agent status for it (docs/results.md).
  std::optional<std::int64_t> timeout_count;

  /// 0..1. Nullopt: only the service knows an agent's load, and it does not report it yet.
  std::optional<double> current_load;
  /** Mean number of requests the agent was working on over the run: the sum of the durations
      the service reported for it / the run's elapsed time (Little's law). A time average, so
      fractional (the seed's field is an integer gauge: docs/results.md). Nullopt when the
      service reported no duration for the agent or the run's length is unknown. */
  std::optional<double> concurrent_requests;

  double health_score = 0;  ///< 0..1
  std::string status = "healthy";  ///< healthy, degraded, unhealthy

  std::optional<double> decision_accuracy;
  std::optional<double> false_positive_rate;
  std::optional<double> false_negative_rate;

  friend bool operator==(const agent_metrics&, const agent_metrics&) = default;
};

/// `BusinessMetrics`: what the run means in money and fraud caught.
struct business_metrics {
  stress_testing::timestamp timestamp{};

  std::int64_t transactions_processed = 0;
  double transactions_per_second = 0;

  std::int64_t fraud_detected = 0;
  double fraud_prevented_amount = 0;
  double fraud_detection_rate = 0;
  double fraud_detection_accuracy = 0;

  double cost_per_transaction = 0;
  double total_cost = 0;

  double roi_percentage = 0;
  double money_saved = 0;
  /// Nullopt: needs the investment to pay back, which the run does not know (docs/results.md).
  std::optional<double> payback_period_months;

  double customer_impact_score = 0;
  double false_positive_impact = 0;

  /// Nullopt: needs a baseline run to compare with (docs/results.md).
  std::optional<double> performance_vs_baseline;
  /// Nullopt: needs a baseline run to compare with (docs/results.md).
  std::optional<double> cost_vs_baseline;

  std::map<std::string, double> aws_cost_breakdown;

  friend bool operator==(const business_metrics&, const business_metrics&) = default;
};

/// `HeroMetrics`: the big numbers of the presentation dashboard.
struct hero_metrics {
  stress_testing::timestamp timestamp{};

  std::int64_t total_transactions = 0;
  std::int64_t fraud_blocked = 0;
  double money_saved = 0;

  double uptime_percentage = 0;
  std::int64_t transactions_per_second = 0;
  double avg_response_time_ms = 0;

  double ai_accuracy = 0;
  /// Mean confidence of the scored decisions (docs/results.md); nullopt when no answer carried a
  /// score.
  std::optional<double> ai_confidence;

  double cost_per_transaction = 0;
  double roi_percentage = 0;
  /// Nullopt: no customer feedback reaches a load test (docs/results.md).
  std::optional<double> customer_satisfaction;

  friend bool operator==(const hero_metrics&, const hero_metrics&) = default;
};

// ---------------------------------------------------------------------------------------------
// Presentation models

/** `TransactionFlowNode`: one node of the transaction-flow picture (ingestion -> agents ->
    decision), derived by `run::derive_presentation` (run/presentation.hpp has every rule). A
    figure nobody measured is nullopt (JSON `null`), never 0. */
struct transaction_flow_node {
  std::string node_id;
  std::string node_type;  ///< ingestion, agent, decision, output
  std::string node_name;
  std::string status;     ///< processing, completed, failed, idle
  /// Requests per second through the node (fractional: a scaled run's agent may see 0.4/s).
  std::optional<double> throughput;
  std::optional<double> latency_ms;
  std::optional<double> error_rate;  ///< 0..1
  std::pair<std::int64_t, std::int64_t> position{0, 0};  ///< (column, row); JSON [x, y]
  std::string color = "#4CAF50";
  std::int64_t size = 50;

  friend bool operator==(const transaction_flow_node&, const transaction_flow_node&) = default;
};

/// A reference point's figures as the user supplied them (`stress-run --presentation FILE`):
/// never measured by this run. `figures` maps a metric name to its value.
struct competitor_figures {
  std::string name;
  std::map<std::string, double> figures;

  friend bool operator==(const competitor_figures&, const competitor_figures&) = default;
};

/** `CompetitiveBenchmarks`: our figures beside a reference point. Without a supplied reference
    (`competitors` empty) everything compared is nullopt: no competitor figure is invented. */
struct competitive_benchmarks {
  stress_testing::timestamp timestamp{};
  std::map<std::string, double> our_performance;
  std::optional<std::map<std::string, double>> competitor_avg;
  std::optional<std::map<std::string, double>> improvement_percentage;
  std::optional<std::vector<std::string>> unique_advantages;
  std::optional<std::string> market_position;  ///< leader, challenger, follower
  /// The reference points the comparison is made with, as supplied.
  std::vector<stress_testing::competitor_figures> competitors;

  friend bool operator==(const competitive_benchmarks&, const competitive_benchmarks&) = default;
};

/** `CostEfficiencyMetrics`: cost of running the system under test at this run's rate (USD;
    `*_cost` per hour). Nullopt without business figures or a run length. */
struct cost_efficiency_metrics {
  stress_testing::timestamp timestamp{};
  std::optional<double> current_hourly_cost;
  std::optional<double> current_daily_cost;
  std::optional<double> current_monthly_cost;
  std::optional<double> lambda_cost;
  std::optional<double> dynamodb_cost;
  std::optional<double> kinesis_cost;
  std::optional<double> bedrock_cost;
  std::optional<double> other_costs;
  std::optional<double> cost_per_transaction;
  std::optional<double> cost_per_fraud_detected;
  std::optional<double> potential_savings;
  std::vector<std::string> optimization_recommendations;

  friend bool operator==(const cost_efficiency_metrics&, const cost_efficiency_metrics&) = default;
};

/// `ResilienceMetrics`: how the system took the injected failures.
struct resilience_metrics {
  stress_testing::timestamp timestamp{};
  double uptime_percentage = 0;
  double downtime_seconds = 0;
  std::int64_t failures_injected = 0;
  std::int64_t failures_recovered = 0;
  double recovery_time_avg_seconds = 0;
  std::int64_t degradation_events = 0;
  stress_testing::degradation_level degradation_level = stress_testing::degradation_level::none;
  std::int64_t circuit_breaker_trips = 0;
  std::int64_t circuit_breaker_recoveries = 0;

  friend bool operator==(const resilience_metrics&, const resilience_metrics&) = default;
};

/// `PresentationData`: everything the investor dashboard shows at one instant.
struct presentation_data {
  stress_testing::timestamp timestamp{};
  /// Nullopt without a workload that knows business figures (the fraud workload).
  std::optional<stress_testing::hero_metrics> hero_metrics;
  stress_testing::system_metrics system_metrics;
  std::optional<stress_testing::business_metrics> business_metrics;
  std::vector<stress_testing::transaction_flow_node> transaction_flow_data;
  stress_testing::competitive_benchmarks competitive_benchmarks;
  stress_testing::cost_efficiency_metrics cost_efficiency;
  stress_testing::resilience_metrics resilience_demonstration;
  std::optional<std::string> business_narrative;  ///< nullopt without business figures
  std::vector<std::string> key_highlights;
  std::string investor_profile = "general";  ///< general, technical, financial, strategic

  friend bool operator==(const presentation_data&, const presentation_data&) = default;
};

}  // namespace stress_testing

#endif
