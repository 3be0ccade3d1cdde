// `stress-run dashboard --listen 127.0.0.1:PORT [--target embedded|URL|sim]` (without --follow):
// the run supervisor. A long-lived live dashboard whose Admin view starts a run of one of the five
// predefined scenarios, scaled, with the admin token (one run at a time; a second start is a 409),
// follows it live, stops it and injects failures into it, and keeps the finished runs' results,
// report, JUnit XML and Prometheus text to download (docs/dashboard.md). Each run writes
// OUT/run-ID-SCENARIO/ as `stress-run scenario` would; Ctrl-C stops the run in progress, writes
// its results, and ends.
#ifndef STRESS_RUN_CMD_SUPERVISE_HPP
#define STRESS_RUN_CMD_SUPERVISE_HPP

#include "app.hpp"
#include "http_settings.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace stress_run {

struct supervise_settings {
  std::string target = "embedded";
  std::string token_file;  ///< "" = a random token, printed at start
  http_settings http;      ///< --threads, --connections, --quiet of every run; the rest as `scenario`'s defaults

  /// Registers the supervisor's options on `stress-run dashboard` (whose --listen and --out it shares with --follow).
  void add_to(CLI::App& app) {
    app.add_option("--target", target,
                   "run supervisor: where its runs send the fraud workload: embedded (the sample service, started "
                   "in-process for each run), a loopback URL of a fraud-scoring endpoint, or sim");
    app.add_option("--token-file", token_file,
                   "run supervisor: the admin token, the first line of FILE (16 to 256 visible characters); "
                   "default: 128 random bits, printed at start")
        ->check(CLI::ExistingFile);
    app.add_option("-c,--connections", http.connections, "run supervisor: each run's keep-alive connections")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
    app.add_option("-t,--threads", http.threads, "run supervisor: each run's load generator threads")
        ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
    app.add_flag("-q,--quiet", http.quiet, "run supervisor: no live lines");
  }
};

/** Serves the run supervisor on `listen` until Ctrl-C (cmd_supervise.cpp); runs write under
    `out` ("" = stress-results). Exit 0 after a clean shutdown (the runs' verdicts are in their
    results and `GET /api/runs`), 2 for a bad option. */
int run_supervisor(const app_context& ctx, const supervise_settings& s, const std::string& listen, const std::string& out);

}  // namespace stress_run

#endif
