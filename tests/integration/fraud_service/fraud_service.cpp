// The sample fraud-detection service (examples/fraud_service) over real loopback sockets: the wire
// format (docs/fraud_wire_format.md), decisions, time budgets, capacity and load shedding, and
// robustness against garbage. Each test runs the server on 127.0.0.1:0 in its own thread and talks
// to it with a small blocking client; every socket operation has a deadline, so nothing can hang.
// One known-answer test runs the generated fraud workload through the scoring core in-process.

#include <fraud_service/decisions.hpp>
#include <fraud_service/fraud_service.hpp>
#include <stress_testing/fraud.hpp>
#include <stress_testing/target/service_stats_json.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <future>
#include <latch>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fraud_service_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = fraud_service;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

// Deadline of every client operation and of stopping a server: a hang fails instead of blocking.
constexpr auto io_timeout = 5s;

double ms_since(steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(steady_clock::now() - t0).count();
}

// ---- the server under test ----------------------------------------------------------------

/// A server on 127.0.0.1:0 run by one thread of its own.
class running_server {
 public:
  explicit running_server(fs::service_options options = {}) : server_(io_, std::move(options)) {
    endpoint_ = server_.start();
    thread_ = std::thread([this] {
      io_.run();
      done_.set_value();
    });
  }

  running_server(const running_server&) = delete;
  running_server& operator=(const running_server&) = delete;

  ~running_server() { stop_and_join(); }

  /// Stops the server; true when its thread ran out of work within the deadline.
  bool stop_and_join() {
    if (!thread_.joinable()) return clean_;
    server_.stop();
    clean_ = done_.get_future().wait_for(io_timeout) == std::future_status::ready;
    if (!clean_) io_.stop();
    thread_.join();
    return clean_;
  }

  fs::server& server() { return server_; }
  tcp::endpoint endpoint() const { return endpoint_; }

 private:
  net::io_context io_{1};
  fs::server server_;
  tcp::endpoint endpoint_;
  std::promise<void> done_;
  std::thread thread_;
  bool clean_ = false;
};

// ---- a small blocking client --------------------------------------------------------------

struct reply {
  unsigned status = 0;
  std::string body;
  std::string server_timing;
  std::string retry_after;
  std::string allow;
  std::string connection;
  std::string slots, utilization;  // X-Slots, X-Utilization (with the autoscaler)
  std::string content_type;
  bool keep_alive = true;
  double elapsed_ms = 0;

  json parsed() const { return json::parse(body); }
};

/// One connection; each call runs its own io_context until the operation completes or the
/// deadline closes the socket.
class client {
 public:
  explicit client(tcp::endpoint ep) : stream_(io_) {
    beast::error_code ec;
    stream_.expires_after(io_timeout);
    stream_.async_connect(ep, [&](beast::error_code e) { ec = e; });
    drive();
    if (ec) throw beast::system_error(ec);
  }

