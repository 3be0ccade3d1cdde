#include <stress_testing/profile/linear_ramp.hpp>

#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

namespace sp = stress_testing::profile;

namespace {

constexpr sp::linear_ramp ramp_at_compile_time{0, 100, 10};
static_assert(ramp_at_compile_time.rate_at(5) == 50);
static_assert(ramp_at_compile_time.cumulative(10) == 500);
static_assert(ramp_at_compile_time.cumulative(4) == 80);

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("linear ramp interpolates the rate and integrates to the trapezoid") {
    sp::linear_ramp const up(0, 10000, 300);
    CHECK(up.rate_at(0) == 0);
    CHECK(up.rate_at(150) == doctest::Approx(5000));
    CHECK(up.rate_at(300) == 0);
    CHECK(up.cumulative(300) == doctest::Approx(1'500'000));
    CHECK(up.cumulative(150) == doctest::Approx(375'000));

    sp::linear_ramp const down(800, 200, 60);
    CHECK(down.rate_at(30) == doctest::Approx(500));
    CHECK(down.cumulative(60) == doctest::Approx(30'000));
    CHECK(down.from() == 800);
    CHECK(down.to() == 200);
  }

  TEST_CASE("linear ramp is one sloped segment") {
    sp::linear_ramp const p(100, 300, 20);
    auto const s = p.segment_at(3);
    CHECK(s.kind == sp::segment_kind::linear);
    CHECK(s.rate == 100);
    CHECK(s.slope == doctest::Approx(10));
    CHECK(s.end == 20);
    CHECK(s.cumulative_end == doctest::Approx(4000));
  }

  TEST_CASE("linear ramp rejects invalid rates and durations") {
    double const nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(sp::linear_ramp(-1, 10, 5), std::invalid_argument);
    CHECK_THROWS_AS(sp::linear_ramp(1, -10, 5), std::invalid_argument);
    CHECK_THROWS_AS(sp::linear_ramp(nan, 10, 5), std::invalid_argument);
    CHECK_THROWS_AS(sp::linear_ramp(1, 10, 0), std::invalid_argument);
    CHECK_THROWS_WITH_AS(sp::linear_ramp(1, 10, -2), "linear_ramp.duration: must be a finite number > 0 (got -2)",
                         std::invalid_argument);
  }
}
