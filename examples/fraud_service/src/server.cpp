// The service's HTTP/1.1 front on stress_testing's loopback server core (detail/http_server.hpp:
// accept loop, limits, keep-alive, idle timeout, graceful stop): routes, bodies written by hand
// into per-connection buffers, and one timer per scored request. Compiled once into the
// stress_testing_fraud_service library.

#include <fraud_service/server.hpp>

#include <fraud_service/capacity.hpp>
#include <fraud_service/decisions.hpp>

#include <stress_testing/config/problem.hpp>
#include <stress_testing/detail/http_server.hpp>
#include <stress_testing/detail/loopback.hpp>
#include <stress_testing/metrics/process_usage.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fraud_service {

namespace detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

inline std::string_view reason(unsigned status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

inline void append_uint(std::string& s, std::uint64_t v) {
  char buf[24];
  auto const r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

/// `v` with exactly `precision` (0-6) decimals, rounded half away from zero. Hand-rolled: it is
/// on every response, and std::to_chars(fixed, precision) costs several times more.
inline void append_fixed(std::string& s, double v, int precision) {
  constexpr std::array<double, 7> scale{1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  precision = std::clamp(precision, 0, 6);
  if (!std::isfinite(v) || std::abs(v) >= 1e12) {
    char buf[64];
    auto const r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
    s.append(buf, r.ptr);
    return;
  }
  auto const p = static_cast<std::size_t>(precision);
  auto const digits = static_cast<std::uint64_t>(std::llround(std::abs(v) * scale[p]));
  auto const unit = static_cast<std::uint64_t>(scale[p]);
  if (v < 0 && digits != 0) s += '-';
  append_uint(s, digits / unit);
  if (p == 0) return;
  char frac[6];
  auto f = digits % unit;
  for (std::size_t i = p; i-- > 0; f /= 10) frac[i] = static_cast<char>('0' + f % 10);
  s += '.';
  s.append(frac, p);
}

/// A JSON string literal of a message we wrote (escapes quotes and backslashes; controls are not expected).
inline void append_json_string(std::string& s, std::string_view v) {
  s += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') s += '\\';
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    s += c;
  }
  s += '"';
}

/** Shared by the server object and every connection's handler. Connection state is confined to
    each connection's strand; the scoring core (orchestrator, capacity, counters) is behind
    `mutex` so that any number of threads can run the io_context. */
struct state {
  explicit state(service_options o)
      : options(std::move(o)), too_large(make_too_large(options.body_limit)), core(options),
        capacity(options.max_concurrency, options.max_queue) {
    mean_ms = mean_processing_ms(options.agents, core.faults(), options.orchestrator_ms);
    if (options.autoscaling.enabled) scaler.emplace(options.autoscaling, options.max_concurrency, born);
  }

  static std::string make_too_large(std::size_t body_limit);

  /// The slots now / the mean processing time (under the lock): it follows the agents' faults
  /// and the autoscaler.
  double capacity_tps() const {
    return mean_ms > 0 ? static_cast<double>(capacity.slots()) * 1000.0 / mean_ms
                       : std::numeric_limits<double>::infinity();
  }

  /// The slots the autoscaler has usable at `now`, into the capacity model (under the lock).
  void sync_slots(capacity_model::time_point now) {
    if (scaler) capacity.set_slots(scaler->slots(now), now);
  }

  /// One evaluation of the autoscaler (the scaling loop's tick).
  void evaluate_scaling(capacity_model::time_point now) {
    std::lock_guard lock(mutex);
    sync_slots(now);
    scaler->evaluate(now, capacity.busy_slot_seconds(now));
    sync_slots(now);
  }

  /// Admits a scored request arriving at `now`: evaluates it and returns when its response is
  /// due, with its queue wait; empty when the waiting room is full (503). With the autoscaler,
  /// `slots` and `utilization` are what the request was admitted with (its response headers).
  std::optional<capacity_model::time_point> admit(const transaction& tx, evaluation& ev,
                                                  capacity_model::time_point now, double& queue_ms,
                                                  std::size_t& slots, double& utilization) {
    std::lock_guard lock(mutex);
    sync_slots(now);
    slots = capacity.slots();
    utilization = scaler ? scaler->utilisation() : 0.0;
    if (capacity.full(now)) return std::nullopt;
    core.evaluate(tx, ev);
    if (auto const number = transaction_number(tx.transaction_id)) decisions.put(*number, ev.decision);
    if (ev.fraud_score) {  // GET /stats: the service's own confidence in its decisions
      ++scored;
      confidence_sum += std::max(*ev.fraud_score, 1 - *ev.fraud_score);
    }
    auto const processing = std::chrono::duration_cast<capacity_model::clock::duration>(
        std::chrono::duration<double, std::milli>(ev.processing_ms));
    auto const start = capacity.admit(now, processing);
    queue_ms = std::chrono::duration<double, std::milli>(start - now).count();
    return start + processing;
  }

  /** An analyst's feedback on a decision: the decision, counted with whether the label agrees
      (a fraudulent transaction reviewed or declined, a legitimate one or an edge case
      approved), or empty when no decision on that transaction is remembered. */
  std::optional<decision> feedback_on(const feedback& f) {
    std::lock_guard lock(mutex);
    auto const d = decisions.find(f.transaction);
    if (!d) {
      ++feedback_unknown;
      return std::nullopt;
    }
    ++feedback_received;
    if ((f.label == feedback_label::fraudulent) == (*d != decision::approve)) ++feedback_agreed;
    return d;
  }

  void record_response(unsigned status) {
    std::lock_guard lock(mutex);
    ++responses[status];
  }

  service_options const options;
  std::string const too_large;  // the whole 413 response, made once
  std::atomic<bool> started{false};
  capacity_model::time_point const born = capacity_model::clock::now();  // GET /stats' uptime

  mutable std::mutex mutex;  // guards the members below
  orchestrator core;
  capacity_model capacity;
  std::optional<autoscaler> scaler;  // with options.autoscaling.enabled
  std::map<unsigned, std::uint64_t> responses;
  double mean_ms = 0;  // mean processing time with the agents' faults now (mean_processing_ms)
  service_fault fault;
  std::uint64_t fault_arrivals = 0;
  std::uint64_t scored = 0;     // decisions with a fraud score, and their confidence: GET /stats
  double confidence_sum = 0;
  decision_store decisions;     // recent decisions, for feedback
  std::uint64_t feedback_received = 0, feedback_unknown = 0, feedback_agreed = 0;

  // The autoscaler's evaluation loop: its timer, and whether stop() has ended it. Both are used
  // on `scaling_strand` only.
  std::optional<net::strand<net::any_io_executor>> scaling_strand;
  std::optional<net::steady_timer> scaling_timer;
  bool scaling_stopped = false;

  /// The service fault's decision for the next scoring request: the status to fail it with (0:
  /// serve it), and the latency to add when served.
  std::pair<unsigned, double> fault_decision() {
    std::lock_guard lock(mutex);
    if (fault == service_fault{}) return {0u, 0.0};
    std::uint64_t const n = fault_arrivals++;
    double const u = static_cast<double>(detail::mix64(options.seed ^ 0x5e1f'a017'0000'0000ULL ^ n) >> 11) * 0x1.0p-53;
    if (u < fault.error_rate) return {fault.status, 0.0};
    return {0u, fault.extra_latency_ms};
  }
};

/// The counters under the state's lock, with `connections` from the server core: one snapshot
/// for `server::stats()` and `GET /stats`.
inline service_stats snapshot_of(state& st, std::size_t connections) {
  service_stats s;
  auto const now = capacity_model::clock::now();
  {
    std::lock_guard lock(st.mutex);
    s.responses = st.responses;
    auto const& d = st.core.decisions();
    s.approved = d[0];
    s.reviewed = d[1];
    s.declined = d[2];
    st.sync_slots(now);
    s.in_processing = st.capacity.in_processing(now);
    s.queued = st.capacity.queued(now);
    s.peak_queue = st.capacity.peak_queue();
    s.agents = st.core.stats();
    s.scored = st.scored;
    s.confidence_sum = st.confidence_sum;
    s.feedback_received = st.feedback_received;
    s.feedback_unknown = st.feedback_unknown;
    s.feedback_agreed = st.feedback_agreed;
    s.max_concurrency = st.capacity.slots();
    s.busy_slot_seconds = st.capacity.busy_slot_seconds(now);
    if (st.scaler) {
      auto& a = *st.scaler;
      s.slot_seconds = a.slot_seconds(now);
      s.autoscaling = autoscaling_report{a.options().min_slots, a.options().max_slots, a.pending_slots(now),
                                         a.options().threshold, a.utilisation(), a.scale_outs(), a.scale_ins()};
    }
  }
  s.uptime_seconds = std::chrono::duration<double>(now - st.born).count();
  if (!st.scaler) s.slot_seconds = static_cast<double>(s.max_concurrency) * s.uptime_seconds;
  s.max_queue = st.options.max_queue;
  s.connections = connections;
  s.resident_bytes = stress_testing::metrics::read_resident_bytes("/proc/self/statm");
  return s;
}

enum class path_route {
  score, feedback, health, stats, metrics, not_found, score_wrong_method, feedback_wrong_method, health_wrong_method,
  stats_wrong_method
};

inline path_route route_of(http::verb method, std::string_view target) noexcept {
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target == "/v1/transactions/score") return method == http::verb::post ? path_route::score : path_route::score_wrong_method;
  if (target == "/v1/transactions/feedback")
    return method == http::verb::post ? path_route::feedback : path_route::feedback_wrong_method;
  if (target == "/health") return method == http::verb::get ? path_route::health : path_route::health_wrong_method;
  if (target == "/stats") return method == http::verb::get ? path_route::stats : path_route::stats_wrong_method;
  if (target == "/metrics") return method == http::verb::get ? path_route::metrics : path_route::stats_wrong_method;
  return path_route::not_found;
}

inline void error_body(std::string& body, std::string_view message) {
  body.assign("{\"error\":");
  append_json_string(body, message);
  body += '}';
}

/** One connection's handler and its scratch, reused by every request on it (their capacity
    stays): the request path allocates nothing once the strings have grown. */
struct session {
  session(std::shared_ptr<state> s, stress_testing::detail::http_connection& conn)
      : st(std::move(s)), c(conn), timer(conn.get_executor()) {}

  net::awaitable<bool> operator()(stress_testing::detail::http_request& req, bool keep_alive);

  std::string_view too_large_response() {
    st->record_response(413);
    return st->too_large;
  }

  std::shared_ptr<state> st;
  stress_testing::detail::http_connection& c;
  net::steady_timer timer;  // the one timer each scored request waits on
  transaction tx;
  feedback fb;
  evaluation eval;
  std::string error, body, extra_headers, head;
};

/// With the autoscaler, the slots and utilization a scored request was admitted with:
/// `X-Slots: 3` and `X-Utilization: 0.950` (of the autoscaler's last evaluation span).
inline void scaling_headers(std::string& h, std::size_t slots, double utilization) {
  h += "X-Slots: ";
  append_uint(h, slots);
  h += "\r\nX-Utilization: ";
  append_fixed(h, utilization, 3);
  h += "\r\n";
}

/// The 200 body and its Server-Timing header, into `c.body` and `c.extra_headers`.
inline void score_body(const state& st, session& c, double queue_ms) {
  auto& b = c.body;
  auto& h = c.extra_headers;
  auto const& ev = c.eval;
  auto const& agents = st.options.agents;
  b.assign("{\"transaction_id\":\"");
  b += c.tx.transaction_id;
  b += "\",\"decision\":\"";
  b += decision_names[static_cast<std::size_t>(ev.decision)];
  b += "\",\"fraud_score\":";
  if (ev.fraud_score) append_fixed(b, *ev.fraud_score, 4);
  else b += "null";
  b += ",\"agents\":{";
  h.assign("Server-Timing: queue;dur=");
  append_fixed(h, queue_ms, 3);
  for (std::size_t i = 0; i < ev.agent_count; ++i) {
    auto const& r = ev.agents[i];
    if (i) b += ',';
    b += '"';
    b += agents[i].name;
    b += "\":{\"score\":";
    if (r.status == agent_status::ok) append_fixed(b, r.score, 4);
    else b += "null";
    b += ",\"ms\":";
    append_fixed(b, r.ms, 3);
    b += ",\"status\":\"";
    b += agent_status_names[static_cast<std::size_t>(r.status)];
    b += "\"}";
    h += ", ";
    h += agents[i].name;
    h += ";dur=";
    append_fixed(h, r.ms, 3);
  }
  b += "},\"degraded\":[";
  bool first = true;
  for (std::size_t i = 0; i < ev.agent_count; ++i) {
    if (ev.agents[i].status == agent_status::ok) continue;
    if (!first) b += ',';
    first = false;
    b += '"';
    b += agents[i].name;
    b += '"';
  }
  b += "]}";
  h += ", orchestrator;dur=";
  append_fixed(h, st.options.orchestrator_ms, 3);
  h += "\r\n";
}

/// The 200 body of a feedback: the decision it is about and whether the label agrees.
inline void feedback_body(std::string& b, const feedback& f, decision d) {
  b.assign("{\"transaction_id\":\"tx-");
  char hex[16];
  auto v = f.transaction;
  for (std::size_t i = 16; i-- > 0; v >>= 4) hex[i] = "0123456789abcdef"[v & 15];
  b.append(hex, 16);
  b += "\",\"decision\":\"";
  b += decision_names[static_cast<std::size_t>(d)];
  b += "\",\"label\":\"";
  b += feedback_labels[static_cast<std::size_t>(f.label)];
  b += "\",\"agrees\":";
  b += (f.label == feedback_label::fraudulent) == (d != decision::approve) ? "true" : "false";
  b += '}';
}

inline void health_body(state& st, std::string& b) {
  auto const now = capacity_model::clock::now();
  std::lock_guard lock(st.mutex);
  st.sync_slots(now);
  auto const faults = st.core.faults();
  bool const any_down = std::any_of(faults.begin(), faults.end(), [](const agent_fault& f) { return f.down; });
  b.assign("{\"status\":\"");
  b += any_down ? "degraded" : "ok";
  b += "\",\"agents\":{";
  for (std::size_t i = 0; i < st.options.agents.size(); ++i) {
    auto const& a = st.options.agents[i];
    auto const& f = faults[i];
    if (i) b += ',';
    b += '"';
    b += a.name;
    b += "\":{\"state\":\"";
    b += f.down ? "down" : (f == agent_fault{} ? "up" : "faulty");
    b += "\",\"weight\":";
    append_fixed(b, a.weight, 3);
    b += ",\"median_ms\":";
    append_fixed(b, a.median_ms, 3);
    b += ",\"p99_ms\":";
    append_fixed(b, a.p99_ms, 3);
    b += ",\"budget_ms\":";
    append_fixed(b, a.budget_ms, 3);
    b += ",\"error_rate\":";
    append_fixed(b, 1 - (1 - a.error_rate) * (1 - f.error_rate), 4);
    b += ",\"extra_latency_ms\":";
    append_fixed(b, f.extra_latency_ms, 3);
    b += '}';
  }
  b += "},\"max_concurrency\":";
  append_uint(b, st.capacity.slots());
  b += ",\"max_queue\":";
  append_uint(b, st.options.max_queue);
  b += ",\"in_processing\":";
  append_uint(b, st.capacity.in_processing(now));
  b += ",\"queued\":";
  append_uint(b, st.capacity.queued(now));
  b += ",\"nominal_capacity_tps\":";
  if (double const tps = st.capacity_tps(); std::isfinite(tps)) append_fixed(b, tps, 1);
  else b += "null";  // instant agents and no orchestrator overhead: no bound
  b += '}';
}

/// Status line, headers and body into `c.head` (the whole response; one write).
inline void assemble(session& c, unsigned status, bool keep_alive, bool http10, std::string_view content_type) {
  auto& o = c.head;
  o.assign("HTTP/1.1 ");
  append_uint(o, status);
  o += ' ';
  o += reason(status);
  o += "\r\nServer: fraud-service\r\nContent-Type: ";
  o += content_type;
  o += "\r\nContent-Length: ";
  append_uint(o, c.body.size());
  o += "\r\n";
  o += c.extra_headers;
  if (!keep_alive) o += "Connection: close\r\n";
  else if (http10) o += "Connection: keep-alive\r\n";
  o += "\r\n";
  o += c.body;
}

/// The 413 response (the same for every request: made once).
std::string state::make_too_large(std::size_t body_limit) {
  std::string body, out;
  error_body(body, "body: larger than " + std::to_string(body_limit) + " bytes");
  out = "HTTP/1.1 413 Payload Too Large\r\nServer: fraud-service\r\nContent-Type: application/json\r\nContent-Length: ";
  append_uint(out, body.size());
  out += "\r\nConnection: close\r\n\r\n";
  out += body;
  return out;
}

/** One request: route it, score it (waiting on the connection's timer until its queue wait and
    processing time have passed), and write the whole response in one write. */
net::awaitable<bool> session::operator()(stress_testing::detail::http_request& req, bool keep_alive) {
  beast::error_code ec;
  extra_headers.clear();
  unsigned status = 200;
  std::string_view content_type = "application/json";
  switch (route_of(req.method(), req.target())) {
    case path_route::score: {
      if (!parse_transaction(req.body(), tx, error)) {
        status = 400;
        error_body(body, error);
        break;
      }
      auto const [fault_status, fault_latency_ms] = st->fault_decision();
      if (fault_status != 0) {
        status = fault_status;
        error_body(body, "injected service fault");
        if (status == 429 || status == 503) extra_headers = "Retry-After: 1\r\n";
        break;
      }
      double queue_ms = 0, utilization = 0;
      std::size_t slots = 0;
      auto const due = st->admit(tx, eval, capacity_model::clock::now(), queue_ms, slots, utilization);
      if (!due) {
        status = 503;
        error_body(body, "at capacity: the queue is full");
        extra_headers = "Retry-After: 1\r\n";
        break;
      }
      timer.expires_at(*due + std::chrono::duration_cast<capacity_model::clock::duration>(
                                  std::chrono::duration<double, std::milli>(fault_latency_ms)));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      score_body(*st, *this, queue_ms);
      if (st->scaler) scaling_headers(extra_headers, slots, utilization);
      break;
    }
    case path_route::feedback: {
      if (!parse_feedback(req.body(), fb, error)) {
        status = 400;
        error_body(body, error);
        break;
      }
      auto const d = st->feedback_on(fb);
      if (!d) {
        status = 404;
        error_body(body, "transaction_id: no decision on this transaction (never scored here, or long forgotten)");
        break;
      }
      feedback_body(body, fb, *d);
      break;
    }
    case path_route::health: health_body(*st, body); break;
    case path_route::stats: write_stats_json(snapshot_of(*st, c.server_connections()), body); break;
    case path_route::metrics:
      write_metrics_text(snapshot_of(*st, c.server_connections()), body);
      content_type = "text/plain; version=0.0.4";
      break;
    case path_route::not_found:
      status = 404;
      error_body(body,
                 "no such path (POST /v1/transactions/score, POST /v1/transactions/feedback, GET /health, GET /stats, "
                 "GET /metrics)");
      break;
    case path_route::score_wrong_method:
    case path_route::feedback_wrong_method:
      status = 405;
      error_body(body, "method not allowed: use POST");
      extra_headers = "Allow: POST\r\n";
      break;
    case path_route::health_wrong_method:
    case path_route::stats_wrong_method:
      status = 405;
      error_body(body, "method not allowed: use GET");
      extra_headers = "Allow: GET\r\n";
      break;
  }
  // Asked again after the wait: a stop() meanwhile answers this one with Connection: close.
  keep_alive = keep_alive && !c.stopping();
  assemble(*this, status, keep_alive, req.version() < 11, content_type);
  st->record_response(status);
  co_await net::async_write(c.socket(), net::buffer(head), net::redirect_error(net::use_awaitable, ec));
  co_return !ec && keep_alive;
}

/** The autoscaler's loop: an evaluation every `evaluation_interval` from the service's birth
    (on the scaling strand, until stop()). */
inline net::awaitable<void> scaling_loop(std::shared_ptr<state> st) {
  auto next = st->born;
  for (;;) {
    next += st->options.autoscaling.evaluation_interval;
    st->scaling_timer->expires_at(next);
    beast::error_code ec;
    co_await st->scaling_timer->async_wait(net::redirect_error(net::use_awaitable, ec));
    if (st->scaling_stopped) co_return;
    st->evaluate_scaling(capacity_model::clock::now());
  }
}

inline net::awaitable<void> serve_connection(std::shared_ptr<state> st,
                                             std::shared_ptr<stress_testing::detail::http_connection> conn) {
  session s(std::move(st), *conn);
  co_await stress_testing::detail::serve_requests(conn->socket(), *conn, s);
}

}  // namespace detail

namespace {
namespace net = boost::asio;

stress_testing::detail::http_server_options http_options(const service_options& o) {
  stress_testing::detail::http_server_options h;
  h.listen = o.listen;
  h.allow_non_loopback = o.allow_non_loopback;
  h.max_connections = o.max_connections;
  h.header_limit = 16 * 1024;
  h.body_limit = o.body_limit;
  h.idle_timeout = o.idle_timeout;
  return h;
}

std::shared_ptr<detail::state> make_state(service_options options) {
  auto problems = options.validate();
  if (!problems.empty()) throw stress_testing::config_error("fraud_service::service_options", std::move(problems));
  return std::make_shared<detail::state>(std::move(options));
}
}  // namespace

server::server(executor_type ex, service_options options)
    : state_(make_state(std::move(options))),
      http_(std::make_unique<stress_testing::detail::http_server>(ex, http_options(state_->options))) {
  if (state_->scaler) {
    state_->scaling_strand.emplace(net::make_strand(ex));
    state_->scaling_timer.emplace(*state_->scaling_strand);
  }
}

server::~server() { stop(); }

server::executor_type server::get_executor() const noexcept { return http_->get_executor(); }
const service_options& server::options() const noexcept { return state_->options; }

boost::asio::ip::tcp::endpoint server::start(boost::system::error_code& ec) {
  auto& st = *state_;
  ec.clear();
  if (http_->stopping()) {
    ec = error::stopped;
    return {};
  }
  if (st.started.load()) {
    ec = error::already_started;
    return {};
  }
  // Checked here too, for this service's own error code; the core refuses it as well.
  if (!st.options.allow_non_loopback && !stress_testing::detail::is_loopback_address(st.options.listen.address())) {
    ec = error::non_loopback_listen;
    return {};
  }
  auto const bound = http_->listen(ec);
  if (ec) return {};
  st.started.store(true);
  http_->start([shared = state_](std::shared_ptr<stress_testing::detail::http_connection> c) {
    return detail::serve_connection(shared, std::move(c));
  });
  if (st.scaler) net::co_spawn(*st.scaling_strand, detail::scaling_loop(state_), net::detached);
  return bound;
}

boost::asio::ip::tcp::endpoint server::start() {
  boost::system::error_code ec;
  auto ep = start(ec);
  if (ec) throw boost::system::system_error(ec, "fraud_service::server::start");
  return ep;
}

void server::stop() {
  http_->stop();
  if (auto& st = state_; st->scaler)
    net::post(*st->scaling_strand, [st] {
      st->scaling_stopped = true;
      st->scaling_timer->cancel();
    });
}

service_stats server::stats() const { return detail::snapshot_of(*state_, http_->connections()); }

bool server::set_agent_fault(std::string_view agent, const agent_fault& fault) {
  auto& st = *state_;
  std::lock_guard lock(st.mutex);
  if (!st.core.set_fault(agent, fault)) return false;
  st.mean_ms = mean_processing_ms(st.options.agents, st.core.faults(), st.options.orchestrator_ms);
  return true;
}

void server::set_service_fault(const service_fault& fault) {
  auto& st = *state_;
  std::lock_guard lock(st.mutex);
  st.fault = fault;
}

double server::nominal_capacity_tps() const {
  auto& st = *state_;
  std::lock_guard lock(st.mutex);
  st.sync_slots(capacity_model::clock::now());
  return st.capacity_tps();
}

}  // namespace fraud_service
