#include <stress_testing/report/compare.hpp>

#include "results_fixture.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rp = stress_testing::report;
namespace fx = report_fixture;

namespace {

nlohmann::json base_metrics() {
  return {{"p50_response_time_ms", 10.0}, {"p95_response_time_ms", 40.0}, {"p99_response_time_ms", 100.0},
          {"error_rate", 0.01},           {"timeout_rate", 0.0},          {"throughput_tps", 1000.0},
          {"p99_service_time_ms", 90.0},  {"p99_send_lag_ms", 0.3},       {"max_degradation_level", 1.0},
          {"max_recovery_seconds", nullptr}};
}

std::vector<std::string> regressed(const rp::comparison& c) {
  std::vector<std::string> out;
  for (auto const& m : c.metrics)
    if (m.regression) out.push_back(m.rule.metric);
  return out;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("compare of a document with itself finds no regression") {
    auto const doc = fx::document(nlohmann::json::array({fx::criterion("error_rate < 0.05", 0.01, "pass")}), base_metrics());
    auto const c = rp::compare_results(doc, doc);
    CHECK_FALSE(c.regression());
    CHECK(regressed(c).empty());
    CHECK(c.metrics.size() == rp::default_compare_rules().size());
    CHECK(rp::format_comparison(c).ends_with("no regression\n"));
  }

  TEST_CASE("compare flags exactly the metrics beyond both relative and absolute thresholds") {
    auto const base = fx::document(nlohmann::json::array(), base_metrics());
    auto m = base_metrics();
    m["p50_response_time_ms"] = 10.9;   // +9%: within 10%
    m["p95_response_time_ms"] = 40.9;   // +2.25% and +0.9 ms: within
    m["p99_response_time_ms"] = 111.0;  // +11% and +11 ms: regression
    m["error_rate"] = 0.0105;           // +5%: within
    m["timeout_rate"] = 0.0005;         // from 0: +0.0005 is under the 0.001 floor
    m["throughput_tps"] = 940.0;        // -6% (higher is better): regression
    m["p99_service_time_ms"] = 80.0;    // better
    m["p99_send_lag_ms"] = 0.9;         // +200% but +0.6 ms: under the 1 ms floor
    m["max_degradation_level"] = 2.0;   // one level worse: regression
    m["max_recovery_seconds"] = 3.0;    // base has no value: n/a
    auto const c = rp::compare_results(base, fx::document(nlohmann::json::array(), m));
    CHECK(regressed(c) == std::vector<std::string>{"p99_response_time_ms", "throughput_tps", "max_degradation_level"});
    CHECK(c.regression());
    auto const& p99 = c.metrics[2];
    CHECK(*p99.change() == doctest::Approx(11.0));
    CHECK(*p99.change_percent() == doctest::Approx(11.0));
    CHECK_FALSE(c.metrics[9].change());
    auto const table = rp::format_comparison(c);
    CHECK(table.find("REGRESSION") != std::string::npos);
    CHECK(table.find("n/a") != std::string::npos);
    CHECK(table.ends_with("\nregression\n"));
  }

  TEST_CASE("compare reports a criterion going from pass to fail and a worse status") {
    auto const base = fx::document(nlohmann::json::array({fx::criterion("error_rate < 0.05", 0.01, "pass"),
                                                           fx::criterion("p99_response_time_ms < 5", 9, "fail"),
                                                           fx::criterion("unhealthy_agents == 0", nullptr, "no_data")}),
                                   base_metrics());
    auto const now = fx::document(nlohmann::json::array({fx::criterion("error_rate < 0.05", 0.2, "fail"),
                                                          fx::criterion("p99_response_time_ms < 5", 9, "fail"),
                                                          fx::criterion("unhealthy_agents == 0", 1, "fail")}),
                                  base_metrics(), "FAILED");
    auto const c = rp::compare_results(base, now);
    REQUIRE(c.criteria.size() == 3);
    CHECK(c.criteria[0].regression);        // pass -> fail
    CHECK_FALSE(c.criteria[1].regression);  // fail -> fail: not new
    CHECK(c.criteria[2].regression);        // no_data -> fail
    CHECK(c.status_regression);
    CHECK(regressed(c).empty());
    CHECK(c.regression());
  }

  TEST_CASE("compare threshold overrides replace the whole threshold") {
    auto rules = rp::default_compare_rules();
    std::string error;
    REQUIRE(rp::apply_threshold_override(rules, "p99_response_time_ms=+5", error));
    CHECK(rules[2].threshold == rp::compare_threshold{0, 5});
    REQUIRE(rp::apply_threshold_override(rules, "throughput_tps=-20%", error));
    CHECK(rules[5].threshold == rp::compare_threshold{0.2, 0});
    REQUIRE(rp::apply_threshold_override(rules, "p999_response_time_ms=+10%,+2", error));
    CHECK(rules.back().metric == "p999_response_time_ms");
    CHECK(rules.back().threshold == rp::compare_threshold{0.1, 2});
    CHECK(rp::to_string(rules.back()) == "+10% and +2");
    CHECK_FALSE(rp::apply_threshold_override(rules, "no_such_metric=+1", error));
    CHECK(error.find("not a metric name") != std::string::npos);
    CHECK_FALSE(rp::apply_threshold_override(rules, "error_rate=lots", error));
    CHECK_FALSE(rp::apply_threshold_override(rules, "error_rate", error));
    // p99 +6 ms on 100 ms (6%) is now a regression: only the 5 ms absolute threshold applies.
    auto const base = fx::document(nlohmann::json::array(), base_metrics());
    auto m = base_metrics();
    m["p99_response_time_ms"] = 106.0;
    CHECK(regressed(rp::compare_results(base, fx::document(nlohmann::json::array(), m), rules)) ==
          std::vector<std::string>{"p99_response_time_ms"});
  }

  TEST_CASE("compare of a bad document names the document and the field") {
    auto const good = fx::document(nlohmann::json::array(), base_metrics());
    auto bad = good;
    bad["metrics"]["error_rate"] = "high";
    CHECK_THROWS_WITH_AS(rp::compare_results(good, bad), "new: field \"metrics.error_rate\" is not a number",
                         std::invalid_argument);
    bad = good;
    bad.erase("metrics");
    CHECK_THROWS_WITH_AS(rp::compare_results(bad, good), "base: field \"metrics\" missing or not an object",
                         std::invalid_argument);
  }
}
