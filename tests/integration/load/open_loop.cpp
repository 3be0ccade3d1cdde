#include "../support/run_support.hpp"

#include <stress_testing/load/open_loop.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/target/any_target.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_context.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace metrics = stress_testing::metrics;
namespace profile = stress_testing::profile;
namespace target = stress_testing::target;
namespace load = stress_testing::load;
using namespace std::chrono_literals;
using boost::system::error_code;
using std::chrono::nanoseconds;
using std::chrono::steady_clock;
using stress_testing::outcome;
using target::request_result;

// Named, not anonymous: coroutine frames of the library's templates hold these types, and GCC
// warns about frames whose members have internal linkage (-Wsubobject-linkage).
namespace open_loop_test {

// Every run is bounded: a hang fails the test instead of blocking ctest.
constexpr auto hard_timeout = 20s;

using run_support::run_result;
using run_support::store_run;

// ---- deterministic targets -------------------------------------------------------------------

asio::awaitable<request_result> respond_after(nanoseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  co_return request_result::success(100, 10);
}

/// Takes exactly `delay` (plus timer slack) for every request, concurrently.
struct fixed_delay {
  nanoseconds delay;
  asio::awaitable<request_result> operator()(std::uint64_t) const { return respond_after(delay); }
};

asio::awaitable<request_result> respond_now() { co_return request_result::success(); }

/// A single server: one request at a time, in arrival order (a virtual FIFO: each request's
/// completion is the later of its arrival and the previous completion, plus its service time).
struct single_server {
  steady_clock::time_point free_at{};
};

asio::awaitable<request_result> serve_in_turn(single_server* server, nanoseconds service) {
  auto const begin = std::max(steady_clock::now(), server->free_at);
  server->free_at = begin + service;
  asio::steady_timer timer(co_await asio::this_coro::executor, server->free_at);
  co_await timer.async_wait(asio::use_awaitable);
  co_return request_result::success();
}

struct serialised_with_stall {
  single_server* server;
  std::uint64_t stalled_sequence;
  nanoseconds service;
  nanoseconds stall;
  asio::awaitable<request_result> operator()(std::uint64_t sequence) const {
    return serve_in_turn(server, sequence == stalled_sequence ? stall : service);
  }
};

// Blocks the worker's thread: the generator itself cannot send meanwhile.
asio::awaitable<request_result> block_thread_then_respond(nanoseconds block) {
  std::this_thread::sleep_for(block);
  co_return request_result::success();
}

struct blocks_generator_once {
  std::uint64_t blocking_sequence;
  nanoseconds block;
  nanoseconds delay;
  asio::awaitable<request_result> operator()(std::uint64_t sequence) const {
    return sequence == blocking_sequence ? block_thread_then_respond(block) : respond_after(delay);
  }
};

asio::awaitable<request_result> wait_an_hour() {
  asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
  co_await timer.async_wait(asio::use_awaitable);  // throws operation_aborted when cancelled
  co_return request_result::success();
}

// Waits on a timer that no cancellation reaches: a target that ignores cancellation.
asio::awaitable<request_result> ignore_cancellation_for(nanoseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
  co_return request_result::success(1, 1);
}

struct deaf_target {
  nanoseconds delay;
  asio::awaitable<request_result> operator()(std::uint64_t) const { return ignore_cancellation_for(delay); }
};

asio::awaitable<request_result> throw_on_odd(std::uint64_t sequence) {
  if (sequence % 2 == 1) throw std::runtime_error("component failed");
  co_return request_result::success();
}

/// A hand-written async_target (no coroutine): completes on the next turn of the executor with
/// an error code, a classified error, or an HTTP 503, depending on the sequence.
class scripted_target {
 public:
  using executor_type = asio::io_context::executor_type;

  explicit scripted_target(executor_type executor) : executor_(executor) {}
  executor_type get_executor() const noexcept { return executor_; }

