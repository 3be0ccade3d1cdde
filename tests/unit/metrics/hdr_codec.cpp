#include "../../support/failure_reason.hpp"
#include <stress_testing/metrics/hdr_codec.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using stress_testing::metrics::histogram;
namespace hdr_codec = stress_testing::metrics::hdr_codec;

namespace {

constexpr std::int64_t one_hour_us = 3'600'000'000;

using test_support::failure_reason;

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

histogram spread() {
  histogram h(1, one_hour_us, 3);
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  for (int i = 0; i < 20'000; ++i) h.record_value(static_cast<std::int64_t>(dist(rng)));
  h.record_values(1, 5);
  h.record_value(one_hour_us);
  return h;
}

void check_same_counts(const histogram& a, const histogram& b) {
  REQUIRE(a.counts_array_length() == b.counts_array_length());
  CHECK(a.lowest_discernible_value() == b.lowest_discernible_value());
  CHECK(a.highest_trackable_value() == b.highest_trackable_value());
  CHECK(a.significant_digits() == b.significant_digits());
  CHECK(a.total_count() == b.total_count());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.counts_array_length(); ++i) differing += a.count_at_index(i) != b.count_at_index(i);
  CHECK(differing == 0);
}

}  // namespace

TEST_SUITE("metrics") {
  TEST_CASE("hdr v2 plain encoding matches the published layout byte for byte") {
    histogram h(1, one_hour_us, 3);
    h.record_value(1);
    h.record_value(2);
    const std::vector<std::uint8_t> expected{
        0x1c, 0x84, 0x93, 0x13,                          // V2 cookie with the 0x10 nibble
        0x00, 0x00, 0x00, 0x03,                          // payload: 3 bytes
        0x00, 0x00, 0x00, 0x00,                          // normalizing index offset
        0x00, 0x00, 0x00, 0x03,                          // significant digits
        0, 0, 0, 0, 0, 0, 0, 1,                          // lowest
        0, 0, 0, 0, 0xd6, 0x93, 0xa4, 0x00,              // highest 3,600,000,000
        0x3f, 0xf0, 0, 0, 0, 0, 0, 0,                    // 1.0
        0x00, 0x02, 0x02};                               // slot 0: 0; slots 1, 2: 1 (ZigZag 2)
    CHECK(hdr_codec::encode(h) == expected);
    // Empty runs: one empty slot is the count 0, longer runs are their negated length.
    histogram gaps(1, one_hour_us, 3);
    gaps.record_value(3);
    gaps.record_values(100, 70);
    const auto bytes = hdr_codec::encode(gaps);
    const std::vector<std::uint8_t> payload(bytes.begin() + 40, bytes.end());
    // -3 empty (0, 1, 2), 1 at 3, -96 empty (4 .. 99), 70 at 100: ZigZag 5, 2, 191 (LEB128 0xbf 0x01), 140.
    CHECK(payload == std::vector<std::uint8_t>{0x05, 0x02, 0xbf, 0x01, 0x8c, 0x01});
  }

  TEST_CASE("hdr v2 decodes a histogram encoded by HdrHistogram") {
    // hdr-histogram-js 3.0.1, encodeIntoCompressedBase64 of {1, 2} recorded into
    // build({lowestDiscernibleValue: 1, highestTrackableValue: 3600000000, digits: 3}).
    const histogram h = hdr_codec::from_base64("HISTFAAAACF4nJNpmSzMwMDAzMDAwAilGaBshmuTlzDA+UxMAFLwA2E=");
    CHECK(h.lowest_discernible_value() == 1);
    CHECK(h.highest_trackable_value() == one_hour_us);
    CHECK(h.significant_digits() == 3);
    CHECK(h.total_count() == 2);
    CHECK(h.count_at_value(1) == 1);
    CHECK(h.count_at_value(2) == 1);
    CHECK(h.min() == 1);
    CHECK(h.max() == 2);
    CHECK(h.value_at_percentile(50.0) == 1);
  }

  TEST_CASE("hdr v2 compressed round trip keeps every count") {
    const histogram original = spread();
    const auto compressed = hdr_codec::encode_compressed(original);
    CHECK(compressed[0] == 0x1c);
    CHECK(compressed[3] == 0x14);
    const histogram decoded = hdr_codec::decode(compressed);
    check_same_counts(decoded, original);
    // The format keeps counts only: min is its slot's lowest value, max its slot's highest,
    // capped at the highest trackable value.
    CHECK(decoded.values_are_equivalent(decoded.min(), original.min()));
    CHECK(decoded.max() == one_hour_us);
    CHECK(decoded.out_of_range_count() == 0);
    check_same_counts(hdr_codec::decode(hdr_codec::encode(original)), original);
    const std::string text = hdr_codec::to_base64(original);
    CHECK(text.rfind("HISTF", 0) == 0);
    check_same_counts(hdr_codec::from_base64(text), original);
    check_same_counts(hdr_codec::from_base64_any(text), original);
    // The previous format still reads, exactly.
    CHECK(hdr_codec::from_base64_any(original.to_base64()) == original);
    // Empty and other layouts.
    const histogram empty(1'000, 60'000'000'000, 2);
    const histogram back = hdr_codec::decode(hdr_codec::encode_compressed(empty));
    CHECK(back == empty);
  }

  TEST_CASE("hdr v2 counts above 2 to the 56 take nine bytes") {
    histogram h(1, 1'000, 2);
    const std::int64_t huge = (std::int64_t{1} << 60) + 12'345;
    REQUIRE(h.record_values(7, huge));
    const auto bytes = hdr_codec::encode(h);
    CHECK(bytes.size() == 40 + 1 + 9);  // -7 empty slots, then the count
    const histogram back = hdr_codec::decode(bytes);
    CHECK(back.count_at_value(7) == huge);
    CHECK(back.total_count() == huge);
  }

  TEST_CASE("hdr v2 decode names what is wrong and never crashes") {
    const histogram original = spread();
    const auto plain = hdr_codec::encode(original);
    const auto compressed = hdr_codec::encode_compressed(original);
    auto reason = [](std::vector<std::uint8_t> bytes) {
      return failure_reason([&] { (void)hdr_codec::decode(bytes); });
    };
    auto edited = plain;
    edited[3] = 0x05;
    CHECK(contains(reason(edited), "cookie"));
    edited = plain;
    edited[15] = 0;
    CHECK(contains(reason(edited), "significant digits"));
    edited = plain;
    edited[23] = 0;
    CHECK(contains(reason(edited), "lowest"));
    edited = plain;
    edited.push_back(0);
    CHECK(contains(reason(edited), "trailing"));
    edited = compressed;
    edited.push_back(0);
    CHECK(contains(reason(edited), "trailing"));
    edited = compressed;
    edited[12] ^= 0xFF;
    CHECK_FALSE(hdr_codec::try_decode(edited).has_value());
    CHECK(contains(failure_reason([] { (void)hdr_codec::from_base64("not base64!"); }), "base64"));
    // A count in the last bucket's part above the highest trackable value (1 .. 1,000 at 2 digits:
    // 512 slots up to 1,023), which HdrHistogram's Java port can write.
    auto beyond = hdr_codec::encode(histogram(1, 1'000, 2));
    for (const unsigned b : {0xfdu, 0x07u, 0x02u}) beyond.push_back(static_cast<std::uint8_t>(b));  // -511 empty, then 1
    beyond[7] = 3;
    CHECK(contains(reason(beyond), "above the highest trackable value"));
    beyond[40] = 0xfb;  // -510 empty: the count lands on slot 510 (1,020 .. 1,021), still above 1,000
    CHECK(contains(reason(beyond), "above the highest trackable value"));
    for (std::size_t n = 0; n < compressed.size(); ++n) {
      CAPTURE(n);
      CHECK_FALSE(hdr_codec::try_decode(std::span(compressed).first(n)).has_value());
    }
    for (std::size_t n = 0; n < plain.size(); ++n) {
      CHECK_FALSE(hdr_codec::try_decode(std::span(plain).first(n)).has_value());
    }
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 2'000; ++trial) {
      auto bytes = trial % 2 == 0 ? plain : compressed;
      for (int flips = 0; flips < 3; ++flips) bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      if (auto h = hdr_codec::try_decode(bytes)) CHECK(h->total_count() >= 0);
    }
  }
}
