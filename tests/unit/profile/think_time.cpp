#include <stress_testing/profile/think_time.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

namespace sp = stress_testing::profile;
using namespace std::chrono_literals;

TEST_SUITE("profile") {
  TEST_CASE("constant think time always pauses the same") {
    auto const think = sp::think_time::constant(0.25);
    std::mt19937_64 g(1);
    CHECK(think.kind() == sp::think_time::distribution::constant);
    CHECK(think.mean() == 0.25);
    CHECK(think.sample(g) == 250ms);
    CHECK(think.sample(g) == 250ms);
    CHECK(sp::think_time{}.sample(g) == 0ns);
  }

  TEST_CASE("uniform think time stays within its bounds with the midpoint as mean") {
    // n = 100,000 draws of U[1, 3]: σ = 2/√12, so the sample mean's σ is ≈ 1.83 ms; 5σ bound.
    auto const think = sp::think_time::uniform(1, 3);
    CHECK(think.mean() == 2);
    std::mt19937_64 g(8);
    int const n = 100'000;
    double sum = 0;
    bool in_bounds = true;
    for (int i = 0; i < n; ++i) {
      double const x = think.sample_seconds(g);
      in_bounds = in_bounds && x >= 1 && x <= 3;
      sum += x;
    }
    CHECK(in_bounds);
    CHECK(std::abs(sum / n - 2) <= 5 * (2 / std::sqrt(12.0)) / std::sqrt(double{n}));
  }

  TEST_CASE("exponential think time has the requested mean") {
    // Exp(mean 0.5): σ = 0.5, sample mean's σ = 0.5/√n; 5σ bound for n = 100,000.
    auto const think = sp::think_time::exponential(0.5);
    CHECK(think.max() == std::numeric_limits<double>::infinity());
    std::mt19937_64 g(13);
    int const n = 100'000;
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += think.sample_seconds(g);
    CHECK(std::abs(sum / n - 0.5) <= 5 * 0.5 / std::sqrt(double{n}));
  }

  TEST_CASE("think time draws repeat with the same seed") {
    auto const think = sp::think_time::exponential(2);
    std::mt19937_64 a(4), b(4);
    for (int i = 0; i < 100; ++i) CHECK(think.sample(a) == think.sample(b));
  }

  TEST_CASE("think time rejects invalid parameters") {
    CHECK_THROWS_AS(sp::think_time::constant(-1), std::invalid_argument);
    CHECK_THROWS_AS(sp::think_time::uniform(2, 1), std::invalid_argument);
    CHECK_THROWS_AS(sp::think_time::uniform(-1, 1), std::invalid_argument);
    CHECK_THROWS_AS(sp::think_time::exponential(0), std::invalid_argument);
    CHECK_THROWS_AS(sp::think_time::exponential(std::nan("")), std::invalid_argument);
    CHECK_THROWS_WITH_AS(sp::think_time::uniform(3, 2), "think_time.max_seconds: must be >= min_seconds (got 2)",
                         std::invalid_argument);
  }
}
