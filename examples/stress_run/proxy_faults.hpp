#ifndef STRESS_RUN_PROXY_FAULTS_HPP
#define STRESS_RUN_PROXY_FAULTS_HPP

/** Failures placed at the proxy (`target_component: "proxy"`, or `--inject-at proxy`): the seed's
    failure types as recipes over the fault proxy's faults (`fault/proxy.hpp`), and a chain of two
    in-process proxies between the HTTP target and the service that a timeline thread adds the
    faults to and removes them from.

    The chain is client → HTTP proxy → TCP proxy → service: HTTP faults (a status, a delayed
    response) need a proxy that parses HTTP, network faults (latency, black hole) one that relays
    bytes, and one proxy does one or the other.

    | failure_type       | at the proxy, from start_time_seconds for duration_seconds (severity s)      |
    |--------------------|-------------------------------------------------------------------------------|
    | LAMBDA_CRASH       | http_status 502 on a fraction s of requests                                   |
    | LAMBDA_COLD_START  | http_delay: response headers held 200 + 2,800·s ms                            |
    | DYNAMODB_THROTTLE  | http_status 503 + Retry-After: 1 on a fraction s                              |
    | BEDROCK_RATE_LIMIT | http_status 429 + Retry-After: 1 on a fraction s                              |
    | AGENT_FAILURE      | http_status 500 on a fraction s                                               |
    | NETWORK_LATENCY    | latency downstream `latency_ms` (default 50 + 450·s ms), every connection     |
    | KINESIS_LAG        | latency downstream 100 + 900·s ms ± half that, every connection               |
    | AGENT_TIMEOUT      | latency downstream 100 + 4,900·s ms on a fraction s of the connections        |
    | NETWORK_PARTITION  | timeout 0 (black hole) both ways on a fraction s of the connections; data held is released when it ends |
    | MEMORY_PRESSURE    | latency downstream 20 + 180·s ms, and http_status 500 on a fraction s / 10    |
    | CASCADING_FAILURE  | thirds of the window: latency 100·s ms, then + 503 on s / 2, then + 502 on s   |

    Connection-level faults (toxicity) pick connections, not requests: with keep-alive a fraction
    s of the connections carries every request it serves. */

#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/recipes.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/target/http/url.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stress_run {

/// A proxy fault and the part of the timeline it is active on.
struct timed_fault {
  stress_testing::fault::fault_spec spec;
  double start_seconds = 0;
  double end_seconds = 0;
};

/// The proxy recipe of failure `f` (the `index`-th of the scenario, for unique fault names).
inline std::vector<timed_fault> proxy_recipe(const stress_testing::failure_scenario& f, std::size_t index) {
  namespace fault = stress_testing::fault;
  using stress_testing::failure_type;
  double const s = std::clamp(f.severity, 0.0, 1.0);
  double const a = f.start_time_seconds, b = f.start_time_seconds + f.duration_seconds;
  std::string const base = std::string(stress_testing::to_string(f.failure_type)) + "-" + std::to_string(index);
  std::vector<timed_fault> out;
  auto add = [&](std::string suffix, fault::stream_direction d, double toxicity, fault::fault_attributes attrs,
                 double from, double to) {
    out.push_back({fault::fault_spec{base + suffix, d, toxicity, std::move(attrs)}, from, to});
  };
  auto status = [&](unsigned code, double fraction, bool retry_after, double from, double to, std::string suffix = "") {
    fault::http_status_fault h;
    h.status = code;
    h.fraction = std::clamp(fraction, 0.0, 1.0);
    if (retry_after) h.retry_after_seconds = 1;
    h.body = "injected by the fault proxy: " + std::string(stress_testing::to_string(f.failure_type));
    add("-status" + suffix, fault::stream_direction::downstream, 1.0, h, from, to);
  };
  auto latency = [&](double ms, double jitter, double toxicity, double from, double to) {
    add("-latency", fault::stream_direction::downstream, toxicity, fault::latency_fault{ms, jitter}, from, to);
  };
  switch (f.failure_type) {
    case failure_type::lambda_crash: status(502, s, false, a, b); break;
    case failure_type::lambda_cold_start:
      add("-delay", fault::stream_direction::downstream, 1.0, fault::http_delay_fault{200 + 2800 * s, 0}, a, b);
      break;
    case failure_type::dynamodb_throttle: status(503, s, true, a, b); break;
    case failure_type::bedrock_rate_limit: status(429, s, true, a, b); break;
    case failure_type::agent_failure: status(500, s, false, a, b); break;
    case failure_type::network_latency:
      latency(fault::number_parameter(f, "latency_ms").value_or(50 + 450 * s), 0, 1.0, a, b);
      break;
    case failure_type::kinesis_lag: latency(100 + 900 * s, (100 + 900 * s) / 2, 1.0, a, b); break;
    case failure_type::agent_timeout: latency(100 + 4900 * s, 0, s, a, b); break;
    case failure_type::network_partition:
      add("-partition-up", fault::stream_direction::upstream, s, fault::timeout_fault{0}, a, b);
      add("-partition-down", fault::stream_direction::downstream, s, fault::timeout_fault{0}, a, b);
      break;
    case failure_type::memory_pressure:
      latency(20 + 180 * s, 0, 1.0, a, b);
      status(500, s / 10, false, a, b);
      break;
    case failure_type::cascading_failure: {
      double const third = (b - a) / 3;
      latency(std::max(1.0, 100 * s), 0, 1.0, a, b);
      status(503, s / 2, true, a + third, a + 2 * third, "-1");
      status(502, s, false, a + 2 * third, b, "-2");
      break;
    }
  }
  return out;
}

