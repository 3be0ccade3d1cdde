#ifndef STRESS_TESTING_FAULT_PROXY_HPP
#define STRESS_TESTING_FAULT_PROXY_HPP

/** The fault proxy (DESIGN.md §4, network layer): a TCP (or HTTP/1.1-aware) proxy on loopback
    between any client and one upstream server, applying Toxiproxy-like faults to the traffic
    that flows through it. Embeddable in a C++ test; `fault/proxy/control_server.hpp` drives it
    over HTTP and `examples/stress_run` runs it stand-alone. See docs/fault_proxy.md. */

#include <stress_testing/detail/loopback.hpp>
#include <stress_testing/detail/splitmix64.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/stats.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::fault {

class control_server;

/// `tcp` relays bytes; `http` parses HTTP/1.1 requests and responses (and allows HTTP faults).
enum class proxy_mode : std::uint8_t { tcp, http };

/** Settings of a `proxy`. Addresses must be loopback (127.0.0.0/8, ::1) unless
    `allow_non_loopback` is set: a test must never reach a real service by accident. */
struct proxy_options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  ///< 0: any free port (see `proxy::local_endpoint()`)
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 0;
  proxy_mode mode = proxy_mode::tcp;
  /// Connections open at once; further ones are closed as soon as accepted (and counted).
  std::size_t max_connections = 1024;
  /// Bytes held per direction of a connection (TCP mode): the proxy reads from a peer only when
  /// this buffer has room, so a peer that sends faster than the other reads is slowed by TCP.
  std::size_t buffer_size = 16 * 1024;
  /// HTTP mode: a request body over this is answered 413 and the connection closed.
  std::uint64_t max_request_body = 1u << 20;
  /// HTTP mode: an upstream response body over this is answered 502 and the connection closed.
  std::uint64_t max_response_body = 8u << 20;
  /// Seeds every random decision (toxicity, jitter, slicer sizes, `http_status` fractions).
  std::uint64_t seed = 1;
  bool allow_non_loopback = false;

  /// Every problem, each naming the field.
  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    if (upstream_port == 0) out.push_back("upstream_port: must be > 0");
    if (max_connections == 0) out.push_back("max_connections: must be >= 1");
    if (buffer_size < 64) out.push_back("buffer_size: must be >= 64");
    if (max_request_body == 0) out.push_back("max_request_body: must be > 0");
    if (max_response_body == 0) out.push_back("max_response_body: must be > 0");
    return out;
  }
};

