#include <stress_testing/profile/wave.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace sp = stress_testing::profile;

TEST_SUITE("profile") {
  TEST_CASE("wave oscillates around its mean and whole periods average to the mean") {
    sp::wave const p(500, 500, 120, 600);
    CHECK(p.rate_at(0) == doctest::Approx(500));
    CHECK(p.rate_at(30) == doctest::Approx(1000));
    CHECK(p.rate_at(90) == doctest::Approx(0).epsilon(1e-9).scale(1));
    CHECK(p.cumulative(120) == doctest::Approx(60'000));
    CHECK(p.cumulative(600) == doctest::Approx(300'000));
    // Half a period: mean·60 plus the positive lobe 2·amplitude/ω.
    CHECK(p.cumulative(60) == doctest::Approx(30'000 + 2 * 500 * 120 / (2 * std::numbers::pi)));
  }

  TEST_CASE("clamped wave is zero in its troughs and its cumulative stays exact") {
    sp::wave const zero_mean(0, 1000, 10, 100);
    CHECK(zero_mean.rate_at(7.5) == 0);
    CHECK(zero_mean.rate_at(2.5) == doctest::Approx(1000));
    // Only the positive half of each period counts: amplitude·period/π per period.
    CHECK(zero_mean.cumulative(10) == doctest::Approx(1000 * 10 / std::numbers::pi));
    CHECK(zero_mean.cumulative(100) == doctest::Approx(10 * 1000 * 10 / std::numbers::pi));
    CHECK(zero_mean.cumulative(7) == doctest::Approx(1000 * 10 / std::numbers::pi));

    double const mean = 300, amplitude = 900, period = 12;
    sp::wave const p(mean, amplitude, period, 48);
    double const alpha = std::asin(-mean / amplitude);
    double const omega = 2 * std::numbers::pi / period;
    double const per_period = (mean * (std::numbers::pi - 2 * alpha) + 2 * amplitude * std::cos(alpha)) / omega;
    CHECK(p.cumulative(12) == doctest::Approx(per_period));
    CHECK(p.cumulative(48) == doctest::Approx(4 * per_period));
    CHECK(per_period > mean * period);
  }

  TEST_CASE("clamped wave exposes its troughs as zero rate segments") {
    sp::wave const p(0, 1000, 10, 20);
    auto s = p.segment_at(0);
    CHECK(s.kind == sp::segment_kind::sine);
    int sine_pieces = 0;
    while (s.kind == sp::segment_kind::sine) {
      ++sine_pieces;
      REQUIRE(sine_pieces < 100);
      s = p.segment_at(s.end);
    }
    CHECK(s.begin == doctest::Approx(5));
    CHECK(s.end == doctest::Approx(10));
    CHECK(s.rate == 0);
    CHECK(s.cumulative_end == s.cumulative_begin);
    auto const next = p.segment_at(s.end);
    CHECK(next.kind == sp::segment_kind::sine);
    CHECK(next.begin == doctest::Approx(10));
  }

  TEST_CASE("wave segments cover each period in short sine pieces") {
    sp::wave const p(1000, 400, 16, 32);
    auto const s = p.segment_at(5.2);
    CHECK(s.kind == sp::segment_kind::sine);
    CHECK(s.begin == 5);
    CHECK(s.end == 6);
    CHECK(s.phase == doctest::Approx(2 * std::numbers::pi * 5 / 16));
    CHECK(s.rate_at(5.5) == doctest::Approx(p.rate_at(5.5)));
  }

  TEST_CASE("wave rejects invalid parameters") {
    double const nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(sp::wave(-1, 1, 1, 1), std::invalid_argument);
    CHECK_THROWS_AS(sp::wave(1, -1, 1, 1), std::invalid_argument);
    CHECK_THROWS_AS(sp::wave(1, 1, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(sp::wave(1, 1, 1, nan), std::invalid_argument);
    CHECK_THROWS_WITH_AS(sp::wave(1, 1, -4, 1), "wave.period: must be a finite number > 0 (got -4)",
                         std::invalid_argument);
  }
}