/// The proxy recipes of every failure of `failures`, in order.
inline std::vector<timed_fault> proxy_timeline(const std::vector<stress_testing::failure_scenario>& failures) {
  std::vector<timed_fault> out;
  for (std::size_t i = 0; i < failures.size(); ++i)
    for (auto& t : proxy_recipe(failures[i], i)) out.push_back(std::move(t));
  return out;
}

/** Two in-process proxies in front of the service at `target_url` (HTTP, loopback unless
    `allow_remote`), on one thread of their own, and the thread that applies a fault timeline
    to them from `start` on. `url()` is the target URL with the HTTP proxy's address. Destruction
    stops the timeline, then the proxies. */
class proxy_chain {
 public:
  proxy_chain(const std::string& target_url, bool allow_remote, std::uint64_t seed) {
    std::string why;
    auto u = stress_testing::target::http::url::parse(target_url, &why);
    if (!u) throw std::invalid_argument("target URL: " + why);
    if (u->tls()) throw std::invalid_argument("target URL: the fault proxy relays plain HTTP, not https");
    namespace fault = stress_testing::fault;
    fault::proxy_options tcp;
    tcp.upstream_host = u->host;
    tcp.upstream_port = u->port;
    tcp.mode = fault::proxy_mode::tcp;
    tcp.seed = seed;
    tcp.allow_non_loopback = allow_remote;
    tcp_.emplace(io_.get_executor(), tcp);
    fault::proxy_options http;
    http.upstream_port = tcp_->local_endpoint().port();
    http.mode = fault::proxy_mode::http;
    http.seed = seed ^ 0x9e37'79b9'7f4a'7c15ULL;
    http_.emplace(io_.get_executor(), http);
    tcp_->start();
    http_->start();
    url_ = "http://127.0.0.1:" + std::to_string(http_->local_endpoint().port()) + u->target;
    thread_ = std::thread([this] { io_.run(); });
  }
  proxy_chain(const proxy_chain&) = delete;
  proxy_chain& operator=(const proxy_chain&) = delete;
  ~proxy_chain() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (timeline_.joinable()) timeline_.join();
    http_->stop();
    tcp_->stop();
    guard_.reset();
    io_.stop();
    thread_.join();
  }

  const std::string& url() const noexcept { return url_; }
  stress_testing::fault::proxy& http_proxy() { return *http_; }
  stress_testing::fault::proxy& tcp_proxy() { return *tcp_; }

  /** Applies `faults` from `start` on: each is added at its start and removed at its end (HTTP
      faults to the HTTP proxy, network faults to the TCP proxy). Call once. A fault the proxy
      refuses is reported on stderr and skipped. */
  void run_timeline(std::vector<timed_fault> faults, std::chrono::steady_clock::time_point start) {
    timeline_ = std::thread([this, faults = std::move(faults), start] {
      struct event {
        double t;
        bool add;
        std::size_t i;
      };
      std::vector<event> events;
      for (std::size_t i = 0; i < faults.size(); ++i) {
        events.push_back({faults[i].start_seconds, true, i});
        events.push_back({faults[i].end_seconds, false, i});
      }
      // Removals before additions at the same instant: back-to-back windows do not overlap.
      std::stable_sort(events.begin(), events.end(),
                       [](const event& x, const event& y) { return x.t < y.t || (x.t == y.t && !x.add && y.add); });
      for (auto const& e : events) {
        auto const due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(e.t));
        std::unique_lock lock(mutex_);
        if (wake_.wait_until(lock, due, [this] { return stopping_; })) return;
        lock.unlock();
        auto const& spec = faults[e.i].spec;
        auto& p = spec.is_http() ? *http_ : *tcp_;
        if (e.add) {
          std::string error;
          if (!p.add_fault(spec, error)) std::fprintf(stderr, "stress-run: proxy fault %s: %s\n", spec.name.c_str(), error.c_str());
        } else {
          (void)p.remove_fault(spec.name);
        }
      }
    });
  }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::optional<stress_testing::fault::proxy> tcp_;
  std::optional<stress_testing::fault::proxy> http_;
  std::string url_;
  std::thread thread_;
  std::thread timeline_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace stress_run

#endif
