#ifndef STRESS_TESTING_CONFIG_RUN_CONFIG_HPP
#define STRESS_TESTING_CONFIG_RUN_CONFIG_HPP

/** A `StressTestConfig` (`stress_test_config`) applied to a run, field by field: what each field
    changes, or a problem naming the field when it cannot be honoured, so no field is silently
    ignored. docs/configuration.md's table is the description of this mapping; its test checks
    every field of the model is in the table. Pure layer: std only.

    The config's load fields against a scenario's profile: the scenario keeps its shape, and the
    config sets its size: `target_tps` becomes the profile's peak (`profile_peak_tps`) and
    `duration_seconds` its length, both by scaling (`scale_scenario`: failures and windows move
    with the time), then the config's ramps replace a RAMP_UP profile's. Without a scenario, the
    config describes its own run (`scenario_from_config`). */

#include <stress_testing/config/problem.hpp>
#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/config/validation.hpp>
#include <stress_testing/criteria.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing {

/** The highest rate a load profile's model names: SUSTAINED its rate; RAMP_UP the highest of
    start, peak and sustained; BURST the higher of the baseline and the burst; WAVE the mean plus
    the amplitude; CHAOS its maximum. What a config's `target_tps` sets. */
inline double profile_peak_tps(const load_profile& p) {
  switch (p.profile_type) {
    case load_profile_type::sustained: return p.sustained_tps;
    case load_profile_type::ramp_up: return std::max({p.start_tps, p.peak_tps, p.sustained_tps});
    case load_profile_type::burst: return std::max(p.sustained_tps, p.burst_tps);
    case load_profile_type::wave: return p.sustained_tps + p.wave_amplitude;
    case load_profile_type::chaos: return p.chaos_max_tps;
  }
  return 0;
}

/** The run a config describes on its own: RAMP_UP from 0 to `target_tps` over `ramp_up_seconds`,
    held, and back to 0 over `ramp_down_seconds`, for `duration_seconds`; no failures; named after
    the config (`scenario_id` = `test_id`). Its criteria come from `apply_config`. */
inline test_scenario scenario_from_config(const stress_test_config& c) {
  test_scenario s;
  s.scenario_id = c.test_id;
  s.name = c.test_name;
  s.description = c.description;
  s.duration_seconds = c.duration_seconds;
  auto& p = s.load_profile;
  p.profile_type = load_profile_type::ramp_up;
  p.start_tps = 0;
  p.peak_tps = c.target_tps;
  p.sustained_tps = c.target_tps;
  p.ramp_up_seconds = c.ramp_up_seconds;
  p.ramp_down_seconds = c.ramp_down_seconds;
  p.peak_hold_seconds.reset();
  s.success_criteria.clear();
  return s;
}

/// What the command line already set: a config field that would change it is refused (one source per setting).
struct config_overrides {
  bool time_scale = false;         ///< --time-scale given (conflicts with duration_seconds)
  bool load_scale = false;         ///< --load-scale given (conflicts with target_tps)
  bool environment = false;        ///< --env given (conflicts with test_environment)
  bool workers = false;            ///< --threads/--workers given (conflicts with num_workers)
  bool no_faults = false;          ///< --no-faults given (conflicts with enable_failure_injection true)
  bool live_dashboard = false;     ///< --dashboard given (conflicts with enable_real_time_metrics false)
};

/// The run as the config shapes it (docs/configuration.md).
struct configured_run {
  test_scenario scenario;  ///< scaled, ramps set, the config's criteria added, named
  std::size_t workers = 0;            ///< the generator's threads (`num_workers`)
  bool inject_failures = false;       ///< `enable_failure_injection`
  bool live_lines = true;             ///< `enable_real_time_metrics`: a line per interval
  test_environment environment = test_environment::dev;  ///< `test_environment`: its load factor applied
};

/** Applies `c` to `base` (a scenario, or `scenario_from_config(c)`), validating `c` first. On any
    problem returns nullopt with every problem appended, each naming the config's field. The
    environment's load factor is applied after `target_tps` (as `--env` is after `--load-scale`),
    so `target_tps` is the production peak and `dev` runs a tenth of it. */
