#include "../../support/failure_reason.hpp"
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/histogram_iteration.hpp>  // the percentile table of the overflow case

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using stress_testing::metrics::histogram;
namespace hdr_detail = stress_testing::metrics::detail;

namespace {

constexpr std::int64_t histogram_hour_us = 3'600'000'000;
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

std::vector<histogram::bucket> buckets_of(const histogram& h) {
  std::vector<histogram::bucket> out;
  h.for_each_bucket([&](const histogram::bucket& b) { out.push_back(b); });
  return out;
}

// Bucket-by-bucket equality, reported bucket by bucket, plus the scalars operator== also covers.
void check_same_buckets(const histogram& actual, const histogram& expected) {
  const auto a = buckets_of(actual);
  const auto e = buckets_of(expected);
  REQUIRE(a.size() == e.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].value_from == e[i].value_from);
    CHECK(a[i].value_to == e[i].value_to);
    CHECK(a[i].count == e[i].count);
  }
  CHECK(actual.total_count() == expected.total_count());
  CHECK(actual.out_of_range_count() == expected.out_of_range_count());
  CHECK(actual.min() == expected.min());
  CHECK(actual.max() == expected.max());
  CHECK(actual == expected);
}

// Latency-like values: log-normal around `median`, seeded.
std::vector<std::int64_t> latencies(std::uint64_t seed, std::size_t n, double median, double sigma) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(median), sigma);
  std::vector<std::int64_t> out(n);
  for (auto& v : out) v = static_cast<std::int64_t>(dist(rng));
  return out;
}

using test_support::failure_reason;

bool text_contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Rewrites the CRC-32 trailer so a deliberately edited encoding reaches the structural checks.
void fix_crc(std::vector<std::uint8_t>& bytes) {
  const std::size_t at = bytes.size() - 4;
  const std::uint32_t crc = hdr_detail::crc32(std::span<const std::uint8_t>(bytes).first(at));
  for (std::size_t k = 0; k < 4; ++k) bytes[at + k] = static_cast<std::uint8_t>(crc >> (8 * k));
}

void put_le64(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint64_t value) {
  for (std::size_t k = 0; k < 8; ++k) bytes[at + k] = static_cast<std::uint8_t>(value >> (8 * k));
}

// Replaces the payload of an encoding (header fields unchanged) and fixes length and CRC.
std::vector<std::uint8_t> with_payload(std::vector<std::uint8_t> bytes,
                                       const std::vector<std::uint64_t>& items) {
  bytes.resize(60);
  for (std::uint64_t item : items) {
    while (item >= 0x80u) {
      bytes.push_back(static_cast<std::uint8_t>(item | 0x80u));
      item >>= 7;
    }
    bytes.push_back(static_cast<std::uint8_t>(item));
  }
  const std::size_t payload = bytes.size() - 60;
  for (std::size_t k = 0; k < 4; ++k) bytes[56 + k] = static_cast<std::uint8_t>(payload >> (8 * k));
  bytes.resize(bytes.size() + 4);
  fix_crc(bytes);
  return bytes;
}

// A histogram with a spread of values, zero runs and out-of-range values.
histogram sample_histogram() {
  histogram h(1, histogram_hour_us, 3);
  for (const auto v : latencies(7, 5'000, 2'000.0, 1.5)) h.record_value(v);
  h.record_value(0);
  h.record_values(1'000, 42);
  h.record_value(histogram_hour_us);
  h.record_value(-3);
  return h;
}

}  // namespace

