#include <stress_testing/fault/plan.hpp>
#include <stress_testing/fault/recipes.hpp>
#include <stress_testing/metrics/histogram.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fault = stress_testing::fault;
using stress_testing::outcome;
using namespace std::chrono_literals;

namespace {
double ms(std::chrono::nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }
}  // namespace

TEST_SUITE("fault.plan") {
  TEST_CASE("no fault passes every request through unchanged") {
    fault::fault_plan plan(fault::fault_plan_options{});
    for (std::uint64_t i = 0; i < 100; ++i) CHECK(plan.decide(i, 0.01 * static_cast<double>(i)).passes_through());
  }

  TEST_CASE("a fixed latency delays exactly and only inside its window") {
    fault::fault_plan_options o;
    o.latencies.push_back({fault::delay_shape::fixed, 25, 0, 1, fault::active_windows::between(2, 4)});
    fault::fault_plan plan(o);
    CHECK(plan.decide(0, 1.99).delay == 0ns);
    CHECK(plan.decide(1, 2.0).delay == 25ms);
    CHECK(plan.decide(2, 3.99).delay == 25ms);
    CHECK(plan.decide(3, 4.0).delay == 0ns);
  }

  TEST_CASE("uniform and long tailed latencies have the configured percentiles") {
    // 200,000 draws: the empirical quantiles of a uniform [10, 30] ms are 15 / 20 / 25 ms, and
    // of a log-normal with median 20 ms and p99 80 ms are 20 ms at p50 and 80 ms at p99.
    fault::fault_plan_options o;
    o.latencies.push_back({fault::delay_shape::uniform, 10, 30, 1, {}});
    fault::fault_plan uniform(o);
    o.latencies[0] = {fault::delay_shape::long_tail, 20, 80, 1, {}};
    fault::fault_plan tail(o);
    stress_testing::metrics::histogram hu(1, 3'600'000'000, 3), ht(1, 3'600'000'000, 3);
    for (std::uint64_t i = 0; i < 200'000; ++i) {
      hu.record_value(uniform.decide(i, 0).delay.count() / 1000);
      ht.record_value(tail.decide(i, 0).delay.count() / 1000);
    }
    auto at = [](const stress_testing::metrics::histogram& h, double p) {
      return static_cast<double>(h.value_at_percentile(p)) / 1000.0;
    };
    CHECK(at(hu, 25) == doctest::Approx(15).epsilon(0.01));
    CHECK(at(hu, 50) == doctest::Approx(20).epsilon(0.01));
    CHECK(at(hu, 75) == doctest::Approx(25).epsilon(0.01));
    CHECK(at(hu, 0) >= 9.99);
    CHECK(at(hu, 100) <= 30.01);
    CHECK(std::abs(at(ht, 50) - 20) < 1.0);  // within 1 ms of the distribution's percentiles
    CHECK(std::abs(at(ht, 99) - 80) < 3.0);
  }

  TEST_CASE("error and black hole fractions follow their probabilities and the seed reproduces them") {
    fault::fault_plan_options o;
    o.seed = 7;
    o.error_faults.push_back({0.10, 503, {}, {}});
    o.black_holes.push_back({0.02, {}});
    fault::fault_plan a(o), b(o);
    o.seed = 8;
    fault::fault_plan c(o);
    std::uint64_t errors = 0, holes = 0, differ = 0;
    constexpr std::uint64_t n = 100'000;
    for (std::uint64_t i = 0; i < n; ++i) {
      auto const d = a.decide(i, 0);
      auto const e = b.decide(i, 0);
      CHECK_EQ(d.black_hole, e.black_hole);
      CHECK_EQ(d.result.has_value(), e.result.has_value());
      holes += d.black_hole;
      if (d.result) {
        ++errors;
        CHECK(d.result->http_status == 503);
        CHECK(d.result->kind == outcome::throttled);
      }
      auto const f = c.decide(i, 0);
      differ += (f.result.has_value() != d.result.has_value()) || (f.black_hole != d.black_hole);
    }
    // Black holes are decided first: errors fall on the 98% that remain. 4.5 sigma bounds.
    double const e_mean = 0.98 * 0.10 * n, e_sd = std::sqrt(e_mean * (1 - 0.098));
    CHECK(std::abs(static_cast<double>(errors) - e_mean) < 4.5 * e_sd);
    double const h_mean = 0.02 * n, h_sd = std::sqrt(h_mean * 0.98);
    CHECK(std::abs(static_cast<double>(holes) - h_mean) < 4.5 * h_sd);
    CHECK(differ > 1000);  // another seed, other decisions
  }

  TEST_CASE("fail first N is exact across plans sharing a counter") {
    fault::fault_plan_options o;
    o.first = fault::fail_first{25, 0};
    auto counter = fault::fault_plan::shared_counter();
    fault::fault_plan w0(o, 2, counter), w1(o, 2, counter);
    std::uint64_t failed = 0;
    for (std::uint64_t i = 0; i < 100; ++i) {
      auto const d = (i % 2 ? w1 : w0).decide(i, 0);
      if (d.result) {
        ++failed;
        CHECK(d.result->kind == outcome::io_error);
        CHECK(i < 25);
      }
    }
    CHECK(failed == 25);
  }

  TEST_CASE("a token bucket throttles beyond its rate and burst") {
    // 100/s with a burst of 10: 20 requests at t = 0 let 10 through; 50 ms later 5 tokens are back.
    fault::fault_plan_options o;
    o.throttles.push_back({100, 10, 400, {}});
    fault::fault_plan plan(o);
    int passed = 0, throttled = 0;
    for (std::uint64_t i = 0; i < 20; ++i) {
      auto const d = plan.decide(i, 0.0);
      if (d.result) {
        ++throttled;
        CHECK(d.result->kind == outcome::throttled);  // a 400 that means throttling (DynamoDB)
        CHECK(d.result->http_status == 400);
      } else {
        ++passed;
      }
    }
    CHECK(passed == 10);
    CHECK(throttled == 10);
    passed = 0;
    for (std::uint64_t i = 20; i < 30; ++i) passed += plan.decide(i, 0.05).result ? 0 : 1;
    CHECK(passed == 5);
    // Two workers share the rate: each bucket has 50/s and a burst of 5.
    fault::fault_plan half(o, 2);
    passed = 0;
    for (std::uint64_t i = 0; i < 20; ++i) passed += half.decide(i, 0.0).result ? 0 : 1;
    CHECK(passed == 5);
  }

  TEST_CASE("a crash fails at once inside its window and the target starts cold after it") {
    fault::fault_plan_options o;
    o.crashes.push_back({fault::active_windows::between(1, 2), 502});
    o.latencies.push_back({fault::delay_shape::fixed, 5, 0, 1, {}});
    o.cold = fault::cold_start{100, 3};
    fault::fault_plan plan(o);
    std::vector<double> delays;
    for (std::uint64_t i = 0; i < 5; ++i) delays.push_back(ms(plan.decide(i, 0.1).delay));
    CHECK(delays == std::vector<double>{105, 105, 105, 5, 5});  // cold at the start
    auto const down = plan.decide(5, 1.5);
    REQUIRE(down.result);
    CHECK(down.result->http_status == 502);
    CHECK(down.result->kind == outcome::http_error);
    CHECK(down.delay == 0ns);
    delays.clear();
    for (std::uint64_t i = 6; i < 10; ++i) delays.push_back(ms(plan.decide(i, 2.5).delay));
    CHECK(delays == std::vector<double>{105, 105, 105, 5});  // cold again after the crash
  }

  TEST_CASE("invalid faults are refused naming the field") {
    fault::fault_plan_options o;
    o.error_faults.push_back({1.5, 500, {}, {}});
    o.latencies.push_back({fault::delay_shape::uniform, 10, 5, 1, {}});
    o.throttles.push_back({-1, 0, 429, {}});
    o.crashes.push_back({fault::active_windows::between(5, 2), 0});
    auto const p = o.problems();
    REQUIRE(p.size() == 5);
    CHECK(p[0] == "latencies[0].max_ms: must be >= ms");
    CHECK(p[1] == "error_faults[0].probability: must be in [0, 1]");
    CHECK(p[2] == "throttles[0].rate_per_second: must be >= 0");
    CHECK(p[3] == "throttles[0].burst: must be >= 1");
    CHECK(p[4] == "crashes[0].when[0]: must have 0 <= start < end");
    CHECK_THROWS_AS(fault::fault_plan{o}, std::invalid_argument);
  }

  TEST_CASE("each failure type is a recipe active only in its window") {
    using stress_testing::failure_type;
    auto failure = [](failure_type t, double start, double duration, double severity) {
      stress_testing::failure_scenario f;
      f.failure_type = t;
      f.start_time_seconds = start;
      f.duration_seconds = duration;
      f.severity = severity;
      return f;
    };
    fault::fault_plan plan(fault::plan_for({failure(failure_type::dynamodb_throttle, 10, 5, 1.0),
                                            failure(failure_type::network_latency, 20, 5, 0.0),
                                            failure(failure_type::network_partition, 30, 5, 1.0),
                                            failure(failure_type::lambda_crash, 40, 5, 1.0)},
                                           1));
    CHECK(plan.decide(0, 9.9).passes_through());
    auto const throttled = plan.decide(1, 12);
    REQUIRE(throttled.result);
    CHECK(throttled.result->kind == outcome::throttled);
    CHECK(throttled.result->http_status == 503);  // the table's DynamoDB throttle (failure_model.hpp)
    auto const slow = plan.decide(2, 21);
    CHECK(ms(slow.delay) == doctest::Approx(50.0));  // fixed 50 + 450·s at s = 0
    CHECK_FALSE(slow.result);
    CHECK(plan.decide(3, 31).black_hole);
    auto const crashed = plan.decide(4, 41);
    REQUIRE(crashed.result);
    CHECK(crashed.result->http_status == 502);
    CHECK(plan.decide(5, 45).passes_through());
  }

  TEST_CASE("severity scales a recipe's probability") {
    using stress_testing::failure_type;
    // Built in place: GCC 12 under ASan warns (maybe-uninitialized, wrongly) on copying a
    // failure_scenario's empty optional<string> into an initializer list.
    std::vector<stress_testing::failure_scenario> failures(1);
    failures[0].failure_type = failure_type::bedrock_rate_limit;
    failures[0].start_time_seconds = 0;
    failures[0].duration_seconds = 100;
    failures[0].severity = 0.3;
    fault::fault_plan plan(fault::plan_for(failures, 5));
    int limited = 0;
    for (std::uint64_t i = 0; i < 10'000; ++i) {
      auto const d = plan.decide(i, 1);
      if (d.result) {
        ++limited;
        CHECK(d.result->http_status == 429);
      }
    }
    CHECK(limited > 2800);  // 3,000 expected; sd 46
    CHECK(limited < 3200);
  }

  TEST_CASE("a network latency failure with a latency_ms parameter adds exactly that") {
    std::vector<stress_testing::failure_scenario> failures(1);  // in place: see above
    failures[0].failure_type = stress_testing::failure_type::network_latency;
    failures[0].start_time_seconds = 10;
    failures[0].duration_seconds = 5;
    failures[0].parameters["latency_ms"] = std::int64_t{500};
    fault::fault_plan plan(fault::plan_for(failures, 1));
    CHECK(ms(plan.decide(0, 12).delay) == doctest::Approx(500.0));
    CHECK(plan.decide(1, 16).passes_through());
  }
}
