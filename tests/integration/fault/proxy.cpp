// Known answers of the fault proxy (include/stress_testing/fault/proxy.hpp) on loopback: each
// fault's measurable effect, the HTTP faults' statistics and reproducibility, the control API and
// the memory bound. The proxy and the servers run on a background thread; each client runs on the
// test's thread under a hard time limit.

#include "../support/http_test_server.hpp"

#include <stress_testing/fault/proxy.hpp>
#include <stress_testing/fault/proxy/control_server.hpp>
#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/json.hpp>
#include <stress_testing/fault/proxy/toxiproxy_server.hpp>
#include <stress_testing/target/http_target.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fault_proxy_test {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace fault = stress_testing::fault;
namespace target = stress_testing::target;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;
using error_code = boost::system::error_code;

/// The proxy's and the servers' io_context, run on its own thread.
struct network {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~network() {
    work.reset();
    io.stop();
    thread.join();
  }
};

/// Raw TCP servers: `echo` sends back what it reads; `sink` accepts and never reads; `blob`
/// sends `blob_size` bytes (byte i is i % 251), closes its sending side, then drains.
enum class behaviour { echo, sink, blob };

class raw_server {
 public:
  raw_server(asio::io_context& io, behaviour b, std::size_t blob_size = 0)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), behaviour_(b), blob_size_(blob_size) {
    asio::co_spawn(io, accept_loop(this), asio::detached);
  }
  // Close on the thread that runs the accept loop and the sessions: destroying the acceptor and
  // the socket list from the test's thread raced with them (ThreadSanitizer, proxy stop test).
  ~raw_server() {
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [&] {
      error_code ec;
      acceptor_.close(ec);
      for (auto& s : sockets_) s->close(ec);
      closed.set_value();
    });
    closed.get_future().wait();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  static asio::awaitable<void> session(std::shared_ptr<tcp::socket> s, behaviour b, std::size_t blob_size) {
    error_code ec;
    std::vector<char> buf(64 * 1024);
    if (b == behaviour::sink) {
      asio::steady_timer t(s->get_executor(), 1h);
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    if (b == behaviour::blob) {
      std::vector<char> blob(blob_size);
      for (std::size_t i = 0; i < blob_size; ++i) blob[i] = static_cast<char>(i % 251);
      co_await asio::async_write(*s, asio::buffer(blob), asio::redirect_error(asio::use_awaitable, ec));
      s->shutdown(tcp::socket::shutdown_send, ec);
    }
    for (;;) {
      std::size_t const n = co_await s->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      if (b == behaviour::echo) co_await asio::async_write(*s, asio::buffer(buf.data(), n), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
  }
  static asio::awaitable<void> accept_loop(raw_server* self) {
    for (;;) {
      error_code ec;
      auto s = std::make_shared<tcp::socket>(co_await self->acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec)));
      if (ec) co_return;
      self->sockets_.push_back(s);
      asio::co_spawn(self->acceptor_.get_executor(), session(s, self->behaviour_, self->blob_size_), asio::detached);
    }
  }
  tcp::acceptor acceptor_;
  behaviour behaviour_;
  std::size_t blob_size_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
};

/// Runs `a` on `io` (the test's thread) for at most `limit`: no test can hang.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> a, std::chrono::seconds limit = 10s) {
  auto f = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  io.run_for(limit);
  REQUIRE(f.wait_for(0s) == std::future_status::ready);
  return f.get();
}

fault::proxy_options tcp_options(std::uint16_t upstream_port) {
  fault::proxy_options o;
  o.upstream_port = upstream_port;
  return o;
}

fault::fault_spec spec(std::string name, fault::stream_direction d, fault::fault_attributes a, double toxicity = 1) {
  return fault::fault_spec{std::move(name), d, toxicity, std::move(a)};
}

/// Polls `done` for up to 2 s: the proxy counts a write when its completion runs on the proxy's
/// thread, which may be after the client already read the bytes.
template <class Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

/// What a client read: the bytes, how many reads it took, when the end came and how.
struct read_result {
  std::string data;
  std::size_t reads = 0;
  double ms_to_end = 0;
  error_code end;
};

asio::awaitable<read_result> connect_and_read_all(std::uint16_t port, std::string first_write = {}) {
  tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
  auto const t0 = clock_type::now();
  if (!first_write.empty()) co_await asio::async_write(s, asio::buffer(first_write), asio::use_awaitable);
  read_result r;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    error_code ec;
    std::size_t const n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      r.data.append(buf.data(), n);
      ++r.reads;
    }
    if (ec) {
      r.end = ec;
      break;
    }
  }
  r.ms_to_end = ms_since(t0);
  co_return r;
}

/// Sends `message` and reads it back through an echo server; returns the round trip in ms.
asio::awaitable<double> echo_round_trip(tcp::socket& s, std::string message) {
  auto const t0 = clock_type::now();
  co_await asio::async_write(s, asio::buffer(message), asio::use_awaitable);
  std::string back(message.size(), '\0');
  co_await asio::async_read(s, asio::buffer(back), asio::use_awaitable);
  REQUIRE(back == message);
  co_return ms_since(t0);
}

asio::awaitable<double> connect_and_echo(std::uint16_t port, std::string message) {
  tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
  co_return co_await echo_round_trip(s, std::move(message));
}

