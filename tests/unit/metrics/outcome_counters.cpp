#include <stress_testing/metrics/outcome_counters.hpp>

#include <doctest/doctest.h>

#include <cstdint>

using stress_testing::outcome;
using stress_testing::metrics::outcome_counters;

TEST_SUITE("metrics") {

TEST_CASE("outcome counters count each outcome and the total is the sum over outcomes") {
  outcome_counters c;
  CHECK(c.total() == 0);
  std::uint64_t n = 0;
  for (auto o : stress_testing::all_outcomes) {
    auto const k = static_cast<std::uint64_t>(o) + 1;  // a different count per outcome
    for (std::uint64_t i = 0; i < k; ++i) c.record(o);
    n += k;
  }
  for (auto o : stress_testing::all_outcomes) CHECK(c.count(o) == static_cast<std::uint64_t>(o) + 1);
  CHECK(c.total() == n);
  CHECK(c.sent() == n - c.count(outcome::dropped));
}

TEST_CASE("outcome counters ignore an out of range outcome") {
  outcome_counters c;
  c.record(static_cast<outcome>(200));
  c.record(static_cast<outcome>(7), 5);
  CHECK(c.total() == 0);
  CHECK(c.count(static_cast<outcome>(200)) == 0);
}

TEST_CASE("outcome counters add bytes and merge with plus equals") {
  outcome_counters a;
  a.record(outcome::ok, 10);
  a.record(outcome::timeout);
  a.add_bytes(100, 20);
  outcome_counters b;
  b.record(outcome::ok, 5);
  b.record(outcome::dropped, 2);
  b.add_bytes(1, 2);

  auto const sum = a + b;
  CHECK(sum.count(outcome::ok) == 15);
  CHECK(sum.count(outcome::timeout) == 1);
  CHECK(sum.count(outcome::dropped) == 2);
  CHECK(sum.total() == 18);
  CHECK(sum.bytes_in() == 101);
  CHECK(sum.bytes_out() == 22);

  a.merge(b);
  CHECK(a == sum);
}

TEST_CASE("outcome counters reset to zero") {
  outcome_counters c;
  c.record(outcome::io_error, 3);
  c.add_bytes(7, 8);
  c.reset();
  CHECK(c == outcome_counters{});
  CHECK(c.bytes_in() == 0);
  CHECK(c.bytes_out() == 0);
}

}  // TEST_SUITE
