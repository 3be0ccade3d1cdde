#ifndef STRESS_RUN_SERVICE_FAULTS_HPP
#define STRESS_RUN_SERVICE_FAULTS_HPP

/** Failures injected *inside* the sample service (the whole service, or one of its agents), on
    the scenario's timeline: where a failure goes, what it does there (the recipes below), and a
    small thread that applies the timeline to a running `fraud_service::server`.

    Where: a failure's `target_component` — absent or "client": in front of the HTTP target, in
    the harness (`fault/recipes.hpp`); "service": the whole sample service; an agent's name
    ("rules", "ml", "geo_velocity", "identity"): that agent only; "proxy": the fault proxy.
    `stress-run scenario --inject-at` sets the place of the failures that do not say.

    At the service (severity s in [0, 1]; the fault starts and ends with the failure's window):

    | failure_type       | the whole service                                        | one agent                        |
    |--------------------|----------------------------------------------------------|----------------------------------|
    | LAMBDA_CRASH       | 502 on a fraction s; then, if the failure's parameters   | calls fail with probability s    |
    |                    | give `cold_start_seconds`, a cold start that long adding |  (down when s = 1)               |
    |                    | `cold_start_ms` (default 200 + 2,800·s) to every request |                                  |
    | LAMBDA_COLD_START  | + (200 + 2,800·s) ms on every request                    | + that much per call             |
    | DYNAMODB_THROTTLE  | 503 + Retry-After on a fraction s                        | calls fail with probability s    |
    | BEDROCK_RATE_LIMIT | 429 + Retry-After on a fraction s                        | calls fail with probability s    |
    | NETWORK_LATENCY    | + `latency_ms` (default 50 + 450·s) ms                   | + that much per call             |
    | KINESIS_LAG        | + (100 + 900·s) ms                                       | + that much per call             |
    | AGENT_TIMEOUT      | + (100 + 4,900·s) ms                                     | + that much per call             |
    | AGENT_FAILURE      | 500 on a fraction s                                      | calls fail with probability s    |
    | MEMORY_PRESSURE    | + (20 + 180·s) ms and 500 on a fraction s / 10           | + that much, fail s / 10         |
    | NETWORK_PARTITION  | (not at the service: use client or proxy)                | the agent is down                |
    | CASCADING_FAILURE  | (not at the service: use client or proxy)                | (not at an agent)                |

    An agent's late or failed vote is dropped and the decision is marked degraded: the client
    sees slower answers (up to the agent's time budget) and worse fraud detection, not errors.
    Overlapping failures combine: failure probabilities as independent events, latencies add. */

#include <stress_testing/fault/recipes.hpp>
#include <stress_testing/models.hpp>

#include <fraud_service/fraud_service.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stress_run {

/// Where a failure is injected.
enum class fault_site { client, service, agent, proxy };

/// A failure with its place (and its agent, for `fault_site::agent`).
struct placed_failure {
  stress_testing::failure_scenario failure;
  fault_site site = fault_site::client;
  std::string agent;
};

/** Places each failure: its `target_component`, or `default_site` when it has none. Returns the
    reason for the first failure that cannot go where it asks (an unknown component, or a recipe
    that does not exist there), naming it as `failure_scenarios[i].target_component`. */
inline std::optional<std::string> place_failures(const std::vector<stress_testing::failure_scenario>& failures,
                                                 fault_site default_site, const std::vector<std::string>& agents,
                                                 std::vector<placed_failure>& out) {
  using stress_testing::failure_type;
  out.clear();
  for (std::size_t i = 0; i < failures.size(); ++i) {
    auto const& f = failures[i];
    std::string const field = "failure_scenarios[" + std::to_string(i) + "].target_component";
    placed_failure p{f, default_site, {}};
    if (f.target_component) {
      auto const& c = *f.target_component;
      if (c == "client") p.site = fault_site::client;
      else if (c == "service") p.site = fault_site::service;
      else if (c == "proxy") p.site = fault_site::proxy;
      else if (std::find(agents.begin(), agents.end(), c) != agents.end()) {
        p.site = fault_site::agent;
        p.agent = c;
      } else {
        std::string known;
        for (auto const& a : agents) known += ", " + a;
        return field + ": unknown component \"" + c + "\" (client, service, proxy" + known + ")";
      }
    }
    auto const t = f.failure_type;
    if (p.site == fault_site::service && (t == failure_type::network_partition || t == failure_type::cascading_failure))
      return field + ": " + std::string(stress_testing::to_string(t)) +
             " has no recipe inside the service; inject it at the client or the proxy";
    if (p.site == fault_site::agent && t == failure_type::cascading_failure)
      return field + ": CASCADING_FAILURE has no recipe for one agent";
    out.push_back(std::move(p));
  }
  return std::nullopt;
}

/// What the service-side failures do at one instant: the service's fault and each agent's.
struct service_state {
  fraud_service::service_fault service;
  std::map<std::string, fraud_service::agent_fault> agents;

  friend bool operator==(const service_state&, const service_state&) = default;
};

