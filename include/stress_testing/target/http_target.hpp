#ifndef STRESS_TESTING_TARGET_HTTP_TARGET_HPP
#define STRESS_TESTING_TARGET_HTTP_TARGET_HPP

/** The HTTP/1.1 target (DESIGN.md §4, network layer): a keep-alive connection pool over Beast's
    parser and Asio sockets, plain or TLS. Requires linking OpenSSL (`OpenSSL::SSL`) for https. */

#include <stress_testing/detail/loopback.hpp>
#include <stress_testing/metrics/agent_timings.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/detail/inline_completion.hpp>
#include <stress_testing/target/http/header_field.hpp>
#include <stress_testing/target/http/response_sink.hpp>
#include <stress_testing/target/http/server_timing.hpp>
#include <stress_testing/target/http/url.hpp>
#include <stress_testing/target/request_context.hpp>
#include <stress_testing/target/request_result.hpp>
#include <stress_testing/target/target_report.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::target {

/** What a response observer sees of one complete HTTP response (valid during the call only). */
struct http_response_view {
  std::uint64_t sequence = 0;      ///< the request's sequence number
  unsigned status = 0;             ///< HTTP status code
  std::string_view body;           ///< the first `keep_body` bytes of the (de-chunked) body
  std::uint64_t body_bytes = 0;    ///< the whole body's size
  std::string_view server_timing;  ///< the `Server-Timing` header(s), joined, possibly empty
  std::size_t step = 0;            ///< the session step it was sent as (0 without `steps`)
};

/** What a session step's body generator knows of the request it writes (issue 15). */
struct http_step_request {
  std::uint64_t sequence = 0;  ///< this request's number
  std::size_t user = 0;        ///< the worker's virtual user (`request_context::user`)
  std::size_t step = 0;        ///< the step being sent
  /** The number this target gave the same user's previous request (in a session of score then
      feedback: the score this feedback is about), or empty for the user's first request. */
  std::optional<std::uint64_t> previous;
};

/** One step of a session (issue 15): what a virtual user sends when the engine says it is at
    this step (`request_context::step`, set by the closed model: the user's k-th request is step
    k mod steps). Each step has its own method, path and body; they share the target's
    connections, host and headers. */
struct http_step {
  std::string name;  ///< for messages and figures ("score", "feedback")
  boost::beast::http::verb method = boost::beast::http::verb::get;
  /** Where: empty for the URL's own path; "/path?query" on the URL's origin; or an absolute
      `http[s]://host:port/path` URL with the target URL's scheme, host and port (a session
      talks to one service over one pool of connections). */
  std::string path;
  /// The body of every request of this step (ignored when `body_generator` is set).
  std::string body;
  /** Writes the step's body into `out` (cleared first, capacity kept, as `body_generator`).
      Called on the target's executor. */
  std::function<void(const http_step_request& request, std::string& out)> body_generator;
};

/** TLS settings for `https://` URLs. Certificates are verified (chain and host name) by default. */
struct tls_options {
  /// PEM file of extra certificate authorities to trust, e.g. a test server's self-signed
  /// certificate: safer than turning verification off.
  std::string ca_file;
  /// The same, as PEM text.
  std::string ca_pem;
  /// Accept any certificate. Only for a throw-away test server; never against a real service.
  bool insecure_skip_verify = false;
};

/** Settings of an `http_target`. */
struct http_target_options {
  /// `http://host[:port]/path?query` or `https://...`. Resolved once, when the target is built.
  std::string url;
  boost::beast::http::verb method = boost::beast::http::verb::get;
  /// Extra header lines for every request. `Host` and `User-Agent` are added unless given here;
  /// `Content-Length` is always computed.
  std::vector<std::pair<std::string, std::string>> headers;
  /// The body of every request (ignored when `body_generator` is set).
  std::string body;
  /** Writes request `sequence`'s body into `out` (cleared before the call; its capacity is kept
      between requests, so a generator that only appends allocates nothing in steady state).
      Called on the target's executor. */
  std::function<void(std::uint64_t sequence, std::string& out)> body_generator;
  /** A session (issue 15): when not empty, each request is sent as the step the engine names
      (`request_context::step` modulo the number of steps; step 0 outside a closed-model run),
      and `method`, the URL's path, `body` and `body_generator` are not used. */
  std::vector<http_step> steps;
  /// Keep-alive connections of this target (one target per worker: the pool's total is
  /// workers × connections). Requests beyond them wait, in order, for a free connection.
  std::size_t connections = 1;
  /// A response whose body is larger is an `io_error` (counted in `body_too_large`).
  std::uint64_t max_response_body = 8u << 20;
  /// A response whose header is larger is an `io_error` (counted in `protocol_errors`).
  std::uint32_t max_response_header = 16u << 10;
  /// How many body bytes `on_response` sees (0: none are kept).
  std::size_t keep_body = 0;
  /// Called for each complete response, before the request completes (on the target's executor).
  std::function<void(const http_response_view&)> on_response;
  /** Called for each request that ends without a response (connect or I/O error, cancellation
      by a timeout or the end of the run), before it completes, with its sequence number, how
      it ended (`outcome::timeout` when cancelled: the engine's timeouts are cancellations) and
      its session step (0 without `steps`). With `on_response`, every request the target
      started is seen exactly once. */
  std::function<void(std::uint64_t sequence, outcome how, std::size_t step)> on_failure;
  /// Parse `Server-Timing` into `http_target_stats::agents`.
  bool record_server_timing = true;
  /** Batched reads (issue 17), plain `http://` only: when the engine paces arrivals on a grid
      (`request_context::pacing_grid` > 0, the open model with `pacing_granularity` or
      `adaptive_pacing_bound`), responses are not read as they arrive, each waking the thread,
      but collected in one `epoll_wait` after each burst of requests the grid sends, and at the
      latest 2.5 grid periods after the last collection while any is outstanding. Each response
      keeps the kernel's receive timestamp (`SO_TIMESTAMPNS`) as its completion
      (`request_result::completed_at`), so its response time is the one an immediate read gives.
      Costs of the trade, all bounded by about one grid period: a connection stays busy until its
      response is collected (a request finding none free collects at once); bytes a server sends
      on an idle connection are noticed at the next collection instead of before the connection's
      next request; a response that arrives just before the engine's timeout but is collected
      after it counts as a timeout. Requests without a grid (the closed model, whose next request
      waits for this response; `pacing_granularity` 0) are read at once, as with `false`. The
      target switches between the two ways only when all its connections are idle. */
  bool batch_reads = true;
  tls_options tls;
  /** Refuse (throw at construction) a URL that resolves to anything but loopback (127.0.0.0/8,
      ::1) unless this is set: load tests must not hit a real service by accident. */
  bool allow_non_loopback = false;

