#ifndef STRESS_TESTING_METRICS_HISTOGRAM_ITERATION_HPP
#define STRESS_TESTING_METRICS_HISTOGRAM_ITERATION_HPP

/** HdrHistogram's four ways to walk a histogram (recorded values, linear steps, logarithmic
    steps, percentile levels) with its step semantics, so tables and plots built from our
    histograms line up with those its tools print. Pure layer: std only. */

#include <stress_testing/metrics/histogram.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <vector>

namespace stress_testing::metrics {

/** One step of an iteration (HdrHistogram's iteration value). A step covers the values above
    the previous step's `value_iterated_to` up to its own. */
struct iteration_value {
  /// The step's upper value: a slot's highest equivalent value (recorded values, percentiles) or
  /// the step's boundary minus one (linear, logarithmic: each step includes its boundary slot).
  std::int64_t value_iterated_to = 0;
  std::int64_t value_iterated_from = 0;           ///< the previous step's `value_iterated_to`
  std::int64_t count_at_value_iterated_to = 0;    ///< count of the slot the step stopped in
  std::int64_t count_added_in_this_iteration_step = 0;
  std::int64_t total_count_to_this_value = 0;     ///< cumulative count up to that slot
  double percentile = 0;                          ///< 100 * cumulative / total_count()
  /// The percentile level the step reached (percentile iteration), else `percentile`.
  double percentile_level_iterated_to = 0;
};

/** A pass over a histogram in HdrHistogram's steps. Reads the histogram, which must outlive the
    iteration and not change during it. Use `next()` until it returns `std::nullopt`, or a
    range-for:

        for (const iteration_value& v : histogram_iteration::linear(h, 1'000)) ...

    Steps end when every recorded value has been covered (linear and logarithmic steps go on
    while the current step still lies inside the last slot with a count, as HdrHistogram's do);
    the percentile iteration adds a final step at level 100. An empty histogram yields nothing
    (linear and logarithmic: the steps inside the first slot). O(slots + steps) in all. */
class histogram_iteration {
 public:
  /// Every non-empty slot, in value order.
  [[nodiscard]] static histogram_iteration recorded_values(const histogram& h) {
    return histogram_iteration(h, kind::recorded);
  }

  /// Steps of `value_units_per_bucket` (>= 1, else `std::invalid_argument`).
  [[nodiscard]] static histogram_iteration linear(const histogram& h, std::int64_t value_units_per_bucket) {
    if (value_units_per_bucket < 1) {
      throw std::invalid_argument("histogram_iteration::linear: value_units_per_bucket must be >= 1");
    }
    histogram_iteration it(h, kind::linear);
    it.step_ = value_units_per_bucket;
    it.set_step_highest(value_units_per_bucket - 1);
    return it;
  }

  /// Steps ending at `value_units_in_first_bucket` (>= 1) times `log_base` (> 1) to the power
  /// 0, 1, 2, ...; `std::invalid_argument` otherwise.
  [[nodiscard]] static histogram_iteration logarithmic(const histogram& h, std::int64_t value_units_in_first_bucket,
                                                       double log_base) {
    if (value_units_in_first_bucket < 1 || !(log_base > 1.0)) {
      throw std::invalid_argument(
          "histogram_iteration::logarithmic: value_units_in_first_bucket must be >= 1 and log_base > 1");
    }
    histogram_iteration it(h, kind::logarithmic);
    it.next_level_ = static_cast<double>(value_units_in_first_bucket);
    it.log_base_ = log_base;
    it.set_step_highest(value_units_in_first_bucket - 1);
    return it;
  }

  /** Percentile levels 0, then steps that halve each time the distance to 100 halves
      (`ticks_per_half_distance` >= 1 per halving, else `std::invalid_argument`), each reported at
      the first slot whose cumulative percentile reaches it, then a last step at 100. What
      HdrHistogram's percentile distribution (`.hgrm`) prints. */
  [[nodiscard]] static histogram_iteration percentiles(const histogram& h, int ticks_per_half_distance) {
    if (ticks_per_half_distance < 1) {
      throw std::invalid_argument("histogram_iteration::percentiles: ticks_per_half_distance must be >= 1");
    }
    histogram_iteration it(h, kind::percentile);
    it.ticks_ = ticks_per_half_distance;
    return it;
  }

  /// The next step, or `std::nullopt` when the iteration is over.
  std::optional<iteration_value> next() {
    if (!has_next()) return std::nullopt;
    const std::size_t length = h_->counts_array_length();
    while (index_ < length) {
      count_at_index_ = h_->count_at_index(index_);
      if (fresh_) {
        total_to_current_ += count_at_index_;
        fresh_ = false;
      }
      if (reached_level()) {
        iteration_value v;
        v.value_iterated_to = value_iterated_to();
        v.value_iterated_from = previous_value_;
        v.count_at_value_iterated_to = count_at_index_;
        v.count_added_in_this_iteration_step = total_to_current_ - total_to_previous_;
        v.total_count_to_this_value = total_to_current_;
        v.percentile = 100.0 * static_cast<double>(total_to_current_) / static_cast<double>(total_);
        v.percentile_level_iterated_to = kind_ == kind::percentile ? level_ : v.percentile;
        previous_value_ = v.value_iterated_to;
        total_to_previous_ = total_to_current_;
        advance_level();
        return v;
      }
      fresh_ = true;
      ++index_;
    }
    return std::nullopt;
  }

