#include <stress_testing/metrics/agent_timings.hpp>
#include <stress_testing/target/prometheus_query.hpp>
#include <stress_testing/target/service_stats_json.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using stress_testing::metrics::agent_timings;
using namespace std::chrono_literals;

TEST_SUITE("metrics.agent_timings") {
  TEST_CASE("timings and failures per agent give the seed's AgentMetrics") {
    agent_timings t;
    for (int i = 1; i <= 100; ++i) t.record("ml", std::chrono::milliseconds(i));
    for (int i = 0; i < 10; ++i) t.record("rules", 2ms);
    t.record_failure("rules");
    auto const m = t.to_agent_metrics({}, 10.0);
    REQUIRE(m.size() == 2);
    // Little's law: 5,050 ms of work on ml over 10 s = 0.505 requests in it on average; rules 0.002.
    REQUIRE(m[0].concurrent_requests.has_value());
    CHECK(*m[0].concurrent_requests == doctest::Approx(0.505));
    CHECK(*m[1].concurrent_requests == doctest::Approx(0.002));
    CHECK_FALSE(t.to_agent_metrics()[0].concurrent_requests.has_value());  // run length unknown
    CHECK(m[0].agent_id == "ml");
    CHECK(m[0].requests_processed == 100);
    CHECK(m[0].avg_response_time_ms == doctest::Approx(50.5).epsilon(0.01));
    CHECK(m[0].p95_response_time_ms == doctest::Approx(95).epsilon(0.01));
    CHECK(m[0].p99_response_time_ms == doctest::Approx(99).epsilon(0.01));
    CHECK(m[0].success_rate == 1.0);
    CHECK(m[0].status == "healthy");
    CHECK(m[1].agent_id == "rules");
    CHECK(m[1].error_count == 1);
    CHECK(m[1].success_rate == doctest::Approx(0.9));
    CHECK(m[1].status == "degraded");
  }

  TEST_CASE("reported statuses give measured timeouts and agents without any give none") {
    agent_timings t;
    for (int i = 0; i < 10; ++i) t.record("ml", 2ms);
    for (int i = 0; i < 7; ++i) t.record_status("ml", "ok");
    t.record_status("ml", "timeout");
    t.record_status("ml", "timeout");
    t.record_status("ml", "error");
    t.record("queue", 1ms);  // Server-Timing only: the service reports no status for it
    agent_timings other;
    other.record_status("ml", "timeout");
    other.record("ml", 2ms);
    t.merge(other);
    auto const m = t.to_agent_metrics();
    REQUIRE(m.size() == 2);
    CHECK(m[0].agent_id == "ml");
    CHECK(m[0].requests_processed == 11);
    CHECK(m[0].error_count == 4);  // timeouts included
    REQUIRE(m[0].timeout_count.has_value());
    CHECK(*m[0].timeout_count == 3);
    CHECK(m[0].success_rate == doctest::Approx(1.0 - 4.0 / 11));
    CHECK(m[1].agent_id == "queue");
    CHECK_FALSE(m[1].timeout_count.has_value());
    for (auto const& a : m) CHECK_FALSE(a.current_load.has_value());  // needs the service's report (GET /stats)
    auto const timed = t.to_agent_metrics({}, 1.0);
    CHECK(*timed[0].concurrent_requests == doctest::Approx(0.022));  // 11 x 2 ms over 1 s
    agent_timings statuses_only;
    statuses_only.record_status("ml", "ok");
    CHECK_FALSE(statuses_only.to_agent_metrics({}, 1.0)[0].concurrent_requests.has_value());
  }

  TEST_CASE("merge matches agents by name and names beyond the bound are only counted") {
    agent_timings a, b;
    a.record("x", 1ms);
    b.record("y", 3ms);
    b.record("x", 1ms);
    a.merge(b);
    REQUIRE(a.entries().size() == 2);
    CHECK(a.entries()[0].latency.total_count() == 2);
    CHECK(a.entries()[1].name == "y");
    agent_timings many;
    for (std::size_t i = 0; i < agent_timings::max_agents + 5; ++i) many.record("agent" + std::to_string(i), 1ms);
    CHECK(many.entries().size() == agent_timings::max_agents);
    CHECK(many.untracked() == 5);
  }
}

