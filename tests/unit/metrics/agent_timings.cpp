#include <stress_testing/metrics/agent_timings.hpp>

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
    for (auto const& a : m) CHECK_FALSE(a.current_load.has_value());  // needs the agent's capacity
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
