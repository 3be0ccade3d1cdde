#ifndef STRESS_TESTING_CONFIG_JSON_HPP
#define STRESS_TESTING_CONFIG_JSON_HPP

/** JSON mapping of every model of `models.hpp`, with the seed's keys.

    Writing: `nlohmann::json j = model;` (ADL `to_json`). Reading: `read_json<T>(j, problems)`
    collects *every* structural problem (missing required field, wrong type, unknown enum text,
    unknown key, non-finite number) with its JSON path, then runs the semantic checks of
    `config/validation.hpp`, and returns a value only when there were none: a bad document never
    half-loads. `j.get<T>()` works too and throws `config_error` listing all problems.

    Each model's fields are listed once (`detail::fields`), and both directions walk that list, so
    reading and writing cannot drift apart. */

#include <stress_testing/config/problem.hpp>
#include <stress_testing/config/seed_criteria.hpp>
#include <stress_testing/config/validation.hpp>
#include <stress_testing/criteria.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace stress_testing {
namespace json_detail {

// ---------------------------------------------------------------------------------------------
// The field lists. `v.req(key, member)` for fields the seed requires, `v.opt(key, member)` for
// fields with a default. One function template per model serves const (writing) and mutable
// (reading) objects alike.

template <class T, class M>
concept model_of = std::same_as<std::remove_const_t<T>, M>;

template <model_of<stress_test_config> S, class V>
void fields(S& c, V& v) {
  v.req("test_id", c.test_id);
  v.req("test_name", c.test_name);
  v.opt("description", c.description);
  v.opt("target_tps", c.target_tps);
  v.opt("duration_seconds", c.duration_seconds);
  v.opt("ramp_up_seconds", c.ramp_up_seconds);
  v.opt("ramp_down_seconds", c.ramp_down_seconds);
  v.opt("num_workers", c.num_workers);
  v.opt("enable_failure_injection", c.enable_failure_injection);
  v.opt("enable_presentation_mode", c.enable_presentation_mode);
  v.opt("enable_real_time_metrics", c.enable_real_time_metrics);
  v.opt("test_environment", c.test_environment);
  v.opt("max_error_rate", c.max_error_rate);
  v.opt("max_p99_latency_ms", c.max_p99_latency_ms);
  v.opt("min_success_rate", c.min_success_rate);
  v.opt("max_cost_per_hour", c.max_cost_per_hour);
  v.opt("auto_stop_on_budget_exceed", c.auto_stop_on_budget_exceed);
  v.opt("created_at", c.created_at);
  v.opt("created_by", c.created_by);
  v.opt("tags", c.tags);
}

template <model_of<load_profile> S, class V>
void fields(S& p, V& v) {
  v.req("profile_type", p.profile_type);
  v.opt("start_tps", p.start_tps);
  v.opt("peak_tps", p.peak_tps);
  v.opt("sustained_tps", p.sustained_tps);
  v.opt("ramp_up_seconds", p.ramp_up_seconds);
  v.opt("ramp_down_seconds", p.ramp_down_seconds);
  v.opt("peak_hold_seconds", p.peak_hold_seconds);
  v.opt("burst_tps", p.burst_tps);
  v.opt("burst_duration_seconds", p.burst_duration_seconds);
  v.opt("burst_interval_seconds", p.burst_interval_seconds);
  v.opt("wave_amplitude", p.wave_amplitude);
  v.opt("wave_period_seconds", p.wave_period_seconds);
  v.opt("chaos_min_tps", p.chaos_min_tps);
  v.opt("chaos_max_tps", p.chaos_max_tps);
  v.opt("chaos_change_interval_seconds", p.chaos_change_interval_seconds);
  v.opt("seed", p.seed);
}

template <model_of<user_stage> S, class V>
void fields(S& st, V& v) {
  v.req("duration_seconds", st.duration_seconds);
  v.req("target_users", st.target_users);
}

template <model_of<session_step> S, class V>
void fields(S& st, V& v) {
  v.req("name", st.name);
  v.opt("method", st.method);
  v.opt("path", st.path);
  v.opt("body", st.body);
  v.opt("body_generator", st.body_generator);
  v.opt("think_time_seconds", st.think_time_seconds);
  v.opt("nominal_response_time_ms", st.nominal_response_time_ms);
}

template <model_of<user_profile> S, class V>
void fields(S& u, V& v) {
  v.opt("users", u.users);
  v.opt("think_time_distribution", u.think_time_distribution);
  v.opt("think_time_seconds", u.think_time_seconds);
  v.opt("think_time_min_seconds", u.think_time_min_seconds);
  v.opt("think_time_max_seconds", u.think_time_max_seconds);
  v.opt("ramp_up_seconds", u.ramp_up_seconds);
  v.opt("stages", u.stages);
  v.opt("nominal_response_time_ms", u.nominal_response_time_ms);
  v.opt("session", u.session);
}

template <model_of<workload_request> S, class V>
void fields(S& r, V& v) {
  v.opt("method", r.method);
  v.opt("url", r.url);
  v.opt("body", r.body);
  v.opt("generator", r.generator);
}

template <model_of<workload> S, class V>
void fields(S& w, V& v) {
  v.req("name", w.name);
  v.opt("load_profile", w.load_profile);
  v.opt("user_profile", w.user_profile);
  v.opt("request", w.request);
}

template <model_of<failure_scenario> S, class V>
void fields(S& f, V& v) {
  v.req("failure_type", f.failure_type);
  v.req("start_time_seconds", f.start_time_seconds);
  v.req("duration_seconds", f.duration_seconds);
  v.opt("severity", f.severity);
  v.opt("target_component", f.target_component);
  v.opt("parameters", f.parameters);
}

template <model_of<test_scenario> S, class V>
void fields(S& s, V& v) {
  v.req("scenario_id", s.scenario_id);
  v.req("name", s.name);
  v.opt("description", s.description);
  v.req("load_profile", s.load_profile);
  v.opt("user_profile", s.user_profile);
  v.opt("workloads", s.workloads);
  v.req("duration_seconds", s.duration_seconds);
  v.opt("success_criteria", s.success_criteria);
  v.opt("failure_scenarios", s.failure_scenarios);
  v.opt("created_at", s.created_at);
  v.opt("tags", s.tags);
}

template <model_of<system_metrics> S, class V>
void fields(S& m, V& v) {
  v.req("timestamp", m.timestamp);
  v.req("throughput_tps", m.throughput_tps);
  v.req("requests_total", m.requests_total);
  v.req("requests_successful", m.requests_successful);
  v.req("requests_failed", m.requests_failed);
  v.req("avg_response_time_ms", m.avg_response_time_ms);
  v.req("p50_response_time_ms", m.p50_response_time_ms);
  v.req("p95_response_time_ms", m.p95_response_time_ms);
  v.req("p99_response_time_ms", m.p99_response_time_ms);
  v.req("max_response_time_ms", m.max_response_time_ms);
  v.req("error_rate", m.error_rate);
  v.req("timeout_rate", m.timeout_rate);
  v.req("cpu_utilization", m.cpu_utilization);
  v.req("memory_utilization", m.memory_utilization);
  v.req("network_throughput_mbps", m.network_throughput_mbps);
  v.opt("queue_depth", m.queue_depth);
  v.opt("queue_latency_ms", m.queue_latency_ms);
}

template <model_of<agent_metrics> S, class V>
void fields(S& m, V& v) {
  v.req("agent_id", m.agent_id);
  v.req("agent_name", m.agent_name);
  v.req("timestamp", m.timestamp);
  v.req("requests_processed", m.requests_processed);
  v.req("avg_response_time_ms", m.avg_response_time_ms);
  v.req("p95_response_time_ms", m.p95_response_time_ms);
  v.req("p99_response_time_ms", m.p99_response_time_ms);
  v.req("success_rate", m.success_rate);
  v.req("error_count", m.error_count);
  v.req("timeout_count", m.timeout_count);
  v.req("current_load", m.current_load);
  v.req("concurrent_requests", m.concurrent_requests);
  v.req("health_score", m.health_score);
  v.opt("status", m.status);
  v.opt("decision_accuracy", m.decision_accuracy);
  v.opt("false_positive_rate", m.false_positive_rate);
  v.opt("false_negative_rate", m.false_negative_rate);
}

template <model_of<business_metrics> S, class V>
void fields(S& m, V& v) {
  v.req("timestamp", m.timestamp);
  v.req("transactions_processed", m.transactions_processed);
  v.req("transactions_per_second", m.transactions_per_second);
  v.req("fraud_detected", m.fraud_detected);
  v.req("fraud_prevented_amount", m.fraud_prevented_amount);
  v.req("fraud_detection_rate", m.fraud_detection_rate);
  v.req("fraud_detection_accuracy", m.fraud_detection_accuracy);
  v.req("cost_per_transaction", m.cost_per_transaction);
  v.req("total_cost", m.total_cost);
  v.req("roi_percentage", m.roi_percentage);
  v.req("money_saved", m.money_saved);
  v.req("payback_period_months", m.payback_period_months);
  v.req("customer_impact_score", m.customer_impact_score);
  v.req("false_positive_impact", m.false_positive_impact);
  v.req("performance_vs_baseline", m.performance_vs_baseline);
  v.req("cost_vs_baseline", m.cost_vs_baseline);
  v.opt("aws_cost_breakdown", m.aws_cost_breakdown);
}

template <model_of<hero_metrics> S, class V>
void fields(S& m, V& v) {
  v.req("timestamp", m.timestamp);
  v.req("total_transactions", m.total_transactions);
  v.req("fraud_blocked", m.fraud_blocked);
  v.req("money_saved", m.money_saved);
  v.req("uptime_percentage", m.uptime_percentage);
  v.req("transactions_per_second", m.transactions_per_second);
  v.req("avg_response_time_ms", m.avg_response_time_ms);
  v.req("ai_accuracy", m.ai_accuracy);
  v.req("ai_confidence", m.ai_confidence);
  v.req("cost_per_transaction", m.cost_per_transaction);
  v.req("roi_percentage", m.roi_percentage);
  v.req("customer_satisfaction", m.customer_satisfaction);
}

template <model_of<transaction_flow_node> S, class V>
void fields(S& n, V& v) {
  v.req("node_id", n.node_id);
  v.req("node_type", n.node_type);
  v.req("node_name", n.node_name);
  v.req("status", n.status);
  v.req("throughput", n.throughput);
  v.req("latency_ms", n.latency_ms);
  v.req("error_rate", n.error_rate);
  v.req("position", n.position);
  v.opt("color", n.color);
  v.opt("size", n.size);
}

template <model_of<competitor_figures> S, class V>
void fields(S& c, V& v) {
  v.req("name", c.name);
  v.req("figures", c.figures);
}

template <model_of<competitive_benchmarks> S, class V>
void fields(S& b, V& v) {
  v.req("timestamp", b.timestamp);
  v.req("our_performance", b.our_performance);
  v.req("competitor_avg", b.competitor_avg);
  v.req("improvement_percentage", b.improvement_percentage);
  v.opt("unique_advantages", b.unique_advantages);
  v.opt("market_position", b.market_position);
  v.opt("competitors", b.competitors);
}

template <model_of<cost_efficiency_metrics> S, class V>
void fields(S& c, V& v) {
  v.req("timestamp", c.timestamp);
  v.req("current_hourly_cost", c.current_hourly_cost);
  v.req("current_daily_cost", c.current_daily_cost);
  v.req("current_monthly_cost", c.current_monthly_cost);
  v.req("lambda_cost", c.lambda_cost);
  v.req("dynamodb_cost", c.dynamodb_cost);
  v.req("kinesis_cost", c.kinesis_cost);
  v.req("bedrock_cost", c.bedrock_cost);
  v.req("other_costs", c.other_costs);
  v.req("cost_per_transaction", c.cost_per_transaction);
  v.req("cost_per_fraud_detected", c.cost_per_fraud_detected);
  v.req("potential_savings", c.potential_savings);
  v.opt("optimization_recommendations", c.optimization_recommendations);
}

template <model_of<resilience_metrics> S, class V>
void fields(S& r, V& v) {
  v.req("timestamp", r.timestamp);
  v.req("uptime_percentage", r.uptime_percentage);
  v.req("downtime_seconds", r.downtime_seconds);
  v.req("failures_injected", r.failures_injected);
  v.req("failures_recovered", r.failures_recovered);
  v.req("recovery_time_avg_seconds", r.recovery_time_avg_seconds);
  v.req("degradation_events", r.degradation_events);
  v.req("degradation_level", r.degradation_level);
  v.req("circuit_breaker_trips", r.circuit_breaker_trips);
  v.req("circuit_breaker_recoveries", r.circuit_breaker_recoveries);
}

template <model_of<presentation_data> S, class V>
void fields(S& p, V& v) {
  v.req("timestamp", p.timestamp);
  v.req("hero_metrics", p.hero_metrics);
  v.req("system_metrics", p.system_metrics);
  v.req("business_metrics", p.business_metrics);
  v.req("transaction_flow_data", p.transaction_flow_data);
  v.req("competitive_benchmarks", p.competitive_benchmarks);
  v.req("cost_efficiency", p.cost_efficiency);
  v.req("resilience_demonstration", p.resilience_demonstration);
  v.opt("business_narrative", p.business_narrative);
  v.opt("key_highlights", p.key_highlights);
  v.opt("investor_profile", p.investor_profile);
}

// A visitor that only checks that `fields` accepts the type; never called.
struct probe_visitor {
  template <class T>
  void req(const char*, T&) {}
  template <class T>
  void opt(const char*, T&) {}
};
template <class T>
concept has_fields = requires(T& t, probe_visitor& v) { fields(t, v); };

template <class T>
concept serialised_enum = std::is_enum_v<T> && requires { enum_traits<T>::names; };

// ---------------------------------------------------------------------------------------------
// Writing

inline nlohmann::json criterion_to_json(const criterion& c) {
  // A plain criterion is written as its expression, like people write it; extra settings make
  // it an object.
  if (!c.abort_on_fail && c.description.empty()) return to_string(c);  // with its "@ workload"
  nlohmann::json j{{"expression", to_string(c)}};
  if (c.abort_on_fail) j["abort_on_fail"] = true;
  if (!c.description.empty()) j["description"] = c.description;
  return j;
}

template <class T>
nlohmann::json to_value(const T& x);

struct writer {
  nlohmann::json& out;
  template <class T>
  void req(const char* key, const T& x) { out[key] = to_value(x); }
  template <class T>
  void opt(const char* key, const T& x) { out[key] = to_value(x); }
};

template <class T>
nlohmann::json to_value(const T& x) {
  if constexpr (std::is_same_v<T, timestamp>) {
    return format_timestamp(x);
  } else if constexpr (serialised_enum<T>) {
    return std::string(to_string(x));
  } else if constexpr (std::is_same_v<T, criterion>) {
    return criterion_to_json(x);
  } else if constexpr (std::is_same_v<T, parameter_value>) {
    return std::visit([](auto const& v) { return nlohmann::json(v); }, x);
  } else if constexpr (has_fields<T>) {
    nlohmann::json j = nlohmann::json::object();
    writer w{j};
    fields(x, w);
    return j;
  } else if constexpr (requires { typename T::value_type; x.has_value(); }) {  // optional
    return x ? to_value(*x) : nlohmann::json(nullptr);
  } else if constexpr (requires { typename T::mapped_type; }) {  // map<string, V>
    nlohmann::json j = nlohmann::json::object();
    for (auto const& [k, v] : x) j[k] = to_value(v);
    return j;
  } else if constexpr (requires { x.first; x.second; }) {  // pair -> [first, second]
    return nlohmann::json::array({to_value(x.first), to_value(x.second)});
  } else if constexpr (std::is_same_v<T, std::string>) {
    return x;
  } else if constexpr (requires { x.begin(); x.end(); }) {  // vector
    nlohmann::json j = nlohmann::json::array();
    for (auto const& e : x) j.push_back(to_value(e));
    return j;
  } else {
    return nlohmann::json(x);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading: every reader appends problems and leaves the target untouched on error.

struct context {
  std::vector<config_problem>& problems;
  void add(std::string path, std::string reason) { problems.push_back({std::move(path), std::move(reason)}); }
};

inline std::string join(std::string const& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}
inline std::string index(std::string const& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

inline std::string type_name(const nlohmann::json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "integer";
  if (j.is_number_float()) return "number";
  return j.type_name();
}

template <class T>
void read_value(const nlohmann::json& j, T& out, std::string const& path, context& cx);

/// Maps the seed's free-form `success_criteria` dict (`{"p95_latency_ms": 2000,
/// "zero_data_loss": true}`) to measurable criteria; see docs/criteria.md for the table.
inline void read_seed_criteria(const nlohmann::json& j, std::vector<criterion>& out, std::string const& path,
                               context& cx);

template <class E>
std::string enum_choices() {
  std::string s;
  for (auto n : enum_traits<E>::names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

struct reader {
  const nlohmann::json& obj;
  std::string const& path;
  context& cx;
  std::set<std::string, std::less<>> known{};

  template <class T>
  void req(const char* key, T& x) { field(key, x, true); }
  template <class T>
  void opt(const char* key, T& x) { field(key, x, false); }

  template <class T>
  void field(const char* key, T& x, bool required) {
    known.insert(key);
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) cx.add(join(path, key), "is required");
      return;
    }
    read_value(*it, x, join(path, key), cx);
  }
};

template <class T>
bool read_integer(const nlohmann::json& j, T& out, std::string const& path, context& cx) {
  if (j.is_number_unsigned()) {
    auto const v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
      cx.add(path, "is out of range");
      return false;
    }
    out = static_cast<T>(v);
    return true;
  }
  if (j.is_number_integer()) {
    auto const v = j.get<std::int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
      if (v < 0) { cx.add(path, "must not be negative"); return false; }
      out = static_cast<T>(v);
    } else {
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
        cx.add(path, "is out of range");
        return false;
      }
      out = static_cast<T>(v);
    }
    return true;
  }
  if (j.is_number_float()) {
    // 10.0 is an integer written by a tool that only has doubles; 10.5 is a mistake.
    double const d = j.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && d >= static_cast<double>(std::numeric_limits<T>::min()) &&
        d <= static_cast<double>(std::numeric_limits<T>::max())) {
      out = static_cast<T>(d);
      return true;
    }
    cx.add(path, "must be an integer, got " + j.dump());
    return false;
  }
  cx.add(path, "must be an integer, got " + type_name(j));
  return false;
}

