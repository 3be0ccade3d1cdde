#ifndef STRESS_TESTING_METRICS_SEGMENT_TALLY_HPP
#define STRESS_TESTING_METRICS_SEGMENT_TALLY_HPP

/** A run's requests by *intended* time, per segment of its timeline: what the resilience
    analysis needs to judge each failure window at request resolution (`run/analysis.hpp`,
    docs/resilience.md) without keeping one record per request. Pure: std only. */

#include <stress_testing/outcome.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace stress_testing::metrics {

/** Requests tallied by the segment of the timeline their intended time falls in. The timeline is
    cut at `cuts` (seconds since the run's start, ascending): segment 0 is before the first cut,
    segment i is `[cuts[i-1], cuts[i])`, the last one runs from the last cut on. A request is
    placed by the same arithmetic as the client's failure injector (`fault/inject.hpp`: the
    intended offset in seconds, as a double), so a segment cut at a failure's start holds exactly
    the requests that injector judged inside it.

    Per segment: requests not ended `ok` (dropped ones included) with the first and last of their
    intended times and the last instant one of them completed; and the `ok` requests by response
    time in log-linear buckets (32 per power of two: a bucket is at most 3.2% wide), each with its
    count and the first and last intended time in it. A threshold on response time chosen *after*
    the run (the analysis's "slow") then gives exact counts and first/last intended times, at the
    bucket's resolution. Nothing grows with the number of requests: a segment is about 29 KiB.

    With a bin width, every segment after the first is also split into *bins* of intended time
    (`bin_seconds` wide from the segment's start, at most `max_bins_per_segment` of them; later
    requests of a longer segment are in no bin): per bin, the requests not ended `ok` and the
    `ok` ones by response time in coarse buckets (four of the buckets above: at most 12.5% wide),
    4 bytes each, about 1.2 KiB per bin. They let the analysis find when a failure's aftermath
    went quiet (`run::analyse`: recovery ends at the first run of quiet bins), so one stray bad
    request later does not extend its recovery.

    Thread safety: none; one writer (a worker) at a time. Merge the workers' tallies with `add`
    once they have stopped. */
class segment_tally {
 public:
  static constexpr int sub_bucket_bits = 5;                    ///< 32 buckets per power of two
  static constexpr std::int64_t linear_below = 64;             ///< values under 64 ns: one bucket each
  static constexpr int highest_power = 42;                     ///< values from 2^42 ns (73 min) share the last bucket
  static constexpr std::size_t bucket_count =
      linear_below + (highest_power - 6) * (std::size_t{1} << sub_bucket_bits);
  static constexpr int coarse_shift = 2;  ///< a bin's response-time bucket = 4 of the fine ones
  static constexpr std::size_t coarse_count = (bucket_count + (1u << coarse_shift) - 1) >> coarse_shift;
  static constexpr std::size_t max_bins_per_segment = 128;
  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();  ///< "first" of an empty set
  static constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();   ///< "last" of an empty set

  /// `ok` requests in one response-time bucket (times in ns since the run's start).
  struct bucket {
    std::uint64_t count = 0;
    std::int64_t first_intended = never;
    std::int64_t last_intended = none;
  };

  /// One segment's requests (times in ns since the run's start).
  struct segment {
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;                ///< any outcome but `ok`, dropped included
    std::int64_t first_intended = never;     ///< of any request in the segment
    std::int64_t last_intended = none;
    std::int64_t first_failed = never;       ///< intended time of the first failed request
    std::int64_t last_failed = none;
    std::int64_t last_failed_done = none;    ///< intended + response time of the failed ones, largest
    std::vector<bucket> ok_by_response;      ///< `bucket_count` buckets, by `bucket_of(response)`
    /// Bins (none without a bin width, or for segment 0): `bins` rows of `1 + coarse_count`
    /// counts, the failed requests first, then the ok ones by `coarse_of(bucket_of(response))`.
    std::size_t bins = 0;
    std::vector<std::uint32_t> bin_counts;

    std::uint64_t total() const noexcept { return ok + failed; }
    std::uint32_t bin_failed(std::size_t k) const noexcept { return bin_counts[k * (1 + coarse_count)]; }
    std::uint32_t bin_ok(std::size_t k, std::size_t coarse) const noexcept {
      return bin_counts[k * (1 + coarse_count) + 1 + coarse];
    }
  };

  /// A tally that records nothing (no segment).
  segment_tally() = default;

