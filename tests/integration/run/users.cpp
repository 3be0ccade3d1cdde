// Virtual users in a scenario (`test_scenario::user_profile`): the closed population the
// orchestrator runs, the users figures it reports, and Little's law on a deterministic target.
#include <stress_testing/report/merge.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/http_session.hpp>
#include <stress_testing/target/http_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include "../support/http_test_server.hpp"

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
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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

/** What the HTTP target's step bodies saw, per (worker, user): each request's step and number,
    and whether each feedback referred to the same user's score just before it. */
struct session_log {
  std::mutex mutex;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::pair<std::size_t, std::uint64_t>>> by_user;
  std::uint64_t wrong_previous = 0;  // a feedback whose `previous` was not its user's last score
  std::uint64_t wrong_echo = 0;      // a response whose echoed body is not its step's
  std::uint64_t responses = 0;
};

/// HTTP targets sending a scenario's session, with bodies "score:N" and "feedback:<previous>".
struct session_factory {
  std::string url;
  std::vector<st::session_step> session;
  std::shared_ptr<session_log> log;

  st::target::http_target operator()(asio::any_io_executor ex, std::size_t worker) const {
    st::target::http_target_options o;
    o.url = url;
    o.connections = 20;  // one per user: no request waits for a connection
    o.keep_body = 64;
    auto lg = log;
    auto body = [lg, worker](std::string_view name) -> st::target::http_step_body {
      if (name == "score_body")
        return [lg, worker](const st::target::http_step_request& r, std::string& out) {
          std::lock_guard lock(lg->mutex);
          lg->by_user[{worker, r.user}].emplace_back(r.step, r.sequence);
          out = "score:" + std::to_string(r.sequence);
        };
      if (name == "feedback_body")
        return [lg, worker](const st::target::http_step_request& r, std::string& out) {
          std::lock_guard lock(lg->mutex);
          auto& seen = lg->by_user[{worker, r.user}];
          if (!r.previous || seen.empty() || seen.back().first != 0 || seen.back().second != *r.previous)
            ++lg->wrong_previous;
          seen.emplace_back(r.step, r.sequence);
          out = "feedback:" + std::to_string(r.previous.value_or(0));
        };
      return {};
    };
    if (!st::target::http_steps_of(session, body, o.steps).empty()) throw std::invalid_argument("session");
    o.on_response = [lg](const st::target::http_response_view& v) {
      std::lock_guard lock(lg->mutex);
      ++lg->responses;
      if (!v.body.starts_with(v.step == 0 ? "score:" : "feedback:")) ++lg->wrong_echo;
    };
    return st::target::http_target(std::move(ex), std::move(o));
  }
};

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
  TEST_CASE("a session of two steps alternates each user's requests between two paths with their own figures" *
            doctest::test_suite("run.timing")) {
    // 20 users; step 0 "score" POSTs /delay/10 (10 ms), then the profile's 50 ms think; step 1
    // "feedback" POSTs /delay/30 (30 ms), then its own 90 ms pause. Each step's nominal response
    // is its path's delay, so the cadence measures each step against its own healthy time.
    http_test::server server;
    st::user_profile u;
    u.users = 20;
    u.think_time_seconds = 0.050;
    st::session_step score;
    score.name = "score";
    score.path = "/delay/10";
    score.body_generator = "score_body";
    score.nominal_response_time_ms = 10;
    st::session_step feedback;
    feedback.name = "feedback";
    feedback.path = server.url("/delay/30");  // an absolute URL on the target's origin works too
    feedback.body_generator = "feedback_body";
    feedback.think_time_seconds = 0.090;
    feedback.nominal_response_time_ms = 30;
    u.session = {score, feedback};
    auto const s = with_users(u, 1.5);
    auto log = std::make_shared<session_log>();
    auto const r = st::run::run_blocking(s, session_factory{server.url("/"), u.session, log}, quiet_options(250ms));

    CHECK(r.status == st::test_status::completed);
    CHECK(r.accounting.balanced());
    CHECK(r.accounting.count(st::outcome::ok) == r.accounting.intended);
    REQUIRE(r.accounting.steps.size() == 2);
    auto const& a0 = r.accounting.steps[0];
    auto const& a1 = r.accounting.steps[1];
    // The steps' figures add up to the run's.
    CHECK(a0.outcomes.total() + a1.outcomes.total() == r.accounting.intended);
    CHECK(a0.issued + a1.issued == r.accounting.issued);
    CHECK(a0.outcomes.count(st::outcome::ok) == a0.outcomes.total());
    CHECK(a1.outcomes.count(st::outcome::ok) == a1.outcomes.total());
    // Each user starts with a score and alternates: each step is half the requests, the scores
    // ahead by at most one per user (those whose last score's feedback never came).
    CHECK(a0.issued >= a1.issued);
    CHECK(a0.issued - a1.issued <= 20);
    // A user sends its scores at 0, 180, 360 ... ms and its feedbacks 60 ms after each: 9
    // scores and 8 feedbacks begin before 1.5 s, at most (late timers only push them later).
    CHECK(a0.issued <= 20 * 9);
    CHECK(a1.issued <= 20 * 8);
    CHECK(r.accounting.issued >= 20 * 14);

    // Each user's requests, in the order its bodies were written: 0, 1, 0, 1 ... and every
    // feedback names the score just before it (the same user's previous request).
    CHECK(log->wrong_previous == 0);
    CHECK(log->wrong_echo == 0);  // each step reached its own path (the echo carries its body)
    CHECK(log->responses == r.accounting.issued);
    CHECK(log->by_user.size() == 20);
    std::size_t alternating = 0;
    for (auto const& [who, requests] : log->by_user) {
      bool ok = true;
      for (std::size_t k = 0; k < requests.size(); ++k) ok = ok && requests[k].first == k % 2;
      alternating += ok ? 1 : 0;
    }
    CHECK(alternating == 20);

    // Each step's latency is its path's delay: a 10 ms and a 30 ms median, apart. Loopback and
    // timer lateness add a little; a machine busy elsewhere more, hence the margins.
    auto const ms = [](const st::metrics::histogram& h, double p) { return static_cast<double>(h.value_at_percentile(p)) / 1e6; };
    MESSAGE("score p50 " << ms(a0.response_time, 50) << " ms p99 " << ms(a0.response_time, 99) << " ms; feedback p50 "
                         << ms(a1.response_time, 50) << " ms p99 " << ms(a1.response_time, 99) << " ms");
    CHECK(ms(a0.service_time, 50) >= 10.0);
    CHECK(ms(a0.service_time, 50) < 18.0);
    CHECK(ms(a1.service_time, 50) >= 30.0);
    CHECK(ms(a1.service_time, 50) < 38.0);
    CHECK(ms(a0.response_time, 50) >= 10.0);
    CHECK(ms(a0.response_time, 50) < 18.0);
    CHECK(ms(a1.response_time, 50) >= 30.0);
    CHECK(ms(a1.response_time, 50) < 38.0);

    // Little's law over the session's whole cycle: per user 10 + 50 + 30 + 90 = 180 ms for two
    // requests, so 20 users send 20 x 2 / 0.180 = 222.2/s = 20 / (mean pause 70 ms + mean
    // service 20 ms). Late timers make the cycle a little longer (see the law test above).
    REQUIRE(r.users);
    CHECK(r.users->think_time_mean_seconds == doctest::Approx(0.070));
    auto const law = r.littles_law_tps();
    REQUIRE(law);
    double const sent = r.sent_tps();
    MESSAGE("20 users, session score (10 ms + 50 ms think) then feedback (30 ms + 90 ms): sent " << sent
                                                                                               << "/s, Little's law " << *law
                                                                                               << "/s, known answer 222.2/s");
    CHECK(*law == doctest::Approx(222.2).epsilon(0.10));
    CHECK(sent == doctest::Approx(*law).epsilon(0.10));

    auto const j = st::report::to_json(r);
    auto const& js = j["users"]["session"];
    REQUIRE(js.size() == 2);
    CHECK(js[0]["name"] == "score");
    CHECK(js[1]["name"] == "feedback");
    CHECK(js[0]["sent"] == a0.issued);
    CHECK(js[1]["requests"] == a1.outcomes.total());
    CHECK(js[1]["failed"] == 0);
    CHECK(js[0]["p50_response_time_ms"].get<double>() < js[1]["p50_response_time_ms"].get<double>());
    CHECK(js[1]["p99_response_time_ms"].get<double>() >= 30.0);
  }
}

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
