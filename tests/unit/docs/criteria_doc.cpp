// docs/criteria.md is the user's reference for criteria; it must name every metric and every
// seed key the code accepts, or users are told less than the code does.
#include <stress_testing/config/seed_criteria.hpp>
#include <stress_testing/metrics/metric_names.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#ifndef STRESS_TESTING_SOURCE_DIR
#error "the build defines STRESS_TESTING_SOURCE_DIR for tests that read the docs"
#endif

TEST_SUITE("docs") {
  TEST_CASE("the criteria reference lists every metric and every seed key") {
    std::ifstream in(STRESS_TESTING_SOURCE_DIR "/docs/criteria.md");
    REQUIRE(in);
    std::string const text{std::istreambuf_iterator<char>(in), {}};
    for (auto const& row : stress_testing::metrics::metric_table)
      CHECK_MESSAGE(text.find("`" + std::string(row.name) + "`") != std::string::npos, row.name);
    for (auto const& c : stress_testing::seed_criteria)
      CHECK_MESSAGE(text.find("`" + std::string(c.key) + "`") != std::string::npos, c.key);
    for (auto const& c : stress_testing::seed_criteria_aliases)
      CHECK_MESSAGE(text.find("`" + std::string(c.key) + "`") != std::string::npos, c.key);
  }

  TEST_CASE("the criteria reference marks exactly the latency metrics") {
    std::ifstream in(STRESS_TESTING_SOURCE_DIR "/docs/criteria.md");
    REQUIRE(in);
    std::string const text{std::istreambuf_iterator<char>(in), {}};
    for (auto const& row : stress_testing::metrics::metric_table) {
      auto const start = text.find("\n| `" + std::string(row.name) + "` |");
      REQUIRE_MESSAGE(start != std::string::npos, row.name);
      auto const line = text.substr(start + 1, text.find('\n', start + 1) - start - 1);
      CHECK_MESSAGE((line.find("*(latency)*") != std::string::npos) == stress_testing::metrics::is_latency_metric(row.id),
                    line);
    }
  }
}
