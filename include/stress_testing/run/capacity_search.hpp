#ifndef STRESS_TESTING_RUN_CAPACITY_SEARCH_HPP
#define STRESS_TESTING_RUN_CAPACITY_SEARCH_HPP

/** The capacity search against a real target: each step of `run/capacity.hpp`'s search is a run
    of the orchestrator (`run/orchestrator.hpp`) at a constant open-model rate, its interval
    snapshots split into halves for the drift check, followed by a pause for the target to drain.
    docs/capacity.md describes the search and its output. */

#include <stress_testing/models.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/run/capacity.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/run/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

namespace stress_testing::run {

/** One step ready to run: the scenario (a constant rate for the step's duration, no criteria:
    the search judges them), the run's options (the profile, the interval: `interval` when given
    (`capacity_options::interval`), else a tenth of the step so its middle is an interval
    boundary, and an `on_interval` that feeds `halves` before calling the caller's), and the
    halves to finish the measurement with (`finish_step`). */
struct prepared_step {
  test_scenario scenario;
  run_options options;
  std::shared_ptr<step_halves> halves;
};

/// Prepares `plan` from the caller's scenario (its name, seed, failures) and run options.
inline prepared_step prepare_step(const test_scenario& base, run_options options, const step_plan& plan,
                                  std::chrono::nanoseconds interval = {}) {
  prepared_step p;
  p.scenario = base;
  if (p.scenario.scenario_id.empty()) p.scenario.scenario_id = "capacity";
  double const seconds = std::chrono::duration<double>(plan.duration).count();
  p.scenario.name = p.scenario.scenario_id + " step " + std::to_string(plan.index + 1);
  p.scenario.duration_seconds = seconds;
  p.scenario.load_profile.profile_type = load_profile_type::sustained;
  p.scenario.load_profile.sustained_tps = plan.rate;
  p.scenario.load_profile.peak_tps = plan.rate;
  p.scenario.success_criteria.clear();
  options.profile = profile::constant_rate(plan.rate, seconds);
  options.interval = interval > std::chrono::nanoseconds::zero() ? interval : plan.duration / 10;
  p.halves = std::make_shared<step_halves>(plan.duration / 2, plan.duration, options.pool.histograms);
  options.on_interval = [halves = p.halves, user = std::move(options.on_interval)](const interval_progress& i) {
    halves->add(i.snapshot, i.interval.end);
    if (user) user(i);
  };
  p.options = std::move(options);
  return p;
}

/// The measurement of a finished step: the run's histograms and accounting, and the halves.
inline step_measurement finish_step(run_result&& r, step_halves& halves) {
  step_measurement m;
  m.whole = std::move(r.histograms);
  m.accounting = r.accounting;
  m.generator_reason = std::move(r.generator_reason);
  m.cancelled = r.status == test_status::cancelled;
  halves.into(m);
  return m;
}

/** Holds `plan.rate` against the targets `factory` builds, blocking until the run ends (no drain
    pause: `find_capacity` adds it). Throws `boost::system::system_error` when the run cannot start. */
template <load::target_factory TargetFactory>
step_measurement measure_step(TargetFactory factory, const test_scenario& base, run_options options,
                              const step_plan& plan, std::chrono::nanoseconds interval = {}) {
  auto p = prepare_step(base, std::move(options), plan, interval);
  return finish_step(run_blocking(std::move(p.scenario), std::move(factory), std::move(p.options)), *p.halves);
}

/** Searches the highest rate at which targets made by `factory` (copied for each step) meet
    `options.slos` (run/capacity.hpp, docs/capacity.md), blocking: each step is a run of
    `options.step_duration` (longer when extended), then `options.drain` of idleness. `base` and
    `run` give what every step shares (workers, timeouts, generator limits, failures);
    `on_step` sees each step as recorded. Throws `std::invalid_argument` for invalid options. */
template <load::target_factory TargetFactory>
capacity_result find_capacity(const TargetFactory& factory, const capacity_options& options,
                              const test_scenario& base = {}, const run_options& run = {},
                              const std::function<void(const capacity_step&)>& on_step = {}) {
  return search_capacity(
      options,
      [&](const step_plan& plan) {
        auto m = measure_step(factory, base, run, plan, options.interval);
        std::this_thread::sleep_for(options.drain);
        return m;
      },
      [&](const capacity_step& s) {
        if (on_step) on_step(s);
      });
}

}  // namespace stress_testing::run

#endif