  /// Every problem with these options, each naming the field ("connections: must be >= 1").
  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    std::string why;
    if (!http::url::parse(url, &why)) out.push_back("url: " + why);
    if (connections == 0) out.push_back("connections: must be >= 1");
    if (max_response_body == 0) out.push_back("max_response_body: must be > 0");
    if (max_response_header < 64) out.push_back("max_response_header: must be >= 64");
    if (keep_body > max_response_body) out.push_back("keep_body: must be <= max_response_body");
    for (std::size_t i = 0; i < headers.size(); ++i)
      if (auto problem = http::header_field_problem(headers[i].first, headers[i].second))
        out.push_back("headers[" + std::to_string(i) + "]: " + *problem);
    auto const base = http::url::parse(url);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      auto const field = "steps[" + std::to_string(i) + "]";
      if (steps[i].method == boost::beast::http::verb::unknown) out.push_back(field + ".method: unknown");
      if (base && !step_target(*base, steps[i].path, &why)) out.push_back(field + ".path: " + why);
    }
    return out;
  }

  /** The request target (path and query) a step's `path` names on `base`, or empty with `why`
      (see `http_step::path`). */
  static std::optional<std::string> step_target(const http::url& base, std::string_view path, std::string* why) {
    if (path.empty()) return base.target;
    if (path.front() == '/') {
      for (char c : path)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
          if (why) *why = "must not contain spaces or control characters";
          return std::nullopt;
        }
      return std::string(path);
    }
    auto const absolute = http::url::parse(path, why);
    if (!absolute) {
      if (why) *why = "must start with '/' or be an absolute URL (" + *why + ")";
      return std::nullopt;
    }
    if (absolute->scheme != base.scheme || absolute->host != base.host || absolute->port != base.port) {
      if (why) *why = "'" + std::string(path) + "' is not on the target's origin (" + base.scheme + "://" + base.host_header() + ")";
      return std::nullopt;
    }
    return absolute->target;
  }
};

/** What one `http_target` observed beyond the outcomes (the engine counts those): how
    connections ended and what failed, and the per-agent timings the service reported. Written on
    the target's executor; read it there, or after the run completed. */
struct http_target_stats {
  std::uint64_t connections_opened = 0;  ///< connects that succeeded (TLS handshake included)
  std::uint64_t connect_failures = 0;    ///< refused, unreachable, TLS handshake failed
  std::uint64_t tls_failures = 0;        ///< of which the TLS handshake failed (e.g. verification)
  std::uint64_t closed_by_server = 0;    ///< `Connection: close`, or end of stream mid-exchange
  std::uint64_t resets = 0;              ///< connection reset or broken pipe mid-exchange
  std::uint64_t protocol_errors = 0;     ///< unparsable response (garbage, header too large, 101)
  /// Bytes the server sent when no request was outstanding (after a complete response, or on an
  /// idle connection): the connection is closed, and they are never credited to a later request.
  std::uint64_t unsolicited = 0;
  std::uint64_t interim_responses = 0;   ///< 1xx responses (100, 103, ...) skipped before the final one
  std::uint64_t body_too_large = 0;      ///< response body over `max_response_body`
  std::uint64_t cancelled = 0;           ///< requests cancelled (engine timeout, end of run)
  std::uint64_t stale_retries = 0;       ///< idempotent requests re-sent once (stale keep-alive)
  std::uint64_t responses = 0;           ///< complete responses, any status
  /// Of which read in a batch (`http_target_options::batch_reads`), timed by their kernel
  /// receive timestamp.
  std::uint64_t collected = 0;
  std::uint64_t bytes_in = 0;            ///< bytes read, headers included
  std::uint64_t bytes_out = 0;           ///< bytes written, headers included
  metrics::agent_timings agents;         ///< from `Server-Timing`
  /** The first cause of each failure class, by outcome name (`connect_error`, `io_error`,
      `http_error`, `throttled`): "TLS handshake: certificate verify failed: self-signed
      certificate", "HTTP 500", ... so that a run that failed wholesale says why. */
  std::map<std::string, std::string> first_failures;

  /// Adds `other`'s counts and agents (for merging workers).
  void merge(const http_target_stats& other) {
    connections_opened += other.connections_opened;
    connect_failures += other.connect_failures;
    tls_failures += other.tls_failures;
    closed_by_server += other.closed_by_server;
    resets += other.resets;
    protocol_errors += other.protocol_errors;
    unsolicited += other.unsolicited;
    interim_responses += other.interim_responses;
    body_too_large += other.body_too_large;
    cancelled += other.cancelled;
    stale_retries += other.stale_retries;
    responses += other.responses;
    collected += other.collected;
    bytes_in += other.bytes_in;
    bytes_out += other.bytes_out;
    agents.merge(other.agents);
    for (auto const& [kind, cause] : other.first_failures) first_failures.try_emplace(kind, cause);
  }

  /// The counters by name, as `run::run_result::target_counters` holds them.
  std::map<std::string, std::uint64_t> counters() const {
    return {{"connections_opened", connections_opened},
            {"connect_failures", connect_failures},
            {"tls_failures", tls_failures},
            {"closed_by_server", closed_by_server},
            {"resets", resets},
            {"protocol_errors", protocol_errors},
            {"unsolicited", unsolicited},
            {"interim_responses", interim_responses},
            {"body_too_large", body_too_large},
            {"cancelled", cancelled},
            {"stale_retries", stale_retries},
            {"responses", responses},
            {"collected", collected},
            {"bytes_in", bytes_in},
            {"bytes_out", bytes_out}};
  }
};

namespace detail {

/** The connection pool behind `http_target`. Stable in memory (the target holds it by pointer)
    so that socket handlers can refer to it and to its connections by raw pointer. */
class http_pool {
 public:
  using executor_type = boost::asio::any_io_executor;
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;

