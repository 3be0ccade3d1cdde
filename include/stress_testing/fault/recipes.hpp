#ifndef STRESS_TESTING_FAULT_RECIPES_HPP
#define STRESS_TESTING_FAULT_RECIPES_HPP

/** The client site of the failure model: the effects of `fault/failure_model.hpp` as a fault
    plan (`fault/plan.hpp`) that `fault/inject.hpp` applies in front of any target. Exact: every
    latency shape, fractions per request. Pure.

    A request in two overlapping failures gets the first failure's error and every active
    latency. */

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/fault/plan.hpp>
#include <stress_testing/models.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace stress_testing::fault {

/// Adds `effect` to `plan`.
inline void add_effect(fault_plan_options& plan, const failure_effect& e) {
  auto const w = active_windows::between(e.start_seconds, e.end_seconds);
  if (e.black_hole_fraction > 0) plan.black_holes.push_back({e.black_hole_fraction, w});
  if (e.error_fraction > 0) plan.error_faults.push_back({e.error_fraction, e.status, w, {}});
  if (e.latency_fraction > 0)
    plan.latencies.push_back({e.latency_shape, e.latency_ms, e.latency_max_ms, e.latency_fraction, w});
}

/// Adds the recipe of `f` (every phase of `effects_of(f)`) to `plan`.
inline void add_recipe(fault_plan_options& plan, const failure_scenario& f) {
  for (auto const& e : effects_of(f)) add_effect(plan, e);
}

/// The fault plan of a scenario's failure timeline (`seed` makes the decisions reproducible).
inline fault_plan_options plan_for(const std::vector<failure_scenario>& failures, std::uint64_t seed) {
  fault_plan_options plan;
  plan.seed = seed;
  for (auto const& f : failures) add_recipe(plan, f);
  return plan;
}

/// The fault plan of failures already placed at the client.
inline fault_plan_options plan_for(std::span<const placed_failure> failures, std::uint64_t seed) {
  fault_plan_options plan;
  plan.seed = seed;
  for (auto const& p : failures)
    for (auto const& e : p.effects) add_effect(plan, e);
  return plan;
}

}  // namespace stress_testing::fault

#endif
