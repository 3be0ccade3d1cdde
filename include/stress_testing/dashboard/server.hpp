#ifndef STRESS_TESTING_DASHBOARD_SERVER_HPP
#define STRESS_TESTING_DASHBOARD_SERVER_HPP

/** The live dashboard's HTTP server (docs/dashboard.md): serves the page, a snapshot of the
    results-shaped document, Server-Sent Events with one message per interval, the host's
    Prometheus text, the host's runs, and the admin's controls and downloads, guarded by a bearer
    token.

    | request | answer |
    |---|---|
    | `GET /` | the page (`server_options::page`), with the document so far inserted at its data marker |
    | `GET /api/snapshot` | the document so far (`application/json`) |
    | `GET /api/events` | `text/event-stream`: first `{"type":"snapshot","document":...}`, then every `publish`ed update |
    | `GET /metrics` | `server_options::metrics()` (Prometheus text), 404 without a provider |
    | `GET /api/runs` | `server_options::runs()` (JSON: what a run supervisor can start, and its runs), 404 without a provider |
    | `POST /api/control/start`, `/stop`, `/inject` | `Authorization: Bearer <token()>` or 401; then the host's callback |
    | `GET /api/export/NAME[?run=ID]` | `Authorization: Bearer <token()>` or 401; a file of the last finished run (or run `ID`) given to `add_exports`, 404 when none |

    It runs on the project's one loopback server core (`detail/http_server.hpp`): loopback only
    unless allowed, at most `max_clients` connections, bounded requests (413 over
    `max_body_bytes`), keep-alive with an idle sweeper, back-off when out of descriptors, graceful
    stop.

    Threading: the server runs on the executor it is given (typically an `io_context` run by one
    thread of the host's, not the run's). Each connection runs on a strand of its own; the
    document, the sequence number and the event-stream clients are under one mutex, and
    `publish`es are applied in order on an internal strand. `set_document`, `publish` and `stop`
    may be called from any thread: they copy or move their argument and post it. The control and
    metrics callbacks are called on a connection's strand: they must be thread-safe with respect
    to the run (post to it, or set an atomic).

    Memory is bounded: at most `max_clients` connections; an event-stream client whose queue holds
    `max_queued_events` undelivered messages (it reads slower than intervals arrive), or whose
    write makes no progress for `idle_timeout`, is disconnected, and its browser reconnects and
    starts again from a fresh snapshot.

    Lifetime: the connections' coroutines share the server's state, so destroying the `server`
    object only stops it (closing the listener and every connection); the state is freed when the
    last coroutine has finished, which needs the executor to keep running (or its `io_context` to
    be destroyed). */

#include <stress_testing/dashboard/detail/script_json.hpp>
#include <stress_testing/detail/bounded_json.hpp>
#include <stress_testing/detail/http_server.hpp>
#include <stress_testing/detail/loopback.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::dashboard {

namespace asio = boost::asio;

/// What a control callback answers: the HTTP status and a message for the person who clicked.
struct control_reply {
  unsigned status = 200;
  std::string message = "ok";
};

/// A control callback: receives the request's JSON body (`{}` when empty).
using control_handler = std::function<control_reply(const nlohmann::json& request)>;

/// A file of a finished run that the admin may download (`GET /api/export/NAME`).
struct export_file {
  std::string name;          ///< the last segment of its path: `results.json`
  std::string content_type;  ///< `application/json`
  std::string body;
};

