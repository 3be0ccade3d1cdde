#include <stress_testing/criteria.hpp>

#include <doctest/doctest.h>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace stress_testing;

namespace {
// A fixed set of metric values standing in for a snapshot.
struct fixed_metrics {
  std::map<std::string, double, std::less<>> values;
  std::optional<double> operator()(std::string_view name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};
}  // namespace

TEST_SUITE("criteria") {
  TEST_CASE("a criterion parses into metric operator and threshold") {
    auto c = parse_criterion("p95_response_time_ms < 2000");
    CHECK(c.metric == "p95_response_time_ms");
    CHECK(c.op == comparison::less);
    CHECK(c.threshold == 2000.0);
    CHECK(parse_criterion("throughput_tps>=4900").op == comparison::greater_equal);
    CHECK(parse_criterion("  error_rate <= 1e-3 ").threshold == doctest::Approx(0.001));
    CHECK(parse_criterion("requests_lost == 0", metric_check::any).op == comparison::equal);
    CHECK(parse_criterion("x != +5", metric_check::any).threshold == 5.0);
    CHECK(parse_criterion("p99_response_time_ms > 0.5").op == comparison::greater);
  }

  TEST_CASE("printing a criterion and parsing it back gives the same criterion") {
    for (auto text : {"p95_response_time_ms < 2000", "error_rate < 0.001", "throughput_tps >= 4900",
                      "timeout_rate <= 0.1234567890123", "requests_lost == 0", "a != -3.5"}) {
      auto c = parse_criterion(text, metric_check::any);
      CHECK(parse_criterion(to_string(c), metric_check::any) == c);
      CHECK(to_string(c) == text);
    }
  }

  TEST_CASE("a criterion scoped to one workload of a mix is written '@ name' and reads back") {
    auto c = parse_criterion("p99_response_time_ms < 200 @ scoring");
    CHECK(c.metric == "p99_response_time_ms");
    CHECK(c.threshold == 200.0);
    CHECK(c.workload == "scoring");
    CHECK(to_string(c) == "p99_response_time_ms < 200 @ scoring");
    CHECK(parse_criterion(to_string(c)) == c);
    CHECK(parse_criterion("error_rate<0.01@web-2.a").workload == "web-2.a");
    CHECK(parse_criterion("error_rate < 0.01").workload.empty());
    std::string error;
    CHECK_FALSE(parse_criterion("error_rate < 0.01 @", error));
    CHECK(error.find("expected a workload name") != std::string::npos);
    CHECK_FALSE(parse_criterion("error_rate < 0.01 @ two words", error));
    CHECK_FALSE(parse_criterion("error_rate < 0.01 over any 10s @ scoring", error));
    CHECK(error.find("judged on that workload's whole run") != std::string::npos);
    CHECK(valid_workload_name("scoring"));
    CHECK_FALSE(valid_workload_name(""));
    CHECK_FALSE(valid_workload_name(std::string(65, 'a')));
  }

  TEST_CASE("malformed criteria are rejected with a reason") {
    std::string error;
    CHECK_FALSE(parse_criterion("", error));
    CHECK(error.find("metric name") != std::string::npos);
    CHECK_FALSE(parse_criterion("P95 < 3", error));
    CHECK_FALSE(parse_criterion("p95 3", error));
    CHECK(error.find("expected one of") != std::string::npos);
    CHECK_FALSE(parse_criterion("p95 < ", error));
    CHECK(error.find("expected a number") != std::string::npos);
    CHECK_FALSE(parse_criterion("p95 < 2000ms", error));
    CHECK(error.find("unexpected text") != std::string::npos);
    CHECK_FALSE(parse_criterion("p95 < nan", error));
    CHECK_FALSE(parse_criterion("p95 < inf", error));
    CHECK_FALSE(parse_criterion("p95 < 1e999", error));
    // A name no run measures is refused at once, with the closest one.
    CHECK_FALSE(parse_criterion("p99_latency < 5", error));
    CHECK(error == "unknown metric \"p99_latency\"; did you mean \"p99_response_time_ms\"? (docs/criteria.md lists every metric)");
    CHECK_FALSE(parse_criterion("p95_response_time < 2000", error));
    CHECK(error.find("did you mean \"p95_response_time_ms\"") != std::string::npos);
    CHECK_FALSE(parse_criterion("failures_unrecovered == 0 over any 10s", error));
    CHECK(error.find("whole-run metric") != std::string::npos);
    CHECK_THROWS_AS(parse_criterion("p95 <"), std::invalid_argument);
  }

  TEST_CASE("evaluation reports the actual value and the verdict") {
    fixed_metrics m{{{"p95_response_time_ms", 1500.0}, {"error_rate", 0.002}, {"throughput_tps", 4900.0}}};
    auto r1 = evaluate(parse_criterion("p95_response_time_ms < 2000"), m);
    CHECK(r1.verdict == verdict::pass);
    REQUIRE(r1.actual);
    CHECK(*r1.actual == 1500.0);
    auto r2 = evaluate(parse_criterion("error_rate < 0.001"), m);
    CHECK(r2.verdict == verdict::fail);
    CHECK(*r2.actual == 0.002);
    // The boundary: >= includes equality and > does not.
    CHECK(evaluate(parse_criterion("throughput_tps >= 4900"), m).passed());
    CHECK(evaluate(parse_criterion("throughput_tps > 4900"), m).failed());
    auto r3 = evaluate(parse_criterion("min_agent_health_score >= 0.8", metric_check::any), m);
    CHECK(r3.verdict == verdict::no_data);
    CHECK_FALSE(r3.actual);
  }

  TEST_CASE("a run passes when no criterion fails and no_data does not fail it") {
    fixed_metrics m{{{"error_rate", 0.0}}};
    std::vector<criterion> cs{parse_criterion("error_rate < 0.001"), parse_criterion("unknown_metric < 1", metric_check::any)};
    auto rs = evaluate(cs, m);
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].passed());
    CHECK(rs[1].verdict == verdict::no_data);
    CHECK(all_passed(rs));
    cs.push_back(parse_criterion("error_rate > 0.5"));
    CHECK_FALSE(all_passed(evaluate(cs, m)));
  }

  TEST_CASE("a NaN metric value never satisfies a criterion") {
    fixed_metrics m{{{"error_rate", std::numeric_limits<double>::quiet_NaN()}}};
    CHECK(evaluate(parse_criterion("error_rate < 1"), m).failed());
    CHECK(evaluate(parse_criterion("error_rate != 1"), m).failed());
  }
}

