#include <stress_testing/metrics/segment_tally.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

using namespace stress_testing;
using metrics::segment_tally;
using namespace std::chrono_literals;

TEST_SUITE("metrics") {
  TEST_CASE("segment_tally buckets tile the response times without gaps at most 3.2% wide") {
    CHECK(segment_tally::bucket_of(-5) == 0);
    CHECK(segment_tally::bucket_of(63) == 63);
    CHECK(segment_tally::bucket_of(64) == 64);
    CHECK(segment_tally::bucket_of(std::int64_t{1} << 50) == segment_tally::bucket_count - 1);
    for (std::size_t b = 0; b + 1 < segment_tally::bucket_count; ++b) {
      CAPTURE(b);
      REQUIRE(segment_tally::bucket_upper(b) == segment_tally::bucket_lower(b + 1));
      REQUIRE(segment_tally::bucket_of(segment_tally::bucket_lower(b)) == b);
      REQUIRE(segment_tally::bucket_of(segment_tally::bucket_upper(b) - 1) == b);
      auto const width = segment_tally::bucket_upper(b) - segment_tally::bucket_lower(b);
      REQUIRE(static_cast<double>(width) <= 0.0325 * static_cast<double>(segment_tally::bucket_lower(b)) + 1.0);
    }
  }

  TEST_CASE("segment_tally places a request by intended time with the injector's arithmetic") {
    segment_tally t({2.0, 1.0, 2.0});  // sorted and deduplicated: cuts 1 s and 2 s
    REQUIRE(t.size() == 3);
    CHECK(t.cuts() == std::vector<double>{1.0, 2.0});
    CHECK(t.segment_of(999'999'999ns) == 0);
    CHECK(t.segment_of(1s) == 1);  // a cut belongs to the segment it starts
    CHECK(t.segment_of(1'999'999'999ns) == 1);
    CHECK(t.segment_of(2s) == 2);
    CHECK(t.segment_starting_at(1.0) == 1);
    CHECK(t.segment_starting_at(2.0) == 2);
    CHECK(t.segment_starting_at(1.5) == t.size());

    t.record(outcome::ok, 500ms, 2ms);
    t.record(outcome::http_error, 1'000'500us, 1ms);
    t.record(outcome::ok, 1'200ms, 30ms);
    t.record(outcome::timeout, 1'900ms, 5s);
    t.record(outcome::dropped, 1'950ms, 7s);  // a dropped request has no response time
    t.record(outcome::ok, 2'100ms, 2ms);
    auto const& in = t[1];
    CHECK(in.ok == 1);
    CHECK(in.failed == 3);
    CHECK(in.first_intended == 1'000'500'000);
    CHECK(in.last_intended == 1'950'000'000);
    CHECK(in.first_failed == 1'000'500'000);
    CHECK(in.last_failed == 1'950'000'000);
    CHECK(in.last_failed_done == 6'900'000'000);  // the timeout: intended 1.9 s + 5 s
    auto const& b = in.ok_by_response[segment_tally::bucket_of(30'000'000)];
    CHECK(b.count == 1);
    CHECK(b.first_intended == 1'200'000'000);
    CHECK(t[0].total() == 1);
    CHECK(t[2].total() == 1);
  }

  TEST_CASE("segment_tally adds another worker's tally and refuses different cuts") {
    segment_tally a({1.0}), b({1.0});
    a.record(outcome::ok, 1'100ms, 1ms);
    b.record(outcome::ok, 1'050ms, 1ms);
    b.record(outcome::http_error, 1'700ms, 1ms);
    a.add(b);
    CHECK(a[1].ok == 2);
    CHECK(a[1].failed == 1);
    CHECK(a[1].ok_by_response[segment_tally::bucket_of(1'000'000)].first_intended == 1'050'000'000);
    CHECK(a[1].ok_by_response[segment_tally::bucket_of(1'000'000)].last_intended == 1'100'000'000);
    CHECK(a[1].last_failed == 1'700'000'000);
    segment_tally c({2.0});
    CHECK_THROWS_AS(a.add(c), std::invalid_argument);
    segment_tally empty;
    CHECK_FALSE(empty.enabled());
    empty.record(outcome::ok, 1s, 1ms);  // nothing to record into
    empty.add(a);
    CHECK(empty[1].ok == 2);
    a.reset();
    CHECK(a[1].total() == 0);
    CHECK(a[1].ok_by_response.size() == segment_tally::bucket_count);
  }
}
