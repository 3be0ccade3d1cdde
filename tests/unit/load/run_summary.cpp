#include <stress_testing/load/run_summary.hpp>

#include <stress_testing/fraud/business.hpp>
#include <stress_testing/run/analysis.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

using namespace stress_testing;

namespace {

// The known answer of issue 12: 1,000 intended, 950 ok, 30 failed (10 client-injected errors,
// 10 timeouts, 10 HTTP 500s), 20 dropped.
load::run_summary known_run() {
  load::run_summary a;
  a.intended = 1000;
  a.issued = 980;
  a.outcomes.record(outcome::ok, 950);
  a.outcomes.record(outcome::io_error, 10);
  a.outcomes.record(outcome::timeout, 10);
  a.outcomes.record(outcome::http_error, 10);
  a.outcomes.record(outcome::dropped, 20);
  a.dropped_at_limit = 20;
  return a;
}

}  // namespace

TEST_SUITE("load") {
  TEST_CASE("uptime is ok over intended at request resolution") {
    auto const a = known_run();
    REQUIRE(a.balanced());
    CHECK(load::uptime_percentage(a) == 95.0);
    CHECK(load::uptime_percentage(950, 1000) == 95.0);
    CHECK(load::uptime_percentage(0, 1000) == 0.0);
    CHECK(load::uptime_percentage(1000, 1000) == 100.0);
    CHECK(load::uptime_percentage(0, 0) == 100.0);  // nothing intended, nothing refused
    CHECK(load::uptime_percentage(5, 3) == 100.0);  // inconsistent counts never exceed 100
  }

  TEST_CASE("hero uptime and resilience uptime are the same figure") {
    auto const a = known_run();

    // Resilience: the same requests spread over ten one-second intervals, the failures in two of
    // them (CRITICAL: 20 s of downtime would give 80 % under the old time-based rule).
    std::vector<run::interval_record> series;
    for (int i = 0; i < 10; ++i) {
      run::interval_record r;
      r.start = std::chrono::seconds(i);
      r.end = std::chrono::seconds(i + 1);
      if (i == 3) {
        r.counters.record(outcome::ok, 75);
        r.counters.record(outcome::io_error, 10);
        r.counters.record(outcome::timeout, 10);
        r.counters.record(outcome::dropped, 5);
        r.degradation = degradation_level::critical;
      } else if (i == 4) {
        r.counters.record(outcome::ok, 75);
        r.counters.record(outcome::http_error, 10);
        r.counters.record(outcome::dropped, 15);
        r.degradation = degradation_level::critical;
      } else {
        r.counters.record(outcome::ok, 100);
      }
      series.push_back(r);
    }
    auto const analysis = run::analyse(series, {{"LAMBDA_CRASH", 3, 5, true}});
    CHECK(analysis.resilience.uptime_percentage == 95.0);
    CHECK(analysis.resilience.downtime_seconds == 2.0);  // its own figure: time at CRITICAL

    // Hero: the workload answered 940 of the 950 ok (10 bodies without a decision) and saw the
    // 20 failures that reached the target; the 10 client-injected ones and the 20 dropped never
    // reached it.
    fraud::business_tally t;
    fraud::transaction tx;
    for (int i = 0; i < 940; ++i) t.record(tx, fraud::decision::approve);
    for (int i = 0; i < 30; ++i) t.record_unanswered(tx);
    auto const hero = t.to_hero_metrics(fraud::cost_model{}, 10.0, a);
    CHECK(hero.uptime_percentage == 95.0);
    CHECK(hero.uptime_percentage == analysis.resilience.uptime_percentage);
  }
}
