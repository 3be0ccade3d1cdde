// The known answer for resilience analysis: a scripted failure-recovery run against the
// sample service over real HTTP on loopback. A 5 s crash inside the service (every scoring
// request answered 502) from 10 s to 15 s of a 30 s run, followed by a 3 s cold start (+300 ms on
// every request) until 18 s. Truth: the failure shows at once (detected after 0 s) and service
// is back at baseline 3 s after the crash ends. The analysis must find both within one interval.
#include <stress_run/embedded_service.hpp>
#include <stress_run/fraud_workload.hpp>
#include <stress_run/http_load.hpp>
#include <stress_run/service_faults.hpp>

#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>

namespace st = stress_testing;

namespace failure_recovery_test {

st::failure_scenario crash_in_service(double start, double duration, double cold_seconds, double cold_ms) {
  st::failure_scenario f;
  f.failure_type = st::failure_type::lambda_crash;
  f.start_time_seconds = start;
  f.duration_seconds = duration;
  f.severity = 1.0;
  f.target_component = "service";
  f.parameters["cold_start_seconds"] = cold_seconds;
  f.parameters["cold_start_ms"] = cold_ms;
  return f;
}

std::vector<std::string> agent_names() {
  std::vector<std::string> names;
  for (auto const& a : fraud_service::default_agents()) names.push_back(a.name);
  return names;
}

}  // namespace failure_recovery_test

using namespace failure_recovery_test;

