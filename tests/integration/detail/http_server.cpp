// Known answers for the loopback HTTP server core (include/stress_testing/detail/http_server.hpp):
// its limits, keep-alive, idle timeout, graceful stop and the loopback rule, on 127.0.0.1 with a
// deadline on every client operation.

#include <stress_testing/detail/http_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace st = stress_testing::detail;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto io_timeout = 5s;

/// Answers "hello <target>" (or waits `/slow` for 300 ms first, or 1 MiB for `/large`); counts requests.
struct hello_handler {
  st::http_connection& c;
  std::atomic<int>& requests;

  net::awaitable<bool> operator()(st::http_request& req, bool keep_alive) {
    ++requests;
    if (req.target() == "/slow") {
      net::steady_timer t(c.get_executor(), 300ms);
      co_await t.async_wait(net::use_awaitable);
    }
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.body() = "hello " + std::string(req.target());
    if (req.target() == "/large") res.body().assign(1 << 20, 'x');  // more than the socket buffers hold
    res.keep_alive(keep_alive && !c.stopping());  // asked again: a stop() may have come during the wait
    res.prepare_payload();
    boost::system::error_code ec;
    co_await http::async_write(c.socket(), res, net::redirect_error(net::use_awaitable, ec));
    co_return !ec && res.keep_alive();
  }
};

net::awaitable<void> hello_session(std::atomic<int>* requests, std::shared_ptr<st::http_connection> c) {
  hello_handler h{*c, *requests};
  co_await st::serve_requests(c->socket(), *c, h);
}

/// The core on 127.0.0.1:0, run by one thread of its own.
class running_core {
 public:
  explicit running_core(st::http_server_options o) : server_(io_.get_executor(), o) {
    endpoint_ = server_.listen(ec_);
    REQUIRE_FALSE(ec_);
    server_.start([r = &requests_](std::shared_ptr<st::http_connection> c) { return hello_session(r, std::move(c)); });
    thread_ = std::thread([this] { io_.run(); });
  }
  running_core(const running_core&) = delete;
  running_core& operator=(const running_core&) = delete;
  ~running_core() {
    server_.stop();
    // Everything must close on its own after stop(); io_.stop() only keeps a failure from hanging.
    auto const deadline = std::chrono::steady_clock::now() + io_timeout;
    while (!io_.stopped() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    stopped_cleanly_ = io_.stopped();
    io_.stop();
    thread_.join();
  }

  st::http_server& server() { return server_; }
  tcp::endpoint endpoint() const { return endpoint_; }
  int requests() const { return requests_.load(); }

 private:
  net::io_context io_{1};
  st::http_server server_;
  boost::system::error_code ec_;
  tcp::endpoint endpoint_;
  std::atomic<int> requests_{0};
  std::thread thread_;
  bool stopped_cleanly_ = false;
};

/// A blocking client over one connection: every call drives its own io_context to a deadline.
class client {
 public:
  explicit client(tcp::endpoint ep) : stream_(io_) {
    boost::system::error_code ec;
    stream_.expires_after(io_timeout);
    stream_.async_connect(ep, [&](boost::system::error_code e) { ec = e; });
    drive();
    if (ec) throw boost::system::system_error(ec);
  }

  /// One request; empty when the connection failed or closed instead of answering.
  std::optional<http::response<http::string_body>> get(std::string target, bool close = false) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(!close);
    return exchange(req);
  }

  std::optional<http::response<http::string_body>> exchange(http::request<http::string_body>& req) {
    req.prepare_payload();
    http::response<http::string_body> res;
    boost::system::error_code ec;
    stream_.expires_after(io_timeout);
    http::async_write(stream_, req, [&](boost::system::error_code e, std::size_t) {
      if (e) {
        ec = e;
        return;
      }
      http::async_read(stream_, buffer_, res, [&](boost::system::error_code e2, std::size_t) { ec = e2; });
    });
    drive();
    if (ec) return std::nullopt;
    return res;
  }

  void send_raw(std::string_view bytes) {
    stream_.expires_after(io_timeout);
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), [](boost::system::error_code, std::size_t) {});
    drive();
  }

  /// Reads until the peer closes (true) or the deadline passes (false).
  bool closed_by_peer(std::chrono::steady_clock::duration deadline = io_timeout) {
    stream_.expires_after(deadline);
    boost::system::error_code ec;
    std::array<char, 4096> chunk{};
    while (!ec) {
      stream_.async_read_some(net::buffer(chunk), [&](boost::system::error_code e, std::size_t) { ec = e; });
      drive();
    }
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

 private:
  void drive() {
    io_.restart();
    io_.run();
  }

  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

st::http_server_options small_limits() {
  st::http_server_options o;
  o.max_connections = 2;
  o.body_limit = 1024;
  o.idle_timeout = 10s;
  return o;
}

}  // namespace

