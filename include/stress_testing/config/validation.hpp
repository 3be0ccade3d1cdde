#ifndef STRESS_TESTING_CONFIG_VALIDATION_HPP
#define STRESS_TESTING_CONFIG_VALIDATION_HPP

/** Semantic checks of configurations: the values a run cannot honour (negative rates, ramps
    longer than the test, failures outside the timeline). Every check runs; each failure is
    appended with its path, so a user fixes a file in one pass. Pure: std only. */

#include <stress_testing/config/problem.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace stress_testing {

/** Sanity limits on what a configuration may ask for (docs/security.md). Beyond them a value is a
    typing mistake or hostile input: a run that tried to honour it could not finish, or be
    stopped, in reasonable time, and its figures would mean nothing. */
namespace limits {
/// Requests/s of any rate field: 100× what one generator machine sends (docs/build.md benchmarks).
inline constexpr double max_rate_tps = 1'000'000;
/// A run's `duration_seconds`: a week-long soak.
inline constexpr double max_duration_seconds = 7 * 24 * 3600.0;
/// Virtual users of a `user_profile`: each holds a timer and a connection's worth of work.
inline constexpr std::int64_t max_users = 100'000;
/// Workloads of a mix: each has its own worker pool (threads, connections).
inline constexpr std::size_t max_workloads = 64;
/// A run's `duration_seconds`, also after scaling: shorter runs send nothing measurable.
inline constexpr double min_duration_seconds = 0.001;
/// Steps of a `user_profile.session`: each is a request plan per connection pool and a figure.
inline constexpr std::size_t max_session_steps = 64;
}  // namespace limits

/// The methods a session step may use (`session_step::method`, upper case as on the wire).
inline constexpr std::array<std::string_view, 7> session_step_methods{"GET", "HEAD", "POST", "PUT",
                                                                      "DELETE", "PATCH", "OPTIONS"};

