#ifndef STRESS_TESTING_FAULT_FAILURE_MODEL_HPP
#define STRESS_TESTING_FAULT_FAILURE_MODEL_HPP

/** The one failure model (DESIGN.md §4): what each of the seed's failure types does, as
    magnitudes, before any site is chosen. Every site — the client decorator (`fault/recipes.hpp`
    → `fault/inject.hpp`), the fault proxy (`fault/proxy/site.hpp`), a service and its agents
    (`service_effects_of`, `agent_effects_of` below, applied by the service) — reads this table
    and nothing else. Pure: std only.

    Severity s in [0, 1]; the failure's window is [a, b) on the run's timeline (seconds since the
    first intended instant).

    | failure_type       | effect                                                                   |
    |--------------------|--------------------------------------------------------------------------|
    | LAMBDA_CRASH       | 502 on a fraction s; then, when the parameters give `cold_start_seconds`, a cold start that long: + `cold_start_ms` (default 200 + 2,800·s) on every request |
    | LAMBDA_COLD_START  | + (200 + 2,800·s) ms on every request                                     |
    | DYNAMODB_THROTTLE  | 503 + Retry-After on a fraction s (counted `throttled`)                    |
    | BEDROCK_RATE_LIMIT | 429 + Retry-After on a fraction s (counted `throttled`)                    |
    | AGENT_FAILURE      | 500 on a fraction s                                                       |
    | NETWORK_LATENCY    | + `latency_ms` (default 50 + 450·s) ms on every request                   |
    | KINESIS_LAG        | + long tail: median m = 100 + 900·s ms, p99 4·m, every request            |
    | AGENT_TIMEOUT      | + (100 + 4,900·s) ms on a fraction s                                      |
    | NETWORK_PARTITION  | no answer (black hole) on a fraction s                                    |
    | MEMORY_PRESSURE    | + long tail: median m = 20 + 180·s ms, p99 10·m, every request; 500 on s / 10 |
    | CASCADING_FAILURE  | over [a, b): long tail median max(1, 100·s) ms, p99 4×; plus 503 on s / 2 over the middle third, then 502 on s over the last third |

    Where a site cannot represent an effect exactly, it says so here (`site_note`), and the
    test `tests/unit/fault/failure_model.cpp` checks every site against this table:

    | site    | differences from the table                                                        |
    |---------|-----------------------------------------------------------------------------------|
    | client  | none: every shape, fractions per request, decided on the request's intended time   |
    | proxy   | fractions of latency and black holes pick connections, not requests (keep-alive: a connection carries every request it serves); a long tail becomes uniform m ± m/2; switches at the instant, so a request sent before a change and answered after it sees the change |
    | service | one added latency for every request: a long tail adds its median, a fraction < 1 of latency adds to every request; no black hole (NETWORK_PARTITION is refused) |
    | agent   | an error fails the agent's call (its vote is dropped, the decision is degraded) with the same probability, and a fraction ≥ 1 or a black hole takes the agent down; latency as at the service |

    Overlapping failures combine: error fractions as independent events (the first failure's
    status is reported), latencies add. */

#include <stress_testing/models.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace stress_testing::fault {

/// How an added latency is distributed.
enum class delay_shape : std::uint8_t {
  fixed,     ///< exactly `ms`
  uniform,   ///< uniform in [`ms`, `max_ms`]
  long_tail  ///< log-normal with median `ms` and 99th percentile `max_ms`
};

/// The kinds of place a failure can be injected at (see the table above).
enum class site_kind : std::uint8_t { client, proxy, service, agent };

/** One phase of a failure's effect, on the run's timeline: requests in [start, end) fail with
    `status` on a fraction `error_fraction`, are delayed on a fraction `latency_fraction`, or are
    never answered on a fraction `black_hole_fraction`. A failure has one or more phases. */
struct failure_effect {
  double start_seconds = 0;
  double end_seconds = 0;
  double error_fraction = 0;
  unsigned status = 0;        ///< 0 when `error_fraction` is 0
  bool retry_after = false;   ///< the answer carries `Retry-After` (throttling)
  double latency_fraction = 0;
  delay_shape latency_shape = delay_shape::fixed;
  double latency_ms = 0;      ///< fixed value, uniform minimum, or long-tail median
  double latency_max_ms = 0;  ///< uniform maximum, or long-tail 99th percentile
  double black_hole_fraction = 0;