  http_pool(executor_type ex, http_target_options options)
      : ex_(std::move(ex)), options_(std::move(options)), stats_(std::make_shared<http_target_stats>()) {
    if (auto problems = options_.problems(); !problems.empty()) {
      std::string text = "http_target: ";
      for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
      throw std::invalid_argument(text);
    }
    url_ = http::url::parse_or_throw(options_.url);
    tcp::resolver resolver(ex_);
    error_code ec;
    endpoints_ = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec || endpoints_.empty())
      throw std::invalid_argument("http_target: cannot resolve '" + url_.host + "': " + ec.message());
    if (!options_.allow_non_loopback) {
      for (const auto& e : endpoints_)
        if (!stress_testing::detail::is_loopback_address(e.endpoint().address()))
          throw std::invalid_argument("http_target: '" + url_.host + "' resolves to " +
                                      e.endpoint().address().to_string() +
                                      ", not a loopback address; set allow_non_loopback to load a remote service");
    }
    if (url_.tls()) make_tls_context();
    build_plans();
    conns_.reserve(options_.connections);
    idle_.reserve(options_.connections);
    for (std::size_t i = 0; i < options_.connections; ++i) {
      conns_.push_back(std::make_unique<connection>(this, ex_));
      conns_.back()->index = static_cast<std::uint32_t>(i);
      idle_.push_back(conns_.back().get());
    }
    std::reverse(idle_.begin(), idle_.end());  // connection 0 is used first
  }

  http_pool(const http_pool&) = delete;
  http_pool& operator=(const http_pool&) = delete;

  ~http_pool() {
    for (auto& c : conns_) {
      error_code ignored;
      c->socket.close(ignored);
      if (c->fd >= 0) ::close(c->fd);
    }
    if (watch_.is_open()) watch_.release();  // the descriptor is epoll_fd_, closed below
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
  }

  const executor_type& get_executor() const noexcept { return ex_; }
  const std::shared_ptr<http_target_stats>& stats() const noexcept { return stats_; }
  const http::url& target_url() const noexcept { return url_; }

  template <class Handler>
  void start(std::uint64_t sequence, Handler&& handler) {
    node* n = acquire();
    n->sequence = sequence;
    n->step = 0;
    n->user = 0;
    n->previous.reset();
    if (!options_.steps.empty()) note_step(*n);
    n->batched = wants_batch();
    // The first request of a burst sees which connections have something to read first, so
    // that an idle one the server wrote to or closed is not given this request.
    if (n->batched && !collect_posted_) {
      if (!collecting_) gather();  // (a collection's completion starting a request: it looked)
      post_collect();
    }
    n->retried = false;
    n->cancelled = false;
    auto slot = boost::asio::get_associated_cancellation_slot(handler);
    n->completion.emplace(std::forward<Handler>(handler));
    if (slot.is_connected()) {
      n->slot = slot;
      n->slot.template emplace<cancel_handler>(cancel_handler{this, n});
    } else {
      n->slot = {};
    }
    if (!idle_.empty()) {
      connection* c = idle_.back();
      idle_.pop_back();
      assign(c, n);
    } else {
      enqueue(n);
    }
  }

  /// Closes every idle connection (busy ones close when their exchange ends).
  void close_idle() {
    for (connection* c : idle_) close(*c);
  }

 private:
  struct connection;

  struct node {
    std::uint64_t sequence = 0;
    std::size_t step = 0;                   // index into plans_
    std::size_t user = 0;
    std::optional<std::uint64_t> previous;  // the user's previous request (sessions)
    inline_completion completion;
    boost::asio::cancellation_slot slot;
    node* next = nullptr;  // free list / wait queue
    node* prev = nullptr;  // wait queue
    connection* conn = nullptr;
    http_pool* owner = nullptr;
    bool queued = false;
    bool retried = false;
    bool cancelled = false;
    bool batched = false;  // its response may be read in a batch (`batch_reads`)
  };

  struct connection {
    connection(http_pool* o, const executor_type& ex) : owner(o), socket(ex) {
      buffer.reserve(16 * 1024);
      head.reserve(512);
    }
    http_pool* owner;
    tcp::socket socket;
    std::optional<boost::asio::ssl::stream<tcp::socket&>> tls;
    bool open = false;    // connected (and handshaken)
    bool reused = false;  // an exchange already completed on this connection
    node* current = nullptr;
    boost::beast::flat_buffer buffer;
    std::string head;           // request line and headers
    std::string body;           // generated body
    std::string_view out_body;  // the body being sent: `body`, or the plan's fixed one
    std::string kept_body;      // for the observer
    std::string server_timing;  // joined header values
    std::optional<http::response_sink> parser;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    // Batched reads: the descriptor, released from Asio's reactor (so that a response arriving
    // wakes nobody) and watched by the pool's own epoll set; -1 otherwise.
    int fd = -1;
    std::uint32_t index = 0;        // in conns_: epoll events name the connection by it
    std::uint32_t generation = 0;   // of `fd`: an event for an earlier descriptor is stale
    std::uint64_t exchange = 0;     // counts assignments: a deferred failure is for one of them
    std::size_t written = 0;        // of the request, while a raw write waits for buffer space
    bool writing = false;           // a raw write is incomplete (watching EPOLLOUT)
    std::chrono::steady_clock::time_point arrived{};  // the last read's kernel receive timestamp
    tcp protocol = tcp::v4();  // of the adopted descriptor, to give it back to Asio
  };

  struct cancel_handler {
    http_pool* pool;
    node* n;
    void operator()(boost::asio::cancellation_type_t) const { pool->cancel(n); }
  };

  template <class F>
  void with_stream(connection& c, F&& f) {
    if (c.tls) f(*c.tls);
    else f(c.socket);
  }

  /** One request shape, its request line and fixed headers made once: the target's own
      (without steps) or one per session step. */
  struct request_plan {
    std::string prefix;
    bool sends_length = false;
    bool idempotent = false;  // may be re-sent once on a stale keep-alive connection
    std::string body;
    std::function<void(std::uint64_t, std::string&)> by_sequence;
    std::function<void(const http_step_request&, std::string&)> by_step;
  };

