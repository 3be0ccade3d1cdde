#include <stress_testing/report/junit.hpp>

#include "results_fixture.hpp"

#include <doctest/doctest.h>

#include <string>

namespace rp = stress_testing::report;
namespace fx = report_fixture;

namespace {

nlohmann::json four_criteria() {
  return nlohmann::json::array({fx::criterion("p99_response_time_ms < 250", 12.5, "pass"),
                                fx::criterion("throughput_tps > 1", 2.5, "pass"),
                                fx::criterion("error_rate < 0.01", 0.1875, "fail", "errors \"low\" & rare"),
                                fx::criterion("unhealthy_agents == 0", nullptr, "no_data")});
}

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("junit counts 2 passed 1 failed and 1 no_data criterion plus accounting and status") {
    auto const suite = rp::junit_suite_of(fx::document(four_criteria()));
    CHECK(suite.name == "peak_load");
    CHECK(suite.tests() == 6);
    CHECK(suite.failures() == 1);
    CHECK(suite.skipped() == 1);
    CHECK(suite.timestamp == "2026-11-27T06:54:41");
    REQUIRE(suite.cases.size() == 6);
    CHECK(suite.cases[0].name == "p99_response_time_ms < 250");
    CHECK(suite.cases[0].classname == "peak_load");
    CHECK(suite.cases[2].message == "error_rate = 0.1875, expected < 0.01");
    CHECK(suite.cases[4].name == "all requests accounted");
    CHECK(suite.cases[4].result == rp::junit_case::kind::passed);
    CHECK(suite.cases[5].name == "run status");
    CHECK(suite.cases[5].time_seconds == 5.5);

    auto const xml = rp::to_junit(fx::document(four_criteria()));
    CHECK(contains(xml, "<testsuites name=\"stress_testing\" tests=\"6\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"5.500\">"));
    CHECK(contains(xml, "<testsuite name=\"peak_load\" id=\"0\" tests=\"6\" failures=\"1\" errors=\"0\" skipped=\"1\" "
                        "time=\"5.500\" timestamp=\"2026-11-27T06:54:41\">"));
    CHECK(contains(xml, "<testcase name=\"p99_response_time_ms &lt; 250\" classname=\"peak_load\" time=\"0.000\"/>"));
    CHECK(contains(xml, "<failure message=\"error_rate = 0.1875, expected &lt; 0.01\" type=\"criterion\">"
                        "errors &quot;low&quot; &amp; rare: error_rate = 0.1875, expected &lt; 0.01</failure>"));
    CHECK(contains(xml, "<testcase name=\"unhealthy_agents == 0\" classname=\"peak_load\" time=\"0.000\">\n"
                        "      <skipped message="));
    CHECK(contains(xml, "<property name=\"seed\" value=\"42\"/>"));
  }

  TEST_CASE("junit skips an inconclusive criterion and run with the generator's reason") {
    auto doc = fx::document(nlohmann::json::array({fx::criterion("p99_response_time_ms < 250", 31.5, "inconclusive"),
                                                   fx::criterion("error_rate < 0.01", 0.0, "pass")}));
    doc["verdict"] = "inconclusive";
    doc["status_reason"] = "completed; inconclusive: the load generator could not keep up";
    doc["generator"] = {{"limited", true}, {"reason", "40 of 100 requests were sent late"}};
    auto const suite = rp::junit_suite_of(doc);
    CHECK(suite.tests() == 4);
    CHECK(suite.failures() == 0);
    CHECK(suite.skipped() == 2);
    CHECK(suite.cases[0].result == rp::junit_case::kind::skipped);
    CHECK(suite.cases[0].message ==
          "inconclusive: the load generator could not keep up, so this latency (actual 31.5) describes the generator "
          "as much as the target (40 of 100 requests were sent late)");
    CHECK(suite.cases[1].result == rp::junit_case::kind::passed);
    CHECK(suite.cases[3].name == "run status");
    CHECK(suite.cases[3].result == rp::junit_case::kind::skipped);
    CHECK(suite.cases[3].message == "run INCONCLUSIVE: completed; inconclusive: the load generator could not keep up");
    auto const xml = rp::to_junit(doc);
    CHECK(contains(xml, "<skipped message=\"inconclusive: the load generator"));
  }

  TEST_CASE("junit marks a failed run and an unbalanced accounting as failures") {
    auto doc = fx::document(four_criteria(), nlohmann::json::object(), "FAILED");
    doc["accounting"]["balanced"] = false;
    doc["accounting"]["intended"] = 17;
    auto const suite = rp::junit_suite_of(doc);
    CHECK(suite.failures() == 3);
    CHECK(suite.cases[4].message == "intended 17 != sum of outcomes 16");
    CHECK(suite.cases[5].message == "run FAILED: criterion error_rate < 0.01 failed at 1.0 s");
    auto const cancelled = rp::junit_suite_of(fx::document(four_criteria(), nlohmann::json::object(), "CANCELLED"));
    CHECK(cancelled.failures() == 1);
    CHECK(cancelled.skipped() == 2);
  }

  TEST_CASE("junit escapes xml special and control characters") {
    CHECK(rp::detail::xml_escape("a<b>&\"c'\n\x01") == "a&lt;b&gt;&amp;&quot;c&apos;&#10;?");
    CHECK(rp::detail::xml_escape("r\xC3\xA9sum\xC3\xA9") == "r\xC3\xA9sum\xC3\xA9");  // UTF-8 kept
  }

  TEST_CASE("junit of a bad document names the field") {
    auto doc = fx::document(four_criteria());
    doc["criteria"][1].erase("verdict");
    CHECK_THROWS_WITH_AS(rp::junit_suite_of(doc), "missing field criteria[1].verdict", std::invalid_argument);
    doc = fx::document(four_criteria());
    doc.erase("accounting");
    CHECK_THROWS_WITH_AS(rp::junit_suite_of(doc), "missing field accounting", std::invalid_argument);
  }

  TEST_CASE("junit of a comparison fails exactly the regressions") {
    auto const base = fx::document(four_criteria(), {{"p99_response_time_ms", 100.0}, {"error_rate", 0.0}});
    auto const now = fx::document(four_criteria(), {{"p99_response_time_ms", 150.0}, {"error_rate", 0.0}});
    auto const suite = rp::junit_suite_of(rp::compare_results(base, now));
    CHECK(suite.failures() == 1);
    auto const xml = rp::to_junit(rp::compare_results(base, now));
    CHECK(contains(xml, "<failure message=\"p99_response_time_ms 100 -&gt; 150, threshold +10% and +1\" type=\"regression\">"));
  }
}
