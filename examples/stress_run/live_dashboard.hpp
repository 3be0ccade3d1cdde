// The run side of stress-run's dashboard (docs/dashboard.md), for run_engine.cpp and the run
// supervisor: the dashboard's server with its own io_context and thread (`dashboard_host`, so a
// slow browser never delays a run), the live feed of one run on it, and report.html next to every
// results.json. Defined in dashboard.cpp only.
#ifndef STRESS_RUN_LIVE_DASHBOARD_HPP
#define STRESS_RUN_LIVE_DASHBOARD_HPP

#include "app.hpp"

#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/run/result.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace stress_run {

class live_dashboard;  // dashboard.cpp

/// A control's answer without the server's header: the HTTP status and the message.
struct host_reply {
  unsigned status = 200;
  std::string message;
};

/** What the dashboard's server serves beyond one run: a run supervisor's Start control and its
    runs list (`stress-run dashboard` without `--follow`). A lone run (`--dashboard`) has neither. */
struct dashboard_host_options {
  std::string option = "--dashboard";  ///< the option that gave `address`, for messages
  std::string address;                 ///< HOST:PORT, loopback
  std::string token;                   ///< "": 128 random bits, printed at start
  std::string token_source;            ///< where a given token came from (`--token-file F`), printed instead of it
  std::function<host_reply(const nlohmann::json&)> on_start;  ///< POST /api/control/start
  /// GET /api/runs, given the ids of the runs whose exports the server keeps.
  std::function<nlohmann::json(const std::vector<std::string>& kept_runs)> runs;
  nlohmann::json initial_document;                            ///< what the page shows before a run (null: `{}`)
};

/** The dashboard's server on an io_context and thread of its own, outliving the runs it shows.
    Stop and Inject act on the run attached now (409 when none); `/metrics` serves the last
    exposition a run gave. Thread-safe: the server's thread calls the controls, the runs' threads
    attach, detach and publish. */
class dashboard_host {
 public:
  /// Binds and starts serving; throws `std::invalid_argument` with a message naming the option.
  explicit dashboard_host(dashboard_host_options o);
  ~dashboard_host();
  dashboard_host(const dashboard_host&) = delete;
  dashboard_host& operator=(const dashboard_host&) = delete;

  /// http://HOST:PORT/
  std::string url() const;
  /** Stops the attached run (drain, then results) and every run attached later: a supervisor's
      Ctrl-C. A run not yet started stops as soon as it starts. Any thread. */
  void stop_runs();

  struct impl;  // dashboard.cpp
  impl& get() { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

struct live_dashboard_deleter {
  void operator()(live_dashboard* d) const noexcept;
};
using live_dashboard_ptr = std::unique_ptr<live_dashboard, live_dashboard_deleter>;

/** The live dashboard of a run, chained onto `options`' per-interval callback: on
    `ctx.shared_dashboard` (the run supervisor's), else on a server of its own when `--dashboard`
    was given, else null. Its Stop emits `stop` on `run_io`'s thread once the run has started.
    Throws with a message when the address is bad or cannot be bound. */
live_dashboard_ptr start_dashboard(app_context& ctx, boost::asio::io_context& run_io,
                                   boost::asio::cancellation_signal& stop, const stress_testing::test_scenario& scenario,
                                   stress_testing::run::run_options& options);

/// The results document of `r` as written to results.json: `report::to_json` (whose
/// `presentation` compares with `r.competitors`, from `--presentation`) plus `config` and
/// `business_series`.
nlohmann::json results_document(const app_context& ctx, const stress_testing::run::run_result& r);

/// What run_and_report wrote next to each other, as text.
struct written_results {
  std::string results_json;
  std::string junit_xml;
};

/** After results.json and junit.xml are written: report.html next to them, and for the live
    page the final document and the run's files to download (`GET /api/export/NAME`). */
void finish_dashboard(live_dashboard* live, const nlohmann::json& doc, const written_results& written,
                      const std::filesystem::path& results_path);

}  // namespace stress_run

#endif