TEST_SUITE("criteria") {
  TEST_CASE("a criterion may be scoped to sliding windows or to recovery after each failure") {
    auto w = parse_criterion("p99_response_time_ms < 500 over any 10s");
    CHECK(w.metric == "p99_response_time_ms");
    CHECK(w.threshold == 500);
    CHECK(w.scope == criterion_scope::any_window);
    CHECK(w.span_seconds == 10);
    CHECK(to_string(w) == "p99_response_time_ms < 500 over any 10s");
    CHECK(parse_criterion(to_string(w)) == w);

    auto r = parse_criterion("error_rate<0.01 within 30s after each failure");
    CHECK(r.scope == criterion_scope::after_each_failure);
    CHECK(r.span_seconds == 30);
    CHECK(to_string(r) == "error_rate < 0.01 within 30s after each failure");
    CHECK(parse_criterion(to_string(r)) == r);

    CHECK(parse_criterion("error_rate < 0.01 over any 500ms").span_seconds == doctest::Approx(0.5));
    CHECK(parse_criterion("error_rate < 0.01 over any 2 m").span_seconds == 120);
    CHECK(parse_criterion("error_rate < 0.01").scope == criterion_scope::run);

    std::string error;
    CHECK_FALSE(parse_criterion("error_rate < 0.01 over 10s", error));
    CHECK(error.find("over any") != std::string::npos);
    CHECK_FALSE(parse_criterion("error_rate < 0.01 over any 10", error));
    CHECK(error.find("unit") != std::string::npos);
    CHECK_FALSE(parse_criterion("error_rate < 0.01 over any -3s", error));
    CHECK(error.find("positive duration") != std::string::npos);
    CHECK_FALSE(parse_criterion("error_rate < 0.01 within 30s", error));
    CHECK(error.find("after each failure") != std::string::npos);
    CHECK_FALSE(parse_criterion("error_rate < 0.01 overall", error));
    CHECK(error.find("unexpected text") != std::string::npos);
  }

  TEST_CASE("a scoped criterion has no value from a plain lookup; judge() decides it") {
    auto w = parse_criterion("p99_response_time_ms < 500 over any 10s");
    auto lookup = [](std::string_view) -> std::optional<double> { return 1.0; };
    CHECK(evaluate(w, lookup).verdict == verdict::no_data);
    CHECK(judge(w, 499.0).verdict == verdict::pass);
    CHECK(judge(w, 501.0).verdict == verdict::fail);
    // Recovery: the actual value is seconds until the condition held again.
    auto r = parse_criterion("error_rate < 0.01 within 30s after each failure");
    CHECK(judge(r, 30.0).verdict == verdict::pass);
    CHECK(judge(r, 31.0).verdict == verdict::fail);
    CHECK(judge(r, std::numeric_limits<double>::infinity()).verdict == verdict::fail);
    CHECK(judge(r, std::nullopt).verdict == verdict::no_data);
  }
}