  /// Input iterator over the remaining steps (each `++` calls `next()`).
  class iterator {
   public:
    using value_type = iteration_value;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(histogram_iteration* owner) : owner_(owner), current_(owner->next()) {}
    const iteration_value& operator*() const { return *current_; }
    const iteration_value* operator->() const { return &*current_; }
    iterator& operator++() {
      current_ = owner_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.current_; }

   private:
    histogram_iteration* owner_ = nullptr;
    std::optional<iteration_value> current_;
  };

  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  enum class kind { recorded, linear, logarithmic, percentile };

  histogram_iteration(const histogram& h, kind k) : h_(&h), kind_(k), total_(h.total_count()) {}

  void set_step_highest(std::int64_t highest) noexcept {
    step_highest_ = highest;
    step_lowest_ = h_->lowest_equivalent_value(highest);
  }

  [[nodiscard]] std::int64_t value_at_index() const noexcept { return h_->value_from_index(index_); }
  [[nodiscard]] std::int64_t next_value_at_index() const noexcept { return h_->value_from_index(index_ + 1); }

  [[nodiscard]] bool has_next() {
    if (done_) return false;
    if (total_to_current_ < total_) return true;
    switch (kind_) {
      case kind::recorded:
        return false;
      case kind::linear:
      case kind::logarithmic:
        // Steps continue while the next one still ends inside the current (last counted) slot.
        return total_ > 0 && step_highest_ + 1 < next_value_at_index();
      case kind::percentile:
        if (!reached_last_ && total_ > 0) {
          level_ = 100.0;
          reached_last_ = true;
          return true;
        }
        return false;
    }
    return false;
  }

  [[nodiscard]] bool reached_level() const noexcept {
    switch (kind_) {
      case kind::recorded:
        return count_at_index_ != 0 && visited_ != index_;
      case kind::linear:
      case kind::logarithmic:
        return value_at_index() >= step_lowest_ || index_ + 1 >= h_->counts_array_length();
      case kind::percentile:
        // Level 100 is the slot holding the last value, even where rounding shows 100% earlier.
        if (level_ >= 100.0) return count_at_index_ != 0 && total_to_current_ == total_;
        return count_at_index_ != 0 &&
               100.0 * static_cast<double>(total_to_current_) / static_cast<double>(total_) >= level_;
    }
    return false;
  }

  [[nodiscard]] std::int64_t value_iterated_to() const noexcept {
    switch (kind_) {
      case kind::linear:
      case kind::logarithmic:
        return step_highest_;
      case kind::recorded:
      case kind::percentile:
        break;
    }
    return h_->highest_equivalent_value(value_at_index());
  }

  void advance_level() noexcept {
    switch (kind_) {
      case kind::recorded:
        visited_ = index_;
        return;
      case kind::linear:
        set_step_highest(step_highest_ + step_);
        return;
      case kind::logarithmic:
        next_level_ *= log_base_;
        set_step_highest(static_cast<std::int64_t>(next_level_) - 1);
        return;
      case kind::percentile: {
        if (level_ >= 100.0) {
          // Level 100 reported: the end.
          done_ = true;
          return;
        }
        // The step halves each time the remaining distance to 100 halves.
        const double halvings = std::floor(std::log2(100.0 / (100.0 - level_)));
        const double next = level_ + 100.0 / (ticks_ * std::ldexp(1.0, static_cast<int>(halvings) + 1));
        // Near 100 the step can vanish below double resolution: jump to the last level then.
        level_ = next > level_ && next < 100.0 ? next : 100.0;
        return;
      }
    }
  }

  const histogram* h_;
  kind kind_;
  std::int64_t total_;
  std::size_t index_ = 0;
  std::int64_t count_at_index_ = 0;
  bool fresh_ = true;
  std::int64_t total_to_current_ = 0;
  std::int64_t total_to_previous_ = 0;
  std::int64_t previous_value_ = 0;
  // recorded values
  std::size_t visited_ = static_cast<std::size_t>(-1);
  // linear and logarithmic
  std::int64_t step_ = 0;
  std::int64_t step_highest_ = 0;
  std::int64_t step_lowest_ = 0;
  double next_level_ = 0;
  double log_base_ = 0;
  // percentiles
  int ticks_ = 0;
  double level_ = 0;
  bool reached_last_ = false;
  bool done_ = false;
};

/// One line of a percentile table: `value` answers `percentile` (capped at the exact `max()`),
/// `cumulative_count` is the number of recorded values at or below that value's slot.
struct percentile_point {
  double percentile;
  std::int64_t value;
  std::int64_t cumulative_count;
};

/** The percentile iteration as a table (about `ticks_per_half_distance * log2(total_count())`
    lines), with values capped at the exact `max()` like `histogram::value_at_percentile`, so
    the last line is `{100, max(), total_count()}`. Empty when nothing is recorded. Throws
    `std::invalid_argument` if `ticks_per_half_distance < 1`. */
[[nodiscard]] inline std::vector<percentile_point> percentile_distribution(const histogram& h,
                                                                           int ticks_per_half_distance = 5) {
  std::vector<percentile_point> points;
  for (const iteration_value& v : histogram_iteration::percentiles(h, ticks_per_half_distance)) {
    points.push_back({v.percentile_level_iterated_to, std::min(v.value_iterated_to, h.max()),
                      v.total_count_to_this_value});
  }
  return points;
}

}  // namespace stress_testing::metrics

#endif
