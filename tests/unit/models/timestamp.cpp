#include <stress_testing/timestamp.hpp>

#include <doctest/doctest.h>

using namespace stress_testing;
using namespace std::chrono;

TEST_SUITE("models") {
  TEST_CASE("a timestamp prints as ISO 8601 UTC with microseconds") {
    timestamp t = timestamp{sys_days{year{2026} / 11 / 27}} + hours{2} + minutes{18} + seconds{25} + microseconds{123456};
    CHECK(format_timestamp(t) == "2026-11-27T02:18:25.123456Z");
    CHECK(format_timestamp(timestamp{}) == "1970-01-01T00:00:00.000000Z");
  }

  TEST_CASE("formatting then parsing a timestamp gives the same instant") {
    auto t = now_timestamp();
    auto back = parse_timestamp(format_timestamp(t));
    REQUIRE(back);
    CHECK(*back == t);
  }

  TEST_CASE("timestamps written by Python isoformat parse") {
    auto a = parse_timestamp("2025-01-02T03:04:05.678901");
    REQUIRE(a);
    CHECK(format_timestamp(*a) == "2025-01-02T03:04:05.678901Z");
    auto b = parse_timestamp("2025-01-02T03:04:05");
    REQUIRE(b);
    CHECK(format_timestamp(*b) == "2025-01-02T03:04:05.000000Z");
    auto c = parse_timestamp("2025-01-02 03:04:05.5+01:00");
    REQUIRE(c);
    CHECK(format_timestamp(*c) == "2025-01-02T02:04:05.500000Z");
  }

  TEST_CASE("malformed timestamps are rejected") {
    for (auto s : {"", "2025", "2025-13-01T00:00:00", "2025-02-30T00:00:00", "2025-01-01T24:00:00",
                   "2025-01-01T00:00:00.", "2025-01-01T00:00:00Zjunk", "2025-01-01T00:00:00.1234567890",
                   "yyyy-01-01T00:00:00", "2025-01-01T00:00:00+1:00"})
      CHECK_MESSAGE(!parse_timestamp(s), s);
  }
}