  bool active_at(double t) const noexcept { return t >= start_seconds && t < end_seconds; }
  friend bool operator==(const failure_effect&, const failure_effect&) = default;
};

/// A numeric parameter of a failure (`"latency_ms": 500`), if it is there and a number.
inline std::optional<double> number_parameter(const failure_scenario& f, const std::string& name) {
  auto it = f.parameters.find(name);
  if (it == f.parameters.end()) return std::nullopt;
  if (auto const* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  if (auto const* d = std::get_if<double>(&it->second)) return *d;
  return std::nullopt;
}

/// The phases of failure `f`: the table above, site-independent.
inline std::vector<failure_effect> effects_of(const failure_scenario& f) {
  double const s = std::clamp(f.severity, 0.0, 1.0);
  double const a = f.start_time_seconds;
  double const b = f.start_time_seconds + f.duration_seconds;
  std::vector<failure_effect> out;
  if (!(f.duration_seconds > 0)) return out;
  auto errors = [&](double from, double to, double fraction, unsigned status, bool retry_after = false) {
    failure_effect e;
    e.start_seconds = from;
    e.end_seconds = to;
    e.error_fraction = std::clamp(fraction, 0.0, 1.0);
    e.status = status;
    e.retry_after = retry_after;
    out.push_back(e);
    return &out.back();
  };
  auto latency = [&](double from, double to, double fraction, delay_shape shape, double ms, double max_ms) {
    failure_effect e;
    e.start_seconds = from;
    e.end_seconds = to;
    e.latency_fraction = std::clamp(fraction, 0.0, 1.0);
    e.latency_shape = shape;
    e.latency_ms = ms;
    e.latency_max_ms = shape == delay_shape::fixed ? ms : max_ms;
    out.push_back(e);
    return &out.back();
  };
  switch (f.failure_type) {
    case failure_type::lambda_crash: {
      errors(a, b, s, 502);
      double const cold = number_parameter(f, "cold_start_seconds").value_or(0.0);
      if (cold > 0)
        latency(b, b + cold, 1, delay_shape::fixed,
                std::max(0.0, number_parameter(f, "cold_start_ms").value_or(200 + 2800 * s)), 0);
      break;
    }
    case failure_type::lambda_cold_start: latency(a, b, 1, delay_shape::fixed, 200 + 2800 * s, 0); break;
    case failure_type::dynamodb_throttle: errors(a, b, s, 503, true); break;
    case failure_type::bedrock_rate_limit: errors(a, b, s, 429, true); break;
    case failure_type::agent_failure: errors(a, b, s, 500); break;
    case failure_type::network_latency: {
      double ms = number_parameter(f, "latency_ms").value_or(50 + 450 * s);
      latency(a, b, 1, delay_shape::fixed, std::max(0.0, ms), 0);
      break;
    }
    case failure_type::kinesis_lag: {
      double const m = 100 + 900 * s;
      latency(a, b, 1, delay_shape::long_tail, m, 4 * m);
      break;
    }
    case failure_type::agent_timeout: latency(a, b, s, delay_shape::fixed, 100 + 4900 * s, 0); break;
    case failure_type::network_partition: {
      failure_effect e;
      e.start_seconds = a;
      e.end_seconds = b;
      e.black_hole_fraction = s;
      out.push_back(e);
      break;
    }
    case failure_type::memory_pressure: {
      double const m = 20 + 180 * s;
      auto* e = latency(a, b, 1, delay_shape::long_tail, m, 10 * m);
      e->error_fraction = s / 10;
      e->status = 500;
      break;
    }
    case failure_type::cascading_failure: {
      double const third = (b - a) / 3;
      double const m = std::max(1.0, 100 * s);
      latency(a, b, 1, delay_shape::long_tail, m, 4 * m);
      errors(a + third, a + 2 * third, s / 2, 503, true);
      errors(a + 2 * third, b, s, 502);
      break;
    }
  }
  return out;
}

/** Why `type` cannot be injected at a site of kind `kind` (empty: it can). Only a black hole has
    no meaning inside a service: a service that swallows requests is a network fault. */
inline std::string refusal(failure_type type, site_kind kind) {
  if (kind == site_kind::service && type == failure_type::network_partition)
    return "NETWORK_PARTITION has no recipe inside the service (a black hole is a network fault); inject it at "
           "the client or the proxy";
  return {};
}

/** A failure placed at a site: `index` is its position in the scenario's `failure_scenarios`,
    `component` the `target_component` it was placed at ("client", "proxy", "service", an agent's
    name, or a name a host registered). */
struct placed_failure {
  std::size_t index = 0;
  failure_scenario failure;
  std::string component;
  std::vector<failure_effect> effects;
};

/// An effect of a placed failure, active at the instant a site is told about.
struct active_effect {
  const placed_failure* failure;
  const failure_effect* effect;
};

/// The effects of `failures` active at `t` whose component is `component` (every one when empty).
inline std::vector<active_effect> active_at(std::span<const placed_failure> failures, double t,
                                            std::string_view component = {}) {
  std::vector<active_effect> out;
  for (auto const& p : failures) {
    if (!component.empty() && p.component != component) continue;
    for (auto const& e : p.effects)
      if (e.active_at(t)) out.push_back({&p, &e});
  }
  return out;
}

/// Every instant at which the active effects of `failures` may change, sorted, unique.
inline std::vector<double> change_times(std::span<const placed_failure> failures) {
  std::vector<double> ts;
  for (auto const& p : failures)
    for (auto const& e : p.effects) {
      ts.push_back(e.start_seconds);
      ts.push_back(e.end_seconds);
    }
  std::sort(ts.begin(), ts.end());
  ts.erase(std::unique(ts.begin(), ts.end()), ts.end());
  return ts;
}

/// What a whole service does while `active` effects hold (the service row of the table).
struct service_effects {
  double error_rate = 0;   ///< fraction of requests answered `status` at once
  unsigned status = 502;   ///< the first active failure's status
  bool retry_after = false;
  double extra_latency_ms = 0;  ///< added to every other request

  friend bool operator==(const service_effects&, const service_effects&) = default;
};

/// What one agent does while `active` effects hold (the agent row of the table).
struct agent_effects {
  double error_rate = 0;  ///< probability that a call fails (its vote is dropped)
  bool down = false;      ///< every call fails at once
  double extra_latency_ms = 0;

  friend bool operator==(const agent_effects&, const agent_effects&) = default;
};

namespace detail {
inline void add_independent(double& rate, double p) noexcept { rate = 1 - (1 - rate) * (1 - std::clamp(p, 0.0, 1.0)); }
}  // namespace detail

/// The latency a service or an agent adds for an effect: its fixed value, or a distribution's median.
inline double representative_latency_ms(const failure_effect& e) noexcept {
  if (e.latency_fraction <= 0) return 0;
  switch (e.latency_shape) {
    case delay_shape::fixed: return e.latency_ms;
    case delay_shape::uniform: return (e.latency_ms + e.latency_max_ms) / 2;
    case delay_shape::long_tail: return e.latency_ms;
  }
  return e.latency_ms;
}

/// The service row of the table, combined over `active` (overlaps combine as documented above).
inline service_effects service_effects_of(std::span<const active_effect> active) {
  service_effects out;
  bool status_set = false;
  for (auto const& a : active) {
    auto const& e = *a.effect;
    if (e.error_fraction > 0) {
      detail::add_independent(out.error_rate, e.error_fraction);
      if (!status_set) {
        out.status = e.status;
        out.retry_after = e.retry_after;
        status_set = true;
      }
    }
    out.extra_latency_ms += representative_latency_ms(e);
  }
  return out;
}

/// The agent row of the table, combined over `active`.
inline agent_effects agent_effects_of(std::span<const active_effect> active) {
  agent_effects out;
  for (auto const& a : active) {
    auto const& e = *a.effect;
    if (e.black_hole_fraction > 0 || e.error_fraction >= 1) out.down = true;
    else if (e.error_fraction > 0) detail::add_independent(out.error_rate, e.error_fraction);
    out.extra_latency_ms += representative_latency_ms(e);
  }
  return out;
}

/// The service row of one failure type at `severity`, as if active now (the dashboard's inject).
inline service_effects service_effects_for(failure_type type, double severity) {
  failure_scenario f;
  f.failure_type = type;
  f.start_time_seconds = 0;
  f.duration_seconds = 1;
  f.severity = severity;
  auto const effects = effects_of(f);
  placed_failure p{0, f, "service", effects};
  return service_effects_of(active_at(std::span<const placed_failure>(&p, 1), 0.5));
}

}  // namespace stress_testing::fault

#endif