template <class T>
void read_value(const nlohmann::json& j, T& out, std::string const& path, context& cx) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return cx.add(path, "must be a string, got " + type_name(j));
    out = j.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return cx.add(path, "must be true or false, got " + type_name(j));
    out = j.get<bool>();
  } else if constexpr (std::is_same_v<T, double>) {
    if (!j.is_number()) return cx.add(path, "must be a number, got " + type_name(j));
    double const d = j.get<double>();
    if (!std::isfinite(d)) return cx.add(path, "must be a finite number");
    out = d;
  } else if constexpr (std::is_integral_v<T>) {
    T v{};
    if (read_integer(j, v, path, cx)) out = v;
  } else if constexpr (std::is_same_v<T, timestamp>) {
    if (!j.is_string()) return cx.add(path, "must be an ISO 8601 time string, got " + type_name(j));
    auto t = parse_timestamp(j.get_ref<const std::string&>());
    if (!t) return cx.add(path, "is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SS[.ffffff][Z])");
    out = *t;
  } else if constexpr (serialised_enum<T>) {
    if (!j.is_string()) return cx.add(path, "must be a string, got " + type_name(j));
    auto const& s = j.get_ref<const std::string&>();
    auto e = enum_from_string<T>(s);
    if (!e) return cx.add(path, "unknown " + std::string(enum_traits<T>::type_name) + " \"" + s + "\"; expected one of " + enum_choices<T>());
    out = *e;
  } else if constexpr (std::is_same_v<T, criterion>) {
    criterion c;
    std::string expression;
    if (j.is_string()) {
      expression = j.get<std::string>();
    } else if (j.is_object()) {
      auto it = j.find("expression");
      if (it == j.end() || !it->is_string()) return cx.add(path, "must have a string \"expression\"");
      expression = it->get<std::string>();
      for (auto const& [k, v] : j.items()) {
        if (k == "expression") continue;
        if (k == "abort_on_fail") read_value(v, c.abort_on_fail, join(path, k), cx);
        else if (k == "description") read_value(v, c.description, join(path, k), cx);
        else if (k == "workload") read_value(v, c.workload, join(path, k), cx);
        else cx.add(join(path, k), "unknown field");
      }
    } else {
      return cx.add(path, "must be an expression string such as \"p95_response_time_ms < 2000\" or an object");
    }
    std::string error;
    auto parsed = parse_criterion(expression, error);
    if (!parsed) return cx.add(path, error);
    // Checked here as well as in validate() so a file's unknown metrics are reported together
    // with its other structural problems, in one pass.
    if (auto unknown = unknown_metric_problem(parsed->metric)) return cx.add(path, *std::move(unknown));
    if (auto scoped = scope_problem(*parsed)) return cx.add(path, *std::move(scoped));
    c.metric = std::move(parsed->metric);
    c.op = parsed->op;
    c.threshold = parsed->threshold;
    c.scope = parsed->scope;
    c.span_seconds = parsed->span_seconds;
    // "@ name" in the expression, or the object's "workload" (both: they must agree).
    if (!parsed->workload.empty() && !c.workload.empty() && parsed->workload != c.workload)
      return cx.add(join(path, "workload"), "is \"" + c.workload + "\" but the expression says @ " + parsed->workload);
    if (c.workload.empty()) c.workload = parsed->workload;
    if (!c.workload.empty() && !valid_workload_name(c.workload))
      return cx.add(join(path, "workload"), "is not a workload name (letters, digits, '_', '-', '.')");
    if (auto scoped = scope_problem(c)) return cx.add(path, *std::move(scoped));
    out = std::move(c);
  } else if constexpr (std::is_same_v<T, std::vector<criterion>>) {
    if (j.is_object()) return read_seed_criteria(j, out, path, cx);
    if (!j.is_array()) return cx.add(path, "must be a list of criteria, got " + type_name(j));
    std::vector<criterion> v(j.size());
    std::size_t const before = cx.problems.size();
    for (std::size_t i = 0; i < j.size(); ++i) read_value(j[i], v[i], index(path, i), cx);
    if (cx.problems.size() == before) out = std::move(v);
  } else if constexpr (std::is_same_v<T, parameter_value>) {
    if (j.is_boolean()) out = j.get<bool>();
    else if (j.is_number_integer() || j.is_number_unsigned()) {
      std::int64_t v{};
      if (read_integer(j, v, path, cx)) out = v;
    } else if (j.is_number_float()) {
      double const d = j.get<double>();
      if (!std::isfinite(d)) return cx.add(path, "must be a finite number");
      out = d;
    } else if (j.is_string()) out = j.get<std::string>();
    else cx.add(path, "must be a string, number or boolean, got " + type_name(j));
  } else if constexpr (has_fields<T>) {
    if (!j.is_object()) return cx.add(path, "must be an object, got " + type_name(j));
    T v{};
    std::size_t const before = cx.problems.size();
    reader r{j, path, cx};
    fields(v, r);
    for (auto const& [k, _] : j.items())
      if (!r.known.contains(k)) cx.add(join(path, k), "unknown field");
    if (cx.problems.size() == before) out = std::move(v);
  } else if constexpr (requires { typename T::value_type; out.has_value(); }) {  // optional
    if (j.is_null()) { out.reset(); return; }
    typename T::value_type v{};
    std::size_t const before = cx.problems.size();
    read_value(j, v, path, cx);
    if (cx.problems.size() == before) out = std::move(v);
  } else if constexpr (requires { typename T::mapped_type; }) {  // map<string, V>
    if (!j.is_object()) return cx.add(path, "must be an object, got " + type_name(j));
    T m;
    std::size_t const before = cx.problems.size();
    for (auto const& [k, v] : j.items()) read_value(v, m[k], join(path, k), cx);
    if (cx.problems.size() == before) out = std::move(m);
  } else if constexpr (requires { out.first; out.second; }) {  // pair <- [first, second]
    if (!j.is_array() || j.size() != 2) return cx.add(path, "must be a list of two numbers [x, y]");
    T p{};
    std::size_t const before = cx.problems.size();
    read_value(j[0], p.first, index(path, 0), cx);
    read_value(j[1], p.second, index(path, 1), cx);
    if (cx.problems.size() == before) out = p;
  } else {  // vector<V>
    if (!j.is_array()) return cx.add(path, "must be a list, got " + type_name(j));
    T v(j.size());
    std::size_t const before = cx.problems.size();
    for (std::size_t i = 0; i < j.size(); ++i) read_value(j[i], v[i], index(path, i), cx);
    if (cx.problems.size() == before) out = std::move(v);
  }
}