/// One HTTP exchange with a Beast client on a fresh connection.
asio::awaitable<bh::response<bh::string_body>> http_call(std::uint16_t port, bh::verb method, std::string target_path,
                                                         std::string body = {}, std::string user_agent = {}) {
  tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
  bh::request<bh::string_body> req{method, target_path, 11};
  req.set(bh::field::host, "127.0.0.1");
  if (!user_agent.empty()) req.set(bh::field::user_agent, user_agent);
  if (!body.empty()) req.set(bh::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  co_await bh::async_write(s, req, asio::use_awaitable);
  boost::beast::flat_buffer buffer;
  bh::response<bh::string_body> res;
  co_await bh::async_read(s, buffer, res, asio::use_awaitable);
  co_return res;
}

/// How a read of one byte ended (eof when the proxy closed the connection).
asio::awaitable<error_code> read_one_byte(tcp::socket& s) {
  char byte = 0;
  auto [ec, n] = co_await s.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
  (void)n;
  co_return ec;
}

/// Reads `count` HTTP responses from `s` and returns their bodies in order.
asio::awaitable<std::vector<std::string>> read_bodies(tcp::socket& s, int count) {
  boost::beast::flat_buffer buffer;
  std::vector<std::string> bodies;
  for (int i = 0; i < count; ++i) {
    bh::response<bh::string_body> res;
    co_await bh::async_read(s, buffer, res, asio::use_awaitable);
    bodies.push_back(res.body());
  }
  co_return bodies;
}

/// A request with `Expect: 100-continue` through `port`: the interim answer, then the response's
/// body (the body is sent only after the interim answer, like curl does).
asio::awaitable<std::pair<std::string, std::string>> expect_continue(std::uint16_t port) {
  tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
  std::string const head = "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  co_await asio::async_write(s, asio::buffer(head), asio::use_awaitable);
  std::string received;
  std::size_t const n =
      co_await asio::async_read_until(s, asio::dynamic_buffer(received), "\r\n\r\n", asio::use_awaitable);
  std::string const interim = received.substr(0, n);
  co_await asio::async_write(s, asio::buffer(std::string("hello")), asio::use_awaitable);
  boost::beast::flat_buffer buffer;
  auto const extra = received.substr(n);
  asio::buffer_copy(buffer.prepare(extra.size()), asio::buffer(extra));
  buffer.commit(extra.size());
  bh::response<bh::string_body> res;
  co_await bh::async_read(s, buffer, res, asio::use_awaitable);
  co_return std::pair{interim.substr(0, interim.find('\r')), res.body()};
}

/// Sends `count` requests one after the other through an http_target; returns each outcome.
struct http_run {
  std::vector<unsigned> statuses;  // 0: no response
  std::vector<stress_testing::outcome> outcomes;
};

asio::awaitable<http_run> sequential_requests(target::http_target& t, std::size_t count) {
  http_run out;
  for (std::size_t i = 0; i < count; ++i) {
    auto [ec, r] = co_await t.async_request(i, asio::as_tuple(asio::use_awaitable));
    out.statuses.push_back(ec ? 0u : r.http_status);
    out.outcomes.push_back(r.kind);
  }
  co_return out;
}

target::http_target_options target_options(std::uint16_t port, std::string path = "/") {
  target::http_target_options o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + path;
  return o;
}

/// The median round trip of `count` sequential requests (after one to open the connection).
asio::awaitable<double> median_request_ms(target::http_target& t, int count) {
  co_await t.async_request(0, asio::as_tuple(asio::use_awaitable));
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto const t0 = clock_type::now();
    auto [ec, r] = co_await t.async_request(static_cast<std::uint64_t>(i + 1), asio::as_tuple(asio::use_awaitable));
    REQUIRE_FALSE(ec);
    REQUIRE(r.http_status == 200u);
    ms.push_back(ms_since(t0));
  }
  std::sort(ms.begin(), ms.end());
  co_return ms[ms.size() / 2];
}

TEST_SUITE("fault") {

TEST_CASE("proxy fault specs parse from JSON and the text form and name bad fields") {
  auto f = fault::parse_fault_text("latency:downstream:latency_ms=100,jitter_ms=10");
  CHECK(f.name == "latency_downstream");
  CHECK(f.stream == fault::stream_direction::downstream);
  auto const& l = std::get<fault::latency_fault>(f.attributes);
  CHECK(l.latency_ms == 100);
  CHECK(l.jitter_ms == 10);
  auto g = fault::parse_fault_text("http_status:status=429,fraction=0.25,retry_after_seconds=3,name=throttle");
  CHECK(g.name == "throttle");
  CHECK(std::get<fault::http_status_fault>(g.attributes).retry_after_seconds == 3u);
  auto round = fault::parse_fault_spec(fault::to_json(g));
  CHECK(fault::to_json(round) == fault::to_json(g));
  auto j = nlohmann::json::parse(
      R"({"name":"lag","type":"latency","stream":"upstream","toxicity":0.5,"attributes":{"latency_ms":100,"jitter_ms":10}})");
  auto h = fault::parse_fault_spec(j);
  CHECK(h.name == "lag");
  CHECK(h.stream == fault::stream_direction::upstream);
  CHECK(h.toxicity == 0.5);

  std::vector<std::string> problems;
  CHECK_FALSE(fault::parse_fault_spec(nlohmann::json::parse(R"({"type":"latency","attributes":{"latency_ms":-1}})"),
                                      problems));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("attributes.latency_ms") != std::string::npos);
  problems.clear();
  CHECK_FALSE(fault::parse_fault_spec(nlohmann::json::parse(R"({"type":"nope"})"), problems));
  CHECK(problems.at(0).find("type") == 0);
  problems.clear();
  CHECK_FALSE(fault::parse_fault_text("slicer:upstream:average_size=10,size_variation=20,bogus=1", problems));
  CHECK(problems.at(0).find("attributes.bogus") == 0);
  problems.clear();
  CHECK_FALSE(fault::parse_fault_text("bandwidth:downstream:rate_kb_per_s=0", problems));
  CHECK(problems.at(0).find("attributes.rate_kb_per_s") == 0);
}

TEST_CASE("proxy refuses non loopback addresses naming the field") {
  asio::io_context io;
  auto o = tcp_options(9);
  o.upstream_host = "192.0.2.1";
  CHECK_THROWS_WITH_AS(fault::proxy(io.get_executor(), o), doctest::Contains("upstream_host"), std::invalid_argument);
  o = tcp_options(9);
  o.listen_host = "0.0.0.0";
  CHECK_THROWS_WITH_AS(fault::proxy(io.get_executor(), o), doctest::Contains("listen_host"), std::invalid_argument);
  o = tcp_options(0);
  CHECK_THROWS_WITH_AS(fault::proxy(io.get_executor(), o), doctest::Contains("upstream_port"), std::invalid_argument);
}

