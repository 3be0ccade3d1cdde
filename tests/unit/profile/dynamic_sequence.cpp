#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/dynamic_sequence.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/sequence.hpp>

#include <doctest/doctest.h>

#include <vector>

namespace sp = stress_testing::profile;

TEST_SUITE("profile") {
  TEST_CASE("dynamic sequence matches the static sequence of the same pieces") {
    sp::linear_ramp const a(0, 500, 30);
    sp::constant_rate const b(500, 20);
    sp::linear_ramp const c(500, 100, 10);
    auto const fixed = sp::then(a, b, c);
    sp::dynamic_sequence const dynamic({a, b, c});
    CHECK(dynamic.size() == 3);
    CHECK(dynamic.duration() == fixed.duration());
    for (double t = -1; t <= 61; t += 0.37) {
      CHECK(dynamic.rate_at(t) == fixed.rate_at(t));
      CHECK(dynamic.cumulative(t) == fixed.cumulative(t));
    }
  }

  TEST_CASE("dynamic sequence skips zero duration pieces") {
    sp::dynamic_sequence const p({sp::any_profile(), sp::constant_rate(5, 2), sp::any_profile(), sp::any_profile(),
                                  sp::constant_rate(9, 1), sp::any_profile()});
    CHECK(p.duration() == 3);
    CHECK(p.rate_at(0) == 5);
    CHECK(p.rate_at(2) == 9);
    CHECK(p.rate_at(2.99) == 9);
    CHECK(p.cumulative(3) == 19);
    auto const s = p.segment_at(2);
    CHECK(s.begin == 2);
    CHECK(s.rate == 9);
    CHECK(s.cumulative_begin == 10);
  }

  TEST_CASE("empty dynamic sequence has no duration and no load") {
    sp::dynamic_sequence const p;
    CHECK(p.duration() == 0);
    CHECK(p.rate_at(0) == 0);
    CHECK(p.cumulative(10) == 0);
    sp::dynamic_sequence const q(std::vector<sp::any_profile>{});
    CHECK(q.duration() == 0);
    CHECK(q.segment_at(0).end == 0);
  }
}