  // Which step the engine is sending (read during initiation, `request_context`), for which user,
  // and the same user's previous request here. The feedback of a session refers to the score
  // before it by that number, not by anything read from the score's response: the transaction
  // and its id are a pure function of the number (`fraud::transaction_id`), so the reference
  // holds whatever the response said or whether it came at all (a failed score gives a feedback
  // the service answers 404: visible in the step's figures), and the response path parses no
  // body for it.
  void note_step(node& n) {
    if (auto const* context = current_request()) {
      n.step = context->step % plans_.size();
      n.user = context->user;
    }
    if (n.user >= previous_.size()) previous_.resize(n.user + 1);  // once per user: not on the steady path
    n.previous = previous_[n.user];
    previous_[n.user] = n.sequence;
  }

  // --- nodes -------------------------------------------------------------------------------

  node* acquire() {
    if (!free_) {
      nodes_.push_back(std::make_unique<node>());
      nodes_.back()->owner = this;
      return nodes_.back().get();
    }
    node* n = free_;
    free_ = n->next;
    n->next = nullptr;
    return n;
  }

  static void release_node(void* p) noexcept {
    auto* n = static_cast<node*>(p);
    n->conn = nullptr;
    n->next = n->owner->free_;
    n->owner->free_ = n;
  }

  void enqueue(node* n) {
    n->queued = true;
    n->prev = tail_;
    n->next = nullptr;
    if (tail_) tail_->next = n;
    else head_ = n;
    tail_ = n;
  }

  node* dequeue() {
    node* n = head_;
    if (n) unlink(n);
    return n;
  }

  void unlink(node* n) {
    if (n->prev) n->prev->next = n->next;
    else head_ = n->next;
    if (n->next) n->next->prev = n->prev;
    else tail_ = n->prev;
    n->prev = n->next = nullptr;
    n->queued = false;
  }

  void complete(node* n, error_code ec, request_result r) {
    if (n->slot.is_connected()) n->slot.clear();
    n->slot = {};
    n->completion.complete(ex_, ec, r, &release_node, n);
  }

  void cancel(node* n) {
    if (n->cancelled) return;
    n->cancelled = true;
    ++stats_->cancelled;
    if (n->queued) {
      unlink(n);
      // Not from inside the cancellation signal's emit: the handler may emit again.
      boost::asio::post(ex_, [this, n] {
        if (options_.on_failure) options_.on_failure(n->sequence, outcome::timeout, n->step);
        complete(n, boost::asio::error::operation_aborted, request_result::failure(outcome::io_error));
      });
    } else if (n->conn && n->conn->fd >= 0) {
      // A batched exchange has no pending operation to abort: close, and fail it after this.
      close_raw(*n->conn);
      defer_fail(n->conn, boost::asio::error::operation_aborted, outcome::io_error);
    } else if (n->conn) {
      // Closing the socket makes the pending operation complete with operation_aborted; the
      // exchange then fails through the usual path (and the connection reconnects for the next).
      error_code ignored;
      n->conn->socket.close(ignored);
    }
  }

  // --- connections -------------------------------------------------------------------------

  void release(connection* c) {
    if (node* n = dequeue()) assign(c, n);
    else idle_.push_back(c);
  }

  void close(connection& c) {
    error_code ignored;
    c.socket.close(ignored);
    close_raw(c);
    c.tls.reset();
    c.open = false;
    c.reused = false;
    c.parser.reset();
    c.buffer.clear();
  }

  void assign(connection* c, node* n) {
    c->current = n;
    ++c->exchange;
    n->conn = c;
    c->bytes_in = 0;
    c->bytes_out = 0;
    auto const& plan = plans_[n->step];
    std::string_view body = plan.body;
    if (plan.by_step) {
      c->body.clear();
      plan.by_step(http_step_request{n->sequence, n->user, n->step, n->previous}, c->body);
      body = c->body;
    } else if (plan.by_sequence) {
      c->body.clear();
      plan.by_sequence(n->sequence, c->body);
      body = c->body;
    }
    c->out_body = body;
    c->head.assign(plan.prefix);
    if (!body.empty() || plan.sends_length) {
      c->head += "Content-Length: ";
      char digits[24];
      auto const r = std::to_chars(digits, digits + sizeof digits, body.size());
      c->head.append(digits, r.ptr);
      c->head += "\r\n";
    }
    c->head += "\r\n";
    if (c->open && !tls_ctx_ && n->batched != (c->fd >= 0)) switch_reads(*c, n->batched);
    if (c->open && !tls_ctx_ && c->fd < 0) {
      // Bytes waiting on an idle plain connection were sent while no request was outstanding
      // (TLS is not checked this way: TLS 1.3 session tickets arrive unasked and are legitimate;
      // a batched connection is checked at each collection instead: `collect_idle`).
      error_code aec;
      if (c->socket.available(aec) > 0 || aec) {
        if (!aec) ++stats_->unsolicited;
        close(*c);
      }
    }
    if (c->open) write(c);
    else connect(c);
  }

  void connect(connection* c) {
    close(*c);
    boost::asio::async_connect(c->socket, endpoints_, [c](error_code ec, const tcp::endpoint&) {
      c->owner->on_connect(c, ec);
    });
  }

  void on_connect(connection* c, error_code ec) {
    if (ec) return fail(c, ec, outcome::connect_error);
    error_code ignored;
    c->socket.set_option(tcp::no_delay(true), ignored);
    if (!tls_ctx_) {
      if (c->current->batched) {
        if (auto const aec = adopt(*c)) return fail(c, aec, outcome::connect_error);
      }
      on_open(c);
      return;
    }
    c->tls.emplace(c->socket, *tls_ctx_);
    if (!options_.tls.insecure_skip_verify)
      c->tls->set_verify_callback(boost::asio::ssl::host_name_verification(url_.host));
    error_code address_ec;
    boost::asio::ip::make_address(url_.host, address_ec);
    if (address_ec)  // SNI carries names only, never addresses
      SSL_set_tlsext_host_name(c->tls->native_handle(), url_.host.c_str());
    c->tls->async_handshake(boost::asio::ssl::stream_base::client, [c](error_code hec) {
      if (hec) {
        if (hec != boost::asio::error::operation_aborted) {
          ++c->owner->stats_->tls_failures;
          c->owner->note_tls_failure(*c, hec);
        }
        return c->owner->fail(c, hec, outcome::connect_error);
      }
      c->owner->on_open(c);
    });
  }

