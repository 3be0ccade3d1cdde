#include <stress_testing/metrics/histogram_iteration.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

using stress_testing::metrics::histogram;
using stress_testing::metrics::histogram_iteration;
using stress_testing::metrics::iteration_value;
using stress_testing::metrics::percentile_distribution;

namespace {

constexpr std::int64_t iteration_hour_us = 3'600'000'000;

// HdrHistogram's canonical pair: 10,000 values of 1,000 and one of 100,000,000 at 3 digits over
// 1 .. 1 h, recorded raw and corrected for an expected interval of 10,000.
histogram canonical(bool corrected) {
  histogram h(1, iteration_hour_us, 3);
  for (int i = 0; i < 10'000; ++i) {
    if (corrected) {
      h.record_corrected_value(1'000, 10'000);
    } else {
      h.record_value(1'000);
    }
  }
  if (corrected) {
    h.record_corrected_value(100'000'000, 10'000);
  } else {
    h.record_value(100'000'000);
  }
  return h;
}

std::vector<iteration_value> all(histogram_iteration it) {
  std::vector<iteration_value> out;
  for (const iteration_value& v : it) out.push_back(v);
  return out;
}

std::int64_t added(const std::vector<iteration_value>& steps) {
  std::int64_t sum = 0;
  for (const auto& s : steps) sum += s.count_added_in_this_iteration_step;
  return sum;
}

}  // namespace

TEST_SUITE("metrics") {
  // Known answers: HdrHistogram's test suites on the canonical pair (C: test_recorded_values,
  // test_linear_values, test_logarithmic_values, test_linear_iter_buckets_correctly; Java:
  // HistogramDataAccessTest). A linear or logarithmic step ends one below its boundary, as in
  // current Java (its test expects 10,000 in the first corrected step; HdrHistogram C and older
  // Java ports included the boundary value 10,000 itself and expect 10,001).
  TEST_CASE("recorded values iteration visits each non empty slot once") {
    const auto raw = all(histogram_iteration::recorded_values(canonical(false)));
    REQUIRE(raw.size() == 2);
    CHECK(raw[0].count_added_in_this_iteration_step == 10'000);
    CHECK(raw[0].value_iterated_to == 1'000);
    CHECK(raw[1].count_added_in_this_iteration_step == 1);
    CHECK(raw[1].value_iterated_from == 1'000);
    const histogram cor = canonical(true);
    const auto steps = all(histogram_iteration::recorded_values(cor));
    REQUIRE_FALSE(steps.empty());
    CHECK(steps[0].count_added_in_this_iteration_step == 10'000);
    for (const auto& s : steps) {
      CHECK(s.count_at_value_iterated_to != 0);
      CHECK(s.count_at_value_iterated_to == s.count_added_in_this_iteration_step);
    }
    CHECK(added(steps) == 20'000);
    CHECK(steps.back().total_count_to_this_value == 20'000);
    CHECK(steps.back().percentile == 100.0);
  }

  TEST_CASE("linear iteration steps by fixed value units") {
    const auto raw = all(histogram_iteration::linear(canonical(false), 100'000));
    REQUIRE(raw.size() == 1'000);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      CAPTURE(i);
      CHECK(raw[i].count_added_in_this_iteration_step == (i == 0 ? 10'000 : i == 999 ? 1 : 0));
      CHECK(raw[i].value_iterated_to == static_cast<std::int64_t>(i + 1) * 100'000 - 1);
    }
    const auto cor = all(histogram_iteration::linear(canonical(true), 10'000));
    REQUIRE(cor.size() == 10'000);
    CHECK(cor[0].count_added_in_this_iteration_step == 10'000);
    CHECK(cor[0].value_iterated_to == 9'999);
    CHECK(added(cor) == 20'000);
    // Steps that straddle slots: 0 .. 255 at 2 digits in steps of 64.
    histogram small(1, 255, 2);
    for (const std::int64_t v : {193, 255, 0, 1, 64, 128}) small.record_value(v);
    const auto quarters = all(histogram_iteration::linear(small, 64));
    CHECK(quarters.size() == 4);
    CHECK(added(quarters) == 6);
  }

  TEST_CASE("logarithmic iteration steps by a growing factor") {
    const auto raw = all(histogram_iteration::logarithmic(canonical(false), 10'000, 2.0));
    REQUIRE(raw.size() == 15);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      CAPTURE(i);
      CHECK(raw[i].count_added_in_this_iteration_step == (i == 0 ? 10'000 : i == 14 ? 1 : 0));
      CHECK(raw[i].value_iterated_to == (std::int64_t{10'000} << i) - 1);
    }
    const auto cor = all(histogram_iteration::logarithmic(canonical(true), 10'000, 2.0));
    REQUIRE(cor.size() == 15);
    CHECK(cor[0].count_added_in_this_iteration_step == 10'000);
    CHECK(added(cor) == 20'000);
  }

  TEST_CASE("iterations reject invalid steps and yield nothing when empty") {
    const histogram empty(1, iteration_hour_us, 3);
    CHECK(all(histogram_iteration::recorded_values(empty)).empty());
    CHECK(all(histogram_iteration::percentiles(empty, 5)).empty());
    CHECK(all(histogram_iteration::linear(empty, 10)).empty());
    CHECK(all(histogram_iteration::logarithmic(empty, 10, 2.0)).empty());
    CHECK_THROWS_AS((void)histogram_iteration::linear(empty, 0), std::invalid_argument);
    CHECK_THROWS_AS((void)histogram_iteration::logarithmic(empty, 0, 2.0), std::invalid_argument);
    CHECK_THROWS_AS((void)histogram_iteration::logarithmic(empty, 10, 1.0), std::invalid_argument);
    CHECK_THROWS_AS((void)histogram_iteration::percentiles(empty, 0), std::invalid_argument);
  }

  TEST_CASE("percentile iteration reports each level at the first slot reaching it") {
    const histogram h = canonical(false);
    const auto steps = all(histogram_iteration::percentiles(h, 5));
    REQUIRE(steps.size() >= 3);
    // Levels 0, 10, ..., 50, then 55, 60, ... by halving steps; 1,000 until 100 * 10,000 /
    // 10,001 = 99.990001% is passed, then the stall's slot, reported at its highest value.
    CHECK(steps[0].percentile_level_iterated_to == 0.0);
    CHECK(steps[1].percentile_level_iterated_to == doctest::Approx(10.0));
    CHECK(steps[6].percentile_level_iterated_to == doctest::Approx(55.0));
    const auto stall = std::find_if(steps.begin(), steps.end(),
                                    [](const iteration_value& v) { return v.value_iterated_to > 1'000; });
    REQUIRE(stall != steps.end());
    CHECK(stall->percentile_level_iterated_to > 99.990001);
    CHECK((stall - 1)->percentile_level_iterated_to <= 99.990001);
    CHECK(stall->value_iterated_to == h.highest_equivalent_value(100'000'000));
    CHECK(steps.back().percentile_level_iterated_to == 100.0);
    CHECK(steps.back().total_count_to_this_value == 10'001);
  }

  TEST_CASE("percentile distribution is the iteration capped at the exact max") {
    histogram h(1, iteration_hour_us, 3);
    for (int i = 0; i < 10'000; ++i) h.record_value(1'000);
    h.record_value(100'000'000);
    const auto table = percentile_distribution(h, 5);
    REQUIRE(table.size() >= 3);
    CHECK(table.front().percentile == 0.0);
    CHECK(table.front().value == 1'000);
    for (std::size_t i = 1; i < table.size(); ++i) {
      CHECK(table[i - 1].percentile <= table[i].percentile);
      CHECK(table[i - 1].value <= table[i].value);
      CHECK(table[i - 1].cumulative_count <= table[i].cumulative_count);
      CHECK(table[i].value == h.value_at_percentile(table[i].percentile));
    }
    CHECK(table.back().percentile == 100.0);
    CHECK(table.back().value == 100'000'000);
    CHECK(table.back().cumulative_count == 10'001);
    // About ticks * log2(total) lines.
    CHECK(table.size() < 5 * 20);
    CHECK_THROWS_AS((void)percentile_distribution(h, 0), std::invalid_argument);
  }
}
