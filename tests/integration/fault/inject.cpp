#include <stress_testing/fault/inject.hpp>
#include <stress_testing/load/open_loop.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/target/function_target.hpp>

#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>

namespace inject_test {

namespace asio = boost::asio;
namespace fault = stress_testing::fault;
namespace load = stress_testing::load;
namespace metrics = stress_testing::metrics;
namespace profile = stress_testing::profile;
namespace target = stress_testing::target;
using namespace std::chrono_literals;
using stress_testing::outcome;

asio::awaitable<target::request_result> respond_now(std::uint64_t) { co_return target::request_result::success(); }

struct run_output {
  load::run_summary summary;
  metrics::snapshot snap{metrics::histogram_options{}};
};

/// `n` requests at `rate`/s through `plan` in front of an instant target, one worker.
run_output run(double rate, double seconds, fault::fault_plan_options plan, std::chrono::nanoseconds timeout = 5s) {
  asio::io_context io(1);
  auto const start = std::chrono::steady_clock::now();
  auto t = fault::inject(target::make_function_target(io.get_executor(), &respond_now), fault::fault_plan(plan), start);
  metrics::interval_recorder recorder(metrics::histogram_options{});
  load::open_loop_options o;
  o.request_timeout = timeout;
  std::optional<load::run_summary> summary;
  load::async_run_open_loop(t, profile::arrival_schedule(profile::constant_rate(rate, seconds)), recorder, start, o,
                            [&](boost::system::error_code, load::run_summary s) { summary = std::move(s); });
  io.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds)) + 20s);
  REQUIRE(summary);
  run_output out{*summary};
  recorder.sample_into(out.snap, 1h);
  return out;
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace inject_test

using namespace inject_test;

TEST_SUITE("fault") {
  TEST_CASE("an injected long tailed latency is measured within 1 ms of the plan's own draws" *
            doctest::test_suite("fault.timing")) {
    // The plan is deterministic per sequence number: the same plan, asked directly, gives the
    // exact delays the requests get. The engine's measured response times must match their
    // percentiles within 1 ms (timer wake-up and scheduling are the difference).
    fault::fault_plan_options o;
    o.seed = 11;
    o.latencies.push_back({fault::delay_shape::long_tail, 10, 40, 1, {}});
    auto const r = run(2000, 2.0, o);
    CHECK(r.summary.count(outcome::ok) == 4000);
    metrics::histogram expected(1, 3'600'000'000'000, 3);
    fault::fault_plan twin(o);
    for (std::uint64_t i = 0; i < 4000; ++i) expected.record_value(twin.decide(i, 0).delay.count());
    for (double p : {50.0, 90.0, 99.0}) {
      CAPTURE(p);
      double const want = ms(expected.value_at_percentile(p));
      double const got = ms(r.snap.response_time.value_at_percentile(p));
      CHECK(got >= want - 0.05);
      CHECK(got - want < 1.0);
    }
  }

  TEST_CASE("injected errors fall exactly on the sequences the seed chooses") {
    fault::fault_plan_options o;
    o.seed = 3;
    o.error_faults.push_back({0.2, 500, {}, {}});
    auto const r = run(1000, 1.0, o);
    fault::fault_plan twin(o);
    std::uint64_t expected = 0;
    for (std::uint64_t i = 0; i < 1000; ++i) expected += twin.decide(i, 0).result ? 1 : 0;
    CHECK(r.summary.count(outcome::http_error) == expected);
    CHECK(r.summary.count(outcome::ok) == 1000 - expected);
    CHECK(expected > 150);
    CHECK(expected < 250);
  }

  TEST_CASE("a black hole ends every request it swallows in the engine's timeout") {
    fault::fault_plan_options o;
    o.black_holes.push_back({1.0, {}});
    auto const r = run(200, 0.5, o, 100ms);
    CHECK(r.summary.intended == 100);
    CHECK(r.summary.count(outcome::timeout) == 100);
    CHECK(r.summary.balanced());
    CHECK(ms(r.snap.response_time.value_at_percentile(50)) >= 100.0);
  }

  TEST_CASE("a crash window fails requests only while it lasts" * doctest::test_suite("fault.timing")) {
    // 1000/s for 1 s; the target is down from 0.3 s to 0.5 s: ~200 requests reset.
    fault::fault_plan_options o;
    o.crashes.push_back({fault::active_windows::between(0.3, 0.5), 0});
    auto const r = run(1000, 1.0, o);
    auto const failed = r.summary.count(outcome::io_error);
    CHECK(failed >= 180);
    CHECK(failed <= 220);
    CHECK(r.summary.count(outcome::ok) == 1000 - failed);
  }
}
