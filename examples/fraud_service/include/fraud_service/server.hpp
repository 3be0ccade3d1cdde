#ifndef FRAUD_SERVICE_SERVER_HPP
#define FRAUD_SERVICE_SERVER_HPP

// The service's HTTP/1.1 front: routes, response bodies and the request's one timer. The
// implementation (Beast parsing, the connection loop on stress_testing's loopback HTTP server
// core) is compiled in the library (src/server.cpp), so this header pulls in no Beast.

#include <fraud_service/error.hpp>
#include <fraud_service/options.hpp>
#include <fraud_service/scoring.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fraud_service {

/** The autoscaler's state in a snapshot (`service_options::autoscaling`). */
struct autoscaling_report {
  std::size_t min_slots = 0, max_slots = 0;
  std::size_t pending_slots = 0;  ///< ordered, still in their cold start
  double threshold = 0;
  double utilization = 0;         ///< busy / usable slot-time over the last evaluation span
  std::uint64_t scale_outs = 0;   ///< orders of slots placed
  std::uint64_t scale_ins = 0;    ///< removals
};

/** A snapshot of the service (server::stats()). */
struct service_stats {
  /// Responses sent (or being sent), by HTTP status.
  std::map<unsigned, std::uint64_t> responses;
  std::uint64_t approved = 0, reviewed = 0, declined = 0;
  std::size_t in_processing = 0;  ///< requests holding a slot now
  std::size_t queued = 0;         ///< requests waiting for a slot now
  std::size_t peak_queue = 0;
  std::size_t connections = 0;  ///< open connections
  std::vector<fraud_service::agent_stats> agents;
  double uptime_seconds = 0;         ///< since the server was made (the clock of `GET /stats`)
  std::size_t max_concurrency = 0;   ///< processing slots now: each agent can serve this many calls at once
  double busy_slot_seconds = 0;      ///< slot-time spent processing since the start
  double slot_seconds = 0;           ///< usable slot-time since the start (slots × time, as slots changed)
  std::optional<autoscaling_report> autoscaling;  ///< with the autoscaler on
  std::size_t max_queue = 0;
  std::uint64_t scored = 0;          ///< decisions that carried a fraud score
  double confidence_sum = 0;         ///< over them, the sum of max(score, 1 − score)
  std::uint64_t feedback_received = 0;  ///< feedback on a remembered decision (200)
  std::uint64_t feedback_unknown = 0;   ///< feedback on no remembered decision (404)
  std::uint64_t feedback_agreed = 0;    ///< of the received, labels that agree with the decision
  std::optional<std::uint64_t> resident_bytes;  ///< this process's resident memory (/proc/self/statm)

  std::uint64_t count(unsigned status) const {
    auto it = responses.find(status);
    return it == responses.end() ? 0 : it->second;
  }
};

/** The body of `GET /stats` (src/stats_json.cpp; keys in docs/fraud_wire_format.md, read by
    `stress_testing::target::parse_service_stats`), written into `out`. */
void write_stats_json(const service_stats& s, std::string& out);

/** The body of `GET /metrics`: the same snapshot in Prometheus' text format (version 0.0.4),
    `fraud_service_*` (src/stats_json.cpp; names in the README's Autoscaling section). */
void write_metrics_text(const service_stats& s, std::string& out);

namespace detail {
struct state;
}

}  // namespace fraud_service

namespace stress_testing::detail {
class http_server;
}

namespace fraud_service {

/** The fraud-detection service: Beast HTTP/1.1 over Asio, per docs/fraud_wire_format.md.

    - `POST /v1/transactions/score`: 200 with the decision, or 400 naming the field, or 503 with
      `Retry-After: 1` when `max_queue` requests already wait for one of the `max_concurrency`
      processing slots. A request holds a slot for its processing time, max over agents of
      min(latency, budget) + `orchestrator_ms`, simulated by waiting on one timer; its response
      carries `Server-Timing` with the queue wait, every agent and the orchestrator.
    - `GET /health`: 200 with the agents' state. `GET /stats`: 200 with the service's load,
      queue, capacity, per-agent busy time and its own resident memory (`write_stats_json`;
      polled by stress-run once per interval); `GET /metrics`: the same in Prometheus' text
      format (`write_metrics_text`). Unknown paths 404, wrong methods 405. Keep-alive
      unless the client sends `Connection: close`; malformed HTTP closes the connection.
    - With `options.autoscaling.enabled`, an `autoscaler` evaluated every `evaluation_interval`
      on a strand of the executor sets the slots; scored responses carry `X-Slots` and
      `X-Utilization`, `/stats` and `/metrics` the autoscaler's state.

    Threads: any number may run the executor's context. Each connection lives on its own strand;
    the scoring core is under a mutex, so the stateful agents see requests in admission order.
    `stats()`, `set_agent_fault()`, `set_service_fault()`, `nominal_capacity_tps()` and `stop()`
    are thread-safe. Lifetime: destroy the server before its execution context; connections keep
    the shared state alive until they end. */
class server {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// Throws `stress_testing::config_error` listing every problem of `options`.
  server(executor_type ex, service_options options);
  server(boost::asio::io_context& io, service_options options) : server(io.get_executor(), std::move(options)) {}

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Stops accepting (as `stop()`); in-flight requests still complete.
  ~server();

  executor_type get_executor() const noexcept;
  const service_options& options() const noexcept;

  /** Binds and listens on `options().listen`, starts accepting, and returns the bound endpoint
      (the real port when it was 0). Refuses a non-loopback address unless
      `allow_non_loopback` is set (`error::non_loopback_listen`). */
  boost::asio::ip::tcp::endpoint start(boost::system::error_code& ec);

  /// Throwing form: `boost::system::system_error`.
  boost::asio::ip::tcp::endpoint start();

  /** Closes the acceptor and every idle connection; requests being processed or queued still get
      their response (with `Connection: close`), then their connection closes. Thread-safe,
      idempotent; takes effect on the executor. Once everything has closed, the server leaves its
      context without work. */
  void stop();

  /// Thread-safe snapshot of the counters.
  service_stats stats() const;

  /** Injects a fault into the agent named `agent` (or clears it with `agent_fault{}`); applies to
      requests admitted after it returns. Thread-safe. False when there is no such agent. */
  bool set_agent_fault(std::string_view agent, const agent_fault& fault);

  /** Injects a fault of the whole service (or clears it with `service_fault{}`); applies to
      scoring requests arriving after it returns. Thread-safe. */
  void set_service_fault(const service_fault& fault);

  /** max_concurrency / mean processing time: the throughput the service sustains with its
      current agents and faults. Near it the queue, and so the latency, climbs; beyond it (plus
      what `max_queue` absorbs) requests are answered 503. Thread-safe. */
  double nominal_capacity_tps() const;

 private:
  std::shared_ptr<detail::state> state_;
  // Its session function holds `state_`: kept apart from it, so that no cycle keeps either alive.
  std::unique_ptr<stress_testing::detail::http_server> http_;
};

}  // namespace fraud_service

#endif