namespace detail {

inline void add_failure_probability(double& rate, double p) { rate = 1 - (1 - rate) * (1 - std::clamp(p, 0.0, 1.0)); }

inline double added_latency_ms(const stress_testing::failure_scenario& f, double s) {
  using stress_testing::failure_type;
  switch (f.failure_type) {
    case failure_type::lambda_cold_start: return 200 + 2800 * s;
    case failure_type::network_latency:
      return stress_testing::fault::number_parameter(f, "latency_ms").value_or(50 + 450 * s);
    case failure_type::kinesis_lag: return 100 + 900 * s;
    case failure_type::agent_timeout: return 100 + 4900 * s;
    case failure_type::memory_pressure: return 20 + 180 * s;
    default: return 0;
  }
}

/// The cold start after a LAMBDA_CRASH at the service: its length (0: none) and latency.
inline std::pair<double, double> cold_start_of(const placed_failure& p) {
  auto const& f = p.failure;
  if (p.site != fault_site::service || f.failure_type != stress_testing::failure_type::lambda_crash) return {0, 0};
  double const s = std::clamp(f.severity, 0.0, 1.0);
  return {std::max(0.0, stress_testing::fault::number_parameter(f, "cold_start_seconds").value_or(0.0)),
          stress_testing::fault::number_parameter(f, "cold_start_ms").value_or(200 + 2800 * s)};
}

}  // namespace detail

/// The service-side state at `t` seconds into the run (client and proxy failures are ignored).
inline service_state state_at(const std::vector<placed_failure>& failures, double t) {
  using stress_testing::failure_type;
  service_state st;
  bool status_set = false;
  for (auto const& p : failures) {
    if (p.site != fault_site::service && p.site != fault_site::agent) continue;
    auto const& f = p.failure;
    double const a = f.start_time_seconds, b = f.start_time_seconds + f.duration_seconds;
    double const s = std::clamp(f.severity, 0.0, 1.0);
    auto const [cold_seconds, cold_ms] = detail::cold_start_of(p);
    if (t >= b && t < b + cold_seconds) st.service.extra_latency_ms += cold_ms;
    if (t < a || t >= b) continue;
    if (p.site == fault_site::service) {
      auto fail = [&](double prob, unsigned status) {
        detail::add_failure_probability(st.service.error_rate, prob);
        if (!status_set) st.service.status = status;
        status_set = true;
      };
      switch (f.failure_type) {
        case failure_type::lambda_crash: fail(s, 502); break;
        case failure_type::dynamodb_throttle: fail(s, 503); break;
        case failure_type::bedrock_rate_limit: fail(s, 429); break;
        case failure_type::agent_failure: fail(s, 500); break;
        case failure_type::memory_pressure: fail(s / 10, 500); break;
        default: break;
      }
      st.service.extra_latency_ms += detail::added_latency_ms(f, s);
    } else {
      auto& g = st.agents[p.agent];
      switch (f.failure_type) {
        case failure_type::network_partition: g.down = true; break;
        case failure_type::lambda_crash:
        case failure_type::agent_failure:
        case failure_type::dynamodb_throttle:
        case failure_type::bedrock_rate_limit:
          if (s >= 1) g.down = true;
          else detail::add_failure_probability(g.error_rate, s);
          break;
        case failure_type::memory_pressure: detail::add_failure_probability(g.error_rate, s / 10); break;
        default: break;
      }
      g.extra_latency_ms += detail::added_latency_ms(f, s);
    }
  }
  return st;
}

/// Every instant at which `state_at` may change (starts, ends, cold-start ends), sorted.
inline std::vector<double> change_times(const std::vector<placed_failure>& failures) {
  std::vector<double> ts;
  for (auto const& p : failures) {
    if (p.site != fault_site::service && p.site != fault_site::agent) continue;
    double const b = p.failure.start_time_seconds + p.failure.duration_seconds;
    ts.push_back(p.failure.start_time_seconds);
    ts.push_back(b);
    if (auto const cold = detail::cold_start_of(p).first; cold > 0) ts.push_back(b + cold);
  }
  std::sort(ts.begin(), ts.end());
  ts.erase(std::unique(ts.begin(), ts.end()), ts.end());
  return ts;
}

/** Applies the service-side part of a failure timeline to a running sample service: a thread
    that sleeps until each change time (measured from `start`) and sets the service's and the
    agents' faults. Destruction (or `stop()`) wakes it, joins it and clears every fault it set.
    `on_change(t, state)` (optional) is called on that thread after each change. */
class service_fault_timeline {
 public:
  service_fault_timeline(fraud_service::server& server, std::vector<placed_failure> failures,
                         std::chrono::steady_clock::time_point start,
                         std::function<void(double, const service_state&)> on_change = {})
      : server_(server), failures_(std::move(failures)), start_(start), on_change_(std::move(on_change)) {
    for (auto const& p : failures_)
      if (p.site == fault_site::agent) agents_.push_back(p.agent);
    if (!change_times(failures_).empty()) thread_ = std::thread([this] { run(); });
  }
  service_fault_timeline(const service_fault_timeline&) = delete;
  service_fault_timeline& operator=(const service_fault_timeline&) = delete;
  ~service_fault_timeline() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    apply(service_state{});
  }

 private:
  void apply(const service_state& st) {
    server_.set_service_fault(st.service);
    for (auto const& a : agents_) {
      auto it = st.agents.find(a);
      server_.set_agent_fault(a, it == st.agents.end() ? fraud_service::agent_fault{} : it->second);
    }
  }

  void run() {
    for (double t : change_times(failures_)) {
      auto const due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(t));
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, due, [this] { return stopping_; })) return;
      lock.unlock();
      auto const st = state_at(failures_, t);
      apply(st);
      if (on_change_) on_change_(t, st);
    }
  }

  fraud_service::server& server_;
  std::vector<placed_failure> failures_;
  std::vector<std::string> agents_;
  std::chrono::steady_clock::time_point start_;
  std::function<void(double, const service_state&)> on_change_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stress_run

#endif
