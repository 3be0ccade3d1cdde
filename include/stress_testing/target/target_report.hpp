#ifndef STRESS_TESTING_TARGET_TARGET_REPORT_HPP
#define STRESS_TESTING_TARGET_TARGET_REPORT_HPP

/** What a target knows beyond the outcomes, handed to a run's result: counters by name (the HTTP
    target's `connections_opened`, `resets`, ...) and per-agent timings of the system under test
    (from `Server-Timing`). A target type opts in with a free function found by ADL,

    ```
    void report_into(const my_target&, stress_testing::target::target_report&);
    ```

    which the orchestrator calls for each worker's target after the run (the workers idle), so
    `run_result::target_counters` and `run_result::agents` are filled for every embedder, not only
    in the harness. Counters of several targets add up; agents merge by name. Pure: std only. */

#include <stress_testing/metrics/agent_timings.hpp>

#include <cstdint>
#include <map>
#include <string>

namespace stress_testing::target {

struct target_report {
  std::map<std::string, std::uint64_t> counters;
  metrics::agent_timings agents;
  /// The first cause the target saw of each failure class, by outcome name ("connect_error":
  /// "Connection refused"); of several targets the first reported is kept.
  std::map<std::string, std::string> first_failures;

  /// Adds `name`'s count (targets of several workers add up).
  void add(const std::string& name, std::uint64_t value) { counters[name] += value; }
};

/// Whether `T` reports into a `target_report` (an ADL-found `report_into(const T&, target_report&)`).
template <class T>
concept reporting_target = requires(const T& t, target_report& r) { report_into(t, r); };

}  // namespace stress_testing::target

#endif
