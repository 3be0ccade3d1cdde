// The verdict of a run from hand-made results (run/result.hpp is Asio-free): which criteria a
// limited generator makes inconclusive, how that sets the run's verdict, its status reason and
// run::describe. No engine, no timing.
#include <stress_testing/run/result.hpp>

#include <doctest/doctest.h>

#include <string>

namespace st = stress_testing;

namespace {

// A completed run with error rate 0.1% and p99 30 ms, judged against `criteria`.
st::run::run_result judged_run(std::vector<std::string> const& criteria, bool generator_limited) {
  st::run::run_result r;
  r.scenario.scenario_id = "hand";
  r.status = st::test_status::completed;
  r.values.set(st::metrics::metric::error_rate, 0.001);
  r.values.set(st::metrics::metric::p99_response_time_ms, 30);
  r.values.set(st::metrics::metric::p99_send_lag_ms, 4);
  for (auto const& c : criteria) r.scenario.success_criteria.push_back(st::parse_criterion(c));
  r.generator_limited = generator_limited;
  if (generator_limited) r.generator_reason = "300 of 1000 requests were sent late";
  r.criteria = st::run::judge_criteria(r);
  r.status_reason = st::run::completed_reason(r.criteria);
  return r;
}

}  // namespace

TEST_SUITE("run") {
  TEST_CASE("a limited generator makes latency criteria inconclusive and leaves the others judged") {
    auto const r = judged_run({"p99_response_time_ms < 50", "error_rate < 0.01", "p99_send_lag_ms < 1",
                               "unhealthy_agents == 0"},
                              true);
    REQUIRE(r.criteria.size() == 4);
    CHECK(r.criteria[0].verdict == st::verdict::inconclusive);  // would pass: 30 < 50
    CHECK(*r.criteria[0].actual == 30);                        // the value is kept
    CHECK(r.criteria[1].verdict == st::verdict::pass);          // errors are the target's, judged
    CHECK(r.criteria[2].verdict == st::verdict::fail);          // send lag is the generator's own, judged
    CHECK(r.criteria[3].verdict == st::verdict::no_data);       // no data stays no data
  }

  TEST_CASE("an inconclusive run with no failed criterion is neither passed nor failed") {
    auto const r = judged_run({"p99_response_time_ms < 20", "error_rate < 0.01"}, true);
    CHECK(r.criteria[0].inconclusive());  // would fail: 30 >= 20
    CHECK(r.verdict() == st::verdict::inconclusive);
    CHECK(r.inconclusive());
    CHECK_FALSE(r.passed());
    CHECK(st::all_passed(r.criteria));  // nothing failed
    CHECK(r.status_reason ==
          "completed; inconclusive: the load generator could not keep up, so 1 latency criterion was not judged "
          "(no criterion failed)");
  }

  TEST_CASE("a failed criterion fails a run even when the generator was limited") {
    auto const r = judged_run({"p99_response_time_ms < 50", "error_rate < 0.0001"}, true);
    CHECK(r.criteria[0].inconclusive());
    CHECK(r.criteria[1].failed());
    CHECK(r.verdict() == st::verdict::fail);
    CHECK_FALSE(r.inconclusive());
    CHECK(r.status_reason == "completed; a success criterion failed");
  }

  TEST_CASE("without a limited generator latency criteria are judged pass or fail") {
    auto const pass = judged_run({"p99_response_time_ms < 50", "p99_response_time_ms < 60 over any 1s"}, false);
    CHECK(pass.criteria[0].passed());
    CHECK(pass.criteria[1].verdict == st::verdict::no_data);  // no scoped actual recorded
    CHECK(pass.verdict() == st::verdict::pass);
    CHECK(pass.passed());
    CHECK(pass.status_reason == "completed; every criterion passed");
    auto const fail = judged_run({"p99_response_time_ms < 20"}, false);
    CHECK(fail.verdict() == st::verdict::fail);
  }

  TEST_CASE("scoped latency criteria are inconclusive too when the generator was limited") {
    st::run::run_result r;
    r.status = st::test_status::completed;
    r.scenario.success_criteria = {st::parse_criterion("p99_response_time_ms < 50 over any 1s"),
                                   st::parse_criterion("error_rate < 0.01 within 1s after each failure")};
    r.analysis.scoped_actuals = {{"p99_response_time_ms < 50 over any 1s", 80.0},
                                 {"error_rate < 0.01 within 1s after each failure", 0.5}};
    r.generator_limited = true;
    r.criteria = st::run::judge_criteria(r);
    CHECK(r.criteria[0].inconclusive());
    CHECK(*r.criteria[0].actual == 80);
    CHECK(r.criteria[1].passed());
    CHECK(r.verdict() == st::verdict::inconclusive);
  }

  TEST_CASE("a FAILED or CANCELLED run's verdict") {
    auto r = judged_run({"error_rate < 0.01"}, false);
    r.status = st::test_status::failed;  // aborted, or the engine failed
    CHECK(r.verdict() == st::verdict::fail);
    r.status = st::test_status::cancelled;  // judged on what it measured, but never "passed"
    CHECK(r.verdict() == st::verdict::pass);
    CHECK_FALSE(r.passed());
  }

  TEST_CASE("update_reported_metrics keeps latency criteria inconclusive when the generator was limited") {
    auto r = judged_run({"p99_response_time_ms < 50", "unhealthy_agents == 0"}, true);
    st::agent_metrics healthy;
    healthy.status = "healthy";
    r.agents = {healthy};
    st::run::update_reported_metrics(r);
    CHECK(r.criteria[0].inconclusive());
    CHECK(r.criteria[1].passed());
    CHECK(r.inconclusive());
    CHECK(r.status_reason.find("completed; inconclusive") == 0);
  }

  TEST_CASE("describe gives the verdict and marks an inconclusive criterion") {
    auto const r = judged_run({"p99_response_time_ms < 50", "error_rate < 0.01"}, true);
    auto const text = st::run::describe(r);
    INFO(text);
    CHECK(text.find("COMPLETED, INCONCLUSIVE: completed; inconclusive") == 0);
    CHECK(text.find("  ~ p99_response_time_ms < 50 (actual 30, inconclusive: the generator was limited)") !=
          std::string::npos);
    CHECK(text.find("  \u2713 error_rate < 0.01 (actual 0.001)") != std::string::npos);
    CHECK(text.find("generator limited: 300 of 1000 requests were sent late") != std::string::npos);
    CHECK(st::run::describe(judged_run({"error_rate < 0.01"}, false)).find("COMPLETED, PASSED: ") == 0);
  }

  TEST_CASE("the engine names the cause of its timeouts and drops and a run with no success says why") {
    using st::outcome;
    st::run::run_result r;
    auto& a = r.accounting;
    a.intended = 1000;
    a.not_sent_at_stop = 400;
    a.outcomes.record(outcome::timeout, 50);
    a.timed_out_at_stop = 20;  // 30 timed out by the request timeout, 20 at the end of the drain
    a.outcomes.record(outcome::dropped, 500);
    a.dropped_at_limit = 500;
    a.outcomes.record(outcome::connect_error, 50);
    r.failure_causes["connect_error"] = "Connection refused";  // what the target saw
    st::run::add_engine_failure_causes(r, std::chrono::milliseconds(2500), 64);
    CHECK(r.failure_causes.at("timeout") == "no response within the request timeout (2.5 s)");
    CHECK(r.failure_causes.at("dropped") == "64 requests in flight (the per-worker bound) when they were due: not sent");
    CHECK(a.balanced());
    CHECK(st::run::nothing_succeeded_reason(r) ==
          "no request succeeded: 50 timeout (first: no response within the request timeout (2.5 s)); 50 connect_error "
          "(first: Connection refused); 500 dropped (first: 64 requests in flight (the per-worker bound) when they were "
          "due: not sent)");
    // Only timeouts at the end of the drain: that is their cause.
    st::run::run_result stopped;
    stopped.accounting.intended = 10;
    stopped.accounting.outcomes.record(outcome::timeout, 10);
    stopped.accounting.timed_out_at_stop = 10;
    st::run::add_engine_failure_causes(stopped, std::chrono::seconds(30), 64);
    CHECK(stopped.failure_causes.at("timeout") == "still in flight when the run's drain grace ended");
    st::run::run_result empty;
    CHECK(st::run::nothing_succeeded_reason(empty) == "no request was sent: the load profile asked for none");
  }
}