TEST_SUITE("run") {
  TEST_CASE("service-side failures are placed and timed: state_at follows the recipes") {
    std::vector<st::failure_scenario> failures;  // push_back, not a list: see the fault plan test
    failures.push_back(crash_in_service(10, 5, 3, 300));
    st::failure_scenario agent;
    agent.failure_type = st::failure_type::agent_timeout;
    agent.start_time_seconds = 12;
    agent.duration_seconds = 10;
    agent.severity = 0.5;
    agent.target_component = "ml";
    failures.push_back(agent);
    std::vector<stress_run::placed_failure> placed;
    REQUIRE_FALSE(stress_run::place_failures(failures, stress_run::fault_site::client, agent_names(), placed));
    CHECK(stress_run::state_at(placed, 9.9) == stress_run::service_state{});
    auto const crashed = stress_run::state_at(placed, 10.0);
    CHECK(crashed.service.error_rate == 1.0);
    CHECK(crashed.service.status == 502u);
    auto const both = stress_run::state_at(placed, 13.0);
    CHECK(both.agents.at("ml").extra_latency_ms == doctest::Approx(100 + 4900 * 0.5));
    auto const cold = stress_run::state_at(placed, 15.5);
    CHECK(cold.service.error_rate == 0.0);
    CHECK(cold.service.extra_latency_ms == 300.0);
    CHECK(stress_run::state_at(placed, 18.0).service == fraud_service::service_fault{});
    CHECK(stress_run::change_times(placed) == std::vector<double>{10, 12, 15, 18, 22});

    // Bad places are refused, naming the field.
    failures[1].target_component = "billing";
    auto problem = stress_run::place_failures(failures, stress_run::fault_site::client, agent_names(), placed);
    REQUIRE(problem);
    CHECK(problem->find("failure_scenarios[1].target_component") != std::string::npos);
    CHECK(problem->find("unknown component \"billing\"") != std::string::npos);
    failures[1].target_component = "service";
    failures[1].failure_type = st::failure_type::network_partition;
    problem = stress_run::place_failures(failures, stress_run::fault_site::client, agent_names(), placed);
    REQUIRE(problem);
    CHECK(problem->find("no recipe inside the service") != std::string::npos);
  }

  TEST_CASE("a 5 s crash in the sample service is detected and its recovery timed within one interval of the truth" *
            doctest::test_suite("run.timing")) {
    stress_run::embedded_service service(0, 7);

    st::test_scenario s;
    s.scenario_id = "failure_recovery_known_answer";
    s.name = s.scenario_id;
    s.load_profile.profile_type = st::load_profile_type::sustained;
    s.load_profile.sustained_tps = 200;
    s.duration_seconds = 30;
    s.failure_scenarios.push_back(crash_in_service(10, 5, 3, 300));
    s.success_criteria = {st::parse_criterion("error_rate < 0.01 within 5s after each failure"),
                          st::parse_criterion("p99_response_time_ms < 200 within 10s after each failure"),
                          st::parse_criterion("error_rate < 0.5 over any 2s")};

    st::run::run_options o;
    o.pool.workers = 1;
    o.pool.loop.request_timeout = std::chrono::seconds(5);
    stress_run::http_factory factory;
    factory.base.url = service.url();
    factory.base.method = boost::beast::http::verb::post;
    factory.workers = 1;
    factory.connections = 64;
    st::fraud::generator_options g;
    g.seed = 7;
    auto fraud = std::make_shared<stress_run::fraud_workload>(g);
    factory.customize = [fraud](std::size_t i, st::target::http_target_options& t) { fraud->customize(i, t); };

    std::vector<stress_run::placed_failure> placed;
    REQUIRE_FALSE(stress_run::place_failures(s.failure_scenarios, stress_run::fault_site::client, agent_names(), placed));
    std::mutex m;
    std::vector<double> changes;
    // The timeline's clock starts where the orchestrator's does (start_delay after now).
    stress_run::service_fault_timeline timeline(service.server(), placed, std::chrono::steady_clock::now() + o.start_delay,
                                                [&](double t, const stress_run::service_state&) {
                                                  std::lock_guard lock(m);
                                                  changes.push_back(t);
                                                });
    auto r = st::run::run_blocking(s, factory, o);
    timeline.stop();

    CHECK(changes == std::vector<double>{10, 15, 18});
    REQUIRE(r.accounting.balanced());
    CHECK(r.accounting.intended == 6000);
    REQUIRE(r.analysis.windows.size() == 1);
    auto const& w = r.analysis.windows[0];
    INFO(st::report::to_json(r)["resilience"].dump(2));
    INFO("baseline p99 " << w.baseline_p99_ms << " ms");
    MESSAGE("detected after " << w.detected_after_seconds.value_or(-1) << " s, recovered after "
                              << w.recovered_after_seconds.value_or(-1) << " s, failed in window " << w.requests_failed_in_window
                              << ", baseline p99 " << w.baseline_p99_ms << " ms, peak p99 " << w.peak_p99_ms << " ms");
    // Truth: detected at once; back at baseline when the cold start ends, 3 s after the crash.
    REQUIRE(w.detected_after_seconds);
    CHECK(*w.detected_after_seconds <= 1.0);
    REQUIRE(w.recovered_after_seconds);
    CHECK(std::abs(*w.recovered_after_seconds - 3.0) <= 1.0);
    CHECK(w.peak_degradation == st::degradation_level::critical);
    CHECK(w.peak_error_rate == 1.0);
    CHECK(w.peak_p99_ms >= 300.0);
    // 5 s at 200/s answered 502: 1,000 requests, give or take the requests in flight at the edges.
    CHECK(w.requests_failed_in_window >= 980);
    CHECK(w.requests_failed_in_window <= 1020);
    CHECK(w.requests_affected == w.requests_failed_in_window);  // the cold start fails nothing
    // Budget: no error_rate criterion, so 0.1% of 6,000 = 6 requests; ~1,000 burned it ~167 times.
    CHECK(w.error_budget_burned == doctest::Approx(static_cast<double>(w.requests_affected) / 6.0));
    CHECK(r.analysis.resilience.failures_injected == 1);
    CHECK(r.analysis.resilience.failures_recovered == 1);
    CHECK(r.analysis.resilience.downtime_seconds == doctest::Approx(5.0).epsilon(0.25));

    // Errors stop when the crash ends; latency is back under 200 ms when the cold start ends.
    REQUIRE(r.criteria[0].actual);
    CHECK(*r.criteria[0].actual <= 1.0);
    CHECK(r.criteria[0].passed());
    REQUIRE(r.criteria[1].actual);
    CHECK(std::abs(*r.criteria[1].actual - 3.0) <= 1.0);
    CHECK(r.criteria[1].passed());
    // Any 2 s window holding the crash is ~100% errors.
    REQUIRE(r.criteria[2].actual);
    CHECK(*r.criteria[2].actual >= 0.95);
    CHECK(r.criteria[2].failed());
  }
}