  // The first TLS failure's cause, with OpenSSL's verdict on the certificate when it has one.
  void note_tls_failure(connection& c, error_code ec) {
    if (stats_->first_failures.contains("connect_error")) return;
    std::string cause = "TLS handshake: " + ec.message();
    long const verify = SSL_get_verify_result(c.tls->native_handle());
    if (verify != X509_V_OK) {
      cause += std::string(": ") + X509_verify_cert_error_string(verify);
      cause += " (trust its authority with tls.ca_file, or skip verification for a throw-away test server)";
    }
    stats_->first_failures.emplace("connect_error", std::move(cause));
  }

  void on_open(connection* c) {
    ++stats_->connections_opened;
    c->open = true;
    write(c);
  }

  void write(connection* c) {
    if (c->fd >= 0) {
      c->written = 0;
      return write_raw(c);
    }
    std::string_view const body = c->out_body;
    std::array<boost::asio::const_buffer, 2> const buffers{boost::asio::buffer(c->head),
                                                           boost::asio::buffer(body.data(), body.size())};
    with_stream(*c, [&](auto& stream) {
      boost::asio::async_write(stream, buffers, [c](error_code ec, std::size_t n) { c->owner->on_write(c, ec, n); });
    });
  }

  void on_write(connection* c, error_code ec, std::size_t n) {
    c->bytes_out += n;
    if (ec) return fail(c, ec, outcome::io_error);
    begin_response(*c);
    read(c);  // the buffer is empty: leftovers of an earlier response closed its connection (finish)
  }

  void begin_response(connection& c) {
    c.parser.emplace(c.kept_body, options_.on_response ? options_.keep_body : 0, c.server_timing);
    c.parser->eager(true);
    c.parser->header_limit(options_.max_response_header);
    c.parser->body_limit(options_.max_response_body);
  }

  void read(connection* c) {
    with_stream(*c, [&](auto& stream) {
      stream.async_read_some(c->buffer.prepare(16 * 1024),
                             [c](error_code ec, std::size_t n) { c->owner->on_read(c, ec, n); });
    });
  }

