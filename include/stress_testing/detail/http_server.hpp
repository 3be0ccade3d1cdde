#ifndef STRESS_TESTING_DETAIL_HTTP_SERVER_HPP
#define STRESS_TESTING_DETAIL_HTTP_SERVER_HPP

/** One loopback HTTP/1.1 server core (network layer only: Asio and Beast, no JSON), shared by the
    project's servers so that the rules below live in one place:

    - it binds only a loopback address (`is_loopback_address`) unless told otherwise;
    - the accept loop backs off after an error (EMFILE and the like) instead of spinning;
    - at most `max_connections` are open: one more is accepted and closed at once;
    - requests are bounded (`header_limit`, `body_limit`: a larger body is answered 413 and the
      connection closed after draining what the peer still sends, so it reads the 413);
    - keep-alive, with one timeout: a connection that completes no request for `idle_timeout`
      (idle between requests, or a request trickling in) is closed by a sweeper — one timer for
      the whole server, so nothing is armed per request; so is one whose response has sat in its
      send queue for `idle_timeout` without the peer taking a byte (a client that pipelines
      requests and never reads would otherwise hold its connection, and a `max_connections`
      slot, for ever; Linux, where the queue can be read);
    - `stop()` is graceful: the listener and every idle or reading connection close at once;
      a connection whose handler is busy finishes that response (a handler that waits asks
      `connection.stopping()` before writing, to answer `Connection: close`) and then closes.

    The protocol above HTTP parsing is the user's: `start` takes a session function, called once
    per accepted connection on that connection's own strand, which usually sets up per-connection
    scratch and calls `serve_requests(stream, connection, handler)`. The handler is called per
    request as `co_await handler(request, keep_alive)` and writes its own response on the stream
    (raw bytes, a Beast message, or a stream of events), returning whether to read another
    request. `sync_handler` adapts a plain `response(const request&)` function. */

#include <stress_testing/detail/loopback.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/error_code.hpp>

