#include <stress_testing/profile/burst.hpp>

#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

namespace sp = stress_testing::profile;

TEST_SUITE("profile") {
  TEST_CASE("burst starts with a baseline interval and bursts at each later interval start") {
    // The seed's burst traffic: 1,000 TPS with 10,000 TPS bursts every 3 minutes for 15 minutes.
    sp::burst const p(1000, 10000, 10, 180, 900);
    CHECK(p.rate_at(0) == 1000);
    CHECK(p.rate_at(5) == 1000);
    CHECK(p.rate_at(179.9) == 1000);
    CHECK(p.rate_at(180) == 10000);
    CHECK(p.rate_at(189.9) == 10000);
    CHECK(p.rate_at(190) == 1000);
    CHECK(p.rate_at(720) == 10000);
    CHECK(p.rate_at(899) == 1000);
    CHECK(p.rate_at(900) == 0);
    // Bursts at 180, 360, 540, 720: 900 s of baseline plus 4 × 10 s of extra 9,000/s.
    CHECK(p.cumulative(900) == doctest::Approx(1'260'000));
    CHECK(p.cumulative(185) == doctest::Approx(180'000 + 50'000));
    CHECK(p.cumulative(200) == doctest::Approx(200'000 + 90'000));
  }

  TEST_CASE("burst cut by the end of the profile is truncated") {
    sp::burst const p(0, 100, 10, 20, 25);
    CHECK(p.rate_at(24.9) == 100);
    CHECK(p.cumulative(25) == doctest::Approx(500));
    auto const s = p.segment_at(22);
    CHECK(s.begin == 20);
    CHECK(s.end == 25);
  }

  TEST_CASE("burst segments alternate between baseline and burst") {
    sp::burst const p(5, 50, 2, 10, 40);
    auto s = p.segment_at(0);
    CHECK(s.end == 10);
    CHECK(s.rate == 5);
    s = p.segment_at(s.end);
    CHECK(s.begin == 10);
    CHECK(s.end == 12);
    CHECK(s.rate == 50);
    s = p.segment_at(s.end);
    CHECK(s.begin == 12);
    CHECK(s.end == 20);
    CHECK(s.rate == 5);
  }

  TEST_CASE("burst rejects a burst longer than its interval and invalid numbers") {
    double const nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(sp::burst(1, 2, 11, 10, 100), "burst.burst_duration: must not exceed interval (got 11)",
                         std::invalid_argument);
    CHECK_THROWS_AS(sp::burst(-1, 2, 1, 10, 100), std::invalid_argument);
    CHECK_THROWS_AS(sp::burst(1, nan, 1, 10, 100), std::invalid_argument);
    CHECK_THROWS_AS(sp::burst(1, 2, 0, 10, 100), std::invalid_argument);
    CHECK_THROWS_AS(sp::burst(1, 2, 1, 0, 100), std::invalid_argument);
    CHECK_THROWS_AS(sp::burst(1, 2, 1, 10, 0), std::invalid_argument);
    CHECK_NOTHROW(sp::burst(1, 2, 10, 10, 100));
  }
}