TEST_SUITE("target.service_stats") {
TEST_CASE("an agent's current_load is its busy time over the service's clock and its capacity") {
  namespace t = stress_testing::target;
  t::service_stats a, b;
  a.uptime_seconds = 10;
  b.uptime_seconds = 14;
  a.agents = {{"ml", 1.0, 8.0, 10}};
  b.agents = {{"ml", 9.0, 8.0, 90}};
  // 8 busy seconds over 4 s with 8 slots: a quarter of its capacity.
  CHECK(t::agent_load(a, b, "ml").value_or(-1) == doctest::Approx(0.25));
  CHECK_FALSE(t::agent_load(a, b, "rules").has_value());  // not reported
  CHECK_FALSE(t::agent_load(b, a, "ml").has_value());     // no time passed forwards
  auto no_capacity = b;
  no_capacity.agents[0].capacity.reset();
  CHECK_FALSE(t::agent_load(a, no_capacity, "ml").has_value());
  auto no_clock = b;
  no_clock.uptime_seconds.reset();
  CHECK_FALSE(t::agent_load(a, no_clock, "ml").has_value());

  // Read from a document: known keys checked by name, unknown keys ignored, null is absent.
  t::service_stats s;
  std::string error;
  REQUIRE(t::parse_service_stats(
      R"({"uptime_seconds":2.5,"in_flight":3,"capacity":null,"extra":{"x":1},"agents":[{"name":"ml","busy_seconds":0.5}]})",
      s, error));
  CHECK(s.uptime_seconds == 2.5);
  CHECK(s.in_flight == 3u);
  CHECK_FALSE(s.capacity.has_value());
  REQUIRE(s.agents.size() == 1);
  CHECK(s.agents[0].busy_seconds == 0.5);
  CHECK_FALSE(t::parse_service_stats(R"({"in_flight":-1})", s, error));
  CHECK(error == "in_flight: must be an integer >= 0");
  CHECK_FALSE(t::parse_service_stats(R"({"ai_confidence":1.5})", s, error));
  CHECK(error.rfind("ai_confidence: must be a number in [0", 0) == 0);
  CHECK_FALSE(t::parse_service_stats(R"({"agents":[{"busy_seconds":1}]})", s, error));
  CHECK(error == "agents[0].name: must be a string");
  CHECK_FALSE(t::parse_service_stats("not json", s, error));
  CHECK(error == "stats: not a JSON object");
  // Written back with the same keys.
  auto const j = t::to_stats_json(b);
  CHECK(j.at("uptime_seconds") == 14.0);
  CHECK(j.at("agents").at(0).at("busy_seconds") == 9.0);
  CHECK(j.at("resident_bytes").is_null());
}
}  // TEST_SUITE

TEST_SUITE("target.service_stats") {
TEST_CASE("an agent's figures between two readings: calls per second, time per call, load") {
  namespace t = stress_testing::target;
  t::service_stats a, b;
  a.uptime_seconds = 10;
  b.uptime_seconds = 12;
  a.agents = {{"ml", 1.0, 4.0, 100}};
  b.agents = {{"ml", 1.5, 4.0, 300}};
  auto const f = t::agent_figures(a, b, "ml");
  // 200 calls over 2 s; 0.5 busy seconds over 200 calls = 2.5 ms; 0.5 / (2 s x 4 slots) = 6.25%.
  CHECK(f.calls_per_second.value_or(-1) == doctest::Approx(100.0));
  CHECK(f.mean_busy_ms.value_or(-1) == doctest::Approx(2.5));
  CHECK(f.load.value_or(-1) == doctest::Approx(0.0625));
  auto idle = b;
  idle.agents[0].calls = 100;  // no call in the span: no time per call, 0 calls per second
  auto const g = t::agent_figures(a, idle, "ml");
  CHECK(g.calls_per_second.value_or(-1) == 0.0);
  CHECK_FALSE(g.mean_busy_ms.has_value());
  auto restarted = b;
  restarted.agents[0].calls = 5;  // counters went backwards (a restarted service): nothing
  CHECK_FALSE(t::agent_figures(a, restarted, "ml").calls_per_second.has_value());
  CHECK_FALSE(t::agent_figures(a, b, "rules").calls_per_second.has_value());
}
}

TEST_SUITE("target.service_stats") {
  TEST_CASE("a Prometheus instant query's URL is percent-encoded and its answer's value read") {
    namespace t = stress_testing::target;
    CHECK(t::prometheus_query_url("http://127.0.0.1:9090/", "sum(up{job=\"fraud\"})") ==
          "http://127.0.0.1:9090/api/v1/query?query=sum%28up%7Bjob%3D%22fraud%22%7D%29");
    std::string error;
    CHECK(t::parse_prometheus_value(R"({"status":"success","data":{"resultType":"scalar","result":[1700000000.5,"4"]}})",
                                    error) == 4.0);
    // A vector: the sum of its series (every instance's capacity).
    CHECK(t::parse_prometheus_value(R"({"status":"success","data":{"resultType":"vector","result":[)"
                                    R"({"metric":{"pod":"a"},"value":[1,"3"]},{"metric":{"pod":"b"},"value":[1,"2.5"]}]}})",
                                    error) == 5.5);
    CHECK_FALSE(t::parse_prometheus_value(R"({"status":"success","data":{"resultType":"vector","result":[]}})", error));
    CHECK(error == "prometheus: the query selected no series");
    CHECK_FALSE(t::parse_prometheus_value(R"({"status":"error","errorType":"bad_data","error":"parse error at char 4"})",
                                          error));
    CHECK(error == "prometheus: parse error at char 4");
    CHECK_FALSE(t::parse_prometheus_value(R"({"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}})", error));
    CHECK(error.find("not a finite number") != std::string::npos);
    CHECK_FALSE(t::parse_prometheus_value(R"({"status":"success","data":{"resultType":"matrix","result":[]}})", error));
    CHECK(error.find("matrix") != std::string::npos);
  }
}
