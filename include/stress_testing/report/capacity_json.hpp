#ifndef STRESS_TESTING_REPORT_CAPACITY_JSON_HPP
#define STRESS_TESTING_REPORT_CAPACITY_JSON_HPP

/** `capacity.json`: a capacity search's answer, bracket, steps and knee (run/capacity.hpp) as one
    schema-versioned document. docs/capacity.md lists every field. Files layer: no Asio. */

#include <stress_testing/run/capacity.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace stress_testing::report {

/// Identifies the document; bump `capacity_schema_version` on any incompatible change.
inline constexpr const char* capacity_schema = "stress_testing.capacity";
inline constexpr int capacity_schema_version = 1;

namespace detail {

inline nlohmann::json opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

/// `{"value", "lower", "upper"}`; a missing bound is null.
inline nlohmann::json estimate_json(const run::estimate& e) {
  return {{"value", e.value}, {"lower", opt(e.lower)}, {"upper", opt(e.upper)}};
}

inline nlohmann::json step_json(const run::capacity_step& s) {
  nlohmann::json percentiles = nlohmann::json::array();
  for (auto const& p : s.percentiles)
    percentiles.push_back({{"percentile", p.percentile}, {"ms", p.ms.value}, {"lower_ms", opt(p.ms.lower)},
                           {"upper_ms", opt(p.ms.upper)}});
  nlohmann::json slos = nlohmann::json::array();
  for (auto const& j : s.slos)
    slos.push_back({{"slo", to_string(j.slo)},
                    {"actual", j.actual ? estimate_json(*j.actual) : nlohmann::json()},
                    {"verdict", std::string(to_string(j.verdict))}});
  auto half = [](const std::optional<run::estimate>& e) { return e ? estimate_json(*e) : nlohmann::json(); };
  return {{"index", s.plan.index},
          {"kind", std::string(to_string(s.plan.kind))},
          {"rate", s.plan.rate},
          {"seconds", s.seconds},
          {"achieved_rps", s.achieved_rps},
          {"goodput_rps", s.goodput_rps},
          {"intended", s.intended},
          {"ok", s.ok},
          {"failed", s.failed},
          {"error_rate", estimate_json(s.error_rate)},
          {"percentiles", percentiles},
          {"slos", slos},
          {"drift",
           {{"first_half_p50_ms", half(s.drift.first_p50_ms)},
            {"second_half_p50_ms", half(s.drift.second_p50_ms)},
            {"ratio", s.drift.ratio},
            {"detected", s.drift.detected},
            {"intervals", {s.drift.first_intervals, s.drift.second_intervals}},
            {"first_half_p99_ms", half(s.drift.first_p99_ms)},
            {"second_half_p99_ms", half(s.drift.second_p99_ms)},
            {"p99_change", s.drift.p99_change ? nlohmann::json(*s.drift.p99_change) : nlohmann::json()},
            {"first_half_error_rate", half(s.drift.first_error_rate)},
            {"second_half_error_rate", half(s.drift.second_error_rate)}}},
          {"generator",
           {{"limited", s.generator_limited},
            {"late", s.late},
            {"p99_send_lag_ms", opt(s.p99_send_lag_ms)},
            {"reason", s.generator_reason.empty() ? nlohmann::json() : nlohmann::json(s.generator_reason)}}},
          {"verdict", std::string(to_string(s.verdict))},
          {"counted_as_failure", s.counted_as_failure},
          {"reason", s.reason}};
}

}  // namespace detail

/** The document's `curve` of `steps` (run::latency_curve): capacity.json and the live dashboard's
    capacity messages both take it from here, so the page draws the file's points. */
inline nlohmann::json curve_json(const std::vector<run::capacity_step>& steps) {
  nlohmann::json curve = nlohmann::json::array();
  for (auto const& c : run::latency_curve(steps)) {
    auto ms = [](const std::optional<run::estimate>& e) { return e ? detail::estimate_json(*e) : nlohmann::json(); };
    curve.push_back({{"rate", c.rate},
                     {"achieved_rps", c.achieved_rps},
                     {"p50_ms", ms(c.p50_ms)},
                     {"p99_ms", ms(c.p99_ms)},
                     {"verdict", std::string(to_string(c.verdict))},
                     {"step", c.step}});
  }
  return curve;
}

/// The capacity document of `r`, searched with `o` (docs/capacity.md).
inline nlohmann::json to_json(const run::capacity_result& r, const run::capacity_options& o) {
  using seconds = std::chrono::duration<double>;
  nlohmann::json slos = nlohmann::json::array();
  for (auto const& s : o.slos) slos.push_back(to_string(s));
  nlohmann::json steps = nlohmann::json::array();
  for (auto const& s : r.steps) steps.push_back(detail::step_json(s));
  auto curve = curve_json(r.steps);
  nlohmann::json knee;
  if (r.knee)
    knee = {{"rate", r.knee->rate},
            {"achieved_rps", r.knee->achieved_rps},
            {"latency_ms", r.knee->latency_ms},
            {"percentile", r.knee->percentile}};
  return {{"schema", capacity_schema},
          {"schema_version", capacity_schema_version},
          {"max_sustainable_rps", detail::opt(r.max_sustainable_rps)},
          {"bracket",
           {{"low", detail::opt(r.bracket_low)},
            {"high", detail::opt(r.bracket_high)},
            {"upper_bound_is_generator", r.upper_bound_is_generator}}},
          {"stop", std::string(to_string(r.stop))},
          {"summary", r.summary},
          {"options",
           {{"slos", slos},
            {"min_rate", o.min_rate},
            {"max_rate", o.max_rate},
            {"precision", o.precision},
            {"step_seconds", seconds(o.step_duration).count()},
            {"drain_seconds", seconds(o.drain).count()},
            {"hold_seconds", seconds(o.hold).count()},
            {"interval_seconds", o.interval > std::chrono::nanoseconds::zero() ? nlohmann::json(seconds(o.interval).count())
                                                                                : nlohmann::json()},
            {"confidence", o.confidence},
            {"drift_ratio", o.drift_ratio},
            {"drift_min_ms", o.drift_min_ms}}},
          {"curve", curve},
          {"knee", knee},
          {"steps", steps},
          {"hold", r.hold ? detail::step_json(*r.hold) : nlohmann::json()},
          {"drifted_steps", r.drifted_steps}};
}

}  // namespace stress_testing::report

#endif
