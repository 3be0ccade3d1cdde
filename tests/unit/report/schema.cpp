#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/report/compare.hpp>
#include <stress_testing/report/junit.hpp>
#include <stress_testing/report/merge.hpp>
#include <stress_testing/report/prometheus.hpp>
#include <stress_testing/report/schema.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

namespace rp = stress_testing::report;

TEST_SUITE("report") {
  // Found by the fuzz pass (tests/fuzz, results_reader): a `schema` that is not a string threw
  // the JSON library's type_error from every reader instead of their documented invalid_argument.
  TEST_CASE("every reader of results.json refuses a schema that is not the results schema by name") {
    for (auto const& doc : {nlohmann::json{{"schema", true}}, nlohmann::json{{"schema", 3}}, nlohmann::json::array(),
                            nlohmann::json{{"schema", "something.else"}}, nlohmann::json{{"other", 1}}}) {
      CAPTURE(doc.dump());
      CHECK_FALSE(rp::is_results_document(doc));
      CHECK_THROWS_WITH_AS(rp::to_prometheus(doc), doctest::Contains("not a results document"), std::invalid_argument);
      CHECK_THROWS_WITH_AS(rp::junit_suite_of(doc), doctest::Contains("not a results document"), std::invalid_argument);
      CHECK_THROWS_WITH_AS(rp::compare_results(doc, doc), doctest::Contains("base: not a results document"),
                           std::invalid_argument);
      CHECK_THROWS_WITH_AS(rp::merge_results(std::vector<nlohmann::json>{doc}),
                           doctest::Contains("not a stress_testing results document"), std::invalid_argument);
    }
    CHECK(rp::is_results_document(nlohmann::json{{"schema", rp::results_schema}}));
  }

  TEST_CASE("a merge refuses a shard's competitors of the wrong shape by the field") {
    nlohmann::json doc{{"schema", rp::results_schema},
                       {"shard", {{"index", 0}, {"count", 1}}},
                       {"scenario", stress_testing::scenario_builder::create_peak_load_scenario()},
                       {"presentation", {{"competitive_benchmarks", {{"competitors", {{{"name", "x"}, {"figures", {{"tps", "fast"}}}}}}}}}}};
    CHECK_THROWS_WITH_AS(rp::merge_results(std::vector<nlohmann::json>{doc}),
                         doctest::Contains("merge: results 1: presentation.competitive_benchmarks.competitors[0].figures.tps"),
                         std::invalid_argument);
  }
}
