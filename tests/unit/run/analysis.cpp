#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/run/analysis.hpp>

#include <doctest/doctest.h>

#include <cmath>

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
    std::vector<run::disturbance_window> windows{{"LAMBDA_CRASH", 20, 30, true}};
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
    auto a = run::analyse(series, {{"DYNAMODB_THROTTLE", 10, 20, true}});
    CHECK(a.windows[0].detected_after_seconds == 0.0);
    CHECK_FALSE(a.windows[0].recovered());
    CHECK(a.failures_unrecovered() == 1);
    CHECK(a.windows[0].requests_affected == 2000);
    CHECK_FALSE(a.max_recovery_seconds());
  }

  TEST_CASE("a window the system absorbed is neither detected nor slow to recover") {
    std::vector<interval_record> series;
    for (int i = 0; i < 30; ++i) series.push_back(second(i, 100, 0, 5, 10));
    auto a = run::analyse(series, {{"NETWORK_LATENCY", 10, 20, true}});
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

  TEST_CASE("each failure gets its own baseline, peak, requests failed and error budget burned") {
    // 60 s at 100 req/s; failure 20..30 s; 50% errors and p99 200 ms from 20 s to 35 s.
    std::vector<interval_record> series;
    for (int i = 0; i < 60; ++i) {
      bool const bad = i >= 20 && i < 35;
      series.push_back(second(i, 100, bad ? 50 : 0, bad ? 150 : 8, bad ? 200 : 10));
    }
    auto a = run::analyse(series, {{"LAMBDA_CRASH", 20, 30, true}});
    auto const& w = a.windows.at(0);
    CHECK(w.baseline_error_rate == 0.0);
    CHECK(w.baseline_p99_ms == 10.0);
    CHECK(w.baseline_degradation == degradation_level::none);
    CHECK(w.peak_degradation == degradation_level::critical);
    CHECK(w.peak_error_rate == 0.5);
    CHECK(w.peak_p99_ms == 200.0);
    CHECK(w.requests_in_window == 1000);        // intervals 20..29
    CHECK(w.requests_failed_in_window == 500);
    CHECK(w.requests_affected == 750);          // 20..34, until recovery
    // Budget: 0.1% of the run's 6,000 requests = 6 failures; 750 burned it 125 times.
    CHECK(w.error_budget_burned == doctest::Approx(125.0));
    run::recovery_thresholds slo1;
    slo1.error_budget_rate = 0.25;  // 1,500 failures allowed: half of it burned
    CHECK(run::analyse(series, {{"LAMBDA_CRASH", 20, 30, true}}, slo1).windows[0].error_budget_burned ==
          doctest::Approx(0.5));

    // The seed's ResilienceMetrics: 15 CRITICAL seconds of 60; uptime is request-based, not the
    // time share (75 %): 750 of the 6,000 requests failed.
    auto const& rm = a.resilience;
    CHECK(rm.downtime_seconds == doctest::Approx(15.0));
    CHECK(rm.uptime_percentage == doctest::Approx(87.5));
    CHECK(rm.degradation_events == 1);
    CHECK(rm.failures_injected == 1);
    CHECK(rm.failures_recovered == 1);
    CHECK(rm.recovery_time_avg_seconds == doctest::Approx(5.0));
    CHECK(rm.degradation_level == degradation_level::critical);
  }

  TEST_CASE("recovery needs stable_intervals good intervals in a row; one good interval between bad ones is not it") {
    std::vector<interval_record> series;
    for (int i = 0; i < 60; ++i) {
      bool const bad = (i >= 20 && i < 35) || i == 36;
      series.push_back(second(i, 100, bad ? 50 : 0, 8, 10));
    }
    std::vector<run::disturbance_window> const windows{{"LAMBDA_CRASH", 20, 30, true}};
    CHECK(run::analyse(series, windows).windows[0].recovered_after_seconds == 7.0);  // 37, 38, 39 good
    run::recovery_thresholds one;
    one.stable_intervals = 1;
    CHECK(run::analyse(series, windows, one).windows[0].recovered_after_seconds == 5.0);
    // A run that ends 2 good intervals after the failure: recovered (the run ended at baseline).
    series.resize(39);
    CHECK(run::analyse(series, windows).windows[0].recovered_after_seconds == 7.0);
    series.resize(37);  // ends on a bad interval: not recovered
    CHECK_FALSE(run::analyse(series, windows).windows[0].recovered());
  }

  TEST_CASE("a later failure is judged against the baseline just before it") {
    // p99 10 ms until the first failure, 50 ms for good after it; second failure at 40..45 s
    // takes p99 to 70 ms: within 1.5 x 50 + 10 of its own baseline, so not detected.
    std::vector<interval_record> series;
    for (int i = 0; i < 60; ++i) {
      double p99 = i < 10 ? 10 : 50;
      if (i >= 10 && i < 15) p99 = 500;
      if (i >= 40 && i < 45) p99 = 70;
      series.push_back(second(i, 100, 0, 8, p99));
    }
    auto a = run::analyse(series, {{"A", 10, 15, true}, {"B", 40, 45, true}});
    CHECK(a.windows[0].baseline_p99_ms == 10.0);
    CHECK(a.windows[0].detected_after_seconds == 0.0);
    CHECK(a.windows[1].baseline_p99_ms == 50.0);  // median of 0..9 (10) and 15..39 (50)
    CHECK_FALSE(a.windows[1].detected_after_seconds);
  }

  TEST_CASE("window figures at request resolution come from the requests' intended times") {
    // Ten requests a second for 30 s (one every 100 ms), by hand. Before 10 s: ok in 5 ms (the
    // requests' baseline). A latency fault [10 s, 20 s): ok but 100 ms, except the very first.
    // Right after it, a crash [20 s, 25 s): every request fails. After it, ok in 5 ms, except a
    // slow one at 26.05 s and a failed one at 27 s: the crash's last bad request.
    using namespace std::chrono_literals;
    std::vector<run::disturbance_window> windows{{"NETWORK_LATENCY", 10, 20, true}, {"LAMBDA_CRASH", 20, 25, true}};
    metrics::segment_tally t(run::tally_cuts(windows));
    REQUIRE(t.cuts() == std::vector<double>{10, 20, 25});
    std::vector<interval_record> series;
    for (int k = 0; k < 300; ++k) {
      auto const at = k * 100ms;
      if (k >= 100 && k < 200) t.record(outcome::ok, at, k == 100 ? 5ms : 100ms);
      else if (k >= 200 && k < 250) t.record(outcome::http_error, at, 1ms);
      else t.record(outcome::ok, at, 5ms);
    }
    t.record(outcome::ok, 26'050ms, 50ms);      // slow, between two of the others
    t.record(outcome::timeout, 27'000ms, 30s);  // failed
    for (int i = 0; i < 30; ++i)
      series.push_back(second(i, i == 26 || i == 27 ? 11 : 10, (i >= 20 && i < 25) ? 10 : (i == 27 ? 1 : 0), 5, 5));

    auto const a = run::analyse(series, windows, {}, &t);
    // "Slow": over 1.5 x the p99 before the first window (5 ms, as its 3.2%-wide bucket's upper
    // edge) + 10 ms.
    REQUIRE(a.request_baseline_p99_ms);
    CHECK(*a.request_baseline_p99_ms == doctest::Approx(5.0).epsilon(0.033));
    CHECK(*a.request_baseline_p99_ms >= 5.0);
    REQUIRE(a.slow_threshold_ms);
    CHECK(*a.slow_threshold_ms == doctest::Approx(1.5 * *a.request_baseline_p99_ms + 10));
    REQUIRE(a.windows.size() == 2);

    auto const& latency = a.windows[0];
    CHECK(latency.resolution == run::window_resolution::request);
    CHECK(latency.accounted_until_seconds == 20.0);  // where the crash starts
    CHECK(latency.requests_in_window == 100);
    CHECK(latency.requests_failed_in_window == 0);
    CHECK(latency.requests_slow_in_window == 99);
    REQUIRE(latency.detected_after_seconds);
    CHECK(*latency.detected_after_seconds == doctest::Approx(0.1));  // the first slow request
    CHECK(latency.requests_affected == 99);  // only what was intended before the crash
    CHECK(latency.requests_affected_failed == 0);
    CHECK(latency.requests_affected_slow == 99);
    CHECK(latency.error_budget_burned == 0.0);  // it failed nothing
    CHECK_FALSE(latency.recovered());           // bad until the next failure started

    auto const& crash = a.windows[1];
    CHECK(crash.accounted_until_seconds == 30.0);  // the run's end
    CHECK(crash.requests_in_window == 50);
    CHECK(crash.requests_failed_in_window == 50);
    CHECK(crash.requests_slow_in_window == 0);
    CHECK(crash.detected_after_seconds == 0.0);
    REQUIRE(crash.recovered_after_seconds);
    CHECK(*crash.recovered_after_seconds == doctest::Approx(2.0));  // the failed request at 27 s
    CHECK(crash.requests_affected == 52);
    CHECK(crash.requests_affected_failed == 51);
    CHECK(crash.requests_affected_slow == 1);
    // 0.1% of the series' 302 requests: 0.302 requests of budget, 51 failed.
    CHECK(crash.error_budget_burned == doctest::Approx(51 / 0.302));
    // The grid's worst interval: from the start until the last bad request completed (27 s +
    // 30 s), never before its start.
    CHECK(crash.peak_error_rate == 1.0);
    CHECK(latency.peak_error_rate == 0.0);  // its intervals stop where the crash starts

    CHECK(a.failures_unrecovered() == 1);
    CHECK(a.resilience.failures_recovered == 1);
    CHECK(a.max_recovery_seconds() == doctest::Approx(2.0));
  }

  TEST_CASE("at request resolution a failure absorbed is recovered at once and one bad to the end is not") {
    using namespace std::chrono_literals;
    std::vector<run::disturbance_window> windows{{"DYNAMODB_THROTTLE", 1, 2, true}};
    std::vector<interval_record> series;
    for (int i = 0; i < 4; ++i) series.push_back(second(i, 10, 0, 5, 5));
    metrics::segment_tally quiet(run::tally_cuts(windows));
    for (int k = 0; k < 40; ++k) quiet.record(outcome::ok, k * 100ms, 5ms);
    auto const absorbed = run::analyse(series, windows, {}, &quiet).windows.at(0);
    CHECK_FALSE(absorbed.detected_after_seconds);
    CHECK(absorbed.recovered_after_seconds == 0.0);
    CHECK(absorbed.requests_affected == 0);

    metrics::segment_tally late = quiet;
    late.record(outcome::http_error, 3'950ms, 1ms);  // the accounting's last request is bad
    auto const w = run::analyse(series, windows, {}, &late).windows.at(0);
    CHECK(w.detected_after_seconds == doctest::Approx(2.95));
    CHECK_FALSE(w.recovered());

    // No request before the first window: no slow threshold, only failures are bad.
    metrics::segment_tally no_baseline(run::tally_cuts({{"LAMBDA_CRASH", 0, 1, true}}));
    no_baseline.record(outcome::ok, 500ms, 10s);
    no_baseline.record(outcome::ok, 1'500ms, 1ms);
    auto const nb = run::analyse(series, {{"LAMBDA_CRASH", 0, 1, true}}, {}, &no_baseline);
    CHECK_FALSE(nb.slow_threshold_ms);
    CHECK_FALSE(nb.windows.at(0).detected_after_seconds);

    // A tally not cut at the window's bounds: the grid's estimate instead.
    metrics::segment_tally other({5.0});
    CHECK(run::analyse(series, windows, {}, &other).windows.at(0).resolution == run::window_resolution::interval);
  }

  TEST_CASE("recovery ends where the aftermath went quiet: one stray failure later does not extend it") {
    // 100 requests a second (one every 10 ms) for 6 s, ok in 5 ms. A crash [1 s, 2 s): every
    // request fails, and the failures go on until 2.3 s (the truth: recovered 0.3 s after the
    // window). One stray failure at 4.005 s. Bins of 0.1 s from each cut.
    using namespace std::chrono_literals;
    std::vector<run::disturbance_window> windows{{"LAMBDA_CRASH", 1, 2, true}};
    std::vector<interval_record> series;
    for (int i = 0; i < 6; ++i) series.push_back(second(i, 100, i == 1 ? 100 : (i == 2 ? 30 : (i == 4 ? 1 : 0)), 5, 5));
    auto script = [](metrics::segment_tally& t, bool stray) {
      for (int k = 0; k < 600; ++k) {
        auto const at = k * 10ms;
        if (k >= 100 && k < 230) t.record(outcome::http_error, at, 1ms);
        else t.record(outcome::ok, at, 5ms);
      }
      if (stray) t.record(outcome::timeout, 4'005ms, 1s);
    };
    metrics::segment_tally binned(run::tally_cuts(windows), 0.1);
    script(binned, true);
    CHECK(binned[2].bins == metrics::segment_tally::max_bins_per_segment);  // open-ended: capped
    CHECK(binned[1].bins == 10);                                             // [1, 2) in 0.1 s bins
    CHECK(binned[2].bin_failed(2) == 10);                                    // [2.2, 2.3): all failed
    CHECK(binned[2].bin_failed(20) == 1);                                    // [4.0, 4.1): the stray
    auto const a = run::analyse(series, windows, {}, &binned);
    auto const& w = a.windows.at(0);
    REQUIRE(w.recovered_after_seconds);
    CHECK(*w.recovered_after_seconds == doctest::Approx(0.3));  // not 2.005: the stray is noise
    CHECK(w.detected_after_seconds == 0.0);
    CHECK(w.requests_affected_failed == 131);  // the cost still counts every bad request

    // The stray alone in its bin (1 of 11 bad, over the 1% margin) does not matter either: the
    // quiet period had begun at 2.3 s. Without bins, the old rule runs to the stray.
    metrics::segment_tally unbinned(run::tally_cuts(windows));
    script(unbinned, true);
    CHECK(run::analyse(series, windows, {}, &unbinned).windows.at(0).recovered_after_seconds == doctest::Approx(2.005));

    // Quiet needs stable_intervals bins in a row: bad bins at 2.0-2.3, a good one at 2.3, one bad
    // at 2.4 -> the quiet period starts at 2.5.
    metrics::segment_tally flicker(run::tally_cuts(windows), 0.1);
    for (int k = 0; k < 600; ++k) {
      bool const bad = (k >= 100 && k < 230) || (k >= 240 && k < 250);
      flicker.record(bad ? outcome::http_error : outcome::ok, k * 10ms, bad ? 1ms : 5ms);
    }
    CHECK(run::analyse(series, windows, {}, &flicker).windows.at(0).recovered_after_seconds == doctest::Approx(0.5));

    // Bad to the end, in every bin: unrecovered.
    metrics::segment_tally never(run::tally_cuts(windows), 0.1);
    for (int k = 0; k < 600; ++k)
      never.record(k >= 100 ? outcome::http_error : outcome::ok, k * 10ms, 1ms);
    CHECK_FALSE(run::analyse(series, windows, {}, &never).windows.at(0).recovered());

    // Slow counts as bad in a bin too: ok but 200 ms until 2.3 s.
    metrics::segment_tally slow(run::tally_cuts(windows), 0.1);
    for (int k = 0; k < 600; ++k) slow.record(outcome::ok, k * 10ms, k >= 100 && k < 230 ? 200ms : 5ms);
    slow.record(outcome::ok, 4'005ms, 200ms);  // a stray slow one
    CHECK(run::analyse(series, windows, {}, &slow).windows.at(0).recovered_after_seconds == doctest::Approx(0.3));

    // Workers' binned tallies add up; different bin widths are refused.
    metrics::segment_tally merged(run::tally_cuts(windows), 0.1);
    merged.add(binned);
    merged.add(binned);
    CHECK(merged[2].bin_failed(2) == 20);
    CHECK_THROWS_AS(merged.add(metrics::segment_tally(run::tally_cuts(windows), 0.2)), std::invalid_argument);
    CHECK_THROWS_AS(metrics::segment_tally({1.0}, -1.0), std::invalid_argument);
  }

  TEST_CASE("'within T after each failure' measures when the condition held again, per failure") {
    std::vector<interval_record> series;
    for (int i = 0; i < 60; ++i) {
      bool const bad = (i >= 10 && i < 22) || (i >= 40 && i < 44);
      series.push_back(second(i, 100, bad ? 5 : 0, 8, 10));
    }
    auto const c = parse_criterion("error_rate < 0.01 within 30s after each failure");
    // Failures end at 15 s (back at 22 s: 7 s) and 40 s (back at 44 s: 4 s); a burst is ignored.
    std::vector<run::disturbance_window> windows{{"A", 10, 15, true}, {"B", 38, 40, true}, {"burst 1", 50, 55, false}};
    CHECK(run::seconds_until_condition_holds(c, series, windows) == 7.0);
    CHECK(run::seconds_until_condition_holds(c, series, {{"burst 1", 10, 15, false}}) == std::nullopt);
    series.resize(20);  // the first failure never recovers before the end
    CHECK(std::isinf(*run::seconds_until_condition_holds(c, series, windows)));
  }

  TEST_CASE("worse_value picks the failing, then the more extreme value") {
    auto const lt = parse_criterion("p99_response_time_ms < 500");
    CHECK(run::worse_value(lt, 100, 600) == 600);
    CHECK(run::worse_value(lt, 600, 100) == 600);
    CHECK(run::worse_value(lt, 100, 200) == 200);
    auto const gt = parse_criterion("throughput_tps > 1000");
    CHECK(run::worse_value(gt, 2000, 1500) == 1500);
    CHECK(run::worse_value(gt, 900, 1500) == 900);
  }
}
