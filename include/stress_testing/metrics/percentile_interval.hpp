#ifndef STRESS_TESTING_METRICS_PERCENTILE_INTERVAL_HPP
#define STRESS_TESTING_METRICS_PERCENTILE_INTERVAL_HPP

/** How sure a percentile is: a distribution-free confidence interval read off a histogram's
    counts. Pure layer: std only.

    With n samples, the number of them at or below the true q-quantile is binomial(n, q). So the
    interval between the j-th and the k-th smallest samples (order statistics) holds the true
    quantile with probability P(j <= B < k), B ~ binomial(n, q), whatever the distribution of
    the samples. `percentile_confidence_interval` chooses j and k leaving at most (1 - confidence)
    / 2 on each side, and reads the values at those ranks from the histogram. A p99 of 100
    samples has no upper bound (the true p99 may be above everything seen): the interval says so
    instead of inventing one. docs/results.md shows where results.json reports it. */

#include <stress_testing/metrics/histogram.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace stress_testing::metrics {

/** Up to this many samples the ranks come from exact binomial tails (O(n) work); above it from
    the normal approximation n q ± z sqrt(n q (1 - q)), which agrees with the exact ranks to
    within one from about a thousand samples on. */
inline constexpr std::int64_t exact_binomial_limit = 1000;

/// A confidence interval of one percentile (see the file comment). Values in the histogram's unit.
struct percentile_interval {
  double percentile = 0;    ///< as asked, 0..100 (99 for p99)
  double confidence = 0;    ///< as asked (0.95)
  std::int64_t samples = 0;  ///< n: the histogram's `total_count()`
  /// 1-based rank of the lower bound; 0 when the interval reaches below the smallest sample.
  std::int64_t lower_rank = 0;
  /// Rank of the upper bound; `samples + 1` when the interval reaches above the largest sample.
  std::int64_t upper_rank = 0;
  std::optional<std::int64_t> lower;  ///< `value_at_rank(lower_rank)`; nullopt when the rank is 0
  std::optional<std::int64_t> upper;  ///< `value_at_rank(upper_rank)`; nullopt when it is past n
  bool exact = false;                 ///< ranks from exact binomial tails (n <= exact_binomial_limit)
  std::string reason;                 ///< why a bound is missing; empty when both are there
};

namespace detail {

/// z such that P(|Z| <= z) = confidence for a standard normal Z (bisection on erfc).
inline double two_sided_z(double confidence) noexcept {
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    double const mid = (lo + hi) / 2;
    if (1 - std::erfc(mid / std::sqrt(2.0)) < confidence) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace detail

/** The `confidence` (0 < c < 1, default 0.95) interval of `h.value_at_percentile(percentile)`:
    ranks j <= k with P(B < j) <= (1 - c) / 2 and P(B >= k) <= (1 - c) / 2, B ~ binomial(n, q),
    q = percentile / 100 (exact tails up to `exact_binomial_limit` samples, the normal
    approximation above: j = floor(n q - z s), k = ceil(n q + z s), s = sqrt(n q (1 - q))), and
    the values at those ranks (`histogram::value_at_rank`, so each bound carries the histogram's
    own precision). A rank outside [1, n] leaves its bound empty, with the reason. Percentile 0 and
    100 are the exact minimum and maximum: both bounds are that value. No samples: both empty.

    Known answer: the values 1..10000 once each give p99 ranks 9880 and 9920 (9900 ± 19.5). */
inline percentile_interval percentile_confidence_interval(const histogram& h, double percentile,
                                                          double confidence = 0.95) {
  percentile_interval ci;
  ci.percentile = percentile;
  ci.confidence = confidence;
  ci.samples = h.total_count();
  std::int64_t const n = ci.samples;
  if (n == 0) {
    ci.reason = "no samples";
    return ci;
  }
  double const q = std::clamp(std::isnan(percentile) ? 0.0 : percentile, 0.0, 100.0) / 100;
  double const c = std::isfinite(confidence) ? std::clamp(confidence, 0.0, 1.0 - 1e-12) : 0.95;
  double const tail = (1 - c) / 2;
  if (q <= 0 || q >= 1) {
    ci.lower_rank = ci.upper_rank = q <= 0 ? 1 : n;
    ci.exact = true;
  } else if (n <= exact_binomial_limit) {
    ci.exact = true;
    // P(B <= i) by summing the pmf, each term from lgamma in log space (no overflow at n = 1000).
    std::vector<double> at_or_below(static_cast<std::size_t>(n) + 1);
    double cumulative = 0;
    double const lq = std::log(q), lp = std::log1p(-q), ln = std::lgamma(static_cast<double>(n) + 1);
    for (std::int64_t i = 0; i <= n; ++i) {
      double const di = static_cast<double>(i);
      cumulative += std::exp(ln - std::lgamma(di + 1) - std::lgamma(static_cast<double>(n - i) + 1) + di * lq +
                             static_cast<double>(n - i) * lp);
      at_or_below[static_cast<std::size_t>(i)] = cumulative;
    }
    // Largest j with P(B <= j - 1) <= tail (0 when even P(B = 0) is more).
    ci.lower_rank = 0;
    for (std::int64_t j = 1; j <= n && at_or_below[static_cast<std::size_t>(j - 1)] <= tail; ++j) ci.lower_rank = j;
    // Smallest k with P(B <= k - 1) >= 1 - tail (n + 1 when no sample is high enough).
    ci.upper_rank = n + 1;
    for (std::int64_t k = 1; k <= n; ++k)
      if (at_or_below[static_cast<std::size_t>(k - 1)] >= 1 - tail) {
        ci.upper_rank = k;
        break;
      }
  } else {
    double const nd = static_cast<double>(n);
    double const half = detail::two_sided_z(c) * std::sqrt(nd * q * (1 - q));
    ci.lower_rank = static_cast<std::int64_t>(std::max(0.0, std::floor(nd * q - half)));
    ci.upper_rank = static_cast<std::int64_t>(std::min(nd + 1, std::ceil(nd * q + half)));
  }
  if (ci.lower_rank >= 1) ci.lower = h.value_at_rank(ci.lower_rank);
  if (ci.upper_rank <= n) ci.upper = h.value_at_rank(ci.upper_rank);
  char buf[200];
  if (!ci.upper) {
    std::snprintf(buf, sizeof buf,
                  "too few samples for an upper bound: its rank %lld is past the %lld samples, so the true "
                  "p%g may be above the largest value seen",
                  static_cast<long long>(ci.upper_rank), static_cast<long long>(n), percentile);
    ci.reason = buf;
  }
  if (!ci.lower) {
    std::snprintf(buf, sizeof buf,
                  "too few samples for a lower bound: its rank is below the first of the %lld samples, so the "
                  "true p%g may be below the smallest value seen",
                  static_cast<long long>(n), percentile);
    ci.reason += ci.reason.empty() ? buf : std::string("; ") + buf;
  }
  return ci;
}

}  // namespace stress_testing::metrics

#endif