TEST_CASE("proxy relays TCP both ways and counts bytes") {
  network net;
  raw_server echo(net.io, behaviour::echo);
  fault::proxy p(net.io.get_executor(), tcp_options(echo.port()));
  p.start();
  CHECK(p.local_endpoint().port() != 0);
  asio::io_context client;
  double const ms = run(client, connect_and_echo(p.local_endpoint().port(), std::string(100000, 'x')));
  CHECK(ms < 1000);
  CHECK(eventually([&] { return p.stats().bytes_downstream == 100000; }));
  auto s = p.stats();
  CHECK(s.connections_accepted == 1);
  CHECK(s.bytes_upstream == 100000);
  CHECK(s.bytes_downstream == 100000);
}

TEST_CASE("proxy latency fault adds 50 ms to an HTTP round trip" * doctest::test_suite("fault.timing")) {
  network net;
  http_test::server server;
  fault::proxy p(net.io.get_executor(), tcp_options(server.port()));
  p.add_fault(spec("lag", fault::stream_direction::downstream, fault::latency_fault{50, 0}));
  p.start();
  asio::io_context client;
  target::http_target direct(client.get_executor(), target_options(server.port()));
  target::http_target proxied(client.get_executor(), target_options(p.local_endpoint().port()));
  double const base = run(client, median_request_ms(direct, 15));
  double const with = run(client, median_request_ms(proxied, 15));
  MESSAGE("direct median " << base << " ms, through latency 50 ms: " << with << " ms, added " << with - base);
  CHECK(with - base >= 49.0);
  CHECK(with - base <= 55.0);
  CHECK(p.stats().faults_applied.at("lag") == 1);
}

TEST_CASE("proxy bandwidth fault paces 1 MB at 1000 KB per s to about 1 s" * doctest::test_suite("fault.timing")) {
  network net;
  raw_server blob(net.io, behaviour::blob, 1'000'000);
  fault::proxy p(net.io.get_executor(), tcp_options(blob.port()));
  p.add_fault(spec("narrow", fault::stream_direction::downstream, fault::bandwidth_fault{1000}));
  p.start();
  asio::io_context client;
  auto r = run(client, connect_and_read_all(p.local_endpoint().port()));
  MESSAGE("1,000,000 bytes at 1000 KB/s took " << r.ms_to_end << " ms");
  CHECK(r.data.size() == 1'000'000);
  CHECK(r.end == asio::error::eof);
  CHECK(r.ms_to_end >= 900);
  CHECK(r.ms_to_end <= 1100);
}