  void on_read(connection* c, error_code ec, std::size_t n) {
    c->buffer.commit(n);
    c->bytes_in += n;
    if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) {
      if (c->parser->got_some() && c->parser->is_header_done() && c->parser->need_eof()) {
        error_code pec;
        c->parser->put_eof(pec);
        if (!pec && c->parser->is_done()) return finish(c, /*keep_alive=*/false);
      }
      ++stats_->closed_by_server;
      return fail(c, ec, outcome::io_error);
    }
    if (ec) return fail(c, ec, outcome::io_error);
    parse(c);
  }

  void parse(connection* c) {
    while (c->buffer.size() > 0) {
      error_code pec;
      auto const used = c->parser->put(c->buffer.data(), pec);
      c->buffer.consume(used);
      if (pec == boost::beast::http::error::need_more) break;
      if (pec) {
        if (pec == boost::beast::http::error::body_limit) ++stats_->body_too_large;
        else ++stats_->protocol_errors;
        return fail(c, pec, outcome::io_error);
      }
      if (c->parser->is_done()) {
        auto const status = c->parser->status();
        if (status / 100 != 1) return finish(c, c->parser->keep_alive());
        // An interim response (RFC 9110 §15.2): 100 Continue, 103 Early Hints... has no body and
        // is followed by the final response on the same exchange. 101 would switch protocols,
        // which a request of ours never asks for.
        if (status == 101) {
          ++stats_->protocol_errors;
          return fail(c, boost::beast::http::error::bad_status, outcome::io_error);
        }
        ++stats_->interim_responses;
        begin_response(*c);
        continue;
      }
      if (used == 0) break;
    }
    if (c->fd < 0) read(c);  // a batched connection is read at the next collection
  }

  void finish(connection* c, bool keep_alive) {
    node* n = c->current;
    c->current = nullptr;
    auto const status = c->parser->status();
    ++stats_->responses;
    stats_->bytes_in += c->bytes_in;
    stats_->bytes_out += c->bytes_out;
    if (options_.record_server_timing && !c->server_timing.empty()) {
      auto& agents = stats_->agents;
      http::parse_server_timing(c->server_timing, [&agents](std::string_view name, double ms) {
        agents.record(name, std::chrono::nanoseconds(static_cast<std::int64_t>(ms * 1e6)));
      });
    }
    if (options_.on_response)
      options_.on_response(http_response_view{n->sequence, status, c->kept_body, c->parser->body_bytes(),
                                              c->server_timing, n->step});
    auto result = request_result::from_http_status(status, c->bytes_in, c->bytes_out);
    if (c->fd >= 0) {  // read in a batch: when it arrived
      result.completed_at = c->arrived;
      ++stats_->collected;
    }
    if (result.kind != outcome::ok) stats_->first_failures.try_emplace(std::string(to_string(result.kind)), "HTTP " + std::to_string(status));
    c->parser.reset();
    if (c->buffer.size() > 0) {
      // Bytes after the response we asked for: we never pipeline, so nothing else was asked.
      // They must not be read as the next request's response: close the connection.
      ++stats_->unsolicited;
      close(*c);
    } else if (keep_alive) {
      c->reused = true;
    } else {
      ++stats_->closed_by_server;
      close(*c);
    }
    release(c);
    complete(n, {}, result);
  }

  void fail(connection* c, error_code ec, outcome kind) {
    node* n = c->current;
    c->current = nullptr;
    bool const aborted = ec == boost::asio::error::operation_aborted;
    bool const stale = c->reused && c->bytes_in == 0 && !aborted;
    if (ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe) ++stats_->resets;
    if (kind == outcome::connect_error && !aborted) ++stats_->connect_failures;
    stats_->bytes_in += c->bytes_in;
    stats_->bytes_out += c->bytes_out;
    close(*c);
    // A keep-alive connection the server closed while idle fails the next request before any
    // byte of a response: an idempotent request may be re-sent once (RFC 9110 §9.2.2).
    if (stale && plans_[n->step].idempotent && !n->retried && kind == outcome::io_error) {
      n->retried = true;
      ++stats_->stale_retries;
      assign(c, n);
      return;
    }
    if (!aborted) stats_->first_failures.try_emplace(std::string(to_string(kind)), ec.message());
    auto const in = c->bytes_in, out = c->bytes_out;
    release(c);
    if (options_.on_failure) options_.on_failure(n->sequence, aborted ? outcome::timeout : kind, n->step);
    complete(n, ec, request_result::failure(kind, in, out));
  }

  // --- batched reads (`http_target_options::batch_reads`) -------------------------------------

  // Whether this request's response may be read in a batch: the engine paces on a grid and the
  // connections are plain (and the pool has its epoll set).
  bool wants_batch() {
    auto const* context = current_request();
    if (!options_.batch_reads || tls_ctx_ || !context || context->pacing_grid.count() <= 0) return false;
    if (epoll_fd_ < 0) {
      if (no_epoll_) return false;
      epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
      if (epoll_fd_ < 0) {  // no epoll instance to spare: read each response at once
        no_epoll_ = true;
        return false;
      }
    }
    grid_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(context->pacing_grid);
    return true;
  }

  // Takes a connected plain socket out of Asio's reactor into the pool's epoll set, with receive
  // timestamps on (a response arriving then wakes nobody).
  error_code adopt(connection& c) {
    int const one = 1;
    error_code ec;
    if (::setsockopt(c.socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0)
      return error_code(errno, boost::system::system_category());
    c.protocol = c.socket.local_endpoint(ec).protocol();
    if (ec) return ec;
    int const fd = c.socket.release(ec);
    if (ec) return ec;
    c.fd = fd;
    ++c.generation;
    ++raw_count_;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;  // level-triggered: what is not read now is reported again
    ev.data.u64 = (std::uint64_t{c.index} << 32) | c.generation;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      ec.assign(errno, boost::system::system_category());
      close_raw(c);
      return ec;
    }
    return {};
  }

  void close_raw(connection& c) {
    if (c.fd < 0) return;
    ::close(c.fd);  // leaves the epoll set with it
    c.fd = -1;
    c.writing = false;
    --raw_count_;
  }

  // An open idle connection changes its way of reading for the request it is given (a ramp
  // crossing the adaptive grid's threshold, a target used by both models): into the pool's set,
  // or back into Asio's reactor. If that fails it is closed, and the request reconnects.
  void switch_reads(connection& c, bool to_batched) {
    if (to_batched) {
      if (adopt(c)) close(c);
      return;
    }
    int const fd = c.fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    c.fd = -1;
    --raw_count_;
    error_code ec;
    c.socket.assign(c.protocol, fd, ec);
    if (ec) {
      ::close(fd);
      close(c);
    }
  }

  void watch_writable(connection& c, bool on) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
    ev.data.u64 = (std::uint64_t{c.index} << 32) | c.generation;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.writing = on;
  }

  // The request in one non-blocking `send` of one buffer (the body appended to the head first:
  // no iovec array for the kernel to copy in); the socket buffer takes a request whole
  // in all but pathological cases, and the rest goes when the set reports the socket writable.
  void write_raw(connection* c) {
    if (c->written == 0 && !c->out_body.empty()) {
      c->head.append(c->out_body);
      c->out_body = {};
    }
    std::string_view const request = c->head;
    while (c->written < request.size()) {
      ssize_t const k = ::send(c->fd, request.data() + c->written, request.size() - c->written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (k >= 0) {
        c->written += static_cast<std::size_t>(k);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!c->writing) watch_writable(*c, true);
        return;
      }
      c->bytes_out += c->written;
      // Maybe inside `start`, which never completes inline: fail after it.
      return defer_fail(c, error_code(errno, boost::system::system_category()), outcome::io_error);
    }
    c->bytes_out += request.size();
    if (c->writing) watch_writable(*c, false);
    begin_response(*c);
    arm_fallback();  // a request written after the burst's collection (a reconnect) is collected too
  }

  // Fails the connection's current exchange from a fresh handler (not inside `start` or a
  // cancellation signal's emit), unless that exchange ended by then.
  void defer_fail(connection* c, error_code ec, outcome kind) {
    boost::asio::post(ex_, [this, c, exchange = c->exchange, ec, kind] {
      if (c->current && c->exchange == exchange) fail(c, ec, kind);
    });
  }

  void post_collect() {
    if (collect_posted_) return;
    collect_posted_ = true;
    boost::asio::post(ex_, [this] { collect(); });
  }

  // One epoll_wait that does not block: which connections have something to read. Idle ones are
  // settled at once (`collect_idle`); the rest wait for `collect`, which completes requests and
  // so must not run inside `start`.
  void gather() {
    // The kernel stamps in CLOCK_REALTIME; the engine times in steady_clock. Their offset, read
    // now, converts this batch's stamps (the two clocks do not step apart in milliseconds).
    timespec real{};
    auto const steady = std::chrono::steady_clock::now();
    ::clock_gettime(CLOCK_REALTIME, &real);
    real_to_steady_ = steady.time_since_epoch() - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::seconds(real.tv_sec) + std::chrono::nanoseconds(real.tv_nsec));
    last_collect_ = steady;
    int const ready = raw_count_ == 0 ? 0 : ::epoll_wait(epoll_fd_, events_.data(), static_cast<int>(events_.size()), 0);
    ready_ = ready > 0 ? static_cast<std::size_t>(ready) : 0;
    gathered_ = true;
    for (std::size_t i = 0; i < ready_; ++i)
      if (connection* c = ready_connection(events_[i]); c && !c->current) {
        collect_idle(*c);
        events_[i].data.u64 = stale_event;
      }
  }

  // The connection an event is for, or null if its descriptor was closed since.
  connection* ready_connection(const epoll_event& ev) const {
    if (ev.data.u64 == stale_event) return nullptr;
    connection* c = conns_[static_cast<std::size_t>(ev.data.u64 >> 32)].get();
    return c->fd >= 0 && c->generation == static_cast<std::uint32_t>(ev.data.u64) ? c : nullptr;
  }

  // Reads every connection the last gathering found ready (gathering first when nothing did).
  void collect() {
    collect_posted_ = false;
    if (epoll_fd_ < 0) return;
    if (!gathered_) gather();
    gathered_ = false;
    collecting_ = true;  // completions run inline below; a request they start must not gather
    for (std::size_t i = 0; i < ready_; ++i) {
      connection* c = ready_connection(events_[i]);
      if (!c) continue;
      auto const what = events_[i].events;
      if (c->writing && (what & (EPOLLOUT | EPOLLERR | EPOLLHUP))) write_raw(c);
      if (c->fd < 0 || c->writing) continue;
      if (!c->current) collect_idle(*c);
      else if (c->parser) read_raw(c);
    }
    collecting_ = false;
    if (ready_ == events_.size()) post_collect();  // more were ready than one batch holds
    ready_ = 0;
    arm_fallback();
    watch_while_queued();
  }

  // Requests wait for a connection (fewer connections than a burst's requests): the next
  // response must free one at once, not at the next burst, or the target would be limited to
  // one exchange per connection per grid period. The pool's set goes into Asio's reactor until
  // something is ready (its descriptor wakes the thread like a socket's), then out again: while
  // it is in, every response would wake the thread.
  void watch_while_queued() {
    if (!head_ || watching_ || epoll_fd_ < 0 || raw_count_ == 0) return;
    error_code ec;
    watch_.assign(epoll_fd_, ec);
    if (ec) return;  // the fallback still collects
    watching_ = true;
    watch_.async_wait(boost::asio::posix::descriptor_base::wait_read, [this](error_code wec) {
      if (wec) return;  // the pool is going away: touch nothing
      watch_.release();  // descriptors never fail to be released on Linux
      watching_ = false;
      collect();
    });
  }

  // Reads what arrived for the exchange, each read's kernel timestamp kept as its arrival.
  void read_raw(connection* c) {
    constexpr std::size_t chunk = 16 * 1024;
    for (;;) {
      auto const buffer = c->buffer.prepare(chunk);
      iovec iov{buffer.data(), buffer.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
      msghdr m{};
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control;
      m.msg_controllen = sizeof control;
      ssize_t const k = ::recvmsg(c->fd, &m, MSG_DONTWAIT);
      if (k < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return on_read(c, error_code(errno, boost::system::system_category()), 0);
      }
      c->arrived = arrival(m);
      if (k == 0) return on_read(c, boost::asio::error::eof, 0);
      std::uint64_t const exchange = c->exchange;
      on_read(c, {}, static_cast<std::size_t>(k));
      // A full chunk may have left more; the exchange may have ended (and the connection moved on).
      if (static_cast<std::size_t>(k) < chunk || c->fd < 0 || c->exchange != exchange || !c->current) return;
    }
  }

  // The receive timestamp of a read, on the engine's clock (now, if the kernel gave none).
  std::chrono::steady_clock::time_point arrival(msghdr& m) const {
    for (cmsghdr* h = CMSG_FIRSTHDR(&m); h != nullptr; h = CMSG_NXTHDR(&m, h)) {
      if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec t{};
      std::memcpy(&t, CMSG_DATA(h), sizeof t);
      return std::chrono::steady_clock::time_point(
          real_to_steady_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec)));
    }
    return std::chrono::steady_clock::now();
  }

  // An idle batched connection became readable: unsolicited bytes (never credited to a later
  // request) or the server closing it. Either way it is closed; the next request reconnects.
  void collect_idle(connection& c) {
    char scratch[256];
    ssize_t const k = ::recv(c.fd, scratch, sizeof scratch, MSG_DONTWAIT);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (k > 0) ++stats_->unsolicited;
    close(c);
  }

  // While any exchange is outstanding, a collection at the latest 2.5 grid periods after the
  // last one (the end of a run, a pause in the schedule). Pushed back at most every other
  // collection, so it never fires while the grid's bursts keep collecting.
  void arm_fallback() {
    if (raw_count_ == 0 || idle_.size() == conns_.size()) return;
    auto const period = std::max(grid_ * 5 / 2, std::chrono::steady_clock::duration(std::chrono::microseconds(50)));
    if (fallback_armed_ && fallback_at_ >= last_collect_ + period * 3 / 5) return;
    fallback_armed_ = true;
    fallback_at_ = last_collect_ + period;
    fallback_.expires_at(fallback_at_);  // cancels a pending wait: it returns aborted
    fallback_.async_wait([this](error_code ec) {
      if (ec) return;  // pushed back (or the pool is going away): touch nothing
      fallback_armed_ = false;
      collect();
    });
  }

  // --- set-up ------------------------------------------------------------------------------

  void make_tls_context() {
    namespace ssl = boost::asio::ssl;
    tls_ctx_.emplace(ssl::context::tls_client);
    if (options_.tls.insecure_skip_verify) {
      tls_ctx_->set_verify_mode(ssl::verify_none);
      return;
    }
    tls_ctx_->set_verify_mode(ssl::verify_peer);
    error_code ec;
    tls_ctx_->set_default_verify_paths(ec);  // the system store; a missing one is not fatal
    if (!options_.tls.ca_file.empty()) {
      tls_ctx_->load_verify_file(options_.tls.ca_file, ec);
      if (ec) throw std::invalid_argument("http_target: tls.ca_file '" + options_.tls.ca_file + "': " + ec.message());
    }
    if (!options_.tls.ca_pem.empty()) {
      tls_ctx_->add_certificate_authority(boost::asio::buffer(options_.tls.ca_pem), ec);
      if (ec) throw std::invalid_argument("http_target: tls.ca_pem: " + ec.message());
    }
  }

  // The request shapes: the target's own, or one per session step (validated: `problems`).
  void build_plans() {
    if (options_.steps.empty()) {
      auto& p = plans_.emplace_back(make_plan(options_.method, url_.target));
      p.body = options_.body;
      p.by_sequence = options_.body_generator;
      return;
    }
    for (auto const& st : options_.steps) {
      auto& p = plans_.emplace_back(make_plan(st.method, *http_target_options::step_target(url_, st.path, nullptr)));
      p.body = st.body;
      p.by_step = st.body_generator;
    }
  }

  // The request line and the fixed headers of one method and request target.
  request_plan make_plan(boost::beast::http::verb method, std::string_view target) const {
    auto has = [this](std::string_view name) {
      for (const auto& [k, v] : options_.headers)
        if (boost::beast::iequals(k, name)) return true;
      return false;
    };
    request_plan p;
    p.prefix = std::string(boost::beast::http::to_string(method));
    p.prefix += ' ';
    p.prefix += target;
    p.prefix += " HTTP/1.1\r\n";
    if (!has("host")) p.prefix += "Host: " + url_.host_header() + "\r\n";
    if (!has("user-agent")) p.prefix += "User-Agent: stress_testing\r\n";
    for (const auto& [k, v] : options_.headers) {
      if (boost::beast::iequals(k, "content-length")) continue;
      p.prefix += k + ": " + v + "\r\n";
    }
    namespace bh = boost::beast::http;
    p.sends_length = method == bh::verb::post || method == bh::verb::put || method == bh::verb::patch;
    p.idempotent = method == bh::verb::get || method == bh::verb::head || method == bh::verb::put ||
                   method == bh::verb::delete_ || method == bh::verb::options;
    return p;
  }

  executor_type ex_;
  http_target_options options_;
  std::shared_ptr<http_target_stats> stats_;
  http::url url_;
  tcp::resolver::results_type endpoints_;
  std::optional<boost::asio::ssl::context> tls_ctx_;
  std::vector<request_plan> plans_;  // never resized after construction: bodies are viewed
  std::vector<std::optional<std::uint64_t>> previous_;  // by user: its last request (sessions)
  std::vector<std::unique_ptr<connection>> conns_;
  std::vector<connection*> idle_;
  std::vector<std::unique_ptr<node>> nodes_;
  node* free_ = nullptr;
  node* head_ = nullptr;  // wait queue
  node* tail_ = nullptr;
  // Batched reads.
  int epoll_fd_ = -1;
  bool no_epoll_ = false;
  std::size_t raw_count_ = 0;  // connections in the epoll set
  bool collect_posted_ = false;
  std::chrono::steady_clock::duration grid_{0};  // the engine's, from the latest request
  std::chrono::steady_clock::duration real_to_steady_{0};
  std::chrono::steady_clock::time_point last_collect_{};
  boost::asio::steady_timer fallback_{ex_};
  bool fallback_armed_ = false;
  std::chrono::steady_clock::time_point fallback_at_{};
  std::array<epoll_event, 256> events_{};
  boost::asio::posix::stream_descriptor watch_{ex_};  // epoll_fd_ while requests wait (`watch_while_queued`)
  bool watching_ = false;
  std::size_t ready_ = 0;   // events_ filled by the last gathering
  bool gathered_ = false;   // and not collected yet
  bool collecting_ = false;
  static constexpr std::uint64_t stale_event = ~std::uint64_t{0};
};

