#include <stress_testing/profile/burst.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/scale_load.hpp>

#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>

namespace sp = stress_testing::profile;

namespace {

constexpr auto scaled_at_compile_time = sp::scale_load(sp::constant_rate(100, 10), 0.5);
static_assert(scaled_at_compile_time.rate_at(3) == 50);
static_assert(scaled_at_compile_time.cumulative(10) == 500);

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("scale_load multiplies rates and counts and keeps the duration") {
    sp::burst const base(1000, 10000, 10, 180, 900);
    auto const dev = sp::scale_load(base, 0.1);
    CHECK(dev.duration() == 900);
    CHECK(dev.rate_at(5) == doctest::Approx(100));
    CHECK(dev.rate_at(185) == doctest::Approx(1000));
    CHECK(dev.cumulative(900) == doctest::Approx(126'000));
    CHECK(dev.factor() == 0.1);
    auto const s = dev.segment_at(185);
    CHECK(s.rate == doctest::Approx(1000));
    CHECK(s.cumulative_begin == doctest::Approx(base.cumulative(180) * 0.1));
  }

  TEST_CASE("scale_load by zero silences the profile") {
    auto const p = sp::scale_load(sp::constant_rate(100, 10), 0);
    CHECK(p.rate_at(1) == 0);
    CHECK(p.cumulative(10) == 0);
  }

  TEST_CASE("scale_load rejects negative and non finite factors") {
    CHECK_THROWS_WITH_AS(sp::scale_load(sp::constant_rate(1, 1), -2), "scale_load.factor: must be a finite number >= 0 (got -2)",
                         std::invalid_argument);
    CHECK_THROWS_AS(sp::scale_load(sp::constant_rate(1, 1), std::numeric_limits<double>::infinity()), std::invalid_argument);
  }
}