  template <asio::completion_token_for<target::request_signature> CompletionToken>
  auto async_request(std::uint64_t sequence, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, target::request_signature>(initiate{executor_}, token, sequence);
  }

 private:
  struct initiate {
    executor_type executor;
    template <class Handler>
    void operator()(Handler&& handler, std::uint64_t sequence) const {
      error_code ec;
      request_result result;
      switch (sequence % 3) {
        case 0:  // an error code, and the target did not say what kind of failure
          ec = asio::error::connection_reset;
          break;
        case 1:  // an error code the target classified
          ec = asio::error::connection_refused;
          result = request_result::failure(outcome::connect_error);
          break;
        default:  // no error code, an HTTP status the target classified
          result = request_result::from_http_status(503);
          break;
      }
      asio::post(executor, asio::append(std::forward<Handler>(handler), ec, result));
    }
  };

  executor_type executor_;
};

static_assert(target::async_target<scripted_target>);

// ---- helpers -----------------------------------------------------------------------------------

auto uniform(double rate, double seconds) { return profile::arrival_schedule(profile::constant_rate(rate, seconds)); }

std::uint64_t expected_arrivals(double rate, double seconds) {
  profile::constant_rate const p(rate, seconds);
  return static_cast<std::uint64_t>(std::llround(p.cumulative(p.duration())));
}

/// Values recorded above `threshold` (bucket resolution, 0.1% with the default layout).
std::int64_t count_above(const metrics::histogram& h, nanoseconds threshold) {
  std::int64_t n = 0;
  h.for_each_bucket([&](const metrics::histogram::bucket& b) {
    if (b.value_from > threshold.count()) n += b.count;
  });
  return n;
}

nanoseconds percentile(const metrics::histogram& h, double p) { return nanoseconds(h.value_at_percentile(p)); }

double ms(nanoseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// Runs one open-loop run to completion (or the hard timeout) and samples the recorder.
/// Completes each request `actual` after it was sent but reports (`request_result::completed_at`)
/// that it completed `reported` after the send, as a target that reads responses in batches
/// does; records the pacing grid the engine announced for each request.
struct stamping_target {
  asio::io_context* io;
  nanoseconds actual;
  nanoseconds reported;
  std::vector<nanoseconds>* grids;

  using executor_type = asio::io_context::executor_type;
  executor_type get_executor() const noexcept { return io->get_executor(); }

  template <class Token>
  auto async_request(std::uint64_t, Token&& token) {
    if (auto const* c = target::current_request()) grids->push_back(c->pacing_grid);
    auto const sent = steady_clock::now();
    return asio::async_initiate<Token, target::request_signature>(
        [io = io, sent, actual = actual, reported = reported](auto handler) {
          auto timer = std::make_shared<asio::steady_timer>(*io, actual);
          timer->async_wait([timer, sent, reported, h = std::move(handler)](error_code) mutable {
            auto r = request_result::success();
            r.completed_at = sent + reported;
            std::move(h)(error_code{}, r);
          });
        },
        token);
  }
};

struct harness {
  asio::io_context io;
  metrics::interval_recorder recorder;
  std::optional<run_result> result;
  steady_clock::time_point start;

  template <class Target, class Schedule>
  void start_run(Target& t, Schedule schedule, const load::open_loop_options& options) {
    start = steady_clock::now();
    load::async_run_open_loop(t, std::move(schedule), recorder, start, options, store_run{&result});
  }

  template <class Target, class Schedule, class Token>
  void start_run(Target& t, Schedule schedule, const load::open_loop_options& options, Token&& token) {
    start = steady_clock::now();
    load::async_run_open_loop(t, std::move(schedule), recorder, start, options, std::forward<Token>(token));
  }

  /// Runs `schedule` on `t` with default options and stops the run `after` its start.
  template <class Target, class Schedule>
  void run_stopped_after(Target& t, Schedule schedule, std::chrono::milliseconds after) {
    asio::cancellation_signal stop;
    start_run(t, std::move(schedule), load::open_loop_options{},
              asio::bind_cancellation_slot(stop.slot(), store_run{&result}));
    asio::steady_timer trigger(io, after);
    trigger.async_wait([&stop](error_code ec) {
      if (!ec) stop.emit(asio::cancellation_type::terminal);
    });
    run_until_done();
  }

  /// Runs until the run has completed (not necessarily until the context is out of work).
  void run_until_done() {
    auto const deadline = steady_clock::now() + hard_timeout;
    while (!result && steady_clock::now() < deadline) io.run_one_for(100ms);
  }

  metrics::snapshot sample() { return recorder.sample(steady_clock::now() - start); }
};

void check_accounting(const run_result& r, const metrics::snapshot& s) {
  CHECK(r.summary.balanced());
  CHECK(r.summary.intended == r.summary.outcomes.total() + r.summary.not_sent_at_stop);
  CHECK(s.counters == r.summary.outcomes);
  CHECK(r.summary.count(outcome::dropped) == r.summary.dropped_at_limit);
  CHECK(r.summary.issued == r.summary.intended - r.summary.dropped_at_limit - r.summary.not_sent_at_stop);
  // Every sent request is in each latency histogram exactly once.
  auto const sent = static_cast<std::int64_t>(s.counters.sent());
  CHECK(s.response_time.total_count() == sent);
  CHECK(s.service_time.total_count() == sent);
  CHECK(s.send_lag.total_count() == sent);
}

template <class Target>
asio::awaitable<load::run_summary> await_run(Target& t, metrics::interval_recorder& recorder) {
  co_return co_await load::async_run_open_loop(t, uniform(200, 0.1), recorder, steady_clock::now(),
                                               load::open_loop_options{}, asio::use_awaitable);
}

struct store_summary {
  std::optional<load::run_summary>* out;
  void operator()(std::exception_ptr e, load::run_summary s) const {
    if (!e) *out = std::move(s);
  }
};

}  // namespace open_loop_test

using namespace open_loop_test;

TEST_SUITE("load") {
  TEST_CASE("500 requests per second for one second against a 5 ms target all succeed in about 5 ms" *
            doctest::test_suite("load.timing")) {
    harness h;
    auto t = target::make_function_target(h.io, fixed_delay{5ms});
    h.start_run(t, uniform(500, 1.0), load::open_loop_options{});
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();

    CHECK_FALSE(r.ec);
    CHECK(r.summary.intended == expected_arrivals(500, 1.0));
    CHECK(r.summary.intended == 500);
    CHECK(r.summary.count(outcome::ok) == 500);
    CHECK(r.summary.issued == 500);
    CHECK_FALSE(r.summary.cancelled);
    CHECK(r.summary.abandoned == 0);
    CHECK(s.counters.bytes_in() == 500 * 100);
    CHECK(s.counters.bytes_out() == 500 * 10);
    check_accounting(r, s);

    auto const response_p50 = percentile(s.response_time, 50);
    auto const service_p50 = percentile(s.service_time, 50);
    CHECK(response_p50 >= 4500us);
    CHECK(response_p50 <= 25ms);
    CHECK(service_p50 >= 4500us);
    CHECK(service_p50 <= 25ms);
    CHECK(response_p50 - service_p50 < 2ms);  // the generator was on time: response ~ service
    CHECK(percentile(s.send_lag, 50) < 2ms);
    CHECK(r.summary.elapsed >= 1s);
    CHECK(r.summary.elapsed < 3s);
    MESSAGE("500/s, 5 ms target: response p50 " << ms(response_p50) << " ms, p99 "
                                                << ms(percentile(s.response_time, 99)) << " ms; send lag p50 "
                                                << ms(percentile(s.send_lag, 50)) << " ms, p99 "
                                                << ms(percentile(s.send_lag, 99)) << " ms");
  }

  TEST_CASE("pacing on a 10 ms grid sends each arrival at the next grid point and measures the lateness" *
            doctest::test_suite("load.timing")) {
    // 1000/s uniform: arrival j is due at (j + 0.5) ms. On a 10 ms grid it is sent at the next
    // multiple of 10 ms, (10 - (j mod 10) - 0.5) ms late: lags 0.5 .. 9.5 ms, evenly, so the
    // median lag is ~5 ms and the maximum ~9.5 ms (plus timer slack). The target takes exactly
    // 5 ms: the response time counts from the grid instant, so it reads 5 ms (plus timer slack),
    // not 5 ms plus the designed lateness.
    harness h;
    auto t = target::make_function_target(h.io, fixed_delay{5ms});
    load::open_loop_options o;
    o.pacing_granularity = 10ms;
    h.start_run(t, uniform(1000, 0.5), o);
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();
    CHECK(r.summary.intended == 500);
    CHECK(r.summary.count(outcome::ok) == 500);
    check_accounting(r, s);
    CHECK(ms(percentile(s.send_lag, 50)) == doctest::Approx(5.0).epsilon(0.15));
    // No check on the lower tail: a wake-up late by more than 0.5 ms (seen under ASan on a busy
    // machine: p1 0.19 ms) sends at once the arrivals that came due meanwhile, with less than the
    // designed 0.5 ms. The median and the maximum carry the grid's signature.
    CHECK(ms(percentile(s.send_lag, 100)) >= 9.4);
    CHECK(ms(percentile(s.send_lag, 100)) < 25.0);  // 9.5 ms plus timer slack on a busy machine
    CHECK(ms(percentile(s.response_time, 50)) >= 5.0);
    CHECK(ms(percentile(s.response_time, 50)) < 6.5);  // 5 ms plus timer slack, without the ~5 ms lag
    CHECK(ms(percentile(s.service_time, 50)) >= 5.0);
    CHECK_FALSE(r.summary.generator_limited);  // lateness by design is not the generator's
  }

  TEST_CASE("a target's own completion instant is the response's, bounded by the send and the completion" *
            doctest::test_suite("load.timing")) {
    // Each request completes 20 ms after its send. Reported 5 ms after the send, that is its
    // response and service time; reported before the send, it is bounded to the send (0 ms of
    // service); reported in the future, to the completion (20 ms). On a 10 ms grid the engine
    // tells the target the grid with each request (`request_context::pacing_grid`); without a
    // grid it says 0.
    struct expectation {
      nanoseconds reported, grid;
      double low_ms, high_ms;
    };
    for (auto const& e : {expectation{5ms, 10ms, 5.0, 6.5}, expectation{-50ms, 0ns, 0.0, 1.5},
                          expectation{1h, 0ns, 20.0, 30.0}}) {
      CAPTURE(e.reported.count());
      harness h;
      std::vector<nanoseconds> grids;
      stamping_target t{&h.io, 20ms, e.reported, &grids};
      load::open_loop_options o;
      o.pacing_granularity = e.grid;
      h.start_run(t, uniform(200, 0.5), o);
      h.run_until_done();
      REQUIRE(h.result.has_value());
      auto const s = h.sample();
      CHECK(h.result->summary.count(outcome::ok) == 100);
      check_accounting(*h.result, s);
      CHECK(ms(percentile(s.service_time, 50)) >= e.low_ms);
      CHECK(ms(percentile(s.service_time, 50)) < e.high_ms);
      CHECK(ms(percentile(s.response_time, 50)) >= e.low_ms);
      CHECK(ms(percentile(s.response_time, 50)) < e.high_ms + 1.0);
      REQUIRE(grids.size() == 100);
      CHECK(std::all_of(grids.begin(), grids.end(), [&](nanoseconds g) { return g == e.grid; }));
    }
  }

  TEST_CASE("adaptive pacing at 10,000/s batches arrivals under its bound and reads a known delay exactly" *
            doctest::test_suite("load.timing")) {
    // 10,000/s for 0.5 s: arrivals 100 us apart, so the adaptive grid is the 1 ms bound (32 gaps
    // would be 3.2 ms): each arrival is sent up to 950 us after its instant (about 500 us at the
    // median, plus timer slack), and the target, which takes exactly 5 ms, reads 5 ms (plus timer
    // slack) in the response time, as without pacing. (That designed lateness is not counted
    // against the generator is the 10 ms grid's test; at this rate a loaded machine can make the
    // generator late by itself.)
    harness h;
    auto t = target::make_function_target(h.io, fixed_delay{5ms});
    load::open_loop_options o;
    o.adaptive_pacing_bound = 1ms;
    h.start_run(t, uniform(10000, 0.5), o);
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();
    CHECK(r.summary.intended == 5000);
    CHECK(r.summary.count(outcome::ok) == 5000);
    check_accounting(r, s);
    CHECK(ms(percentile(s.send_lag, 50)) >= 0.2);  // batched: most arrivals wait for their grid point
    CHECK(ms(percentile(s.send_lag, 50)) < 1.5);
    CHECK(ms(percentile(s.response_time, 50)) >= 5.0);
    CHECK(ms(percentile(s.response_time, 50)) < 6.0);
    MESSAGE("10,000/s adaptive: send lag p50 " << ms(percentile(s.send_lag, 50)) << " ms, p99 "
                                               << ms(percentile(s.send_lag, 99)) << " ms; response p50 "
                                               << ms(percentile(s.response_time, 50)) << " ms, p99 "
                                               << ms(percentile(s.response_time, 99)) << " ms");
  }

  TEST_CASE("requests queued behind a stall of a serialising target show it in their response time" *
            doctest::test_suite("load.timing")) {
    // 100/s for 2 s; one server, 2 ms per request, request 50 (intended at 0.505 s) takes 300 ms.
    // Request 50+k (k >= 1) is intended at 0.505 + 0.01k s and completes at 0.805 + 0.002k s
    // (the queue drains at 8 ms per arrival interval), so its response time is 300 - 8k ms:
    // 25 requests (k = 0..24) take more than 104 ms, the next one 100 ms. The open-model
    // generator keeps sending during the stall (send lag stays small), so the queue forms at the
    // target and service time (completed - sent) shows it too: the view that would hide it is a
    // generator that waits for responses, which this engine never does.
    harness h;
    single_server server;
    auto t = target::make_function_target(h.io, serialised_with_stall{&server, 50, 2ms, 300ms});
    h.start_run(t, uniform(100, 2.0), load::open_loop_options{});
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();

    CHECK_FALSE(r.ec);
    CHECK(r.summary.intended == 200);
    CHECK(r.summary.count(outcome::ok) == 200);
    check_accounting(r, s);
    CHECK(percentile(s.response_time, 99) >= 200ms);
    CHECK(nanoseconds(s.response_time.max()) >= 300ms);
    CHECK(nanoseconds(s.response_time.max()) < 400ms);
    auto const slow = count_above(s.response_time, 104ms);
    CHECK(slow >= 24);
    CHECK(slow <= 26);
    CHECK(count_above(s.service_time, 104ms) == slow);
    CHECK(percentile(s.send_lag, 99) < 20ms);
    MESSAGE("stall behind a serialising target: " << slow << " responses above 104 ms (analytic 25), p99 "
                                                  << ms(percentile(s.response_time, 99)) << " ms");
  }

  TEST_CASE("a blocked generator shows up in send lag and response time but not in service time" *
            doctest::test_suite("load.timing")) {
    // 100/s for 2 s against a 2 ms target; request 50 (intended at 0.505 s) blocks the worker's
    // thread for 300 ms, so the 29 arrivals intended during the block are sent late, in a burst
    // at ~0.805 s. Request 50+k then has send lag ~300 - 10k ms and response time ~302 - 10k ms,
    // but a 2 ms service time: 20 responses (k = 0..19, the blocking request included) take more
    // than 107 ms, while only the blocking request has a service time that long. Measuring from
    // the send instant would have hidden 19 of the 20 slow requests (coordinated omission).
    harness h;
    auto t = target::make_function_target(h.io, blocks_generator_once{50, 300ms, 2ms});
    h.start_run(t, uniform(100, 2.0), load::open_loop_options{});
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();

    CHECK_FALSE(r.ec);
    CHECK(r.summary.count(outcome::ok) == 200);
    check_accounting(r, s);
    auto const slow_responses = count_above(s.response_time, 107ms);
    CHECK(slow_responses >= 19);
    CHECK(slow_responses <= 21);
    CHECK(count_above(s.service_time, 107ms) == 1);
    CHECK(percentile(s.response_time, 99) >= 200ms);
    CHECK(nanoseconds(s.send_lag.max()) >= 250ms);
    CHECK(r.summary.send_lag_max >= 250ms);
    CHECK(r.summary.late >= 25);
    CHECK(r.summary.generator_limited);
    MESSAGE("blocked generator: " << slow_responses << " responses above 107 ms (analytic 20), "
                                  << count_above(s.service_time, 107ms) << " service times; send lag max "
                                  << ms(r.summary.send_lag_max) << " ms, late " << r.summary.late);
  }

  TEST_CASE("arrivals beyond the in-flight bound are dropped and every intended request is accounted for" *
            doctest::test_suite("load.timing")) {
    // 1000/s against a 200 ms target would need ~200 requests in flight; only 50 may be.
    harness h;
    auto t = target::make_function_target(h.io, fixed_delay{200ms});
    load::open_loop_options options;
    options.max_in_flight = 50;
    h.start_run(t, uniform(1000, 0.5), options);
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();

    CHECK_FALSE(r.ec);
    CHECK(r.summary.intended == 500);
    CHECK(r.summary.dropped_at_limit > 0);
    CHECK(r.summary.not_sent_at_stop == 0);
    CHECK(r.summary.count(outcome::ok) + r.summary.count(outcome::dropped) == 500);
    // At most 50 requests per 200 ms: ~3 rounds of 50 in 0.5 s (ok <= 50 * ceil(0.5 / 0.2)).
    CHECK(r.summary.count(outcome::ok) <= 150);
    CHECK(r.summary.count(outcome::ok) >= 100);
    check_accounting(r, s);
    MESSAGE("in-flight bound 50: ok " << r.summary.count(outcome::ok) << ", dropped "
                                      << r.summary.count(outcome::dropped));
  }

  TEST_CASE("requests that never complete time out and the run ends without hanging" *
            doctest::test_suite("load.timing")) {
    harness h;
    auto t = target::make_function_target(h.io, &wait_an_hour);
    load::open_loop_options options;
    options.request_timeout = 50ms;
    auto const begin = steady_clock::now();
    h.start_run(t, uniform(100, 0.3), options);
    h.io.run_for(hard_timeout);  // returns once out of work: the cancelled timers are gone too
    auto const wall = steady_clock::now() - begin;
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();

    CHECK_FALSE(r.ec);
    CHECK(r.summary.intended == 30);
    CHECK(r.summary.count(outcome::timeout) == 30);
    CHECK(r.summary.timed_out_at_stop == 0);
    CHECK(r.summary.abandoned == 0);
    check_accounting(r, s);
    // Recorded when abandoned, with the time elapsed so far: ~50 ms of service time each.
    CHECK(percentile(s.service_time, 50) >= 50ms);
    CHECK(percentile(s.service_time, 100) < 80ms);
    CHECK(r.summary.elapsed < 300ms + 50ms + 500ms);
    CHECK(wall < 2s);
  }

  TEST_CASE("a target that ignores cancellation is abandoned after the cancel grace") {
    asio::io_context io;
    auto recorder = std::make_unique<metrics::interval_recorder>();
    auto t = target::make_function_target(io, deaf_target{1500ms});
    load::open_loop_options options;
    options.request_timeout = 50ms;
    options.cancel_grace = 100ms;
    std::optional<run_result> result;
    auto const start = steady_clock::now();
    load::async_run_open_loop(t, uniform(100, 0.1), *recorder, start, options, store_run{&result});
    auto const deadline = steady_clock::now() + hard_timeout;
    while (!result && steady_clock::now() < deadline) io.run_one_for(100ms);
    REQUIRE(result.has_value());
    auto const s = recorder->sample(steady_clock::now() - start);
    CHECK_FALSE(result->ec);
    CHECK(result->summary.count(outcome::timeout) == 10);
    CHECK(result->summary.abandoned == 10);
    CHECK(result->summary.elapsed < 1s);
    CHECK(s.in_flight == 10);
    check_accounting(*result, s);

    // The abandoned operations return after the run completed: they must not touch the
    // recorder (destroyed first: ASan would report a late write) nor change the result.
    auto const timeouts = result->summary.count(outcome::timeout);
    recorder.reset();
    io.run_for(hard_timeout);
    CHECK(result->summary.count(outcome::timeout) == timeouts);
  }

  TEST_CASE("cancelling the run half way counts the arrivals not yet issued as not sent" *
            doctest::test_suite("load.timing")) {
    // 100/s for 1 s against a 5 ms target, stopped at 0.3 s: ~30 arrivals were issued (those
    // intended at 5, 15, ..., 295 ms), the other ~70 are counted not sent at stop (no outcome).
    harness h;
    auto t = target::make_function_target(h.io, fixed_delay{5ms});
    h.run_stopped_after(t, uniform(100, 1.0), 300ms);
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();

    CHECK_FALSE(r.ec);  // a stopped run is a valid run
    CHECK(r.summary.cancelled);
    CHECK(r.summary.intended == 100);
    CHECK(r.summary.issued >= 28);
    CHECK(r.summary.issued <= 32);
    CHECK(r.summary.count(outcome::ok) == r.summary.issued);
    CHECK(r.summary.not_sent_at_stop == 100 - r.summary.issued);
    CHECK(r.summary.count(outcome::dropped) == 0);
    CHECK(r.summary.due() == r.summary.issued);
    CHECK(r.summary.elapsed < 500ms);
    check_accounting(r, s);
  }

  TEST_CASE("stopping a plan of ten billion arrivals costs no walk of the rest" *
            doctest::test_suite("load.timing")) {
    // 1,000/s for 10^7 s, stopped at 0.1 s: ~100 issued; the other 10^10 - issued are counted
    // in O(1) (profile::arrival_schedule::skip_remaining). Walking them would take minutes.
    harness h;
    auto t = target::make_function_target(h.io, fixed_delay{1ms});
    h.run_stopped_after(t, uniform(1'000, 1e7), 100ms);
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    CHECK(r.summary.intended == 10'000'000'000ULL);
    CHECK(r.summary.issued >= 50);
    CHECK(r.summary.issued <= 150);
    CHECK(r.summary.not_sent_at_stop == 10'000'000'000ULL - r.summary.issued);
    CHECK(r.summary.elapsed < 2s);
    check_accounting(r, h.sample());
  }

  TEST_CASE("a stop during the drain cuts the grace and records the rest as timeout") {
    // The schedule ends at 0.1 s with 10 one-hour requests in flight; the drain grace would
    // wait 1 h, a stop at 0.2 s ends it: the 10 are recorded timeout at stop and cancelled.
    harness h;
    auto t = target::make_function_target(h.io, &wait_an_hour);
    load::open_loop_options options;
    options.request_timeout = 2h;
    options.drain_grace = 1h;
    asio::cancellation_signal stop;
    h.start_run(t, uniform(100, 0.1), options, asio::bind_cancellation_slot(stop.slot(), store_run{&h.result}));
    asio::steady_timer trigger(h.io, 200ms);
    trigger.async_wait([&stop](error_code ec) {
      if (!ec) stop.emit(asio::cancellation_type::terminal);
    });
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();
    CHECK_FALSE(r.ec);
    CHECK_FALSE(r.summary.cancelled);  // the schedule had ended: only the drain was cut
    CHECK(r.summary.count(outcome::timeout) == 10);
    CHECK(r.summary.timed_out_at_stop == 10);
    CHECK(r.summary.abandoned == 0);
    CHECK(r.summary.elapsed < 1s);
    check_accounting(r, s);
  }

  TEST_CASE("a target that throws or completes with an error code is counted and the run goes on") {
    SUBCASE("a function target that throws on odd sequences") {
      harness h;
      auto t = target::make_function_target(h.io, &throw_on_odd);
      h.start_run(t, uniform(100, 0.2), load::open_loop_options{});
      h.run_until_done();
      REQUIRE(h.result.has_value());
      auto const s = h.sample();
      CHECK_FALSE(h.result->ec);
      CHECK(h.result->summary.count(outcome::ok) == 10);
      CHECK(h.result->summary.count(outcome::io_error) == 10);
      check_accounting(*h.result, s);
    }
    SUBCASE("a hand-written target behind any_target reporting error codes and statuses") {
      harness h;
      target::any_target t = scripted_target(h.io.get_executor());
      h.start_run(t, uniform(100, 0.3), load::open_loop_options{});
      h.run_until_done();
      REQUIRE(h.result.has_value());
      auto const s = h.sample();
      CHECK_FALSE(h.result->ec);
      CHECK(h.result->summary.count(outcome::io_error) == 10);       // error code, kind left at ok
      CHECK(h.result->summary.count(outcome::connect_error) == 10);  // error code, kind said by the target
      CHECK(h.result->summary.count(outcome::throttled) == 10);      // HTTP 503
      check_accounting(*h.result, s);
    }
  }

  TEST_CASE("invalid options complete the run with invalid_argument") {
    harness h;
    auto t = target::make_function_target(h.io, &respond_now);
    load::open_loop_options options;
    options.max_in_flight = 0;
    CHECK(options.problem() != nullptr);
    h.start_run(t, uniform(100, 0.1), options);
    h.run_until_done();
    REQUIRE(h.result.has_value());
    CHECK(h.result->ec == boost::system::errc::invalid_argument);
    CHECK(h.result->summary.intended == 0);
  }

  TEST_CASE("a run can be awaited from a coroutine with use_awaitable") {
    harness h;
    auto t = target::make_function_target(h.io, &respond_now);
    std::optional<load::run_summary> summary;
    asio::co_spawn(h.io, await_run(t, h.recorder), store_summary{&summary});
    h.io.run_for(hard_timeout);
    REQUIRE(summary.has_value());
    CHECK(summary->intended == 20);
    CHECK(summary->count(outcome::ok) == 20);
  }

  TEST_CASE("send lag stays small at 10000 requests per second against a zero delay target") {
    // A figure, not a benchmark: printed for the record, asserted only for accounting (timing
    // precision is proven in benchmarks, not in tests on a shared machine).
    harness h;
    auto t = target::make_function_target(h.io, &respond_now);
    h.start_run(t, uniform(10'000, 1.0), load::open_loop_options{});
    h.run_until_done();
    REQUIRE(h.result.has_value());
    auto const& r = *h.result;
    auto const s = h.sample();
    CHECK_FALSE(r.ec);
    CHECK(r.summary.intended == 10'000);
    CHECK(r.summary.count(outcome::ok) == 10'000);
    check_accounting(r, s);
    MESSAGE("10k/s zero-delay function target, one worker: send lag p50 "
            << ms(percentile(s.send_lag, 50)) << " ms, p99 " << ms(percentile(s.send_lag, 99)) << " ms, p99.9 "
            << ms(percentile(s.send_lag, 99.9)) << " ms, max " << ms(nanoseconds(s.send_lag.max()))
            << " ms; service p50 " << ms(percentile(s.service_time, 50)) << " ms; late "
            << r.summary.late << "; generator_limited " << r.summary.generator_limited);
  }
}
