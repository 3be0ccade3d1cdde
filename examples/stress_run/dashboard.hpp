// stress-run's dashboard options on the command line (docs/dashboard.md):
//   --dashboard 127.0.0.1:PORT   on `scenario` and quick mode: serve the live dashboard during the run
//   --dashboard-linger SECONDS   keep it serving the final results (and /metrics) that long after
//   --presentation FILE          figures the presentation view compares with
// Light on purpose (CLI11 only): main.cpp includes it. The live server is in live_dashboard.hpp.
#ifndef STRESS_RUN_DASHBOARD_HPP
#define STRESS_RUN_DASHBOARD_HPP

#include "app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace stress_run {

/// Registers `--dashboard` and `--presentation` on a command, bound to `ctx`.
inline void add_dashboard_option(CLI::App& app, app_context& ctx) {
  app.add_option("--dashboard", ctx.dashboard_address,
                 "serve the live dashboard on HOST:PORT during the run (loopback; port 0 picks one)");
  app.add_option("--dashboard-linger", ctx.dashboard_linger_seconds,
                 "with --dashboard: keep serving the final results and /metrics for SECONDS after the run "
                 "(a last Prometheus scrape; Ctrl-C ends it)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--presentation", ctx.presentation_file,
                 "JSON file of figures the presentation view compares with (competitors), never measured");
}

/** Reads and checks `path` (`{"competitors": [{"name": "...", "throughput_tps": 5000, ...}]}`)
    into `ctx.presentation_document`; the reason (naming the field) on failure. */
std::optional<std::string> load_presentation(app_context& ctx, const std::string& path);

}  // namespace stress_run

#endif
