// Capacity mode: `stress-run capacity URL|embedded|sim --slo "p99_response_time_ms < 50" [--slo ...]
// [--min-rate N] [--max-rate N] [--step-duration 10s] [--precision 0.05] [--hold 5m]`: the highest
// open-model rate that meets every SLO (st::run::capacity_search), written to OUT/capacity.json
// (docs/capacity.md).
#ifndef STRESS_RUN_CMD_CAPACITY_HPP
#define STRESS_RUN_CMD_CAPACITY_HPP

#include "app.hpp"
#include "autoscale_settings.hpp"
#include "http_settings.hpp"

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace stress_run {

struct capacity_settings {
  std::string target = "embedded";  ///< a URL, embedded (the sample service) or sim
  double min_rate = 10;
  double max_rate = 100'000;
  double precision = 0.05;
  std::string step_duration = "10s";
  std::string drain = "2s";
  std::string hold = "0";
  double confidence = 0.95;
  std::uint64_t seed = 1;
  std::size_t service_concurrency = 0;
  autoscale_settings autoscale;  ///< embedded: --autoscale ...
  double sim_capacity = 7800;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;

  void add_to(CLI::App& cmd) {
    cmd.add_option("target", target,
                   "a URL (requests as --method/--header/--body), embedded (the sample fraud service, started "
                   "in-process on loopback, sent the fraud workload) or sim (simulated, no sockets)");
    cmd.add_option("--min-rate", min_rate, "the first rate held, requests/s")->check(CLI::PositiveNumber);
    cmd.add_option("--max-rate", max_rate, "never hold a rate above this, requests/s")->check(CLI::PositiveNumber);
    cmd.add_option("--precision", precision, "stop when the bracket is narrower than this fraction of its top")
        ->check(CLI::Range(0.001, 0.5));
    cmd.add_option("--step-duration", step_duration, "how long each rate is held (extended when undecided)");
    cmd.add_option("--drain", drain, "pause between steps for the target to drain");
    cmd.add_option("--hold", hold, "hold the rate found this long at the end and report its drift (0: no hold)");
    cmd.add_option("--confidence", confidence, "of the percentiles' and error rates' intervals")
        ->check(CLI::Range(0.5, 0.999));
    cmd.add_option("--seed", seed, "seed of the arrivals and the transactions");
    cmd.add_option("--service-concurrency", service_concurrency,
                   "embedded: the sample service's processing slots (0: its default)");
    autoscale.add_to(cmd, "embedded");
    cmd.add_option("--sim-capacity", sim_capacity, "sim: the simulated service's capacity in TPS")
        ->check(CLI::PositiveNumber);
    cmd.add_option("-m,--method", method, "URL: HTTP method");
    cmd.add_option("-H,--header", headers, "URL: \"Name: value\", repeatable");
    cmd.add_option("--body", body, "URL: request body");
  }
};

/// Runs capacity mode (cmd_capacity.cpp); the process exit code.
int run_capacity(app_context& ctx, const capacity_settings& c, const http_settings& h);

}  // namespace stress_run

#endif
