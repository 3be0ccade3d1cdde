// Virtual users in a scenario (`test_scenario::user_profile`): the closed population the
// orchestrator runs, the users figures it reports, and Little's law on a deterministic target.
#include <stress_testing/report/merge.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace st = stress_testing;
using namespace std::chrono_literals;
using st::target::request_result;

// Named namespace: the library's coroutine frames hold these types (-Wsubobject-linkage).
namespace users_test {

/// Answers 200 after exactly `delay` (a timer: many requests wait at once, as in a real service).
struct fixed_delay {
  std::chrono::nanoseconds delay{10ms};
  asio::awaitable<request_result> operator()(std::uint64_t) const {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::use_awaitable);
    co_return request_result::from_http_status(200, 200, 100);
  }
};

struct delay_factory {
  std::chrono::nanoseconds delay{10ms};
  auto operator()(asio::any_io_executor ex, std::size_t) const {
    return st::target::make_function_target(ex, fixed_delay{delay});
  }
};

st::test_scenario with_users(st::user_profile u, double seconds) {
  st::test_scenario s;
  s.scenario_id = "users";
  s.name = "users";
  s.load_profile.profile_type = st::load_profile_type::sustained;
  s.duration_seconds = seconds;
  s.user_profile = std::move(u);
  return s;
}

st::run::run_options quiet_options(std::chrono::nanoseconds interval) {
  st::run::run_options o;
  o.interval = interval;
  o.pool.workers = 2;
  // The run is judged on its users, not on the generator: a busy CI machine's late timers must
  // not turn this into a generator-limited run.
  o.pool.loop.generator.late_threshold = 250ms;
  return o;
}

/** A mix's factory (`run::workload_target_factory`): each workload gets its own target, here
    its own fixed delay, and the test counts which workload each worker's target was built for. */
struct mix_factory {
  std::map<std::string, std::chrono::nanoseconds> delay_of;
  std::shared_ptr<std::map<std::string, int>> built = std::make_shared<std::map<std::string, int>>();
  auto operator()(asio::any_io_executor ex, std::size_t, const st::workload& w) {
    ++(*built)[w.name];
    return st::target::make_function_target(ex, fixed_delay{delay_of.at(w.name)});
  }
};
static_assert(st::run::workload_target_factory<mix_factory>);
static_assert(st::run::scenario_target_factory<delay_factory>);

}  // namespace users_test

using namespace users_test;