inline void read_seed_criteria(const nlohmann::json& j, std::vector<criterion>& out, std::string const& path,
                               context& cx) {
  std::vector<criterion> v;
  std::size_t const before = cx.problems.size();
  for (auto const& [key, value] : j.items()) {
    auto const p = join(path, key);
    if (auto const* m = find_seed_criterion(key)) {
      if (m->takes_threshold) {
        double threshold = 0;
        std::size_t const b = cx.problems.size();
        read_value(value, threshold, p, cx);
        if (cx.problems.size() == b) v.push_back({std::string(m->metric), m->op, threshold, false, key});
      } else {
        bool wanted = false;
        std::size_t const b = cx.problems.size();
        read_value(value, wanted, p, cx);
        if (cx.problems.size() == b && wanted)
          v.push_back({std::string(m->metric), m->op, m->threshold, false, key});
      }
    } else {
      cx.add(p, "is not a criterion this tool can measure; write an expression such as "
                "\"p95_response_time_ms < 2000\" (see docs/criteria.md)");
    }
  }
  if (cx.problems.size() == before) out = std::move(v);
}

}  // namespace json_detail

// ---------------------------------------------------------------------------------------------
// Public API

/** Reads a `T` (any model of `models.hpp`) from `j`, then validates it. On success returns the
    value; otherwise appends every problem to `problems` and returns nullopt. */