TEST_SUITE("metrics") {
  TEST_CASE("constructor rejects invalid layout arguments naming them") {
    CHECK(text_contains(failure_reason([] { histogram(0, 100, 3); }), "lowest_discernible_value"));
    CHECK(text_contains(failure_reason([] { histogram(-5, 100, 3); }), "lowest_discernible_value"));
    CHECK(text_contains(failure_reason([] { histogram(10, 19, 3); }), "highest_trackable_value"));
    CHECK(text_contains(failure_reason([] { histogram(1, -1, 3); }), "highest_trackable_value"));
    CHECK(text_contains(failure_reason([] { histogram(1, 100, 0); }), "significant_digits"));
    CHECK(text_contains(failure_reason([] { histogram(1, 100, 6); }), "significant_digits"));
    // 2^50 as the unit with 5 digits would need more than 63 bits.
    CHECK(text_contains(failure_reason([] { histogram(std::int64_t{1} << 50, int64_max, 5); }),
                   "lowest_discernible_value"));
    CHECK_NOTHROW(histogram(1, 2, 1));
    CHECK_NOTHROW(histogram(10, 20, 5));
    CHECK_NOTHROW(histogram(1, int64_max, 5));
    CHECK_NOTHROW(histogram(std::int64_t{1} << 44, int64_max, 5));
  }

  TEST_CASE("slot widths follow the log linear layout") {
    // 3 digits: 2 * 10^3 rounds up to 2048 sub-buckets, so 0..2047 are exact, then widths double.
    const histogram h(1, histogram_hour_us, 3);
    for (const std::int64_t v : {0, 1, 999, 2047}) {
      CHECK(h.lowest_equivalent_value(v) == v);
      CHECK(h.highest_equivalent_value(v) == v);
    }
    CHECK(h.lowest_equivalent_value(2049) == 2048);
    CHECK(h.highest_equivalent_value(2048) == 2049);
    CHECK(h.lowest_equivalent_value(4097) == 4096);
    CHECK(h.highest_equivalent_value(4097) == 4099);
    CHECK(h.median_equivalent_value(4096) == 4098);
    // A lowest discernible value of 1000 gives a unit of 512.
    const histogram coarse(1000, histogram_hour_us, 2);
    CHECK(coarse.lowest_equivalent_value(1000) == 512);
    CHECK(coarse.highest_equivalent_value(1000) == 1023);
    // 2 digits: 256 sub-buckets.
    const histogram two(1, histogram_hour_us, 2);
    CHECK(two.highest_equivalent_value(255) == 255);
    CHECK(two.highest_equivalent_value(256) == 257);
    // Negative queries are treated as 0.
    CHECK(two.lowest_equivalent_value(-7) == 0);
    CHECK(two.highest_equivalent_value(-7) == 0);
  }

  TEST_CASE("one microsecond to one hour fits in 64 KiB at two digits") {
    const histogram two(1, histogram_hour_us, 2);
    const histogram three(1, histogram_hour_us, 3);
    MESSAGE("size_in_bytes(1, 3.6e9, 2) = " << two.size_in_bytes());
    MESSAGE("size_in_bytes(1, 3.6e9, 3) = " << three.size_in_bytes());
    CHECK(two.size_in_bytes() <= 64 * 1024);
    CHECK(three.size_in_bytes() <= 200 * 1024);
    CHECK(two.lowest_discernible_value() == 1);
    CHECK(two.highest_trackable_value() == histogram_hour_us);
    CHECK(two.significant_digits() == 2);
  }

  TEST_CASE("slot width respects the significant digits precision bound") {
    // HdrHistogram's guarantee: the slot holding v (width = highest - lowest + 1) is at most
    // max(unit, lowest_equivalent_value(v) / 10^digits) wide, where unit is the power of two at or
    // below lowest_discernible_value. So any reported value is within v * 10^-digits of v.
    std::mt19937_64 rng(20240601);
    struct layout {
      std::int64_t lowest;
      std::int64_t highest;
      int digits;
      std::int64_t unit;
    };
    for (const layout l :
         {layout{1, histogram_hour_us, 1, 1}, layout{1, histogram_hour_us, 2, 1}, layout{1, histogram_hour_us, 3, 1},
          layout{1, int64_max, 3, 1}, layout{1000, histogram_hour_us, 3, 512}, layout{1, int64_max, 5, 1}}) {
      CAPTURE(l.lowest);
      CAPTURE(l.digits);
      const histogram h(l.lowest, l.highest, l.digits);
      std::int64_t pow10 = 1;
      for (int i = 0; i < l.digits; ++i) pow10 *= 10;
      auto check_value = [&](std::int64_t v) {
        const std::int64_t lo = h.lowest_equivalent_value(v);
        const std::int64_t hi = h.highest_equivalent_value(v);
        const std::int64_t width = hi - lo + 1;
        const bool within = lo <= v && v <= hi && (width == l.unit || width <= lo / pow10);
        if (!within) {
          CAPTURE(v);
          CAPTURE(lo);
          CAPTURE(hi);
          CHECK(within);
        }
        return within;
      };
      bool all = true;
      for (std::int64_t v = 0; v <= 100'000; ++v) all = check_value(v) && all;
      std::uniform_int_distribution<std::int64_t> any(0, l.highest);
      std::uniform_int_distribution<int> bits(0, 62);
      for (int i = 0; i < 20'000; ++i) {
        all = check_value(any(rng)) && all;
        // Log-uniform too, so that every bucket is visited.
        const std::int64_t top = std::int64_t{1} << bits(rng);
        all = check_value(std::min(l.highest, top + (any(rng) % top))) && all;
      }
      all = check_value(l.highest) && all;
      CHECK(all);
    }
  }

  TEST_CASE("canonical raw vector gives HdrHistogram known answers") {
    // HdrHistogram's canonical test: 1 us .. 1 h in microseconds, 3 digits, 10,000 values of
    // 1,000 (1 ms) and one of 100,000,000 (a 100 s stall), recorded raw.
    histogram h(1, histogram_hour_us, 3);
    for (int i = 0; i < 10'000; ++i) REQUIRE(h.record_value(1'000));
    REQUIRE(h.record_value(100'000'000));
    CHECK(h.total_count() == 10'001);
    CHECK(h.out_of_range_count() == 0);
    CHECK(h.count_at_value(1'000) == 10'000);
    CHECK(h.count_at_value(100'000'000) == 1);
    // 1,000 < 2048 is exact at 3 digits.
    CHECK(h.value_at_percentile(30.0) == 1'000);
    CHECK(h.value_at_percentile(99.0) == 1'000);
    // Rank ceil(99.99% of 10,001) = ceil(9,999.9999) = 10,000: the last 1,000, as in HdrHistogram's
    // own test. The stall only shows from rank 10,001, for example at 99.999 (10,000.9 -> 10,001).
    CHECK(h.value_at_percentile(99.99) == 1'000);
    const std::int64_t stall_lo = h.lowest_equivalent_value(100'000'000);
    const std::int64_t stall_hi = h.highest_equivalent_value(100'000'000);
    CHECK(stall_hi - stall_lo + 1 <= 100'000'000 / 1'000);
    CHECK(h.value_at_percentile(99.999) >= stall_lo);
    CHECK(h.value_at_percentile(99.999) <= stall_hi);
    CHECK(h.value_at_percentile(100.0) == 100'000'000);  // capped at the exact max
    CHECK(h.max() == 100'000'000);
    CHECK(h.min() == 1'000);
    const double exact_mean = (10'000.0 * 1'000.0 + 100'000'000.0) / 10'001.0;
    CHECK(h.mean() == doctest::Approx(exact_mean).epsilon(0.001));
    const double exact_variance = (10'000.0 * (1'000.0 - exact_mean) * (1'000.0 - exact_mean) +
                                   (100'000'000.0 - exact_mean) * (100'000'000.0 - exact_mean)) /
                                  10'001.0;
    CHECK(h.stddev() == doctest::Approx(std::sqrt(exact_variance)).epsilon(0.001));
  }

  TEST_CASE("canonical corrected vector back-fills coordinated omission") {
    // Same stream with an expected interval of 10,000 us between requests. The 1,000 values are
    // below the interval and recorded as they are. The 100 s stall means the requests that should
    // have been sent every 10 ms during it were never sent; they would have waited 99,990,000,
    // 99,980,000, ..., 10,000 us: 100,000,000 / 10,000 - 1 = 9,999 back-filled values. Total:
    // 10,000 + 1 + 9,999 = 20,000. Sorted, ranks 1..10,000 are 1,000 and rank 10,000 + j is
    // j * 10,000 for j = 1..10,000. So p50 (rank 10,000) is 1,000, p75 (rank 15,000) is
    // 50,000,000, p90 (rank 18,000) is 80,000,000, p99 (rank 19,800) is 98,000,000 and p99.999
    // (rank ceil(19,999.8) = 20,000) is 100,000,000. The mean is
    // (10,000 * 1,000 + 10,000 * sum(j = 1..10,000) j) / 20,000 = 500 + 25,002,500 = 25,003,000.
    histogram h(1, histogram_hour_us, 3);
    for (int i = 0; i < 10'000; ++i) REQUIRE(h.record_corrected_value(1'000, 10'000));
    REQUIRE(h.record_corrected_value(100'000'000, 10'000));
    CHECK(h.total_count() == 20'000);
    CHECK(h.value_at_percentile(50.0) == 1'000);
    struct expectation {
      double percentile;
      std::int64_t value;
    };
    for (const expectation e : {expectation{75.0, 50'000'000}, expectation{90.0, 80'000'000},
                                expectation{99.0, 98'000'000}, expectation{99.999, 100'000'000}}) {
      CAPTURE(e.percentile);
      const std::int64_t actual = h.value_at_percentile(e.percentile);
      CHECK(actual >= h.lowest_equivalent_value(e.value));
      CHECK(actual <= h.highest_equivalent_value(e.value));
    }
    CHECK(h.value_at_percentile(100.0) == 100'000'000);
    CHECK(h.min() == 1'000);
    CHECK(h.max() == 100'000'000);
    CHECK(h.mean() == doctest::Approx(25'003'000.0).epsilon(0.001));
  }

  TEST_CASE("corrected recording equals a naive back-fill loop") {
    // The per-bucket back-fill must equal recording every missing value one by one.
    std::mt19937_64 rng(99);
    for (const int digits : {1, 2, 3}) {
      for (int round = 0; round < 300; ++round) {
        histogram fast(1, histogram_hour_us, digits);
        histogram naive(1, histogram_hour_us, digits);
        std::uniform_int_distribution<int> magnitude(0, 6);
        std::int64_t interval = 1;
        for (int m = magnitude(rng); m > 0; --m) interval *= 10;
        interval += std::uniform_int_distribution<std::int64_t>(0, interval)(rng);
        // Up to 20,000 missing values keeps the naive side cheap.
        const std::int64_t value =
            std::uniform_int_distribution<std::int64_t>(0, std::min(histogram_hour_us, interval * 20'000))(rng);
        CAPTURE(value);
        CAPTURE(interval);
        REQUIRE(fast.record_corrected_value(value, interval));
        naive.record_value(value);
        for (std::int64_t missing = value - interval; missing >= interval; missing -= interval) {
          naive.record_value(missing);
        }
        check_same_buckets(fast, naive);
      }
    }
    histogram h(1, histogram_hour_us, 2);
    CHECK(h.record_corrected_value(5'000, 0));  // no correction
    CHECK(h.record_corrected_value(5'000, -3));
    CHECK(h.total_count() == 2);
  }

  TEST_CASE("empty histogram answers zero without dividing by zero") {
    const histogram h(1, histogram_hour_us, 3);
    CHECK(h.total_count() == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0.0);
    CHECK(h.stddev() == 0.0);
    for (const double p : {0.0, 50.0, 99.9, 100.0}) CHECK(h.value_at_percentile(p) == 0);
    CHECK(stress_testing::metrics::percentile_distribution(h).empty());
    CHECK(buckets_of(h).empty());
    CHECK(histogram::decode(h.encode()) == h);
  }

  TEST_CASE("value zero is recordable") {
    histogram h(1, histogram_hour_us, 2);
    CHECK(h.record_value(0));
    CHECK(h.total_count() == 1);
    CHECK(h.count_at_value(0) == 1);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.value_at_percentile(100.0) == 0);
    CHECK(h.mean() == 0.0);
    // Also with a coarse unit: 0 shares the first slot with values below the unit.
    histogram coarse(1000, histogram_hour_us, 2);
    CHECK(coarse.record_value(0));
    CHECK(coarse.count_at_value(0) == 1);
    CHECK(coarse.value_at_percentile(50.0) == 0);
  }

  TEST_CASE("out of range values are counted and not recorded") {
    histogram h(1, 1'000'000, 2);
    CHECK_FALSE(h.record_value(-1));
    CHECK_FALSE(h.record_value(1'000'001));
    CHECK_FALSE(h.record_value(std::numeric_limits<std::int64_t>::min()));
    CHECK_FALSE(h.record_value(int64_max));
    CHECK_FALSE(h.record_values(-5, 3));
    CHECK_FALSE(h.record_corrected_value(2'000'000, 10));  // no back-fill for a rejected value
    CHECK(h.out_of_range_count() == 8);
    CHECK(h.total_count() == 0);
    CHECK(h.max() == 0);
    CHECK(h.count_at_value(-1) == 0);
    CHECK(h.count_at_value(2'000'000) == 0);
    CHECK(h.record_value(1'000'000));  // the highest trackable value itself is in range
    CHECK(h.total_count() == 1);
    CHECK(h.max() == 1'000'000);
    // Zero and negative counts are not values.
    CHECK(h.record_values(5, 0));
    CHECK_FALSE(h.record_values(5, -1));
    CHECK(h.total_count() == 1);
    CHECK(h.out_of_range_count() == 8);
    CHECK(h.min() == 1'000'000);
  }

  TEST_CASE("counts that would overflow the total are refused and counted") {
    histogram h(1, 1'000, 2);
    CHECK(h.record_values(1, int64_max - 1));
    CHECK(h.record_value(2));
    CHECK_FALSE(h.record_value(1));
    CHECK_FALSE(h.record_values(2, 5));
    CHECK_FALSE(h.record_corrected_value(2, 1));
    CHECK(h.total_count() == int64_max);
    CHECK(h.out_of_range_count() == 7);
    CHECK(h.value_at_percentile(50.0) == 1);
    CHECK(h.value_at_percentile(100.0) == 2);
    // The percentile table terminates even where doubles cannot resolve the last rank.
    const auto table = stress_testing::metrics::percentile_distribution(h);
    REQUIRE_FALSE(table.empty());
    CHECK(table.back().percentile == 100.0);
    CHECK(table.back().value == 2);
    CHECK(table.size() < 1'000);
    histogram other(1, 1'000, 2);
    other.record_value(3);
    const histogram before = h;
    CHECK_THROWS_AS(h.add(other), std::overflow_error);
    CHECK(h == before);
    // The out-of-range count saturates instead of overflowing.
    histogram saturated(1, 1'000, 2);
    saturated.record_values(-1, int64_max);
    saturated.record_values(-1, int64_max);
    CHECK(saturated.out_of_range_count() == int64_max);
  }

  TEST_CASE("percentile is the nearest rank within slot precision") {
    for (const int digits : {1, 2, 3}) {
      CAPTURE(digits);
      histogram h(1, histogram_hour_us, digits);
      auto values = latencies(static_cast<std::uint64_t>(digits), 20'001, 5'000.0, 1.2);
      for (const auto v : values) REQUIRE(h.record_value(v));
      std::sort(values.begin(), values.end());
      CHECK(h.min() == values.front());
      CHECK(h.max() == values.back());
      const double n = static_cast<double>(values.size());
      for (const double p : {0.0, 0.5, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
        CAPTURE(p);
        const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * n / 100.0)));
        const std::int64_t exact = values[rank - 1];
        const std::int64_t actual = h.value_at_percentile(p);
        CHECK(actual == std::min(h.highest_equivalent_value(exact), h.max()));
        CHECK(actual >= exact);
        CHECK(static_cast<double>(actual - exact) <= static_cast<double>(exact) * std::pow(10.0, -digits));
      }
      // Out-of-domain percentiles are clamped.
      CHECK(h.value_at_percentile(-5.0) == h.value_at_percentile(0.0));
      CHECK(h.value_at_percentile(250.0) == h.max());
      CHECK(h.value_at_percentile(std::nan("")) == h.value_at_percentile(0.0));
    }
  }

  TEST_CASE("percentile rank has HdrHistogram's one ulp guard") {
    // HdrHistogram's own examples (its Java and JavaScript test suites): over {1, 2} the 50th
    // percentile is 1, also when asked as 50.00000000000001 (one ulp above 50), and 2 from
    // 50.0000000000001 on (a real step above); with three more 2s, p25 and p30 are 2.
    histogram h(1, histogram_hour_us, 3);
    h.record_value(1);
    h.record_value(2);
    CHECK(h.value_at_percentile(50.0) == 1);
    CHECK(h.value_at_percentile(50.00000000000001) == 1);
    CHECK(h.value_at_percentile(50.0000000000001) == 2);
    h.record_values(2, 3);
    CHECK(h.value_at_percentile(25.0) == 2);
    CHECK(h.value_at_percentile(30.0) == 2);
    // 99.9 is stored as 99.900000000000006: without the guard p99.9 of 1..41000 is the rank
    // 40,960, whose slot (width 32 above 32,768) ends at 40,991. HdrHistogram answers 40,959.
    histogram wide(1, histogram_hour_us, 3);
    for (std::int64_t v = 1; v <= 41'000; ++v) wide.record_value(v);
    CHECK(wide.value_at_percentile(99.9) == 40'959);
    CHECK(wide.value_at_percentile(100.0) == 41'000);
    // HdrHistogram's large-value example: lowest 20,000,000 (slots 2^24 wide), 5 digits. Its C
    // port rounds the rank (83.33% of 3 -> 2); the nearest rank (Java's) steps at 66.67%.
    histogram large(20'000'000, 100'000'000, 5);
    large.record_value(100'000'000);
    large.record_value(20'000'000);
    large.record_value(30'000'000);
    CHECK(large.values_are_equivalent(large.value_at_percentile(50.0), 20'000'000));
    CHECK(large.values_are_equivalent(large.value_at_percentile(66.66), 30'000'000));
    CHECK(large.values_are_equivalent(large.value_at_percentile(66.67), 100'000'000));
    CHECK(large.values_are_equivalent(large.value_at_percentile(83.34), 100'000'000));
    CHECK(large.values_are_equivalent(large.value_at_percentile(99.0), 100'000'000));
  }

  TEST_CASE("equivalent value helpers and count between follow the slots") {
    histogram h(1, histogram_hour_us, 3);
    // HdrHistogram's published layout for 1 .. 3.6e9 at 3 digits: 23,552 counts, 2,048 sub-buckets.
    CHECK(h.counts_array_length() == 23'552);
    CHECK(h.sub_bucket_count() == 2'048);
    CHECK(h.bucket_count() == 22);
    // Width 1 below 2,048, then doubling per power of two: 8 from 8,192 to 16,383.
    CHECK(h.size_of_equivalent_value_range(2'047) == 1);
    CHECK(h.size_of_equivalent_value_range(2'048) == 2);
    CHECK(h.size_of_equivalent_value_range(10'007) == 8);
    CHECK(h.lowest_equivalent_value(10'007) == 10'000);
    CHECK(h.highest_equivalent_value(10'007) == 10'007);
    CHECK(h.next_non_equivalent_value(10'007) == 10'008);
    CHECK(h.values_are_equivalent(10'000, 10'007));
    CHECK_FALSE(h.values_are_equivalent(10'007, 10'008));
    CHECK(h.values_are_equivalent(1'000, 1'000));
    CHECK_FALSE(h.values_are_equivalent(1'000, 1'001));
    // Slot indices run in value order without gaps, as HdrHistogram's counts index does.
    CHECK(h.counts_array_index(0) == 0);
    CHECK(h.counts_array_index(2'047) == 2'047);
    CHECK(h.counts_array_index(2'048) == 2'048);
    CHECK(h.counts_array_index(4'094) == 3'071);
    CHECK(h.counts_array_index(4'096) == 3'072);
    CHECK(h.value_from_index(3'071) == 4'094);
    // The last bucket is whole: it reaches past the highest trackable value (to 2^32 - 1 here).
    CHECK(h.counts_array_index(histogram_hour_us) < h.counts_array_length());
    CHECK(h.highest_equivalent_value(h.value_from_index(h.counts_array_length() - 1)) == (std::int64_t{1} << 32) - 1);
    for (std::size_t i : {std::size_t{0}, std::size_t{1'500}, std::size_t{3'000}, std::size_t{20'000}}) {
      CHECK(h.counts_array_index(h.value_from_index(i)) == i);
    }
    // count_between counts whole slots at both ends.
    for (std::int64_t v = 1; v <= 10'000; ++v) h.record_value(v);
    CHECK(h.count_between(1, 10'000) == 10'000);
    CHECK(h.count_between(0, 0) == 0);
    CHECK(h.count_between(100, 199) == 100);
    CHECK(h.count_between(5'000, 5'000) == 4);  // the slot 5,000 .. 5,003
    CHECK(h.count_between(-10, 2'047) == 2'047);
    CHECK(h.count_between(9'000, int64_max) == 1'001);
    CHECK(h.count_between(10, 5) == 0);
    CHECK(h.count_between(-5, -1) == 0);
  }

  TEST_CASE("restore extremes accepts only values inside the end slots") {
    histogram h(1, histogram_hour_us, 3);
    h.record_value(10'000);  // slot 10,000 .. 10,007
    h.record_value(50'000);  // slot 50,000 .. 50,015
    CHECK_FALSE(h.restore_extremes(9'999, 50'000));
    CHECK_FALSE(h.restore_extremes(10'000, 50'016));
    CHECK_FALSE(h.restore_extremes(50'000, 10'000));
    CHECK(h.min() == 10'000);
    CHECK(h.max() == 50'000);
    CHECK(h.restore_extremes(10'007, 50'015));
    CHECK(h.min() == 10'007);
    CHECK(h.max() == 50'015);
    CHECK_FALSE(histogram(1, 1'000, 2).restore_extremes(0, 0));
    h.count_out_of_range(3);
    h.count_out_of_range(-1);
    CHECK(h.out_of_range_count() == 3);
  }

  TEST_CASE("mean and stddev are within slot precision of the exact values") {
    // Each value is replaced by its slot's middle, at most v * 10^-digits / 2 away. So the mean
    // moves by at most that bound on average, and the stddev (a centred L2 norm) by at most
    // sqrt(mean of squared moves) <= 10^-digits / 2 * sqrt(mean of v^2).
    for (const int digits : {1, 2, 3}) {
      CAPTURE(digits);
      histogram h(1, histogram_hour_us, digits);
      const auto values = latencies(100 + static_cast<std::uint64_t>(digits), 50'000, 20'000.0, 1.0);
      double sum = 0.0;
      double sum_squares = 0.0;
      for (const auto v : values) {
        h.record_value(v);
        sum += static_cast<double>(v);
        sum_squares += static_cast<double>(v) * static_cast<double>(v);
      }
      const double n = static_cast<double>(values.size());
      const double mean = sum / n;
      const double stddev = std::sqrt(sum_squares / n - mean * mean);
      const double half_precision = std::pow(10.0, -digits) / 2.0;
      CHECK(std::abs(h.mean() - mean) <= half_precision * mean + 1.0);
      CHECK(std::abs(h.stddev() - stddev) <= half_precision * std::sqrt(sum_squares / n) + 1.0);
    }
  }

  TEST_CASE("merging two histograms equals recording both streams") {
    histogram a(1, histogram_hour_us, 3);
    histogram b(1, histogram_hour_us, 3);
    histogram both(1, histogram_hour_us, 3);
    for (const auto v : latencies(1, 10'000, 800.0, 1.5)) {
      a.record_value(v);
      both.record_value(v);
    }
    for (const auto v : latencies(2, 7'000, 50'000.0, 2.0)) {
      b.record_value(v);
      both.record_value(v);
    }
    for (histogram* h : {&b, &both}) {
      h->record_value(-1);
      h->record_value(histogram_hour_us + 1);
    }
    a.add(b);
    check_same_buckets(a, both);
    // Merging into an empty histogram copies; merging an empty one changes nothing.
    histogram empty(1, histogram_hour_us, 3);
    empty.add(both);
    check_same_buckets(empty, both);
    both.add(histogram(1, histogram_hour_us, 3));
    check_same_buckets(both, a);
    // Self-merge doubles every count.
    histogram twice = a;
    twice.add(twice);
    CHECK(twice.total_count() == 2 * a.total_count());
    CHECK(twice.out_of_range_count() == 2 * a.out_of_range_count());
    CHECK(twice.count_at_value(a.max()) == 2 * a.count_at_value(a.max()));
    // A smaller range with the same geometry is added slot by slot too.
    histogram small(1, 10'000, 3);
    histogram large_direct(1, histogram_hour_us, 3);
    histogram large(1, histogram_hour_us, 3);
    for (const auto v : latencies(3, 5'000, 3'000.0, 0.5)) {
      // Mirror small's out-of-range values, which add() carries over.
      large_direct.record_value(small.record_value(v) ? v : -1);
    }
    large.add(small);
    check_same_buckets(large, large_direct);
  }

  TEST_CASE("merging across layouts keeps totals and exact extremes") {
    // other has 2 digits (slots up to 1% wide) and a different unit; we have 3 digits.
    for (const std::int64_t other_lowest : {std::int64_t{1}, std::int64_t{1000}}) {
      CAPTURE(other_lowest);
      histogram other(other_lowest, histogram_hour_us, 2);
      histogram direct(1, histogram_hour_us, 3);
      for (const auto v : latencies(4, 20'000, 30'000.0, 1.5)) {
        other.record_value(v);
        direct.record_value(v);
      }
      histogram merged(1, histogram_hour_us, 3);
      merged.add(other);
      CHECK(merged.total_count() == direct.total_count());
      CHECK(merged.min() == direct.min());
      CHECK(merged.max() == direct.max());
      // Each value moved by at most half an `other` slot plus one of ours; percentiles report a
      // slot's highest value, so allow one full `other` slot plus ours, and the unit.
      for (const double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
        CAPTURE(p);
        const auto expected = static_cast<double>(direct.value_at_percentile(p));
        const auto actual = static_cast<double>(merged.value_at_percentile(p));
        CHECK(std::abs(actual - expected) <= expected * (0.01 + 0.001) + static_cast<double>(other_lowest));
      }
      CHECK(merged.mean() == doctest::Approx(direct.mean()).epsilon(0.01));
      // The merged histogram stays internally consistent: it survives a round trip.
      CHECK(histogram::decode(merged.encode()) == merged);
    }
  }

  TEST_CASE("merging values beyond our range counts them as out of range") {
    histogram narrow(1, 1'000, 2);
    histogram wide(1, 1'000'000, 2);
    for (const std::int64_t v : {10, 500, 5'000, 1'000'000}) wide.record_value(v);
    wide.record_value(-1);
    narrow.add(wide);
    CHECK(narrow.total_count() == 2);
    CHECK(narrow.out_of_range_count() == 3);
    // Re-recorded: the exact minimum, then 500's slot [500, 501] at its middle.
    CHECK(narrow.min() == 10);
    CHECK(narrow.max() == narrow.median_equivalent_value(500));
    CHECK(narrow.count_at_value(500) == 1);
    // The same geometry with a wider range is added slot by slot when other's values fit.
    histogram fits(1, 1'000'000, 2);
    fits.record_value(500);
    fits.record_value(10);
    histogram exact(1, 1'000, 2);
    exact.add(fits);
    CHECK(exact.max() == 500);
    CHECK(exact.total_count() == 2);
    CHECK(exact.out_of_range_count() == 0);
  }

  TEST_CASE("encoding round trip preserves every bucket and still merges") {
    const histogram original = sample_histogram();
    const auto bytes = original.encode();
    MESSAGE("encoded sample: " << bytes.size() << " bytes for " << original.total_count() << " values");
    const histogram decoded = histogram::decode(bytes);
    check_same_buckets(decoded, original);
    CHECK(decoded.lowest_discernible_value() == original.lowest_discernible_value());
    CHECK(decoded.highest_trackable_value() == original.highest_trackable_value());
    CHECK(decoded.significant_digits() == original.significant_digits());
    CHECK(decoded.encode() == bytes);
    const auto maybe = histogram::try_decode(bytes);
    REQUIRE(maybe.has_value());
    CHECK(*maybe == original);
    // Merging the decoded copy is the same as merging the original.
    histogram via_copy = original;
    via_copy.add(decoded);
    histogram direct = original;
    direct.add(original);
    check_same_buckets(via_copy, direct);
    // Other layouts and extreme values.
    histogram full(1, int64_max, 5);
    full.record_value(int64_max);
    full.record_value(0);
    full.record_values(std::int64_t{1} << 40, 123'456'789'012);
    check_same_buckets(histogram::decode(full.encode()), full);
    histogram coarse(1'000, histogram_hour_us, 1);
    coarse.record_value(histogram_hour_us);
    check_same_buckets(histogram::decode(coarse.encode()), coarse);
  }

  TEST_CASE("base64 round trip preserves the histogram") {
    // RFC 4648 section 10 test vectors for the codec itself.
    using pair = std::pair<std::string_view, std::string_view>;
    for (const auto& [plain, encoded] : {pair{"", ""}, pair{"f", "Zg=="}, pair{"fo", "Zm8="}, pair{"foo", "Zm9v"},
                                         pair{"foob", "Zm9vYg=="}, pair{"fooba", "Zm9vYmE="},
                                         pair{"foobar", "Zm9vYmFy"}}) {
      const std::vector<std::uint8_t> bytes(plain.begin(), plain.end());
      CHECK(hdr_detail::base64_encode(bytes) == encoded);
      const auto back = hdr_detail::base64_decode(encoded);
      REQUIRE(back.has_value());
      CHECK(*back == bytes);
    }
    for (const std::string_view bad :
         {"Zg=", "Zg", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm 9v", "Zm9v\n", "=Zm9"}) {
      CAPTURE(bad);
      CHECK_FALSE(hdr_detail::base64_decode(bad).has_value());
    }
    const histogram original = sample_histogram();
    const std::string text = original.to_base64();
    CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
          std::string::npos);
    check_same_buckets(histogram::from_base64(text), original);
    REQUIRE(histogram::try_from_base64(text).has_value());
    CHECK(*histogram::try_from_base64(text) == original);
    CHECK(text_contains(failure_reason([&] { (void)histogram::from_base64(text.substr(1)); }), "base64"));
    CHECK_FALSE(histogram::try_from_base64("not base64!").has_value());
    // Valid base64 of a damaged encoding fails in decode.
    auto bytes = original.encode();
    bytes[100] ^= 0x01;
    CHECK_FALSE(histogram::try_from_base64(hdr_detail::base64_encode(bytes)).has_value());
  }

  TEST_CASE("decode rejects every truncation of a valid encoding") {
    const auto bytes = sample_histogram().encode();
    const std::span<const std::uint8_t> all(bytes);
    bool all_rejected = true;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      const auto prefix = all.first(length);
      bool threw = false;
      try {
        (void)histogram::decode(prefix);
      } catch (const std::invalid_argument&) {
        threw = true;
      }
      if (!threw || histogram::try_decode(prefix).has_value()) {
        CAPTURE(length);
        all_rejected = false;
        CHECK(threw);
      }
    }
    CHECK(all_rejected);
    auto longer = bytes;
    longer.push_back(0);
    CHECK_THROWS_AS((void)histogram::decode(longer), std::invalid_argument);
  }

  TEST_CASE("decode survives random corruption without crashing") {
    const auto valid = sample_histogram().encode();
    std::mt19937_64 rng(123456789);
    std::uniform_int_distribution<std::size_t> position(0, valid.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> edits(1, 4);
    int accepted_with_fixed_crc = 0;
    for (int round = 0; round < 3'000; ++round) {
      auto bytes = valid;
      for (int e = edits(rng); e > 0; --e) {
        bytes[position(rng)] ^= static_cast<std::uint8_t>(byte(rng) | 1);  // never a no-op
      }
      // The CRC catches accidental damage.
      CHECK_FALSE(histogram::try_decode(bytes).has_value());
      // With the CRC rewritten the structural checks must hold on their own: either a
      // consistent histogram or invalid_argument, never a crash or out-of-bounds read.
      fix_crc(bytes);
      try {
        const histogram h = histogram::decode(bytes);
        ++accepted_with_fixed_crc;
        CHECK(histogram::decode(h.encode()) == h);
        (void)h.value_at_percentile(99.0);
        (void)h.mean();
      } catch (const std::invalid_argument&) {
      }
    }
    MESSAGE("mutations accepted after rewriting the CRC: " << accepted_with_fixed_crc << " of 3000");
    // Arbitrary bytes, with and without a plausible header.
    for (int round = 0; round < 2'000; ++round) {
      std::vector<std::uint8_t> junk(std::uniform_int_distribution<std::size_t>(0, 200)(rng));
      for (auto& b : junk) b = static_cast<std::uint8_t>(byte(rng));
      if (round % 2 == 1 && junk.size() >= 64) {
        std::copy(valid.begin(), valid.begin() + 8, junk.begin());
        const std::size_t payload = junk.size() - 64;
        for (std::size_t k = 0; k < 4; ++k) junk[56 + k] = static_cast<std::uint8_t>(payload >> (8 * k));
        fix_crc(junk);
      }
      CHECK_FALSE(histogram::try_decode(junk).has_value());
    }
  }

  TEST_CASE("decode names the reason for each kind of corruption") {
    histogram h(1, histogram_hour_us, 2);
    h.record_value(100);
    h.record_value(300);
    const auto valid = h.encode();
    auto reason = [](std::vector<std::uint8_t> bytes) {
      return failure_reason([&] { (void)histogram::decode(bytes); });
    };
    auto edited = [&](auto edit) {
      auto bytes = valid;
      edit(bytes);
      fix_crc(bytes);
      return bytes;
    };
    CHECK(text_contains(reason({}), "truncated"));
    CHECK(text_contains(reason(edited([](auto& b) { b[0] = 'X'; })), "bad magic"));
    CHECK(text_contains(reason(edited([](auto& b) { b[4] = 2; })), "version"));
    CHECK(text_contains(reason(edited([](auto& b) { b[6] = 1; })), "reserved"));
    auto flipped = valid;
    flipped[61] ^= 0x10;
    CHECK(text_contains(reason(flipped), "checksum"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 8, 0); })), "lowest_discernible_value"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 16, 1); })), "highest_trackable_value"));
    CHECK(text_contains(reason(edited([](auto& b) { b[5] = 9; })), "significant_digits"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 24, 3); })), "total_count"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 24, static_cast<std::uint64_t>(-2)); })),
                   "negative"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 32, static_cast<std::uint64_t>(-1)); })),
                   "negative"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 40, 101); })), "min/max"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 48, 200); })), "min/max"));
    CHECK(text_contains(reason(edited([](auto& b) { put_le64(b, 48, 50); })), "min/max"));
    // Payload-level damage, with consistent length and CRC.
    const std::uint64_t big = static_cast<std::uint64_t>(int64_max) << 1;  // zig-zag of INT64_MAX
    CHECK(text_contains(reason(with_payload(valid, {big, big})), "overflow"));
    const std::uint64_t million_empty_slots = (std::uint64_t{1'000'000} << 1) - 1;  // zig-zag of -1e6
    CHECK(text_contains(reason(with_payload(valid, {million_empty_slots})), "beyond"));
    auto long_run = with_payload(valid, {});
    long_run.insert(long_run.begin() + 60, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});
    long_run[56] = 10;
    fix_crc(long_run);
    CHECK(text_contains(reason(long_run), "varint overflows"));
    auto cut_varint = with_payload(valid, {});
    cut_varint.insert(cut_varint.begin() + 60, std::uint8_t{0x80});
    cut_varint[56] = 1;
    fix_crc(cut_varint);
    CHECK(text_contains(reason(cut_varint), "truncated varint"));
    auto trailing = valid;
    trailing.insert(trailing.end() - 4, std::uint8_t{0});
    fix_crc(trailing);
    CHECK(text_contains(reason(trailing), "trailing"));
    // The untouched encoding is fine.
    CHECK(text_contains(reason(valid), "<no exception>"));
  }

  TEST_CASE("reset forgets values but keeps layout and memory") {
    histogram h = sample_histogram();
    const std::size_t size = h.size_in_bytes();
    h.reset();
    CHECK(h == histogram(1, histogram_hour_us, 3));
    CHECK(h.size_in_bytes() == size);
    CHECK(h.record_value(5));
    CHECK(h.min() == 5);
    CHECK(h.max() == 5);
  }

  TEST_CASE("for_each_bucket visits non-empty slots in value order") {
    histogram h(1, histogram_hour_us, 2);
    const std::vector<std::int64_t> values = {0, 3, 3, 255, 256, 257, 1'000, 1'000'000, histogram_hour_us};
    for (const auto v : values) h.record_value(v);
    const auto buckets = buckets_of(h);
    std::int64_t total = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      CHECK(buckets[i].count > 0);
      CHECK(buckets[i].value_from <= buckets[i].value_to);
      if (i > 0) CHECK(buckets[i - 1].value_to < buckets[i].value_from);
      total += buckets[i].count;
    }
    CHECK(total == h.total_count());
    for (const auto v : values) {
      CAPTURE(v);
      CHECK(std::any_of(buckets.begin(), buckets.end(),
                        [&](const histogram::bucket& b) { return b.value_from <= v && v <= b.value_to; }));
    }
    // 256 and 257 share a slot of width 2 at 2 digits.
    CHECK(h.count_at_value(256) == 2);
    CHECK(buckets.size() == 7);
  }

  TEST_CASE("a moved from histogram stays safe to use") {
    histogram source = sample_histogram();
    const histogram copy = source;
    histogram target = std::move(source);
    CHECK(target == copy);
    // NOLINTBEGIN(bugprone-use-after-move): exercising the documented moved-from state.
    CHECK_FALSE(source.record_value(5));
    CHECK(source.out_of_range_count() == 1);
    CHECK(source.total_count() == 0);
    CHECK(source.value_at_percentile(50.0) == 0);
    CHECK(source.count_at_value(5) == 0);
    CHECK(source.mean() == 0.0);
    source.add(copy);  // everything lands out of range
    CHECK(source.total_count() == 0);
    CHECK(source.out_of_range_count() == 1 + copy.total_count() + copy.out_of_range_count());
    CHECK(histogram::try_decode(source.encode()).has_value());
    source = copy;
    CHECK(source == copy);
    histogram assigned(1, 10, 1);
    assigned = std::move(target);
    CHECK(assigned == copy);
    CHECK(target.total_count() == 0);
    // NOLINTEND(bugprone-use-after-move)
  }

  TEST_CASE("copy assignment works across layouts") {
    const histogram big = sample_histogram();
    histogram same(1, histogram_hour_us, 3);
    same = big;  // same bucket array size: copied in place
    CHECK(same == big);
    histogram other(1, 100, 1);
    other.record_value(7);
    other = big;
    CHECK(other == big);
    other = histogram(1, 100, 1);
    CHECK(other.highest_trackable_value() == 100);
    CHECK(other.record_value(100));
    CHECK_FALSE(other.record_value(101));
  }

  TEST_CASE("crc32 matches the standard check value") {
    const std::string_view check = "123456789";
    const std::vector<std::uint8_t> bytes(check.begin(), check.end());
    CHECK(hdr_detail::crc32(bytes) == 0xCBF43926u);
    // Continuing over a split gives the same result.
    const std::span<const std::uint8_t> all(bytes);
    CHECK(hdr_detail::crc32(all.subspan(4), hdr_detail::crc32(all.first(4))) == 0xCBF43926u);
  }
}
