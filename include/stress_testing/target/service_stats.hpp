#ifndef STRESS_TESTING_TARGET_SERVICE_STATS_HPP
#define STRESS_TESTING_TARGET_SERVICE_STATS_HPP

/** What a service under test says about itself, read while the run goes on: the document of its
    `GET /stats` (the sample service's keys are in docs/fraud_wire_format.md; the reader is
    `target/service_stats_json.hpp`, the probe `target/http/stats_probe.hpp`). Only the service
    knows its own load, queue, capacity and memory; the load generator cannot measure them from
    the outside. Every field is optional: a service reports what it can. Pure: std only. */

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::target {

/// One agent (component) of the service and the work it has done since the service started.
struct agent_work {
  std::string name;
  /// Seconds of work the agent has been given since the service started (the sum of its calls'
  /// durations). Non-decreasing while the service runs.
  std::optional<double> busy_seconds;
  /// How many calls the agent can work on at once. With `busy_seconds`, gives its load.
  std::optional<double> capacity;
  /// Calls made to the agent since the service started.
  std::optional<std::uint64_t> calls;
};

/** What a service that scales its own capacity says about it (`service_stats::autoscaling`). */
struct autoscaling_stats {
  std::optional<double> threshold;  ///< utilization (0..1) at which it adds capacity
  std::optional<std::uint64_t> min_slots, max_slots;
  std::optional<std::uint64_t> pending_slots;  ///< ordered, still starting
  std::optional<double> utilization;           ///< its own latest figure
};

/** One reading of a service's `GET /stats`. `uptime_seconds` is the service's own clock (seconds
    since it started): differences of `busy_seconds` are divided by differences of it, so a
    slow poll does not distort a load. */
struct service_stats {
  std::optional<double> uptime_seconds;
  std::optional<std::uint64_t> in_flight;   ///< requests admitted and not yet answered
  std::optional<std::uint64_t> queued;      ///< of them, waiting for a processing slot
  std::optional<std::uint64_t> capacity;    ///< processing slots (requests served at once)
  /// Slot-time spent processing, and usable slot-time, since the service started (seconds; each
  /// non-decreasing): their differences between two readings give the utilization between them.
  std::optional<double> busy_slot_seconds, slot_seconds;
  /// Present when the service scales its capacity itself (run/scaling.hpp reads it).
  std::optional<autoscaling_stats> autoscaling;
  std::optional<std::uint64_t> resident_bytes;  ///< the service process's resident memory
  /// The service's own mean confidence in its decisions (0.5..1), over the decisions it took.
  std::optional<double> ai_confidence;
  std::vector<agent_work> agents;

  const agent_work* agent(std::string_view name) const noexcept {
    for (auto const& a : agents)
      if (a.name == name) return &a;
    return nullptr;
  }
};

/** An agent's load between two readings, the figure results.json writes as `current_load`:

        current_load = Δ busy_seconds / (Δ uptime_seconds × capacity)

    the mean share of the agent's capacity in use over the span (0 idle, 1 every slot busy the
    whole time; it may exceed 1 briefly when work is counted on admission, as the sample service
    does, and the span ends before it is done). nullopt when either reading lacks the agent, its
    busy time, the uptimes, or a capacity > 0 in `to`, or the span is not > 0. */
inline std::optional<double> agent_load(const service_stats& from, const service_stats& to, std::string_view name) {
  auto const* a = from.agent(name);
  auto const* b = to.agent(name);
  if (!a || !b || !a->busy_seconds || !b->busy_seconds || !b->capacity || !(*b->capacity > 0)) return std::nullopt;
  if (!from.uptime_seconds || !to.uptime_seconds) return std::nullopt;
  double const span = *to.uptime_seconds - *from.uptime_seconds;
  if (!(span > 0)) return std::nullopt;
  return (*b->busy_seconds - *a->busy_seconds) / (span * *b->capacity);
}

/** An agent's work between two readings of the service (the live dashboard's per-agent figures):
    - `calls_per_second` = Δ calls / Δ uptime_seconds
    - `mean_busy_ms` = 1000 × Δ busy_seconds / Δ calls: the agent's mean time per call, as the
      service counts its busy time
    - `load` = `agent_load(from, to, name)`
    Each is nullopt when a reading lacks what it needs or its denominator is not > 0. */
struct agent_span {
  std::optional<double> calls_per_second;
  std::optional<double> mean_busy_ms;
  std::optional<double> load;
};

inline agent_span agent_figures(const service_stats& from, const service_stats& to, std::string_view name) {
  agent_span f;
  f.load = agent_load(from, to, name);
  auto const* a = from.agent(name);
  auto const* b = to.agent(name);
  if (!a || !b || !a->calls || !b->calls || *b->calls < *a->calls) return f;
  auto const calls = static_cast<double>(*b->calls - *a->calls);
  if (from.uptime_seconds && to.uptime_seconds && *to.uptime_seconds > *from.uptime_seconds)
    f.calls_per_second = calls / (*to.uptime_seconds - *from.uptime_seconds);
  if (calls > 0 && a->busy_seconds && b->busy_seconds) f.mean_busy_ms = 1000.0 * (*b->busy_seconds - *a->busy_seconds) / calls;
  return f;
}

}  // namespace stress_testing::target

#endif
