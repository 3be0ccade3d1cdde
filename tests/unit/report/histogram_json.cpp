#include <stress_testing/report/histogram_json.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace st = stress_testing;

namespace {

st::metrics::snapshot sample() {
  st::metrics::snapshot s;
  s.response_time.record_value(2'000'003);  // 2 ms and a bit: not a slot boundary
  s.response_time.record_value(4'000'001);
  s.response_time.record_value(-1);         // out of range
  s.service_time.record_value(1'500'000);
  return s;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("histograms are written as HdrHistogram V2 and read back exactly") {
    auto const s = sample();
    auto const j = nlohmann::json{{"histograms", st::report::histograms_json(s)}};
    auto const& hs = j["histograms"];
    CHECK(hs["encoding"] == "HdrHistogram V2 compressed, base64");
    CHECK(hs["response_time"].get<std::string>().rfind("HISTF", 0) == 0);
    CHECK(hs["exact"]["response_time"]["min"] == 2'000'003);
    CHECK(hs["exact"]["response_time"]["max"] == 4'000'001);
    CHECK(hs["exact"]["response_time"]["out_of_range"] == 1);
    // Exact: the counts from the V2 text, the rest from `exact`.
    CHECK(st::report::read_histogram(j, "response_time") == s.response_time);
    CHECK(st::report::read_histogram(j, "service_time") == s.service_time);
    CHECK(st::report::read_histogram(j, "send_lag") == s.send_lag);
    // Without `exact` (a histogram written by another HdrHistogram tool): HdrHistogram's extremes.
    auto bare = j;
    bare["histograms"].erase("exact");
    auto const h = st::report::read_histogram(bare, "response_time");
    CHECK(h.total_count() == 2);
    CHECK(h.max() == h.highest_equivalent_value(4'000'001));
    CHECK(h.out_of_range_count() == 0);
  }

  TEST_CASE("histograms of schema version 2 documents still read") {
    auto const s = sample();
    nlohmann::json const j{{"histograms", {{"unit", "ns"}, {"response_time", s.response_time.to_base64()}}}};
    CHECK(j["histograms"]["response_time"].get<std::string>().rfind("U1RIRw", 0) == 0);
    CHECK(st::report::read_histogram(j, "response_time") == s.response_time);
  }

  TEST_CASE("reading histograms names the bad field") {
    auto j = nlohmann::json{{"histograms", st::report::histograms_json(sample())}};
    CHECK_THROWS_WITH_AS(st::report::read_histogram(nlohmann::json::object(), "response_time"),
                         "missing field histograms", std::invalid_argument);
    CHECK_THROWS_WITH_AS(st::report::read_histogram(j, "latency"), "missing field histograms.latency",
                         std::invalid_argument);
    auto bad = j;
    bad["histograms"]["response_time"] = 5;
    CHECK_THROWS_WITH_AS(st::report::read_histogram(bad, "response_time"),
                         "histograms.response_time: expected base64 text", std::invalid_argument);
    bad = j;
    bad["histograms"]["response_time"] = "HISTFAAA";
    CHECK_THROWS_AS(st::report::read_histogram(bad, "response_time"), std::invalid_argument);
    bad = j;
    bad["histograms"]["exact"]["response_time"]["max"] = 9'000'000;
    CHECK_THROWS_WITH_AS(st::report::read_histogram(bad, "response_time"),
                         "histograms.exact.response_time: min/max disagree with the counts of histograms.response_time",
                         std::invalid_argument);
    bad = j;
    bad["histograms"]["exact"]["response_time"]["min"] = "x";
    CHECK_THROWS_WITH_AS(st::report::read_histogram(bad, "response_time"),
                         "histograms.exact.response_time.min: expected an integer", std::invalid_argument);
  }
}
