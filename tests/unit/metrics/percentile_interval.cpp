// Known answers for the order-statistic confidence intervals of percentiles
// (metrics/percentile_interval.hpp): ranks from binomial(n, q), values read off the histogram.
#include <stress_testing/metrics/percentile_interval.hpp>

#include <doctest/doctest.h>

#include <cstdint>

namespace st = stress_testing;
using st::metrics::histogram;
using st::metrics::percentile_confidence_interval;

namespace {

histogram one_each(std::int64_t n, int digits = 3) {
  histogram h(1, 10'000'000, digits);
  for (std::int64_t v = 1; v <= n; ++v) h.record_value(v);
  return h;
}

}  // namespace

TEST_SUITE("metrics") {
  TEST_CASE("p99 of the values 1 to 10000 lies between ranks 9880 and 9920") {
    // n q = 9900, 1.96 sqrt(n q (1 - q)) = 19.5: ranks 9880.5 and 9919.5, rounded outwards.
    auto const h = one_each(10'000);
    auto const ci = percentile_confidence_interval(h, 99);
    CHECK(ci.samples == 10'000);
    CHECK_FALSE(ci.exact);  // above exact_binomial_limit: the normal approximation
    CHECK(ci.lower_rank == 9880);
    CHECK(ci.upper_rank == 9920);
    // 3 significant digits: values from 8192 up share slots of 8, and a slot answers its highest value.
    REQUIRE(ci.lower);
    REQUIRE(ci.upper);
    CHECK(*ci.lower >= 9880);
    CHECK(*ci.lower <= 9887);
    CHECK(*ci.upper >= 9920);
    CHECK(*ci.upper <= 9927);
    CHECK(ci.reason.empty());
    // The point estimate lies inside.
    CHECK(*ci.lower <= h.value_at_percentile(99));
    CHECK(h.value_at_percentile(99) <= *ci.upper);
  }

  TEST_CASE("with 5 significant digits the bounds are the ranks themselves") {
    auto const ci = percentile_confidence_interval(one_each(10'000, 5), 99);
    CHECK(ci.lower == 9880);
    CHECK(ci.upper == 9920);
    auto const median = percentile_confidence_interval(one_each(10'000, 5), 50);
    CHECK(median.lower == 4902);  // 5000 -+ 98
    CHECK(median.upper == 5098);
  }

  TEST_CASE("the median of ten values lies between the 2nd and the 9th by exact binomial tails") {
    // P(B <= 1) = 11/1024 <= 2.5% < P(B <= 2) = 56/1024; P(B <= 8) = 1013/1024 >= 97.5% > P(B <= 7).
    auto const ci = percentile_confidence_interval(one_each(10), 50);
    CHECK(ci.exact);
    CHECK(ci.lower_rank == 2);
    CHECK(ci.upper_rank == 9);
    CHECK(ci.lower == 2);
    CHECK(ci.upper == 9);
  }

  TEST_CASE("p99 of 100 values has no upper bound and says why") {
    // P(B <= 99) = 1 - 0.99^100 = 63% < 97.5%: the interval reaches past the largest sample.
    // P(B <= 96) = 1.8% <= 2.5% < P(B <= 97) = 7.9%: the lower bound is the 97th value.
    auto const ci = percentile_confidence_interval(one_each(100), 99);
    CHECK(ci.exact);
    CHECK(ci.lower_rank == 97);
    CHECK(ci.lower == 97);
    CHECK(ci.upper_rank == 101);
    CHECK_FALSE(ci.upper);
    CHECK(ci.reason.find("upper bound") != std::string::npos);
    CHECK(ci.reason.find("past the 100 samples") != std::string::npos);
  }

  TEST_CASE("p99 gets an upper bound from 368 samples on") {
    // 0.99^n <= 2.5% from n = 368 (0.99^367 = 2.501%): the largest sample is then the upper bound.
    CHECK_FALSE(percentile_confidence_interval(one_each(367), 99).upper);
    auto const ci = percentile_confidence_interval(one_each(368), 99);
    CHECK(ci.upper_rank == 368);
    CHECK(ci.upper == 368);
  }

  TEST_CASE("p1 of 100 values has no lower bound") {
    auto const ci = percentile_confidence_interval(one_each(100), 1);
    CHECK(ci.lower_rank == 0);
    CHECK_FALSE(ci.lower);
    CHECK(ci.upper_rank == 4);  // the mirror of p99's lower rank 97
    CHECK(ci.reason.find("lower bound") != std::string::npos);
  }

  TEST_CASE("the exact ranks and the normal approximation meet at the limit") {
    // n = 1000, q = 0.99: exact tails give 983 and 997, as does 990 -+ 6.17.
    auto const ci = percentile_confidence_interval(one_each(1000), 99);
    CHECK(ci.exact);
    CHECK(ci.lower_rank == 983);
    CHECK(ci.upper_rank == 997);
    auto const normal = percentile_confidence_interval(one_each(1001), 99);
    CHECK_FALSE(normal.exact);
    CHECK(normal.lower_rank == 984);  // 990.99 -+ 6.17
    CHECK(normal.upper_rank == 998);
  }

  TEST_CASE("an empty histogram and the extreme percentiles") {
    auto const none = percentile_confidence_interval(histogram(1, 1000, 2), 99);
    CHECK(none.samples == 0);
    CHECK_FALSE(none.lower);
    CHECK_FALSE(none.upper);
    CHECK(none.reason == "no samples");
    auto const h = one_each(50);
    auto const top = percentile_confidence_interval(h, 100);
    CHECK(top.lower == 50);
    CHECK(top.upper == 50);
    auto const bottom = percentile_confidence_interval(h, 0);
    CHECK(bottom.lower == 1);
    CHECK(bottom.upper == 1);
  }

  TEST_CASE("value_at_rank reads the rank-th smallest value") {
    auto const h = one_each(100);
    CHECK(h.value_at_rank(1) == 1);
    CHECK(h.value_at_rank(37) == 37);
    CHECK(h.value_at_rank(100) == 100);
    CHECK(h.value_at_rank(0) == 1);    // clamped
    CHECK(h.value_at_rank(500) == 100);
    CHECK(histogram(1, 1000, 2).value_at_rank(3) == 0);
  }
}
