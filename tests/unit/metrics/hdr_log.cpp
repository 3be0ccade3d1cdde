#include "../../support/failure_reason.hpp"
#include <stress_testing/metrics/hdr_log.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

using stress_testing::metrics::hdr_log_reader;
using stress_testing::metrics::hdr_log_writer;
using stress_testing::metrics::histogram;
namespace hdr_codec = stress_testing::metrics::hdr_codec;

namespace {

using test_support::failure_reason;

}  // namespace

TEST_SUITE("metrics") {
  TEST_CASE("interval log has HdrHistogram's header and one line per interval") {
    std::ostringstream out;
    hdr_log_writer w(out);
    w.write_header(1'796'630'546.123);
    histogram h(1, 3'600'000'000'000, 3);  // nanoseconds up to an hour
    h.record_value(12'583'000);              // 12.583 ms
    h.record_value(1'000'000);
    w.write_interval(0.0, 1.0, h);
    histogram empty(1, 3'600'000'000'000, 3);
    w.write_interval(1.0, 0.5, empty);
    const std::string expected =
        "#[Histogram log format version 1.3]\n"
        "#[StartTime: 1796630546.123 (seconds since epoch), 2026-12-07T08:02:26.123Z]\n"
        "#[BaseTime: 1796630546.123 (seconds since epoch)]\n"
        "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
        "0.000,1.000,12.583," + hdr_codec::to_base64(h) + "\n"
        "1.000,0.500,0.000," + hdr_codec::to_base64(empty) + "\n";
    CHECK(out.str() == expected);
    // And it reads back, times absolute from BaseTime.
    std::istringstream in(out.str());
    hdr_log_reader r(in);
    auto first = r.next();
    REQUIRE(first);
    CHECK(first->start_seconds == doctest::Approx(1'796'630'546.123));
    CHECK(first->length_seconds == 1.0);
    CHECK(first->max == doctest::Approx(12.583));
    CHECK(first->h.total_count() == 2);
    CHECK(first->h.count_at_value(1'000'000) == 1);
    auto second = r.next();
    REQUIRE(second);
    CHECK(second->start_seconds == doctest::Approx(1'796'630'547.123));
    CHECK(second->h.total_count() == 0);
    CHECK_FALSE(r.next());
    CHECK(r.start_time() == doctest::Approx(1'796'630'546.123));
  }

  TEST_CASE("interval log reader reads a log HdrHistogram wrote") {
    // Written by hdr-histogram-js 3.0.1's HistogramLogWriter: {1000, 2000} in the first second,
    // 5000 three times tagged "B" in the next, histograms build({1, 3600000000, 3 digits}).
    std::istringstream in(
        "#[Histogram log format version 1.3]\n"
        "#[StartTime: 1796630546.123 (seconds since epoch), Mon Dec 07 2026 08:02:26 GMT+0000 (Coordinated "
        "Universal Time)]\n"
        "\n"
        "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
        "0.000,1.000,2.000,HISTFAAAACl4nJNpmSzMwMDAxsDAwMjAwMDMAAEgNsO1yUsYYPzz/Exn+ZkAZSoFHg==\n"
        "Tag=B,1.000,1.000,5.000,HISTFAAAACJ4nJNpmSzMwMDAzMDAwAilGaBshmuTlzDA+IeN2QBVnwRZ\n");
    hdr_log_reader r(in);
    auto a = r.next();
    REQUIRE(a);
    CHECK(a->tag.empty());
    // No BaseTime, timestamps far below StartTime: relative to StartTime.
    CHECK(a->start_seconds == doctest::Approx(1'796'630'546.123));
    CHECK(a->max == 2.0);
    CHECK(a->h.total_count() == 2);
    CHECK(a->h.count_at_value(1'000) == 1);
    CHECK(a->h.count_at_value(2'000) == 1);
    CHECK(a->h.highest_trackable_value() == 3'600'000'000);
    auto b = r.next();
    REQUIRE(b);
    CHECK(b->tag == "B");
    CHECK(b->start_seconds == doctest::Approx(1'796'630'547.123));
    CHECK(b->h.total_count() == 3);
    CHECK(b->h.count_at_value(5'000) == 3);
    CHECK_FALSE(r.next());
  }

  TEST_CASE("interval log reader names the line and field of a bad line") {
    auto reason = [](const std::string& text) {
      return failure_reason([&] {
        std::istringstream in(text);
        hdr_log_reader r(in);
        while (r.next()) {
        }
      });
    };
    CHECK(reason("#[StartTime: x]\n") == "interval log line 1: StartTime: not a number");
    CHECK(reason("# c\nabc,1,2,HISTF\n") == "interval log line 2: StartTimestamp: not a number");
    CHECK(reason("0.0,1.0,2.0\n") == "interval log line 1: Interval_Max: missing (expected 4 fields)");
    CHECK(reason("Tag=x\n") == "interval log line 1: Tag: no fields after it");
    CHECK(reason("0.0,1.0,2.0,HISTFAAA\n").rfind("interval log line 1: Interval_Compressed_Histogram: ", 0) == 0);
  }
}
