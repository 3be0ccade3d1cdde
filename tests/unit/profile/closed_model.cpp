#include <stress_testing/profile/closed_model.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace sp = stress_testing::profile;
using namespace std::chrono_literals;

TEST_SUITE("profile") {
  TEST_CASE("closed model staggers user starts evenly over the ramp") {
    sp::closed_model const model(500, 50, sp::think_time::constant(1));
    CHECK(model.users() == 500);
    CHECK(model.start_offset(0) == 0ns);
    CHECK(model.start_offset(1) == 100ms);
    CHECK(model.start_offset(250) == 25s);
    CHECK(model.start_offset(499) == 49900ms);
    CHECK(model.make_user(10).start_offset() == 1s);
  }

  TEST_CASE("closed model without a ramp starts every user at once") {
    sp::closed_model const model(8, 0, sp::think_time{});
    for (std::size_t u = 0; u < 8; ++u) CHECK(model.start_offset(u) == 0ns);
  }

  TEST_CASE("each user has its own reproducible think time stream") {
    sp::closed_model const model(4, 10, sp::think_time::exponential(1), 42);
    auto a = model.make_user(1);
    auto again = model.make_user(1);
    auto other = model.make_user(2);
    std::vector<std::chrono::nanoseconds> first;
    int same_as_other = 0;
    for (int i = 0; i < 50; ++i) {
      auto const x = a.next_think_time();
      first.push_back(x);
      CHECK(x == again.next_think_time());
      same_as_other += x == other.next_think_time() ? 1 : 0;
    }
    CHECK(same_as_other == 0);
    a.reset();
    for (auto const x : first) CHECK(a.next_think_time() == x);
    sp::closed_model const reseeded(4, 10, sp::think_time::exponential(1), 43);
    CHECK(reseeded.make_user(1).next_think_time() != first[0]);
  }

  TEST_CASE("expected interval is mean think time plus nominal response time") {
    sp::closed_model const model(500, 60, sp::think_time::uniform(1, 3));
    CHECK(model.expected_interval(250ms) == 2250ms);
    CHECK(model.expected_interval(-5ms) == 2s);
    CHECK(model.expected_throughput(250ms) == doctest::Approx(500 / 2.25));
    sp::closed_model const busy(10, 0, sp::think_time{});
    CHECK(busy.expected_interval(0ns) == 0ns);
    CHECK(busy.expected_throughput(0ns) == 0);
    CHECK(busy.expected_throughput(10ms) == doctest::Approx(1000));
  }

  TEST_CASE("closed model rejects zero users and invalid ramps") {
    CHECK_THROWS_AS(sp::closed_model(0, 1, sp::think_time{}), std::invalid_argument);
    CHECK_THROWS_AS(sp::closed_model(1, -1, sp::think_time{}), std::invalid_argument);
    CHECK_THROWS_AS(sp::closed_model(1, 1e12, sp::think_time{}), std::invalid_argument);
  }
}

TEST_SUITE("profile") {
  TEST_CASE("a ramp of stages makes each user active while the curve is at least its rank") {
    // 0 -> 4 users over 4 s, hold 2 s, 4 -> 0 over 4 s: user j (rank j + 1) joins at j + 1 s and
    // leaves at 10 - (j + 1) s.
    std::vector<sp::user_stage> const stages{{4, 4}, {2, 4}, {4, 0}};
    for (std::size_t j = 0; j < 4; ++j) {
      auto const spans = sp::user_active_spans(stages, j);
      REQUIRE(spans.size() == 1);
      CHECK(spans[0].first == doctest::Approx(static_cast<double>(j + 1)));
      CHECK(spans[0].second == doctest::Approx(9.0 - static_cast<double>(j)));
    }
    CHECK(sp::user_active_spans(stages, 4).empty());  // above the peak: never active

    // Up, down, up again: the second user has two spans; after the last stage the curve holds.
    std::vector<sp::user_stage> const twice{{0, 2}, {1, 2}, {0, 1}, {1, 1}, {0, 2}};
    auto const second = sp::user_active_spans(twice, 1);
    REQUIRE(second.size() == 2);
    CHECK(second[0].first == 0.0);
    CHECK(second[0].second == 1.0);
    CHECK(second[1].first == 2.0);
    CHECK(std::isinf(second[1].second));
    auto const first = sp::user_active_spans(twice, 0);
    REQUIRE(first.size() == 1);  // adjacent spans join
    CHECK(first[0].first == 0.0);
  }

  TEST_CASE("a staged model holds one worker's share of the users, by run-wide index") {
    std::vector<sp::user_stage> const stages{{10, 5}};
    sp::closed_model const all(stages, sp::think_time::constant(1), 7);
    CHECK(all.users() == 5);
    CHECK(all.start_offset(0) == 2s);  // rank 1 of 5 over 10 s
    CHECK(all.start_offset(4) == 10s);
    sp::closed_model const odd(stages, sp::think_time::constant(1), 7, 2, 1);  // users 1, 3
    CHECK(odd.users() == 2);
    CHECK(odd.start_offset(0) == all.start_offset(1));
    CHECK(odd.start_offset(1) == all.start_offset(3));
    sp::closed_model const spare(stages, sp::think_time::constant(1), 7, 8, 6);
    CHECK(spare.users() == 0);
    CHECK_THROWS_AS(sp::closed_model({{1, 0}}, sp::think_time{}, 0), std::invalid_argument);
    CHECK_THROWS_AS(sp::closed_model({{-1, 3}}, sp::think_time{}, 0), std::invalid_argument);
  }
}