namespace {
stress_testing::target::service_stats reading(std::uint64_t slots, double busy, double slot_seconds, bool scales = true) {
  stress_testing::target::service_stats s;
  s.capacity = slots;
  s.busy_slot_seconds = busy;
  s.slot_seconds = slot_seconds;
  if (scales) s.autoscaling = stress_testing::target::autoscaling_stats{0.8, 1, 4, 0, std::nullopt};
  return s;
}
}  // namespace

TEST_SUITE("run") {
  TEST_CASE("the scaling timeline times each scale-out from the reading that crossed the threshold") {
    using stress_testing::run::scaling_event_kind;
    stress_testing::run::scaling_tracker t;
    // One reading a second: utilization 0.9 from 1 s; a third slot seen at 4 s (3 s after the
    // crossing), a new crossing there, the fourth (the most) at 6 s (2 s); idle, one goes at 8 s.
    t.add(0, reading(2, 0, 0));
    t.add(1, reading(2, 1.8, 2));
    t.add(2, reading(2, 3.8, 4));
    t.add(3, reading(2, 5.8, 6));
    t.add(4, reading(3, 8.5, 8.8));
    t.add(5, reading(3, 11.2, 11.8));
    t.add(6, reading(4, 14.8, 15.8));
    t.add(7, reading(4, 15.2, 19.8));
    t.add(8, reading(3, 15.4, 23.3));
    auto const r = t.finish();
    REQUIRE(r);
    CHECK(r->threshold == 0.8);
    CHECK(r->max_slots == 4u);
    REQUIRE(r->samples.size() == 9);
    CHECK_FALSE(r->samples[0].utilization);
    CHECK(r->samples[1].utilization.value_or(-1) == doctest::Approx(0.9));
    CHECK(r->samples[4].utilization.value_or(-1) == doctest::Approx(2.7 / 2.8));
    REQUIRE(r->events.size() == 5);
    CHECK(r->events[0].kind == scaling_event_kind::crossed);
    CHECK(r->events[0].at_seconds == 1);
    CHECK(r->events[1].kind == scaling_event_kind::scaled_out);
    CHECK(r->events[1].at_seconds == 4);
    CHECK(r->events[1].slots_from == 2);
    CHECK(r->events[1].slots_to == 3);
    CHECK(r->events[1].time_to_scale_seconds == 3.0);
    CHECK(r->events[2].kind == scaling_event_kind::crossed);
    CHECK(r->events[2].at_seconds == 4);
    CHECK(r->events[3].kind == scaling_event_kind::scaled_out);
    CHECK(r->events[3].time_to_scale_seconds == 2.0);
    CHECK(r->events[4].kind == scaling_event_kind::scaled_in);
    CHECK(r->events[4].at_seconds == 8);
    CHECK(r->events[4].slots_to == 3);
    // At the most slots a crossing asks for nothing: none opened at 6 s.
    CHECK(r->time_to_scale_seconds == 3.0);  // the slowest
    CHECK_FALSE(r->unanswered_crossing_at);
  }

  TEST_CASE("a crossing capacity never followed gives a lower bound and a target that does not scale no timeline") {
    stress_testing::run::scaling_tracker t;
    t.add(0, reading(2, 0, 0));
    t.add(1, reading(2, 1.8, 2));
    t.add(2, reading(2, 3.8, 4));
    t.add(5, reading(2, 9.8, 10));
    auto const r = t.finish();
    REQUIRE(r);
    CHECK(r->unanswered_crossing_at == 1.0);
    CHECK(r->time_to_scale_seconds == 4.0);  // at least 4 s: still waiting at the last reading

    stress_testing::run::scaling_tracker fixed;
    fixed.add(0, reading(2, 0, 0, false));
    fixed.add(1, reading(2, 2, 2, false));
    CHECK_FALSE(fixed.finish());
  }
}
