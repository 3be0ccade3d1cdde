// The one place stress-run runs a scenario (run_engine.cpp): every mode hands it a factory of
// type-erased targets, so the orchestrator (st::run::async_run) is instantiated once for the
// whole program instead of once per kind of target.
#ifndef STRESS_RUN_RUN_ENGINE_HPP
#define STRESS_RUN_RUN_ENGINE_HPP

#include "app.hpp"

#include <stress_testing/models.hpp>
#include <stress_testing/run/capacity.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/run/result.hpp>
#include <stress_testing/target/any_target.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace stress_run {

/// Worker `index`'s target, created on that worker's executor.
using target_factory_fn =
    std::function<stress_testing::target::any_target(boost::asio::any_io_executor, std::size_t index)>;

/** A mix's targets (`test_scenario::workloads`): worker `index`'s target for `workload`. The one
    factory type the engine is instantiated with; a `target_factory_fn` is called for every
    workload alike. */
using workload_factory_fn = std::function<stress_testing::target::any_target(
    boost::asio::any_io_executor, std::size_t index, const stress_testing::workload& workload)>;

/// Adds what the target and the workload gathered to the result before it is written.
using result_finisher = std::function<void(stress_testing::run::run_result&)>;

/** Runs `scenario` with targets from `factory`, prints live lines and the summary, serves the
    live dashboard when `ctx.dashboard_address` is set, writes `out_dir/results.json` (with
    junit.xml and report.html next to it). Ctrl-C (SIGINT, SIGTERM) stops gracefully and still
    writes the results. Returns the process exit code. */
int run_and_report(app_context& ctx, const stress_testing::test_scenario& scenario, target_factory_fn factory,
                   stress_testing::run::run_options options, const std::string& out_dir,
                   const result_finisher& finish);
/// As above, with a target per workload of a mix.
int run_and_report(app_context& ctx, const stress_testing::test_scenario& scenario, workload_factory_fn factory,
                   stress_testing::run::run_options options, const std::string& out_dir,
                   const result_finisher& finish);

/** The steps of one capacity search (`stress-run capacity`, cmd_capacity.cpp), held with the same
    orchestrator instantiation as `run_and_report`. Ctrl-C (SIGINT, SIGTERM) is caught from
    construction to destruction, so it never kills the search between steps: during a step it
    stops the step as in a run (the measurement is `cancelled`), during `drain` it ends the pause,
    and once seen every later `run_step` returns a `cancelled` measurement at once. The search then
    ends with the steps done, and the caller writes them. */
class capacity_session {
 public:
  capacity_session();
  ~capacity_session();
  capacity_session(const capacity_session&) = delete;
  capacity_session& operator=(const capacity_session&) = delete;

  /** Holds `base` at `plan.rate` for `plan.duration` (st::run::prepare_step, sampled every
      `interval`, 0: a tenth of the step). Throws `std::invalid_argument` with the reasons when
      the run cannot start. */
  stress_testing::run::step_measurement run_step(const stress_testing::test_scenario& base, target_factory_fn factory,
                                                 stress_testing::run::run_options options,
                                                 const stress_testing::run::step_plan& plan,
                                                 std::chrono::nanoseconds interval);
  /// Idles `pause` for the target to drain; Ctrl-C ends it early.
  void drain(std::chrono::nanoseconds pause);
  /// Ctrl-C was seen.
  bool interrupted() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace stress_run

#endif
