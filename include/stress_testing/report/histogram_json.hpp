#ifndef STRESS_TESTING_REPORT_HISTOGRAM_JSON_HPP
#define STRESS_TESTING_REPORT_HISTOGRAM_JSON_HPP

/** The `histograms` object of a results document (docs/results.md): a run's three histograms
    in HdrHistogram's compressed V2 encoding (base64, `HISTF...`), readable by HdrHistogram's
    libraries and tools, plus what that encoding drops (exact minimum, maximum and the
    out-of-range count) so that reading it back gives the histogram that was written. Reading
    accepts both that form and the "STHG" form of results schema versions 1 and 2. */

#include <stress_testing/metrics/hdr_codec.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/snapshot.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace stress_testing::report {

/// What `histograms.encoding` says for the V2 form.
inline constexpr const char* histogram_encoding = "HdrHistogram V2 compressed, base64";

namespace detail {

inline nlohmann::json exact_json(const metrics::histogram& h) {
  return {{"min", h.min()}, {"max", h.max()}, {"out_of_range", h.out_of_range_count()}};
}

}  // namespace detail

/** The `histograms` object for a run's snapshot (nanoseconds). */
inline nlohmann::json histograms_json(const metrics::snapshot& s) {
  return {{"unit", "ns"},
          {"encoding", histogram_encoding},
          {"response_time", metrics::hdr_codec::to_base64(s.response_time)},
          {"service_time", metrics::hdr_codec::to_base64(s.service_time)},
          {"send_lag", metrics::hdr_codec::to_base64(s.send_lag)},
          {"exact",
           {{"response_time", detail::exact_json(s.response_time)},
            {"service_time", detail::exact_json(s.service_time)},
            {"send_lag", detail::exact_json(s.send_lag)}}}};
}

/** Reads back one histogram (`which`: `response_time`, `service_time` or `send_lag`) of a
    results document, for merging runs or printing its percentiles. HdrHistogram V2 text gets
    its exact extremes and out-of-range count back from `histograms.exact.<which>` when present;
    "STHG" text carries them itself. Throws `std::invalid_argument` naming the field when the
    document lacks it or the encoding is invalid. */
inline metrics::histogram read_histogram(const nlohmann::json& results, const std::string& which) {
  auto const hs = results.find("histograms");
  if (hs == results.end() || !hs->is_object()) throw std::invalid_argument("missing field histograms");
  auto const text = hs->find(which);
  if (text == hs->end()) throw std::invalid_argument("missing field histograms." + which);
  if (!text->is_string()) throw std::invalid_argument("histograms." + which + ": expected base64 text");
  metrics::histogram h = [&] {
    try {
      return metrics::hdr_codec::from_base64_any(text->get<std::string>());
    } catch (const std::exception& e) {
      throw std::invalid_argument("histograms." + which + ": " + e.what());
    }
  }();
  auto const exact = hs->find("exact");
  if (exact == hs->end() || !exact->is_object() || !exact->contains(which)) return h;
  std::string const path = "histograms.exact." + which;
  auto const& e = (*exact)[which];
  auto field = [&](const char* key) {
    if (!e.is_object() || !e.contains(key) || !e[key].is_number_integer())
      throw std::invalid_argument(path + "." + key + ": expected an integer");
    return e[key].get<std::int64_t>();
  };
  std::int64_t const min = field("min");
  std::int64_t const max = field("max");
  std::int64_t const out_of_range = field("out_of_range");
  if (h.total_count() > 0 && !h.restore_extremes(min, max))
    throw std::invalid_argument(path + ": min/max disagree with the counts of histograms." + which);
  if (out_of_range < 0) throw std::invalid_argument(path + ".out_of_range: must be >= 0");
  if (h.out_of_range_count() == 0) h.count_out_of_range(out_of_range);
  return h;
}

}  // namespace stress_testing::report

#endif
