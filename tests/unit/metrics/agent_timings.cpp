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
    auto const m = t.to_agent_metrics();
    REQUIRE(m.size() == 2);
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
