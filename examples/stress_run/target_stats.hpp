// What the target says about itself (target_stats.cpp): its resident memory from /proc/PID/statm
// (`--target-pid`), and its GET /stats (the embedded sample service's, `--stats-url`, or the
// target's own origin's when it answers one) polled once per interval by the run.
#ifndef STRESS_RUN_TARGET_STATS_HPP
#define STRESS_RUN_TARGET_STATS_HPP

#include <stress_testing/run/orchestrator.hpp>

#include <cstdint>
#include <string>

namespace stress_run {

struct target_stats_settings {
  std::uint64_t pid = 0;   ///< --target-pid: read /proc/PID/statm (0: no)
  std::string stats_url;   ///< --stats-url: "" (automatic), "none", or a URL
  std::string capacity_prometheus;  ///< --capacity-prometheus: a Prometheus base URL (loopback)
  std::string capacity_query;       ///< --capacity-query: its instant query giving the target's capacity
  std::string capacity_header;      ///< --capacity-header: a response header giving it (e.g. X-Slots)
  std::string capacity_url;         ///< --capacity-url: what to GET for that header ("": the target's URL)
};

/** Sets `options.target_resident_bytes` (`--target-pid`) and `options.target_stats` (a
    `stats_probe` of `--stats-url`; automatically the embedded service's `/stats`, or, for a URL
    target, `/stats` at its origin when one answers). `target_url` is the load's URL; `embedded`
    says it is the in-process sample service. Prints what it uses; returns false with a message
    on stderr for a bad `--target-pid` or `--stats-url`. Also `options.target_capacity`: a
    `prometheus_probe` of `--capacity-prometheus` with `--capacity-query` (both or neither), or a
    `header_capacity_probe` of `--capacity-header` on `--capacity-url` (default: `target_url`). */
bool add_target_stats(const target_stats_settings& s, const std::string& target_url, bool embedded,
                      bool allow_non_loopback, stress_testing::run::run_options& options);

}  // namespace stress_run

#endif
