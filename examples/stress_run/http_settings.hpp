// Settings shared by every stress-run mode that loads an HTTP target (quick mode, scenario):
// connections, threads, timeouts, pacing, TLS, output directory and --slo criteria. The CLI half
// is here; what needs the engine's types is in http_settings.cpp, so main.cpp stays light.
#ifndef STRESS_RUN_HTTP_SETTINGS_HPP
#define STRESS_RUN_HTTP_SETTINGS_HPP

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace stress_testing {
struct test_scenario;
namespace load {
struct open_loop_options;
}
namespace run {
struct run_options;
}
namespace target {
struct http_target_options;
}
}  // namespace stress_testing

namespace stress_run {

/// Settings shared by every mode that loads an HTTP target.
struct http_settings {
  std::size_t connections = 50;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::string timeout = "30s";
  std::string interval;  ///< "": 1 s in quick mode, scenario mode's rule (sampling_interval_seconds)
  std::string late_threshold = "1ms";
  std::string pacing = "auto";
  std::size_t max_in_flight = 100000;
  bool poisson = false;
  bool quiet = false;
  bool allow_remote = false;
  bool insecure = false;
  bool allow_no_success = false;
  std::string ca_file;
  std::string out_dir = "stress-results";
  std::vector<std::string> slos;
  std::string shard;     ///< --shard I/N, "none", or "" (read the launching engine's environment)
  std::size_t shards = 0;  ///< --shards N: the count beside Kubernetes' JOB_COMPLETION_INDEX
  std::string start_at;  ///< --start-at: ISO 8601, Unix seconds, or next:PERIOD

  void add_to(CLI::App& app) {
    app.add_option("-c,--connections", connections, "keep-alive connections in all (split across threads)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
    app.add_option("-t,--threads", threads, "load generator threads (each with its own connections)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
    app.add_option("--timeout", timeout, "per-request timeout (30s, 500ms, ...)");
    app.add_option("--interval", interval,
                   "time per live line and per series point, 1ms..1h (default 1s; scenarios: a quarter of the "
                   "shortest failure, burst or criterion window, 10ms..1s)");
    app.add_option("--late-threshold", late_threshold,
                   "a request sent more than this after its intended time is late; over 1% late makes the run "
                   "generator-limited and its latency criteria inconclusive (default 1ms)");
    app.add_option("--pacing", pacing,
                   "when the generator wakes to send: auto (default) batches arrivals on a grid chosen from the "
                   "rate, at most 1 ms late (auto:500us sets the bound), waking per arrival at low rates; 0 wakes "
                   "per arrival; a period (250us, 1ms) wakes on a fixed grid. Lateness is measured");
    app.add_option("--max-in-flight", max_in_flight, "per thread; arrivals beyond it are counted dropped")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
    app.add_flag("--poisson", poisson, "Poisson arrivals instead of evenly spaced ones");
    app.add_flag("-q,--quiet", quiet, "no live lines");
    app.add_flag("--allow-remote", allow_remote, "allow a URL that is not on loopback (127.0.0.0/8, ::1)");
    app.add_flag("-k,--insecure", insecure, "https: accept any certificate (test servers only)");
    app.add_option("--ca-file", ca_file, "https: PEM file of certificate authorities to trust")->check(CLI::ExistingFile);
    app.add_option("-o,--out", out_dir, "directory for results.json (checked before the run: unwritable is exit 1)");
    app.add_flag("--allow-no-success", allow_no_success,
                 "judge a run in which no request succeeded on its criteria alone (default: such a run fails)");
    app.add_option("--slo", slos, "success criterion, repeatable: \"p99_response_time_ms < 250\"");
    app.add_option("--shard", shard,
                   "run shard I of N of the load (0-based, e.g. 2/4), writing OUT/shard-I/results.json for "
                   "`stress-run merge`; default: read from mpirun, srun or a Kubernetes Indexed Job; none: never");
    app.add_option("--shards", shards, "the shard count when a Kubernetes Indexed Job gives only the index")
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
    app.add_option("--start-at", start_at,
                   "start the load at this wall-clock time, shared by every shard: 2026-12-07T10:00:00Z, Unix "
                   "seconds, or next:10s (the next multiple of 10 s since the epoch, at least 2 s away)");
  }

  /// This process's share of `--connections` (all of them unless the run is sharded).
  std::size_t connections_for(const stress_testing::run::run_options& options) const;

  /// Applies the settings to `options` and `base`; prints the problem and returns false if one
  /// is invalid.
  bool apply(stress_testing::run::run_options& options, stress_testing::target::http_target_options& base) const;

  /// --shard/--shards/--start-at (or the engine's environment) into `options`; false on a problem.
  bool apply_sharding(stress_testing::run::run_options& options) const;
  /// --pacing into the loop's pacing_granularity / adaptive_pacing_bound; false (said) when invalid.
  bool apply_pacing(stress_testing::load::open_loop_options& loop) const;

  /// Parses every --slo into `scenario.success_criteria`; prints the problem on failure.
  bool add_criteria(stress_testing::test_scenario& scenario) const;

  /// Prints that `value` of `option` is not a duration; returns false.
  static bool bad(const char* option, const std::string& value);

  /// Descriptors kept beyond the connections: results and log files, the dashboard and its
  /// clients, a fault proxy's sockets, /proc reads.
  static constexpr std::size_t descriptor_reserve = 256;
  /// Raises the soft RLIMIT_NOFILE to `connections` + `descriptor_reserve` (at most the hard
  /// limit); prints a warning naming both limits when that is not enough.
  static void ensure_descriptors(std::size_t connections);
};

}  // namespace stress_run

#endif