  reply request(http::verb method, std::string target, std::string body = {}, bool close = false) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    req.keep_alive(!close);
    req.prepare_payload();
    http::response<http::string_body> res;
    beast::error_code ec;
    auto const t0 = steady_clock::now();
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
    return to_reply(res, t0);
  }

  /// Reads one response (after `send_raw` of pipelined requests, say).
  reply read_reply() {
    http::response<http::string_body> res;
    beast::error_code ec;
    auto const t0 = steady_clock::now();
    stream_.expires_after(io_timeout);
    http::async_read(stream_, buffer_, res, [&](beast::error_code e, std::size_t) { ec = e; });
    drive();
    if (ec) throw beast::system_error(ec);
    return to_reply(res, t0);
  }

  static reply to_reply(const http::response<http::string_body>& res, steady_clock::time_point t0) {
    reply r;
    r.elapsed_ms = ms_since(t0);
    r.status = res.result_int();
    r.body = res.body();
    r.server_timing = std::string(res["Server-Timing"]);
    r.retry_after = std::string(res[http::field::retry_after]);
    r.allow = std::string(res[http::field::allow]);
    r.connection = std::string(res[http::field::connection]);
    r.slots = std::string(res["X-Slots"]);
    r.utilization = std::string(res["X-Utilization"]);
    r.content_type = std::string(res[http::field::content_type]);
    r.keep_alive = res.keep_alive();
    return r;
  }

  reply score(const json& tx) { return request(http::verb::post, "/v1/transactions/score", tx.dump()); }

  /// Writes raw bytes (ignoring a reset: the server may already have closed).
  void send_raw(std::string_view bytes) {
    stream_.expires_after(io_timeout);
    beast::error_code ec;
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()), [&](beast::error_code e, std::size_t) { ec = e; });
    drive();
  }

  /// Reads until the peer closes (true) or the deadline passes (false); `received` gets the bytes.
  bool closed_by_peer(std::string& received, std::chrono::steady_clock::duration deadline = io_timeout) {
    stream_.expires_after(deadline);
    beast::error_code ec;
    std::array<char, 4096> chunk{};
    while (!ec) {
      std::size_t n = 0;
      stream_.async_read_some(net::buffer(chunk), [&](beast::error_code e, std::size_t got) {
        ec = e;
        n = got;
      });
      drive();
      received.append(chunk.data(), n);
    }
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  bool closed_by_peer() {
    std::string ignored;
    return closed_by_peer(ignored);
  }

 private:
  void drive() {
    io_.restart();
    io_.run();
  }

  net::io_context io_{1};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// ---- transactions -------------------------------------------------------------------------

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// A plain 25 USD grocery purchase with the card at a shop in New York, at home, at noon.
json plain_purchase(std::uint64_t seq, std::uint32_t card = 1234) {
  char card_id[16];
  std::snprintf(card_id, sizeof card_id, "card-%08u", card);
  return json{{"transaction_id", "tx-" + hex16(seq)},
              {"card_id", card_id},
              {"amount", 25.00},
              {"currency", "USD"},
              {"merchant_id", "m-000042"},
              {"merchant_category", "grocery"},
              {"channel", "card_present"},
              {"country", "US"},
              {"home_country", "US"},
              {"lat", 40.7128},
              {"lon", -74.0060},
              {"device_id", "dev-0000a001"},
              {"timestamp_ms", 1'700'000'000'000 + static_cast<std::int64_t>(seq) * 60'000 + 17 * 3'600'000}};
}

/// 4,000 USD of crypto bought online from Lagos on a device the (US) card never used.
json fraudulent_purchase(std::uint64_t seq, std::uint32_t card = 9876) {
  json tx = plain_purchase(seq, card);
  tx["amount"] = 4000.00;
  tx["merchant_category"] = "crypto";
  tx["channel"] = "online";
  tx["country"] = "NG";
  tx["lat"] = 6.5244;
  tx["lon"] = 3.3792;
  tx["device_id"] = "dev-ffee0001";
  return tx;
}

// ---- options ------------------------------------------------------------------------------

/// The four agents with constant latencies (median == p99 makes the log-normal a constant).
std::vector<fs::agent_config> fixed_agents(double rules_ms, double ml_ms, double geo_ms, double identity_ms,
                                           double budget_ms = 1000) {
  auto agents = fs::default_agents();
  double const ms[] = {rules_ms, ml_ms, geo_ms, identity_ms};
  for (std::size_t i = 0; i < agents.size(); ++i) {
    agents[i].median_ms = agents[i].p99_ms = ms[i];
    agents[i].budget_ms = budget_ms;
  }
  return agents;
}

fs::service_options fixed_options(double rules_ms, double ml_ms, double geo_ms, double identity_ms,
                                  double orchestrator_ms = 0.5) {
  fs::service_options o;
  o.agents = fixed_agents(rules_ms, ml_ms, geo_ms, identity_ms);
  o.orchestrator_ms = orchestrator_ms;
  return o;
}

/// `name;dur=x` entries of a Server-Timing header, in order.
std::vector<std::pair<std::string, double>> timings(const std::string& header) {
  std::vector<std::pair<std::string, double>> out;
  std::size_t i = 0;
  while (i < header.size()) {
    auto end = header.find(',', i);
    if (end == std::string::npos) end = header.size();
    std::string entry = header.substr(i, end - i);
    entry.erase(0, entry.find_first_not_of(' '));
    auto const semi = entry.find(";dur=");
    if (semi != std::string::npos) out.emplace_back(entry.substr(0, semi), std::stod(entry.substr(semi + 5)));
    i = end + 1;
  }
  return out;
}

double timing(const std::string& header, const std::string& name) {
  for (auto const& [n, d] : timings(header))
    if (n == name) return d;
  return -1;
}

}  // namespace fraud_service_test

using namespace fraud_service_test;

TEST_SUITE("fraud_service") {
  TEST_CASE("a valid transaction gets 200 with decision fraud_score agents and a full Server-Timing") {
    running_server s;
    client c(s.endpoint());
    auto const r = c.score(plain_purchase(1));
    REQUIRE(r.status == 200);
    CHECK(r.keep_alive);
    auto const j = r.parsed();
    CHECK(j.at("transaction_id") == "tx-" + hex16(1));
    auto const decision = j.at("decision").get<std::string>();
    CHECK((decision == "approve" || decision == "review" || decision == "decline"));
    double const score = j.at("fraud_score").get<double>();
    CHECK(score >= 0.0);
    CHECK(score <= 1.0);
    auto const& agents = j.at("agents");
    CHECK(agents.size() == 4);
    for (auto const* name : {"rules", "ml", "geo_velocity", "identity"}) {
      REQUIRE(agents.contains(name));
      CHECK(agents.at(name).at("ms").get<double>() >= 0.0);
    }
    CHECK(j.at("degraded").is_array());

    std::vector<std::string> names;
    for (auto const& [n, d] : timings(r.server_timing)) {
      names.push_back(n);
      CHECK(d >= 0.0);
    }
    CHECK(names == std::vector<std::string>{"queue", "rules", "ml", "geo_velocity", "identity", "orchestrator"});
    CHECK(s.server().stats().count(200) == 1);
  }

  TEST_CASE("fixed agent latencies appear exactly in Server-Timing and set the response time" *
            doctest::test_suite("fraud_service.timing")) {
    running_server s(fixed_options(2, 5, 3, 4, 0.5));
    client c(s.endpoint());
    for (std::uint64_t i = 0; i < 3; ++i) {
      auto const r = c.score(plain_purchase(i));
      REQUIRE(r.status == 200);
      CHECK(std::abs(timing(r.server_timing, "rules") - 2) <= 0.5);
      CHECK(std::abs(timing(r.server_timing, "ml") - 5) <= 0.5);
      CHECK(std::abs(timing(r.server_timing, "geo_velocity") - 3) <= 0.5);
      CHECK(std::abs(timing(r.server_timing, "identity") - 4) <= 0.5);
      CHECK(std::abs(timing(r.server_timing, "orchestrator") - 0.5) <= 0.5);
      CHECK(timing(r.server_timing, "queue") >= 0.0);
      CHECK(timing(r.server_timing, "queue") <= 0.5);
      CHECK(r.parsed().at("agents").at("ml").at("ms").get<double>() == doctest::Approx(5.0));
      // The slowest agent plus the orchestrator: the timer never fires early.
      CHECK(r.elapsed_ms >= 5.5);
      CHECK(r.elapsed_ms < 1000);
    }
    // Little's law on the configuration: 256 slots / 5.5 ms.
    CHECK(s.server().nominal_capacity_tps() == doctest::Approx(256 / 0.0055).epsilon(0.01));
  }

  TEST_CASE("a clearly fraudulent transaction is declined and a plain grocery purchase at home is approved") {
    running_server s(fixed_options(1, 1, 1, 1));
    client c(s.endpoint());
    auto const fraud = c.score(fraudulent_purchase(1)).parsed();
    CHECK(fraud.at("decision") == "decline");
    CHECK(fraud.at("fraud_score").get<double>() >= 0.7);
    CHECK(fraud.at("degraded").empty());
    auto const plain = c.score(plain_purchase(2)).parsed();
    CHECK(plain.at("decision") == "approve");
    CHECK(plain.at("fraud_score").get<double>() < 0.45);
    auto const st = s.server().stats();
    CHECK(st.declined == 1);
    CHECK(st.approved == 1);
  }

  TEST_CASE("feedback on a scored transaction answers its decision and whether the label agrees and is counted") {
    running_server s(fixed_options(1, 1, 1, 1));
    client c(s.endpoint());
    REQUIRE(c.score(fraudulent_purchase(7)).parsed().at("decision") == "decline");
    REQUIRE(c.score(plain_purchase(8)).parsed().at("decision") == "approve");
    auto feedback = [&c](std::uint64_t seq, std::string_view label) {
      return c.request(http::verb::post, "/v1/transactions/feedback",
                       json{{"transaction_id", "tx-" + hex16(seq)}, {"label", label}}.dump());
    };
    auto const agreed = feedback(7, "fraudulent");
    REQUIRE(agreed.status == 200);
    CHECK(agreed.parsed() == json{{"transaction_id", "tx-" + hex16(7)}, {"decision", "decline"}, {"label", "fraudulent"},
                                  {"agrees", true}});
    auto const disputed = feedback(8, "fraudulent");  // approved, but the analyst says fraud
    REQUIRE(disputed.status == 200);
    CHECK(disputed.parsed().at("agrees") == false);
    CHECK(feedback(8, "legitimate").parsed().at("agrees") == true);
    // Never scored here: 404, naming the field.
    auto const unknown = feedback(9, "legitimate");
    CHECK(unknown.status == 404);
    CHECK(unknown.parsed().at("error").get<std::string>().starts_with("transaction_id:"));
    // Malformed: 400 naming the field; a GET: 405 with Allow: POST.
    auto const bad_id = c.request(http::verb::post, "/v1/transactions/feedback", R"({"transaction_id":"tx-1","label":"fraudulent"})");
    CHECK(bad_id.status == 400);
    CHECK(bad_id.parsed().at("error").get<std::string>().starts_with("transaction_id:"));
    auto const bad_label = feedback(7, "maybe");
    CHECK(bad_label.status == 400);
    CHECK(bad_label.parsed().at("error").get<std::string>().starts_with("label:"));
    auto const get = c.request(http::verb::get, "/v1/transactions/feedback");
    CHECK(get.status == 405);
    CHECK(get.allow == "POST");
    auto const st = s.server().stats();
    CHECK(st.feedback_received == 3);
    CHECK(st.feedback_unknown == 1);
    CHECK(st.feedback_agreed == 2);
    auto const doc = c.request(http::verb::get, "/stats").parsed();
    CHECK(doc.at("feedback") == json{{"received", 3}, {"unknown", 1}, {"agreed", 2}});
  }

  TEST_CASE("the decision store remembers the last four decisions of a set and forgets the oldest") {
    // One set of four: the fifth decision replaces the oldest; a repeated id replaces its own.
    fs::decision_store one(1);
    for (std::uint64_t n = 0; n < 4; ++n) one.put(n, fs::decision::review);
    one.put(2, fs::decision::decline);
    one.put(4, fs::decision::approve);
    CHECK_FALSE(one.find(0));
    CHECK(one.find(1) == fs::decision::review);
    CHECK(one.find(2) == fs::decision::decline);
    CHECK(one.find(4) == fs::decision::approve);
    CHECK(fs::transaction_number("tx-00000000000000ff") == 255u);
    CHECK_FALSE(fs::transaction_number("tx-00000000000000FF"));
    CHECK_FALSE(fs::transaction_number("tx-ff"));
    // The default store: 20,000 consecutive decisions are all remembered.
    fs::decision_store store;
    for (std::uint64_t n = 0; n < 20'000; ++n) store.put(n, fs::decision::approve);
    std::size_t found = 0;
    for (std::uint64_t n = 0; n < 20'000; ++n) found += store.find(n) ? 1 : 0;
    CHECK(found == 20'000);
  }

  TEST_CASE("an agent slower than its budget is dropped listed in degraded and the weights renormalised" *
            doctest::test_suite("fraud_service.timing")) {
    auto o = fixed_options(1, 1, 1, 20);
    o.agents[3].budget_ms = 5;  // identity takes 20 ms, the orchestrator waits 5
    running_server s(o);
    client c(s.endpoint());
    auto const r = c.score(fraudulent_purchase(1));
    REQUIRE(r.status == 200);
    auto const j = r.parsed();
    CHECK(j.at("degraded") == json::array({"identity"}));
    CHECK(j.at("agents").at("identity").at("status") == "timeout");
    CHECK(j.at("agents").at("identity").at("score").is_null());
    CHECK(std::abs(timing(r.server_timing, "identity") - 5) <= 0.5);
    CHECK(r.elapsed_ms >= 5.0);
    // The weighted noisy-OR of the three votes that arrived, weights renormalised to mean 1 over them.
    double weights = 0, clean = 1;
    for (std::size_t i = 0; i < 3; ++i) weights += o.agents[i].weight;
    for (std::size_t i = 0; i < 3; ++i) {
      auto const& a = o.agents[i];
      clean *= std::pow(1 - j.at("agents").at(a.name).at("score").get<double>(), a.weight * 3 / weights);
    }
    CHECK(j.at("fraud_score").get<double>() == doctest::Approx(1 - clean).epsilon(0.001));
    auto const st = s.server().stats();
    CHECK(st.agents.at(3).name == "identity");
    CHECK(st.agents.at(3).timeouts == 1);
  }

  TEST_CASE("faults injected at run time drop the agent's vote and show in health") {
    running_server s(fixed_options(1, 1, 1, 1));
    client c(s.endpoint());
    CHECK_FALSE(s.server().set_agent_fault("no_such_agent", {}));
    REQUIRE(s.server().set_agent_fault("ml", fs::agent_fault{0, 0, true}));
    auto const down = c.score(plain_purchase(1));
    CHECK(down.parsed().at("degraded") == json::array({"ml"}));
    CHECK(down.parsed().at("agents").at("ml").at("status") == "down");
    auto const health = c.request(http::verb::get, "/health");
    REQUIRE(health.status == 200);
    CHECK(health.parsed().at("status") == "degraded");
    CHECK(health.parsed().at("agents").at("ml").at("state") == "down");

    REQUIRE(s.server().set_agent_fault("ml", {}));
    REQUIRE(s.server().set_agent_fault("rules", fs::agent_fault{0, 1.0, false}));  // every call fails
    auto const failing = c.score(plain_purchase(2)).parsed();
    CHECK(failing.at("degraded") == json::array({"rules"}));
    CHECK(failing.at("agents").at("rules").at("status") == "error");

    REQUIRE(s.server().set_agent_fault("rules", fs::agent_fault{2000, 0, false}));  // beyond its 1000 ms budget
    auto const slow = c.score(plain_purchase(3));
    CHECK(slow.parsed().at("degraded") == json::array({"rules"}));
    CHECK(timing(slow.server_timing, "rules") == doctest::Approx(1000));

    REQUIRE(s.server().set_agent_fault("rules", {}));
    CHECK(c.score(plain_purchase(4)).parsed().at("degraded").empty());
    CHECK(c.request(http::verb::get, "/health").parsed().at("status") == "ok");
  }

  TEST_CASE("invalid bodies are answered 400 naming the field") {
    running_server s(fixed_options(1, 1, 1, 1));
    client c(s.endpoint());
    auto with = [](const char* field, json value) {
      json tx = plain_purchase(1);
      tx[field] = std::move(value);
      return tx.dump();
    };
    json missing = plain_purchase(1);
    missing.erase("amount");
    std::vector<std::pair<std::string, std::string>> const cases{
        {"", "body:"},
        {"{\"transaction_id\":", "body:"},
        {"[1,2,3]", "body: must be a JSON object"},
        {missing.dump(), "amount: missing"},
        {with("amount", "12.50"), "amount: must be a number"},
        {with("amount", -3), "amount: must be > 0"},
        {with("currency", "XYZ"), "currency: unknown currency"},
        {with("currency", 840), "currency: must be a string"},
        {with("card_id", 1234), "card_id: must be a string"},
        {with("card_id", "card-12"), "card_id: must be"},
        {with("transaction_id", "tx-XYZ"), "transaction_id: must be"},
        {with("merchant_category", "casino"), "merchant_category: unknown category"},
        {with("channel", "mail"), "channel: must be"},
        {with("country", "usa"), "country: must be"},
        {with("lat", 91), "lat: must be within"},
        {with("lon", json::array({1})), "lon: must be a number"},
        {with("timestamp_ms", 1.5), "timestamp_ms: must be an integer"},
        {with("device_id", nullptr), "device_id: must be a string"},
    };
    for (auto const& [body, expected] : cases) {
      CAPTURE(body);
      auto const r = c.request(http::verb::post, "/v1/transactions/score", body);
      CHECK(r.status == 400);
      auto const error = r.parsed().at("error").get<std::string>();
      CHECK_MESSAGE(error.rfind(expected, 0) == 0, error);
      CHECK(r.keep_alive);  // a bad body is not a bad connection
    }
    // Unknown members are ignored.
    json extra = plain_purchase(2);
    extra["note"] = json{{"nested", json::array({1, 2, {{"x", "y"}}})}};
    CHECK(c.score(extra).status == 200);
    CHECK(s.server().stats().count(400) == cases.size());
  }

  TEST_CASE("unknown paths get 404 and wrong methods 405 with Allow") {
    running_server s(fixed_options(1, 1, 1, 1));
    client c(s.endpoint());
    CHECK(c.request(http::verb::get, "/").status == 404);
    CHECK(c.request(http::verb::post, "/v1/transactions").status == 404);
    auto const get_score = c.request(http::verb::get, "/v1/transactions/score");
    CHECK(get_score.status == 405);
    CHECK(get_score.allow == "POST");
    auto const post_health = c.request(http::verb::post, "/health", "{}");
    CHECK(post_health.status == 405);
    CHECK(post_health.allow == "GET");
    auto const health = c.request(http::verb::get, "/health?verbose=1");
    CHECK(health.status == 200);
    CHECK(health.parsed().at("agents").size() == 4);
    auto const st = s.server().stats();
    CHECK(st.count(404) == 2);
    CHECK(st.count(405) == 2);
  }

  TEST_CASE("GET /stats reports load, capacity, the agents' busy time, confidence and memory") {
    // Fixed agent times: 3 scored requests keep "rules" busy 3 x 2 ms and "ml" 3 x 5 ms.
    running_server s(fixed_options(2, 5, 3, 4, 0.5));
    client c(s.endpoint());
    double confidence = 0;
    for (std::uint64_t i = 0; i < 3; ++i) {
      auto const r = c.score(plain_purchase(i));
      REQUIRE(r.status == 200);
      double const score = r.parsed().at("fraud_score").get<double>();
      confidence += std::max(score, 1 - score) / 3;
    }
    auto const r = c.request(http::verb::get, "/stats");
    REQUIRE(r.status == 200);
    stress_testing::target::service_stats st;
    std::string error;
    REQUIRE_MESSAGE(stress_testing::target::parse_service_stats(r.body, st, error), error);
    CHECK(st.in_flight == 0u);
    CHECK(st.queued == 0u);
    CHECK(st.capacity == s.server().options().max_concurrency);
    REQUIRE(st.uptime_seconds);
    CHECK(*st.uptime_seconds > 0);
    REQUIRE(st.resident_bytes);  // Linux: /proc/self/statm
    CHECK(*st.resident_bytes > 0);
    REQUIRE(st.ai_confidence);
    CHECK(*st.ai_confidence == doctest::Approx(confidence).epsilon(1e-3));  // the body rounds to 4 decimals
    REQUIRE(st.agents.size() == 4);
    auto const* rules = st.agent("rules");
    REQUIRE(rules);
    CHECK(rules->calls == 3u);
    CHECK(rules->busy_seconds.value_or(-1) == doctest::Approx(0.006));
    CHECK(rules->capacity.value_or(-1) == static_cast<double>(s.server().options().max_concurrency));
    CHECK(st.agent("ml")->busy_seconds.value_or(-1) == doctest::Approx(0.015));
    // The service's own current_load: busy / (uptime x capacity), since it started.
    auto const doc = r.parsed();
    CHECK(doc.at("agents").at(0).at("current_load").get<double>() ==
          doctest::Approx(0.006 / (*st.uptime_seconds * static_cast<double>(*st.capacity))).epsilon(1e-6));
    CHECK(doc.at("decisions").at("approve").get<int>() + doc.at("decisions").at("review").get<int>() +
              doc.at("decisions").at("decline").get<int>() == 3);
    CHECK(doc.at("responses").at("200").get<int>() == 3);  // the /stats response is counted after it is written
    auto const post = c.request(http::verb::post, "/stats", "{}");
    CHECK(post.status == 405);
    CHECK(post.allow == "GET");
  }

  TEST_CASE("keep-alive serves many requests on one connection and Connection close is honoured") {
    running_server s(fixed_options(0.1, 0.1, 0.1, 0.1, 0.1));
    client c(s.endpoint());
    for (std::uint64_t i = 0; i < 20; ++i) CHECK(c.score(plain_purchase(i)).status == 200);
    auto const last = c.request(http::verb::post, "/v1/transactions/score", plain_purchase(99).dump(), true);
    CHECK(last.status == 200);
    CHECK(last.connection == "close");
    CHECK(c.closed_by_peer());

    // Pipelined: two requests in one write, answered in order on the same connection.
    client p(s.endpoint());
    std::string pipelined;
    for (std::uint64_t i : {7, 8}) {
      auto const body = plain_purchase(i).dump();
      pipelined += "POST /v1/transactions/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    p.send_raw(pipelined);
    CHECK(p.read_reply().parsed().at("transaction_id") == "tx-" + hex16(7));
    CHECK(p.read_reply().parsed().at("transaction_id") == "tx-" + hex16(8));

    // HTTP/1.0 asking for keep-alive gets it, and the header says so.
    client old(s.endpoint());
    old.send_raw("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto const r10 = old.read_reply();
    CHECK(r10.status == 200);
    CHECK(r10.connection == "keep-alive");
    CHECK(old.request(http::verb::get, "/health").status == 200);
  }

  TEST_CASE("at capacity requests queue FIFO for a slot and beyond the queue get 503 with Retry-After" *
            doctest::test_suite("fraud_service.timing")) {
    auto o = fixed_options(300, 300, 300, 300, 0);
    o.max_concurrency = 2;
    o.max_queue = 2;
    running_server s(o);
    constexpr std::size_t n = 6;
    std::vector<std::optional<reply>> replies(n);
    std::latch ready(static_cast<std::ptrdiff_t>(n));
    {
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
          try {
            client c(s.endpoint());
            ready.arrive_and_wait();
            replies[i] = c.score(plain_purchase(i, static_cast<std::uint32_t>(100 + i)));
          } catch (...) {
            ready.count_down();  // never leave the others waiting; the empty reply fails below
          }
        });
      for (auto& t : threads) t.join();
    }
    std::vector<double> queue_ms;
    std::size_t throttled = 0;
    for (auto const& r : replies) {
      REQUIRE(r.has_value());
      if (r->status == 503) {
        ++throttled;
        CHECK(r->retry_after == "1");
        CHECK(r->elapsed_ms < 150);  // at once, not after a slot frees
      } else {
        REQUIRE(r->status == 200);
        queue_ms.push_back(timing(r->server_timing, "queue"));
      }
    }
    CHECK(throttled == 2);
    REQUIRE(queue_ms.size() == 4);
    std::sort(queue_ms.begin(), queue_ms.end());
    CHECK(queue_ms[0] < 30);
    CHECK(queue_ms[1] < 30);
    CHECK(std::abs(queue_ms[2] - 300) <= 30);
    CHECK(std::abs(queue_ms[3] - 300) <= 30);
    auto const st = s.server().stats();
    CHECK(st.count(503) == 2);
    CHECK(st.count(200) == 4);
    CHECK(st.peak_queue == 2);
    CHECK(s.server().nominal_capacity_tps() == doctest::Approx(2 / 0.3).epsilon(0.01));
  }

  TEST_CASE("garbage on a connection closes it without disturbing the others") {
    running_server s(fixed_options(1, 1, 1, 1));
    client good(s.endpoint());
    CHECK(good.score(plain_purchase(1)).status == 200);

    client binary(s.endpoint());
    constexpr char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n";
    binary.send_raw(std::string_view(garbage, sizeof garbage - 1));
    std::string received;
    CHECK(binary.closed_by_peer(received));
    CHECK(received.empty());

    client bad_length(s.endpoint());
    bad_length.send_raw("POST /v1/transactions/score HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n{}");
    CHECK(bad_length.closed_by_peer());

    client huge(s.endpoint());
    std::string big(70 * 1024, ' ');
    auto const too_big = huge.request(http::verb::post, "/v1/transactions/score", "{" + big + "}");
    CHECK(too_big.status == 413);
    CHECK(huge.closed_by_peer());

    CHECK(good.score(plain_purchase(2)).status == 200);
    CHECK(s.server().stats().count(200) == 2);
  }

  TEST_CASE("idle connections are closed after the idle timeout") {
    auto o = fixed_options(1, 1, 1, 1);
    o.idle_timeout = 200ms;
    running_server s(o);
    client c(s.endpoint());
    CHECK(c.score(plain_purchase(1)).status == 200);
    auto const t0 = steady_clock::now();
    CHECK(c.closed_by_peer());
    double const waited = ms_since(t0);
    CHECK(waited >= 150);
    CHECK(waited < 2000);
  }

  TEST_CASE("the same seed and request sequence give the same responses") {
    auto run = [](std::uint64_t seed) {
      fs::service_options o;  // the default log-normal agents
      o.seed = seed;
      running_server s(o);
      client c(s.endpoint());
      std::vector<std::string> bodies;
      for (std::uint64_t i = 0; i < 24; ++i) {
        // A few cards, hopping between New York and Lagos, some online on fresh devices.
        json tx = i % 3 == 0 ? fraudulent_purchase(i, static_cast<std::uint32_t>(i % 4))
                             : plain_purchase(i, static_cast<std::uint32_t>(i % 4));
        bodies.push_back(c.score(tx).body);
      }
      return bodies;
    };
    auto const a = run(7), b = run(7), other = run(8);
    CHECK(a == b);
    CHECK(a != other);  // the simulated latencies come from the seed
  }

  TEST_CASE("the stateful agents flag impossible travel and a new device for a known card") {
    running_server s(fixed_options(1, 1, 1, 1));
    client c(s.endpoint());
    json home = plain_purchase(1, 555);
    home["channel"] = "online";
    home["device_id"] = "dev-00000001";
    auto const first = c.score(home).parsed();
    CHECK(first.at("agents").at("geo_velocity").at("score").get<double>() == doctest::Approx(0.02));
    json const shop = plain_purchase(2, 555);  // the same city a minute later
    auto const again = c.score(shop).parsed();
    CHECK(again.at("agents").at("geo_velocity").at("score").get<double>() < 0.2);
    json abroad = fraudulent_purchase(3, 555);  // Lagos, 100 ms after New York: two places at once
    abroad["timestamp_ms"] = shop.at("timestamp_ms").get<std::int64_t>() + 100;
    auto const jump = c.score(abroad).parsed();
    CHECK(jump.at("agents").at("geo_velocity").at("score").get<double>() >= 0.8);
    // A device new to a card known online, 4,000 USD of crypto: 0.20 + 0.20 + 0.05.
    CHECK(jump.at("agents").at("identity").at("score").get<double>() == doctest::Approx(0.45));
    CHECK(jump.at("decision") == "decline");
    home["transaction_id"] = "tx-" + hex16(4);
    auto const known = c.score(home).parsed();
    CHECK(known.at("agents").at("identity").at("score").get<double>() == doctest::Approx(0.02));
    // Speed over a minute is weak evidence (the workload's compressed time, see burst_gap_ms).
    json later = fraudulent_purchase(5, 556);
    later["timestamp_ms"] = shop.at("timestamp_ms").get<std::int64_t>() + 60'000;
    c.score(plain_purchase(2, 556));
    CHECK(c.score(later).parsed().at("agents").at("geo_velocity").at("score").get<double>() < 0.2);
  }

  TEST_CASE("stop lets a request being processed complete and then closes") {
    running_server s(fixed_options(200, 200, 200, 200, 0));
    client busy(s.endpoint());
    client idle(s.endpoint());
    CHECK(idle.request(http::verb::get, "/health").status == 200);
    std::optional<reply> r;
    std::thread t([&] {
      try {
        r = busy.score(plain_purchase(1));
      } catch (...) {
      }
    });
    std::this_thread::sleep_for(50ms);
    CHECK(s.stop_and_join());
    t.join();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->connection == "close");
    CHECK(idle.closed_by_peer());
  }

  TEST_CASE("start refuses a non-loopback address without the opt-in") {
    net::io_context io;
    for (auto const& address : {net::ip::make_address("0.0.0.0"), net::ip::make_address("::")}) {
      fs::service_options o;
      o.listen = tcp::endpoint(address, 0);
      fs::server srv(io, o);
      boost::system::error_code ec;
      auto const ep = srv.start(ec);
      CHECK(ec == fs::error::non_loopback_listen);
      CHECK(ep.port() == 0);
      CHECK_THROWS_AS(srv.start(), boost::system::system_error);
    }
    fs::server loopback(io, fs::service_options{});
    auto const ep = loopback.start();
    CHECK(ep.address().is_loopback());
    CHECK(ep.port() != 0);
    boost::system::error_code ec;
    loopback.start(ec);
    CHECK(ec == fs::error::already_started);
  }

  TEST_CASE("invalid options are rejected naming every field") {
    net::io_context io;
    fs::service_options o;
    o.max_concurrency = 0;
    o.agents[1].p99_ms = 1;  // below its median of 4
    o.agents[2].name = "astrology";
    o.review_threshold = 0.9;
    try {
      fs::server srv(io, o);
      FAIL("accepted invalid options");
    } catch (const stress_testing::config_error& e) {
      std::vector<std::string> paths;
      for (auto const& p : e.problems()) paths.push_back(p.path);
      CHECK(paths == std::vector<std::string>{"max_concurrency", "agents[1].p99_ms", "agents[2].name", "review_threshold"});
    }
  }

  TEST_CASE("the sample service detects the generated fraud patterns") {
    // Known answer: 50,000 transactions of the fraud workload (seed 42) through the wire format
    // and the default orchestrator, in-process (write_json -> parse_transaction -> evaluate, no
    // sockets). Measured (approve / review / decline):
    //   legitimate        39,832 /   177 /    12   (decline 0.03%, review 0.44%)
    //   edge cases         1,734 /   650 /    65   (decline 2.7%)
    //   velocity_burst       333 /   116 / 2,908   (decline 86.6%)
    //   card_testing           0 /   214 / 2,297   (decline 91.5%)
    //   geo_jump               0 /     0 /   944   (decline 100%)
    //   account_takeover       0 /   196 /   522   (decline 72.7%)
    //   fraud detection rate 6,671 / 7,530 = 0.886
    namespace fr = stress_testing::fraud;
    fr::transaction_generator const gen{fr::generator_options{.seed = 42}};
    fs::orchestrator core{fs::service_options{}};
    fr::business_tally tally;
    std::string body;
    body.reserve(fr::max_json_size);
    fs::transaction tx;
    fs::evaluation ev;
    std::string error;
    std::uint64_t unparsed = 0;
    for (std::uint64_t n = 0; n < 50'000; ++n) {
      auto const generated = gen.at(n);
      body.clear();
      fr::write_json(generated, body);
      if (!fs::parse_transaction(body, tx, error)) {
        if (unparsed++ == 0) FAIL_CHECK(body << ": " << error);
        continue;
      }
      core.evaluate(tx, ev);
      static constexpr std::array<fr::decision, 3> as_workload{fr::decision::approve, fr::decision::review,
                                                               fr::decision::decline};
      tally.record(generated, as_workload[static_cast<std::size_t>(ev.decision)]);
    }
    CHECK(unparsed == 0);
    auto const& c = tally.counters();
    auto const share = [](std::uint64_t part, std::uint64_t whole) {
      return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
    };
    REQUIRE(c.answered() == 50'000);
    for (auto const pattern : {fr::fraud_pattern::velocity_burst, fr::fraud_pattern::geo_jump,
                               fr::fraud_pattern::card_testing, fr::fraud_pattern::account_takeover}) {
      auto const& p = c.of(pattern);
      CAPTURE(fr::to_string(pattern));
      CAPTURE(p.approved);
      CAPTURE(p.reviewed);
      CAPTURE(p.declined);
      CHECK(p.answered() > 500);
      CHECK(share(p.declined, p.answered()) >= 0.60);
    }
    auto const business = tally.to_business_metrics(fr::cost_model{}, 1.0);
    CHECK(business.fraud_detection_rate >= 0.75);
    CHECK(share(c.fraudulent.declined, c.fraudulent.answered()) >= 0.75);
    CAPTURE(c.legitimate.reviewed);
    CAPTURE(c.legitimate.declined);
    CAPTURE(c.edge_case.declined);
    CHECK(share(c.legitimate.declined, c.legitimate.answered()) <= 0.005);
    CHECK(share(c.legitimate.reviewed, c.legitimate.answered()) <= 0.03);
    CHECK(share(c.edge_case.declined, c.edge_case.answered()) <= 0.05);
    auto const decided = core.decisions();
    CHECK(decided[0] + decided[1] + decided[2] == 50'000);
  }
}

// The autoscaler and the variable-slot capacity model are pure: known answers on a fake clock.
TEST_SUITE("fraud_service.autoscaler") {
  fs::autoscaling_options scaling(std::size_t max_slots) {
    fs::autoscaling_options a;
    a.enabled = true;
    a.min_slots = 1;
    a.max_slots = max_slots;
    a.threshold = 0.8;
    a.sustain = 2s;
    a.cold_start = 1s;
    a.idle_below = 0.3;
    a.idle_after = 10s;
    a.evaluation_interval = 250ms;
    return a;
  }

  /// Drives `a` millisecond by millisecond from `from_ms` to `to_ms` (evaluating every 250 ms with
  /// the busy slot-time `busy_share` of the usable slot-time), and returns when the slots changed.
  std::vector<std::pair<int, std::size_t>> drive(fs::autoscaler& a, steady_clock::time_point t0, int from_ms, int to_ms,
                                                 double busy_share, double& busy) {
    std::vector<std::pair<int, std::size_t>> changes;
    std::size_t slots = a.slots(t0 + std::chrono::milliseconds(from_ms));
    double last_slot_seconds = a.slot_seconds(t0 + std::chrono::milliseconds(from_ms));
    for (int ms = from_ms + 1; ms <= to_ms; ++ms) {
      auto const now = t0 + std::chrono::milliseconds(ms);
      if (ms % 250 == 0) {
        double const slot_seconds = a.slot_seconds(now);
        busy += busy_share * (slot_seconds - last_slot_seconds);
        last_slot_seconds = slot_seconds;
        a.evaluate(now, busy);
      }
      if (auto const n = a.slots(now); n != slots) {
        changes.emplace_back(ms, n);
        slots = n;
      }
    }
    return changes;
  }

  TEST_CASE("slots are added sustain plus cold start after utilisation reaches the threshold and removed when idle") {
    auto const t0 = steady_clock::time_point{} + 1h;
    fs::autoscaler a(scaling(4), 2, t0);
    double busy = 0;
    // Every slot busy from t = 0: ordered at 2 s, usable at exactly 3 s; the next needs its own
    // 2 s from then (ordered at 5 s, usable at 6 s); then max_slots (4) holds.
    auto const up = drive(a, t0, 0, 6000, 1.0, busy);
    REQUIRE(up.size() == 2);
    CHECK(up[0] == std::pair<int, std::size_t>{3000, 3});
    CHECK(up[1] == std::pair<int, std::size_t>{6000, 4});
    CHECK(a.scale_outs() == 2);
    CHECK(a.utilisation() == doctest::Approx(1.0));
    // Usable slot-time: 2 slots for 3 s, 3 for 3 s.
    CHECK(a.slot_seconds(t0 + 6s) == doctest::Approx(15.0));
    // Idle from 6 s: one slot goes every 10 s, down to min_slots (1).
    auto const down = drive(a, t0, 6000, 40'000, 0.0, busy);
    REQUIRE(down.size() == 3);
    CHECK(down[0] == std::pair<int, std::size_t>{16'000, 3});
    CHECK(down[1] == std::pair<int, std::size_t>{26'000, 2});
    CHECK(down[2] == std::pair<int, std::size_t>{36'000, 1});
    CHECK(a.scale_ins() == 3);
  }

  TEST_CASE("the autoscaler measures utilisation as busy over usable slot-time and a dip restarts the sustain") {
    auto const t0 = steady_clock::time_point{} + 1h;
    fs::autoscaler a(scaling(8), 4, t0);
    double busy = 0;
    // 60% busy: below the threshold, above idle: nothing happens in 20 s.
    CHECK(drive(a, t0, 0, 20'000, 0.6, busy).empty());
    CHECK(a.utilisation() == doctest::Approx(0.6));
    CHECK(a.pending_slots(t0 + 20s) == 0);
    // Above for 1.5 s, one span below, above again from 21.75 s: ordered at 23.75 s, usable at 24.75 s.
    CHECK(drive(a, t0, 20'000, 21'500, 0.9, busy).empty());
    CHECK(drive(a, t0, 21'500, 21'750, 0.5, busy).empty());
    auto const up = drive(a, t0, 21'750, 24'000, 0.9, busy);
    CHECK(up.empty());
    CHECK(a.pending_slots(t0 + 24s) == 1);  // ordered at 23.75 s, warming up
    auto const later = drive(a, t0, 24'000, 25'000, 0.9, busy);
    REQUIRE(later.size() == 1);
    CHECK(later[0] == std::pair<int, std::size_t>{24'750, 5});
  }

  TEST_CASE("the capacity model takes added slots at once and counts busy slot-time exactly") {
    auto const t0 = steady_clock::time_point{} + 1h;
    fs::capacity_model m(1, 10);
    CHECK(m.admit(t0, 100ms) == t0);
    CHECK(m.admit(t0, 100ms) == t0 + 100ms);  // waits for the one slot
    m.set_slots(2, t0 + 10ms);
    CHECK(m.admit(t0 + 10ms, 100ms) == t0 + 10ms);  // the new slot, at once
    CHECK(m.queued(t0 + 50ms) == 1);
    CHECK(m.in_processing(t0 + 50ms) == 2);
    // 50 ms on the first slot, 40 ms on the second.
    CHECK(m.busy_slot_seconds(t0 + 50ms) == doctest::Approx(0.090));
    CHECK(m.busy_slot_seconds(t0 + 1s) == doctest::Approx(0.300));
    // Back to one slot while both are busy: the one freeing first (at 110 ms) goes when done.
    m.set_slots(1, t0 + 60ms);
    CHECK(m.in_processing(t0 + 60ms) == 2);
    CHECK(m.admit(t0 + 60ms, 100ms) == t0 + 200ms);  // after the remaining slot's queue
    CHECK(m.busy_slot_seconds(t0 + 1s) == doctest::Approx(0.400));
    CHECK(m.slots() == 1);
  }

  TEST_CASE("invalid autoscaling options are named") {
    fs::service_options o;
    o.max_concurrency = 4;
    o.autoscaling = scaling(2);  // below the starting slots
    o.autoscaling.threshold = 1.5;
    std::vector<std::string> paths;
    for (auto const& p : o.validate()) paths.push_back(p.path);
    CHECK(std::find(paths.begin(), paths.end(), "autoscaling.max_slots") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "autoscaling.threshold") != paths.end());
  }

  TEST_CASE("the service scales its slots under load and reports them in headers stats and metrics" *
            doctest::test_suite("fraud_service.timing")) {
    // 1 slot of 20 ms: 4 clients keep it busy. Sustain 200 ms, cold start 100 ms, evaluated every
    // 50 ms: a second slot about 300 ms after the load starts, a third 300 ms after that.
    auto o = fixed_options(20, 20, 20, 20, 0);
    o.max_concurrency = 1;
    o.max_queue = 64;
    o.autoscaling = scaling(3);
    o.autoscaling.sustain = 200ms;
    o.autoscaling.cold_start = 100ms;
    o.autoscaling.evaluation_interval = 50ms;
    running_server s(o);
    CHECK(s.server().stats().max_concurrency == 1);
    std::atomic<bool> stop{false};
    std::atomic<int> with_headers{0};
    std::vector<std::thread> clients;
    auto const t0 = steady_clock::now();
    for (std::uint32_t i = 0; i < 4; ++i)
      clients.emplace_back([&, i] {
        try {
          client c(s.endpoint());
          for (std::uint64_t n = 0; !stop; ++n) {
            auto const r = c.score(plain_purchase(n, 100 + i));
            if (r.status == 200 && !r.slots.empty() && !r.utilization.empty()) ++with_headers;
          }
        } catch (...) {
        }
      });
    double first_scale_ms = -1;
    while (ms_since(t0) < 3000) {
      auto const st = s.server().stats();
      if (first_scale_ms < 0 && st.max_concurrency >= 2) first_scale_ms = ms_since(t0);
      if (st.max_concurrency == 3) break;
      std::this_thread::sleep_for(5ms);
    }
    stop = true;
    for (auto& t : clients) t.join();
    auto const st = s.server().stats();
    CHECK(st.max_concurrency == 3);
    REQUIRE(st.autoscaling);
    CHECK(st.autoscaling->scale_outs == 2);
    CHECK(st.autoscaling->max_slots == 3);
    // Not before sustain + cold start (300 ms); generous above it for a busy machine.
    CHECK(first_scale_ms >= 290);
    CHECK(first_scale_ms < 1500);
    CHECK(with_headers.load() > 0);
    CHECK(st.busy_slot_seconds > 0);
    CHECK(st.busy_slot_seconds <= st.slot_seconds);
    client c(s.endpoint());
    auto const stats = c.request(http::verb::get, "/stats").parsed();
    CHECK(stats.at("capacity").get<int>() == 3);
    CHECK(stats.at("autoscaling").at("max_slots").get<int>() == 3);
    CHECK(stats.at("autoscaling").at("scale_outs").get<int>() == 2);
    auto const metrics = c.request(http::verb::get, "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.content_type.rfind("text/plain", 0) == 0);
    CHECK(metrics.body.find("\nfraud_service_slots 3\n") != std::string::npos);
    CHECK(metrics.body.find("\nfraud_service_scale_outs_total 2\n") != std::string::npos);
    CHECK(metrics.body.find("fraud_service_responses_total{status=\"200\"}") != std::string::npos);
    CHECK(s.stop_and_join());  // the scaling loop ends with the server
  }
}
