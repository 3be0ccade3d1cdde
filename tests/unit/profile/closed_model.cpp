#include <stress_testing/profile/closed_model.hpp>

#include <doctest/doctest.h>

#include <chrono>
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