#if defined(__linux__)
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace stress_testing::detail {

/// Where an `http_server` listens, and its limits.
struct http_server_options {
  /// Port 0 picks an ephemeral port (`listen` returns it).
  boost::asio::ip::tcp::endpoint listen{boost::asio::ip::address_v4::loopback(), 0};
  /// The project's network-safety rule: only loopback unless this is set.
  bool allow_non_loopback = false;
  /// Open connections at most; one more is accepted and closed at once.
  std::size_t max_connections = 1024;
  std::size_t header_limit = 16 * 1024;
  /// Larger request bodies are answered 413 and the connection closed.
  std::uint64_t body_limit = 64 * 1024;
  /// A connection that completes no request for this long is closed (idle or reading).
  std::chrono::milliseconds idle_timeout{30'000};
  /// Pause after a failed accept (out of descriptors...), so the loop does not spin.
  std::chrono::milliseconds accept_backoff{20};
};

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

class http_server;

namespace http_server_impl {
struct state;
inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace http_server_impl

/** One accepted connection: its socket (on its own strand), its read buffer, and the activity
    state the sweeper and `stop()` look at. Handed to the session function. */
class http_connection {
 public:
  using tcp = boost::asio::ip::tcp;

  http_connection(tcp::socket socket, std::shared_ptr<http_server_impl::state> server, std::size_t buffer_limit)
      : socket_(std::move(socket)), buffer_(buffer_limit), server_(std::move(server)) {}

  tcp::socket& socket() noexcept { return socket_; }
  boost::beast::flat_buffer& buffer() noexcept { return buffer_; }
  tcp::socket::executor_type get_executor() noexcept { return socket_.get_executor(); }
  const http_server_options& options() const noexcept;
  /// The server is stopping: answer with `Connection: close`.
  bool stopping() const noexcept;
  /// The server's open connections now (this one included), as `http_server::connections()`.
  std::size_t server_connections() const;

  /// Marks the connection as waiting for the peer: the sweeper and `stop()` may close it.
  void begin_read() noexcept { reading_.store(true, std::memory_order_relaxed); }
  /// Marks it busy (a handler runs) and restarts its idle clock.
  void end_read() noexcept {
    reading_.store(false, std::memory_order_relaxed);
    touch();
  }
  void touch() noexcept { last_active_ns_.store(http_server_impl::now_ns(), std::memory_order_relaxed); }

  /** On the connection's strand: closes it when it waits for the peer and has been quiet longer
      than `timeout_ns`, or (`timeout_ns` >= 0) when a handler's response has stayed in the send
      queue, not one byte taken by the peer, that long. A handler that is still working (nothing
      queued) is left alone. */
  void close_if_idle(std::int64_t timeout_ns) noexcept {
    auto const now = http_server_impl::now_ns();
    boost::system::error_code ignored;
    if (reading_.load(std::memory_order_relaxed)) {
      stalled_unsent_ = 0;
      if (now - last_active_ns_.load(std::memory_order_relaxed) > timeout_ns) socket_.close(ignored);
      return;
    }
    std::size_t const unsent = unsent_bytes();
    if (unsent == 0 || unsent != stalled_unsent_) {  // nothing waits, or the peer took some
      stalled_unsent_ = unsent;
      stalled_since_ns_ = now;
      return;
    }
    if (timeout_ns >= 0 && now - stalled_since_ns_ > timeout_ns) socket_.close(ignored);
  }

 private:
  /// Bytes written but not yet acknowledged by the peer (0 where the platform does not say).
  std::size_t unsent_bytes() noexcept {
#if defined(__linux__)
    int n = 0;
    if (::ioctl(socket_.native_handle(), SIOCOUTQ, &n) == 0 && n > 0) return static_cast<std::size_t>(n);
#endif
    return 0;
  }

  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<http_server_impl::state> server_;
  std::atomic<bool> reading_{false};
  std::atomic<std::int64_t> last_active_ns_{http_server_impl::now_ns()};
  // The sweeper's view of a busy connection's send queue (touched on its strand only).
  std::size_t stalled_unsent_ = 0;
  std::int64_t stalled_since_ns_ = 0;
};

/// Called once per accepted connection, on the connection's strand.
using http_session = std::function<boost::asio::awaitable<void>(std::shared_ptr<http_connection>)>;

namespace http_server_impl {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ignore_exception {
  void operator()(std::exception_ptr) const noexcept {}
};

/** Shared by the server object, its loops and every connection. The acceptor and the sweep
    timer are confined to `strand`; the registry is under `mutex` (connections live on their own
    strands, possibly on other threads). */
struct state {
  state(net::any_io_executor ex, http_server_options o)
      : executor(std::move(ex)), strand(net::make_strand(executor)), options(o), acceptor(strand), sweep_timer(strand) {}

  void add(const std::shared_ptr<http_connection>& c) {
    std::lock_guard lock(mutex);
    connections.emplace(c.get(), c);
  }
  void remove(http_connection* c) {
    std::lock_guard lock(mutex);
    connections.erase(c);
  }
  std::size_t count() const {
    std::lock_guard lock(mutex);
    return connections.size();
  }

  /// Posts `f(connection&)` to each open connection's strand.
  template <class F>
  void for_each_connection(F f) {
    std::lock_guard lock(mutex);
    for (auto& [raw, weak] : connections)
      if (auto c = weak.lock()) {
        auto const ex = c->get_executor();
        net::post(ex, [c = std::move(c), f] { f(*c); });
      }
  }

  net::any_io_executor executor;
  net::strand<net::any_io_executor> strand;
  http_server_options const options;
  tcp::acceptor acceptor;         // on strand
  net::steady_timer sweep_timer;  // on strand
  http_session session;
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::unordered_map<http_connection*, std::weak_ptr<http_connection>> connections;
};

/// Unregisters the connection and closes its socket however its session ends.
struct connection_guard {
  state* st;
  std::shared_ptr<http_connection> c;
  ~connection_guard() {
    boost::system::error_code ignored;
    c->socket().shutdown(tcp::socket::shutdown_send, ignored);
    c->socket().close(ignored);
    st->remove(c.get());
    // The sweeper outlives stop() only while connections remain: wake it to end with the last.
    if (st->stopping.load() && st->count() == 0) net::post(st->strand, [st = st, keep = c] { st->sweep_timer.cancel(); });
  }
};

inline net::awaitable<void> run_session(std::shared_ptr<state> st, std::shared_ptr<http_connection> c) {
  connection_guard const guard{st.get(), c};
  co_await st->session(std::move(c));
}

inline net::awaitable<void> accept_loop(std::shared_ptr<state> st) {
  boost::system::error_code ec;
  auto const& o = st->options;
  std::size_t const buffer_limit = o.header_limit + static_cast<std::size_t>(o.body_limit) + 16 * 1024;
  for (;;) {
    tcp::socket socket = co_await st->acceptor.async_accept(net::any_io_executor(net::make_strand(st->executor)),
                                                            net::redirect_error(net::use_awaitable, ec));
    if (st->stopping.load() || !st->acceptor.is_open()) co_return;
    if (ec) {
      // Out of descriptors and the like: the error repeats until something closes, so pause
      // instead of spinning, then keep serving.
      net::steady_timer pause(st->strand, o.accept_backoff);
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    if (st->count() >= o.max_connections) {
      socket.close(ec);  // over the limit: the peer sees its connection closed at once
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<http_connection>(std::move(socket), st, buffer_limit);
    st->add(conn);
    auto const ex = conn->get_executor();
    net::co_spawn(ex, run_session(st, std::move(conn)), ignore_exception{});
  }
}

/// Closes connections that have not completed a request for `idle_timeout` (slow or silent peers)
/// or whose peer has not read for that long. After `stop()` it goes on until the last connection
/// is gone, so that a response nobody reads cannot keep a stopped server alive.
inline net::awaitable<void> sweep_loop(std::shared_ptr<state> st) {
  auto const timeout_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(st->options.idle_timeout).count();
  auto const period = std::clamp<std::chrono::milliseconds>(st->options.idle_timeout / 4, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(1000));
  boost::system::error_code ec;
  for (;;) {
    st->sweep_timer.expires_after(period);
    co_await st->sweep_timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (st->stopping.load() ? st->count() == 0 : bool(ec)) co_return;
    // Re-checked on each connection's strand: it may have received a request since.
    st->for_each_connection([timeout_ns](http_connection& c) { c.close_if_idle(timeout_ns); });
  }
}

inline void begin_stop(const std::shared_ptr<state>& st) {
  boost::system::error_code ec;
  st->acceptor.close(ec);
  st->sweep_timer.cancel();
  // Idle or mid-read: nothing is owed. Busy ones answer with Connection: close, then end.
  st->for_each_connection([](http_connection& c) { c.close_if_idle(-1); });
}

/// What a 413 looks like when the handler does not say (`too_large_response()`).
inline constexpr std::string_view default_too_large =
    "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

template <class Handler>
concept answers_too_large = requires(Handler& h) {
  { h.too_large_response() } -> std::convertible_to<std::string_view>;
};

}  // namespace http_server_impl

inline const http_server_options& http_connection::options() const noexcept { return server_->options; }
inline bool http_connection::stopping() const noexcept { return server_->stopping.load(std::memory_order_relaxed); }
inline std::size_t http_connection::server_connections() const { return server_->count(); }

/** A request handler: `co_await handler(request, keep_alive)` writes the response on the stream
    it was made with and returns whether to read another request. `keep_alive` is false when the
    client asked to close or the server was stopping when the request arrived; the core then
    closes after the handler. A handler that waits before answering asks
    `http_connection::stopping()` again. */
template <class Handler>
concept http_handler = requires(Handler& h, http_request& req, bool keep_alive) {
  { h(req, keep_alive) } -> std::same_as<boost::asio::awaitable<bool>>;
};

/** Reads requests from `stream` (the connection's socket, or a TLS stream over it) and hands each
    to `handler`, until the peer closes, asks to close, sends something that is not HTTP (closed
    without a word), exceeds a limit, idles too long, or the server stops. A body over
    `body_limit` is answered with `handler.too_large_response()` (raw bytes, if the handler has
    it; a bare 413 otherwise), then the connection drains what the peer still sends and closes.
    Per request: one Beast parser on the stack and the handler's coroutine frame (recycled by
    Asio's per-thread allocator); the read buffer is the connection's. */
template <class Stream, http_handler Handler>
boost::asio::awaitable<void> serve_requests(Stream& stream, http_connection& c, Handler& handler) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  boost::system::error_code ec;
  auto const& o = c.options();
  for (;;) {
    c.begin_read();
    if (c.stopping()) co_return;  // stop() closes readers; this catches one between requests
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(o.header_limit, UINT32_MAX)));
    parser.body_limit(o.body_limit);
    co_await http::async_read(stream, c.buffer(), parser, net::redirect_error(net::use_awaitable, ec));
    c.end_read();
    if (ec) {
      if (ec != http::error::body_limit) co_return;  // end of stream, timeout, stop, or not HTTP
      std::string_view response = http_server_impl::default_too_large;
      if constexpr (http_server_impl::answers_too_large<Handler>) response = handler.too_large_response();
      co_await net::async_write(stream, net::buffer(response), net::redirect_error(net::use_awaitable, ec));
      c.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
      // Lingering close: closing with unread data would reset the connection and destroy the 413
      // before the peer reads it. Drain until the peer closes (or the sweeper or stop() does).
      c.begin_read();
      c.buffer().clear();
      while (!ec) co_await c.socket().async_read_some(c.buffer().prepare(4096), net::redirect_error(net::use_awaitable, ec));
      co_return;
    }
    auto& req = parser.get();
    bool const keep_alive = req.keep_alive() && !c.stopping();
    bool const more = co_await handler(req, keep_alive);
    c.touch();
    if (!more || !keep_alive) co_return;
  }
}

/** Adapts `F: http::response<Body>(http_request&)` to `http_handler`: writes its response
    (with `Connection` set from `keep_alive` and the payload prepared) on `stream`. */
template <class Stream, class F>
class sync_handler {
 public:
  sync_handler(Stream& stream, F f) : stream_(stream), f_(std::move(f)) {}

  boost::asio::awaitable<bool> operator()(http_request& req, bool keep_alive) {
    namespace net = boost::asio;
    auto res = f_(req);
    res.keep_alive(keep_alive && res.keep_alive());
    res.prepare_payload();
    boost::system::error_code ec;
    co_await boost::beast::http::async_write(stream_, res, net::redirect_error(net::use_awaitable, ec));
    co_return !ec && res.keep_alive();
  }

 private:
  Stream& stream_;
  F f_;
};

/** The listener: binds (loopback only unless allowed), accepts on its own strand, runs one
    session per connection on the connection's strand, sweeps idle connections, stops
    gracefully. `listen`, `start`, `stop` and `connections` are thread-safe. Connections keep the
    shared state alive; destroying the object stops it. */
class http_server {
 public:
  using executor_type = boost::asio::any_io_executor;

  http_server(executor_type ex, http_server_options options)
      : state_(std::make_shared<http_server_impl::state>(std::move(ex), std::move(options))) {}
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  ~http_server() { stop(); }

  executor_type get_executor() const noexcept { return state_->executor; }
  const http_server_options& options() const noexcept { return state_->options; }

  /** Binds and listens on `options().listen`; returns the bound endpoint (the real port when it
      was 0). A non-loopback address without `allow_non_loopback` is refused with
      `boost::asio::error::access_denied` and nothing is bound. */
  boost::asio::ip::tcp::endpoint listen(boost::system::error_code& ec) {
    namespace net = boost::asio;
    auto& st = *state_;
    ec.clear();
    auto const& ep = st.options.listen;
    if (!st.options.allow_non_loopback && !is_loopback_address(ep.address())) {
      ec = net::error::access_denied;
      return {};
    }
    st.acceptor.open(ep.protocol(), ec);
    if (!ec) st.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) st.acceptor.bind(ep, ec);
    if (!ec) st.acceptor.listen(net::socket_base::max_listen_connections, ec);
    auto const bound = ec ? net::ip::tcp::endpoint{} : st.acceptor.local_endpoint(ec);
    if (ec) {
      boost::system::error_code ignored;
      st.acceptor.close(ignored);
      return {};
    }
    return bound;
  }

  /// The endpoint it listens on (after `listen`).
  boost::asio::ip::tcp::endpoint local_endpoint() const {
    boost::system::error_code ec;
    return state_->acceptor.local_endpoint(ec);
  }

  /** Starts accepting (after a successful `listen`): every connection runs `session` on its own
      strand. Call once; ignored after `stop()`. */
  void start(http_session session) {
    auto& st = *state_;
    if (st.stopping.load() || st.started.exchange(true)) return;
    st.session = std::move(session);
    boost::asio::co_spawn(st.strand, http_server_impl::accept_loop(state_), http_server_impl::ignore_exception{});
    boost::asio::co_spawn(st.strand, http_server_impl::sweep_loop(state_), http_server_impl::ignore_exception{});
  }

  /** Closes the listener and every idle or reading connection; busy handlers finish their
      response (told `keep_alive = false`), then their connection closes. Any thread; idempotent;
      takes effect on the executor. */
  void stop() {
    if (state_->stopping.exchange(true)) return;
    auto st = state_;
    boost::asio::post(st->strand, [st] { http_server_impl::begin_stop(st); });
  }

  bool stopping() const noexcept { return state_->stopping.load(); }

  /// Open connections now.
  std::size_t connections() const { return state_->count(); }

 private:
  std::shared_ptr<http_server_impl::state> state_;
};

}  // namespace stress_testing::detail

#endif
