#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/sequence.hpp>
#include <stress_testing/profile/wave.hpp>

#include <doctest/doctest.h>

namespace sp = stress_testing::profile;

namespace {

constexpr auto compile_time = sp::then(sp::linear_ramp(0, 100, 10), sp::constant_rate(100, 5));
static_assert(compile_time.duration() == 15);
static_assert(compile_time.rate_at(12) == 100);
static_assert(compile_time.cumulative(15) == 1000);
static_assert(decltype(compile_time)::size() == 2);
static_assert(sp::segmented_profile<decltype(compile_time)>);

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("sequence plays its pieces in order with shifted time") {
    auto const p = sp::then(sp::linear_ramp(0, 1000, 100), sp::constant_rate(1000, 50), sp::linear_ramp(1000, 0, 100));
    CHECK(p.duration() == 250);
    CHECK(p.start(1) == 100);
    CHECK(p.start(2) == 150);
    CHECK(p.start(3) == 250);
    CHECK(p.rate_at(50) == doctest::Approx(500));
    CHECK(p.rate_at(100) == 1000);
    CHECK(p.rate_at(149.99) == 1000);
    CHECK(p.rate_at(200) == doctest::Approx(500));
    CHECK(p.rate_at(250) == 0);
    CHECK(p.cumulative(100) == doctest::Approx(50'000));
    CHECK(p.cumulative(150) == doctest::Approx(100'000));
    CHECK(p.cumulative(250) == doctest::Approx(150'000));
    CHECK(p.cumulative(200) == doctest::Approx(100'000 + 37'500));
    CHECK(p.piece<1>().rate() == 1000);
  }

  TEST_CASE("sequence keeps a zero rate gap between its pieces") {
    auto const p = sp::then(sp::constant_rate(10, 5), sp::constant_rate(0, 5), sp::constant_rate(20, 5));
    CHECK(p.rate_at(7) == 0);
    CHECK(p.cumulative(10) == 50);
    CHECK(p.cumulative(15) == 150);
    auto const gap = p.segment_at(5);
    CHECK(gap.begin == 5);
    CHECK(gap.end == 10);
    CHECK(gap.cumulative_begin == gap.cumulative_end);
  }

  TEST_CASE("sequence segments are the pieces segments shifted in time and count") {
    sp::wave const w(10, 5, 16, 32);
    auto const p = sp::then(sp::constant_rate(3, 2), w);
    auto const s = p.segment_at(7.5);
    auto const local = w.segment_at(5.5);
    CHECK(s.kind == sp::segment_kind::sine);
    CHECK(s.begin == local.begin + 2);
    CHECK(s.end == local.end + 2);
    CHECK(s.phase == local.phase);
    CHECK(s.cumulative_begin == local.cumulative_begin + 6);
    CHECK(s.cumulative_end == local.cumulative_end + 6);
  }

  TEST_CASE("nested sequences mean the same as a flat sequence") {
    sp::constant_rate const a(1, 1);
    sp::linear_ramp const b(0, 4, 2);
    sp::constant_rate const c(7, 3);
    auto const flat = sp::then(a, b, c);
    auto const nested = sp::then(sp::then(a, b), c);
    for (double t = -1; t < 7; t += 0.25) {
      CHECK(flat.rate_at(t) == nested.rate_at(t));
      CHECK(flat.cumulative(t) == doctest::Approx(nested.cumulative(t)));
    }
  }
}