template <class T>
std::optional<T> read_json(const nlohmann::json& j, std::vector<config_problem>& problems) {
  std::size_t const before = problems.size();
  json_detail::context cx{problems};
  std::optional<T> out;
  T v{};
  json_detail::read_value(j, v, std::string{}, cx);
  if (problems.size() != before) return std::nullopt;
  if constexpr (requires { validate(v, problems, std::string{}); }) validate(v, problems, std::string{});
  if (problems.size() != before) return std::nullopt;
  out = std::move(v);
  return out;
}

/// Throwing form of `read_json`: `config_error` with every problem.
template <class T>
T read_json(const nlohmann::json& j) {
  std::vector<config_problem> problems;
  auto v = read_json<T>(j, problems);
  if (!v) throw config_error({}, std::move(problems));
  return *std::move(v);
}

/// Bounds of a configuration or scenario document: a few levels deep, a few KiB in practice.
inline constexpr detail::json_limits config_json_limits{.max_depth = 32, .max_bytes = 4u << 20};

/** Parses JSON text; a syntax error becomes a problem naming line and column (NaN and Infinity
    are not JSON and are reported here), as does text nested deeper or larger than
    `config_json_limits`. */
inline std::optional<nlohmann::json> parse_json_text(std::string_view text, std::vector<config_problem>& problems) {
  std::string why;
  auto j = detail::try_parse_bounded_json(text, why, config_json_limits);
  if (!j) problems.push_back({"", "invalid JSON: " + why});
  return j;
}

