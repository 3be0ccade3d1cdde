// The dashboard server (include/stress_testing/dashboard/server.hpp) over real loopback sockets:
// the page, the snapshot, Server-Sent Events in order, the token-guarded controls, /metrics, the
// loopback-only default; and the static report (report.hpp). Each test runs the server on
// 127.0.0.1:0 on a thread of its own and talks to it with a small client whose every operation
// has a deadline, so nothing can hang.

#include <stress_testing/dashboard/live_feed.hpp>
#include <stress_testing/dashboard/report.hpp>
#include <stress_testing/dashboard/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <functional>
#include <exception>
#include <memory>
#include <mutex>
#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dashboard_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace dash = stress_testing::dashboard;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto io_timeout = 5s;

/// A dashboard server on 127.0.0.1:0 run by one thread of its own.
class running_server {
 public:
  explicit running_server(dash::server_options options = {}) : server_(io_.get_executor(), std::move(options)) {
    server_.start();
    thread_ = std::thread([this] {
      io_.run();
      done_.set_value();
    });
  }
  running_server(const running_server&) = delete;
  running_server& operator=(const running_server&) = delete;
  ~running_server() {
    server_.stop();
    work_.reset();
    if (done_.get_future().wait_for(io_timeout) != std::future_status::ready) io_.stop();
    thread_.join();
  }
  dash::server& server() { return server_; }
  tcp::endpoint endpoint() const { return server_.local_endpoint(); }

 private:
  net::io_context io_{1};
  net::executor_work_guard<net::io_context::executor_type> work_{io_.get_executor()};
  dash::server server_;
  std::promise<void> done_;
  std::thread thread_;
};

struct reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
  std::string content_disposition;
  std::string run;  // X-Stress-Testing-Run
};

/// One connection; each call runs the client's io_context until done or the deadline.
class client {
 public:
  explicit client(tcp::endpoint ep) : stream_(io_) {
    beast::error_code ec;
    stream_.expires_after(io_timeout);
    stream_.async_connect(ep, [&](beast::error_code e) { ec = e; });
    drive();
    if (ec) throw beast::system_error(ec);
  }

