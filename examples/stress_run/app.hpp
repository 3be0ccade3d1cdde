// What one stress-run invocation shares across its subcommands: the options that the dashboard
// and the results writer read long after CLI11 parsed them, and the exit codes. main() owns the
// one instance and passes it by reference, so nothing lives in function-static globals and two
// contexts (a test, a second run) never see each other's options.
#ifndef STRESS_RUN_APP_HPP
#define STRESS_RUN_APP_HPP

#include <stress_testing/criteria.hpp>
#include <stress_testing/run/alerts.hpp>
#include <stress_testing/run/presentation.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace fraud_service {
struct service_fault;
}

namespace stress_run {

class dashboard_host;  // live_dashboard.hpp

/** Exit codes (k6's convention for 99); the values are part of the command line's contract.
    `inconclusive` (98): no criterion failed, but a latency criterion could not be judged because
    the load generator fell behind its schedule (`run_result::inconclusive()`). */
enum exit_code : int { passed = 0, runtime_error = 1, usage_error = 2, inconclusive = 98, criterion_failed = 99 };

/// The exit code of a run judged `v` (`run_result::verdict()`: a cancelled run is judged on
/// what it measured, like a completed one).
inline exit_code exit_code_for(stress_testing::verdict v) noexcept {
  switch (v) {
    case stress_testing::verdict::fail: return criterion_failed;
    case stress_testing::verdict::inconclusive: return inconclusive;
    default: return passed;
  }
}

/// `stress-run report RESULTS.json [-o report.html]`.
struct report_settings {
  std::string results;
  std::string out;
};

struct app_context {
  /// `--presentation FILE` ("" = none) and, once loaded, its competitors: reference points the
  /// presentation's benchmarks compare with (run_result::competitors, live_feed::set_competitors).
  std::string presentation_file;
  std::vector<stress_testing::competitor_figures> competitors;
  /// `scenario --config FILE`, as read (null = none): results.json's `config`.
  nlohmann::json config_document;
  /// `--dashboard HOST:PORT` ("" = no live dashboard).
  std::string dashboard_address;
  /** The run supervisor's dashboard (`stress-run dashboard` without `--follow`), which outlives
      its runs: a run shows itself there instead of on a server of its own, and leaves Ctrl-C to
      the supervisor. Null otherwise. */
  dashboard_host* shared_dashboard = nullptr;
  /// The run's id among the supervisor's runs (its exports' `?run=`); "" for a lone run ("1").
  std::string run_id;
  /// `--dashboard-linger SECONDS`: keep the dashboard (and /metrics with the final counters)
  /// serving this long after results.json is written, so that a Prometheus scrapes the end.
  double dashboard_linger_seconds = 0;
  /// Where the dashboard's *Inject failure* goes: the embedded sample service's fault switch,
  /// set for `--target embedded`; empty otherwise. Called on the dashboard's thread.
  std::function<void(const fraud_service::service_fault&)> dashboard_fault_sink;
  /** The fraud workload's business figures while the run goes on (live_business.hpp), on the
      run's thread: the latest interval's {business_metrics, hero_metrics, projections} for the
      live dashboard, and one point per interval for results.json's `business_series`. Null
      without a fraud workload. */
  nlohmann::json live_business;
  nlohmann::json business_series;
  /// The same latest figures as structs (`business`, `hero`, `billing`), for the live
  /// `presentation` (`run::derive_presentation`); empty without a fraud workload.
  stress_testing::run::presentation_inputs live_figures;
  /// `--alert-error-rate` and `--alert-p99-ms`: the thresholds of results.json's and the live
  /// page's `alerts`.
  stress_testing::run::alert_thresholds alerting;
  report_settings report_args;
  /// `--hdr-log FILE` ("" = none): the run's interval log, in HdrHistogram's format.
  std::string hdr_log_file;
};

}  // namespace stress_run

#endif
