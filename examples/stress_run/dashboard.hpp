// stress-run's dashboard options on the command line (docs/dashboard.md):
//   --dashboard 127.0.0.1:PORT   on `scenario`, `capacity` and quick mode: serve the live dashboard during the run
//   --dashboard-linger SECONDS   keep it serving the final results (and /metrics) that long after
//   --presentation FILE          figures the presentation view compares with
//   --alert-error-rate W,C, --alert-p99-ms W,C   alert thresholds (results.json `alerts`, the live page)
// Light on purpose (CLI11 only): main.cpp includes it. The live server is in live_dashboard.hpp.
#ifndef STRESS_RUN_DASHBOARD_HPP
#define STRESS_RUN_DASHBOARD_HPP

#include "app.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace stress_run {

/// Registers `--dashboard` and `--dashboard-linger` on a command (`capacity` has these only).
inline void add_live_dashboard_options(CLI::App& app, app_context& ctx) {
  app.add_option("--dashboard", ctx.dashboard_address,
                 "serve the live dashboard on HOST:PORT during the run (loopback; port 0 picks one)");
  app.add_option("--dashboard-linger", ctx.dashboard_linger_seconds,
                 "with --dashboard: keep serving the final results and /metrics for SECONDS after the run "
                 "(a last Prometheus scrape; Ctrl-C ends it)")
      ->check(CLI::Range(0.0, 3600.0));
}

/// Registers `--dashboard`, its linger, the alert thresholds and `--presentation` on a command, bound to `ctx`.
inline void add_dashboard_option(CLI::App& app, app_context& ctx) {
  add_live_dashboard_options(app, ctx);
  // WARNING,CRITICAL: an interval above WARNING raises a warning, above CRITICAL a critical alert.
  auto pair = [&ctx](const char* option, double stress_testing::run::alert_thresholds::*warning,
                     double stress_testing::run::alert_thresholds::*critical) {
    return [&ctx, option, warning, critical](const std::string& text) {
      auto const comma = text.find(',');
      double w = 0, c = 0;
      try {
        std::size_t used = 0;
        w = std::stod(text.substr(0, comma), &used);
        if (comma == std::string::npos || used != comma) throw std::invalid_argument("");
        c = std::stod(text.substr(comma + 1), &used);
        if (used != text.size() - comma - 1) throw std::invalid_argument("");
      } catch (const std::exception&) {
        throw CLI::ValidationError(option, "'" + text + "': expected WARNING,CRITICAL (two numbers)");
      }
      auto t = ctx.alerting;
      t.*warning = w;
      t.*critical = c;
      if (auto const* why = t.problem()) throw CLI::ValidationError(option, "'" + text + "': " + why);
      ctx.alerting = t;
    };
  };
  using thresholds = stress_testing::run::alert_thresholds;
  app.add_option_function<std::string>("--alert-error-rate",
                                        pair("--alert-error-rate", &thresholds::warning_error_rate, &thresholds::critical_error_rate),
                                        "alert thresholds on an interval's error rate: WARNING,CRITICAL (default 0.001,0.01)");
  app.add_option_function<std::string>("--alert-p99-ms",
                                        pair("--alert-p99-ms", &thresholds::warning_p99_ms, &thresholds::critical_p99_ms),
                                        "alert thresholds on an interval's p99 response time in ms: WARNING,CRITICAL (default 5000,10000)");
  app.add_option("--presentation", ctx.presentation_file,
                 "JSON file of figures the presentation view compares with (competitors), never measured");
}

/** Reads and checks `path` (`{"competitors": [{"name": "...", "throughput_tps": 5000, ...}]}`)
    into `ctx.competitors`; the reason (naming the field) on failure. */
std::optional<std::string> load_presentation(app_context& ctx, const std::string& path);

}  // namespace stress_run

#endif
