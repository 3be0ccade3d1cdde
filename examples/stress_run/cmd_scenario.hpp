// Scenario mode: `stress-run scenario NAME|FILE [--target URL|embedded|sim] [--time-scale F] ...`,
// a predefined scenario or a JSON file, scaled, sending the fraud workload to the embedded sample
// service, a URL, or the in-process simulation, its failures injected where they say.
#ifndef STRESS_RUN_CMD_SCENARIO_HPP
#define STRESS_RUN_CMD_SCENARIO_HPP

#include "app.hpp"
#include "autoscale_settings.hpp"
#include "http_settings.hpp"
#include "target_stats.hpp"

#include <stress_testing/config/run_config.hpp>
#include <stress_testing/models.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace stress_run {

struct scenario_settings {
  std::string name;
  std::string file;
  std::string target = "embedded";
  std::string env = "production";
  double time_scale = 1;
  double load_scale = 1;
  std::uint64_t seed = 0;
  double sim_capacity = 7800;
  std::size_t service_concurrency = 0;
  autoscale_settings autoscale;  ///< embedded: --autoscale ...
  bool no_faults = false;
  std::string inject_at = "client";
  target_stats_settings target_stats;  ///< --target-pid, --stats-url
  /// --config FILE: a StressTestConfig applied field by field (st::apply_config, docs/configuration.md).
  std::string config_file;
  stress_testing::config_overrides given;  ///< which options the command line gave (set after parsing)
  std::int64_t users = 0;              ///< --users: a closed population instead of the profile (0: none)
  std::string think_time;              ///< --think-time: 100ms, exp:100ms or 50ms..150ms
  std::string ramp_users;              ///< --ramp-users: the users join over this time
  std::string nominal_response;        ///< --nominal-response: the users' healthy response time
  std::string session;                 ///< --session score,feedback: each user's steps (the fraud workload's)
};

/** The closed population of `--users`, `--think-time`, `--ramp-users` and `--nominal-response` into `scenario`
    (replacing its user profile); false with the message on stderr when one is malformed. */
bool apply_user_options(const scenario_settings& s, stress_testing::test_scenario& scenario);

/// Runs scenario mode (cmd_scenario.cpp); the process exit code.
int run_scenario_mode(app_context& ctx, const scenario_settings& s, const http_settings& h);

}  // namespace stress_run

#endif