TEST_CASE("proxy reset_peer fault resets the client") {
  network net;
  http_test::server server;
  fault::proxy p(net.io.get_executor(), tcp_options(server.port()));
  p.add_fault(spec("rst", fault::stream_direction::downstream, fault::reset_peer_fault{50}));
  p.start();
  asio::io_context client;
  target::http_target t(client.get_executor(), target_options(p.local_endpoint().port()));
  auto r = run(client, sequential_requests(t, 3));
  for (auto o : r.outcomes) CHECK(o == stress_testing::outcome::io_error);
  CHECK(t.stats()->resets >= 1);
  CHECK(t.stats()->resets + t.stats()->closed_by_server >= 3);
  auto raw = run(client, connect_and_read_all(p.local_endpoint().port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(raw.data.empty());
  CHECK(raw.ms_to_end >= 40);
  CHECK(raw.end == asio::error::connection_reset);
  CHECK(p.stats().faults_applied.at("rst") == 4);
}

TEST_CASE("proxy timeout 0 black holes until the request times out and removal releases data") {
  network net;
  http_test::server server;
  fault::proxy p(net.io.get_executor(), tcp_options(server.port()));
  p.add_fault(spec("hole", fault::stream_direction::upstream, fault::timeout_fault{0}));
  p.start();
  asio::io_context client;
  auto o = target_options(p.local_endpoint().port());
  std::optional<stress_testing::outcome> failure;
  o.on_failure = [&](std::uint64_t, stress_testing::outcome how, std::size_t) { failure = how; };
  target::http_target t(client.get_executor(), o);
  asio::cancellation_signal cancel;
  asio::steady_timer engine_timeout(client, 300ms);
  engine_timeout.async_wait([&](error_code) { cancel.emit(asio::cancellation_type::terminal); });
  std::optional<error_code> ended;
  auto const t0 = clock_type::now();
  t.async_request(1, asio::bind_cancellation_slot(cancel.slot(), [&](error_code ec, target::request_result) {
                    ended = ec;
                    client.stop();
                  }));
  client.run_for(5s);
  REQUIRE(ended.has_value());
  CHECK(*ended == asio::error::operation_aborted);
  REQUIRE(failure.has_value());
  CHECK(*failure == stress_testing::outcome::timeout);
  CHECK(ms_since(t0) >= 290);

  // Held data goes through once the fault is removed.
  raw_server echo(net.io, behaviour::echo);
  fault::proxy q(net.io.get_executor(), tcp_options(echo.port()));
  q.add_fault(spec("hole", fault::stream_direction::upstream, fault::timeout_fault{0}));
  q.start();
  std::thread remover([&] {
    std::this_thread::sleep_for(300ms);
    q.remove_fault("hole");
  });
  double const ms = run(client, connect_and_echo(q.local_endpoint().port(), "held"));
  remover.join();
  MESSAGE("echo held by timeout 0 for " << ms << " ms, released by remove_fault");
  CHECK(ms >= 280);
}

TEST_CASE("proxy timeout with a duration closes the connection after it") {
  network net;
  raw_server echo(net.io, behaviour::echo);
  fault::proxy p(net.io.get_executor(), tcp_options(echo.port()));
  p.add_fault(spec("t", fault::stream_direction::downstream, fault::timeout_fault{200}));
  p.start();
  asio::io_context client;
  auto r = run(client, connect_and_read_all(p.local_endpoint().port(), "data that never comes back"));
  CHECK(r.data.empty());
  CHECK(r.ms_to_end >= 180);
  CHECK(r.ms_to_end < 2000);
}

TEST_CASE("proxy limit_data delivers exactly N bytes then EOF") {
  network net;
  raw_server blob(net.io, behaviour::blob, 100'000);
  fault::proxy p(net.io.get_executor(), tcp_options(blob.port()));
  p.add_fault(spec("cap", fault::stream_direction::downstream, fault::limit_data_fault{12345}));
  p.start();
  asio::io_context client;
  auto r = run(client, connect_and_read_all(p.local_endpoint().port()));
  CHECK(r.data.size() == 12345);
  CHECK(r.end == asio::error::eof);
  for (std::size_t i = 0; i < r.data.size(); ++i)
    if (r.data[i] != static_cast<char>(i % 251)) FAIL("byte " << i << " differs");
}

TEST_CASE("proxy slicer delivers the data in several reads intact") {
  network net;
  raw_server blob(net.io, behaviour::blob, 20'000);
  fault::proxy p(net.io.get_executor(), tcp_options(blob.port()));
  p.add_fault(spec("slices", fault::stream_direction::downstream, fault::slicer_fault{500, 200, 2000}));
  p.start();
  asio::io_context client;
  auto r = run(client, connect_and_read_all(p.local_endpoint().port()));
  MESSAGE("20,000 bytes sliced (500 +- 200, 2 ms apart) arrived in " << r.reads << " reads, " << r.ms_to_end << " ms");
  REQUIRE(r.data.size() == 20'000);
  bool intact = true;
  for (std::size_t i = 0; i < r.data.size(); ++i) intact = intact && r.data[i] == static_cast<char>(i % 251);
  CHECK(intact);
  CHECK(r.reads >= 10);
  CHECK(r.ms_to_end >= 50);
}

TEST_CASE("proxy slow_close delays the EOF") {
  network net;
  raw_server blob(net.io, behaviour::blob, 10);
  fault::proxy p(net.io.get_executor(), tcp_options(blob.port()));
  p.start();
  asio::io_context client;
  auto fast = run(client, connect_and_read_all(p.local_endpoint().port()));
  p.add_fault(spec("slow", fault::stream_direction::downstream, fault::slow_close_fault{300}));
  auto slow = run(client, connect_and_read_all(p.local_endpoint().port()));
  MESSAGE("EOF after " << fast.ms_to_end << " ms without, " << slow.ms_to_end << " ms with slow_close 300 ms");
  CHECK(slow.data.size() == 10);
  CHECK(slow.end == asio::error::eof);
  CHECK(slow.ms_to_end >= 295);  // the server closed after the client connected
  CHECK(slow.ms_to_end - fast.ms_to_end <= 400);
}

TEST_CASE("proxy toxicity 0 never applies and max_connections refusals are counted") {
  network net;
  raw_server echo(net.io, behaviour::echo);
  auto o = tcp_options(echo.port());
  o.max_connections = 1;
  fault::proxy p(net.io.get_executor(), o);
  p.add_fault(spec("never", fault::stream_direction::downstream, fault::latency_fault{500, 0}, 0.0));
  p.start();
  asio::io_context client;
  tcp::socket first(client);
  first.connect(p.local_endpoint());
  double const ms = run(client, echo_round_trip(first, "x"));
  CHECK(ms < 400);
  CHECK(p.stats().faults_applied.count("never") == 0);
  auto second = run(client, connect_and_read_all(p.local_endpoint().port()));
  CHECK(second.data.empty());
  CHECK(p.stats().connections_refused == 1);
  CHECK(p.stats().connections_active == 1);
}

// timing: whether the client then sees EOF or a reset depends on the proxy having read the held
// bytes before stop() closed the socket (unread data makes the close a reset); ThreadSanitizer's
// slowdown gives the reset.
TEST_CASE("proxy stop closes every connection and leaves no pending operation" * doctest::test_suite("fault.timing")) {
  network net;
  raw_server echo(net.io, behaviour::echo);
  asio::io_context proxy_io{1};
  std::optional<fault::proxy> p;
  p.emplace(proxy_io.get_executor(), tcp_options(echo.port()));
  p->add_fault(spec("hole", fault::stream_direction::upstream, fault::timeout_fault{0}));
  p->add_fault(spec("lag", fault::stream_direction::downstream, fault::latency_fault{10000, 0}));
  p->start();
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    proxy_io.run();
    returned = true;
  });
  asio::io_context client;
  tcp::socket a(client), b(client);
  a.connect(p->local_endpoint());
  b.connect(p->local_endpoint());
  asio::write(a, asio::buffer(std::string("held by the black hole")));
  CHECK(eventually([&] { return p->stats().connections_active == 2; }));
  p->stop();
  // run() returns once nothing is pending: the listener, both connections and their timers.
  bool const stopped = eventually([&] { return returned.load(); });
  if (!stopped) proxy_io.stop();
  runner.join();
  CHECK(stopped);
  CHECK(p->stats().connections_active == 0);
  CHECK(run(client, read_one_byte(a)) == asio::error::eof);
  p.reset();  // destroying a stopped proxy whose context no longer runs is safe
}

TEST_CASE("proxy memory stays bounded when the upstream never reads") {
  network net;
  raw_server sink(net.io, behaviour::sink);
  auto o = tcp_options(sink.port());
  o.buffer_size = 16 * 1024;
  fault::proxy p(net.io.get_executor(), o);
  p.start();
  asio::io_context client;
  tcp::socket s(client);
  s.connect(p.local_endpoint());
  std::string const big(50u << 20, 'z');
  std::optional<std::size_t> written;
  asio::async_write(s, asio::buffer(big), [&](error_code, std::size_t n) { written = n; });
  client.run_for(1500ms);  // the write cannot finish: the test ends it
  auto const stats = p.stats();
  MESSAGE("after 1.5 s: " << stats.bytes_upstream << " bytes reached the sink's kernel buffers, max held "
                          << stats.max_direction_buffered_bytes << " bytes");
  CHECK_FALSE(written.has_value());
  CHECK(stats.max_direction_buffered_bytes <= o.buffer_size);
  CHECK(stats.buffered_bytes <= 2 * o.buffer_size);
  CHECK(stats.bytes_upstream < (50u << 20));
  s.close();
  client.restart();
  client.run_for(1s);
}

TEST_CASE("proxy http_status fraction is within 4 sigma and reproducible") {
  network net;
  http_test::server server;
  auto statuses_with_seed = [&](std::uint64_t seed) {
    auto o = tcp_options(server.port());
    o.mode = fault::proxy_mode::http;
    o.seed = seed;
    fault::proxy p(net.io.get_executor(), o);
    fault::http_status_fault f;
    f.status = 503;
    f.fraction = 0.3;
    f.retry_after_seconds = 2;
    p.add_fault(spec("flaky", fault::stream_direction::downstream, f));
    p.start();
    asio::io_context client;
    target::http_target t(client.get_executor(), target_options(p.local_endpoint().port()));
    auto r = run(client, sequential_requests(t, 2000), 20s);
    std::set<std::size_t> injected;
    for (std::size_t i = 0; i < r.statuses.size(); ++i) {
      if (r.statuses[i] == 503) injected.insert(i);
      else CHECK(r.statuses[i] == 200);
    }
    CHECK(p.stats().http_requests == 2000);
    CHECK(p.stats().http_answered_by_proxy == injected.size());
    CHECK(t.stats()->connections_opened == 1);  // keep-alive through the proxy
    return injected;
  };
  auto const a = statuses_with_seed(42);
  auto const b = statuses_with_seed(42);
  auto const c = statuses_with_seed(43);
  double const sigma = std::sqrt(2000 * 0.3 * 0.7);
  MESSAGE("503s injected: " << a.size() << " of 2000 (expected 600 +- " << 4 * sigma << ")");
  CHECK(std::abs(static_cast<double>(a.size()) - 600) <= 4 * sigma);
  CHECK(a == b);
  CHECK(a != c);

  // The injected response carries Retry-After.
  auto o = tcp_options(server.port());
  o.mode = fault::proxy_mode::http;
  fault::proxy p(net.io.get_executor(), o);
  fault::http_status_fault always;
  always.status = 429;
  always.retry_after_seconds = 2;
  always.body = "slow down";
  p.add_fault(spec("always", fault::stream_direction::downstream, always));
  p.start();
  asio::io_context client;
  auto res = run(client, http_call(p.local_endpoint().port(), bh::verb::get, "/"));
  CHECK(res.result_int() == 429);
  CHECK(res[bh::field::retry_after] == "2");
  CHECK(res.body() == "slow down");
}

TEST_CASE("proxy fail_first answers exactly the first 5 requests") {
  network net;
  http_test::server server;
  auto o = tcp_options(server.port());
  o.mode = fault::proxy_mode::http;
  fault::proxy p(net.io.get_executor(), o);
  p.add_fault(spec("boot", fault::stream_direction::downstream, fault::fail_first_fault{5, 503, 7}));
  p.start();
  asio::io_context client;
  auto first = run(client, http_call(p.local_endpoint().port(), bh::verb::get, "/"));
  CHECK(first.result_int() == 503);
  CHECK(first[bh::field::retry_after] == "7");
  target::http_target t(client.get_executor(), target_options(p.local_endpoint().port()));
  auto r = run(client, sequential_requests(t, 10));
  std::vector<unsigned> const expected{503, 503, 503, 503, 200, 200, 200, 200, 200, 200};
  CHECK(r.statuses == expected);
  CHECK(server.requests() == 6);  // the 6 requests after the first 5
  CHECK(p.stats().faults_applied.at("boot") == 5);
}

TEST_CASE("proxy HTTP mode keeps pipelined responses in order and delays responses") {
  network net;
  http_test::server server;
  auto o = tcp_options(server.port());
  o.mode = fault::proxy_mode::http;
  fault::proxy p(net.io.get_executor(), o);
  p.start();
  asio::io_context client;
  tcp::socket s(client);
  s.connect(p.local_endpoint());
  std::string pipelined;
  for (std::string body : {"one", "two", "three"})
    pipelined += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::write(s, asio::buffer(pipelined));
  auto bodies = run(client, read_bodies(s, 3));
  CHECK(bodies == std::vector<std::string>{"one", "two", "three"});
  CHECK(server.connections() == 1);
  auto [interim, echoed] = run(client, expect_continue(p.local_endpoint().port()));
  CHECK(interim == "HTTP/1.1 100 Continue");
  CHECK(echoed == "hello");

  p.add_fault(spec("slow", fault::stream_direction::downstream, fault::http_delay_fault{100, 100}));
  target::http_target t(client.get_executor(), target_options(p.local_endpoint().port()));
  double const ms = run(client, median_request_ms(t, 3));
  MESSAGE("http_delay 100 + 100 ms: request took " << ms << " ms");
  CHECK(ms >= 195);
  CHECK(ms < 400);

  // A body over the limit is refused with 413.
  auto small = tcp_options(server.port());
  small.mode = fault::proxy_mode::http;
  small.max_request_body = 10;
  fault::proxy q(net.io.get_executor(), small);
  q.start();
  auto res = run(client, http_call(q.local_endpoint().port(), bh::verb::post, "/echo", std::string(100, 'b')));
  CHECK(res.result_int() == 413);
}

TEST_CASE("proxy control API adds lists and removes faults while traffic flows") {
  network net;
  raw_server echo(net.io, behaviour::echo);
  fault::proxy p(net.io.get_executor(), tcp_options(echo.port()));
  fault::control_server control(net.io.get_executor(), p);
  p.start();
  control.start();
  auto const api = control.local_endpoint().port();
  asio::io_context client;
  tcp::socket s(client);
  s.connect(p.local_endpoint());
  double const before = run(client, echo_round_trip(s, "ping"));

  auto added = run(client, http_call(api, bh::verb::post, "/faults",
                                     R"({"name":"lag","type":"latency","stream":"downstream","toxicity":1.0,)"
                                     R"("attributes":{"latency_ms":100,"jitter_ms":0}})"));
  CHECK(added.result_int() == 201);
  std::this_thread::sleep_for(20ms);  // the change is posted to the proxy's strand
  double const during = run(client, echo_round_trip(s, "ping"));
  MESSAGE("echo on an open connection: " << before << " ms, with latency 100 added over HTTP: " << during << " ms");
  CHECK(during >= 98);

  auto list = run(client, http_call(api, bh::verb::get, "/faults"));
  CHECK(list.result_int() == 200);
  auto const j = nlohmann::json::parse(list.body());
  REQUIRE(j.size() == 1);
  CHECK(j[0]["name"] == "lag");
  CHECK(j[0]["attributes"]["latency_ms"] == 100.0);

  auto bad = run(client, http_call(api, bh::verb::post, "/faults",
                                   R"({"type":"latency","attributes":{"latency_ms":"a lot"}})"));
  CHECK(bad.result_int() == 400);
  CHECK(bad.body().find("attributes.latency_ms") != std::string::npos);
  auto bad_json = run(client, http_call(api, bh::verb::post, "/faults", "{not json"));
  CHECK(bad_json.result_int() == 400);
  auto deep = run(client, http_call(api, bh::verb::post, "/faults", std::string(5000, '[') + std::string(5000, ']')));
  CHECK(deep.result_int() == 400);  // refused while parsing (detail/bounded_json.hpp)
  CHECK(deep.body().find("nested deeper than 16 levels") != std::string::npos);
  auto bad_type = run(client, http_call(api, bh::verb::post, "/faults", R"({"type":"gremlins"})"));
  CHECK(bad_type.result_int() == 400);
  CHECK(bad_type.body().find("type") != std::string::npos);
  auto taken = run(client, http_call(api, bh::verb::post, "/faults", R"({"name":"lag","type":"timeout"})"));
  CHECK(taken.result_int() == 409);
  auto unknown = run(client, http_call(api, bh::verb::delete_, "/faults/nope"));
  CHECK(unknown.result_int() == 404);

  auto removed = run(client, http_call(api, bh::verb::delete_, "/faults/lag"));
  CHECK(removed.result_int() == 204);
  std::this_thread::sleep_for(20ms);
  double const after = run(client, echo_round_trip(s, "ping"));
  CHECK(after < 50);
  CHECK(p.faults().empty());

  auto stats = run(client, http_call(api, bh::verb::get, "/stats"));
  CHECK(stats.result_int() == 200);
  CHECK(nlohmann::json::parse(stats.body())["connections_accepted"] == 1);
  run(client, http_call(api, bh::verb::post, "/faults", R"({"type":"slow_close"})"));
  auto reset = run(client, http_call(api, bh::verb::post, "/reset"));
  CHECK(nlohmann::json::parse(reset.body())["removed"] == 1);
}

// --- Toxiproxy's API (fault/proxy/toxiproxy_server.hpp) --------------------------------------

/// A Toxiproxy API call: the status and the JSON body (null when there is none).
struct api_answer {
  unsigned status = 0;
  nlohmann::json body;
};

api_answer toxi(asio::io_context& client, std::uint16_t api, bh::verb method, std::string path, std::string body = {},
                std::string user_agent = {}) {
  auto res = run(client, http_call(api, method, std::move(path), std::move(body), std::move(user_agent)));
  api_answer a;
  a.status = res.result_int();
  if (!res.body().empty()) a.body = nlohmann::json::parse(res.body());
  return a;
}

std::uint16_t listen_port(const nlohmann::json& proxy) {
  auto const listen = proxy.at("listen").get<std::string>();
  return static_cast<std::uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1)));
}