TEST_SUITE("run") {
  TEST_CASE("Little's law: N users with a fixed think time against a fixed delay send N / (think + delay)" *
            doctest::test_suite("run.timing")) {
    // 40 users, 40 ms think, 10 ms answers: each user cycles every 50 ms, 800 requests/s in all.
    st::user_profile u;
    u.users = 40;
    u.think_time_seconds = 0.040;
    u.nominal_response_time_ms = 10;  // the healthy response: the cadence is 50 ms
    auto s = with_users(u, 2.0);
    s.success_criteria = {st::parse_criterion("concurrent_users >= 40"), st::parse_criterion("throttle_rate == 0")};
    auto const r = st::run::run_blocking(s, delay_factory{10ms}, quiet_options(250ms));

    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.count(st::outcome::ok) == r.accounting.intended);
    REQUIRE(r.users);
    CHECK(r.load_model() == "closed");
    CHECK(r.users->users == 40);
    CHECK(r.users->peak_active == 40);
    CHECK(r.values.get(st::metrics::metric::concurrent_users) == 40.0);
    // Every interval that ended within the duration saw all 40 users, each in flight or
    // thinking; at the duration's end (2 s) and after it (the drain) they have left.
    REQUIRE(r.intervals.size() >= 8);
    for (std::size_t i = 0; i < r.intervals.size() && r.intervals[i].end < 2s; ++i) {
      REQUIRE(r.intervals[i].active_users);
      CHECK(*r.intervals[i].active_users == 40);
      CHECK(r.intervals[i].in_flight <= 40);
    }
    CHECK(r.intervals.back().active_users == 0);

    // The known answer: 40 / (0.040 + 0.010) = 800/s. Timers wake a little late, so the cycle is
    // slightly longer than 50 ms; Little's law on the measured service time accounts for the
    // target's part of that lateness, not for the users' own think timers. On an idle machine
    // both agree within 1% (799.7/s sent, 797.7/s by the law); a machine busy building elsewhere
    // makes timers several ms late, hence the 10% tolerance of this timing test.
    auto const law = r.littles_law_tps();
    REQUIRE(law);
    double const sent = r.sent_tps();
    MESSAGE("40 users, 40 ms think, 10 ms delay: sent " << sent << "/s, Little's law " << *law
                                                         << "/s, known answer 800/s, mean service "
                                                         << r.histograms.service_time.mean() / 1e6 << " ms");
    CHECK(*law == doctest::Approx(800).epsilon(0.10));
    CHECK(sent == doctest::Approx(*law).epsilon(0.10));
    CHECK(sent <= 800 * 1.01);  // never above the known answer (a user cannot cycle faster)
    REQUIRE(r.criteria.size() == 2);
    CHECK(r.criteria[0].passed());
    CHECK(r.criteria[1].passed());

    auto const j = st::report::to_json(r);
    CHECK(j["load_model"] == "closed");
    CHECK(j["users"]["users"] == 40);
    CHECK(j["users"]["peak_active"] == 40);
    auto const& iv = j["intervals"][1]["users"];
    CHECK(iv["active"] == 40);
    CHECK(iv["thinking"].get<std::int64_t>() + iv["in_flight"].get<std::int64_t>() == 40);
  }

  TEST_CASE("a ramp of stages brings users in and out on the run's clock" * doctest::test_suite("run.timing")) {
    // 0 -> 10 users over 0.4 s, hold 0.4 s, 10 -> 0 over 0.4 s, in a 1.4 s run.
    st::user_profile u;
    u.think_time_seconds = 0.020;
    u.stages = {{0.4, 10}, {0.4, 10}, {0.4, 0}};
    auto const r = st::run::run_blocking(with_users(u, 1.4), delay_factory{5ms}, quiet_options(100ms));
    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.balanced());
    REQUIRE(r.users);
    CHECK(r.users->users == 10);
    CHECK(r.users->peak_active == 10);
    CHECK_FALSE(r.littles_law_tps());  // the population changes size: no single N for the law
    auto active_at = [&r](double seconds) {
      for (auto const& i : r.intervals)
        if (std::abs(i.end_seconds() - seconds) < 1e-6) return i.active_users.value_or(-1);
      return std::int64_t{-1};
    };
    // The curve is 10 t / 0.4 on the way up: at 0.2 s users 1..5 have joined (rank <= 5).
    CHECK(active_at(0.2) >= 3);
    CHECK(active_at(0.2) <= 5);
    CHECK(active_at(0.6) == 10);
    // On the way down the curve is 10 (1.2 - t) / 0.4: rank r leaves at 1.2 - 0.04 r s, so at
    // 1.0 s ranks 1..4 remain; a user leaves after its last response whose next request would
    // fall after its leaving time (up to one 25 ms cycle early), or once its request in flight
    // returns (a little late).
    CHECK(active_at(1.0) >= 3);
    CHECK(active_at(1.0) <= 5);  // rank 5 leaves at 1.0 s itself
    CHECK(active_at(1.3) == 0);
  }

  TEST_CASE("a scenario without users runs the open model and has no users figure") {
    st::test_scenario s;
    s.scenario_id = "open";
    s.name = "open";
    s.load_profile.profile_type = st::load_profile_type::sustained;
    s.load_profile.sustained_tps = 200;
    s.duration_seconds = 0.5;
    s.success_criteria = {st::parse_criterion("concurrent_users >= 1")};
    auto const r = st::run::run_blocking(s, delay_factory{1ms}, quiet_options(100ms));
    CHECK(r.load_model() == "open");
    CHECK_FALSE(r.users);
    CHECK_FALSE(r.values.get(st::metrics::metric::concurrent_users));
    REQUIRE(r.criteria.size() == 1);
    CHECK(r.criteria[0].verdict == st::verdict::no_data);  // an open run has no users to count
    for (auto const& i : r.intervals) CHECK_FALSE(i.active_users);
    auto const j = st::report::to_json(r);
    CHECK(j["users"].is_null());
    CHECK_FALSE(j["intervals"][0].contains("users"));
  }
}

