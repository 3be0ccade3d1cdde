#include <stress_testing/target/http/server_timing.hpp>

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using stress_testing::target::http::parse_server_timing;

namespace {
std::vector<std::pair<std::string, double>> parse(std::string_view v) {
  std::vector<std::pair<std::string, double>> out;
  auto n = parse_server_timing(v, [&](std::string_view name, double ms) { out.emplace_back(std::string(name), ms); });
  CHECK(n == out.size());
  return out;
}
}  // namespace

TEST_SUITE("target.http.server_timing") {
  TEST_CASE("metrics with a dur parameter are reported in order") {
    auto const got = parse("db;dur=53.2, cache;desc=\"Cache; Read, fast\";dur=23.2, miss, total;dur=80");
    REQUIRE(got.size() == 3);
    CHECK(got[0] == std::pair<std::string, double>{"db", 53.2});
    CHECK(got[1] == std::pair<std::string, double>{"cache", 23.2});
    CHECK(got[2] == std::pair<std::string, double>{"total", 80});
  }

  TEST_CASE("whitespace and parameter case are tolerated") {
    auto const got = parse("  rules ; DUR = 1.5 ,ml;dur=0");
    REQUIRE(got.size() == 2);
    CHECK(got[0] == std::pair<std::string, double>{"rules", 1.5});
    CHECK(got[1] == std::pair<std::string, double>{"ml", 0});
  }

  TEST_CASE("malformed entries are skipped without losing the others") {
    auto const got = parse("a;dur=abc, b;dur=-1, ;dur=3, c junk;dur=4, d;dur=2.5, e;dur=\"7\"");
    REQUIRE(got.size() == 2);
    CHECK(got[0] == std::pair<std::string, double>{"d", 2.5});
    CHECK(got[1] == std::pair<std::string, double>{"e", 7});
    CHECK(parse("").empty());
    CHECK(parse(",,,").empty());
    CHECK(parse("x;desc=\"unterminated").empty());
  }
}