/// Whether a connection to `port` on loopback is refused (the proxy is disabled or gone).
bool refused(std::uint16_t port) {
  asio::io_context io;
  tcp::socket s(io);
  error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return ec == asio::error::connection_refused;
}

TEST_CASE("toxiproxy API creates lists updates and deletes proxies with Toxiproxy's codes and bodies") {
  network net;
  raw_server echo(net.io, behaviour::echo);
  fault::toxiproxy_server api_server(net.io.get_executor());
  api_server.start();
  auto const api = api_server.local_endpoint().port();
  std::string const upstream = "127.0.0.1:" + std::to_string(echo.port());
  asio::io_context client;

  auto version = toxi(client, api, bh::verb::get, "/version");
  CHECK(version.status == 200);
  CHECK(version.body["version"] == "2.12.0+stress_testing");

  auto created = toxi(client, api, bh::verb::post, "/proxies",
                      R"({"name":"echo","listen":"localhost:0","upstream":")" + upstream + R"("})");
  REQUIRE(created.status == 201);
  CHECK(created.body["name"] == "echo");
  CHECK(created.body["upstream"] == upstream);
  CHECK(created.body["enabled"] == true);
  CHECK(created.body["toxics"] == nlohmann::json::array());
  auto const port = listen_port(created.body);
  CHECK(port != 0);  // port 0 became the bound one, as Toxiproxy reports it
  tcp::socket s(client);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  CHECK(run(client, echo_round_trip(s, "through")) < 1000);

  auto taken = toxi(client, api, bh::verb::post, "/proxies", R"({"name":"echo","upstream":")" + upstream + R"("})");
  CHECK(taken.status == 409);
  CHECK(taken.body == nlohmann::json{{"error", "proxy already exists"}, {"status", 409}});
  auto no_upstream = toxi(client, api, bh::verb::post, "/proxies", R"({"name":"x"})");
  CHECK(no_upstream.status == 400);
  CHECK(no_upstream.body["error"] == "missing required field: upstream");
  auto no_name = toxi(client, api, bh::verb::post, "/proxies", R"({"upstream":")" + upstream + R"("})");
  CHECK(no_name.body["error"] == "missing required field: name");
  auto remote = toxi(client, api, bh::verb::post, "/proxies",
                     R"({"name":"wide","listen":"0.0.0.0:0","upstream":")" + upstream + R"("})");
  CHECK(remote.status == 400);
  CHECK(remote.body["error"].get<std::string>().find("listen_host: '0.0.0.0' is 0.0.0.0, not a loopback") !=
        std::string::npos);
  auto not_json = toxi(client, api, bh::verb::post, "/proxies", "{nope");
  CHECK(not_json.status == 400);
  CHECK(not_json.body["status"] == 400);
  auto typo = toxi(client, api, bh::verb::post, "/proxies", R"({"name":"t","upstream":"127.0.0.1:1","upsteam":"x"})");
  CHECK(typo.status == 400);
  CHECK(typo.body["error"] == "bad request body: upsteam: unknown field");
  CHECK(toxi(client, api, bh::verb::get, "/proxies", {}, "Mozilla/5.0").status == 403);

  auto list = toxi(client, api, bh::verb::get, "/proxies");
  CHECK(list.status == 200);
  REQUIRE(list.body.is_object());
  CHECK(list.body.size() == 1);
  CHECK(list.body["echo"]["listen"] == created.body["listen"]);
  CHECK(toxi(client, api, bh::verb::get, "/proxies/echo").body == created.body);
  auto missing = toxi(client, api, bh::verb::get, "/proxies/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == nlohmann::json{{"error", "proxy not found"}, {"status", 404}});

  // Disabled: the port refuses connections; enabled again on the same port with its toxics.
  toxi(client, api, bh::verb::post, "/proxies/echo/toxics", R"({"type":"latency","attributes":{"latency":1}})");
  auto off = toxi(client, api, bh::verb::post, "/proxies/echo", R"({"enabled":false})");
  CHECK(off.status == 200);
  CHECK(off.body["enabled"] == false);
  CHECK(refused(port));
  auto on = toxi(client, api, bh::verb::patch, "/proxies/echo", R"({"enabled":true})");
  CHECK(on.status == 200);
  CHECK(listen_port(on.body) == port);
  CHECK(on.body["toxics"].size() == 1);
  tcp::socket again(client);
  again.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  CHECK(run(client, echo_round_trip(again, "again")) >= 1);

  // POST /reset: enabled, no toxics; 204 and no body.
  toxi(client, api, bh::verb::post, "/proxies/echo", R"({"enabled":false})");
  auto reset = toxi(client, api, bh::verb::post, "/reset");
  CHECK(reset.status == 204);
  CHECK(reset.body.is_null());
  auto after_reset = toxi(client, api, bh::verb::get, "/proxies/echo");
  CHECK(after_reset.body["enabled"] == true);
  CHECK(after_reset.body["toxics"].empty());
  CHECK_FALSE(refused(port));

  // Populate: creates, keeps an identical one, refuses a bad list as a whole.
  std::string const listed = created.body["listen"].get<std::string>();
  auto populated = toxi(client, api, bh::verb::post, "/populate",
                        R"([{"name":"echo","listen":")" + listed + R"(","upstream":")" + upstream +
                            R"("},{"name":"second","listen":"127.0.0.1:0","upstream":")" + upstream + R"("}])");
  CHECK(populated.status == 201);
  REQUIRE(populated.body["proxies"].size() == 2);
  CHECK(populated.body["proxies"][0]["listen"] == listed);
  CHECK(toxi(client, api, bh::verb::get, "/proxies").body.size() == 2);
  auto bad_populate = toxi(client, api, bh::verb::post, "/populate", R"([{"name":"third"}])");
  CHECK(bad_populate.status == 400);
  CHECK(bad_populate.body["error"] == "missing required field: upstream at proxy 1");
  CHECK(toxi(client, api, bh::verb::get, "/proxies").body.size() == 2);

  auto deleted = toxi(client, api, bh::verb::delete_, "/proxies/second");
  CHECK(deleted.status == 204);
  CHECK(toxi(client, api, bh::verb::delete_, "/proxies/second").status == 404);
  CHECK(toxi(client, api, bh::verb::get, "/proxies").body.size() == 1);
}

