#include <stress_testing/load/open_loop.hpp>
#include <stress_testing/load/worker_pool.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace metrics = stress_testing::metrics;
namespace profile = stress_testing::profile;
namespace target = stress_testing::target;
namespace load = stress_testing::load;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using std::chrono::steady_clock;
using stress_testing::outcome;
using target::request_result;

// Named, not anonymous: the library's coroutine frames hold these types (-Wsubobject-linkage).
namespace worker_pool_test {

constexpr auto hard_timeout = 30s;

// Sanitizers add ~40 us to each completion: 4% of a 1 ms response. Timing precision is only
// asserted at 2% in uninstrumented builds.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double precision = 0.10;
#else
constexpr double precision = 0.02;
#endif

asio::awaitable<request_result> respond_now() { co_return request_result::success(); }

asio::awaitable<request_result> respond_after_10ms() {
  asio::steady_timer timer(co_await asio::this_coro::executor, 10ms);
  co_await timer.async_wait(asio::use_awaitable);
  co_return request_result::success();
}

struct ten_ms_factory {
  auto operator()(asio::any_io_executor ex, std::size_t) const {
    return target::make_function_target(ex, [](std::uint64_t) { return respond_after_10ms(); });
  }
};

struct no_op_factory {
  auto operator()(asio::any_io_executor ex, std::size_t) const { return target::make_function_target(ex, &respond_now); }
};

/// Completes at `deadline` within a few microseconds: sleeps on a timer until 300 us before,
/// then yields to the executor until the clock reaches it (a timer alone wakes up tens of
/// microseconds late, which is 2-5% of 1 ms).
asio::awaitable<request_result> complete_at(steady_clock::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  if (steady_clock::now() < deadline - 300us) {
    asio::steady_timer timer(ex, deadline - 300us);
    co_await timer.async_wait(asio::use_awaitable);
  }
  while (steady_clock::now() < deadline) co_await asio::post(ex, asio::use_awaitable);
  co_return request_result::success();
}

asio::awaitable<request_result> block_thread_until(steady_clock::time_point until) {
  std::this_thread::sleep_until(until);
  co_return request_result::success();
}

/// What the stalling targets know: the run's start and each request's intended offset.
struct stall_plan {
  steady_clock::time_point start;
  std::vector<nanoseconds> intended;  // by sequence (= index in the whole schedule)
  nanoseconds stall_begin;
  nanoseconds stall_end;
  bool in_stall(std::uint64_t sequence) const {
    return intended[sequence] >= stall_begin && intended[sequence] < stall_end;
  }
};

/// 1 ms per call, concurrently; a call intended during the stall window completes at its end + 1 ms.
struct one_ms_with_concurrent_stall {
  const stall_plan* plan;
  asio::awaitable<request_result> operator()(std::uint64_t sequence) const {
    if (plan->in_stall(sequence)) return complete_at(plan->start + plan->stall_end + 1ms);
    return complete_at(steady_clock::now() + 1ms);
  }
};

/// 1 ms per call; the first call of the window holds the worker's thread until the window ends
/// (a synchronous component): the generator cannot send meanwhile.
struct one_ms_blocking_stall {
  const stall_plan* plan;
  asio::awaitable<request_result> operator()(std::uint64_t sequence) const {
    if (plan->in_stall(sequence) && (sequence == 0 || !plan->in_stall(sequence - 1)))
      return block_thread_until(plan->start + plan->stall_end);
    return complete_at(steady_clock::now() + 1ms);
  }
};

template <class F>
struct plan_factory {
  const stall_plan* plan;
  auto operator()(asio::any_io_executor ex, std::size_t) const { return target::make_function_target(ex, F{plan}); }
};

std::vector<nanoseconds> intended_offsets(const profile::any_profile& p) {
  profile::arrival_schedule<profile::any_profile> s(p);
  std::vector<nanoseconds> out;
  while (auto t = s.next()) out.push_back(*t);
  return out;
}

/// Nearest-rank percentile of a sorted sample (the histogram's definition).
double nearest_rank(const std::vector<double>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

/// Values recorded above `threshold` (bucket resolution).
std::int64_t count_above(const metrics::histogram& h, nanoseconds threshold) {
  std::int64_t n = 0;
  h.for_each_bucket([&](const metrics::histogram::bucket& b) {
    if (b.value_from > threshold.count()) n += b.count;
  });
  return n;
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }
double pct_ms(const metrics::histogram& h, double p) { return ms(h.value_at_percentile(p)); }

load::run_summary wait_for(auto& pool) {
  auto f = pool.async_wait(asio::use_future);
  REQUIRE(f.wait_for(hard_timeout) == std::future_status::ready);
  return f.get();
}

template <class Pool>
void check_balanced(Pool& pool, const load::run_summary& r, nanoseconds end) {
  metrics::snapshot last, cumulative;
  pool.sample_into(last, end);
  pool.cumulative_into(cumulative);
  CHECK(r.balanced());
  CHECK(cumulative.counters.total() == r.due());  // the recorder never sees what a stop left unsent
  CHECK(cumulative.counters == r.outcomes);
  CHECK(cumulative.response_time.total_count() == r.outcomes.sent());
}

}  // namespace worker_pool_test

using namespace worker_pool_test;

TEST_SUITE("load") {
  TEST_CASE("two worker threads run 2000 requests per second for 5 s and the per second samples add up") {
    profile::any_profile const p = profile::constant_rate(2'000, 5.0);
    load::worker_pool_options options;
    options.workers = 2;
    load::worker_pool pool(p, no_op_factory{}, options);
    CHECK(pool.worker_count() == 2);
    auto const start = steady_clock::now() + 50ms;
    pool.start(asio::any_io_executor{}, start);

    metrics::snapshot interval(options.histograms), summed(options.histograms);
    std::uint64_t samples = 0;
    for (int k = 1; k <= 5; ++k) {
      std::this_thread::sleep_until(start + k * 1s);
      pool.sample_into(interval, k * 1s);
      CHECK(interval.start == (k - 1) * 1s);
      CHECK(interval.end == k * 1s);
      summed.append(interval);
      ++samples;
    }
    auto const r = wait_for(pool);
    pool.sample_into(interval, r.elapsed);
    summed.append(interval);
    metrics::snapshot cumulative(options.histograms);
    pool.cumulative_into(cumulative);

    auto const expected = std::llround(p.cumulative(p.duration()));
    CHECK(expected == 10'000);
    CHECK(std::llabs(static_cast<long long>(r.intended) - expected) <= 1);
    CHECK(r.balanced());
    auto const ok = r.count(outcome::ok);
    CHECK(std::abs(static_cast<double>(ok) - static_cast<double>(r.intended)) <= 0.005 * static_cast<double>(r.intended));
    CHECK_FALSE(r.cancelled);
    // What the test sampled each second adds up to the cumulative, which holds every request.
    CHECK(summed.counters == cumulative.counters);
    CHECK(summed.response_time.total_count() == cumulative.response_time.total_count());
    CHECK(cumulative.counters.total() == r.due());  // the recorder never sees what a stop left unsent
    CHECK(cumulative.counters == r.outcomes);
    CHECK(samples == 5);
    MESSAGE("2 workers, 2000/s for 5 s: intended " << r.intended << ", ok " << ok << ", send lag p99 (worst worker) "
                                                   << ms(r.send_lag_p99.count()) << " ms, merged p99 "
                                                   << pct_ms(cumulative.send_lag, 99) << " ms");
  }

  TEST_CASE("a stall of every call during one second gives the analytic open model percentiles" *
            doctest::test_suite("load.timing")) {
    // 1000/s for 5 s (5000 requests, arrival j intended at t_j = (j + 1/2) ms). Each call takes
    // exactly 1 ms, concurrently (a timer, not a busy spin: a 1 ms spin per arrival would hold
    // the worker's only thread 100% of the time, so the stall would delay every later request
    // and nothing would be exact). A call intended in [2 s, 3 s) (j = 2000..2999) completes at
    // 3 s + 1 ms, so its response time is R_j = 3001 ms - t_j = 3000.5 - j ms (1000.5 .. 1.5
    // ms); every other response is 1 ms. Sorted, with nearest rank r = ceil(p * 5000): p50 = 1
    // ms (rank 2500), p90 = 500.5 ms (rank 4500 = the 500th stall value 0.5 + 500), p99 = 950.5
    // ms, p99.9 = 995.5 ms, max = 1000.5 ms. The test computes them from the schedule.
    //
    // Precision: p50 = 1 ms within 2% leaves 20 us for send lag plus completion lag. A timer
    // wakes up 50-100 us late here, so the engine sends with spin_before_deadline = 200 us and
    // the target completes by the same technique (timer to 300 us before, then poll).
    //
    // Service time (completed - sent) shows the same stall: an open-model generator keeps
    // sending on time during it, so nothing is omitted and service ~ response (p99 ~ 950.5 ms).
    // The uncorrected view only appears when the generator is held up; see the next test.
    profile::any_profile const p = profile::constant_rate(1'000, 5.0);
    stall_plan plan{steady_clock::now() + 100ms, intended_offsets(p), 2s, 3s};
    REQUIRE(plan.intended.size() == 5'000);
    std::vector<double> analytic;
    for (auto t : plan.intended)
      analytic.push_back(t >= 2s && t < 3s ? ms((plan.stall_end + 1ms - t).count()) : 1.0);
    std::sort(analytic.begin(), analytic.end());

    load::worker_pool_options options;
    options.workers = 1;
    options.loop.spin_before_deadline = 200us;
    load::worker_pool pool(p, plan_factory<one_ms_with_concurrent_stall>{&plan}, options);
    pool.start(asio::any_io_executor{}, plan.start);
    auto const r = wait_for(pool);
    metrics::snapshot s(options.histograms);
    pool.sample_into(s, r.elapsed);
    check_balanced(pool, r, r.elapsed);
    CHECK(r.count(outcome::ok) == 5'000);

    for (double q : {50.0, 90.0, 99.0, 99.9, 100.0}) {
      double const expected = nearest_rank(analytic, q);
      double const measured = pct_ms(s.response_time, q);
      CAPTURE(q);
      CHECK(measured == doctest::Approx(expected).epsilon(precision));
    }
    CHECK(nearest_rank(analytic, 50) == 1.0);
    CHECK(nearest_rank(analytic, 99) == doctest::Approx(950.5));
    CHECK(nearest_rank(analytic, 100) == doctest::Approx(1000.5));
    CHECK(pct_ms(s.service_time, 99) == doctest::Approx(nearest_rank(analytic, 99)).epsilon(0.02));
    MESSAGE("concurrent stall: response p50 " << pct_ms(s.response_time, 50) << " p90 " << pct_ms(s.response_time, 90)
                                              << " p99 " << pct_ms(s.response_time, 99) << " p99.9 "
                                              << pct_ms(s.response_time, 99.9) << " max "
                                              << pct_ms(s.response_time, 100) << " ms (analytic 1 / 500.5 / 950.5 / "
                                                 "995.5 / 1000.5); send lag p99 "
                                              << pct_ms(s.send_lag, 99) << " ms");
  }

  TEST_CASE("a stall that holds the generator shows in response time while service time hides it" *
            doctest::test_suite("load.timing")) {
    // The classic coordinated-omission case: the first call intended in [2 s, 3 s) (j = 2000,
    // t = 2000.5 ms) holds the worker's thread until 3 s, like a synchronous client. The 999
    // arrivals intended during the stall are sent in a burst at ~3 s and take 1 ms each:
    // R_j = 3001 - t_j ms (j = 2001..2999), R_2000 = 3000 - 2000.5 = 999.5 ms, the other 4000 are
    // 1 ms. Nearest rank: p90 = 500.5, p99 = 950.5, p99.9 = 995.5, max = 999.5 ms. Service time
    // (completed - sent) is 1 ms for all but the blocking call (999.5 ms): its p99 is ~1 ms (the
    // burst adds queueing of a few ms at most), which is what a tester measuring from the send
    // instant would report: one slow request out of 5000.
    profile::any_profile const p = profile::constant_rate(1'000, 5.0);
    stall_plan plan{steady_clock::now() + 100ms, intended_offsets(p), 2s, 3s};
    std::vector<double> analytic;
    for (std::size_t j = 0; j < plan.intended.size(); ++j) {
      auto const t = plan.intended[j];
      bool const first = plan.in_stall(j) && !plan.in_stall(j - 1);
      analytic.push_back(first ? ms((plan.stall_end - t).count())
                               : plan.in_stall(j) ? ms((plan.stall_end + 1ms - t).count()) : 1.0);
    }
    std::sort(analytic.begin(), analytic.end());

    load::worker_pool_options options;
    options.workers = 1;
    options.loop.spin_before_deadline = 200us;
    load::worker_pool pool(p, plan_factory<one_ms_blocking_stall>{&plan}, options);
    pool.start(asio::any_io_executor{}, plan.start);
    auto const r = wait_for(pool);
    metrics::snapshot s(options.histograms);
    pool.sample_into(s, r.elapsed);
    check_balanced(pool, r, r.elapsed);
    CHECK(r.count(outcome::ok) == 5'000);

    // 5%, not 2%: the burst of 999 sends after the block takes a few ms (10+ under ASan), which
    // the analytic values ignore. The exact known answer is the previous test.
    for (double q : {90.0, 99.0, 99.9, 100.0}) {
      double const expected = nearest_rank(analytic, q);
      CAPTURE(q);
      CHECK(pct_ms(s.response_time, q) == doctest::Approx(expected).epsilon(0.05));
    }
    CHECK(nearest_rank(analytic, 100) == doctest::Approx(999.5));
    CHECK(pct_ms(s.service_time, 99) < 10.0);
    CHECK(pct_ms(s.service_time, 100) == doctest::Approx(999.5).epsilon(0.02));
    // The blocking call, and possibly request 1999: it is due to complete at 2000.5 ms, the very
    // instant the thread is taken, and whichever runs first decides whether it waits for 3 s.
    CHECK(count_above(s.service_time, 10ms) >= 1);
    CHECK(count_above(s.service_time, 10ms) <= 2);
    CHECK(r.generator_limited);
    MESSAGE("blocked generator: response p99 " << pct_ms(s.response_time, 99) << " ms, service p99 "
                                               << pct_ms(s.service_time, 99) << " ms, service max "
                                               << pct_ms(s.service_time, 100) << " ms, send lag max "
                                               << pct_ms(s.send_lag, 100) << " ms");
  }

  TEST_CASE("stopping a two worker run after 1 s of 3 s keeps every intended request accounted for" *
            doctest::test_suite("load.timing")) {
    profile::any_profile const p = profile::constant_rate(1'000, 3.0);
    load::worker_pool_options options;
    options.workers = 2;
    load::worker_pool pool(p, no_op_factory{}, options);
    auto const start = steady_clock::now() + 20ms;
    pool.start(asio::any_io_executor{}, start);
    std::this_thread::sleep_until(start + 1s);
    pool.stop();
    auto const r = wait_for(pool);
    check_balanced(pool, r, r.elapsed);
    CHECK(r.cancelled);
    CHECK(r.intended == 3'000);  // the unsent are counted not sent at stop: the whole schedule
    CHECK(r.issued >= 900);
    CHECK(r.issued <= 1'100);
    CHECK(r.not_sent_at_stop == 3'000 - r.issued);
    CHECK(r.count(outcome::dropped) == 0);  // a stop is not the target's failure
    CHECK(r.count(outcome::ok) == r.issued);
    CHECK(r.elapsed < 2s);
  }

  TEST_CASE("the closed model splits users across workers and Little's law gives the throughput" *
            doctest::test_suite("load.timing")) {
    // 5 users, each waiting 10 ms per response and not thinking: 5 / 0.010 s = 500 requests/s
    // (a little less: timers wake late). Worker 0 drives 3 users, worker 1 drives 2.
    profile::any_profile const p = profile::constant_rate(0, 1.0);
    load::worker_pool_options options;
    options.workers = 2;
    load::closed_workload closed;
    closed.users = 5;
    closed.duration = 1s;
    options.closed = closed;
    load::worker_pool pool(p, ten_ms_factory{}, options);
    pool.start(asio::any_io_executor{}, steady_clock::now());
    auto const r = wait_for(pool);
    CHECK(r.balanced());
    CHECK(r.issued >= 440);
    CHECK(r.issued <= 505);
    CHECK(r.count(outcome::ok) == r.issued);

    // More workers than users: the spare worker finishes at once.
    closed.users = 1;
    options.closed = closed;
    load::worker_pool single(p, ten_ms_factory{}, options);
    single.start(asio::any_io_executor{}, steady_clock::now());
    auto const one = wait_for(single);
    CHECK(one.issued >= 88);
    CHECK(one.issued <= 101);
  }

  TEST_CASE("a pool without threads runs one worker on the caller's executor") {
    asio::io_context io;
    profile::any_profile const p = profile::constant_rate(200, 0.5);
    load::worker_pool pool(p, no_op_factory{}, load::worker_pool_options{});
    CHECK(pool.worker_count() == 1);
    std::optional<load::run_summary> result;
    pool.async_wait([&result](boost::system::error_code ec, load::run_summary r) {
      CHECK_FALSE(ec);
      result = r;
    });
    pool.start(io.get_executor(), steady_clock::now());
    io.run_for(hard_timeout);
    REQUIRE(result.has_value());
    CHECK(result->intended == 100);
    CHECK(result->count(outcome::ok) == 100);
    check_balanced(pool, *result, result->elapsed);
  }
}
