#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/chaos.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/sequence.hpp>

#include <doctest/doctest.h>

namespace sp = stress_testing::profile;

namespace {

static_assert(sp::rate_profile<sp::any_profile>);
static_assert(sp::segmented_profile<sp::any_profile>);

struct plain_profile {
  double rate_at(double t) const noexcept { return t >= 0 && t < 2 ? 4.0 : 0.0; }
  double duration() const noexcept { return 2; }
  double cumulative(double t) const noexcept { return 4.0 * (t > 0 ? (t < 2 ? t : 2) : 0); }
};

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("empty any_profile has no duration and no load") {
    sp::any_profile const p;
    CHECK(p.empty());
    CHECK(p.duration() == 0);
    CHECK(p.rate_at(0) == 0);
    CHECK(p.cumulative(5) == 0);
    CHECK(p.segment_at(0).end == 0);
  }

  TEST_CASE("any_profile forwards to the held profile") {
    sp::any_profile const p = sp::then(sp::linear_ramp(0, 10, 10), sp::constant_rate(10, 5));
    CHECK_FALSE(p.empty());
    CHECK(p.duration() == 15);
    CHECK(p.rate_at(5) == doctest::Approx(5));
    CHECK(p.cumulative(15) == doctest::Approx(100));
    CHECK(p.segment_at(12).begin == 10);
  }

  TEST_CASE("copies of an any_profile share one immutable profile") {
    sp::any_profile const a = sp::chaos(1, 9, 1, 100, 3);
    sp::any_profile const b = a;  // NOLINT(performance-unnecessary-copy-initialization)
    REQUIRE(a.target<sp::chaos>() != nullptr);
    CHECK(a.target<sp::chaos>() == b.target<sp::chaos>());
    CHECK(a.target<sp::constant_rate>() == nullptr);
    CHECK(b.rate_at(42.5) == a.rate_at(42.5));
  }

  TEST_CASE("any_profile of a profile without segments reports one opaque segment") {
    sp::any_profile const p = plain_profile{};
    auto const s = p.segment_at(1);
    CHECK(s.kind == sp::segment_kind::opaque);
    CHECK(s.begin == 0);
    CHECK(s.end == 2);
    CHECK(s.cumulative_end == 8);
  }
}