  reply request(http::verb method, std::string target, std::string body = {}, std::optional<std::string> authorization = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (authorization) req.set(http::field::authorization, *authorization);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    http::response<http::string_body> res;
    beast::error_code ec;
    stream_.expires_after(io_timeout);
    http::async_write(stream_, req, [&](beast::error_code e, std::size_t) {
      if (e) {
        ec = e;
        return;
      }
      http::async_read(stream_, buffer_, res, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    drive();
    if (ec) throw beast::system_error(ec);
    return {res.result_int(),
            res.body(),
            std::string(res[http::field::content_type]),
            std::string(res[http::field::www_authenticate]),
            std::string(res[http::field::content_disposition]),
            std::string(res["X-Stress-Testing-Run"])};
  }

  /// Sends GET /api/events and returns the raw stream's text until `count` events (blank-line
  /// terminated) have arrived after the header, or the deadline.
  std::vector<std::string> events(std::size_t count, std::function<void()> after_header = {}) {
    std::string const req = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    beast::error_code ec;
    stream_.expires_after(io_timeout);
    net::async_write(stream_, net::buffer(req), [&](beast::error_code e, std::size_t) { ec = e; });
    drive();
    if (ec) throw beast::system_error(ec);
    std::string text;
    std::vector<std::string> found;
    bool header_done = false;
    auto const deadline = std::chrono::steady_clock::now() + io_timeout;
    while (found.size() < count && std::chrono::steady_clock::now() < deadline) {
      char chunk[4096];
      std::size_t n = 0;
      stream_.expires_after(io_timeout);
      stream_.async_read_some(net::buffer(chunk), [&](beast::error_code e, std::size_t k) {
        ec = e;
        n = k;
      });
      drive();
      if (ec) break;
      text.append(chunk, n);
      if (!header_done) {
        auto const end = text.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        header_ = text.substr(0, end);
        text.erase(0, end + 4);
        header_done = true;
        if (after_header) after_header();
      }
      for (auto e = text.find("\n\n"); e != std::string::npos; e = text.find("\n\n")) {
        auto const event = text.substr(0, e);
        text.erase(0, e + 2);
        for (std::size_t at = 0; at < event.size();) {
          auto const eol = event.find('\n', at);
          auto const line = event.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
          if (line.rfind("data: ", 0) == 0) found.push_back(line.substr(6));
          if (eol == std::string::npos) break;
          at = eol + 1;
        }
      }
    }
    return found;
  }

  const std::string& header() const { return header_; }

 private:
  void drive() {
    io_.restart();
    io_.run();
  }
  net::io_context io_{1};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string header_;
};

TEST_SUITE("dashboard") {
  TEST_CASE("GET / serves the configured page and unknown paths answer 404") {
    dash::server_options o;
    o.page = "<!doctype html><title>page under test</title>";
    running_server s(o);
    client c(s.endpoint());
    auto const r = c.request(http::verb::get, "/");
    CHECK(r.status == 200);
    CHECK(r.content_type.rfind("text/html", 0) == 0);
    CHECK(r.body == o.page);
    CHECK(c.request(http::verb::get, "/nope").status == 404);
    CHECK(c.request(http::verb::post, "/").status == 405);
  }

  TEST_CASE("GET / inserts the document so far at the page's data marker") {
    dash::server_options o;
    o.page = "<head><!--STRESS_TESTING_DATA--></head>";
    running_server s(o);
    s.server().set_document({{"scenario", {{"name", "</script>"}}}});
    client c(s.endpoint());
    std::string body;
    // set_document is asynchronous (posted to the server's strand): poll briefly.
    for (int i = 0; i < 100 && body.find("\"name\"") == std::string::npos; ++i) {
      if (i > 0) std::this_thread::sleep_for(10ms);
      body = c.request(http::verb::get, "/").body;
    }
    std::string const open = R"(<head><script id="snapshot" type="application/json">)";
    REQUIRE(body.rfind(open, 0) == 0);
    auto const end = body.find("</script>", open.size());
    REQUIRE(end != std::string::npos);
    CHECK(json::parse(body.substr(open.size(), end - open.size()))["scenario"]["name"] == "</script>");
    CHECK(body.substr(end) == "</script></head>");
  }

  TEST_CASE("the live summary measures the generator's CPU since the feed began and its memory now") {
    stress_testing::test_scenario sc;
    sc.name = "live";
    dash::live_feed feed(sc);
    // Burn ~100 ms of CPU so the process's CPU time since the feed began is well above a tick.
    auto const until = std::chrono::steady_clock::now() + 100ms;
    volatile std::uint64_t spin = 0;
    while (std::chrono::steady_clock::now() < until) spin = spin + 1;
    stress_testing::run::interval_record rec;
    stress_testing::metrics::snapshot snap;
    std::vector<stress_testing::criterion_result> none;
    auto const m = feed.update({rec, snap, none, stress_testing::test_status::running, 1.0, 10.0, 100.0});
    auto const& summary = m["summary"];
    REQUIRE(summary["cpu_utilization"].is_number());
    CHECK(summary["cpu_utilization"].get<double>() > 0.0);
    CHECK(summary["cpu_utilization"].get<double>() <= 1.0);
    // Memory: this process's resident set over physical memory, as /proc says now.
    auto const now = stress_testing::metrics::read_process_usage();
    REQUIRE(now.memory_available);
    double const expected = static_cast<double>(now.rss_bytes) / static_cast<double>(now.memory_total_bytes);
    CHECK(summary["memory_utilization"].get<double>() == doctest::Approx(expected).epsilon(0.2));
    CHECK(summary["memory_utilization"].get<double>() > 0.0);
  }

  TEST_CASE("the live presentation: the interval's offered and achieved rates, the host's agents, the competitors") {
    namespace st = stress_testing;
    dash::live_feed feed(st::test_scenario{});
    feed.set_competitors({{"A", {{"throughput_tps", 100}}}});
    // One interval: 100 planned, 80 ok at 10 ms (sent 1 ms late), 20 dropped; achieved 80/s.
    st::run::interval_record rec;
    rec.end = 1s;
    rec.counters.record(st::outcome::ok, 80);
    rec.counters.record(st::outcome::dropped, 20);
    rec.values.set(st::metrics::metric::throughput_tps, 80);
    st::metrics::snapshot snap;
    snap.counters = rec.counters;
    snap.response_time.record_values(10'000'000, 80);
    snap.send_lag.record_values(1'000'000, 80);
    std::vector<st::criterion_result> none;
    st::run::presentation_inputs host;  // what only the host reads live: here one agent of the service
    host.agents = {{"ml", "ml", 40.0, 5.0, std::nullopt}};
    auto const m = feed.update({rec, snap, none, st::test_status::running, 1.0, 10.0, 100.0}, host);
    auto const& p = m["presentation"];
    auto const& flow = p["transaction_flow_data"];
    REQUIRE(flow.size() == 3);
    CHECK(flow[0]["throughput"] == 100.0);  // the interval's planned rate
    CHECK(flow[0]["error_rate"] == 0.2);    // 20 of 100 dropped
    CHECK(flow[0]["latency_ms"] == m["summary"]["queue_latency_ms"]);
    CHECK(flow[1]["node_id"] == "agent-ml");
    CHECK(flow[1]["throughput"] == 40.0);
    CHECK(flow[1]["latency_ms"] == 5.0);
    CHECK(flow[1]["error_rate"].is_null());  // the service reports no per-agent failures
    CHECK(flow[1]["status"] == "processing");
    CHECK(flow[2]["throughput"] == 80.0);    // the interval's achieved rate
    CHECK(flow[2]["latency_ms"] == m["summary"]["avg_response_time_ms"]);
    CHECK(flow[2]["error_rate"] == 0.2);     // the run's error rate so far counts the dropped
    CHECK(flow[2]["status"] == "failed");    // above the CRITICAL 10%
    auto const& cb = p["competitive_benchmarks"];
    CHECK(cb["competitor_avg"] == json({{"throughput_tps", 100.0}}));
    CHECK(cb["improvement_percentage"]["throughput_tps"] == -20.0);
    CHECK(cb["market_position"] == "follower");
    CHECK(p["cost_efficiency"]["current_hourly_cost"].is_null());  // no business figures from the host
    CHECK(p["business_narrative"].is_null());
  }

  TEST_CASE("the embedded live page is self-contained and in live mode") {
    auto const page = dash::live_page();
    CHECK(page.find("<meta name=\"stress-testing-mode\" content=\"live\">") != std::string::npos);
    CHECK(page.find("uPlot") != std::string::npos);
    CHECK(page.find("<script src=") == std::string::npos);
    CHECK(page.find("<link rel=\"stylesheet\"") == std::string::npos);
    CHECK(page.find("data-metric=\"hero-tps\"") != std::string::npos);
  }

  TEST_CASE("the snapshot is the document with published intervals appended") {
    running_server s;
    s.server().set_document({{"scenario", {{"name", "t"}}}, {"intervals", json::array()}});
    s.server().publish({{"type", "interval"}, {"interval", {{"end_seconds", 1.0}}}, {"summary", {{"throughput_tps", 10.0}}}});
    s.server().publish({{"type", "interval"}, {"interval", {{"end_seconds", 2.0}}}, {"summary", {{"throughput_tps", 20.0}}}});
    client c(s.endpoint());
    json doc;
    // publish is asynchronous (posted to the server's strand): poll briefly.
    for (int i = 0; i < 100; ++i) {
      auto const r = c.request(http::verb::get, "/api/snapshot");
      REQUIRE(r.status == 200);
      CHECK(r.content_type == "application/json");
      doc = json::parse(r.body);
      if (doc["intervals"].size() == 2) break;
      std::this_thread::sleep_for(10ms);
    }
    REQUIRE(doc["intervals"].size() == 2);
    CHECK(doc["intervals"][1]["end_seconds"] == 2.0);
    CHECK(doc["summary"]["throughput_tps"] == 20.0);
    CHECK(doc["scenario"]["name"] == "t");
  }

  TEST_CASE("server-sent events deliver a snapshot then every published interval in order") {
    running_server s;
    s.server().set_document({{"intervals", json::array()}});
    client c(s.endpoint());
    constexpr int n = 20;
    auto const data = c.events(1 + n, [&] {
      // Give the server time to register the stream before publishing.
      std::this_thread::sleep_for(50ms);
      for (int i = 1; i <= n; ++i) s.server().publish({{"type", "interval"}, {"interval", {{"end_seconds", i}}}});
    });
    CHECK(c.header().find("text/event-stream") != std::string::npos);
    REQUIRE(data.size() == 1 + n);
    auto const first = json::parse(data[0]);
    CHECK(first["type"] == "snapshot");
    CHECK(first.contains("document"));
    std::uint64_t previous_seq = first["seq"].get<std::uint64_t>();
    for (int i = 1; i <= n; ++i) {
      auto const m = json::parse(data[static_cast<std::size_t>(i)]);
      CHECK(m["interval"]["end_seconds"] == i);
      CHECK(m["seq"].get<std::uint64_t>() == previous_seq + 1);
      previous_seq = m["seq"].get<std::uint64_t>();
    }
  }

  TEST_CASE("a client that does not read its event stream is dropped instead of queued without bound" *
            doctest::test_suite("dashboard.timing")) {
    dash::server_options o;
    o.max_queued_events = 4;
    running_server s(o);
    // A raw client that asks for the stream and never reads.
    net::io_context io;
    tcp::socket sock(io);
    sock.connect(s.endpoint());
    std::string const req = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    net::write(sock, net::buffer(req));
    std::this_thread::sleep_for(100ms);
    std::string const big(256 * 1024, 'x');  // fills the socket buffers quickly
    for (int i = 0; i < 200; ++i) s.server().publish({{"type", "interval"}, {"pad", big}});
    // The stream ends (the server closed it) well before all 50 MB were delivered.
    std::size_t received = 0;
    bool ended = false;
    std::array<char, 65536> chunk{};
    std::function<void()> read_more = [&] {
      sock.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
        received += n;
        if (ec) {
          ended = true;
          return;
        }
        read_more();
      });
    };
    read_more();
    io.run_for(io_timeout);
    CHECK(ended);
    CHECK(received < 200 * big.size() / 2);
    // The server stays responsive and its snapshot is intact.
    client c(s.endpoint());
    auto const r = c.request(http::verb::get, "/api/snapshot");
    CHECK(r.status == 200);
    CHECK(json::parse(r.body)["pad"].get<std::string>().size() == big.size());
  }

  TEST_CASE("the controls answer 401 without the token or with a wrong one and call back with it") {
    std::atomic<int> stops{0};
    std::atomic<int> injects{0};
    json injected;
    std::mutex m;
    dash::server_options o;
    o.on_stop = [&](const json&) {
      ++stops;
      return dash::control_reply{200, "stopping"};
    };
    o.on_inject = [&](const json& body) {
      std::lock_guard lock(m);
      injected = body;
      ++injects;
      return dash::control_reply{202, "injected"};
    };
    running_server s(o);
    auto const token = s.server().token();
    CHECK(token.size() == 32);
    CHECK(token.find_first_not_of("0123456789abcdef") == std::string::npos);
    client c(s.endpoint());

    auto const none = c.request(http::verb::post, "/api/control/stop");
    CHECK(none.status == 401);
    CHECK(none.www_authenticate == "Bearer");
    auto wrong = token;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    CHECK(c.request(http::verb::post, "/api/control/stop", "{}", "Bearer " + wrong).status == 401);
    CHECK(c.request(http::verb::post, "/api/control/stop", "{}", token).status == 401);  // no "Bearer "
    CHECK(c.request(http::verb::post, "/api/control/inject", "{}", "Bearer " + token + "0").status == 401);
    CHECK(stops == 0);
    CHECK(injects == 0);

    auto const ok = c.request(http::verb::post, "/api/control/stop", "", "Bearer " + token);
    CHECK(ok.status == 200);
    CHECK(json::parse(ok.body)["message"] == "stopping");
    CHECK(stops == 1);
    auto const inj = c.request(http::verb::post, "/api/control/inject",
                               R"({"failure_type":"LAMBDA_CRASH","severity":0.5})", "Bearer " + token);
    CHECK(inj.status == 202);
    CHECK(json::parse(inj.body)["ok"] == true);
    CHECK(injects == 1);
    {
      std::lock_guard lock(m);
      CHECK(injected["failure_type"] == "LAMBDA_CRASH");
    }
    CHECK(c.request(http::verb::post, "/api/control/inject", "not json", "Bearer " + token).status == 400);
    CHECK(c.request(http::verb::get, "/api/control/stop", "", "Bearer " + token).status == 405);
  }

  TEST_CASE("a control body of the wrong shape is a 400 naming the problem never a 500") {
    dash::server_options o;
    o.on_inject = [](const json& body) {
      if (body.contains("named")) throw std::invalid_argument("severity: expected a number from 0 to 1");
      (void)body.at("severity").get<double>();  // a host that did not check the type
      return dash::control_reply{202, "injected"};
    };
    running_server s(o);
    client c(s.endpoint());
    auto const bearer = "Bearer " + s.server().token();
    auto const named = c.request(http::verb::post, "/api/control/inject", R"({"named": 1})", bearer);
    CHECK(named.status == 400);
    CHECK(json::parse(named.body)["message"] == "severity: expected a number from 0 to 1");
    auto const typed = c.request(http::verb::post, "/api/control/inject", R"({"severity": "high"})", bearer);
    CHECK(typed.status == 400);
    CHECK(json::parse(typed.body)["message"].get<std::string>().find("wrong type") != std::string::npos);
    // Nested 1,000 levels (within the body limit): refused while parsing, the server unharmed.
    auto const deep = c.request(http::verb::post, "/api/control/inject", std::string(1000, '[') + std::string(1000, ']'),
                                bearer);
    CHECK(deep.status == 400);
    CHECK(json::parse(deep.body)["message"].get<std::string>().find("nested deeper than 16 levels") != std::string::npos);
    // Not JSON at all, or cut short: a 400 too.
    CHECK(c.request(http::verb::post, "/api/control/inject", "{not json", bearer).status == 400);
    CHECK(c.request(http::verb::post, "/api/control/inject", R"({"severity": 0.)", bearer).status == 400);
    CHECK(c.request(http::verb::post, "/api/control/inject", R"({"severity": 0.5})", bearer).status == 202);
  }

  TEST_CASE("a control the host did not provide answers 501 after authentication") {
    running_server s;
    client c(s.endpoint());
    CHECK(c.request(http::verb::post, "/api/control/inject", "{}").status == 401);
    CHECK(c.request(http::verb::post, "/api/control/inject", "{}", "Bearer " + s.server().token()).status == 501);
  }

  TEST_CASE("exports need the token and answer 404 until a run has finished then serve the last run or the one asked for") {
    dash::server_options o;
    o.max_kept_runs = 2;
    running_server s(o);
    client c(s.endpoint());
    auto const bearer = "Bearer " + s.server().token();
    auto const none = c.request(http::verb::get, "/api/export/results.json");
    CHECK(none.status == 401);
    CHECK(none.www_authenticate == "Bearer");
    CHECK(c.request(http::verb::get, "/api/export/results.json", "", "Bearer " + std::string(32, '0')).status == 401);
    auto const early = c.request(http::verb::get, "/api/export/results.json", "", bearer);
    CHECK(early.status == 404);
    CHECK(json::parse(early.body)["message"] == "no run has finished yet");
    CHECK(s.server().kept_runs().empty());

    auto files = [](int run) {
      return std::vector<dash::export_file>{{"results.json", "application/json", R"({"run":)" + std::to_string(run) + "}"},
                                            {"report.html", "text/html; charset=utf-8", "<p>run " + std::to_string(run)}};
    };
    s.server().add_exports("1", files(1));
    auto const first = c.request(http::verb::get, "/api/export/results.json", "", bearer);
    CHECK(first.status == 200);
    CHECK(first.body == R"({"run":1})");
    CHECK(first.content_type == "application/json");
    CHECK(first.content_disposition == "attachment; filename=\"results.json\"");
    CHECK(first.run == "1");
    auto const missing = c.request(http::verb::get, "/api/export/junit.xml", "", bearer);
    CHECK(missing.status == 404);
    CHECK(json::parse(missing.body)["message"] == "no export 'junit.xml' (there are: results.json, report.html)");

    // Three runs, two kept: the last by default, the other by ?run=, the first forgotten.
    s.server().add_exports("2", files(2));
    s.server().add_exports("3", files(3));
    CHECK(s.server().kept_runs() == std::vector<std::string>{"2", "3"});
    auto const last = c.request(http::verb::get, "/api/export/report.html", "", bearer);
    CHECK(last.status == 200);
    CHECK(last.body == "<p>run 3");
    CHECK(last.content_type == "text/html; charset=utf-8");
    CHECK(last.run == "3");
    auto const chosen = c.request(http::verb::get, "/api/export/results.json?run=2", "", bearer);
    CHECK(chosen.status == 200);
    CHECK(chosen.body == R"({"run":2})");
    CHECK(chosen.run == "2");
    auto const forgotten = c.request(http::verb::get, "/api/export/results.json?run=1", "", bearer);
    CHECK(forgotten.status == 404);
    CHECK(json::parse(forgotten.body)["message"] == "run: no finished run '1' is kept (the last 2 are)");
    // A run given again replaces its files (and becomes the last).
    s.server().add_exports("2", {{"results.json", "application/json", R"({"run":"2 again"})"}});
    CHECK(s.server().kept_runs() == std::vector<std::string>{"3", "2"});
    CHECK(c.request(http::verb::get, "/api/export/results.json", "", bearer).body == R"({"run":"2 again"})");
    CHECK(c.request(http::verb::post, "/api/export/results.json", "{}", bearer).status == 405);
  }

  TEST_CASE("a token given in the options is the admin token and a malformed one is refused naming the field") {
    std::atomic<int> stops{0};
    dash::server_options o;
    o.token = "kept-in-a-file-0123456789";
    o.on_stop = [&](const json&) {
      ++stops;
      return dash::control_reply{200, "stopping"};
    };
    {
      running_server s(o);
      CHECK(s.server().token() == o.token);
      client c(s.endpoint());
      CHECK(c.request(http::verb::post, "/api/control/stop", "{}", "Bearer kept-in-a-file-012345678").status == 401);
      CHECK(c.request(http::verb::post, "/api/control/stop", "{}", "Bearer " + o.token).status == 200);
      CHECK(stops == 1);
    }
    net::io_context io;
    for (std::string bad : {std::string("short-token"), std::string("sixteen chars ok"), std::string(257, 'x'),
                            std::string("0123456789abcdef\n")}) {
      o.token = bad;
      try {
        dash::server refused(io.get_executor(), o);
        FAIL("the token '" << bad << "' was accepted");
      } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("dashboard: token: ") == 0);
      }
    }
  }

  TEST_CASE("the start control and the runs list are the host's and a start needs the token") {
    std::atomic<int> starts{0};
    json asked;
    std::mutex m;
    dash::server_options o;
    o.on_start = [&](const json& body) {
      std::lock_guard lock(m);
      asked = body;
      // The host's rule, as a run supervisor's: one run at a time.
      return ++starts == 1 ? dash::control_reply{202, "started run 1"} : dash::control_reply{409, "run 1 is in progress"};
    };
    o.runs = [] { return json{{"scenarios", {{{"name", "peak_load"}}}}, {"running", nullptr}}; };
    running_server s(o);
    client c(s.endpoint());
    auto const bearer = "Bearer " + s.server().token();
    auto const body = R"({"scenario":"peak_load","time_scale":0.01})";
    CHECK(c.request(http::verb::post, "/api/control/start", body).status == 401);
    CHECK(starts == 0);
    auto const started = c.request(http::verb::post, "/api/control/start", body, bearer);
    CHECK(started.status == 202);
    CHECK(json::parse(started.body) == json{{"ok", true}, {"message", "started run 1"}});
    {
      std::lock_guard lock(m);
      CHECK(asked == json::parse(body));
    }
    auto const second = c.request(http::verb::post, "/api/control/start", body, bearer);
    CHECK(second.status == 409);
    CHECK(json::parse(second.body) == json{{"ok", false}, {"message", "run 1 is in progress"}});
    auto const runs = c.request(http::verb::get, "/api/runs");  // read-only, like the snapshot
    CHECK(runs.status == 200);
    CHECK(runs.content_type == "application/json");
    CHECK(json::parse(runs.body) == o.runs());
    CHECK(c.request(http::verb::post, "/api/runs").status == 405);

    running_server plain;
    client p(plain.endpoint());
    CHECK(p.request(http::verb::get, "/api/runs").status == 404);
    CHECK(p.request(http::verb::post, "/api/control/start", body, "Bearer " + plain.server().token()).status == 501);
  }

  TEST_CASE("on the server core: a body over max_body_bytes is answered 413 and connections beyond max_clients are closed") {
    std::atomic<int> stops{0};
    dash::server_options o;
    o.max_body_bytes = 1024;
    o.max_clients = 2;
    o.on_stop = [&](const json&) {
      ++stops;
      return dash::control_reply{};
    };
    running_server s(o);
    {
      client c(s.endpoint());
      auto const r = c.request(http::verb::post, "/api/control/stop", std::string(4096, ' '), "Bearer " + s.server().token());
      CHECK(r.status == 413);
      CHECK(json::parse(r.body)["ok"] == false);
      CHECK(stops == 0);  // the control never ran
    }
    // Two clients are served; a third is accepted and closed at once, then served when one leaves.
    // The 413's connection counts until the server has seen it close (later on a slow, sanitized
    // build): open each of the two until it is served.
    auto served_client = [&]() -> std::unique_ptr<client> {
      for (int i = 0; i < 100; ++i) {
        auto cl = std::make_unique<client>(s.endpoint());
        try {
          if (cl->request(http::verb::get, "/api/snapshot").status == 200) return cl;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(20ms);
      }
      return nullptr;
    };
    auto a = served_client();
    auto const b = served_client();
    REQUIRE(a);
    REQUIRE(b);
    {
      client third(s.endpoint());
      CHECK_THROWS(third.request(http::verb::get, "/api/snapshot"));
    }
    a.reset();
    bool served = false;
    for (int i = 0; i < 50 && !served; ++i) {
      std::this_thread::sleep_for(20ms);
      try {
        client again(s.endpoint());
        served = again.request(http::verb::get, "/api/snapshot").status == 200;
      } catch (const std::exception&) {
      }
    }
    CHECK(served);
  }

  TEST_CASE("event stream clients count against max_clients") {
    // Issue 19 saw the streams escape the limit; on the core they are connections like any other.
    dash::server_options o;
    o.max_clients = 2;
    running_server s(o);
    client a(s.endpoint());
    client b(s.endpoint());
    CHECK(a.events(1).size() == 1);  // the first snapshot; the stream stays open
    CHECK(b.events(1).size() == 1);
    client third(s.endpoint());
    CHECK_THROWS(third.request(http::verb::get, "/api/snapshot"));
  }

  TEST_CASE("GET /metrics returns the provider's text and 404 without a provider") {
    {
      dash::server_options o;
      o.metrics = [] { return std::string("# TYPE st_requests_total counter\nst_requests_total 42\n"); };
      running_server s(o);
      client c(s.endpoint());
      auto const r = c.request(http::verb::get, "/metrics");
      CHECK(r.status == 200);
      CHECK(r.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
      CHECK(r.body == "# TYPE st_requests_total counter\nst_requests_total 42\n");
    }
    running_server s;
    client c(s.endpoint());
    CHECK(c.request(http::verb::get, "/metrics").status == 404);
  }

  TEST_CASE("a non-loopback address is refused unless allowed") {
    net::io_context io;
    dash::server_options o;
    o.address = "0.0.0.0";
    CHECK_THROWS_AS(dash::server(io.get_executor(), o), std::invalid_argument);
    o.address = "10.1.2.3";
    CHECK_THROWS_AS(dash::server(io.get_executor(), o), std::invalid_argument);
    o.address = "not-an-address";
    CHECK_THROWS_AS(dash::server(io.get_executor(), o), std::invalid_argument);
    o.address = "127.0.0.1";
    dash::server ok(io.get_executor(), o);
    CHECK(ok.local_endpoint().port() != 0);
    CHECK(ok.local_endpoint().address().is_loopback());
    // allow_non_loopback lets the address through (the unspecified address binds on every host
    // interface; we only check the guard and close again at once).
    o.address = "0.0.0.0";
    o.allow_non_loopback = true;
    CHECK_NOTHROW(dash::server(io.get_executor(), o));
  }

  TEST_CASE("the static report embeds the document with script-closing sequences escaped") {
    json doc = {{"scenario", {{"name", "</script><script>alert(1)</script>"}, {"description", "<!-- x"}}},
                {"intervals", json::array()}};
    auto const html = dash::render_report(doc);
    auto const open = html.find("<script id=\"results\" type=\"application/json\">");
    REQUIRE(open != std::string::npos);
    auto const body_start = open + std::string("<script id=\"results\" type=\"application/json\">").size();
    auto const close = html.find("</script>", body_start);
    REQUIRE(close != std::string::npos);
    auto const embedded = html.substr(body_start, close - body_start);
    CHECK(embedded.find("</") == std::string::npos);
    CHECK(embedded.find("<!--") == std::string::npos);
    CHECK(json::parse(embedded) == doc);
  }

  TEST_CASE("the report adds the planned rate of each interval from the scenario") {
    stress_testing::test_scenario sc;
    sc.scenario_id = "planned";
    sc.name = "planned";
    sc.duration_seconds = 4;
    sc.load_profile.profile_type = stress_testing::load_profile_type::sustained;
    sc.load_profile.sustained_tps = 250;
    sc.load_profile.peak_tps = 250;
    json doc = {{"scenario", sc},
                {"intervals", json::array({json{{"start_seconds", 0.0}, {"end_seconds", 1.0}},
                                           json{{"start_seconds", 1.0}, {"end_seconds", 2.0}}})}};
    dash::add_planned_rates(doc);
    REQUIRE(doc["intervals"][0].contains("planned_tps"));
    CHECK(doc["intervals"][0]["planned_tps"].get<double>() == doctest::Approx(250.0));
    CHECK(doc["intervals"][1]["planned_tps"].get<double>() == doctest::Approx(250.0));
  }
}

}  // namespace dashboard_test