TEST_CASE("toxiproxy API toxics speak Toxiproxy's names and codes") {
  network net;
  raw_server echo(net.io, behaviour::echo);
  fault::toxiproxy_server api_server(net.io.get_executor());
  api_server.start();
  auto const api = api_server.local_endpoint().port();
  asio::io_context client;
  std::string const upstream = "127.0.0.1:" + std::to_string(echo.port());
  REQUIRE(toxi(client, api, bh::verb::post, "/proxies", R"({"name":"p","upstream":")" + upstream + R"("})").status ==
          201);

  auto lag = toxi(client, api, bh::verb::post, "/proxies/p/toxics",
                  R"({"type":"latency","attributes":{"latency":100,"jitter":5}})");
  CHECK(lag.status == 200);
  CHECK(lag.body.dump() ==
        R"({"attributes":{"jitter":5,"latency":100},"name":"latency_downstream","stream":"downstream","toxicity":1,"type":"latency"})");
  auto slices = toxi(client, api, bh::verb::post, "/proxies/p/toxics",
                     R"({"name":"cut","type":"slicer","stream":"upstream","toxicity":0.5,)"
                     R"("attributes":{"average_size":10,"size_variation":2,"delay":300}})");
  CHECK(slices.status == 200);
  CHECK(slices.body["attributes"] == nlohmann::json{{"average_size", 10}, {"size_variation", 2}, {"delay", 300}});
  CHECK(slices.body["toxicity"] == 0.5);
  auto list = toxi(client, api, bh::verb::get, "/proxies/p/toxics");
  CHECK(list.status == 200);
  REQUIRE(list.body.size() == 2);
  CHECK(list.body[0] == lag.body);

  auto taken = toxi(client, api, bh::verb::post, "/proxies/p/toxics", R"({"type":"latency"})");
  CHECK(taken.status == 409);
  CHECK(taken.body == nlohmann::json{{"error", "toxic already exists"}, {"status", 409}});
  auto bad_type = toxi(client, api, bh::verb::post, "/proxies/p/toxics", R"({"type":"gremlins"})");
  CHECK(bad_type.status == 400);
  CHECK(bad_type.body["error"] == "invalid toxic type: unknown fault type 'gremlins'");
  auto bad_value = toxi(client, api, bh::verb::post, "/proxies/p/toxics",
                        R"({"name":"neg","type":"latency","attributes":{"latency":-1}})");
  CHECK(bad_value.status == 400);
  CHECK(bad_value.body["error"] == "bad request body: attributes.latency: must be >= 0 (and <= 86400000)");
  auto our_name = toxi(client, api, bh::verb::post, "/proxies/p/toxics",
                       R"({"name":"ours","type":"latency","attributes":{"latency_ms":5}})");
  CHECK(our_name.status == 400);
  CHECK(our_name.body["error"].get<std::string>().find("attributes.latency_ms: unknown attribute") != std::string::npos);
  auto bad_stream = toxi(client, api, bh::verb::post, "/proxies/p/toxics", R"({"type":"timeout","stream":"sideways"})");
  CHECK(bad_stream.status == 400);
  auto http_on_tcp = toxi(client, api, bh::verb::post, "/proxies/p/toxics", R"({"type":"http_status"})");
  CHECK(http_on_tcp.status == 400);
  CHECK(http_on_tcp.body["error"].get<std::string>().find("needs a proxy in HTTP mode") != std::string::npos);
  CHECK(toxi(client, api, bh::verb::post, "/proxies/nope/toxics", R"({"type":"latency"})").status == 404);

  auto updated = toxi(client, api, bh::verb::post, "/proxies/p/toxics/latency_downstream",
                      R"({"attributes":{"latency":250},"toxicity":0.75})");
  CHECK(updated.status == 200);
  CHECK(updated.body["attributes"] == nlohmann::json{{"latency", 250}, {"jitter", 5}});
  CHECK(updated.body["toxicity"] == 0.75);
  CHECK(toxi(client, api, bh::verb::get, "/proxies/p/toxics/latency_downstream").body == updated.body);
  auto retype = toxi(client, api, bh::verb::post, "/proxies/p/toxics/latency_downstream", R"({"type":"timeout"})");
  CHECK(retype.status == 400);
  CHECK(toxi(client, api, bh::verb::get, "/proxies/p/toxics/none").body ==
        nlohmann::json{{"error", "toxic not found"}, {"status", 404}});
  CHECK(toxi(client, api, bh::verb::delete_, "/proxies/p/toxics/latency_downstream").status == 204);
  CHECK(toxi(client, api, bh::verb::delete_, "/proxies/p/toxics/latency_downstream").status == 404);
  CHECK(toxi(client, api, bh::verb::get, "/proxies/p").body["toxics"].size() == 1);

  // Our HTTP faults are toxic types of a proxy made in HTTP mode.
  http_test::server web;
  REQUIRE(toxi(client, api, bh::verb::post, "/proxies",
               R"({"name":"web","mode":"http","upstream":"127.0.0.1:)" + std::to_string(web.port()) + R"("})")
              .status == 201);
  auto down = toxi(client, api, bh::verb::post, "/proxies/web/toxics",
                   R"({"name":"down","type":"http_status","attributes":{"status":503,"retry_after_seconds":2}})");
  CHECK(down.status == 200);
  auto const web_port = listen_port(toxi(client, api, bh::verb::get, "/proxies/web").body);
  std::this_thread::sleep_for(20ms);
  auto res = run(client, http_call(web_port, bh::verb::get, "/"));
  CHECK(res.result_int() == 503);
  CHECK(res[bh::field::retry_after] == "2");
}