inline std::optional<configured_run> apply_config(const stress_test_config& c, test_scenario base,
                                                  const config_overrides& given, std::vector<config_problem>& problems) {
  std::size_t const before = problems.size();
  validate(c, problems);
  auto refuse = [&](const char* field, std::string why) { problems.push_back({field, std::move(why)}); };
  double const peak = profile_peak_tps(base.load_profile);
  if (given.load_scale) refuse("target_tps", "--load-scale also sets the rate: give one of them");
  else if (!(peak > 0)) refuse("target_tps", "the scenario's profile has no peak rate to scale to it");
  if (given.time_scale) refuse("duration_seconds", "--time-scale also sets the length: give one of them");
  else if (!(base.duration_seconds > 0)) refuse("duration_seconds", "the scenario has no length to scale to it");
  bool const ramps = base.load_profile.profile_type == load_profile_type::ramp_up;
  if (!ramps && c.ramp_up_seconds != 0)
    refuse("ramp_up_seconds", "the scenario's profile (" + std::string(to_string(base.load_profile.profile_type)) +
                                  ") has no ramp: set 0, or run a RAMP_UP scenario or the config alone");
  if (!ramps && c.ramp_down_seconds != 0)
    refuse("ramp_down_seconds", "the scenario's profile (" + std::string(to_string(base.load_profile.profile_type)) +
                                    ") has no ramp: set 0, or run a RAMP_UP scenario or the config alone");
  if (given.workers) refuse("num_workers", "--threads (or --workers) also sets the generator's threads: give one of them");
  if (given.environment) refuse("test_environment", "--env also sets it: give one of them");
  if (given.no_faults && c.enable_failure_injection)
    refuse("enable_failure_injection", "true, but --no-faults was given: give one of them");
  if (given.live_dashboard && !c.enable_real_time_metrics)
    refuse("enable_real_time_metrics", "false, but --dashboard asks for live metrics: give one of them");
  if (c.enable_presentation_mode)
    refuse("enable_presentation_mode",
           "true is not honoured: no presentation mode is switched on from a file (every run's results.json has its "
           "`presentation`; the page's Present button or ?present is the presenter mode); set false");
  if (c.max_cost_per_hour != 0)
    refuse("max_cost_per_hour",
           "a limit is not honoured: a run has no live cost figure to check it against; set 0 (no limit)");
  if (c.auto_stop_on_budget_exceed)
    refuse("auto_stop_on_budget_exceed", "true needs a cost limit, which is not honoured (max_cost_per_hour); set false");
  if (problems.size() != before) return std::nullopt;

  configured_run r;
  auto const env = *parse_test_environment(c.test_environment);
  double const time_scale = c.duration_seconds / base.duration_seconds;
  double const load_scale = c.target_tps / peak;
  test_scenario s = scale_scenario(std::move(base), time_scale, load_scale);
  if (ramps) {
    s.load_profile.ramp_up_seconds = c.ramp_up_seconds;
    s.load_profile.ramp_down_seconds = c.ramp_down_seconds;
  }
  s = apply_environment(std::move(s), env);
  if (!c.test_name.empty()) s.name = c.test_name;
  if (!c.description.empty()) s.description = c.description;
  auto add = [&](const char* metric, comparison op, double threshold, const char* field) {
    criterion k;
    k.metric = metric;
    k.op = op;
    k.threshold = threshold;
    k.description = std::string("config ") + field;
    s.success_criteria.push_back(std::move(k));
  };
  add("error_rate", comparison::less_equal, c.max_error_rate, "max_error_rate");
  add("p99_response_time_ms", comparison::less_equal, c.max_p99_latency_ms, "max_p99_latency_ms");
  add("success_rate", comparison::greater_equal, c.min_success_rate, "min_success_rate");
  r.scenario = std::move(s);
  r.workers = static_cast<std::size_t>(c.num_workers);
  r.inject_failures = c.enable_failure_injection;
  r.live_lines = c.enable_real_time_metrics;
  r.environment = env;
  return r;
}

}  // namespace stress_testing

#endif