struct initiate_http_request {
  template <class Handler>
  void operator()(Handler&& handler, http_pool* pool, std::uint64_t sequence) const {
    pool->start(sequence, std::forward<Handler>(handler));
  }
};

}  // namespace detail

/** Sends each request over HTTP/1.1 keep-alive connections to one URL, and classifies how it
    ended (DESIGN.md §3): a complete response by its status (`from_http_status`: 2xx/3xx `ok`,
    429 and 503 `throttled`, other 4xx/5xx `http_error`); a failed connect or TLS handshake
    `connect_error`; a reset, an end of stream before the response was complete, an unparsable
    response or a body over `max_response_body` `io_error` (each also counted in `stats()`).
    Timeouts are the engine's: it cancels the request, which closes its connection.

    One target per worker (the pool's factory makes one per worker executor): its connections,
    buffers and statistics belong to that worker; nothing is shared or locked. Connections are
    opened on first use and re-opened after the server closes one. Requests beyond the free
    connections wait in order; that wait is part of the response time, as it is for any client.
    In steady state a request allocates nothing: completion handlers are stored inline in pooled
    slots, request and response buffers are reused, and the response parser is built in place.
    When the engine paces on a grid, plain connections are read in batches, each response timed
    by its kernel receive timestamp (`http_target_options::batch_reads`).

    Model of `async_target`; `executor_type` is `any_io_executor`. Move-only; the connection pool
    stays put, so moving the target while requests are in flight is safe, destroying it is not. */