TEST_CASE("toxiproxy API latency toxic adds its 100 ms to an echo round trip" * doctest::test_suite("fault.timing")) {
  network net;
  raw_server echo(net.io, behaviour::echo);
  fault::toxiproxy_server api_server(net.io.get_executor());
  api_server.start();
  auto const api = api_server.local_endpoint().port();
  asio::io_context client;
  auto p = toxi(client, api, bh::verb::post, "/proxies",
                R"({"name":"e","upstream":"127.0.0.1:)" + std::to_string(echo.port()) + R"("})");
  tcp::socket s(client);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listen_port(p.body)));
  std::vector<double> before, during;
  for (int i = 0; i < 5; ++i) before.push_back(run(client, echo_round_trip(s, "ping")));
  REQUIRE(toxi(client, api, bh::verb::post, "/proxies/e/toxics", R"({"type":"latency","attributes":{"latency":100}})")
              .status == 200);
  std::this_thread::sleep_for(20ms);  // posted to the proxy's strand
  for (int i = 0; i < 5; ++i) during.push_back(run(client, echo_round_trip(s, "ping")));
  std::sort(before.begin(), before.end());
  std::sort(during.begin(), during.end());
  double const added = during[2] - before[2];
  MESSAGE("echo median " << before[2] << " ms, with a 100 ms latency toxic " << during[2] << " ms");
  CHECK(added >= 99);
  CHECK(added <= 110);
}