/// How to serve.
struct server_options {
  /// Listening address; only loopback (127.0.0.0/8, ::1) unless `allow_non_loopback`.
  std::string address = "127.0.0.1";
  /// 0 picks a free port (read it back with `local_endpoint()`).
  unsigned short port = 0;
  /// The controls are token-guarded, but the data is not: exposing it beyond this machine is a
  /// decision, not a default.
  bool allow_non_loopback = false;
  /// The page served at `GET /` (`report.hpp`'s `live_page()` gives the embedded one).
  std::string page = "<!doctype html><title>stress_testing</title><p>No dashboard page was configured.";
  /// Where in `page` the server inserts the current document, as
  /// `<script id="snapshot" type="application/json">`, at each `GET /` (absent: served as is).
  std::string page_data_marker = "<!--STRESS_TESTING_DATA-->";
  /// `GET /metrics`: Prometheus text exposition; unset answers 404.
  std::function<std::string()> metrics;
  /// The admin token. Empty: 128 random bits made at construction (the usual case). A given one
  /// (read from a file the admin keeps) must be 16 to 256 visible ASCII characters.
  std::string token;
  /// `POST /api/control/start`, `/api/control/stop` and `/api/control/inject`; unset answers 501.
  control_handler on_start;
  control_handler on_stop;
  control_handler on_inject;
  /// `GET /api/runs`: the host's runs and what it can start, as JSON (read-only, like the
  /// snapshot); unset answers 404.
  std::function<nlohmann::json()> runs;
  /// Finished runs whose exports are kept (`add_exports`); the oldest beyond it is forgotten.
  std::size_t max_kept_runs = 8;
  /// Connections served at once; more are closed on accept.
  std::size_t max_clients = 32;
  /// Undelivered messages an event-stream client may have before it is disconnected.
  std::size_t max_queued_events = 64;
  /// Largest request body accepted (controls only).
  std::size_t max_body_bytes = 64 * 1024;
  /// Idle time after which a non-streaming connection is closed; the event stream sends a
  /// comment line this often to keep proxies and browsers from timing it out.
  std::chrono::seconds idle_timeout{15};
};

