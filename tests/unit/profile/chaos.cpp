#include <stress_testing/profile/chaos.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace sp = stress_testing::profile;

TEST_SUITE("profile") {
  TEST_CASE("chaos with the same seed draws the same curve") {
    sp::chaos const a(100, 2000, 30, 1800, 42);
    sp::chaos const b(100, 2000, 30, 1800, 42);
    for (double t = 0; t < 1800; t += 0.7) CHECK(a.rate_at(t) == b.rate_at(t));
    CHECK(a.cumulative(1800) == b.cumulative(1800));
    CHECK(a == b);
  }

  TEST_CASE("chaos with different seeds draws different curves") {
    sp::chaos const a(100, 2000, 30, 1800, 42);
    sp::chaos const b(100, 2000, 30, 1800, 43);
    int differing = 0;
    for (std::size_t k = 0; k < a.level_count(); ++k) differing += a.level(k) != b.level(k) ? 1 : 0;
    CHECK(differing == static_cast<int>(a.level_count()));
  }

  TEST_CASE("chaos levels stay within the bounds and hold for one change interval") {
    sp::chaos const p(100, 2000, 30, 1810, 7);
    CHECK(p.level_count() == 61);
    double lowest = 1e300, highest = 0;
    for (std::size_t k = 0; k < p.level_count(); ++k) {
      double const level = p.level(k);
      CHECK(level >= 100);
      CHECK(level <= 2000);
      lowest = std::min(lowest, level);
      highest = std::max(highest, level);
      double const start = 30.0 * static_cast<double>(k);
      CHECK(p.rate_at(start) == level);
      CHECK(p.rate_at(std::min(start + 29.9, 1809.9)) == level);
    }
    // 61 uniform draws spread over most of the range.
    CHECK(lowest < 400);
    CHECK(highest > 1700);
  }

  TEST_CASE("chaos cumulative sums the levels over their intervals") {
    sp::chaos const p(0, 1000, 2, 7, 99);
    double const expected = 2 * (p.level(0) + p.level(1) + p.level(2)) + 1 * p.level(3);
    CHECK(p.cumulative(7) == doctest::Approx(expected));
    CHECK(p.cumulative(3) == doctest::Approx(2 * p.level(0) + p.level(1)));
    auto const last = p.segment_at(6.5);
    CHECK(last.begin == 6);
    CHECK(last.end == 7);
    CHECK(last.rate == p.level(3));
  }

  TEST_CASE("chaos with equal bounds is constant") {
    sp::chaos const p(300, 300, 1, 10, 5);
    CHECK(p.rate_at(4.5) == 300);
    CHECK(p.cumulative(10) == doctest::Approx(3000));
  }

  TEST_CASE("chaos rejects inverted bounds and too many levels") {
    double const nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(sp::chaos(10, 5, 1, 10, 0), "chaos.max_rate: must be >= min_rate (got 5)",
                         std::invalid_argument);
    CHECK_THROWS_AS(sp::chaos(-1, 5, 1, 10, 0), std::invalid_argument);
    CHECK_THROWS_AS(sp::chaos(1, nan, 1, 10, 0), std::invalid_argument);
    CHECK_THROWS_AS(sp::chaos(1, 5, 0, 10, 0), std::invalid_argument);
    CHECK_THROWS_AS(sp::chaos(1, 5, 1, 0, 0), std::invalid_argument);
    CHECK_THROWS_AS(sp::chaos(1, 5, 1e-6, 3600, 0), std::invalid_argument);
  }
}