TEST_CASE("toxiproxy API limit_data closes after N bytes and reset_peer resets") {
  network net;
  raw_server blob(net.io, behaviour::blob, 100'000);
  http_test::server web;
  fault::toxiproxy_server api_server(net.io.get_executor());
  api_server.start();
  auto const api = api_server.local_endpoint().port();
  asio::io_context client;
  auto capped = toxi(client, api, bh::verb::post, "/proxies",
                     R"({"name":"blob","upstream":"127.0.0.1:)" + std::to_string(blob.port()) + R"("})");
  REQUIRE(toxi(client, api, bh::verb::post, "/proxies/blob/toxics", R"({"type":"limit_data","attributes":{"bytes":4321}})")
              .status == 200);
  auto r = run(client, connect_and_read_all(listen_port(capped.body)));
  CHECK(r.data.size() == 4321);
  CHECK(r.end == asio::error::eof);

  auto reset = toxi(client, api, bh::verb::post, "/proxies",
                    R"({"name":"web","upstream":"127.0.0.1:)" + std::to_string(web.port()) + R"("})");
  REQUIRE(toxi(client, api, bh::verb::post, "/proxies/web/toxics", R"({"type":"reset_peer","attributes":{"timeout":20}})")
              .status == 200);
  auto raw = run(client, connect_and_read_all(listen_port(reset.body), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(raw.data.empty());
  CHECK(raw.end == asio::error::connection_reset);

  // Deleting the proxy closes its port.
  CHECK(toxi(client, api, bh::verb::delete_, "/proxies/web").status == 204);
  CHECK(refused(listen_port(reset.body)));
}

}  // TEST_SUITE

}  // namespace fault_proxy_test