namespace detail {

namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

/// 128 random bits as 32 lowercase hex digits.
inline std::string random_token() {
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string t;
  t.reserve(32);
  for (int i = 0; i < 4; ++i) {
    auto v = static_cast<std::uint32_t>(rd());
    for (int k = 0; k < 8; ++k, v >>= 4) t.push_back(hex[v & 0xfu]);
  }
  return t;
}

/// Why `token` cannot be the admin token (nullptr when it can): 16 to 256 visible ASCII characters.
inline const char* token_problem(std::string_view token) noexcept {
  if (token.size() < 16) return "token: must be at least 16 characters (128 random bits are 32 hex digits)";
  if (token.size() > 256) return "token: must be at most 256 characters";
  for (char c : token)
    if (c <= ' ' || c > '~') return "token: must be visible ASCII characters only (no spaces or control characters)";
  return nullptr;
}

/// Compares in time independent of where the strings differ.
inline bool same_secret(std::string_view a, std::string_view b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

/** One event-stream client. Its socket and timers belong to its connection's strand; its queue
    and `dropped` flag are under `server_state::mutex` (publishers fill it from another strand). */
struct sse_client {
  explicit sse_client(std::shared_ptr<stress_testing::detail::http_connection> c)
      : connection(std::move(c)), wake(connection->get_executor(), std::chrono::steady_clock::time_point::max()),
        write_deadline(connection->get_executor()) {}
  std::shared_ptr<stress_testing::detail::http_connection> connection;
  std::deque<std::shared_ptr<const std::string>> queue;  // under server_state::mutex
  bool dropped = false;                                   // under server_state::mutex
  asio::steady_timer wake;            // the writer sleeps on it; cancelled when there is news
  asio::steady_timer write_deadline;  // a write that makes no progress this long ends the stream

  /// Wakes the writer, on its strand (timers are not thread-safe).
  static void nudge(const std::shared_ptr<sse_client>& c) {
    asio::post(c->wake.get_executor(), [c] { c->wake.cancel(); });
  }
  /// Ends the stream, a write in progress included, on its strand.
  static void close(const std::shared_ptr<sse_client>& c) {
    asio::post(c->wake.get_executor(), [c] {
      boost::system::error_code ignored;
      c->connection->socket().close(ignored);
      c->wake.cancel();
    });
  }
};

/// Everything the connections share. `options` and `token` are immutable; the rest is under `mutex`.
struct server_state : std::enable_shared_from_this<server_state> {
  server_state(asio::any_io_executor ex, server_options o, stress_testing::detail::http_server_options core_options)
      : executor(ex), publish_strand(asio::make_strand(ex)), core(ex, core_options), options(std::move(o)),
        token(options.token.empty() ? random_token() : options.token) {}

  asio::any_io_executor executor;
  asio::strand<asio::any_io_executor> publish_strand;  // publishes apply in the order they were made
  stress_testing::detail::http_server core;
  server_options const options;
  std::string const token;

  std::mutex mutex;
  nlohmann::json document = nlohmann::json::object();
  std::uint64_t sequence = 0;
  bool stopped = false;
  std::set<std::shared_ptr<sse_client>> clients;
  /// The finished runs' files, oldest first, at most `options.max_kept_runs` (under `mutex`).
  struct kept_run {
    std::string id;
    std::vector<export_file> files;
  };
  std::deque<kept_run> exports;

  /// Under `mutex`.
  std::string snapshot_event() const {
    nlohmann::json m{{"type", "snapshot"}, {"seq", sequence}, {"document", document}};
    return "event: message\nid: " + std::to_string(sequence) + "\ndata: " + m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
  }

  /// Under `mutex`: queues `text` for every client, dropping the ones that fell too far behind.
  void broadcast(const std::shared_ptr<const std::string>& text) {
    for (auto const& c : clients) {
      if (c->dropped) continue;
      if (c->queue.size() >= options.max_queued_events) {
        // Too slow: drop it rather than queue without bound; EventSource reconnects.
        c->dropped = true;
        c->queue.clear();
        sse_client::close(c);
      } else {
        c->queue.push_back(text);
        sse_client::nudge(c);
      }
    }
  }

  void shutdown() {
    std::set<std::shared_ptr<sse_client>> streaming;
    {
      std::lock_guard lock(mutex);
      if (stopped) return;
      stopped = true;
      streaming = clients;
    }
    core.stop();  // the listener, and every idle or reading connection
    // Event streams first deliver what is queued (the final document, typically), then end;
    // one still writing after a second is closed.
    for (auto const& c : streaming) sse_client::nudge(c);
    if (streaming.empty()) return;
    auto grace = std::make_shared<asio::steady_timer>(publish_strand, std::chrono::seconds(1));
    grace->async_wait([self = shared_from_this(), grace](boost::system::error_code) {
      std::lock_guard lock(self->mutex);
      for (auto const& c : self->clients) {
        c->dropped = true;
        sse_client::close(c);
      }
    });
  }
};

/// Merges a published update into the document: the interval is appended to `intervals`, the
/// other keys (summary, resilience, ...) replace the document's; `document` replaces it all.
inline void merge_update(nlohmann::json& doc, const nlohmann::json& update) {
  if (!update.is_object()) return;
  if (auto d = update.find("document"); d != update.end() && d->is_object()) doc = *d;
  for (auto const& [key, value] : update.items()) {
    if (key == "interval") {
      if (!doc.contains("intervals") || !doc["intervals"].is_array()) doc["intervals"] = nlohmann::json::array();
      doc["intervals"].push_back(value);
    } else if (key != "document" && key != "type" && key != "seq") {
      doc[key] = value;
    }
  }
}

using response = http::response<http::string_body>;

inline response make_response(const http::request<http::string_body>& req, http::status status, std::string body,
                              std::string_view content_type) {
  response res{status, req.version()};
  res.set(http::field::server, "stress_testing dashboard");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

inline response json_reply(const http::request<http::string_body>& req, http::status status, std::string_view message) {
  bool const ok = http::to_status_class(status) == http::status_class::successful;
  return make_response(req, status, nlohmann::json{{"ok", ok}, {"message", message}}.dump() + "\n",
                       "application/json");
}

/// Whether `req` carries `Authorization: Bearer <the admin token>` (compared in constant time).
inline bool authorized(const server_state& s, const http::request<http::string_body>& req) {
  auto const auth = req[http::field::authorization];
  constexpr std::string_view bearer = "Bearer ";
  return auth.size() > bearer.size() && auth.substr(0, bearer.size()) == bearer &&
         same_secret(auth.substr(bearer.size()), s.token);
}

inline response unauthorized(const http::request<http::string_body>& req) {
  auto res = json_reply(req, http::status::unauthorized, "missing or wrong admin token");
  res.set(http::field::www_authenticate, "Bearer");
  return res;
}

/// The value of `key` in the target's query string ("" when absent).
inline std::string_view query_value(std::string_view target, std::string_view key) {
  auto const q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto const amp = query.find('&');
    auto const pair = query.substr(0, amp);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=')
      return pair.substr(key.size() + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

/// `GET /api/export/NAME[?run=ID]`, once authorized: the file of the last finished run, or of run `ID`.
inline response export_reply(server_state& s, const http::request<http::string_body>& req, std::string_view name) {
  auto const run = query_value(std::string_view(req.target()), "run");
  export_file file;
  std::string id;
  {
    std::lock_guard lock(s.mutex);
    if (s.exports.empty()) return json_reply(req, http::status::not_found, "no run has finished yet");
    auto kept = s.exports.end() - 1;
    if (!run.empty()) {
      kept = s.exports.end();
      for (auto it = s.exports.begin(); it != s.exports.end(); ++it)
        if (it->id == run) kept = it;
      if (kept == s.exports.end())
        return json_reply(req, http::status::not_found,
                          "run: no finished run '" + std::string(run) + "' is kept (the last " +
                              std::to_string(s.options.max_kept_runs) + " are)");
    }
    std::string names;
    for (auto const& f : kept->files) {
      if (f.name == name) file = f;
      names += (names.empty() ? "" : ", ") + f.name;
    }
    if (file.name.empty())
      return json_reply(req, http::status::not_found, "no export '" + std::string(name) + "' (there are: " + names + ")");
    id = kept->id;
  }
  auto res = make_response(req, http::status::ok, std::move(file.body), file.content_type);
  res.set(http::field::content_disposition, "attachment; filename=\"" + file.name + "\"");
  res.set("X-Stress-Testing-Run", id);
  return res;
}

inline response control(server_state& s, const http::request<http::string_body>& req, const control_handler& handler) {
  if (!authorized(s, req)) return unauthorized(req);
  if (!handler) return json_reply(req, http::status::not_implemented, "this host has no such control");
  nlohmann::json body = nlohmann::json::object();
  if (!req.body().empty()) {
    std::string invalid;
    auto parsed = stress_testing::detail::try_parse_bounded_json(req.body(), invalid, {.max_depth = 16, .max_bytes = 64u << 10});
    if (!parsed || !parsed->is_object())
      return json_reply(req, http::status::bad_request,
                        "the body must be a JSON object" + (invalid.empty() ? std::string() : ": " + invalid));
    body = std::move(*parsed);
  }
  control_reply reply;
  try {
    reply = handler(body);
  } catch (const std::invalid_argument& e) {
    reply = {400, e.what()};  // the handler's word on a field it could not use (it names it)
  } catch (const nlohmann::json::exception& e) {
    reply = {400, std::string("a field of the body has the wrong type: ") + e.what()};  // a handler that did not check
  } catch (const std::exception& e) {
    reply = {500, e.what()};
  }
  auto status = http::int_to_status(reply.status);
  if (status == http::status::unknown) status = http::status::internal_server_error;
  return json_reply(req, status, reply.message);
}

/// The answer to every request except the event stream.
inline response handle(server_state& s, const http::request<http::string_body>& req) {
  auto target = std::string_view(req.target());
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  bool const get = req.method() == http::verb::get || req.method() == http::verb::head;
  bool const post = req.method() == http::verb::post;
  if (target == "/" || target == "/index.html") {
    if (!get) return json_reply(req, http::status::method_not_allowed, "GET only");
    auto const& page = s.options.page;
    auto const at = s.options.page_data_marker.empty() ? std::string::npos : page.find(s.options.page_data_marker);
    if (at == std::string::npos) return make_response(req, http::status::ok, page, "text/html; charset=utf-8");
    std::string body = page.substr(0, at);
    body += R"(<script id="snapshot" type="application/json">)";
    {
      std::lock_guard lock(s.mutex);
      body += script_safe_json(s.document);
    }
    body += "</script>";
    body += page.substr(at + s.options.page_data_marker.size());
    return make_response(req, http::status::ok, std::move(body), "text/html; charset=utf-8");
  }
  if (target == "/api/snapshot") {
    if (!get) return json_reply(req, http::status::method_not_allowed, "GET only");
    std::string text;
    {
      std::lock_guard lock(s.mutex);
      text = s.document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return make_response(req, http::status::ok, std::move(text), "application/json");
  }
  if (target == "/metrics") {
    if (!get) return json_reply(req, http::status::method_not_allowed, "GET only");
    if (!s.options.metrics) return json_reply(req, http::status::not_found, "no metrics provider");
    std::string text;
    try {
      text = s.options.metrics();
    } catch (const std::exception& e) {
      return json_reply(req, http::status::internal_server_error, e.what());
    }
    return make_response(req, http::status::ok, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
  }
  if (target == "/api/runs") {
    if (!get) return json_reply(req, http::status::method_not_allowed, "GET only");
    if (!s.options.runs) return json_reply(req, http::status::not_found, "this host starts no runs");
    std::string text;
    try {
      text = s.options.runs().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& e) {
      return json_reply(req, http::status::internal_server_error, e.what());
    }
    return make_response(req, http::status::ok, std::move(text), "application/json");
  }
  if (target == "/api/control/start" || target == "/api/control/stop" || target == "/api/control/inject") {
    if (!post) return json_reply(req, http::status::method_not_allowed, "POST only");
    auto const& handler = target == "/api/control/start" ? s.options.on_start
                          : target == "/api/control/stop" ? s.options.on_stop
                                                          : s.options.on_inject;
    return control(s, req, handler);
  }
  if (constexpr std::string_view exports = "/api/export/"; target.substr(0, exports.size()) == exports) {
    if (!get) return json_reply(req, http::status::method_not_allowed, "GET only");
    if (!authorized(s, req)) return unauthorized(req);
    return export_reply(s, req, target.substr(exports.size()));
  }
  return json_reply(req, http::status::not_found, "not found");
}

/// Streams events to one client until it goes away, is dropped, or the server stops. On the
/// connection's strand; returns when the stream has ended (the connection then closes).
inline asio::awaitable<void> stream_events(std::shared_ptr<server_state> s,
                                           std::shared_ptr<stress_testing::detail::http_connection> connection, unsigned version) {
  auto& conn = *connection;
  http::response<http::empty_body> head{http::status::ok, version};
  head.set(http::field::server, "stress_testing dashboard");
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-store");
  head.keep_alive(true);
  // No content length: the body is the stream, ended by closing the connection.
  http::response_serializer<http::empty_body> sr{head};
  auto client = std::make_shared<sse_client>(connection);
  auto const timeout = s->options.idle_timeout;
  // Every write is bounded: a peer that stops reading cannot hold the stream forever.
  auto write_guarded = [&client, timeout](auto&& write) -> asio::awaitable<bool> {
    client->write_deadline.expires_after(timeout);
    client->write_deadline.async_wait([c = client](boost::system::error_code ec) {
      if (!ec) {
        boost::system::error_code ignored;
        c->connection->socket().close(ignored);
      }
    });
    auto [ec, n] = co_await write();
    client->write_deadline.cancel();
    co_return !ec;
  };
  if (!co_await write_guarded([&] { return http::async_write_header(conn.socket(), sr, asio::as_tuple(asio::use_awaitable)); }))
    co_return;
  {
    std::lock_guard lock(s->mutex);
    if (s->stopped) co_return;
    client->queue.push_back(std::make_shared<const std::string>("retry: 2000\n" + s->snapshot_event()));
    s->clients.insert(client);
  }
  for (;;) {
    std::shared_ptr<const std::string> text;
    bool stopped = false;
    {
      std::lock_guard lock(s->mutex);
      if (client->dropped) break;
      stopped = s->stopped;
      if (!client->queue.empty()) {
        text = std::move(client->queue.front());
        client->queue.pop_front();
      }
    }
    if (!text) {
      if (stopped) break;  // everything queued was written
      client->wake.expires_after(timeout);
      auto [wec] = co_await client->wake.async_wait(asio::as_tuple(asio::use_awaitable));
      std::lock_guard lock(s->mutex);
      if (!wec && client->queue.empty() && !s->stopped && !client->dropped)
        client->queue.push_back(std::make_shared<const std::string>(": keep-alive\n\n"));
      continue;
    }
    if (!co_await write_guarded([&] { return asio::async_write(conn.socket(), asio::buffer(*text), asio::as_tuple(asio::use_awaitable)); }))
      break;
  }
  std::lock_guard lock(s->mutex);
  s->clients.erase(client);
}

/** The request handler for the server core: the event stream takes over the connection; every
    other request is answered by `handle`. */
class request_handler {
 public:
  request_handler(std::shared_ptr<server_state> s, std::shared_ptr<stress_testing::detail::http_connection> conn)
      : s_(std::move(s)), conn_(std::move(conn)) {}

  asio::awaitable<bool> operator()(stress_testing::detail::http_request& req, bool keep_alive) {
    auto target = std::string_view(req.target());
    if (target.substr(0, target.find('?')) == "/api/events" && req.method() == http::verb::get) {
      co_await stream_events(s_, conn_, req.version());
      co_return false;
    }
    auto res = handle(*s_, req);
    res.keep_alive(keep_alive && res.keep_alive());
    auto [ec, n] = co_await http::async_write(conn_->socket(), res, asio::as_tuple(asio::use_awaitable));
    co_return !ec && res.keep_alive();
  }

  /// Over `max_body_bytes`: the core answers this and closes.
  static std::string_view too_large_response() noexcept {
    return "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nContent-Length: 48\r\n"
           "Connection: close\r\n\r\n{\"ok\":false,\"message\":\"request body too large\"}\n";
  }

 private:
  std::shared_ptr<server_state> s_;
  std::shared_ptr<stress_testing::detail::http_connection> conn_;
};

inline stress_testing::detail::http_server_options core_options(const server_options& o) {
  boost::system::error_code ec;
  auto const address = asio::ip::make_address(o.address, ec);
  if (ec) throw std::invalid_argument("dashboard: '" + o.address + "' is not an IP address");
  if (!o.allow_non_loopback && !stress_testing::detail::is_loopback_address(address))
    throw std::invalid_argument("dashboard: " + o.address +
                                " is not a loopback address (allow_non_loopback to serve beyond this machine)");
  stress_testing::detail::http_server_options c;
  c.listen = {address, o.port};
  c.allow_non_loopback = o.allow_non_loopback;
  c.max_connections = o.max_clients;
  c.body_limit = o.max_body_bytes;
  c.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(o.idle_timeout);
  return c;
}

}  // namespace detail

/** The dashboard server. Binds and listens in the constructor (throws `std::invalid_argument`
    for a non-loopback address without `allow_non_loopback`, `boost::system::system_error` when
    the address cannot be bound), serves once `start()` is called, until `stop()` or destruction. */
class server {
 public:
  server(asio::any_io_executor ex, server_options options) {
    if (!options.token.empty())
      if (auto const* why = detail::token_problem(options.token)) throw std::invalid_argument(std::string("dashboard: ") + why);
    auto core = detail::core_options(options);
    state_ = std::make_shared<detail::server_state>(std::move(ex), std::move(options), core);
    boost::system::error_code ec;
    endpoint_ = state_->core.listen(ec);
    if (ec) throw boost::system::system_error(ec, "dashboard: cannot listen on " + state_->options.address);
  }
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server() { stop(); }

  /// Starts accepting connections. Call once.
  void start() {
    // The core keeps the session function, and this state keeps the core: the function holds
    // the state weakly, or neither would ever be freed.
    std::weak_ptr<detail::server_state> weak = state_;
    state_->core.start([weak](std::shared_ptr<stress_testing::detail::http_connection> conn) -> asio::awaitable<void> {
      auto s = weak.lock();
      if (!s) co_return;
      detail::request_handler handler(std::move(s), conn);
      co_await stress_testing::detail::serve_requests(conn->socket(), *conn, handler);
    });
  }

  /// Where it listens (the real port when `port` was 0).
  asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }

  /// The admin token: `server_options::token`, or 32 hex digits (128 random bits) made at construction.
  const std::string& token() const noexcept { return state_->token; }

  asio::any_io_executor get_executor() const { return state_->executor; }

  /** Replaces the whole document (the results-shaped JSON the page renders) and sends it to every
      event-stream client as `{"type":"document","document":...}`. Any thread. */
  void set_document(nlohmann::json document) {
    publish(nlohmann::json{{"type", "document"}, {"document", std::move(document)}});
  }

  /** Publishes one update (typically per interval: `{"type":"interval","interval":{...},
      "summary":{...}, ...}`): merged into the document (`interval` appended to `intervals`,
      other keys replaced) and sent to every event-stream client as one `data:` message with a
      `seq` number. Any thread; the JSON is moved to the server's strand. */
  void publish(nlohmann::json update) {
    auto s = state_;
    asio::post(s->publish_strand, [s, u = std::move(update)]() mutable {
      std::lock_guard lock(s->mutex);
      if (s->stopped) return;
      detail::merge_update(s->document, u);
      u["seq"] = ++s->sequence;
      auto text = std::make_shared<const std::string>(
          "id: " + std::to_string(s->sequence) + "\ndata: " + u.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n");
      s->broadcast(text);
    });
  }

  /** Keeps the files of finished run `run` for `GET /api/export/NAME` (`?run=run`; without it, the
      last run given). A run given again is replaced; beyond `max_kept_runs` the oldest is
      forgotten. Any thread; applied before it returns, so a client told of the run's end by a
      later `set_document` finds them. */
  void add_exports(std::string run, std::vector<export_file> files) {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    for (auto it = s.exports.begin(); it != s.exports.end(); ++it)
      if (it->id == run) {
        s.exports.erase(it);
        break;
      }
    s.exports.push_back({std::move(run), std::move(files)});
    while (s.exports.size() > std::max<std::size_t>(1, s.options.max_kept_runs)) s.exports.pop_front();
  }

  /// The ids of the runs whose exports are kept, oldest first. Any thread.
  std::vector<std::string> kept_runs() const {
    std::lock_guard lock(state_->mutex);
    std::vector<std::string> ids;
    for (auto const& k : state_->exports) ids.push_back(k.id);
    return ids;
  }

  /// Stops listening and closes every connection. Any thread; idempotent.
  void stop() {
    auto s = state_;
    asio::post(s->publish_strand, [s] { s->shutdown(); });
  }

 private:
  std::shared_ptr<detail::server_state> state_;
  asio::ip::tcp::endpoint endpoint_;
};

}  // namespace stress_testing::dashboard

#endif