#define STRESS_TESTING_JSON_MODEL(T)                                                         \
  inline void to_json(nlohmann::json& j, const T& x) { j = json_detail::to_value(x); }     \
  inline void from_json(const nlohmann::json& j, T& x) { x = read_json<T>(j); }

STRESS_TESTING_JSON_MODEL(stress_test_config)
STRESS_TESTING_JSON_MODEL(load_profile)
STRESS_TESTING_JSON_MODEL(user_stage)
STRESS_TESTING_JSON_MODEL(session_step)
STRESS_TESTING_JSON_MODEL(user_profile)
STRESS_TESTING_JSON_MODEL(workload_request)
STRESS_TESTING_JSON_MODEL(workload)
STRESS_TESTING_JSON_MODEL(failure_scenario)
STRESS_TESTING_JSON_MODEL(test_scenario)
STRESS_TESTING_JSON_MODEL(system_metrics)
STRESS_TESTING_JSON_MODEL(agent_metrics)
STRESS_TESTING_JSON_MODEL(business_metrics)
STRESS_TESTING_JSON_MODEL(hero_metrics)
STRESS_TESTING_JSON_MODEL(transaction_flow_node)
STRESS_TESTING_JSON_MODEL(competitor_figures)
STRESS_TESTING_JSON_MODEL(competitive_benchmarks)
STRESS_TESTING_JSON_MODEL(cost_efficiency_metrics)
STRESS_TESTING_JSON_MODEL(resilience_metrics)
STRESS_TESTING_JSON_MODEL(presentation_data)

#undef STRESS_TESTING_JSON_MODEL

inline void to_json(nlohmann::json& j, const criterion& c) { j = json_detail::criterion_to_json(c); }

}  // namespace stress_testing

#endif
