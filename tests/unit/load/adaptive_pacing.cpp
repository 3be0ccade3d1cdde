#include <stress_testing/load/detail/adaptive_pacing.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

using namespace std::chrono_literals;
using stress_testing::load::detail::adaptive_grid;
using stress_testing::load::detail::grid_wake;

namespace {

// A made-up clock: the grid is arithmetic on instants, no time passes in these tests.
using tp = std::chrono::time_point<std::chrono::steady_clock, std::chrono::nanoseconds>;
constexpr tp at(std::chrono::nanoseconds d) { return tp(d); }

// Feeds `n` evenly spaced arrivals (the uniform process: arrival j at (j + 0.5) × gap) and
// returns the period chosen for the last one.
std::chrono::nanoseconds period_after(adaptive_grid<std::chrono::nanoseconds>& g, std::chrono::nanoseconds gap, int n,
                                      std::chrono::nanoseconds from = 0ns) {
  std::chrono::nanoseconds p{};
  for (int j = 0; j < n; ++j) p = g.observe(at(from + gap / 2 + gap * j));
  return p;
}

}  // namespace

TEST_CASE("grid_wake: the next grid point at or after the arrival, anchored at the start") {
  tp const start = at(1'000'000ns);
  CHECK(grid_wake(start, at(1'000'000ns + 250us), 1ms) == at(2'000'000ns));
  CHECK(grid_wake(start, at(2'000'000ns), 1ms) == at(2'000'000ns));  // on a grid point: itself
  CHECK(grid_wake(start, at(2'000'001ns), 1ms) == at(3'000'000ns));
  CHECK(grid_wake(start, at(1'700'000ns), 0ns) == at(1'700'000ns));  // no grid: exact
  CHECK(grid_wake(start, at(500'000ns), 1ms) == at(500'000ns));      // due before the start
}

TEST_CASE("adaptive grid: about 32 arrivals per wake-up, never over the bound") {
  // 100,000/s: arrivals 10 us apart; 32 gaps are 320 us, under the 1 ms bound.
  adaptive_grid<std::chrono::nanoseconds> g100(1ms);
  CHECK(period_after(g100, 10us, 200) == 320us);
  // 1,000,000/s: 32 us.
  adaptive_grid<std::chrono::nanoseconds> g1m(1ms);
  CHECK(period_after(g1m, 1us, 200) == 32us);
  // 30,000/s: 33,333 ns apart; 32 gaps (1.07 ms) exceed the bound: the bound, 1 ms.
  adaptive_grid<std::chrono::nanoseconds> g30(1ms);
  CHECK(period_after(g30, 33'333ns, 100) == 1ms);
  // 10,000/s and 5,000/s: the bound (10 and 5 arrivals per wake-up).
  adaptive_grid<std::chrono::nanoseconds> g10(1ms);
  CHECK(period_after(g10, 100us, 100) == 1ms);
  adaptive_grid<std::chrono::nanoseconds> g5(1ms);
  CHECK(period_after(g5, 200us, 100) == 1ms);
}

TEST_CASE("adaptive grid at low rates: a wake-up per arrival, exactly on time") {
  // 1,000/s: 2 gaps (2 ms) exceed the 1 ms bound: batching would only add lateness.
  adaptive_grid<std::chrono::nanoseconds> g(1ms);
  CHECK(period_after(g, 1ms, 100) == 0ns);
  // 2,000/s: 2 gaps are exactly the bound: 2 arrivals per 1 ms wake-up.
  adaptive_grid<std::chrono::nanoseconds> g2(1ms);
  CHECK(period_after(g2, 500us, 100) == 1ms);
  // The first arrival has no gap yet: exact.
  adaptive_grid<std::chrono::nanoseconds> g3(1ms);
  CHECK(g3.observe(at(50us)) == 0ns);
  CHECK(g3.period() == 0ns);
}

TEST_CASE("adaptive grid: bound 0 never batches") {
  adaptive_grid<std::chrono::nanoseconds> g(0ns);
  CHECK(period_after(g, 1us, 1000) == 0ns);
}

TEST_CASE("adaptive grid follows a change of rate within a few dozen arrivals") {
  adaptive_grid<std::chrono::nanoseconds> g(1ms);
  CHECK(period_after(g, 1ms, 50) == 0ns);  // 1,000/s: exact
  // Then 100,000/s from 50 ms: the average gap loses 1/8 of its distance to 10 us per arrival;
  // after 40 arrivals it is within 6 us of it (first gap 505 us, then 0.875^39 × 928 us ≈ 5 us).
  auto const p = period_after(g, 10us, 40, 50ms);
  CHECK(p > 320us);
  CHECK(p < 320us + 32 * 6us);
  // And back to 1,000/s right after: the average passes 500 us (two gaps, the bound) at the
  // sixth arrival (15, 76, 192, 293, 381, 458, 526 us), so by the eighth the loop is exact again.
  auto const q = period_after(g, 1ms, 8, 50ms + 40 * 10us);
  CHECK(q == 0ns);
}

TEST_CASE("adaptive grid: the lateness it imposes stays under the bound for every arrival") {
  // 7,000/s (142,857 ns apart) against a 1 ms bound, anchored at the start: every arrival is sent
  // at its grid point, at most one period after its instant, and the period never exceeds 1 ms.
  adaptive_grid<std::chrono::nanoseconds> g(1ms);
  tp const start = at(0ns);
  std::chrono::nanoseconds worst{0};
  std::uint64_t wakes = 0;
  tp last_wake = at(-1ns);
  for (int j = 0; j < 7000; ++j) {
    tp const intended = at(71'428ns + 142'857ns * j);
    auto const period = g.observe(intended);
    CHECK(period <= 1ms);
    tp const wake = grid_wake(start, intended, period);
    CHECK(wake >= intended);
    if (wake - intended > worst) worst = wake - intended;
    if (wake != last_wake) ++wakes;
    last_wake = wake;
  }
  CHECK(worst < 1ms);
  // 32 gaps are 4.6 ms > 1 ms: the bound; 7 arrivals (or 8) per 1 ms grid point.
  CHECK(g.period() == 1ms);
  CHECK(wakes <= 1001 + 1);
  CHECK(wakes >= 999);
}