  /** Segments cut at `cuts` (seconds since the run's start; sorted and deduplicated here), and
      with `bin_seconds` > 0 the bins of every segment after the first (see above). Allocates
      every segment and bin now. Throws `std::invalid_argument` for a non-finite cut or a bin
      width that is negative or not finite. */
  explicit segment_tally(std::vector<double> cuts, double bin_seconds = 0) : cuts_(std::move(cuts)), bin_seconds_(bin_seconds) {
    for (double c : cuts_)
      if (!(c > -std::numeric_limits<double>::infinity() && c < std::numeric_limits<double>::infinity()))
        throw std::invalid_argument("segment_tally: a cut is not finite");
    if (!(bin_seconds >= 0 && bin_seconds < std::numeric_limits<double>::infinity()))
      throw std::invalid_argument("segment_tally: bin_seconds must be finite and >= 0");
    std::sort(cuts_.begin(), cuts_.end());
    cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
    segments_.resize(cuts_.size() + 1);
    for (auto& s : segments_) s.ok_by_response.resize(bucket_count);
    if (bin_seconds_ > 0)
      for (std::size_t i = 1; i < segments_.size(); ++i) {
        double const span = i < cuts_.size() ? cuts_[i] - cuts_[i - 1] : std::numeric_limits<double>::infinity();
        double const wanted = std::ceil(span / bin_seconds_);
        segments_[i].bins = wanted < static_cast<double>(max_bins_per_segment) ? static_cast<std::size_t>(wanted)
                                                                                : max_bins_per_segment;
        segments_[i].bin_counts.resize(segments_[i].bins * (1 + coarse_count));
      }
  }

  /// False for a tally built without cuts: `record` does nothing.
  bool enabled() const noexcept { return !segments_.empty(); }

  /** Tallies one request intended `intended` after the run's start that ended in `o` after
      `response` (completed − intended; ignored for `dropped`). noexcept, allocation-free. */
  void record(outcome o, std::chrono::nanoseconds intended, std::chrono::nanoseconds response) noexcept {
    if (segments_.empty()) return;
    std::int64_t const at = intended.count();
    std::size_t const index = segment_of(intended);
    segment& s = segments_[index];
    s.first_intended = std::min(s.first_intended, at);
    s.last_intended = std::max(s.last_intended, at);
    std::int64_t const r = std::max<std::int64_t>(0, response.count());
    std::size_t const fine = o == outcome::ok ? bucket_of(r) : 0;
    if (s.bins > 0) {  // the same double arithmetic as segment_of: seconds since the segment's cut
      double const k = std::floor((std::chrono::duration<double>(intended).count() - cuts_[index - 1]) / bin_seconds_);
      if (k >= 0 && k < static_cast<double>(s.bins))
        ++s.bin_counts[static_cast<std::size_t>(k) * (1 + coarse_count) + (o == outcome::ok ? 1 + coarse_of(fine) : 0)];
    }
    if (o == outcome::ok) {
      ++s.ok;
      bucket& b = s.ok_by_response[fine];
      ++b.count;
      b.first_intended = std::min(b.first_intended, at);
      b.last_intended = std::max(b.last_intended, at);
      return;
    }
    ++s.failed;
    s.first_failed = std::min(s.first_failed, at);
    s.last_failed = std::max(s.last_failed, at);
    s.last_failed_done = std::max(s.last_failed_done, o == outcome::dropped ? at : at + r);
  }

  /** Adds `other`'s requests (a worker's tally into the run's). Throws `std::invalid_argument`
      when the cuts differ; an empty `*this` takes `other`'s cuts. */
  void add(const segment_tally& other) {
    if (!other.enabled()) return;
    if (!enabled()) {
      *this = other;
      return;
    }
    if (cuts_ != other.cuts_ || bin_seconds_ != other.bin_seconds_)
      throw std::invalid_argument("segment_tally::add: different cuts or bins");
    for (std::size_t i = 0; i < segments_.size(); ++i) {
      segment& s = segments_[i];
      segment const& o = other.segments_[i];
      s.ok += o.ok;
      s.failed += o.failed;
      s.first_intended = std::min(s.first_intended, o.first_intended);
      s.last_intended = std::max(s.last_intended, o.last_intended);
      s.first_failed = std::min(s.first_failed, o.first_failed);
      s.last_failed = std::max(s.last_failed, o.last_failed);
      s.last_failed_done = std::max(s.last_failed_done, o.last_failed_done);
      for (std::size_t b = 0; b < s.bin_counts.size(); ++b) s.bin_counts[b] += o.bin_counts[b];
      for (std::size_t b = 0; b < bucket_count; ++b) {
        s.ok_by_response[b].count += o.ok_by_response[b].count;
        s.ok_by_response[b].first_intended =
            std::min(s.ok_by_response[b].first_intended, o.ok_by_response[b].first_intended);
        s.ok_by_response[b].last_intended =
            std::max(s.ok_by_response[b].last_intended, o.ok_by_response[b].last_intended);
      }
    }
  }

