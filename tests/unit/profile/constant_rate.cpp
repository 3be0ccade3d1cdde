#include <stress_testing/profile/constant_rate.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace sp = stress_testing::profile;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

constexpr sp::constant_rate compile_time{250, 4};
static_assert(compile_time.rate_at(1) == 250);
static_assert(compile_time.cumulative(2) == 500);
static_assert(compile_time.cumulative(10) == 1000);
static_assert(sp::segmented_profile<sp::constant_rate>);

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("constant rate holds its rate inside the window and is zero outside") {
    sp::constant_rate const p(2000, 7200);
    CHECK(p.rate() == 2000);
    CHECK(p.duration() == 7200);
    CHECK(p.rate_at(0) == 2000);
    CHECK(p.rate_at(7199.999) == 2000);
    CHECK(p.rate_at(7200) == 0);
    CHECK(p.rate_at(-0.001) == 0);
    CHECK(p.cumulative(1800) == 3'600'000);
    CHECK(p.cumulative(7200) == 14'400'000);
    CHECK(p.cumulative(1e9) == 14'400'000);
    CHECK(p.cumulative(-5) == 0);
  }

  TEST_CASE("constant rate is one flat segment") {
    sp::constant_rate const p(40, 3);
    auto const s = p.segment_at(1.2);
    CHECK(s.kind == sp::segment_kind::linear);
    CHECK(s.begin == 0);
    CHECK(s.end == 3);
    CHECK(s.rate == 40);
    CHECK(s.slope == 0);
    CHECK(s.cumulative_end == 120);
  }

  TEST_CASE("constant rate rejects negative and non finite inputs naming the parameter") {
    double const nan = std::numeric_limits<double>::quiet_NaN();
    double const inf = std::numeric_limits<double>::infinity();
    CHECK(error_of([] { sp::constant_rate(-1, 10); }).find("constant_rate.rate") == 0);
    CHECK(error_of([&] { sp::constant_rate(nan, 10); }).find("constant_rate.rate") == 0);
    CHECK(error_of([&] { sp::constant_rate(inf, 10); }).find("constant_rate.rate") == 0);
    CHECK(error_of([] { sp::constant_rate(1, 0); }).find("constant_rate.duration") == 0);
    CHECK(error_of([] { sp::constant_rate(1, -3); }).find("constant_rate.duration") == 0);
    CHECK(error_of([&] { sp::constant_rate(1, nan); }).find("constant_rate.duration") == 0);
    CHECK(error_of([&] { sp::constant_rate(1, inf); }).find("constant_rate.duration") == 0);
    CHECK(error_of([] { sp::constant_rate(-1, 10); }).find("(got -1)") != std::string::npos);
    CHECK_NOTHROW(sp::constant_rate(0, 1));
  }
}
