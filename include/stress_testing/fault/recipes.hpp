#ifndef STRESS_TESTING_FAULT_RECIPES_HPP
#define STRESS_TESTING_FAULT_RECIPES_HPP

/** The seed's failure types as recipes over the generic faults of `fault/plan.hpp` (DESIGN.md
    §4): "DynamoDB throttling for 60 s at minute 5" becomes a fault plan whose faults are active
    in that window, scaled by the failure's severity s in [0, 1]. Pure.

    | failure_type        | recipe, active from start_time_seconds for duration_seconds                          |
    |---------------------|--------------------------------------------------------------------------------------|
    | LAMBDA_CRASH        | errors: probability s, 502 (the gateway in front of a crashed function)               |
    | LAMBDA_COLD_START   | latency: uniform 200 .. 200 + 2,800·s ms on a fraction s of requests                  |
    | DYNAMODB_THROTTLE   | errors: probability s, 400 counted `throttled` (ProvisionedThroughputExceededException) |
    | NETWORK_LATENCY     | latency: uniform 50 + 450·s .. 2 × that, every request; exactly `latency_ms` when the failure's parameters give it |
    | NETWORK_PARTITION   | black hole: probability s (the requests time out)                                     |
    | BEDROCK_RATE_LIMIT  | errors: probability s, 429 (ThrottlingException)                                      |
    | KINESIS_LAG         | latency: long tail, median 100 + 900·s ms, p99 4 × the median                          |
    | AGENT_TIMEOUT       | latency: uniform 100 .. 100 + 4,900·s ms on a fraction s (FACTS: 100 ms – 5 s)         |
    | AGENT_FAILURE       | errors: probability s, 500                                                            |
    | MEMORY_PRESSURE     | latency: long tail, median 20 + 180·s ms, p99 10 × the median; errors: s / 10, 500     |
    | CASCADING_FAILURE   | thirds of the window: long-tail latency (median 100·s ms), then 503 at s / 2, then 502 at s with the latency still on |

    A request in two overlapping failures gets the first failure's error and every active
    latency. */

#include <stress_testing/fault/plan.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace stress_testing::fault {

/// A numeric parameter of a failure (`"latency_ms": 500`), if it is there and a number.
inline std::optional<double> number_parameter(const failure_scenario& f, const std::string& name) {
  auto it = f.parameters.find(name);
  if (it == f.parameters.end()) return std::nullopt;
  if (auto const* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  if (auto const* d = std::get_if<double>(&it->second)) return *d;
  return std::nullopt;
}

/// Adds the recipe of `f` to `plan`.
inline void add_recipe(fault_plan_options& plan, const failure_scenario& f) {
  double const s = std::clamp(f.severity, 0.0, 1.0);
  double const a = f.start_time_seconds;
  double const b = f.start_time_seconds + f.duration_seconds;
  auto const w = active_windows::between(a, b);
  switch (f.failure_type) {
    case failure_type::lambda_crash: plan.error_faults.push_back({s, 502, w, {}}); break;
    case failure_type::lambda_cold_start:
      plan.latencies.push_back({delay_shape::uniform, 200, 200 + 2800 * s, s, w});
      break;
    case failure_type::dynamodb_throttle: plan.error_faults.push_back({s, 400, w, outcome::throttled}); break;
    case failure_type::network_latency:
      if (auto ms = number_parameter(f, "latency_ms"); ms && *ms >= 0)
        plan.latencies.push_back({delay_shape::fixed, *ms, *ms, 1, w});
      else
        plan.latencies.push_back({delay_shape::uniform, 50 + 450 * s, 2 * (50 + 450 * s), 1, w});
      break;
    case failure_type::network_partition: plan.black_holes.push_back({s, w}); break;
    case failure_type::bedrock_rate_limit: plan.error_faults.push_back({s, 429, w, {}}); break;
    case failure_type::kinesis_lag: {
      double const median = 100 + 900 * s;
      plan.latencies.push_back({delay_shape::long_tail, median, 4 * median, 1, w});
      break;
    }
    case failure_type::agent_timeout:
      plan.latencies.push_back({delay_shape::uniform, 100, 100 + 4900 * s, s, w});
      break;
    case failure_type::agent_failure: plan.error_faults.push_back({s, 500, w, {}}); break;
    case failure_type::memory_pressure: {
      double const median = 20 + 180 * s;
      plan.latencies.push_back({delay_shape::long_tail, median, 10 * median, 1, w});
      plan.error_faults.push_back({s / 10, 500, w, {}});
      break;
    }
    case failure_type::cascading_failure: {
      double const third = (b - a) / 3;
      double const median = std::max(1.0, 100 * s);
      plan.latencies.push_back(
          {delay_shape::long_tail, median, 4 * median, 1, active_windows::between(a, b)});
      plan.error_faults.push_back({s / 2, 503, active_windows::between(a + third, a + 2 * third), {}});
      plan.error_faults.push_back({s, 502, active_windows::between(a + 2 * third, b), {}});
      break;
    }
  }
}

/// The fault plan of a scenario's failure timeline (`seed` makes the decisions reproducible).
inline fault_plan_options plan_for(const std::vector<failure_scenario>& failures, std::uint64_t seed) {
  fault_plan_options plan;
  plan.seed = seed;
  for (auto const& f : failures)
    if (f.duration_seconds > 0) add_recipe(plan, f);
  return plan;
}

}  // namespace stress_testing::fault

#endif