  /// Forgets every request; keeps the cuts and the memory.
  void reset() noexcept {
    for (auto& s : segments_) {
      auto buckets = std::move(s.ok_by_response);
      auto bin_counts = std::move(s.bin_counts);
      auto const bins = s.bins;
      std::fill(buckets.begin(), buckets.end(), bucket{});
      std::fill(bin_counts.begin(), bin_counts.end(), 0u);
      s = segment{};
      s.ok_by_response = std::move(buckets);
      s.bin_counts = std::move(bin_counts);
      s.bins = bins;
    }
  }

  const std::vector<double>& cuts() const noexcept { return cuts_; }
  /// The bins' width in seconds (0: no bins).
  double bin_seconds() const noexcept { return bin_seconds_; }
  std::size_t size() const noexcept { return segments_.size(); }
  const segment& operator[](std::size_t i) const noexcept { return segments_[i]; }

  /** The segment an intended offset falls in: the number of cuts at or before it, compared in
      seconds as a double (the client injector's arithmetic). */
  std::size_t segment_of(std::chrono::nanoseconds intended) const noexcept {
    double const t = std::chrono::duration<double>(intended).count();
    return static_cast<std::size_t>(std::upper_bound(cuts_.begin(), cuts_.end(), t) - cuts_.begin());
  }

  /// The segment that starts at `cut` (one of `cuts()`), or `size()` if there is no such cut.
  std::size_t segment_starting_at(double cut) const noexcept {
    auto it = std::lower_bound(cuts_.begin(), cuts_.end(), cut);
    if (it == cuts_.end() || *it != cut) return segments_.size();
    return static_cast<std::size_t>(it - cuts_.begin()) + 1;
  }

  /// The bucket of a response time in ns (negative: 0; from 2^42 ns: the last bucket).
  static constexpr std::size_t bucket_of(std::int64_t ns) noexcept {
    if (ns < linear_below) return static_cast<std::size_t>(std::max<std::int64_t>(ns, 0));
    auto const v = static_cast<std::uint64_t>(std::min<std::int64_t>(ns, (std::int64_t{1} << highest_power) - 1));
    int const power = static_cast<int>(std::bit_width(v)) - 1;  // 6 .. highest_power - 1
    auto const sub = static_cast<std::size_t>((v >> (power - sub_bucket_bits)) & ((1u << sub_bucket_bits) - 1));
    return static_cast<std::size_t>(linear_below) +
           static_cast<std::size_t>(power - 6) * (std::size_t{1} << sub_bucket_bits) + sub;
  }

  /// The coarse bucket (of a bin) that fine bucket `b` falls in.
  static constexpr std::size_t coarse_of(std::size_t b) noexcept { return b >> coarse_shift; }
  /// The smallest response time (ns) in coarse bucket `c`.
  static constexpr std::int64_t coarse_lower(std::size_t c) noexcept { return bucket_lower(c << coarse_shift); }

  /// The smallest response time (ns) in bucket `b`.
  static constexpr std::int64_t bucket_lower(std::size_t b) noexcept {
    if (b < static_cast<std::size_t>(linear_below)) return static_cast<std::int64_t>(b);
    std::size_t const k = b - static_cast<std::size_t>(linear_below);
    int const power = static_cast<int>(k >> sub_bucket_bits) + 6;
    std::int64_t const sub = static_cast<std::int64_t>(k & ((std::size_t{1} << sub_bucket_bits) - 1));
    return (std::int64_t{1} << power) + (sub << (power - sub_bucket_bits));
  }

  /// The smallest response time (ns) above bucket `b` (the last bucket: the highest value + 1).
  static constexpr std::int64_t bucket_upper(std::size_t b) noexcept {
    if (b + 1 >= bucket_count) return std::int64_t{1} << highest_power;
    return bucket_lower(b + 1);
  }

 private:
  std::vector<double> cuts_;
  double bin_seconds_ = 0;
  std::vector<segment> segments_;
};

}  // namespace stress_testing::metrics

#endif
