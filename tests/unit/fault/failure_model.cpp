// The one failure model (fault/failure_model.hpp): its table, and every pure site — the client's
// fault plan, the service and the agent rows — checked against it for every failure type. The
// proxy row is checked in tests/integration/fault/proxy_site.cpp (it needs the proxy's types).
#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/fault/recipes.hpp>
#include <stress_testing/fault/site.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace failure_model_test {

namespace fault = stress_testing::fault;
using stress_testing::failure_type;


stress_testing::failure_scenario failure(failure_type t, double severity, double start = 10, double duration = 6) {
  stress_testing::failure_scenario f;
  f.failure_type = t;
  f.start_time_seconds = start;
  f.duration_seconds = duration;
  f.severity = severity;
  return f;
}

fault::placed_failure placed(const stress_testing::failure_scenario& f, std::string component) {
  return fault::placed_failure{0, f, std::move(component), fault::effects_of(f)};
}

}  // namespace failure_model_test

using namespace failure_model_test;

TEST_SUITE("fault") {
  TEST_CASE("the table: magnitudes of each failure type at severity 0.6") {
    double const s = 0.6;
    auto one = [&](failure_type t) {
      auto e = fault::effects_of(failure(t, s));
      REQUIRE(e.size() == 1);
      CHECK(e[0].start_seconds == 10);
      CHECK(e[0].end_seconds == 16);
      return e[0];
    };
    auto crash = one(failure_type::lambda_crash);
    CHECK(crash.error_fraction == s);
    CHECK(crash.status == 502);
    CHECK(crash.latency_fraction == 0);
    auto cold = one(failure_type::lambda_cold_start);
    CHECK(cold.latency_fraction == 1);
    CHECK(cold.latency_shape == fault::delay_shape::fixed);
    CHECK(cold.latency_ms == doctest::Approx(200 + 2800 * s));
    auto dynamo = one(failure_type::dynamodb_throttle);
    CHECK(dynamo.status == 503);  // one status at every site: the service's answer to its client
    CHECK(dynamo.retry_after);
    CHECK(dynamo.error_fraction == s);
    auto bedrock = one(failure_type::bedrock_rate_limit);
    CHECK(bedrock.status == 429);
    CHECK(bedrock.retry_after);
    CHECK(one(failure_type::agent_failure).status == 500);
    CHECK(one(failure_type::network_latency).latency_ms == doctest::Approx(50 + 450 * s));
    auto kinesis = one(failure_type::kinesis_lag);
    CHECK(kinesis.latency_shape == fault::delay_shape::long_tail);
    CHECK(kinesis.latency_ms == doctest::Approx(100 + 900 * s));
    CHECK(kinesis.latency_max_ms == doctest::Approx(4 * (100 + 900 * s)));
    auto timeout = one(failure_type::agent_timeout);
    CHECK(timeout.latency_fraction == s);
    CHECK(timeout.latency_ms == doctest::Approx(100 + 4900 * s));
    CHECK(one(failure_type::network_partition).black_hole_fraction == s);
    auto memory = one(failure_type::memory_pressure);
    CHECK(memory.latency_ms == doctest::Approx(20 + 180 * s));
    CHECK(memory.latency_max_ms == doctest::Approx(10 * (20 + 180 * s)));
    CHECK(memory.error_fraction == doctest::Approx(s / 10));
    CHECK(memory.status == 500);

    auto cascade = fault::effects_of(failure(failure_type::cascading_failure, s));
    REQUIRE(cascade.size() == 3);
    CHECK(cascade[0].latency_ms == doctest::Approx(100 * s));
    CHECK(cascade[0].end_seconds == 16);
    CHECK(cascade[1].start_seconds == 12);
    CHECK(cascade[1].end_seconds == 14);
    CHECK(cascade[1].status == 503);
    CHECK(cascade[1].error_fraction == doctest::Approx(s / 2));
    CHECK(cascade[2].start_seconds == 14);
    CHECK(cascade[2].status == 502);
  }

  TEST_CASE("parameters: latency_ms, and a crash's cold start after its window") {
    auto latency = failure(failure_type::network_latency, 0.2);
    latency.parameters["latency_ms"] = 500.0;
    CHECK(fault::effects_of(latency)[0].latency_ms == 500.0);
    auto crash = failure(failure_type::lambda_crash, 1.0, 10, 5);
    crash.parameters["cold_start_seconds"] = std::int64_t{3};
    crash.parameters["cold_start_ms"] = 300.0;
    auto const e = fault::effects_of(crash);
    REQUIRE(e.size() == 2);
    CHECK(e[1].start_seconds == 15);
    CHECK(e[1].end_seconds == 18);
    CHECK(e[1].latency_ms == 300.0);
    CHECK(e[1].error_fraction == 0);
    auto p = placed(crash, "service");
    CHECK(fault::change_times(std::span<const fault::placed_failure>(&p, 1)) == std::vector<double>{10, 15, 18});
  }

  TEST_CASE("every site against the table, for every failure type") {
    for (double s : {0.3, 1.0}) {
      for (auto t : stress_testing::all_values<failure_type>()) {
        CAPTURE(stress_testing::to_string(t));
        CAPTURE(s);
        auto const f = failure(t, s);
        auto const effects = fault::effects_of(f);
        REQUIRE_FALSE(effects.empty());

        // Client: one plan entry per magnitude, same values, same window.
        auto const plan = fault::plan_for(std::vector<stress_testing::failure_scenario>{f}, 1);
        std::size_t errors = 0, latencies = 0, holes = 0;
        for (auto const& e : effects) {
          if (e.error_fraction > 0) {
            REQUIRE(errors < plan.error_faults.size());
            auto const& p = plan.error_faults[errors++];
            CHECK(p.probability == e.error_fraction);
            CHECK(p.status == e.status);
            CHECK(p.when.windows.at(0).start_seconds == e.start_seconds);
            CHECK(p.when.windows.at(0).end_seconds == e.end_seconds);
          }
          if (e.latency_fraction > 0) {
            REQUIRE(latencies < plan.latencies.size());
            auto const& p = plan.latencies[latencies++];
            CHECK(p.shape == e.latency_shape);
            CHECK(p.ms == e.latency_ms);
            CHECK(p.max_ms == e.latency_max_ms);
            CHECK(p.probability == e.latency_fraction);
          }
          if (e.black_hole_fraction > 0) {
            REQUIRE(holes < plan.black_holes.size());
            CHECK(plan.black_holes[holes++].probability == e.black_hole_fraction);
          }
        }
        CHECK(errors == plan.error_faults.size());
        CHECK(latencies == plan.latencies.size());
        CHECK(holes == plan.black_holes.size());
        CHECK(plan.problems().empty());

        // Service and agent: at the middle of each phase, the row's combination of what is active.
        auto const svc = placed(f, "service");
        auto const agent = placed(f, "ml");
        for (auto const& e : effects) {
          double const mid = (e.start_seconds + e.end_seconds) / 2;
          auto const active = fault::active_at(std::span<const fault::placed_failure>(&svc, 1), mid);
          double want_error = 0, want_latency = 0;
          unsigned want_status = 502;
          bool status_set = false;
          for (auto const& a : active) {
            want_error = 1 - (1 - want_error) * (1 - a.effect->error_fraction);
            if (a.effect->error_fraction > 0 && !status_set) {
              want_status = a.effect->status;
              status_set = true;
            }
            want_latency += a.effect->latency_fraction > 0 ? a.effect->latency_ms : 0;  // fixed value or median
          }
          if (t == failure_type::network_partition) {
            CHECK_FALSE(fault::refusal(t, fault::site_kind::service).empty());
          } else {
            CHECK(fault::refusal(t, fault::site_kind::service).empty());
            auto const got = fault::service_effects_of(active);
            CHECK(got.error_rate == doctest::Approx(want_error));
            CHECK(got.status == want_status);
            CHECK(got.extra_latency_ms == doctest::Approx(want_latency));
          }
          auto const agent_active = fault::active_at(std::span<const fault::placed_failure>(&agent, 1), mid);
          auto const a = fault::agent_effects_of(agent_active);
          bool const down = e.black_hole_fraction > 0 || e.error_fraction >= 1;
          CHECK(fault::refusal(t, fault::site_kind::agent).empty());
          if (active.size() == 1) {
            CHECK(a.down == down);
            if (!down) CHECK(a.error_rate == doctest::Approx(e.error_fraction));
            CHECK(a.extra_latency_ms == doctest::Approx(want_latency));
          }
        }
      }
    }
  }

  TEST_CASE("placement: target_component, the default, unknown components and refusals name the field") {
    struct site : fault::failure_site {
      std::vector<std::string> components() const override { return {"service", "ml"}; }
      fault::site_kind kind_of(std::string_view c) const override {
        return c == "service" ? fault::site_kind::service : fault::site_kind::agent;
      }
      void apply(double, std::span<const fault::active_effect>) override {}
    };
    std::vector<std::shared_ptr<fault::failure_site>> sites{std::make_shared<site>()};
    std::vector<stress_testing::failure_scenario> failures(3);
    failures[0] = failure(failure_type::lambda_crash, 1);
    failures[1] = failure(failure_type::agent_timeout, 0.5);
    failures[1].target_component = "ml";
    failures[2] = failure(failure_type::kinesis_lag, 0.5);
    fault::failure_placement out;
    REQUIRE_FALSE(fault::place_failures(failures, "client", sites, out));
    CHECK(out.at_client.size() == 2);
    REQUIRE(out.at_sites.size() == 1);
    CHECK(out.at_sites[0].component == "ml");
    CHECK(out.at_sites[0].index == 1);
    REQUIRE_FALSE(fault::place_failures(failures, "service", sites, out));
    CHECK(out.at_sites.size() == 3);

    failures[1].target_component = "billing";
    auto problem = fault::place_failures(failures, "client", sites, out);
    REQUIRE(problem);
    CHECK(*problem == "failure_scenarios[1].target_component: unknown component \"billing\" (known: client, service, ml)");
    failures[1].target_component = "service";
    failures[1].failure_type = failure_type::network_partition;
    problem = fault::place_failures(failures, "client", sites, out);
    REQUIRE(problem);
    CHECK(problem->find("failure_scenarios[1].target_component: NETWORK_PARTITION has no recipe inside the service") == 0);
  }

  TEST_CASE("the dashboard's one-click service fault is the service row") {
    auto const e = fault::service_effects_for(failure_type::bedrock_rate_limit, 0.4);
    CHECK(e.error_rate == doctest::Approx(0.4));
    CHECK(e.status == 429);
    CHECK(e.retry_after);
    CHECK(fault::service_effects_for(failure_type::lambda_cold_start, 0.5).extra_latency_ms == doctest::Approx(1600));
  }
}
