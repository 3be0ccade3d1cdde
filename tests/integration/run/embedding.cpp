// What an embedder reaches for (the embedding trial, issue 11): a composed profile through
// run_blocking, a factory concept that names a wrong argument, and a one-call description of a
// run for a failed test's message.
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/sequence.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/function_target.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <string>

namespace asio = boost::asio;
namespace st = stress_testing;
using namespace std::chrono_literals;

// Named namespace: the library's coroutine frames hold these types (-Wsubobject-linkage).
namespace embedding_test {

asio::awaitable<st::target::request_result> answer(std::uint64_t sequence) {
  asio::steady_timer t(co_await asio::this_coro::executor, 500us);
  co_await t.async_wait(asio::use_awaitable);
  co_return sequence % 10 == 0 ? st::target::request_result::from_http_status(500)
                               : st::target::request_result::success();
}

struct factory {
  auto operator()(asio::any_io_executor ex, std::size_t) const { return st::target::make_function_target(ex, &answer); }
};

// The component instead of a factory, and a factory of the wrong shape, are not factories.
static_assert(st::load::target_factory<factory>);
static_assert(!st::load::target_factory<decltype(&answer)>);
static_assert(!st::load::target_factory<int>);

}  // namespace embedding_test

using namespace embedding_test;

TEST_SUITE("run") {
  TEST_CASE("run_blocking drives a composed profile: a ramp then a plateau, every arrival of it") {
    // 0 → 1,000/s over 1 s (500 arrivals), then 400/s for 1 s (400): 900 intended in 2 s.
    auto const composed = st::profile::then(st::profile::linear_ramp(0, 1000, 1), st::profile::constant_rate(400, 1));
    st::test_scenario s;
    s.scenario_id = "composed";
    s.success_criteria = {st::parse_criterion("error_rate < 0.2")};
    st::run::run_options o;
    o.profile = composed;
    auto const r = st::run::run_blocking(s, factory{}, o);
    CHECK(r.scenario.duration_seconds == 2.0);
    CHECK(r.accounting.intended == static_cast<std::uint64_t>(std::llround(composed.cumulative(2.0))));
    CHECK(r.accounting.intended == 900);
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.count(st::outcome::http_error) == 90);  // every tenth sequence number
    REQUIRE(r.criteria.size() == 1);
    CHECK(r.criteria[0].passed());
  }

  TEST_CASE("describe: a run in a few lines, each criterion with its actual value") {
    st::test_scenario s;
    s.scenario_id = "described";
    s.load_profile.profile_type = st::load_profile_type::sustained;
    s.load_profile.sustained_tps = 200;
    s.duration_seconds = 0.5;
    s.success_criteria = {st::parse_criterion("error_rate == 0"), st::parse_criterion("p99_response_time_ms < 1000")};
    st::run::run_options o;
    o.pool.loop.generator.late_threshold = std::chrono::milliseconds(250);  // a busy machine: keep p99 judged
    auto const r = st::run::run_blocking(s, factory{}, o);
    auto const text = st::run::describe(r);
    INFO(text);
    CHECK(text.find("COMPLETED, FAILED: completed; a success criterion failed") == 0);
    CHECK(text.find("100 intended: 90 ok, 10 http_error (balanced)") != std::string::npos);
    CHECK(text.find("\u2717 error_rate == 0 (actual 0.1)") != std::string::npos);
    CHECK(text.find("\u2713 p99_response_time_ms < 1000 (actual ") != std::string::npos);
  }
}
