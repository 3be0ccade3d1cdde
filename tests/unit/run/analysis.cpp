#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/run/analysis.hpp>

#include <doctest/doctest.h>

using namespace stress_testing;
using run::interval_record;
using metrics::metric;

namespace {

// One second of traffic: `total` requests, `failed` of them http_error, the given percentiles.
interval_record second(int index, std::uint64_t total, std::uint64_t failed, double p95_ms, double p99_ms) {
  interval_record r;
  r.start = std::chrono::seconds(index);
  r.end = std::chrono::seconds(index + 1);
  r.counters.record(outcome::ok, total - failed);
  r.counters.record(outcome::http_error, failed);
  if (total > 0) {
    r.values.set(metric::error_rate, static_cast<double>(failed) / static_cast<double>(total));
    r.values.set(metric::p95_response_time_ms, p95_ms);
    r.values.set(metric::p99_response_time_ms, p99_ms);
  }
  r.degradation = run::classify_degradation(r.values);
  return r;
}

}  // namespace

TEST_SUITE("run") {
  TEST_CASE("degradation levels follow the design's thresholds") {
    metrics::metric_values v;
    CHECK(run::classify_degradation(v) == degradation_level::none);
    v.set(metric::error_rate, 0.0005);
    CHECK(run::classify_degradation(v) == degradation_level::none);
    v.set(metric::error_rate, 0.002);
    CHECK(run::classify_degradation(v) == degradation_level::moderate);
    v.set(metric::error_rate, 0.0);
    v.set(metric::p95_response_time_ms, 2500);
    CHECK(run::classify_degradation(v) == degradation_level::moderate);
    v.set(metric::p99_response_time_ms, 5001);
    CHECK(run::classify_degradation(v) == degradation_level::severe);
    v.set(metric::error_rate, 0.02);
    CHECK(run::classify_degradation(v) == degradation_level::severe);
    v.set(metric::error_rate, 0.11);
    CHECK(run::classify_degradation(v) == degradation_level::critical);
    v.set(metric::error_rate, 0.0);
    v.set(metric::p99_response_time_ms, 10001);
    CHECK(run::classify_degradation(v) == degradation_level::critical);
    run::degradation_thresholds strict;
    strict.moderate_p95_ms = 100;
    metrics::metric_values w;
    w.set(metric::p95_response_time_ms, 150);
    CHECK(run::classify_degradation(w, strict) == degradation_level::moderate);
  }

  TEST_CASE("a failure window is detected and its recovery timed") {
    // 60 s at 100 req/s: baseline 0 errors and p99 10 ms; a failure from 20 s to 30 s; errors
    // (50%, p99 200 ms) from 20 s until 35 s; back to baseline from 35 s.
    std::vector<interval_record> series;
    for (int i = 0; i < 60; ++i) {
      bool const bad = i >= 20 && i < 35;
      series.push_back(second(i, 100, bad ? 50 : 0, bad ? 150 : 8, bad ? 200 : 10));
    }
    std::vector<run::disturbance_window> windows{{"LAMBDA_CRASH", 20, 30}};
    auto a = run::analyse(series, windows);
    CHECK(a.baseline_error_rate == 0.0);
    CHECK(a.baseline_p99_ms == 10.0);
    REQUIRE(a.windows.size() == 1);
    CHECK(a.windows[0].detected_after_seconds == 0.0);
    CHECK(a.windows[0].recovered_after_seconds == 5.0);  // first good interval starts at 35 s
    CHECK(a.windows[0].requests_affected == 15 * 50);
    CHECK(a.failures_unrecovered() == 0);
    CHECK(a.max_recovery_seconds() == 5.0);
    // Outside the window: 50 intervals, 5 of them (30..34) with 50 failures of 100.
    REQUIRE(a.error_rate_outside_failures);
    CHECK(*a.error_rate_outside_failures == doctest::Approx(250.0 / 5000.0));
    CHECK(a.max_degradation == degradation_level::critical);  // 50% errors

    metrics::metric_values v;
    a.store(v);
    CHECK(v.get(metric::failures_unrecovered) == 0.0);
    CHECK(v.get(metric::max_recovery_seconds) == 5.0);
    CHECK(v.get(metric::max_degradation_level) == 3.0);
  }

  TEST_CASE("a failure that outlasts the run is unrecovered") {
    std::vector<interval_record> series;
    for (int i = 0; i < 30; ++i) series.push_back(second(i, 100, i >= 10 ? 100 : 0, 5, 10));
    auto a = run::analyse(series, {{"DYNAMODB_THROTTLE", 10, 20}});
    CHECK(a.windows[0].detected_after_seconds == 0.0);
    CHECK_FALSE(a.windows[0].recovered());
    CHECK(a.failures_unrecovered() == 1);
    CHECK(a.windows[0].requests_affected == 2000);
    CHECK_FALSE(a.max_recovery_seconds());
  }

  TEST_CASE("a window the system absorbed is neither detected nor slow to recover") {
    std::vector<interval_record> series;
    for (int i = 0; i < 30; ++i) series.push_back(second(i, 100, 0, 5, 10));
    auto a = run::analyse(series, {{"NETWORK_LATENCY", 10, 20}});
    CHECK_FALSE(a.windows[0].detected_after_seconds);
    CHECK(a.windows[0].recovered_after_seconds == 0.0);
    CHECK(a.windows[0].requests_affected == 0);
    CHECK(*a.error_rate_outside_failures == 0.0);
  }

  TEST_CASE("p95 drift compares the last tenth of the run with the first") {
    std::vector<interval_record> series;
    for (int i = 0; i < 100; ++i) series.push_back(second(i, 10, 0, i < 50 ? 10.0 : 20.0, 30));
    auto a = run::analyse(series, {});
    REQUIRE(a.p95_drift_ratio);
    CHECK(*a.p95_drift_ratio == doctest::Approx(2.0));
    CHECK_FALSE(a.error_rate_outside_failures);  // no windows: the figure does not apply
    metrics::metric_values v;
    a.store(v);
    CHECK_FALSE(v.get(metric::failures_unrecovered));
    CHECK(v.get(metric::p95_drift_ratio) == doctest::Approx(2.0));
  }

  TEST_CASE("the burst scenario's bursts and the failure scenario's failures are disturbance windows") {
    auto b = run::disturbance_windows(scenario_builder::create_burst_traffic_scenario());
    REQUIRE(b.size() == 4);  // bursts at 3 6 9 and 12 minutes of a 15-minute run
    CHECK(b[0].start_seconds == 180);
    CHECK(b[0].end_seconds == 185);
    CHECK(b[3].start_seconds == 720);
    auto f = run::disturbance_windows(scenario_builder::create_failure_recovery_scenario());
    REQUIRE(f.size() == 4);
    CHECK(f[1].name == "DYNAMODB_THROTTLE");
    CHECK(f[1].start_seconds == 600);
    CHECK(f[1].end_seconds == 720);
    CHECK(run::disturbance_windows(scenario_builder::create_peak_load_scenario()).empty());
  }
}
