#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/burst.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/sequence.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace sp = stress_testing::profile;
using namespace std::chrono_literals;

namespace {

template <class Profile>
std::vector<std::int64_t> drain(sp::arrival_schedule<Profile>& s) {
  std::vector<std::int64_t> out;
  while (auto t = s.next()) out.push_back(t->count());
  return out;
}

template <class Profile>
std::vector<std::int64_t> take(sp::arrival_schedule<Profile>& s, std::size_t n) {
  std::vector<std::int64_t> out;
  out.reserve(n);
  while (out.size() < n) {
    auto const t = s.next();
    if (!t) break;
    out.push_back(t->count());
  }
  return out;
}

std::ptrdiff_t count_in(const std::vector<std::int64_t>& v, double a, double b) {
  auto const lo = static_cast<std::int64_t>(a * 1e9);
  auto const hi = static_cast<std::int64_t>(b * 1e9);
  return std::lower_bound(v.begin(), v.end(), hi) - std::lower_bound(v.begin(), v.end(), lo);
}

sp::arrival_options poisson(std::uint64_t seed, std::size_t workers = 1, std::size_t index = 0) {
  return {sp::arrival_process::poisson, seed, workers, index};
}

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("uniform arrivals at a constant rate sit in the middle of each interval") {
    sp::arrival_schedule s(sp::constant_rate(1000, 1));
    auto const v = drain(s);
    REQUIRE(v.size() == 1000);
    CHECK(v[0] == 500'000);
    CHECK(v[1] == 1'500'000);
    CHECK(v[999] == 999'500'000);
    CHECK(s.issued() == 1000);
    CHECK(s.expected_count() == 1000);
  }

  TEST_CASE("uniform arrivals skip a zero rate gap in a sequence") {
    auto const p = sp::then(sp::constant_rate(100, 10), sp::constant_rate(0, 20), sp::constant_rate(100, 10));
    sp::arrival_schedule s(p);
    auto const v = drain(s);
    CHECK(v.size() == 2000);
    CHECK(count_in(v, 10, 30) == 0);
    CHECK(count_in(v, 0, 10) == 1000);
    CHECK(count_in(v, 30, 40) == 1000);
    auto const first_after_gap = std::lower_bound(v.begin(), v.end(), std::int64_t{30'000'000'000});
    REQUIRE(first_after_gap != v.end());
    CHECK(*first_after_gap == 30'005'000'000);
  }

  TEST_CASE("poisson arrivals also skip a zero rate gap") {
    auto const p = sp::then(sp::constant_rate(500, 10), sp::constant_rate(0, 20), sp::constant_rate(500, 10));
    sp::arrival_schedule s(p, poisson(11));
    auto const v = drain(s);
    CHECK(count_in(v, 10, 30) == 0);
    CHECK(count_in(v, 0, 10) > 4000);
    CHECK(count_in(v, 30, 40) > 4000);
  }

  TEST_CASE("a profile with zero total rate yields no arrivals and terminates") {
    sp::arrival_schedule uniform(sp::constant_rate(0, 3600));
    CHECK_FALSE(uniform.next().has_value());
    CHECK_FALSE(uniform.next().has_value());
    CHECK(uniform.issued() == 0);
    sp::arrival_schedule random(sp::then(sp::constant_rate(0, 10), sp::burst(0, 0, 1, 2, 50)), poisson(3));
    CHECK_FALSE(random.next().has_value());
  }

  TEST_CASE("poisson inter arrival times at a constant rate have mean one over the rate") {
    // n = 200,000 gaps of a rate-1000 Poisson process are i.i.d. Exp with mean and standard
    // deviation 1 ms. The sample mean then has standard deviation 1 ms/√n ≈ 2.24 µs and the
    // sample variance relative standard deviation √(8/n) ≈ 0.63% (exponential fourth moment
    // 9σ⁴); both are checked at 5σ, which a correct generator fails with probability < 1e-6.
    double const rate = 1000;
    std::size_t const n = 200'000;
    sp::arrival_schedule s(sp::constant_rate(rate, 1000), poisson(2024));
    auto const v = take(s, n);
    REQUIRE(v.size() == n);
    double sum = 0, sum_sq = 0;
    std::int64_t previous = 0;
    for (auto const t : v) {
      double const gap = static_cast<double>(t - previous) * 1e-9;
      sum += gap;
      sum_sq += gap * gap;
      previous = t;
    }
    double const mean = sum / static_cast<double>(n);
    double const variance = sum_sq / static_cast<double>(n) - mean * mean;
    double const sigma_mean = (1 / rate) / std::sqrt(static_cast<double>(n));
    CHECK(std::abs(mean - 1 / rate) <= 5 * sigma_mean);
    CHECK(std::abs(variance * rate * rate - 1) <= 5 * std::sqrt(8.0 / static_cast<double>(n)));
  }

  TEST_CASE("poisson counts on a ramp follow the cumulative rate") {
    // Counts in a window are Poisson with mean Λ(b) − Λ(a): checked at 5 standard deviations.
    sp::linear_ramp const ramp(0, 10000, 60);
    sp::arrival_schedule s(ramp, poisson(77));
    auto const v = drain(s);
    for (double a = 0; a < 60; a += 6) {
      double const expected = ramp.cumulative(a + 6) - ramp.cumulative(a);
      CAPTURE(a);
      CHECK(std::abs(static_cast<double>(count_in(v, a, a + 6)) - expected) <= 5 * std::sqrt(expected) + 1);
    }
  }

  TEST_CASE("poisson schedules with the same seed are identical") {
    auto const p = sp::then(sp::linear_ramp(0, 3000, 20), sp::burst(500, 4000, 2, 5, 30));
    sp::arrival_schedule a(p, poisson(5));
    sp::arrival_schedule b(p, poisson(5));
    auto const va = drain(a);
    CHECK(va == drain(b));
    CHECK(va.size() > 1000);
  }

  TEST_CASE("poisson schedules with different seeds differ") {
    auto const p = sp::constant_rate(2000, 5);
    sp::arrival_schedule a(p, poisson(5));
    sp::arrival_schedule b(p, poisson(6));
    auto const va = take(a, 1000);
    auto const vb = take(b, 1000);
    REQUIRE(va.size() == 1000);
    REQUIRE(vb.size() == 1000);
    std::size_t same = 0;
    for (std::size_t i = 0; i < 1000; ++i) same += va[i] == vb[i] ? 1 : 0;
    CHECK(same < 10);
  }

  TEST_CASE("poisson workers draw independent streams that add up to the full rate") {
    // Four streams at rate/4 superpose to rate: total count is Poisson(Λ), checked at 5σ.
    auto const p = sp::linear_ramp(1000, 5000, 40);
    double const total = p.cumulative(40);
    std::vector<std::int64_t> merged;
    std::vector<std::vector<std::int64_t>> parts;
    for (std::size_t i = 0; i < 4; ++i) {
      sp::arrival_schedule s(p, poisson(9, 4, i));
      CHECK(s.expected_count() == doctest::Approx(total / 4));
      parts.push_back(drain(s));
      CHECK(std::abs(static_cast<double>(parts.back().size()) - total / 4) <= 5 * std::sqrt(total / 4));
      merged.insert(merged.end(), parts.back().begin(), parts.back().end());
    }
    CHECK(std::abs(static_cast<double>(merged.size()) - total) <= 5 * std::sqrt(total));
    CHECK(parts[0] != parts[1]);
    CHECK(parts[2] != parts[3]);
  }

  TEST_CASE("reset replays the same schedule") {
    auto const p = sp::then(sp::linear_ramp(0, 800, 10), sp::constant_rate(800, 5));
    for (auto process : {sp::arrival_process::uniform, sp::arrival_process::poisson}) {
      sp::arrival_schedule s(p, {process, 99, 2, 1});
      auto const first = drain(s);
      CHECK_FALSE(s.next().has_value());
      s.reset();
      CHECK(s.issued() == 0);
      CHECK(drain(s) == first);
    }
  }

  TEST_CASE("uniform worker i owns every arrival congruent to i modulo the worker count") {
    auto const p = sp::linear_ramp(100, 900, 10);
    sp::arrival_schedule whole(p);
    auto const all = drain(whole);
    sp::arrival_schedule third(p, {sp::arrival_process::uniform, 0, 3, 2});
    auto const mine = drain(third);
    REQUIRE(mine.size() == (all.size() - 2 + 2) / 3);
    for (std::size_t k = 0; k < mine.size(); ++k) CHECK(mine[k] == all[2 + 3 * k]);
  }

  TEST_CASE("skip remaining counts the uniform rest exactly without walking it") {
    // Known answer: walking the rest with next() gives the same count, at every stop point,
    // for a ramp, a sequence with a zero-rate gap and a partitioned schedule.
    auto check_all_stops = [](auto profile, sp::arrival_options o) {
      sp::arrival_schedule whole(profile, o);
      auto const total = drain(whole).size();
      for (std::size_t stop : {std::size_t{0}, std::size_t{1}, total / 3, total / 2, total - 1, total}) {
        sp::arrival_schedule walked(profile, o);
        sp::arrival_schedule skipped(profile, o);
        take(walked, stop);
        take(skipped, stop);
        auto const rest = drain(walked).size();
        CAPTURE(stop);
        CHECK(skipped.skip_remaining() == rest);
        CHECK_FALSE(skipped.next().has_value());  // ended
        CHECK(skipped.skip_remaining() == 0);
      }
    };
    check_all_stops(sp::linear_ramp(100, 900, 10), {});  // 5,000 arrivals
    check_all_stops(sp::then(sp::constant_rate(100, 1), sp::constant_rate(0, 1), sp::constant_rate(37, 2)), {});
    check_all_stops(sp::linear_ramp(100, 900, 10), {sp::arrival_process::uniform, 0, 3, 2});
    check_all_stops(sp::constant_rate(1'000, 0.5), {sp::arrival_process::uniform, 0, 7, 0});
  }

  TEST_CASE("skip remaining of a plan of ten billion arrivals is immediate") {
    // 1,000/s for 10^7 s: 10^10 arrivals; after 5 the rest is 10^10 - 5, without a walk that
    // would take minutes (the stop is O(1), docs/results.md).
    sp::arrival_schedule s(sp::constant_rate(1'000, 1e7));
    take(s, 5);
    CHECK(s.skip_remaining() == 10'000'000'000ULL - 5);
  }

  TEST_CASE("skip remaining of a poisson schedule is the expected rest") {
    // 200/s for 10 s on 2 workers: each expects 1,000; after the arrivals up to cumulative c
    // the expected rest is (2,000 - c) / 2, whatever the draws.
    sp::arrival_schedule s(sp::constant_rate(200, 10), {sp::arrival_process::poisson, 7, 2, 1});
    std::int64_t last = 0;
    for (int i = 0; i < 300; ++i) last = s.next()->count();
    double const c = 200.0 * static_cast<double>(last) / 1e9;  // the last arrival's cumulative
    auto const rest = static_cast<double>(s.skip_remaining());
    CHECK(rest == doctest::Approx((2'000.0 - c) / 2).epsilon(0.001));
    CHECK_FALSE(s.next().has_value());
  }

  TEST_CASE("arrival schedule rejects invalid worker options") {
    auto const p = sp::constant_rate(1, 1);
    CHECK_THROWS_AS(sp::arrival_schedule(p, {sp::arrival_process::uniform, 0, 0, 0}), std::invalid_argument);
    CHECK_THROWS_WITH_AS(sp::arrival_schedule(p, {sp::arrival_process::uniform, 0, 2, 2}),
                         "arrival_options.worker_index: must be < worker_count (got 2)", std::invalid_argument);
    CHECK_THROWS_AS(sp::arrival_schedule(sp::constant_rate(1, 1e10)), std::invalid_argument);
  }
}
