// The run side of stress-run's dashboard (docs/dashboard.md), for run_engine.cpp: the live server
// of one run, and report.html next to every results.json. The server itself (its own io_context
// and thread, so a slow browser never delays the run) is defined in dashboard.cpp only.
#ifndef STRESS_RUN_LIVE_DASHBOARD_HPP
#define STRESS_RUN_LIVE_DASHBOARD_HPP

#include "app.hpp"

#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/run/result.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

namespace stress_run {

class live_dashboard;  // dashboard.cpp
struct live_dashboard_deleter {
  void operator()(live_dashboard* d) const noexcept;
};
using live_dashboard_ptr = std::unique_ptr<live_dashboard, live_dashboard_deleter>;

/** A live dashboard when `--dashboard` was given (null otherwise), chained onto `options`'
    per-interval callback; its Stop emits `stop` on `run_io`'s thread. Throws with a message when
    the address is bad or cannot be bound. */
live_dashboard_ptr start_dashboard(app_context& ctx, boost::asio::io_context& run_io,
                                   boost::asio::cancellation_signal& stop, const stress_testing::test_scenario& scenario,
                                   stress_testing::run::run_options& options);

/// The results document of `r` as written to results.json: `report::to_json` (whose
/// `presentation` compares with `r.competitors`, from `--presentation`) plus `config` and
/// `business_series`.
nlohmann::json results_document(const app_context& ctx, const stress_testing::run::run_result& r);

/// After results.json is written: report.html next to it, and the final document to the live page.
void finish_dashboard(const app_context& ctx, live_dashboard* live, const stress_testing::run::run_result& result,
                      const std::filesystem::path& results_path);

}  // namespace stress_run

#endif