namespace detail {

using proxy_clock = std::chrono::steady_clock;

inline proxy_clock::duration proxy_ms(double ms) {
  return std::chrono::duration_cast<proxy_clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

inline std::uint64_t name_hash(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

/// Why `spec` cannot go on a proxy in `mode` (HTTP faults need HTTP mode, network faults TCP mode).
inline std::optional<std::string> mode_problem(const fault_spec& spec, proxy_mode mode) {
  if (spec.is_http() && mode != proxy_mode::http)
    return "type: " + std::string(spec.type_name()) + " needs a proxy in HTTP mode";
  if (!spec.is_http() && mode == proxy_mode::http)
    return "type: " + std::string(spec.type_name()) +
           " is a network fault: it needs a proxy in TCP mode (chain a TCP proxy behind this one)";
  return std::nullopt;
}

/// A fault as added to the proxy; shared by the connections it applies to.
struct fault_entry {
  fault_spec spec;
  std::atomic<std::uint64_t> requests{0};  // fail_first: requests counted so far
};

/// A fault on one connection: its per-connection state.
struct fault_instance {
  std::shared_ptr<fault_entry> entry;
  std::uint64_t bytes = 0;  // limit_data: bytes that went through since it was applied
  bool removed = false;
  std::optional<boost::asio::steady_timer> timer;  // timeout and reset_peer
};

struct chunk {
  std::vector<char> data;
  std::size_t offset = 0;
  proxy_clock::time_point arrival;
  double jitter_sample = 0;  // in [-1, 1], drawn once so that a chunk's delay is stable
};

/// One direction of a TCP connection: a bounded queue between a reader and a writer.
struct pipe {
  explicit pipe(const boost::asio::any_io_executor& ex) : writer_wake(ex), reader_wake(ex) {}
  std::deque<chunk> queue;
  std::size_t queued = 0;
  bool eof = false;   // the source closed its side
  bool done = false;  // the close was propagated
  boost::asio::steady_timer writer_wake;
  boost::asio::steady_timer reader_wake;
  proxy_clock::time_point last_delivery{};
  proxy_clock::time_point not_before{};  // bandwidth and slicer pacing
  std::vector<char> read_buffer;
};

struct proxy_connection {
  proxy_connection(const boost::asio::any_io_executor& ex, boost::asio::ip::tcp::socket c, std::uint64_t i,
                   std::uint64_t seed)
      : client(std::move(c)), server(ex), up(ex), down(ex), index(i), rng(seed) {}
  boost::asio::ip::tcp::socket client;
  boost::asio::ip::tcp::socket server;
  pipe up;    // client → server
  pipe down;  // server → client
  std::uint64_t index;
  stress_testing::detail::splitmix64_engine rng;
  std::vector<std::shared_ptr<fault_instance>> faults;
  bool closed = false;
  std::uint64_t http_buffered = 0;

  pipe& of(stream_direction d) noexcept { return d == stream_direction::upstream ? up : down; }
  double uniform() noexcept { return stress_testing::detail::to_unit(rng()); }
};

/** The proxy's state, shared by its coroutines (each holds a `shared_ptr`), so that destroying
    the `proxy` object while operations are pending is safe. Everything but the fault list, the
    counters and the statistics' map runs on one strand. */
class proxy_state : public std::enable_shared_from_this<proxy_state> {
 public:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;
  using strand_type = boost::asio::strand<boost::asio::any_io_executor>;
  using conn_ptr = std::shared_ptr<proxy_connection>;

  proxy_state(boost::asio::any_io_executor ex, proxy_options options)
      : strand_(boost::asio::make_strand(ex)), options_(std::move(options)), acceptor_(strand_) {
    if (auto problems = options_.problems(); !problems.empty()) {
      std::string text = "proxy: ";
      for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
      throw std::invalid_argument(text);
    }
    tcp::resolver resolver(strand_);
    auto const listen = resolve(resolver, options_.listen_host, options_.listen_port, "listen_host");
    upstream_ = resolve(resolver, options_.upstream_host, options_.upstream_port, "upstream_host");
    auto const ep = listen.begin()->endpoint();
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    local_endpoint_ = acceptor_.local_endpoint();
  }

  // Cached: the acceptor belongs to the strand, this may be called from any thread.
  tcp::endpoint local_endpoint() const { return local_endpoint_; }
  const proxy_options& options() const noexcept { return options_; }
  const strand_type& strand() const noexcept { return strand_; }

  void start() {
    boost::asio::co_spawn(strand_, accept_loop(shared_from_this()), swallow{});
  }

  void stop() {
    boost::asio::post(strand_, [self = shared_from_this()] { self->stop_now(); });
  }

  /** `stop()`'s work on the calling thread: the listening port is free when it returns. Only for
      a caller whose code is serialized with this proxy's strand (the Toxiproxy API makes its
      proxies on a strand it runs on, so that disabling a proxy and re-enabling it on the same
      port is one request). */
  void stop_now() {
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    auto conns = connections_;
    for (auto& [i, w] : conns)
      if (auto c = w.lock()) close_connection(*c, false);
  }

  bool add_fault(fault_spec spec, std::string& error) {
    auto problems = spec.problems();
    if (auto p = mode_problem(spec, options_.mode)) problems.push_back(std::move(*p));
    auto entry = std::make_shared<fault_entry>();
    {
      std::lock_guard lock(mutex_);
      for (auto const& e : faults_)
        if (e->spec.name == spec.name) problems.push_back("name: a fault named '" + spec.name + "' already exists");
      if (problems.empty()) {
        entry->spec = std::move(spec);
        faults_.push_back(entry);
      }
    }
    if (!problems.empty()) {
      error.clear();
      for (std::size_t i = 0; i < problems.size(); ++i) error += (i ? "; " : "") + problems[i];
      return false;
    }
    boost::asio::post(strand_, [self = shared_from_this(), entry] {
      auto conns = self->connections_;
      for (auto& [i, w] : conns)
        if (auto c = w.lock(); c && !c->closed) self->apply(c, entry);
    });
    return true;
  }

  bool remove_fault(const std::string& name) {
    {
      std::lock_guard lock(mutex_);
      auto it = std::find_if(faults_.begin(), faults_.end(), [&](auto const& e) { return e->spec.name == name; });
      if (it == faults_.end()) return false;
      faults_.erase(it);
    }
    boost::asio::post(strand_, [self = shared_from_this(), name] { self->detach(name); });
    return true;
  }

  std::size_t reset_faults() {
    std::vector<std::string> names;
    {
      std::lock_guard lock(mutex_);
      for (auto const& e : faults_) names.push_back(e->spec.name);
    }
    std::size_t n = 0;
    for (auto const& name : names) n += remove_fault(name) ? 1 : 0;
    return n;
  }

  std::vector<fault_spec> faults() const {
    std::lock_guard lock(mutex_);
    std::vector<fault_spec> out;
    for (auto const& e : faults_) out.push_back(e->spec);
    return out;
  }

  proxy_stats stats() const {
    proxy_stats s;
    s.connections_accepted = accepted_.load();
    s.connections_active = active_.load();
    s.connections_refused = refused_.load();
    s.bytes_upstream = bytes_up_.load();
    s.bytes_downstream = bytes_down_.load();
    s.http_requests = http_requests_.load();
    s.http_answered_by_proxy = http_answered_.load();
    s.buffered_bytes = buffered_.load();
    s.max_direction_buffered_bytes = max_buffered_.load();
    std::lock_guard lock(mutex_);
    s.faults_applied = applied_;
    return s;
  }

 private:
  // Exceptions cannot escape our coroutines (every operation uses redirect_error); this only
  // keeps an unexpected one (bad_alloc) from terminating the caller's io_context thread.
  struct swallow {
    void operator()(std::exception_ptr) const noexcept {}
  };

  tcp::resolver::results_type resolve(tcp::resolver& r, const std::string& host, std::uint16_t port,
                                      const char* field) {
    error_code ec;
    auto results = r.resolve(host, std::to_string(port), ec);
    if (ec || results.empty())
      throw std::invalid_argument(std::string("proxy: ") + field + ": cannot resolve '" + host + "': " + ec.message());
    if (!options_.allow_non_loopback)
      for (auto const& e : results)
        if (!stress_testing::detail::is_loopback_address(e.endpoint().address()))
          throw std::invalid_argument(std::string("proxy: ") + field + ": '" + host + "' is " +
                                      e.endpoint().address().to_string() +
                                      ", not a loopback address (set allow_non_loopback to proxy a remote host)");
    return results;
  }

  void count_applied(const std::string& name) {
    std::lock_guard lock(mutex_);
    ++applied_[name];
  }

  void add_buffered(proxy_connection& c, pipe* p, std::uint64_t n) {
    buffered_ += n;
    std::uint64_t const level = p ? p->queued : c.http_buffered;
    auto m = max_buffered_.load();
    while (level > m && !max_buffered_.compare_exchange_weak(m, level)) {
    }
  }

  /// Rolls the fault's toxicity for this connection (a hash of the seed, the fault's name and the
  /// connection's index: the same decisions whatever the timing) and applies it if it hits.
  void apply(const conn_ptr& c, const std::shared_ptr<fault_entry>& e) {
    for (auto const& f : c->faults)
      if (f->entry->spec.name == e->spec.name) return;
    double const u = stress_testing::detail::to_unit(
        stress_testing::detail::counter_hash(options_.seed ^ name_hash(e->spec.name), c->index));
    if (!(u < e->spec.toxicity)) return;
    auto inst = std::make_shared<fault_instance>();
    inst->entry = e;
    c->faults.push_back(inst);
    if (!e->spec.is_http()) count_applied(e->spec.name);
    if (auto* t = std::get_if<timeout_fault>(&e->spec.attributes); t && t->timeout_ms > 0)
      start_timer(c, inst, t->timeout_ms, /*reset=*/false);
    wake(*c);
  }

  /// Closes the connection `ms` from now unless the fault is removed first.
  void start_timer(const conn_ptr& c, const std::shared_ptr<fault_instance>& inst, double ms, bool reset) {
    inst->timer.emplace(strand_, proxy_ms(ms));
    boost::asio::co_spawn(strand_, timed_fault(shared_from_this(), c, inst, reset), swallow{});
  }

  void detach(const std::string& name) {
    auto conns = connections_;
    for (auto& [i, w] : conns) {
      auto c = w.lock();
      if (!c) continue;
      auto it = std::find_if(c->faults.begin(), c->faults.end(),
                             [&](auto const& f) { return f->entry->spec.name == name; });
      if (it == c->faults.end()) continue;
      (*it)->removed = true;
      if ((*it)->timer) (*it)->timer->cancel();
      c->faults.erase(it);
      wake(*c);
    }
  }

  static void wake(proxy_connection& c) {
    c.up.writer_wake.cancel();
    c.down.writer_wake.cancel();
  }

  void close_connection(proxy_connection& c, bool reset) {
    if (c.closed) return;
    c.closed = true;
    error_code ignored;
    if (reset) {
      c.client.set_option(tcp::socket::linger(true, 0), ignored);
      c.server.set_option(tcp::socket::linger(true, 0), ignored);
    }
    c.client.close(ignored);
    c.server.close(ignored);
    for (pipe* p : {&c.up, &c.down}) {
      p->writer_wake.cancel();
      p->reader_wake.cancel();
      buffered_ -= p->queued;
      p->queued = 0;
      p->queue.clear();
    }
    buffered_ -= c.http_buffered;
    c.http_buffered = 0;
    for (auto& f : c.faults)
      if (f->timer) f->timer->cancel();
    connections_.erase(c.index);
    --active_;
  }

  static boost::asio::awaitable<void> sleep_until(boost::asio::steady_timer& t, proxy_clock::time_point tp) {
    t.expires_at(tp);
    error_code ec;
    co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }

  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<proxy_state> self) {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await self->acceptor_.async_accept(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (self->stopped_ || !self->acceptor_.is_open()) co_return;
      if (ec) continue;  // e.g. too many open files: keep serving the connections we have
      if (self->active_.load() >= self->options_.max_connections) {
        ++self->refused_;
        error_code ignored;
        socket.close(ignored);
        continue;
      }
      ++self->accepted_;
      ++self->active_;
      std::uint64_t const index = self->next_index_++;
      auto c = std::make_shared<proxy_connection>(self->strand_, std::move(socket), index,
                                                  stress_testing::detail::counter_hash(self->options_.seed, index));
      self->connections_[index] = c;
      std::vector<std::shared_ptr<fault_entry>> entries;
      {
        std::lock_guard lock(self->mutex_);
        entries = self->faults_;
      }
      for (auto const& e : entries) self->apply(c, e);
      if (self->options_.mode == proxy_mode::tcp)
        boost::asio::co_spawn(self->strand_, tcp_session(self, c), swallow{});
      else
        boost::asio::co_spawn(self->strand_, http_session(self, c), swallow{});
    }
  }

  static boost::asio::awaitable<void> timed_fault(std::shared_ptr<proxy_state> self, conn_ptr c,
                                                  std::shared_ptr<fault_instance> inst, bool reset) {
    error_code ec;
    co_await inst->timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (inst->removed || c->closed) co_return;
    self->close_connection(*c, reset);
  }

  // --- TCP mode ------------------------------------------------------------------------------

  static boost::asio::awaitable<void> tcp_session(std::shared_ptr<proxy_state> self, conn_ptr c) {
    error_code ec;
    co_await boost::asio::async_connect(c->server, self->upstream_,
                                        boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (c->closed) co_return;
    if (ec) {
      self->close_connection(*c, false);
      co_return;
    }
    error_code ignored;
    c->client.set_option(tcp::no_delay(true), ignored);
    c->server.set_option(tcp::no_delay(true), ignored);
    for (auto d : {stream_direction::upstream, stream_direction::downstream}) {
      c->of(d).read_buffer.resize(self->options_.buffer_size);
      boost::asio::co_spawn(self->strand_, tcp_reader(self, c, d), swallow{});
      boost::asio::co_spawn(self->strand_, tcp_writer(self, c, d), swallow{});
    }
  }

  /// Reads from the direction's source only while its queue has room (the memory bound).
  static boost::asio::awaitable<void> tcp_reader(std::shared_ptr<proxy_state> self, conn_ptr c, stream_direction d) {
    pipe& p = c->of(d);
    tcp::socket& from = d == stream_direction::upstream ? c->client : c->server;
    std::size_t const cap = self->options_.buffer_size;
    while (!c->closed) {
      if (p.queued >= cap) {
        co_await sleep_until(p.reader_wake, proxy_clock::time_point::max());
        continue;
      }
      error_code ec;
      std::size_t const n = co_await from.async_read_some(boost::asio::buffer(p.read_buffer.data(), cap - p.queued),
                                                          boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (c->closed) co_return;
      if (n > 0) {
        chunk ch;
        ch.data.assign(p.read_buffer.data(), p.read_buffer.data() + n);
        ch.arrival = proxy_clock::now();
        ch.jitter_sample = c->uniform() * 2 - 1;
        p.queue.push_back(std::move(ch));
        p.queued += n;
        self->add_buffered(*c, &p, n);
        p.writer_wake.cancel();
      }
      if (ec == boost::asio::error::eof) {
        p.eof = true;
        p.writer_wake.cancel();
        co_return;
      }
      if (ec) {
        self->close_connection(*c, false);
        co_return;
      }
    }
  }

  /// Forwards the queue to the destination, applying this direction's faults as they are now
  /// (so that adding or removing a fault affects data not yet forwarded).
  static boost::asio::awaitable<void> tcp_writer(std::shared_ptr<proxy_state> self, conn_ptr c, stream_direction d) {
    pipe& p = c->of(d);
    tcp::socket& to = d == stream_direction::upstream ? c->server : c->client;
    std::optional<proxy_clock::time_point> close_at;  // slow_close
    while (!c->closed) {
      auto const now = proxy_clock::now();
      double latency_ms = 0, jitter_ms = 0, rate = 0, slow_close_ms = 0;
      bool black_hole = false;
      std::shared_ptr<fault_instance> reset;
      slicer_fault const* slicer = nullptr;
      std::vector<fault_instance*> limits;
      for (auto const& f : c->faults) {
        if (f->entry->spec.stream != d) continue;
        auto const& a = f->entry->spec.attributes;
        if (auto* l = std::get_if<latency_fault>(&a)) {
          latency_ms += l->latency_ms;
          jitter_ms += l->jitter_ms;
        } else if (auto* b = std::get_if<bandwidth_fault>(&a)) {
          double const r = b->rate_kb_per_s * 1000.0;
          rate = rate > 0 ? std::min(rate, r) : r;
        } else if (auto* s = std::get_if<slow_close_fault>(&a)) {
          slow_close_ms = std::max(slow_close_ms, s->delay_ms);
        } else if (std::holds_alternative<timeout_fault>(a)) {
          black_hole = true;
        } else if (std::holds_alternative<reset_peer_fault>(a)) {
          reset = f;
        } else if (auto* sl = std::get_if<slicer_fault>(&a)) {
          slicer = sl;
        } else if (std::holds_alternative<limit_data_fault>(a)) {
          limits.push_back(f.get());
        }
      }
      if (reset) {  // like Toxiproxy: nothing goes through; the reset comes after the first data
        if (!reset->timer && (!p.queue.empty() || p.eof))
          self->start_timer(c, reset, std::get<reset_peer_fault>(reset->entry->spec.attributes).timeout_ms, true);
        co_await sleep_until(p.writer_wake, proxy_clock::time_point::max());
        continue;
      }
      if (black_hole) {  // hold everything until the fault goes or the connection closes
        co_await sleep_until(p.writer_wake, proxy_clock::time_point::max());
        continue;
      }
      for (auto* l : limits)
        if (l->bytes >= std::get<limit_data_fault>(l->entry->spec.attributes).bytes) {
          shutdown_and_close(*self, *c);
          co_return;
        }
      if (p.queue.empty()) {
        if (!p.eof) {
          co_await sleep_until(p.writer_wake, proxy_clock::time_point::max());
          continue;
        }
        if (!close_at) close_at = now + proxy_ms(slow_close_ms);
        if (now < *close_at) {
          co_await sleep_until(p.writer_wake, *close_at);
          continue;
        }
        error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        p.done = true;
        if (c->up.done && c->down.done) self->close_connection(*c, false);
        co_return;
      }
      chunk& ch = p.queue.front();
      auto const deliver =
          std::max(ch.arrival + proxy_ms(std::max(0.0, latency_ms + jitter_ms * ch.jitter_sample)), p.last_delivery);
      if (now < deliver || now < p.not_before) {
        co_await sleep_until(p.writer_wake, std::max(deliver, p.not_before));
        continue;
      }
      std::size_t piece = ch.data.size() - ch.offset;
      if (slicer) {
        auto const var = static_cast<double>(slicer->size_variation);
        double const size = static_cast<double>(slicer->average_size) + (c->uniform() * 2 - 1) * var;
        piece = std::min(piece, std::max<std::size_t>(1, static_cast<std::size_t>(size)));
      }
      if (rate > 0)  // pieces of ~20 ms so that the pace is smooth at any rate
        piece = std::min(piece, std::max<std::size_t>(1, static_cast<std::size_t>(rate / 50)));
      for (auto* l : limits)
        piece = std::min<std::size_t>(
            piece, static_cast<std::size_t>(std::get<limit_data_fault>(l->entry->spec.attributes).bytes - l->bytes));
      error_code ec;
      std::size_t const n = co_await boost::asio::async_write(
          to, boost::asio::buffer(ch.data.data() + ch.offset, piece),
          boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (c->closed) co_return;
      if (ec) {
        self->close_connection(*c, false);
        co_return;
      }
      ch.offset += n;
      p.queued -= n;
      self->buffered_ -= n;
      (d == stream_direction::upstream ? self->bytes_up_ : self->bytes_down_) += n;
      for (auto* l : limits) l->bytes += n;
      p.reader_wake.cancel();
      auto const after = proxy_clock::now();
      // A schedule, not "now + n/rate" per piece: timer lateness would add up over the pieces.
      // The schedule may lag `now` by 20 ms at most (the bucket's burst) after an idle period.
      if (rate > 0)
        p.not_before = std::max(p.not_before, now - std::chrono::milliseconds(20)) +
                       proxy_ms(static_cast<double>(n) * 1000.0 / rate);
      if (slicer && slicer->delay_us > 0 && ch.offset < ch.data.size())
        p.not_before = std::max(p.not_before, after + proxy_ms(slicer->delay_us / 1000.0));
      if (ch.offset == ch.data.size()) {
        p.last_delivery = deliver;
        p.queue.pop_front();
      }
    }
  }

  static void shutdown_and_close(proxy_state& self, proxy_connection& c) {
    error_code ignored;
    c.client.shutdown(tcp::socket::shutdown_both, ignored);
    c.server.shutdown(tcp::socket::shutdown_both, ignored);
    self.close_connection(c, false);
  }

  // --- HTTP mode -----------------------------------------------------------------------------

  using request_type = boost::beast::http::request<boost::beast::http::string_body>;
  using response_type = boost::beast::http::response<boost::beast::http::string_body>;

  /// The response the proxy gives instead of the server's, if an HTTP fault decides so.
  std::optional<response_type> injected_response(proxy_connection& c, const request_type& req, std::uint64_t index) {
    for (auto const& f : c.faults) {
      auto const& spec = f->entry->spec;
      std::optional<response_type> res;
      if (auto* s = std::get_if<http_status_fault>(&spec.attributes)) {
        double const u =
            stress_testing::detail::to_unit(stress_testing::detail::counter_hash(options_.seed ^ name_hash(spec.name), index));
        if (!(u < s->fraction)) continue;
        res.emplace(static_cast<boost::beast::http::status>(s->status), req.version());
        if (s->retry_after_seconds) res->set(boost::beast::http::field::retry_after, std::to_string(*s->retry_after_seconds));
        res->set(boost::beast::http::field::content_type, s->content_type);
        res->body() = s->body;
      } else if (auto* ff = std::get_if<fail_first_fault>(&spec.attributes)) {
        if (f->entry->requests.fetch_add(1) >= ff->n) continue;
        res.emplace(static_cast<boost::beast::http::status>(ff->status), req.version());
        if (ff->retry_after) res->set(boost::beast::http::field::retry_after, std::to_string(*ff->retry_after));
        res->set(boost::beast::http::field::content_type, "text/plain");
        res->body() = "fail_first " + spec.name + "\n";
      } else {
        continue;
      }
      res->set("X-Fault-Injected", spec.name);
      count_applied(spec.name);
      return res;
    }
    return std::nullopt;
  }

  static response_type proxy_error(unsigned status, unsigned version, std::string body) {
    response_type res{static_cast<boost::beast::http::status>(status), version};
    res.set(boost::beast::http::field::content_type, "text/plain");
    res.body() = std::move(body);
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  }

  /// One request at a time, in order: pipelined requests wait in the client's buffer, so their
  /// responses go back in order, and memory is one request and one response per connection.
  static boost::asio::awaitable<void> http_session(std::shared_ptr<proxy_state> self, conn_ptr c) {
    namespace bh = boost::beast::http;
    using boost::asio::redirect_error;
    using boost::asio::use_awaitable;
    boost::beast::flat_buffer client_buffer;
    boost::beast::flat_buffer server_buffer;
    boost::asio::steady_timer timer(self->strand_);
    while (!c->closed) {
      error_code ec;
      bh::request_parser<bh::string_body> parser;
      parser.body_limit(self->options_.max_request_body);
      co_await bh::async_read_header(c->client, client_buffer, parser, redirect_error(use_awaitable, ec));
      if (c->closed) co_return;
      if (!ec && boost::beast::iequals(parser.get()[bh::field::expect], "100-continue")) {
        // The proxy needs the whole body before it decides, so it says "continue" itself (curl
        // would otherwise wait a second) and the upstream server never sees the expectation.
        parser.get().erase(bh::field::expect);
        static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await boost::asio::async_write(c->client, boost::asio::buffer(continue_line.data(), continue_line.size()),
                                          redirect_error(use_awaitable, ec));
        if (c->closed) co_return;
      }
      if (!ec && !parser.is_done())
        co_await bh::async_read(c->client, client_buffer, parser, redirect_error(use_awaitable, ec));
      if (c->closed) co_return;
      if (ec == bh::error::body_limit) {
        ++self->http_requests_;
        ++self->http_answered_;
        auto res = proxy_error(413, 11, "request body over the proxy's max_request_body\n");
        co_await bh::async_write(c->client, res, redirect_error(use_awaitable, ec));
        shutdown_and_close(*self, *c);
        co_return;
      }
      if (ec) {
        shutdown_and_close(*self, *c);
        co_return;
      }
      ++self->http_requests_;
      request_type req = parser.release();
      std::uint64_t const index = self->http_index_++;
      bool const keep_alive = req.keep_alive();
      std::optional<response_type> res = self->injected_response(*c, req, index);
      if (res) {
        ++self->http_answered_;
        res->keep_alive(keep_alive);
        res->prepare_payload();
        co_await bh::async_write(c->client, *res, redirect_error(use_awaitable, ec));
        if (c->closed) co_return;
        if (ec || !keep_alive) {
          shutdown_and_close(*self, *c);
          co_return;
        }
        continue;
      }
      auto const held = static_cast<std::uint64_t>(req.body().size());
      c->http_buffered += held;
      self->add_buffered(*c, nullptr, held);
      // Forward; an idle keep-alive upstream connection the server closed is re-opened once.
      std::optional<bh::response_parser<bh::string_body>> rp;
      for (int attempt = 0; attempt < 2; ++attempt) {
        ec = {};
        if (!c->server.is_open()) {
          server_buffer.clear();
          co_await boost::asio::async_connect(c->server, self->upstream_, redirect_error(use_awaitable, ec));
          if (c->closed) co_return;
          if (ec) break;
          error_code ignored;
          c->server.set_option(tcp::no_delay(true), ignored);
        }
        co_await bh::async_write(c->server, req, redirect_error(use_awaitable, ec));
        if (c->closed) co_return;
        rp.emplace();
        rp->body_limit(self->options_.max_response_body);
        if (req.method() == bh::verb::head) rp->skip(true);
        if (!ec) co_await bh::async_read(c->server, server_buffer, *rp, redirect_error(use_awaitable, ec));
        if (c->closed) co_return;
        if (!ec) break;
        bool const stale = !rp->got_some() && attempt == 0 &&
                           (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
                            ec == boost::asio::error::broken_pipe);
        error_code ignored;
        c->server.close(ignored);
        if (!stale) break;
      }
      self->buffered_ -= c->http_buffered;
      c->http_buffered = 0;
      if (ec) {
        ++self->http_answered_;
        auto err = proxy_error(502, req.version(), "fault proxy: upstream failed: " + ec.message() + "\n");
        co_await bh::async_write(c->client, err, redirect_error(use_awaitable, ec));
        shutdown_and_close(*self, *c);
        co_return;
      }
      response_type response = rp->release();
      bool const server_keeps = response.keep_alive();
      if (!server_keeps) {
        error_code ignored;
        c->server.close(ignored);
      }
      if (!keep_alive) response.keep_alive(false);
      double headers_ms = 0, body_ms = 0;
      for (auto const& f : c->faults)
        if (auto* hd = std::get_if<http_delay_fault>(&f->entry->spec.attributes)) {
          headers_ms += hd->headers_ms;
          body_ms += hd->body_ms;
          self->count_applied(f->entry->spec.name);
        }
      if (headers_ms > 0) co_await sleep_until(timer, proxy_clock::now() + proxy_ms(headers_ms));
      if (c->closed) co_return;
      bh::response_serializer<bh::string_body> sr{response};
      if (body_ms > 0) {
        co_await bh::async_write_header(c->client, sr, redirect_error(use_awaitable, ec));
        if (c->closed) co_return;
        if (!ec) co_await sleep_until(timer, proxy_clock::now() + proxy_ms(body_ms));
        if (c->closed) co_return;
      }
      if (!ec) co_await bh::async_write(c->client, sr, redirect_error(use_awaitable, ec));
      if (c->closed) co_return;
      self->bytes_up_ += req.body().size();
      self->bytes_down_ += response.body().size();
      if (ec || !keep_alive || !response.keep_alive()) {
        shutdown_and_close(*self, *c);
        co_return;
      }
    }
  }

  strand_type strand_;
  proxy_options options_;
  tcp::acceptor acceptor_;
  tcp::endpoint local_endpoint_;
  tcp::resolver::results_type upstream_;
  bool stopped_ = false;
  std::uint64_t next_index_ = 0;
  std::uint64_t http_index_ = 0;
  std::map<std::uint64_t, std::weak_ptr<proxy_connection>> connections_;  // strand only

  mutable std::mutex mutex_;  // faults_ and applied_
  std::vector<std::shared_ptr<fault_entry>> faults_;
  std::map<std::string, std::uint64_t> applied_;

  std::atomic<std::uint64_t> accepted_{0}, active_{0}, refused_{0}, bytes_up_{0}, bytes_down_{0},
      http_requests_{0}, http_answered_{0}, buffered_{0}, max_buffered_{0};
};

}  // namespace detail

/** A Toxiproxy-like fault proxy: listens on a loopback port, connects each accepted client to
    the upstream server, and applies the faults currently added (docs/fault_proxy.md).

    Threading: the proxy runs on a strand of the executor it is given; its I/O needs that
    executor's context to be run by the caller (any number of threads). `start`, `stop`,
    `add_fault`, `remove_fault`, `reset_faults`, `faults` and `stats` may be called from any
    thread: changes are posted to the strand, so a fault added or removed takes effect on
    connections shortly after the call returns (before any data that arrives later is forwarded).

    Lifetime: destroying the proxy stops it (as `stop()`); pending operations keep the shared
    state alive until they finish on the executor. The executor's context must outlive the
    proxy object. */
class proxy {
 public:
  using executor_type = boost::asio::any_io_executor;
  using mode = proxy_mode;

  /** Validates `options` (throws `std::invalid_argument` naming the field: a problem of
      `problems()`, a host that does not resolve, or a non-loopback address without
      `allow_non_loopback`), resolves both hosts once and binds and listens on the listen address
      (throws `boost::system::system_error` if it cannot). Accepts nothing before `start()`. */
  proxy(executor_type ex, proxy_options options)
      : state_(std::make_shared<detail::proxy_state>(std::move(ex), std::move(options))) {}

  proxy(const proxy&) = delete;
  proxy& operator=(const proxy&) = delete;

  ~proxy() {
    if (state_) state_->stop();
  }

  executor_type get_executor() const noexcept { return state_->strand(); }

  /// The bound address (the actual port when `listen_port` was 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const { return state_->local_endpoint(); }

  const proxy_options& options() const noexcept { return state_->options(); }

  /// Starts accepting connections. Call once.
  void start() { state_->start(); }

  /// Closes the listener and every connection (without a reset), and cancels every timer: once
  /// the posted stop has run, the proxy has no pending operation. Any thread; idempotent.
  void stop() { state_->stop(); }

  /** Adds `spec`: new connections get it by its toxicity; so do open ones (the roll is a hash
      of the seed, the name and the connection's index, so it is the same whenever it is made).
      On an open connection, `latency`, `bandwidth`, `slicer`, `timeout` and `limit_data` apply
      to every byte not yet forwarded (`limit_data` counts from the moment it is applied);
      `slow_close` to a close not yet propagated; `reset_peer` and `timeout`'s timer start when
      the fault is applied; HTTP faults apply from the next request. Throws
      `std::invalid_argument` with every problem (invalid attribute, a name already used, an HTTP
      fault on a TCP proxy or a network fault on an HTTP proxy). */
  void add_fault(fault_spec spec) {
    std::string error;
    if (!state_->add_fault(std::move(spec), error)) throw std::invalid_argument("fault: " + error);
  }

  /// The non-throwing form: false and the problems in `error` ("a; b").
  bool add_fault(fault_spec spec, std::string& error) { return state_->add_fault(std::move(spec), error); }

  /// Removes the fault named `name` from the proxy and every connection; false if none. Data a
  /// `timeout` held is then forwarded.
  bool remove_fault(const std::string& name) { return state_->remove_fault(name); }

  /// Removes every fault; returns how many there were.
  std::size_t reset_faults() { return state_->reset_faults(); }

  /// The faults, in the order they were added.
  std::vector<fault_spec> faults() const { return state_->faults(); }

  /// A consistent-enough snapshot of the counters (each read atomically).
  proxy_stats stats() const { return state_->stats(); }

 private:
  friend class control_server;  // shares the state, so that it may outlive this object
  std::shared_ptr<detail::proxy_state> state_;
};

}  // namespace stress_testing::fault

#endif
