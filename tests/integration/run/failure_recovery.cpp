// The known answer for resilience analysis: a scripted failure-recovery run against the
// sample service over real HTTP on loopback. A 5 s crash inside the service (every scoring
// request answered 502) from 10 s to 15 s of a 30 s run, followed by a 3 s cold start (+300 ms on
// every request) until 18 s. Truth: the failure shows at once (detected after 0 s) and service
// is back at baseline 3 s after the crash ends. The analysis measures both from the requests'
// intended times: the service is switched by the run's timer, on time to a few ms.
#include <stress_run/embedded_service.hpp>
#include <stress_run/http_common.hpp>
#include <stress_run/service_site.hpp>

#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/capacity_search.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/service_stats_json.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <span>
#include <string>
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

/// The sample service's site, recording the instants the run applied it at.
class recording_service_site : public stress_run::service_failure_site {
 public:
  using stress_run::service_failure_site::service_failure_site;
  void apply(double t, std::span<const st::fault::active_effect> active) override {
    stress_run::service_failure_site::apply(t, active);
    std::lock_guard lock(mutex);
    changes.push_back(t);
  }
  std::mutex mutex;
  std::vector<double> changes;
};

}  // namespace failure_recovery_test

using namespace failure_recovery_test;

TEST_SUITE("run") {
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
    // Slow = over 1.5 x baseline p99 + 150 ms: the cold start's +300 ms is slow, a stall of this
    // shared machine (tens of ms) is not.
    o.recovery.p99_margin_ms = 150;
    o.pool.loop.request_timeout = std::chrono::seconds(5);
    // Judge the recovery, not the generator: a busy machine's few late sends must not make the
    // latency criterion inconclusive.
    o.pool.loop.generator.late_threshold = std::chrono::milliseconds(250);
    stress_run::http_factory factory;
    factory.base.url = service.url();
    factory.workers = 1;
    factory.connections = 64;
    stress_run::send_fraud_workload(factory, 7);

    // The run injects the crash into the service itself, on its own clock.
    auto site = std::make_shared<recording_service_site>(service.server());
    o.failure_sites.push_back(site);
    auto r = st::run::run_blocking(s, factory, o);

    std::vector<double> changes;
    {
      std::lock_guard lock(site->mutex);
      changes = site->changes;
    }
    REQUIRE(changes.size() == 4);
    changes.pop_back();  // the run's final clear
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
    // Margin: the run's timer switches the service a few ms late, and a request sent just before
    // a switch is answered as before it.
    CHECK(w.resolution == st::run::window_resolution::request);
    REQUIRE(w.detected_after_seconds);
    CHECK(*w.detected_after_seconds <= 0.1);
    REQUIRE(w.recovered_after_seconds);
    CHECK(std::abs(*w.recovered_after_seconds - 3.0) <= 0.1);
    CHECK(w.peak_degradation == st::degradation_level::critical);
    CHECK(w.peak_error_rate == 1.0);
    CHECK(w.peak_p99_ms >= 300.0);
    // 5 s at 200/s answered 502: the 1,000 requests intended in it, but those sent in the few ms
    // before the switch.
    CHECK(w.requests_in_window == 1000);
    CHECK(w.requests_failed_in_window >= 990);
    CHECK(w.requests_failed_in_window <= 1000);
    // The cold start fails nothing and slows its 600 requests (3 s at 200/s).
    CHECK(w.requests_affected_failed <= w.requests_failed_in_window + 5);
    CHECK(w.requests_affected_slow >= 590);
    CHECK(w.requests_affected_slow <= 610);
    CHECK(w.requests_affected == w.requests_affected_failed + w.requests_affected_slow);
    // Budget: no error_rate criterion, so 0.1% of 6,000 = 6 requests; ~1,000 burned it ~167 times.
    CHECK(w.error_budget_burned == doctest::Approx(static_cast<double>(w.requests_affected_failed) / 6.0));
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

  // Here rather than in a TU of its own: this one already instantiates the orchestrator over
  // stress-run's HTTP factory, which is what the search runs (a new TU would compile it again).
  TEST_CASE("capacity search finds a known-capacity HTTP service within 10% below its capacity, never above" *
            doctest::test_suite("run.timing")) {
    // The sample service with 4 slots and one agent of constant 10 ms latency: an exact FIFO
    // queue of 4 x 10 ms, 400 requests/s, with a waiting room larger than any step's backlog.
    fraud_service::service_options so;
    so.max_concurrency = 4;
    so.max_queue = 100'000;
    so.agents = {{"rules", 1.0, 10.0, 10.0, 50.0, 0.0}};
    so.orchestrator_ms = 0;
    so.seed = 3;
    stress_run::embedded_service service(so);
    double const truth = service.server().nominal_capacity_tps();
    REQUIRE(truth == doctest::Approx(400));

    stress_run::http_factory factory;
    factory.base.url = service.url();
    factory.workers = 1;
    factory.connections = 64;
    stress_run::send_fraud_workload(factory, 3);

    st::run::capacity_options o;
    o.slos = {st::parse_criterion("p99_response_time_ms < 60"), st::parse_criterion("error_rate < 0.01")};
    // Short: 250/s (enough samples in 2 s to bound a p99), 500/s fails, then about four bisections.
    o.min_rate = 250;
    o.max_rate = 800;
    o.precision = 0.05;
    o.step_duration = std::chrono::seconds(2);
    o.drain = std::chrono::milliseconds(300);
    o.max_extensions = 1;
    st::run::run_options ro;
    ro.pool.workers = 1;
    ro.pool.loop.request_timeout = std::chrono::seconds(5);
    ro.pool.loop.drain_grace = std::chrono::seconds(5);
    // This shared machine's stalls of a few ms must not make every step the generator's.
    ro.pool.loop.generator.late_threshold = std::chrono::milliseconds(20);
    st::test_scenario base;
    base.scenario_id = "capacity_known_answer";
    std::string log;
    auto const r = st::run::find_capacity(factory, o, base, ro, [&](const st::run::capacity_step& s) {
      char line[200];
      std::snprintf(line, sizeof line, "%.1f/s for %.0f s: %s (p99 %.2f ms, achieved %.1f/s)\n", s.plan.rate, s.seconds,
                    std::string(st::run::to_string(s.verdict)).c_str(),
                    s.percentiles.size() > 2 ? s.percentiles[2].ms.value : -1.0, s.achieved_rps);
      log += line;
    });
    MESSAGE(log << r.summary);
    REQUIRE(r.max_sustainable_rps);
    CHECK(*r.max_sustainable_rps <= truth * 1.01);
    CHECK(*r.max_sustainable_rps >= truth * 0.90);
    CHECK(r.stop == st::run::capacity_stop::converged);
    // Every step accounted for its requests and judged each SLO.
    for (auto const& s : r.steps) {
      CHECK(s.slos.size() == 2);
      CHECK(std::abs(static_cast<double>(s.intended) - s.plan.rate * s.seconds) <= 1.0);
    }
  }

  TEST_CASE("the autoscaling sample service driven above its capacity scales within sustain plus cold start" *
            doctest::test_suite("run.timing")) {
    // 2 slots of 10 ms (200/s) offered 300/s: utilization at once near 1. The autoscaler (sustain
    // 1 s, cold start 0.5 s, evaluated every 50 ms) makes a third slot usable 1.5 s after the
    // load began; readings every 250 ms see the crossing at the end of the first interval and the
    // new slot at the end of the interval it came in: time to scale 1.5 s within one interval.
    fraud_service::service_options so;
    so.max_concurrency = 2;
    so.max_queue = 100'000;
    so.agents = {{"rules", 1.0, 10.0, 10.0, 50.0, 0.0}};
    so.orchestrator_ms = 0;
    so.seed = 5;
    so.autoscaling.enabled = true;
    so.autoscaling.min_slots = 1;
    so.autoscaling.max_slots = 4;
    so.autoscaling.sustain = std::chrono::seconds(1);
    so.autoscaling.cold_start = std::chrono::milliseconds(500);
    so.autoscaling.evaluation_interval = std::chrono::milliseconds(50);
    so.autoscaling.idle_after = std::chrono::seconds(30);
    stress_run::embedded_service service(so);

    st::test_scenario s;
    s.scenario_id = "autoscaling_known_answer";
    s.name = s.scenario_id;
    s.load_profile.profile_type = st::load_profile_type::sustained;
    s.load_profile.sustained_tps = 300;
    s.duration_seconds = 4;
    s.success_criteria = {st::parse_criterion("time_to_scale_seconds <= 60")};
    st::run::run_options o;
    o.pool.workers = 1;
    o.interval = std::chrono::milliseconds(250);
    o.pool.loop.request_timeout = std::chrono::seconds(5);
    o.pool.loop.drain_grace = std::chrono::seconds(5);
    // The service's own report, in-process through the same document GET /stats serves.
    o.target_stats = [&service](std::string& error) -> std::optional<st::target::service_stats> {
      std::string body;
      fraud_service::write_stats_json(service.server().stats(), body);
      st::target::service_stats out;
      if (!st::target::parse_service_stats(body, out, error)) return std::nullopt;
      return out;
    };
    o.target_stats_source = "in-process";
    stress_run::http_factory factory;
    factory.base.url = service.url();
    factory.workers = 1;
    factory.connections = 64;
    stress_run::send_fraud_workload(factory, 5);
    auto const r = st::run::run_blocking(s, factory, o);

    REQUIRE(r.scaling);
    auto const j = st::report::to_json(r)["scaling"];
    INFO(j.dump(1));
    CHECK(r.scaling->threshold.value_or(-1) == doctest::Approx(0.8));
    CHECK(r.scaling->max_slots == 4u);
    const st::run::scaling_event* crossed = nullptr;
    const st::run::scaling_event* first_out = nullptr;
    for (auto const& e : r.scaling->events) {
      if (!crossed && e.kind == st::run::scaling_event_kind::crossed) crossed = &e;
      if (!first_out && e.kind == st::run::scaling_event_kind::scaled_out) first_out = &e;
    }
    REQUIRE(crossed);
    CHECK(crossed->at_seconds <= 0.3);  // the first interval's reading
    REQUIRE(first_out);
    CHECK(first_out->slots_from == 2);
    CHECK(first_out->slots_to == 3);
    REQUIRE(first_out->time_to_scale_seconds);
    CHECK(std::abs(*first_out->time_to_scale_seconds - 1.5) <= 0.25 + 0.06);
    REQUIRE(r.values.get(st::metrics::metric::time_to_scale_seconds));
    REQUIRE(r.criteria.size() == 1);
    CHECK(r.criteria[0].passed());
    CHECK(j["events"].size() == r.scaling->events.size());
    CHECK(j["samples"].size() >= 16);
  }
}