TEST_SUITE("run") {
  // Timing: the merged intervals sum both shards only when they began within an interval of each
  // other, which TSan's slowdown can break (the plain run checks it).
  TEST_CASE("two shards of a closed population merge into it: the population once, the active users summed" *
            doctest::test_suite("run.timing")) {
    // 20 users over 2 shards x 2 workers: each shard runs 10 of them; the merged run has 20.
    st::user_profile u;
    u.users = 20;
    u.think_time_seconds = 0.020;
    auto const s = with_users(u, 0.6);
    // Both shards on one io_context: they begin within an interval of each other.
    asio::io_context io;
    std::vector<std::optional<st::run::run_result>> results(2);
    for (std::size_t k = 0; k < 2; ++k) {
      auto o = quiet_options(200ms);
      o.shard = st::run::shard_spec{k, 2, "test"};
      st::run::async_run(io.get_executor(), s, delay_factory{5ms}, std::move(o),
                         [&results, k](boost::system::error_code ec, st::run::run_result r) {
                           if (!ec) results[k] = std::move(r);
                         });
    }
    io.run_for(30s);
    std::vector<nlohmann::json> parts;
    for (auto const& result : results) {
      REQUIRE(result);
      auto const& r = *result;
      REQUIRE(r.users);
      CHECK(r.users->users == 20);       // the population, as every shard records it
      CHECK(r.users->peak_active == 10);  // its part of it
      parts.push_back(st::report::to_json(r));
    }
    auto const m = st::report::merge_results(parts);
    REQUIRE(m.users);
    CHECK(m.load_model() == "closed");
    CHECK(m.users->users == 20);
    CHECK(m.users->peak_active == 20);
    CHECK(m.values.get(st::metrics::metric::concurrent_users) == 20.0);
    // peak_active is the most active users at a merged interval's end: 20 means an interval
    // summed both shards' 10 (which interval first does depends on how late each shard began).
    REQUIRE_FALSE(m.intervals.empty());
    auto open = parts[1];
    open["users"] = nullptr;
    CHECK_THROWS_WITH_AS(st::report::merge_results({parts[0], open}),
                         doctest::Contains("a closed model in some shards and an open one in others"),
                         std::invalid_argument);
  }

  TEST_CASE("a mix: an open and a closed workload on one clock, each with its known answer, the totals their merge" *
            doctest::test_suite("run.timing")) {
    // scoring: 500/s evenly spaced for 2 s against 2 ms answers; analysts: 20 users thinking 20 ms
    // against 60 ms answers, an 80 ms cycle: 250/s by Little's law.
    st::test_scenario s;
    s.scenario_id = "mix";
    s.name = "mix";
    s.duration_seconds = 2.0;
    st::workload scoring;
    scoring.name = "scoring";
    scoring.load_profile.emplace();
    scoring.load_profile->profile_type = st::load_profile_type::sustained;
    scoring.load_profile->sustained_tps = 500;
    st::workload analysts;
    analysts.name = "analysts";
    analysts.user_profile.emplace();
    analysts.user_profile->users = 20;
    analysts.user_profile->think_time_seconds = 0.020;
    analysts.user_profile->nominal_response_time_ms = 60;
    s.workloads = {scoring, analysts};
    // Scoped criteria: judged on their workload's figures. Every analyst answer takes >= 60 ms, so
    // the second fails whatever the machine; the first holds unless scoring's 2 ms grows 25-fold.
    s.success_criteria = {st::parse_criterion("p99_response_time_ms < 50 @ scoring"),
                          st::parse_criterion("p99_response_time_ms < 50 @ analysts"),
                          st::parse_criterion("concurrent_users >= 20 @ analysts"), st::parse_criterion("requests_lost == 0")};
    mix_factory factory{{{"scoring", 2ms}, {"analysts", 60ms}}};
    auto const built = factory.built;
    auto const r = st::run::run_blocking(s, std::move(factory), quiet_options(250ms));

    CHECK(r.status == st::test_status::completed);
    CHECK(r.load_model() == "mixed");
    CHECK((*built)["scoring"] == 2);  // one target per worker of each workload's pool
    CHECK((*built)["analysts"] == 2);
    REQUIRE(r.workloads.size() == 2);
    auto const& sc = r.workloads[0];
    auto const& an = r.workloads[1];
    CHECK(sc.name == "scoring");
    CHECK(sc.model == "open");
    CHECK(an.model == "closed");

    // Open, uniform arrivals: exactly rate x duration.
    CHECK(sc.accounting.intended == 1000);
    CHECK(sc.accounting.count(st::outcome::ok) == 1000);
    CHECK(sc.accounting.balanced());
    CHECK_FALSE(sc.users);
    // Closed: Little's law, on a machine that may be busy (timers late), within 10%.
    CHECK(an.accounting.balanced());
    REQUIRE(an.users);
    CHECK(an.users->users == 20);
    CHECK(an.users->peak_active == 20);
    auto const law = an.littles_law_tps();
    REQUIRE(law);
    double const sent = static_cast<double>(an.accounting.issued) / an.elapsed_seconds;
    MESSAGE("analysts: sent " << sent << "/s, Little's law " << *law << "/s, known answer 250/s");
    CHECK(*law == doctest::Approx(250).epsilon(0.10));
    CHECK(sent == doctest::Approx(*law).epsilon(0.10));
    CHECK(an.histograms.response_time.min() >= 60'000'000);  // every analyst answer: its own target's delay
    CHECK(sc.histograms.response_time.value_at_percentile(50) < 60'000'000);

    // The totals are the exact merge: counts sum, histograms add, interval by interval too.
    CHECK(r.accounting.intended == sc.accounting.intended + an.accounting.intended);
    CHECK(r.accounting.issued == sc.accounting.issued + an.accounting.issued);
    CHECK(r.accounting.count(st::outcome::ok) == sc.accounting.count(st::outcome::ok) + an.accounting.count(st::outcome::ok));
    CHECK(r.accounting.balanced());
    CHECK(r.histograms.response_time.total_count() ==
          sc.histograms.response_time.total_count() + an.histograms.response_time.total_count());
    CHECK(r.histograms.response_time.max() == std::max(sc.histograms.response_time.max(), an.histograms.response_time.max()));
    CHECK(r.histograms.response_time.min() == std::min(sc.histograms.response_time.min(), an.histograms.response_time.min()));
    REQUIRE(sc.intervals.size() == r.intervals.size());
    REQUIRE(an.intervals.size() == r.intervals.size());
    for (std::size_t i = 0; i < r.intervals.size(); ++i) {
      CHECK(r.intervals[i].counters.total() == sc.intervals[i].counters.total() + an.intervals[i].counters.total());
      CHECK(r.intervals[i].start == sc.intervals[i].start);
      CHECK_FALSE(sc.intervals[i].active_users);
    }
    REQUIRE(r.users);  // the closed workloads' users together, not steady: Little's law is per workload
    CHECK(r.users->users == 20);
    CHECK_FALSE(r.littles_law_tps());

    // Scoped criteria on the right workload.
    REQUIRE(r.criteria.size() == 4);
    CHECK(r.criteria[0].passed());
    CHECK(r.criteria[1].failed());
    CHECK(r.criteria[1].actual.value_or(0) >= 60);
    CHECK(r.criteria[2].passed());
    CHECK(r.criteria[3].passed());
    CHECK(r.verdict() == st::verdict::fail);

    auto const j = st::report::to_json(r);
    CHECK(j["load_model"] == "mixed");
    REQUIRE(j["workloads"].size() == 2);
    CHECK(j["workloads"][0]["name"] == "scoring");
    CHECK(j["workloads"][0]["model"] == "open");
    CHECK(j["workloads"][0]["accounting"]["intended"] == 1000);
    CHECK(j["workloads"][0]["accounting"]["balanced"] == true);
    CHECK(j["workloads"][0]["users"].is_null());
    CHECK(j["workloads"][1]["model"] == "closed");
    CHECK(j["workloads"][1]["users"]["users"] == 20);
    CHECK(j["workloads"][1]["accounting"]["balanced"] == true);
    CHECK(j["accounting"]["intended"].get<std::uint64_t>() ==
          j["workloads"][0]["accounting"]["intended"].get<std::uint64_t>() +
              j["workloads"][1]["accounting"]["intended"].get<std::uint64_t>());
    CHECK(j["criteria"][1]["expression"] == "p99_response_time_ms < 50 @ analysts");
  }

  TEST_CASE("a mix refuses what cannot apply to it, by name") {
    st::test_scenario s;
    s.scenario_id = "mix";
    s.duration_seconds = 0.2;
    st::workload w;
    w.name = "a";
    w.load_profile.emplace();
    s.workloads = {w, w};
    s.success_criteria = {st::parse_criterion("error_rate < 0.1 @ b")};
    mix_factory factory{{{"a", 1ms}}};
    boost::system::error_code ec;
    auto options = quiet_options(50ms);
    options.pool.closed.emplace();
    auto const r = st::run::run_blocking(s, std::move(factory), options, ec);
    CHECK(ec == boost::system::errc::invalid_argument);
    CHECK(r.status_reason.find("workloads[1].name: duplicate") != std::string::npos);
    CHECK(r.status_reason.find("success_criteria[0].workload: unknown workload \"b\"") != std::string::npos);
    CHECK(r.status_reason.find("pool.closed") != std::string::npos);
  }
}
