// Known answers for run::detect_alerts (run/alerts.hpp): the stretches of intervals above the
// warning and critical thresholds, by metric.
#include <stress_testing/run/alerts.hpp>

#include <doctest/doctest.h>

#include <vector>

using namespace stress_testing;
using metrics::metric;

namespace {

/// One second [index, index + 1) with the given error rate and p99 (a negative value: absent).
run::interval_record second(int index, double error_rate, double p99_ms) {
  run::interval_record r;
  r.start = std::chrono::seconds(index);
  r.end = std::chrono::seconds(index + 1);
  if (error_rate >= 0) r.values.set(metric::error_rate, error_rate);
  if (p99_ms >= 0) r.values.set(metric::p99_response_time_ms, p99_ms);
  return r;
}

}  // namespace

TEST_SUITE("run") {
  TEST_CASE("alerts: a stretch above warning is one alert, its severity the highest reached") {
    // Defaults: warning > 0.1% errors or p99 > 5 s; critical > 1% or > 10 s (strict).
    std::vector<run::interval_record> s{second(0, 0.0, 10),      second(1, 0.001, 10),   // at warning: not above
                                        second(2, 0.002, 10),    second(3, 0.05, 6000),  // warning, then critical
                                        second(4, 0.004, 12000), second(5, 0.0, 10),     // latency critical alone
                                        second(6, 0.0, 5001),    second(7, -1, -1)};     // latency warning; no data
    auto const a = run::detect_alerts(s, {}, true);
    REQUIRE(a.size() == 3);
    CHECK(a[0].metric == "error_rate");
    CHECK(a[0].severity == "critical");
    CHECK(a[0].start_seconds == 2.0);
    CHECK(a[0].end_seconds == 5.0);
    CHECK(a[0].worst == 0.05);
    CHECK(a[0].threshold == 0.01);
    CHECK_FALSE(a[0].active);
    CHECK(a[1].metric == "p99_response_time_ms");
    CHECK(a[1].severity == "critical");
    CHECK(a[1].start_seconds == 3.0);
    CHECK(a[1].end_seconds == 5.0);
    CHECK(a[1].worst == 12000);
    CHECK(a[1].threshold == 10000);
    CHECK(a[2].severity == "warning");
    CHECK(a[2].start_seconds == 6.0);
    CHECK(a[2].end_seconds == 7.0);
    CHECK(a[2].threshold == 5000);
  }

  TEST_CASE("alerts: active while the run goes on and the last interval is above; thresholds configurable") {
    std::vector<run::interval_record> s{second(0, 0.0, 10), second(1, 0.03, 10)};
    run::alert_thresholds t;
    auto live = run::detect_alerts(s, t, false);
    REQUIRE(live.size() == 1);
    CHECK(live[0].active);
    CHECK_FALSE(run::detect_alerts(s, t, true)[0].active);
    t.warning_error_rate = 0.05;
    t.critical_error_rate = 0.5;
    CHECK(run::detect_alerts(s, t, false).empty());
    t.warning_p99_ms = 5;
    t.critical_p99_ms = 9;  // 10 ms > 9: both seconds critical
    auto const lat = run::detect_alerts(s, t, true);
    REQUIRE(lat.size() == 1);
    CHECK(lat[0].severity == "critical");
    CHECK(lat[0].start_seconds == 0.0);
    CHECK(lat[0].end_seconds == 2.0);
  }

  TEST_CASE("alert thresholds: a bad one is named") {
    run::alert_thresholds t;
    CHECK(t.problem() == nullptr);
    t.critical_error_rate = 0.0001;
    CHECK(std::string(t.problem()) == "critical_error_rate: must be >= warning_error_rate");
    t = {};
    t.warning_p99_ms = -1;
    CHECK(std::string(t.problem()) == "warning_p99_ms: must be a number of ms >= 0");
    t = {};
    t.warning_error_rate = 2;
    CHECK(std::string(t.problem()) == "warning_error_rate: must be from 0 to 1");
  }
}