TEST_SUITE("http_server") {
  TEST_CASE("keep-alive serves several requests on one connection") {
    running_core s(small_limits());
    client c(s.endpoint());
    for (int i = 0; i < 3; ++i) {
      auto res = c.get("/r" + std::to_string(i));
      REQUIRE(res);
      CHECK(res->result_int() == 200);
      CHECK(res->body() == "hello /r" + std::to_string(i));
      CHECK(res->keep_alive());
    }
    CHECK(s.requests() == 3);
    CHECK(s.server().connections() == 1);
    // Connection: close is honoured: answered, then closed.
    auto last = c.get("/bye", true);
    REQUIRE(last);
    CHECK_FALSE(last->keep_alive());
    CHECK(c.closed_by_peer());
  }

  TEST_CASE("the connection over max_connections is closed at once") {
    running_core s(small_limits());
    client a(s.endpoint()), b(s.endpoint());
    // Both served (so both are registered before the third arrives).
    REQUIRE(a.get("/a"));
    REQUIRE(b.get("/b"));
    client third(s.endpoint());
    CHECK(third.closed_by_peer());
    CHECK(s.requests() == 2);
    // The first two are still served.
    auto again = a.get("/a2");
    REQUIRE(again);
    CHECK(again->body() == "hello /a2");
  }

  TEST_CASE("a body over body_limit is answered 413 and the connection closed") {
    running_core s(small_limits());
    client c(s.endpoint());
    http::request<http::string_body> req{http::verb::post, "/upload", 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = std::string(5000, 'x');
    auto res = c.exchange(req);
    REQUIRE(res);
    CHECK(res->result_int() == 413);
    CHECK_FALSE(res->keep_alive());
    CHECK(c.closed_by_peer());
    CHECK(s.requests() == 0);
    // A body at the limit is fine.
    client d(s.endpoint());
    req.body() = std::string(1024, 'x');
    auto ok = d.exchange(req);
    REQUIRE(ok);
    CHECK(ok->result_int() == 200);
  }

  TEST_CASE("an idle connection is closed after idle_timeout") {
    auto o = small_limits();
    o.idle_timeout = 200ms;
    running_core s(o);
    client c(s.endpoint());
    REQUIRE(c.get("/once"));
    auto const t0 = std::chrono::steady_clock::now();
    CHECK(c.closed_by_peer(3s));
    auto const waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 150ms);  // the sweeper runs every idle_timeout / 4
    CHECK(waited < 2s);
  }

  TEST_CASE("a request trickling in is closed after idle_timeout") {
    auto o = small_limits();
    o.idle_timeout = 200ms;
    running_core s(o);
    client c(s.endpoint());
    c.send_raw("GET /partial HT");  // half a request line, then nothing
    auto const t0 = std::chrono::steady_clock::now();
    CHECK(c.closed_by_peer(3s));
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK(s.requests() == 0);
  }

  TEST_CASE("a request header over header_limit or bytes that are not HTTP close the connection unanswered") {
    auto o = small_limits();
    o.header_limit = 1024;
    o.max_connections = 8;  // a closed connection may still be counted when the next arrives
    running_core s(o);
    client big(s.endpoint());
    big.send_raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + std::string(4096, 'a') + "\r\n\r\n");
    CHECK(big.closed_by_peer());
    client garbage(s.endpoint());
    constexpr char tls_record[] = "\x16\x03\x01\x00\x05hello not http\r\n\r\n";  // holds a NUL
    garbage.send_raw(std::string_view(tls_record, sizeof tls_record - 1));
    CHECK(garbage.closed_by_peer());
    CHECK(s.requests() == 0);
    // The server is unharmed: the next client is served.
    client next(s.endpoint());
    auto res = next.get("/after");
    REQUIRE(res);
    CHECK(res->body() == "hello /after");
  }

  TEST_CASE("a client that pipelines requests and never reads is closed after idle_timeout") {
    // Without it, the server's write would wait for ever and hold a max_connections slot; stop()
    // could not end that connection either. A handler that is working (nothing queued) stays.
    auto o = small_limits();
    o.idle_timeout = 200ms;
    running_core s(o);
    client working(s.endpoint());
    auto const slow = working.get("/slow");  // 300 ms in the handler, over idle_timeout
    REQUIRE(slow);
    CHECK(slow->result_int() == 200);

    client stalled(s.endpoint());
    std::string pipelined;
    for (int i = 0; i < 8; ++i) pipelined += "GET /large HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    stalled.send_raw(pipelined);  // and never reads the 8 MiB of answers
    auto const t0 = std::chrono::steady_clock::now();
    auto const deadline = t0 + 5s;
    // working's connection is idle now, so it closes too: wait for both to go.
    while (s.server().connections() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    CHECK(s.server().connections() == 0);
    CHECK(std::chrono::steady_clock::now() - t0 >= 150ms);
    CHECK(s.requests() >= 2);

    // The same after stop(): the stalled connection still closes, so the server can end.
    client after(s.endpoint());
    after.send_raw(pipelined);
    std::this_thread::sleep_for(50ms);
    s.server().stop();
    auto const stop_deadline = std::chrono::steady_clock::now() + 5s;
    while (s.server().connections() > 0 && std::chrono::steady_clock::now() < stop_deadline)
      std::this_thread::sleep_for(10ms);
    CHECK(s.server().connections() == 0);
  }

  TEST_CASE("stop answers the busy request with Connection close and closes idle connections") {
    running_core s(small_limits());
    client idle(s.endpoint());
    REQUIRE(idle.get("/warm"));
    std::optional<http::response<http::string_body>> slow;
    std::thread busy([&] {
      client c(s.endpoint());
      slow = c.get("/slow");
    });
    std::this_thread::sleep_for(100ms);
    s.server().stop();
    CHECK(idle.closed_by_peer());
    busy.join();
    REQUIRE(slow);
    CHECK(slow->result_int() == 200);
    CHECK_FALSE(slow->keep_alive());
  }

  TEST_CASE("out of descriptors the accept loop backs off instead of spinning and then serves again") {
    running_core s(small_limits());
    // The client's socket and its context are made while descriptors remain; then every free one
    // is taken, so the server's accept of this connection fails with EMFILE until one is freed.
    net::io_context io;
    tcp::socket raw(io);
    raw.open(tcp::v4());
    rlimit before{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
    rlimit low = before;
    low.rlim_cur = 512;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::vector<int> hogs;
    for (int fd; (fd = ::dup(raw.native_handle())) >= 0;) hogs.push_back(fd);
    raw.connect(s.endpoint());  // completes in the listen backlog: no accept needed

    auto cpu_seconds = [] {
      rusage u{};
      getrusage(RUSAGE_SELF, &u);
      return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
             static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    double const cpu0 = cpu_seconds();
    std::this_thread::sleep_for(500ms);
    double const cpu_used = cpu_seconds() - cpu0;
    for (int fd : hogs) ::close(fd);
    setrlimit(RLIMIT_NOFILE, &before);
    MESSAGE("CPU used in 500 ms out of descriptors: " << cpu_used * 1000 << " ms (" << hogs.size() << " descriptors held)");
    CHECK(cpu_used < 0.1);  // a spinning accept loop would use most of a core

    // Descriptors are back: the waiting connection is accepted and served.
    net::write(raw, net::buffer(std::string_view("GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    std::string answer;
    std::array<char, 1024> chunk{};
    boost::system::error_code ec;
    std::function<void(boost::system::error_code, std::size_t)> on_read = [&](boost::system::error_code e, std::size_t n) {
      answer.append(chunk.data(), n);
      if (!e) raw.async_read_some(net::buffer(chunk), on_read);
      else ec = e;
    };
    raw.async_read_some(net::buffer(chunk), on_read);
    io.run_for(io_timeout);
    CHECK(ec == net::error::eof);
    CHECK(answer.find("hello /after") != std::string::npos);
  }

  TEST_CASE("listen refuses a non-loopback address") {
    net::io_context io;
    st::http_server_options o;
    o.listen = tcp::endpoint(net::ip::address_v4::any(), 0);
    st::http_server s(io.get_executor(), o);
    boost::system::error_code ec;
    s.listen(ec);
    CHECK(ec == net::error::access_denied);
    CHECK(s.local_endpoint() == tcp::endpoint{});
    // IPv4-mapped loopback counts as loopback (the project's rule); whether it can be bound
    // depends on the host's IPv6, so only the check is asserted.
    CHECK(stress_testing::detail::is_loopback_address(net::ip::make_address("::ffff:127.0.0.1")));
  }
}
