#ifndef STRESS_TESTING_METRICS_PERCENTILE_OUTPUT_HPP
#define STRESS_TESTING_METRICS_PERCENTILE_OUTPUT_HPP

/** HdrHistogram's percentile distribution text (the `.hgrm` files its tools print and plot:
    HistogramLogAnalyzer, hdr-plot, the online plotter), character for character as its
    `outputPercentileDistribution` prints it. Pure layer: std only. */

#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/histogram_iteration.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace stress_testing::metrics {

namespace detail {

/** `value` with `decimals` digits after the point, rounded half away from zero on the double's
    exact decimal value, as Java's `%.Nf` and JavaScript's number formatting do (C's printf
    rounds an exact tie such as 1.0625 to even: 1.062, where HdrHistogram prints 1.063). */
inline std::string fixed_half_up(double value, int decimals) {
  if (!std::isfinite(value)) return value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN";
  char exact[400];
  // glibc prints the exact expansion; 60 more digits reach any tie below 2^-60 of the last digit.
  std::snprintf(exact, sizeof exact, "%.*f", decimals + 60, std::fabs(value));
  std::string digits(exact);
  const std::size_t point = digits.find('.');
  std::string kept = digits.substr(0, point) + digits.substr(point + 1, static_cast<std::size_t>(decimals));
  if (digits[point + 1 + static_cast<std::size_t>(decimals)] >= '5') {
    std::size_t i = kept.size();
    while (i > 0) {
      if (kept[i - 1] == '9') {
        kept[--i] = '0';
        continue;
      }
      ++kept[i - 1];
      break;
    }
    if (i == 0) kept.insert(kept.begin(), '1');
  }
  std::string out = kept.substr(0, kept.size() - static_cast<std::size_t>(decimals));
  if (decimals > 0) out += "." + kept.substr(kept.size() - static_cast<std::size_t>(decimals));
  const bool zero = out.find_first_not_of("0.") == std::string::npos;
  return (std::signbit(value) && !zero ? "-" : "") + out;
}

inline std::string pad_left(std::string text, std::size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

}  // namespace detail

/** HdrHistogram's mean: each slot's counts at the slot's middle value (`median_equivalent_value`),
    not clamped to the exact extremes as `histogram::mean()` is. What `.hgrm` footers print. */
[[nodiscard]] inline double hdr_mean(const histogram& h) {
  if (h.total_count() == 0) return 0.0;
  double sum = 0.0;
  for (const iteration_value& v : histogram_iteration::recorded_values(h)) {
    sum += static_cast<double>(h.median_equivalent_value(v.value_iterated_to)) *
           static_cast<double>(v.count_at_value_iterated_to);
  }
  return sum / static_cast<double>(h.total_count());
}

/// HdrHistogram's standard deviation, with the values of `hdr_mean`.
[[nodiscard]] inline double hdr_stddev(const histogram& h) {
  if (h.total_count() == 0) return 0.0;
  const double mean = hdr_mean(h);
  double sum = 0.0;
  for (const iteration_value& v : histogram_iteration::recorded_values(h)) {
    const double deviation = static_cast<double>(h.median_equivalent_value(v.value_iterated_to)) - mean;
    sum += deviation * deviation * static_cast<double>(v.count_added_in_this_iteration_step);
  }
  return std::sqrt(sum / static_cast<double>(h.total_count()));
}

/** The percentile distribution of `h` as HdrHistogram prints it: a header, one line per step
    of `histogram_iteration::percentiles(h, ticks_per_half_distance)` (`Value` divided by
    `value_unit_scaling_ratio` with as many decimals as the histogram's significant digits,
    `Percentile` as a fraction, `TotalCount`, `1/(1-Percentile)`; the last line, at 1.0, without
    the last column), then the footer: HdrHistogram's mean and standard deviation (`hdr_mean`),
    the exact `max()` (as hdr-histogram-js prints it; Java's port prints the highest value
    equivalent to it), the total count, bucket and sub-bucket counts. Throws `std::invalid_argument` if
    `ticks_per_half_distance < 1`. */
[[nodiscard]] inline std::string percentile_distribution_text(const histogram& h, int ticks_per_half_distance = 5,
                                                             double value_unit_scaling_ratio = 1.0) {
  using detail::fixed_half_up;
  using detail::pad_left;
  const int digits = h.significant_digits();
  auto value_text = [&](double v) { return pad_left(fixed_half_up(v / value_unit_scaling_ratio, digits), 12); };
  std::string out = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
  for (const iteration_value& v : histogram_iteration::percentiles(h, ticks_per_half_distance)) {
    const double fraction = v.percentile_level_iterated_to / 100.0;
    out += value_text(static_cast<double>(v.value_iterated_to)) + " " + pad_left(fixed_half_up(fraction, 12), 2) +
           " " + pad_left(std::to_string(v.total_count_to_this_value), 10);
    if (v.percentile_level_iterated_to < 100.0) out += " " + pad_left(fixed_half_up(1.0 / (1.0 - fraction), 2), 14);
    out += "\n";
  }
  const std::int64_t max = h.max();
  out += "#[Mean    = " + value_text(hdr_mean(h)) + ", StdDeviation   = " + value_text(hdr_stddev(h)) + "]\n";
  out += "#[Max     = " + value_text(static_cast<double>(max)) +
         ", Total count    = " + pad_left(std::to_string(h.total_count()), 12) + "]\n";
  out += "#[Buckets = " + pad_left(std::to_string(h.bucket_count()), 12) +
         ", SubBuckets     = " + pad_left(std::to_string(h.sub_bucket_count()), 12) + "]\n";
  return out;
}

}  // namespace stress_testing::metrics

#endif