class http_target {
 public:
  using executor_type = boost::asio::any_io_executor;

  /** Validates `options` (throws `std::invalid_argument` listing every problem), resolves the
      URL's host (synchronously, once; throws when it fails or, without `allow_non_loopback`,
      when an address is not loopback) and prepares the TLS context for https (throws when a CA
      file cannot be loaded). Opens no connection. */
  http_target(executor_type ex, http_target_options options)
      : pool_(std::make_unique<detail::http_pool>(std::move(ex), std::move(options))) {}

  executor_type get_executor() const noexcept { return pool_->get_executor(); }

  /** Sends request `sequence` (the body comes from `body_generator(sequence, ...)` when set);
      with `steps`, as the step `current_request()` names (read during this call).

      Completion signature `void(error_code, request_result)`: no error and the classified
      response (`http_status`, `bytes_in`, `bytes_out` filled), or an error code with
      `request_result::kind` `connect_error` or `io_error`. Never completes inside this call.

      Cancellation: any cancellation type through the handler's associated slot. A request still
      waiting for a connection completes with `operation_aborted` at once; one in an exchange
      closes its connection (the next request opens a new one) and completes with
      `operation_aborted`.

      Lifetime and threading: call on the target's executor; the target must outlive the
      operation. Completions run on the handler's associated executor (default: the target's). */
  template <class CompletionToken>
  auto async_request(std::uint64_t sequence, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, request_signature>(detail::initiate_http_request{}, token,
                                                                           pool_.get(), sequence);
  }

  /// Counters and per-agent timings; shared so a harness can read them after the target moved
  /// into a worker pool (read on the executor, or after the run completed).
  const std::shared_ptr<http_target_stats>& stats() const noexcept { return pool_->stats(); }

  /// The parsed URL.
  const http::url& url() const noexcept { return pool_->target_url(); }

  /// Closes idle connections (those in an exchange close when it ends or is cancelled).
  void close_idle() { pool_->close_idle(); }

 private:
  std::unique_ptr<detail::http_pool> pool_;
};

static_assert(async_target<http_target>);

/** The HTTP target's counters and agents for a run's result (`target/target_report.hpp`): called
    by the orchestrator after the run, so `run_result::target_counters` and `agents` are filled. */
inline void report_into(const http_target& t, target_report& r) {
  auto const& stats = *t.stats();
  for (auto const& [name, value] : stats.counters()) r.add(name, value);
  r.agents.merge(stats.agents);
  for (auto const& [kind, cause] : stats.first_failures) r.first_failures.try_emplace(kind, cause);
}

}  // namespace stress_testing::target

#endif
