#include <stress_testing/profile/segment.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

namespace sp = stress_testing::profile;

TEST_SUITE("profile") {
  TEST_CASE("segment closed forms give the rate and the cumulative count") {
    sp::segment line;
    line.begin = 10;
    line.end = 20;
    line.cumulative_begin = 100;
    line.rate = 5;
    line.slope = 2;
    CHECK(line.rate_at(13) == 11);
    CHECK(line.cumulative_at(13) == 100 + 15 + 9);

    sp::segment sine;
    sine.kind = sp::segment_kind::sine;
    sine.begin = 0;
    sine.end = 4;
    sine.rate = 10;
    sine.amplitude = 10;
    sine.omega = std::numbers::pi / 2;
    CHECK(sine.rate_at(1) == doctest::Approx(20));
    CHECK(sine.cumulative_at(2) == doctest::Approx(20 + 40 / std::numbers::pi));

    sp::segment opaque;
    opaque.kind = sp::segment_kind::opaque;
    CHECK(std::isnan(opaque.rate_at(0)));
  }

  TEST_CASE("segment transforms follow shifting and scaling of the owning profile") {
    sp::segment s;
    s.begin = 1;
    s.end = 3;
    s.cumulative_begin = 4;
    s.cumulative_end = 10;
    s.rate = 2;
    s.slope = 1;
    auto const shifted = s.shift(5, 100);
    CHECK(shifted.begin == 6);
    CHECK(shifted.end == 8);
    CHECK(shifted.cumulative_begin == 104);
    CHECK(shifted.rate_at(7) == s.rate_at(2));

    auto const louder = s.scale_load(3);
    CHECK(louder.rate_at(2) == 3 * s.rate_at(2));
    CHECK(louder.cumulative_at(2.5) == 3 * s.cumulative_at(2.5));

    auto const slower = s.scale_time(2);
    CHECK(slower.begin == 2);
    CHECK(slower.end == 6);
    CHECK(slower.rate_at(5) == s.rate_at(2.5));
    CHECK(slower.cumulative_at(5) == 2 * s.cumulative_at(2.5));
  }
}