TEST_SUITE("criteria") {
  TEST_CASE("latency criteria are those on response and service time and p95 drift") {
    for (auto text : {"p99_response_time_ms < 5", "avg_response_time_ms < 5", "max_response_time_ms < 5",
                      "min_response_time_ms < 5", "p999_response_time_ms < 5", "p99_service_time_ms < 5",
                      "p95_drift_ratio < 1.5", "p50_response_time_ms < 5 over any 10s"})
      CHECK_MESSAGE(judges_latency(parse_criterion(text)), text);
    for (auto text : {"error_rate < 0.01", "p99_send_lag_ms < 1", "queue_latency_ms < 1", "throughput_tps > 5",
                      "max_recovery_seconds <= 60", "requests_lost == 0"})
      CHECK_FALSE_MESSAGE(judges_latency(parse_criterion(text)), text);
    CHECK_FALSE(judges_latency(parse_criterion("my_latency < 5", metric_check::any)));  // not a known metric
  }

  TEST_CASE("mark_latency_inconclusive turns judged latency verdicts inconclusive and keeps the rest") {
    std::vector<criterion_result> rs{judge(parse_criterion("p99_response_time_ms < 5"), 3.0),
                                     judge(parse_criterion("p99_response_time_ms < 5"), 7.0),
                                     judge(parse_criterion("p99_response_time_ms < 5"), std::nullopt),
                                     judge(parse_criterion("error_rate < 0.01"), 0.5)};
    mark_latency_inconclusive(rs);
    CHECK(rs[0].verdict == verdict::inconclusive);
    CHECK(*rs[0].actual == 3.0);
    CHECK(rs[1].verdict == verdict::inconclusive);
    CHECK(rs[2].verdict == verdict::no_data);
    CHECK(rs[3].verdict == verdict::fail);
    CHECK_FALSE(rs[0].passed());
    CHECK_FALSE(rs[0].failed());
    CHECK(rs[0].inconclusive());
  }

  TEST_CASE("overall_verdict: a failure wins then inconclusive then pass") {
    auto const pass = judge(parse_criterion("error_rate < 0.01"), 0.0);
    auto const fail = judge(parse_criterion("error_rate < 0.01"), 0.5);
    auto const none = judge(parse_criterion("error_rate < 0.01"), std::nullopt);
    auto inconclusive = pass;
    inconclusive.verdict = verdict::inconclusive;
    CHECK(overall_verdict({}) == verdict::pass);
    CHECK(overall_verdict({pass, none}) == verdict::pass);
    CHECK(overall_verdict({pass, inconclusive, none}) == verdict::inconclusive);
    CHECK(overall_verdict({inconclusive, fail}) == verdict::fail);
    CHECK(all_passed({pass, inconclusive}));  // nothing failed
  }

  TEST_CASE("verdicts print and parse back") {
    for (auto v : {verdict::pass, verdict::fail, verdict::no_data, verdict::inconclusive})
      CHECK(parse_verdict(to_string(v)) == v);
    CHECK(to_string(verdict::inconclusive) == "inconclusive");
    CHECK_FALSE(parse_verdict("passed"));
  }
}