namespace validation_detail {

inline std::string join(std::string const& base, std::string const& key) {
  return base.empty() ? key : base + "." + key;
}

inline std::string num(double v) {
  auto s = std::to_string(v);
  // to_string prints six decimals; trim the zeros a user did not write.
  if (auto dot = s.find('.'); dot != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace validation_detail

// Defined with the metric table (metrics/metric_names.hpp) and the criteria (criteria.hpp), so a
// criterion is checked where it is parsed; named here for the configuration's callers.
using metrics::unknown_metric_problem;
using stress_testing::scope_problem;

namespace validation_detail {

struct checker {
  std::vector<config_problem>& out;
  std::string const& base;

  void fail(std::string const& field, std::string reason) { out.push_back({join(base, field), std::move(reason)}); }
  bool finite(std::string const& field, double v) {
    if (std::isfinite(v)) return true;
    fail(field, "must be a finite number");
    return false;
  }
  void non_negative(std::string const& field, double v) {
    if (finite(field, v) && v < 0) fail(field, "must be >= 0, got " + num(v));
  }
  void positive(std::string const& field, double v) {
    if (finite(field, v) && v <= 0) fail(field, "must be > 0, got " + num(v));
  }
  void rate(std::string const& field, double v, bool must_be_positive = false) {
    if (!finite(field, v)) return;
    if (must_be_positive ? v <= 0 : v < 0) fail(field, std::string(must_be_positive ? "must be > 0" : "must be >= 0") + ", got " + num(v));
    else if (v > limits::max_rate_tps)
      fail(field, "must be <= " + num(limits::max_rate_tps) + " requests/s (the sanity limit), got " + num(v));
  }
  void run_duration(std::string const& field, double v) {
    if (!finite(field, v)) return;
    if (v < limits::min_duration_seconds)
      fail(field, "must be >= " + num(limits::min_duration_seconds) + " s, got " + num(v));
    else if (v > limits::max_duration_seconds)
      fail(field, "must be <= " + num(limits::max_duration_seconds) + " s (a week, the sanity limit), got " + num(v));
  }
  void fraction(std::string const& field, double v) {
    if (finite(field, v) && (v < 0 || v > 1)) fail(field, "must be between 0 and 1, got " + num(v));
  }
  void not_empty(std::string const& field, std::string const& v) {
    if (v.empty()) fail(field, "must not be empty");
  }
};

}  // namespace validation_detail

/// Checks a run configuration (`StressTestConfig`).
inline void validate(const stress_test_config& c, std::vector<config_problem>& problems, std::string const& path = {}) {
  validation_detail::checker k{problems, path};
  k.not_empty("test_id", c.test_id);
  k.not_empty("test_name", c.test_name);
  k.rate("target_tps", c.target_tps, true);
  k.run_duration("duration_seconds", c.duration_seconds);
  k.non_negative("ramp_up_seconds", c.ramp_up_seconds);
  k.non_negative("ramp_down_seconds", c.ramp_down_seconds);
  if (std::isfinite(c.duration_seconds) && c.ramp_up_seconds >= 0 && c.ramp_down_seconds >= 0 &&
      c.ramp_up_seconds + c.ramp_down_seconds > c.duration_seconds)
    k.fail("ramp_up_seconds", "ramp-up (" + validation_detail::num(c.ramp_up_seconds) + " s) plus ramp-down (" +
                                  validation_detail::num(c.ramp_down_seconds) + " s) is longer than duration_seconds (" +
                                  validation_detail::num(c.duration_seconds) + " s)");
  if (c.num_workers < 1 || c.num_workers > 1024)
    k.fail("num_workers", "must be between 1 and 1024, got " + std::to_string(c.num_workers));
  if (!parse_test_environment(c.test_environment))
    k.fail("test_environment", "must be one of dev, staging, production; got \"" + c.test_environment + "\"");
  k.fraction("max_error_rate", c.max_error_rate);
  k.positive("max_p99_latency_ms", c.max_p99_latency_ms);
  k.fraction("min_success_rate", c.min_success_rate);
  k.non_negative("max_cost_per_hour", c.max_cost_per_hour);
}

/** Checks a load profile against the duration it will run for (`duration_seconds` <= 0 skips
    the checks that need it, for a profile read on its own). Only the fields the profile's type
    uses are checked, so a SUSTAINED profile may keep the seed's default burst settings. */
inline void validate(const load_profile& p, std::vector<config_problem>& problems, std::string const& path,
                     double duration_seconds) {
  using validation_detail::num;
  validation_detail::checker k{problems, path};
  switch (p.profile_type) {
    case load_profile_type::sustained: k.rate("sustained_tps", p.sustained_tps); break;
    case load_profile_type::ramp_up: {
      k.rate("start_tps", p.start_tps);
      k.rate("peak_tps", p.peak_tps);
      k.rate("sustained_tps", p.sustained_tps);
      k.non_negative("ramp_up_seconds", p.ramp_up_seconds);
      k.non_negative("ramp_down_seconds", p.ramp_down_seconds);
      if (p.peak_hold_seconds) k.non_negative("peak_hold_seconds", *p.peak_hold_seconds);
      double const phases = p.ramp_up_seconds + p.ramp_down_seconds + p.peak_hold_seconds.value_or(0.0);
      if (duration_seconds > 0 && std::isfinite(phases) && phases > duration_seconds)
        k.fail("ramp_up_seconds", "ramp-up, peak hold and ramp-down take " + num(phases) +
                                      " s, longer than the scenario's duration_seconds (" + num(duration_seconds) + " s)");
      break;
    }
    case load_profile_type::burst:
      k.rate("sustained_tps", p.sustained_tps);
      k.rate("burst_tps", p.burst_tps);
      k.positive("burst_duration_seconds", p.burst_duration_seconds);
      k.positive("burst_interval_seconds", p.burst_interval_seconds);
      if (p.burst_duration_seconds > p.burst_interval_seconds)
        k.fail("burst_duration_seconds", "must not exceed burst_interval_seconds (" + num(p.burst_interval_seconds) + ")");
      break;
    case load_profile_type::wave:  // an amplitude above the mean is clamped at 0 (profile::wave)
      k.rate("sustained_tps", p.sustained_tps);
      k.rate("wave_amplitude", p.wave_amplitude);
      k.positive("wave_period_seconds", p.wave_period_seconds);
      break;
    case load_profile_type::chaos:
      k.rate("chaos_min_tps", p.chaos_min_tps);
      k.rate("chaos_max_tps", p.chaos_max_tps);
      k.positive("chaos_change_interval_seconds", p.chaos_change_interval_seconds);
      if (p.chaos_min_tps > p.chaos_max_tps)
        k.fail("chaos_min_tps", "must not exceed chaos_max_tps (" + num(p.chaos_max_tps) + ")");
      break;
  }
}

/// Checks a load profile read on its own (no scenario duration known).
inline void validate(const load_profile& p, std::vector<config_problem>& problems, std::string const& path = {}) {
  validate(p, problems, path, 0.0);
}

/** Checks a closed population; `duration_seconds` > 0 also checks its ramp fits the run. Only
    the think-time fields of its distribution are checked. */
inline void validate(const user_profile& u, std::vector<config_problem>& problems, std::string const& path,
                     double duration_seconds) {
  using validation_detail::num;
  validation_detail::checker k{problems, path};
  auto users = [&k](std::string const& field, std::int64_t n, std::int64_t least) {
    if (n < least || n > limits::max_users)
      k.fail(field, "must be between " + std::to_string(least) + " and " + std::to_string(limits::max_users) +
                        " (the sanity limit), got " + std::to_string(n));
  };
  if (u.stages.empty()) {
    users("users", u.users, 1);
    k.non_negative("ramp_up_seconds", u.ramp_up_seconds);
    if (duration_seconds > 0 && u.ramp_up_seconds > duration_seconds)
      k.fail("ramp_up_seconds", "must not exceed the scenario's duration_seconds (" + num(duration_seconds) + " s), got " +
                                    num(u.ramp_up_seconds));
  } else {
    double total = 0;
    std::int64_t peak = 0;
    for (std::size_t i = 0; i < u.stages.size(); ++i) {
      auto const field = "stages[" + std::to_string(i) + "]";
      k.non_negative(field + ".duration_seconds", u.stages[i].duration_seconds);
      users(field + ".target_users", u.stages[i].target_users, 0);
      total += u.stages[i].duration_seconds;
      peak = std::max(peak, u.stages[i].target_users);
    }
    if (peak < 1) k.fail("stages", "need a stage with target_users >= 1");
    if (duration_seconds > 0 && std::isfinite(total) && total > duration_seconds)
      k.fail("stages", "take " + num(total) + " s, longer than the scenario's duration_seconds (" + num(duration_seconds) + " s)");
  }
  switch (u.think_time_distribution) {
    case think_time_distribution::fixed: k.non_negative("think_time_seconds", u.think_time_seconds); break;
    case think_time_distribution::exponential: k.positive("think_time_seconds", u.think_time_seconds); break;
    case think_time_distribution::uniform:
      k.non_negative("think_time_min_seconds", u.think_time_min_seconds);
      k.non_negative("think_time_max_seconds", u.think_time_max_seconds);
      if (u.think_time_max_seconds < u.think_time_min_seconds)
        k.fail("think_time_max_seconds", "must be >= think_time_min_seconds (" + num(u.think_time_min_seconds) + "), got " +
                                             num(u.think_time_max_seconds));
      break;
  }
  k.non_negative("nominal_response_time_ms", u.nominal_response_time_ms);
  if (u.session.size() > limits::max_session_steps)
    k.fail("session", "has " + std::to_string(u.session.size()) + " steps, more than " +
                          std::to_string(limits::max_session_steps) + " (the sanity limit)");
  for (std::size_t i = 0; i < u.session.size(); ++i) {
    auto const& st = u.session[i];
    auto const field = "session[" + std::to_string(i) + "]";
    k.not_empty(field + ".name", st.name);
    for (std::size_t j = 0; j < i; ++j)
      if (!st.name.empty() && u.session[j].name == st.name)
        k.fail(field + ".name", "'" + st.name + "' is also session[" + std::to_string(j) + "]'s name");
    if (std::find(session_step_methods.begin(), session_step_methods.end(), st.method) == session_step_methods.end())
      k.fail(field + ".method", "unknown '" + st.method + "' (GET, HEAD, POST, PUT, DELETE, PATCH or OPTIONS)");
    if (!st.path.empty() && !st.path.starts_with('/') && !st.path.starts_with("http://") &&
        !st.path.starts_with("https://"))
      k.fail(field + ".path", "must start with '/' or be an http:// or https:// URL, got '" + st.path + "'");
    if (st.body && st.body_generator) k.fail(field + ".body", "give a body or a body_generator, not both");
    if (st.body_generator && st.body_generator->empty()) k.fail(field + ".body_generator", "must not be empty");
    if (st.think_time_seconds) k.non_negative(field + ".think_time_seconds", *st.think_time_seconds);
    if (st.nominal_response_time_ms) k.non_negative(field + ".nominal_response_time_ms", *st.nominal_response_time_ms);
  }
}

inline void validate(const user_profile& u, std::vector<config_problem>& problems, std::string const& path = {}) {
  validate(u, problems, path, 0.0);
}

/// Checks one failure injection; `duration_seconds` > 0 also checks it fits the timeline.
inline void validate(const failure_scenario& f, std::vector<config_problem>& problems, std::string const& path,
                     double duration_seconds) {
  using validation_detail::num;
  validation_detail::checker k{problems, path};
  k.non_negative("start_time_seconds", f.start_time_seconds);
  k.positive("duration_seconds", f.duration_seconds);
  k.fraction("severity", f.severity);
  if (duration_seconds > 0 && f.start_time_seconds + f.duration_seconds > duration_seconds)
    k.fail("duration_seconds", "the failure ends at " + num(f.start_time_seconds + f.duration_seconds) +
                                   " s, after the scenario ends (" + num(duration_seconds) + " s)");
}

inline void validate(const failure_scenario& f, std::vector<config_problem>& problems, std::string const& path = {}) {
  validate(f, problems, path, 0.0);
}

/** Checks what a workload sends, as far as a host-independent check can: a method is an HTTP
    token of capitals, a URL a path or an http(s) URL. The generator is the host's to check. */
inline void validate(const workload_request& r, std::vector<config_problem>& problems, std::string const& path = {}) {
  validation_detail::checker k{problems, path};
  if (!r.method.empty() &&
      !std::all_of(r.method.begin(), r.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    k.fail("method", "must be an HTTP method in capitals (GET, POST, ...), got \"" + r.method + "\"");
  if (!r.url.empty() && !r.url.starts_with("/") && !r.url.starts_with("http://") && !r.url.starts_with("https://"))
    k.fail("url", "must be a path (/v1/...) relative to the target, or an http(s) URL, got \"" + r.url + "\"");
}

/** Checks a scenario's `workloads`: unique valid names, exactly one load each (open or closed),
    each load against the run's duration, and what each sends. */
inline void validate_workloads(const test_scenario& s, std::vector<config_problem>& problems, std::string const& path,
                               double duration_seconds) {
  using validation_detail::join;
  validation_detail::checker k{problems, path};
  if (s.workloads.empty()) return;
  if (s.workloads.size() > limits::max_workloads)
    k.fail("workloads", "at most " + std::to_string(limits::max_workloads) + " workloads, got " + std::to_string(s.workloads.size()));
  if (s.user_profile)
    k.fail("user_profile", "must be empty in a scenario with workloads: give the workload that has these users its own "
                           "user_profile");
  for (std::size_t i = 0; i < s.workloads.size(); ++i) {
    auto const& w = s.workloads[i];
    auto const at = "workloads[" + std::to_string(i) + "]";
    if (!valid_workload_name(w.name)) {
      k.fail(at + ".name", "must be 1 to 64 letters, digits, '_', '-' or '.', got \"" + w.name + "\"");
    } else {
      for (std::size_t j = 0; j < i; ++j)
        if (s.workloads[j].name == w.name) {
          k.fail(at + ".name", "duplicate: workloads[" + std::to_string(j) + "] is also \"" + w.name + "\"");
          break;
        }
    }
    if (w.load_profile && w.user_profile)
      k.fail(at, "has both a load_profile and a user_profile: a workload is open (arrival rates) or closed (users), "
                 "give one");
    else if (!w.load_profile && !w.user_profile)
      k.fail(at, "needs a load_profile (arrival rates) or a user_profile (virtual users)");
    if (w.load_profile) validate(*w.load_profile, problems, join(join(path, at), "load_profile"), duration_seconds);
    if (w.user_profile) validate(*w.user_profile, problems, join(join(path, at), "user_profile"), duration_seconds);
    // A workload sends its one `request`; the steps of a session would all go to it, each
    // reported as its own step: refused until a workload's target can send per-step requests.
    if (w.user_profile && !w.user_profile->session.empty())
      k.fail(at + ".user_profile.session", "not supported in a workload yet: a workload sends its one request");
    validate(w.request, problems, join(join(path, at), "request"));
  }
}

/// Checks a whole scenario: its profile and failures against its duration, and its criteria.
inline void validate(const test_scenario& s, std::vector<config_problem>& problems, std::string const& path = {}) {
  validation_detail::checker k{problems, path};
  k.not_empty("scenario_id", s.scenario_id);
  k.run_duration("duration_seconds", s.duration_seconds);
  double const d = std::isfinite(s.duration_seconds) && s.duration_seconds > 0 ? s.duration_seconds : 0.0;
  validate(s.load_profile, problems, validation_detail::join(path, "load_profile"), d);
  if (s.user_profile) validate(*s.user_profile, problems, validation_detail::join(path, "user_profile"), d);
  validate_workloads(s, problems, path, d);
  for (std::size_t i = 0; i < s.failure_scenarios.size(); ++i)
    validate(s.failure_scenarios[i], problems,
             validation_detail::join(path, "failure_scenarios[" + std::to_string(i) + "]"), d);
  for (std::size_t i = 0; i < s.success_criteria.size(); ++i) {
    auto const field = "success_criteria[" + std::to_string(i) + "]";
    auto const& metric = s.success_criteria[i].metric;
    k.finite(field, s.success_criteria[i].threshold);
    if (auto unknown = unknown_metric_problem(metric)) k.fail(field, *std::move(unknown));
    else if (auto scoped = scope_problem(s.success_criteria[i])) k.fail(field, *std::move(scoped));
    if (auto const& name = s.success_criteria[i].workload; !name.empty() &&
        std::none_of(s.workloads.begin(), s.workloads.end(), [&name](const workload& w) { return w.name == name; })) {
      std::string known;
      for (auto const& w : s.workloads) known += (known.empty() ? "" : ", ") + w.name;
      k.fail(field + ".workload", "unknown workload \"" + name + "\" (" +
                                      (known.empty() ? std::string("the scenario has no workloads") : "its workloads: " + known) + ")");
    }
  }
}

/// Throwing helper: `config_error` when `validate` finds anything.
template <class T>
void validate_or_throw(const T& v, std::string const& source = {}) {
  std::vector<config_problem> problems;
  validate(v, problems);
  if (!problems.empty()) throw config_error(source, std::move(problems));
}

}  // namespace stress_testing

#endif
