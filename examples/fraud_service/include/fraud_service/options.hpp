#ifndef FRAUD_SERVICE_OPTIONS_HPP
#define FRAUD_SERVICE_OPTIONS_HPP

// What the service is configured by (`service_options`), its agents, and the faults injected at
// run time (`agent_fault`, `service_fault`).

#include <fraud_service/agents.hpp>
#include <fraud_service/capacity.hpp>

#include <stress_testing/config/problem.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fraud_service {

/** One agent: which logic (`name`: rules, ml, geo_velocity, identity), its vote's weight, its
    simulated latency — log-normal with the given median and 99th percentile (median == p99 gives
    a constant latency) — its time budget, and its failure rate. */
struct agent_config {
  std::string name;
  double weight = 1;
  double median_ms = 2;
  double p99_ms = 10;
  /// The orchestrator waits at most this long; a slower agent's vote is dropped ("degraded").
  double budget_ms = 50;
  /// Probability that a call fails (its vote is dropped).
  double error_rate = 0;
};

/** A fault injected into an agent at run time (`server::set_agent_fault`): extra latency added to
    every call, an extra failure probability (combined with the configured one), or the agent
    down (every call fails at once). */
struct agent_fault {
  double extra_latency_ms = 0;
  double error_rate = 0;
  bool down = false;

  friend bool operator==(const agent_fault&, const agent_fault&) = default;
};

/** A fault of the whole service (`server::set_service_fault`), as if its compute crashed or a
    dependency in front of every agent slowed down: a fraction `error_rate` of scoring requests
    is answered `status` at once (502: the gateway in front of a crashed function; 429 or 503 get
    `Retry-After: 1`), and every other scoring request takes `extra_latency_ms` longer (added
    after its processing; it does not hold a processing slot). Which requests fail is decided by
    a hash of the service's seed and the request's arrival count: the same seed and arrival order
    give the same failures. */
struct service_fault {
  double error_rate = 0;
  unsigned status = 502;
  double extra_latency_ms = 0;

  friend bool operator==(const service_fault&, const service_fault&) = default;
};

/// rules 0.25, ml 0.35, geo_velocity 0.20, identity 0.20; medians 1-4 ms, p99 5-30 ms, budgets 25-60 ms.
inline std::vector<agent_config> default_agents() {
  return {
      {"rules", 0.25, 1.0, 5.0, 25.0, 0.0},
      {"ml", 0.35, 4.0, 30.0, 60.0, 0.0},
      {"geo_velocity", 0.20, 2.0, 15.0, 40.0, 0.0},
      {"identity", 0.20, 3.0, 20.0, 50.0, 0.0},
  };
}

/** Everything the service is configured by. `validate()` lists every problem with its path. */
struct service_options {
  /// Where to listen; port 0 picks an ephemeral port (start() returns it).
  boost::asio::ip::tcp::endpoint listen{boost::asio::ip::address_v4::loopback(), 0};
  /// The project's network-safety rule: only loopback unless this is set.
  bool allow_non_loopback = false;
  /// Requests being processed at once (processing slots); with `autoscaling`, the starting slots.
  std::size_t max_concurrency = 256;
  /// Requests waiting for a slot (FIFO); one more is answered 503 with Retry-After: 1.
  std::size_t max_queue = 1024;
  std::vector<agent_config> agents = default_agents();
  /// Seeds each agent's latency/failure stream (each agent its own, derived from this and its name).
  std::uint64_t seed = 1;
  /// Added to every request's processing time: combining the votes.
  double orchestrator_ms = 0.3;
  /// fraud_score >= decline_threshold: decline; >= review_threshold: review; else approve.
  double decline_threshold = 0.70;
  double review_threshold = 0.45;
  /// Request bodies above this are answered 413 and the connection closed.
  std::size_t body_limit = 64 * 1024;
  /// Open connections at most; one more is accepted and closed at once.
  std::size_t max_connections = 16'384;
  /// A connection without a complete request for this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  /// Slots of each stateful agent's per-card table (rounded up to a power of two).
  std::size_t card_table_slots = 65'536;
  /// Adds and removes processing slots with the load (off by default: `max_concurrency` fixed).
  autoscaling_options autoscaling;

  /// Every problem, e.g. `agents[1].p99_ms: must be >= median_ms`; empty when valid.
  std::vector<stress_testing::config_problem> validate() const {
    std::vector<stress_testing::config_problem> ps;
    auto add = [&](std::string path, std::string reason) { ps.push_back({std::move(path), std::move(reason)}); };
    auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
    if (max_concurrency < 1 || max_concurrency > 1'000'000) add("max_concurrency", "must be within [1, 1000000]");
    if (max_queue > 10'000'000) add("max_queue", "must be <= 10000000");
    if (agents.empty()) add("agents", "at least one agent is required");
    if (agents.size() > agent_names.size()) add("agents", "at most one agent of each kind (4)");
    for (std::size_t i = 0; i < agents.size(); ++i) {
      auto const& a = agents[i];
      std::string const p = "agents[" + std::to_string(i) + "].";
      if (!agent_kind_from_name(a.name))
        add(p + "name", "unknown agent \"" + a.name + "\" (rules, ml, geo_velocity, identity)");
      for (std::size_t j = 0; j < i; ++j)
        if (agents[j].name == a.name) add(p + "name", "duplicate agent \"" + a.name + "\"");
      if (!(std::isfinite(a.weight) && a.weight > 0)) add(p + "weight", "must be > 0");
      if (!finite_nonneg(a.median_ms)) add(p + "median_ms", "must be >= 0");
      if (!std::isfinite(a.p99_ms) || a.p99_ms < a.median_ms) add(p + "p99_ms", "must be >= median_ms");
      else if (a.median_ms == 0 && a.p99_ms != 0) add(p + "p99_ms", "must be 0 when median_ms is 0");
      if (!(std::isfinite(a.budget_ms) && a.budget_ms > 0)) add(p + "budget_ms", "must be > 0");
      if (!(a.error_rate >= 0 && a.error_rate <= 1)) add(p + "error_rate", "must be within [0, 1]");
    }
    if (!finite_nonneg(orchestrator_ms)) add("orchestrator_ms", "must be >= 0");
    if (!(decline_threshold >= 0 && decline_threshold <= 1)) add("decline_threshold", "must be within [0, 1]");
    if (!(review_threshold >= 0 && review_threshold <= decline_threshold))
      add("review_threshold", "must be within [0, decline_threshold]");
    if (body_limit < 256) add("body_limit", "must be >= 256");
    if (idle_timeout.count() <= 0) add("idle_timeout", "must be > 0");
    if (max_connections < 1) add("max_connections", "must be >= 1");
    if (card_table_slots < 1 || card_table_slots > (std::size_t{1} << 26))
      add("card_table_slots", "must be within [1, 67108864]");
    for (auto& [field, reason] : autoscaling.problems(max_concurrency)) add("autoscaling." + field, std::move(reason));
    return ps;
  }
};

}  // namespace fraud_service

#endif
