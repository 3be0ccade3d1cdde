#ifndef STRESS_TESTING_METRICS_HDR_LOG_HPP
#define STRESS_TESTING_METRICS_HDR_LOG_HPP

/** HdrHistogram interval logs (log format 1.3, the `.hlog` files jHiccup, wrk2, HdrHistogram's
    `HistogramLogWriter` and HistogramLogAnalyzer use): one histogram per interval, each line
    `start,length,max,base64` of HdrHistogram's compressed V2 encoding (`hdr_codec`).
    Layer `codec`: std + zlib.

        #[Histogram log format version 1.3]
        #[StartTime: 1796630546.123 (seconds since epoch), 2026-12-07T08:02:26.123Z]
        #[BaseTime: 1796630546.123 (seconds since epoch)]
        "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
        0.000,1.000,12.583,HISTFAAAA...

    Times are seconds with 3 decimals, interval starts relative to BaseTime (the run's start).
    `Interval_Max` is the interval's maximum divided by `max_value_divisor`: 1,000,000 by default,
    HdrHistogram's own default, which reads nanosecond histograms (ours) as milliseconds. */

#include <stress_testing/metrics/hdr_codec.hpp>
#include <stress_testing/metrics/histogram.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <istream>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stress_testing::metrics {

/** Writes an interval log to a stream it does not own (which must outlive it). Not thread-safe;
    stream errors are the stream's (check it after writing). */
class hdr_log_writer {
 public:
  /// HdrHistogram's default divisor for `Interval_Max`: nanoseconds printed as milliseconds.
  static constexpr double default_max_value_divisor = 1'000'000.0;

  explicit hdr_log_writer(std::ostream& out, double max_value_divisor = default_max_value_divisor)
      : out_(out), max_value_divisor_(max_value_divisor) {}

  /** The format version, `StartTime` and `BaseTime` (both `start_epoch_seconds`: the run's
      start; interval starts are relative to it) and the legend line. Call once, first. */
  void write_header(double start_epoch_seconds) {
    out_ << "#[Histogram log format version 1.3]\n";
    out_ << "#[StartTime: " << fixed3(start_epoch_seconds) << " (seconds since epoch), " << iso8601(start_epoch_seconds)
         << "]\n";
    out_ << "#[BaseTime: " << fixed3(start_epoch_seconds) << " (seconds since epoch)]\n";
    out_ << "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
  }

  /// One interval: `start_seconds` after BaseTime, lasting `length_seconds`, holding `h`.
  void write_interval(double start_seconds, double length_seconds, const histogram& h) {
    out_ << fixed3(start_seconds) << ',' << fixed3(length_seconds) << ','
         << fixed3(static_cast<double>(h.max()) / max_value_divisor_) << ',' << hdr_codec::to_base64(h) << '\n';
  }

 private:
  static std::string fixed3(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
  }

  static std::string iso8601(double epoch_seconds) {
    // Whole milliseconds first, as the StartTime number is printed (to 3 decimals).
    const long long total_ms = std::llround(epoch_seconds * 1000.0);
    const long long floor_s = total_ms >= 0 ? total_ms / 1000 : -((-total_ms + 999) / 1000);
    const auto whole = static_cast<std::time_t>(floor_s);
    const auto millis = static_cast<int>(total_ms - floor_s * 1000);
    std::tm utc{};
    gmtime_r(&whole, &utc);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
    return buf;
  }

  std::ostream& out_;
  double max_value_divisor_;
};

/// One interval line of a log, its times made absolute (seconds since the epoch when the log
/// says when it started, else as written).
struct hdr_log_interval {
  std::string tag;  ///< from an optional `Tag=...,` prefix; empty otherwise
  double start_seconds = 0;
  double length_seconds = 0;
  double max = 0;  ///< `Interval_Max` as written (in the log's max unit)
  histogram h;
};

/** Reads an interval log line by line: comments (`#`), the legend and blank lines are skipped;
    `#[StartTime: ]` and `#[BaseTime: ]` are read. Times follow HdrHistogram's reader: relative
    to BaseTime if given; else, a timestamp far (over a year) below StartTime is relative to
    StartTime, otherwise absolute. One histogram in memory at a time. */
class hdr_log_reader {
 public:
  explicit hdr_log_reader(std::istream& in) : in_(in) {}

  /** The next interval, or `std::nullopt` at the end. Throws `std::invalid_argument` naming the
      line number and the field for a malformed line or histogram. */
  std::optional<hdr_log_interval> next() {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line.front() == '"') continue;
      if (line.front() == '#') {
        read_time(line, "#[StartTime: ", start_time_);
        read_time(line, "#[BaseTime: ", base_time_);
        continue;
      }
      return parse_interval(line);
    }
    return std::nullopt;
  }

  /// StartTime from the header, once read.
  [[nodiscard]] std::optional<double> start_time() const noexcept { return start_time_; }
  /// BaseTime from the header, once read.
  [[nodiscard]] std::optional<double> base_time() const noexcept { return base_time_; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument("interval log line " + std::to_string(line_number_) + ": " + what);
  }

  void read_time(std::string_view line, std::string_view prefix, std::optional<double>& out) const {
    if (line.substr(0, prefix.size()) != prefix) return;
    const std::string rest(line.substr(prefix.size()));
    char* end = nullptr;
    const double v = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str() || !std::isfinite(v)) fail(std::string(prefix.substr(2, prefix.size() - 4)) + ": not a number");
    out = v;
  }

  hdr_log_interval parse_interval(std::string_view line) {
    hdr_log_interval r{.tag = {}, .start_seconds = 0, .length_seconds = 0, .max = 0, .h = histogram(1, 2, 1)};
    if (line.substr(0, 4) == "Tag=") {
      const std::size_t comma = line.find(',');
      if (comma == std::string_view::npos) fail("Tag: no fields after it");
      r.tag = std::string(line.substr(4, comma - 4));
      line.remove_prefix(comma + 1);
    }
    const char* names[] = {"StartTimestamp", "Interval_Length", "Interval_Max"};
    double fields[3] = {};
    for (int i = 0; i < 3; ++i) {
      const std::size_t comma = line.find(',');
      if (comma == std::string_view::npos) fail(std::string(names[i]) + ": missing (expected 4 fields)");
      const std::string text(line.substr(0, comma));
      char* end = nullptr;
      fields[i] = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(fields[i])) {
        fail(std::string(names[i]) + ": not a number");
      }
      line.remove_prefix(comma + 1);
    }
    try {
      r.h = hdr_codec::from_base64(line);
    } catch (const std::exception& e) {
      fail(std::string("Interval_Compressed_Histogram: ") + e.what());
    }
    if (!base_time_) {
      // HdrHistogram's rule: a timestamp far below StartTime is relative to it.
      base_time_ = start_time_ && fields[0] < *start_time_ - 365.0 * 24 * 3600 ? *start_time_ : 0.0;
    }
    r.start_seconds = *base_time_ + fields[0];
    r.length_seconds = fields[1];
    r.max = fields[2];
    return r;
  }

  std::istream& in_;
  std::size_t line_number_ = 0;
  std::optional<double> start_time_;
  std::optional<double> base_time_;
};

}  // namespace stress_testing::metrics

#endif
