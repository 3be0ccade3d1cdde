// A small results document (docs/results.md) built by hand, for the exporters' known answers.
#ifndef STRESS_TESTING_TESTS_REPORT_RESULTS_FIXTURE_HPP
#define STRESS_TESTING_TESTS_REPORT_RESULTS_FIXTURE_HPP

#include <stress_testing/metrics/histogram.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace report_fixture {

/// Response times (ns) with known Prometheus buckets: see the prometheus tests.
inline stress_testing::metrics::histogram known_histogram() {
  stress_testing::metrics::histogram h(1, 3'600'000'000'000, 3);
  h.record_values(100'000, 3);          // 0.1 ms            -> le 0.0005
  h.record_value(500'000);              // exactly 0.5 ms    -> le 0.0005 (a bound is inclusive)
  h.record_value(500'300);              // next slot up      -> le 0.001
  h.record_value(700'000);              //                   -> le 0.001
  h.record_value(1'000'000);            // exactly 1 ms      -> le 0.001
  h.record_values(3'000'000, 4);        // 3 ms              -> le 0.005
  h.record_value(2'000'000'000);        // 2 s               -> le 2.5
  h.record_value(120'000'000'000);      // 120 s             -> +Inf only
  return h;                             // 13 values
}

/// A completed run of scenario `peak_load` with the given criteria; outcomes ok 10, http_error 2,
/// timeout 1 (13 sent, the histogram's count) and dropped 3: intended 16.
inline nlohmann::json document(nlohmann::json criteria, nlohmann::json metrics = nlohmann::json::object(),
                               std::string status = "COMPLETED") {
  auto const h = known_histogram();
  nlohmann::json j;
  j["schema"] = "stress_testing.results";
  j["schema_version"] = 1;
  j["scenario"] = {{"scenario_id", "peak_load"}, {"name", "Peak Load"}};
  j["seed"] = 42;
  j["status"] = status;
  j["status_reason"] = status == "COMPLETED" ? "completed" : "criterion error_rate < 0.01 failed at 1.0 s";
  j["passed"] = status == "COMPLETED";
  j["started_at"] = "2026-11-27T06:54:41.215921Z";
  j["ended_at"] = "2026-11-27T06:54:47.170134Z";
  j["elapsed_seconds"] = 5.5;
  j["metrics"] = std::move(metrics);
  j["accounting"] = {{"intended", 16},
                     {"issued", 16},
                     {"outcomes",
                      {{"ok", 10},
                       {"http_error", 2},
                       {"throttled", 0},
                       {"timeout", 1},
                       {"connect_error", 0},
                       {"io_error", 0},
                       {"dropped", 3}}},
                     {"bytes_in", 1000},
                     {"bytes_out", 500},
                     {"balanced", true}};
  j["criteria"] = std::move(criteria);
  j["intervals"] = nlohmann::json::array(
      {{{"in_flight", 2}, {"degradation_level", "MODERATE"}}});
  j["resilience"] = {{"max_degradation_level", "SEVERE"}};
  j["histograms"] = {{"unit", "ns"},
                     {"response_time", h.to_base64()},
                     {"service_time", h.to_base64()},
                     {"send_lag", h.to_base64()}};
  return j;
}

inline nlohmann::json criterion(std::string expression, nlohmann::json actual, std::string verdict,
                                std::string description = {}) {
  return {{"expression", std::move(expression)},
          {"description", std::move(description)},
          {"abort_on_fail", false},
          {"actual", std::move(actual)},
          {"verdict", std::move(verdict)}};
}

}  // namespace report_fixture

#endif
