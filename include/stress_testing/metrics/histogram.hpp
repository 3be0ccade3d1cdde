#ifndef STRESS_TESTING_METRICS_HISTOGRAM_HPP
#define STRESS_TESTING_METRICS_HISTOGRAM_HPP

/** Fixed-memory latency histogram with HdrHistogram's log-linear bucket layout and vocabulary.
    Pure layer: std only. */

#include <stress_testing/metrics/detail/base64.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::metrics {

namespace detail {

/// Lookup table of the reflected CRC-32 (IEEE 802.3, polynomial 0xEDB88320).
inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) != 0 ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    table[i] = c;
  }
  return table;
}();

/** CRC-32 as computed by zlib; pass a previous result as `crc` to continue over more bytes.
    Guards the histogram encoding against accidental corruption (not against forgery). */
constexpr std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0) noexcept {
  crc = ~crc;
  for (const std::uint8_t b : bytes) crc = crc32_table[(crc ^ b) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace detail

/** A latency histogram whose memory is fixed at construction: recording is O(1), allocation-free
    and `noexcept`, so a two-hour soak test runs in the same memory as a ten-second one.

    Layout (HdrHistogram's): values are grouped in buckets whose width doubles from one bucket to
    the next; each bucket is split linearly into sub-buckets. The sub-bucket count is the power of
    two at or above `2 * 10^significant_digits`, so any value `v` shares its slot with values
    within `v * 10^-significant_digits` of it (see `highest_equivalent_value`). The smallest slot
    width is the power of two at or below `lowest_discernible_value`.

    Accounting: every value passed to a `record_*` call is either counted in a bucket (and in
    `total_count()`) or, when it is negative or above `highest_trackable_value()`, counted in
    `out_of_range_count()` and the call returns `false`. Nothing is dropped silently.
    HdrHistogram rejects such values without a trace; we keep the trace because a stress test
    must account for every request. Out-of-range values do not take part in percentiles, mean,
    min or max.

    Thread safety: none. One thread writes a histogram; other threads work on copies
    (snapshots), which are merged with `add` or shipped with `encode`. Concurrent const calls are
    safe when no thread writes. */
class histogram {
 public:
  /// One non-empty slot: the values `[value_from, value_to]` (inclusive) were seen `count` times.
  struct bucket {
    std::int64_t value_from;
    std::int64_t value_to;
    std::int64_t count;
  };

  /** Builds an empty histogram tracking `[0, highest_trackable_value]` with a resolution of
      `lowest_discernible_value` (rounded down to a power of two) and `significant_digits`
      decimal digits of relative precision. All memory is allocated here.

      Throws `std::invalid_argument`, naming the argument, unless `lowest_discernible_value >= 1`,
      `highest_trackable_value >= 2 * lowest_discernible_value` and `significant_digits` is in
      `[1, 5]` (and the resulting layout fits in 64-bit values). Memory is roughly
      `8 * 2^ceil(log2(10^digits)) * (log2(highest / lowest) - digits * log2(10) + 2)` bytes:
      26 KiB for 1 us .. 1 h in microseconds at 2 digits, 184 KiB at 3 digits. */
  histogram(std::int64_t lowest_discernible_value, std::int64_t highest_trackable_value,
            int significant_digits)
      : lowest_discernible_value_{lowest_discernible_value},
        highest_trackable_value_{highest_trackable_value},
        significant_digits_{significant_digits} {
    if (const char* reason =
            layout_error(lowest_discernible_value, highest_trackable_value, significant_digits)) {
      throw std::invalid_argument(std::string("stress_testing::metrics::histogram: ") + reason + " (got " +
                                  std::to_string(lowest_discernible_value) + ", " +
                                  std::to_string(highest_trackable_value) + ", " +
                                  std::to_string(significant_digits) + ")");
    }
    const auto single_unit_limit = static_cast<std::uint64_t>(2 * power_of_ten(significant_digits));
    const int sub_bucket_count_magnitude = std::countr_zero(std::bit_ceil(single_unit_limit));
    half_count_magnitude_ = sub_bucket_count_magnitude - 1;
    unit_magnitude_ =
        static_cast<int>(std::bit_width(static_cast<std::uint64_t>(lowest_discernible_value))) - 1;
    bucket_base_ = 64 - (unit_magnitude_ + sub_bucket_count_magnitude);
    sub_bucket_mask_ = ((std::uint64_t{1} << sub_bucket_count_magnitude) - 1) << unit_magnitude_;

    // Count the doublings of the first bucket's range needed to cover the highest value.
    int bucket_count = 1;
    std::uint64_t smallest_untrackable = std::uint64_t{1} << (unit_magnitude_ + sub_bucket_count_magnitude);
    while (smallest_untrackable <= static_cast<std::uint64_t>(highest_trackable_value)) {
      smallest_untrackable <<= 1;
      ++bucket_count;
    }
    range_limit_ = static_cast<std::uint64_t>(highest_trackable_value) + 1;
    counts_.assign(static_cast<std::size_t>(bucket_count + 1) << half_count_magnitude_, 0);
  }

  histogram(const histogram&) = default;

  /// Strong guarantee; reuses the bucket array (no allocation) when both have the same size.
  histogram& operator=(const histogram& other) {
    if (this == &other) return *this;
    if (counts_.size() == other.counts_.size()) {
      std::copy(other.counts_.begin(), other.counts_.end(), counts_.begin());
      copy_scalars_from(other);
    } else {
      histogram copy(other);
      *this = std::move(copy);
    }
    return *this;
  }

  /** Leaves `other` without buckets: it stays safe to use, every value recorded into it is
      counted as out of range, and it may be assigned to. */
  histogram(histogram&& other) noexcept : counts_(std::move(other.counts_)) {
    copy_scalars_from(other);
    other.become_moved_from();
  }

  /// See the move constructor for the state `other` is left in.
  histogram& operator=(histogram&& other) noexcept {
    if (this == &other) return *this;
    counts_ = std::move(other.counts_);
    copy_scalars_from(other);
    other.become_moved_from();
    return *this;
  }

  ~histogram() = default;

  /// Same layout, same counts, same extremes and totals.
  friend bool operator==(const histogram&, const histogram&) = default;

  /** Counts one occurrence of `value`. O(1), allocation-free. Returns `false` (and counts the
      value in `out_of_range_count()`) if `value < 0` or `value > highest_trackable_value()`.
      `0` is a valid value. */
  bool record_value(std::int64_t value) noexcept {
    if (static_cast<std::uint64_t>(value) >= range_limit_ || total_count_ == max_count) [[unlikely]] {
      note_out_of_range(1);
      return false;
    }
    ++counts_[index_of(value)];
    ++total_count_;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
    return true;
  }

  /** Counts `count` occurrences of `value`. A zero count does nothing and returns `true`; a
      negative count records nothing and returns `false`. Out-of-range values, and counts that
      would overflow `total_count()`, go to `out_of_range_count()` and return `false`. */
  bool record_values(std::int64_t value, std::int64_t count) noexcept {
    if (count <= 0) return count == 0;
    if (static_cast<std::uint64_t>(value) >= range_limit_ || count > max_count - total_count_) [[unlikely]] {
      note_out_of_range(count);
      return false;
    }
    counts_[index_of(value)] += count;
    total_count_ += count;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
    return true;
  }

  /** Records `value`, then corrects for coordinated omission the way HdrHistogram does: if the
      value exceeds `expected_interval` (the intended time between two requests), the requests
      that a stalled closed-loop generator failed to send are back-filled as the values
      `value - expected_interval`, `value - 2 * expected_interval`, ... down to
      `expected_interval`. A non-positive interval disables the correction.

      Allocation-free and `noexcept`. HdrHistogram loops over every back-filled value; here the
      cost is the smaller of that count and the number of slots the back-fill spans. Returns `false` if
      `value` is out of range (nothing is back-filled then, as in HdrHistogram) or if the
      back-fill would overflow `total_count()` (then it is counted as out of range).

      Prefer measuring from the *intended* send time (the engine's response time), which makes
      this correction unnecessary; it exists for closed-loop measurements. */
  bool record_corrected_value(std::int64_t value, std::int64_t expected_interval) noexcept {
    if (!record_value(value)) return false;
    if (expected_interval <= 0 || value <= expected_interval) return true;
    // The back-filled values are the arithmetic sequence first, first + interval, ..., last.
    const std::int64_t missing = value / expected_interval - 1;
    if (missing == 0) return true;
    if (missing > max_count - total_count_) {
      note_out_of_range(missing);
      return false;
    }
    const std::int64_t last = value - expected_interval;
    const std::int64_t first = value - missing * expected_interval;
    const std::size_t first_index = index_of(first);
    const std::size_t last_index = index_of(last);
    if (static_cast<std::uint64_t>(missing) <= last_index - first_index + 1) {
      // Fewer values than slots: one increment per value.
      for (std::int64_t v = first; v <= last; v += expected_interval) ++counts_[index_of(v)];
    } else {
      // Fewer slots than values: count the sequence's terms inside each slot.
      for (std::size_t i = first_index; i <= last_index; ++i) {
        const std::int64_t from = std::max(lowest_at_index(i), first) - first;
        const std::int64_t to = std::min(highest_at_index(i), last) - first;
        if (from > to) continue;
        const std::int64_t first_term = from / expected_interval + (from % expected_interval != 0 ? 1 : 0);
        const std::int64_t last_term = to / expected_interval;
        if (last_term >= first_term) counts_[i] += last_term - first_term + 1;
      }
    }
    total_count_ += missing;
    if (first < min_) min_ = first;
    return true;
  }

  /** Adds every count of `other` to this histogram (merging per-worker or per-interval
      snapshots). `other` may be `*this`.

      If both use the same bucket geometry (same unit and sub-bucket magnitudes, whatever the
      highest trackable values) and `other.max()` fits in our range, counts are added slot by
      slot: the result is exactly what recording both streams would give. Otherwise each of
      `other`'s non-empty slots is re-recorded: its exact minimum and maximum at their own
      values, the remaining counts at the slot's middle value (clamped to `other`'s min and max).
      A value then moves by up to half of `other`'s slot width before our own quantisation, so
      the merged precision is the coarser of the two.
      Values of `other` above our `highest_trackable_value()` are counted in
      `out_of_range_count()`, as are `other`'s own out-of-range values.

      Throws `std::overflow_error` (and changes nothing) if the merged total would overflow. */
  void add(const histogram& other) {
    if (other.total_count_ > max_count - total_count_) {
      throw std::overflow_error("stress_testing::metrics::histogram::add: total_count would overflow");
    }
    const std::int64_t other_out_of_range = other.out_of_range_count_;
    const std::int64_t other_total = other.total_count_;
    const std::int64_t other_min = other.min_;
    const std::int64_t other_max = other.max_;
    // Same geometry means same slot boundaries; then every non-empty slot of other lies at or
    // below other.max_, so if that fits our range, so does each of other's slot indices.
    if (unit_magnitude_ == other.unit_magnitude_ && half_count_magnitude_ == other.half_count_magnitude_ &&
        (other_total == 0 || static_cast<std::uint64_t>(other_max) < range_limit_)) {
      if (other_total != 0) {
        for (std::size_t i = other.index_of(other_min), last = other.index_of(other_max); i <= last; ++i) {
          counts_[i] += other.counts_[i];
        }
        total_count_ += other_total;
        min_ = std::min(min_, other_min);
        max_ = std::max(max_, other_max);
      }
    } else if (other_total != 0) {
      const std::size_t first = other.index_of(other_min);
      const std::size_t last = other.index_of(other_max);
      for (std::size_t i = first; i <= last; ++i) {
        std::int64_t remaining = other.counts_[i];
        if (remaining == 0) continue;
        if (i == first) {
          record_values(other_min, 1);
          --remaining;
        }
        if (i == last && remaining > 0) {
          record_values(other_max, 1);
          --remaining;
        }
        record_values(std::clamp(other.median_at_index(i), other_min, other_max), remaining);
      }
    }
    note_out_of_range(other_out_of_range);
  }

  /// Forgets every recorded value (counts, totals, extremes); keeps the layout and the memory.
  void reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), std::int64_t{0});
    total_count_ = 0;
    out_of_range_count_ = 0;
    min_ = empty_min;
    max_ = 0;
  }

  /// Number of values counted in buckets (excludes `out_of_range_count()`).
  [[nodiscard]] std::int64_t total_count() const noexcept { return total_count_; }

  /// Number of values that could not be counted: negative, above `highest_trackable_value()`,
  /// or beyond the 2^63 - 1 total (saturates).
  [[nodiscard]] std::int64_t out_of_range_count() const noexcept { return out_of_range_count_; }

  /** Smallest recorded value, exact (tracked beside the buckets, not read from them); 0 when
      empty. After a cross-layout `add` it is still exact. */
  [[nodiscard]] std::int64_t min() const noexcept { return total_count_ == 0 ? 0 : min_; }

  /// Largest recorded value, exact like `min()`; 0 when empty.
  [[nodiscard]] std::int64_t max() const noexcept { return max_; }

  /** Arithmetic mean, taking each slot's middle value (clamped to [min, max]) for its counts:
      each value is off by at most half a slot, so the relative error is at most
      `10^-significant_digits / 2` (plus half the unit for values below it). 0 when empty. O(slots between min and
      max). */
  [[nodiscard]] double mean() const noexcept {
    if (total_count_ == 0) return 0.0;
    double sum = 0.0;
    for (std::size_t i = index_of(min_), last = index_of(max_); i <= last; ++i) {
      if (counts_[i] == 0) continue;
      sum += static_cast<double>(counts_[i]) * static_cast<double>(representative_at_index(i));
    }
    return sum / static_cast<double>(total_count_);
  }

  /// Population standard deviation, with the same per-slot values as `mean()`. 0 when empty.
  [[nodiscard]] double stddev() const noexcept {
    if (total_count_ == 0) return 0.0;
    const double average = mean();
    double sum = 0.0;
    for (std::size_t i = index_of(min_), last = index_of(max_); i <= last; ++i) {
      if (counts_[i] == 0) continue;
      const double deviation = static_cast<double>(representative_at_index(i)) - average;
      sum += static_cast<double>(counts_[i]) * deviation * deviation;
    }
    return std::sqrt(sum / static_cast<double>(total_count_));
  }

  /** The value at or below which `percentile` percent of the recorded values lie (nearest rank:
      the slot holding the `ceil(percentile / 100 * total_count())`-th smallest value, at least
      the first; the percentile is lowered by one ulp first, as HdrHistogram does, so 99.9 stored
      as 99.900000000000006 does not cost a rank: 50.00000000000001 of {1, 2} is 1, p99.9 of
      1..41000 at 3 digits is 40959). Like HdrHistogram it answers that slot's highest equivalent value, so it never
      understates the true percentile and overstates it by less than one slot width; unlike
      HdrHistogram it is capped at the exact `max()`, so `value_at_percentile(100) == max()`. `percentile` is clamped to [0, 100] (NaN counts as 0). 0 when empty. O(slots between
      min and max), scanning from the nearer end. */
  [[nodiscard]] std::int64_t value_at_percentile(double percentile) const noexcept {
    return value_at_rank(rank_of(percentile));
  }

  /** The `rank`-th smallest recorded value (1-based; clamped to [1, total_count()]), answered as
      `value_at_percentile` answers: the highest value equivalent to its slot, capped at `max()`.
      0 when empty. What order-statistic confidence intervals read
      (`metrics/percentile_interval.hpp`). */
  [[nodiscard]] std::int64_t value_at_rank(std::int64_t rank) const noexcept {
    if (total_count_ == 0) return 0;
    const std::int64_t wanted = std::clamp<std::int64_t>(rank, 1, total_count_);
    const std::size_t first = index_of(min_);
    const std::size_t last = index_of(max_);
    if (wanted <= total_count_ / 2) {
      std::int64_t cumulative = 0;
      for (std::size_t i = first; i <= last; ++i) {
        cumulative += counts_[i];
        if (cumulative >= wanted) return std::min(highest_at_index(i), max_);
      }
    } else {
      // Slot i answers when the values below it are fewer than `wanted`.
      std::int64_t at_or_above = 0;
      for (std::size_t i = last + 1; i-- > first;) {
        at_or_above += counts_[i];
        if (total_count_ - at_or_above < wanted) return std::min(highest_at_index(i), max_);
      }
    }
    return max_;
  }

  /// Count in the slot holding `value` (the count of all values equivalent to it); 0 outside
  /// `[0, highest_trackable_value()]`.
  [[nodiscard]] std::int64_t count_at_value(std::int64_t value) const noexcept {
    if (static_cast<std::uint64_t>(value) >= range_limit_) return 0;
    return counts_[index_of(value)];
  }

  /** Smallest value sharing `value`'s slot. Pure layout arithmetic, valid for any value >= 0
      (negative values are treated as 0). */
  [[nodiscard]] std::int64_t lowest_equivalent_value(std::int64_t value) const noexcept {
    const int shift = slot_shift(value);
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(std::max<std::int64_t>(value, 0)) >> shift)
                                     << shift);
  }

  /** Largest value sharing `value`'s slot. Precision guarantee (HdrHistogram's): the slot width
      `highest - lowest + 1` is at most `max(2^floor(log2(lowest_discernible_value)),
      lowest_equivalent_value(value) / 10^significant_digits)`. */
  [[nodiscard]] std::int64_t highest_equivalent_value(std::int64_t value) const noexcept {
    const int shift = slot_shift(value);
    return lowest_equivalent_value(value) + static_cast<std::int64_t>((std::uint64_t{1} << shift) - 1);
  }

  /// Middle of `value`'s slot: the value used for it by `mean()` and cross-layout `add`.
  [[nodiscard]] std::int64_t median_equivalent_value(std::int64_t value) const noexcept {
    const int shift = slot_shift(value);
    return lowest_equivalent_value(value) + static_cast<std::int64_t>((std::uint64_t{1} << shift) >> 1);
  }

  /// Width of `value`'s slot: `highest_equivalent_value(value) - lowest_equivalent_value(value) + 1`.
  [[nodiscard]] std::int64_t size_of_equivalent_value_range(std::int64_t value) const noexcept {
    return static_cast<std::int64_t>(std::uint64_t{1} << slot_shift(value));
  }

  /// The lowest value of the next slot up: `highest_equivalent_value(value) + 1`.
  [[nodiscard]] std::int64_t next_non_equivalent_value(std::int64_t value) const noexcept {
    return lowest_equivalent_value(value) + size_of_equivalent_value_range(value);
  }

  /// Whether `a` and `b` share a slot (the histogram cannot tell them apart).
  [[nodiscard]] bool values_are_equivalent(std::int64_t a, std::int64_t b) const noexcept {
    return lowest_equivalent_value(a) == lowest_equivalent_value(b);
  }

  /** Count of the values recorded in the slots from `low`'s to `high`'s, both included (so it
      counts values equivalent to either end too), as HdrHistogram's count-between. The bounds
      are clamped to `[0, highest_trackable_value()]`; 0 when `low > high`. O(slots between). */
  [[nodiscard]] std::int64_t count_between(std::int64_t low, std::int64_t high) const noexcept {
    if (counts_.empty() || high < 0 || low > high) return 0;
    const std::size_t from = index_of(std::clamp<std::int64_t>(low, 0, highest_trackable_value_));
    const std::size_t to = index_of(std::clamp<std::int64_t>(high, 0, highest_trackable_value_));
    std::int64_t sum = 0;
    for (std::size_t i = from; i <= to; ++i) sum += counts_[i];
    return sum;
  }

  /** Index-level view, in HdrHistogram's terms: the slots are numbered `0 ..
      counts_array_length() - 1` in value order, exactly as HdrHistogram numbers its counts array
      for the same (lowest, highest, digits), which is what its encodings and iterators walk. */
  [[nodiscard]] std::size_t counts_array_length() const noexcept { return counts_.size(); }
  /// Count in slot `index` (< `counts_array_length()`).
  [[nodiscard]] std::int64_t count_at_index(std::size_t index) const noexcept { return counts_[index]; }
  /// Lowest value of slot `index`; pure arithmetic, also for `index == counts_array_length()`.
  [[nodiscard]] std::int64_t value_from_index(std::size_t index) const noexcept { return lowest_at_index(index); }
  /// Slot index of `value`, for `0 <= value <= highest_trackable_value()`.
  [[nodiscard]] std::size_t counts_array_index(std::int64_t value) const noexcept { return index_of(value); }
  /// HdrHistogram's bucket count: the number of slot-width doublings needed, plus one.
  [[nodiscard]] int bucket_count() const noexcept {
    return static_cast<int>(counts_.size() >> half_count_magnitude_) - 1;
  }
  /// HdrHistogram's sub-bucket count: slots per bucket (the first bucket has all of them).
  [[nodiscard]] std::int64_t sub_bucket_count() const noexcept { return std::int64_t{2} << half_count_magnitude_; }

  /** Sets the exact minimum and maximum after the counts were rebuilt from a format that does not
      carry them (HdrHistogram's V2 encoding keeps only counts): `min` must lie in the first
      non-empty slot and `max` in the last, so the counts stay the truth. Returns `false` and
      changes nothing otherwise (or when empty). */
  bool restore_extremes(std::int64_t min, std::int64_t max) noexcept {
    if (total_count_ == 0 || min < 0 || max < min || max > highest_trackable_value_) return false;
    if (index_of(min) != index_of(min_) || index_of(max) != index_of(max_)) return false;
    min_ = min;
    max_ = max;
    return true;
  }

  /// Adds `count` (> 0) to `out_of_range_count()` without recording anything: restores that
  /// figure after decoding a format that does not carry it.
  void count_out_of_range(std::int64_t count) noexcept {
    if (count > 0) note_out_of_range(count);
  }

  /** Calls `f(bucket)` for every non-empty slot in increasing value order. The last slot's
      `value_to` may exceed `highest_trackable_value()`. */
  template <class F>
  void for_each_bucket(F&& f) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] != 0) f(bucket{lowest_at_index(i), highest_at_index(i), counts_[i]});
    }
  }

  /// Total memory owned by this object, bucket array included.
  [[nodiscard]] std::size_t size_in_bytes() const noexcept {
    return sizeof(histogram) + counts_.capacity() * sizeof(std::int64_t);
  }

  /// As passed to the constructor.
  [[nodiscard]] std::int64_t lowest_discernible_value() const noexcept { return lowest_discernible_value_; }
  /// As passed to the constructor.
  [[nodiscard]] std::int64_t highest_trackable_value() const noexcept { return highest_trackable_value_; }
  /// As passed to the constructor.
  [[nodiscard]] int significant_digits() const noexcept { return significant_digits_; }

  /** Compact binary form that `decode` turns back into an equal histogram (mergeable with
      `add`). Format, version 1, integers little-endian:

      | offset | size | field |
      |---|---|---|
      | 0  | 4 | magic `"STHG"` |
      | 4  | 1 | version (1) |
      | 5  | 1 | significant_digits |
      | 6  | 2 | reserved, zero |
      | 8  | 8 | lowest_discernible_value |
      | 16 | 8 | highest_trackable_value |
      | 24 | 8 | total_count |
      | 32 | 8 | out_of_range_count |
      | 40 | 8 | min() |
      | 48 | 8 | max() |
      | 56 | 4 | payload size in bytes |
      | 60 | n | payload |
      | 60 + n | 4 | CRC-32 of all preceding bytes |

      The payload lists the slots in order as zig-zag LEB128 varints: `k >= 0` is one slot's
      count, `k < 0` is `-k` empty slots; empty slots after the last non-empty one are omitted
      (HdrHistogram's V2 idea). */
  [[nodiscard]] std::vector<std::uint8_t> encode() const {
    std::vector<std::uint8_t> out;
    out.reserve(header_size + trailer_size + 64);
    out.insert(out.end(), magic.begin(), magic.end());
    out.push_back(format_version);
    out.push_back(static_cast<std::uint8_t>(significant_digits_));
    out.push_back(0);
    out.push_back(0);
    for (const std::int64_t field : {lowest_discernible_value_, highest_trackable_value_, total_count_,
                                     out_of_range_count_, min(), max()}) {
      put_le(out, static_cast<std::uint64_t>(field), 8);
    }
    put_le(out, 0, 4);  // payload size, patched below
    std::size_t end = counts_.size();
    while (end > 0 && counts_[end - 1] == 0) --end;
    for (std::size_t i = 0; i < end;) {
      if (counts_[i] != 0) {
        put_varint(out, static_cast<std::uint64_t>(counts_[i]) << 1);
        ++i;
        continue;
      }
      std::size_t run = 0;
      while (counts_[i + run] == 0) ++run;  // stops at counts_[end - 1] != 0
      put_varint(out, (static_cast<std::uint64_t>(run) << 1) - 1);
      i += run;
    }
    const std::size_t payload_size = out.size() - header_size;
    for (std::size_t k = 0; k < 4; ++k) out[56 + k] = static_cast<std::uint8_t>(payload_size >> (8 * k));
    put_le(out, detail::crc32(out), 4);
    return out;
  }

  /** Rebuilds a histogram from `encode()` output. Throws `std::invalid_argument` with the reason
      on any inconsistency (truncation, trailing bytes, bad magic or version, checksum mismatch,
      invalid layout, malformed or overflowing counts, totals or extremes that disagree with the
      counts). Never reads outside `bytes`. May throw `std::bad_alloc`: a valid header can ask
      for any valid layout (at most about 50 MiB, for 5 digits over the full 63-bit range). */
  [[nodiscard]] static histogram decode(std::span<const std::uint8_t> bytes) {
    std::optional<histogram> result;
    if (const char* reason = decode_into(bytes, result)) {
      throw std::invalid_argument(std::string("stress_testing::metrics::histogram::decode: ") + reason);
    }
    return std::move(*result);
  }

  /// `decode` without exceptions: `std::nullopt` on any failure (including out of memory).
  [[nodiscard]] static std::optional<histogram> try_decode(std::span<const std::uint8_t> bytes) noexcept {
    try {
      std::optional<histogram> result;
      if (decode_into(bytes, result) != nullptr) return std::nullopt;
      return result;
    } catch (...) {
      return std::nullopt;
    }
  }

  /// `encode()` as standard padded base64, to embed in a JSON document.
  [[nodiscard]] std::string to_base64() const { return detail::base64_encode(encode()); }

  /// Inverse of `to_base64`; throws `std::invalid_argument` like `decode`, or for bad base64.
  [[nodiscard]] static histogram from_base64(std::string_view text) {
    const auto bytes = detail::base64_decode(text);
    if (!bytes) {
      throw std::invalid_argument("stress_testing::metrics::histogram::from_base64: invalid base64");
    }
    return decode(*bytes);
  }

  /// `from_base64` without exceptions.
  [[nodiscard]] static std::optional<histogram> try_from_base64(std::string_view text) noexcept {
    try {
      const auto bytes = detail::base64_decode(text);
      if (!bytes) return std::nullopt;
      return try_decode(*bytes);
    } catch (...) {
      return std::nullopt;
    }
  }

 private:
  static constexpr std::int64_t max_count = std::numeric_limits<std::int64_t>::max();
  static constexpr std::int64_t empty_min = std::numeric_limits<std::int64_t>::max();
  static constexpr std::array<std::uint8_t, 4> magic{'S', 'T', 'H', 'G'};
  static constexpr std::uint8_t format_version = 1;
  static constexpr std::size_t header_size = 60;
  static constexpr std::size_t trailer_size = 4;

  static constexpr std::int64_t power_of_ten(int exponent) noexcept {
    std::int64_t p = 1;
    for (int i = 0; i < exponent; ++i) p *= 10;
    return p;
  }

  /// Why the arguments do not make a layout, or nullptr if they do.
  static constexpr const char* layout_error(std::int64_t lowest, std::int64_t highest, int digits) noexcept {
    if (lowest < 1) return "lowest_discernible_value must be >= 1";
    if (digits < 1 || digits > 5) return "significant_digits must be in [1, 5]";
    if (highest / 2 < lowest) return "highest_trackable_value must be >= 2 * lowest_discernible_value";
    const int unit = static_cast<int>(std::bit_width(static_cast<std::uint64_t>(lowest))) - 1;
    const int half =
        std::countr_zero(std::bit_ceil(static_cast<std::uint64_t>(2 * power_of_ten(digits)))) - 1;
    // HdrHistogram's limit: the sub-bucket range scaled by the unit must stay well inside 63 bits.
    if (unit + half > 61) return "lowest_discernible_value too large for significant_digits";
    return nullptr;
  }

  // Slot index of `value` (0 <= value < range_limit_ for counts_ access). Slot indices grow with
  // values and have no gaps: index = bucket * half_count + sub_bucket, where the sub-bucket of
  // bucket 0 spans the whole sub-bucket range and later ones only its upper half.
  [[nodiscard]] std::size_t index_of(std::int64_t value) const noexcept {
    const auto v = static_cast<std::uint64_t>(value);
    const int bucket_index = bucket_base_ - std::countl_zero(v | sub_bucket_mask_);
    return (static_cast<std::size_t>(bucket_index) << half_count_magnitude_) +
           (v >> (bucket_index + unit_magnitude_));
  }

  // log2 of the width of the slot holding `value`.
  [[nodiscard]] int slot_shift(std::int64_t value) const noexcept {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(value, 0));
    return bucket_base_ - std::countl_zero(v | sub_bucket_mask_) + unit_magnitude_;
  }

  [[nodiscard]] int shift_at_index(std::size_t index) const noexcept {
    const int bucket_index = static_cast<int>(index >> half_count_magnitude_) - 1;
    return std::max(bucket_index, 0) + unit_magnitude_;
  }

  [[nodiscard]] std::int64_t lowest_at_index(std::size_t index) const noexcept {
    const std::size_t half_count = std::size_t{1} << half_count_magnitude_;
    // For bucket 0 both halves of the sub-bucket range map to themselves.
    const std::size_t sub = index < 2 * half_count ? index : (index & (half_count - 1)) + half_count;
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(sub) << shift_at_index(index));
  }

  [[nodiscard]] std::int64_t highest_at_index(std::size_t index) const noexcept {
    return lowest_at_index(index) +
           static_cast<std::int64_t>((std::uint64_t{1} << shift_at_index(index)) - 1);
  }

  [[nodiscard]] std::int64_t median_at_index(std::size_t index) const noexcept {
    return lowest_at_index(index) +
           static_cast<std::int64_t>((std::uint64_t{1} << shift_at_index(index)) >> 1);
  }

  // The value standing for a slot's counts in mean() and stddev(). Requires total_count_ > 0.
  [[nodiscard]] std::int64_t representative_at_index(std::size_t index) const noexcept {
    return std::clamp(median_at_index(index), min_, max_);
  }

  // Nearest rank of `percentile` among total_count_ (> 0) values, in [1, total_count_], computed
  // as HdrHistogram does so that both answer alike: the percentile is first lowered by one ulp,
  // because a decimal percentile is often stored a hair above its value (99.9 is
  // 99.900000000000006) and would otherwise push an exact rank (p99.9 of 41,000 values: 40,959)
  // up by one. Lowering never costs a rank: ceil of a product that was an integer stays it.
  [[nodiscard]] std::int64_t rank_of(double percentile) const noexcept {
    if (!(percentile > 0.0)) return 1;
    if (percentile >= 100.0) return total_count_;
    const double guarded = std::nextafter(percentile, 0.0);
    const double rank = std::ceil(guarded / 100.0 * static_cast<double>(total_count_));
    if (rank < 1.0) return 1;
    if (rank >= static_cast<double>(total_count_)) return total_count_;
    return static_cast<std::int64_t>(rank);
  }

  void note_out_of_range(std::int64_t count) noexcept {
    out_of_range_count_ = count > max_count - out_of_range_count_ ? max_count : out_of_range_count_ + count;
  }

  void copy_scalars_from(const histogram& other) noexcept {
    lowest_discernible_value_ = other.lowest_discernible_value_;
    highest_trackable_value_ = other.highest_trackable_value_;
    significant_digits_ = other.significant_digits_;
    unit_magnitude_ = other.unit_magnitude_;
    half_count_magnitude_ = other.half_count_magnitude_;
    bucket_base_ = other.bucket_base_;
    sub_bucket_mask_ = other.sub_bucket_mask_;
    range_limit_ = other.range_limit_;
    total_count_ = other.total_count_;
    out_of_range_count_ = other.out_of_range_count_;
    min_ = other.min_;
    max_ = other.max_;
  }

  void become_moved_from() noexcept {
    counts_.clear();
    range_limit_ = 0;  // no value is in range any more, so counts_ is never indexed
    total_count_ = 0;
    out_of_range_count_ = 0;
    min_ = empty_min;
    max_ = 0;
  }

  static void put_le(std::vector<std::uint8_t>& out, std::uint64_t value, std::size_t size) {
    for (std::size_t k = 0; k < size; ++k) out.push_back(static_cast<std::uint8_t>(value >> (8 * k)));
  }

  static std::uint64_t get_le(std::span<const std::uint8_t> bytes, std::size_t offset,
                              std::size_t size) noexcept {
    std::uint64_t value = 0;
    for (std::size_t k = 0; k < size; ++k) value |= std::uint64_t{bytes[offset + k]} << (8 * k);
    return value;
  }

  static void put_varint(std::vector<std::uint8_t>& out, std::uint64_t value) {
    while (value >= 0x80u) {
      out.push_back(static_cast<std::uint8_t>(value | 0x80u));
      value >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(value));
  }

  // Reads one LEB128 varint at `pos`, advancing it; the reason on failure.
  static const char* get_varint(std::span<const std::uint8_t> bytes, std::size_t& pos,
                                std::uint64_t& value) noexcept {
    value = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= bytes.size()) return "truncated varint in payload";
      const std::uint8_t byte = bytes[pos++];
      if (shift == 63 && byte > 1) return "varint overflows 64 bits";
      value |= std::uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80u) == 0) return nullptr;  // always taken at shift 63, given the check above
    }
  }

  // Decodes into `out` (engaged on success); the reason on failure. Throws only std::bad_alloc.
  static const char* decode_into(std::span<const std::uint8_t> bytes, std::optional<histogram>& out) {
    if (bytes.size() < header_size + trailer_size) return "truncated header";
    if (!std::equal(magic.begin(), magic.end(), bytes.begin())) return "bad magic";
    if (bytes[4] != format_version) return "unsupported version";
    if (bytes[6] != 0 || bytes[7] != 0) return "reserved header bytes are not zero";
    const std::uint64_t payload_size = get_le(bytes, 56, 4);
    const std::size_t actual_payload = bytes.size() - header_size - trailer_size;
    if (payload_size > actual_payload) return "truncated payload";
    if (payload_size < actual_payload) return "trailing bytes after payload";
    const std::size_t crc_offset = bytes.size() - trailer_size;
    if (detail::crc32(bytes.first(crc_offset)) != get_le(bytes, crc_offset, 4)) return "checksum mismatch";

    const int digits = bytes[5];
    const auto lowest = static_cast<std::int64_t>(get_le(bytes, 8, 8));
    const auto highest = static_cast<std::int64_t>(get_le(bytes, 16, 8));
    const auto total = static_cast<std::int64_t>(get_le(bytes, 24, 8));
    const auto out_of_range = static_cast<std::int64_t>(get_le(bytes, 32, 8));
    const auto min_value = static_cast<std::int64_t>(get_le(bytes, 40, 8));
    const auto max_value = static_cast<std::int64_t>(get_le(bytes, 48, 8));
    if (const char* reason = layout_error(lowest, highest, digits)) return reason;
    if (total < 0) return "negative total_count";
    if (out_of_range < 0) return "negative out_of_range_count";

    histogram& h = out.emplace(lowest, highest, digits);
    const std::span<const std::uint8_t> payload = bytes.subspan(header_size, actual_payload);
    std::size_t pos = 0;
    std::size_t index = 0;
    std::int64_t sum = 0;
    while (pos < payload.size()) {
      std::uint64_t item = 0;
      if (const char* reason = get_varint(payload, pos, item)) return reason;
      if ((item & 1u) != 0) {
        const std::uint64_t run = (item >> 1) + 1;
        if (run > h.counts_.size() - index) return "run of empty slots beyond the bucket array";
        index += static_cast<std::size_t>(run);
        continue;
      }
      const auto count = static_cast<std::int64_t>(item >> 1);
      if (index >= h.counts_.size()) return "count beyond the bucket array";
      if (count > max_count - sum) return "counts overflow";
      h.counts_[index++] = count;
      sum += count;
    }
    if (sum != total) return "total_count does not match the counts";
    if (total == 0) {
      if (min_value != 0 || max_value != 0) return "min/max of an empty histogram are not 0";
    } else {
      if (min_value < 0 || max_value < min_value || max_value > highest) {
        return "min/max out of order or range";
      }
      if (total == 1 && min_value != max_value) return "min and max differ for a single value";
      std::size_t first = 0;
      while (h.counts_[first] == 0) ++first;
      std::size_t last = h.counts_.size() - 1;
      while (h.counts_[last] == 0) --last;
      if (h.index_of(min_value) != first || h.index_of(max_value) != last) {
        return "min/max disagree with the counts";
      }
      h.min_ = min_value;
      h.max_ = max_value;
    }
    h.total_count_ = total;
    h.out_of_range_count_ = out_of_range;
    return nullptr;
  }

  // counts_ first: a throwing copy leaves nothing else half-assigned.
  std::vector<std::int64_t> counts_;
  std::int64_t lowest_discernible_value_;
  std::int64_t highest_trackable_value_;
  int significant_digits_;
  int unit_magnitude_ = 0;        // log2 of the narrowest slot width
  int half_count_magnitude_ = 0;  // log2 of half the sub-bucket count
  int bucket_base_ = 0;           // 64 - (unit_magnitude_ + sub-bucket count magnitude)
  std::uint64_t sub_bucket_mask_ = 0;
  std::uint64_t range_limit_ = 0;  // highest_trackable_value_ + 1; 0 when moved from
  std::int64_t total_count_ = 0;
  std::int64_t out_of_range_count_ = 0;
  std::int64_t min_ = empty_min;
  std::int64_t max_ = 0;
};

}  // namespace stress_testing::metrics

#endif
