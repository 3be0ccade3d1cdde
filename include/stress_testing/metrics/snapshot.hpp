#ifndef STRESS_TESTING_METRICS_SNAPSHOT_HPP
#define STRESS_TESTING_METRICS_SNAPSHOT_HPP

#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace stress_testing::metrics {

/** Layout of the latency histograms of a `snapshot` (and of an `interval_recorder`).

    Units: **nanoseconds**. The engine measures with `steady_clock`, whose tick is a nanosecond
    on the platforms we target, so values go into the histogram without conversion.

    The defaults (1 ns .. 1 h, 3 significant digits) keep the relative error at or below 0.1% for
    every latency (values below 2048 ns are exact), which honours DESIGN.md's "<= 1%" even for
    sub-microsecond in-process targets. Memory: about 265 KiB per histogram, so a recorder (three
    histograms, two buffers and the cumulative snapshot: nine histograms) holds about 2.3 MiB,
    whatever the run's length. A coarser layout, e.g. `{1'000, 3'600'000'000'000, 2}` (1 us
    resolution, 1% precision), needs about 28 KiB per histogram. Longer durations are clamped
    to `highest_trackable_value` and counted (`snapshot::saturated_durations`). */
struct histogram_options {
  std::int64_t lowest_discernible_value = 1;                  ///< ns
  std::int64_t highest_trackable_value = 3'600'000'000'000;   ///< ns (one hour)
  int significant_digits = 3;

  /// A histogram with this layout (throws `std::invalid_argument` for an invalid layout).
  histogram make_histogram() const {
    return histogram(lowest_discernible_value, highest_trackable_value, significant_digits);
  }

  friend bool operator==(const histogram_options&, const histogram_options&) = default;
};

/** What the load generator measured over one time range: an interval of one worker, the merge of
    all workers' intervals, or a whole run.

    Latencies are in nanoseconds (see `histogram_options`). Every request that was sent (every
    outcome but `dropped`) has one value in each of the three histograms; a dropped request is
    only counted. `start` and `end` are offsets from the start of the run on the engine's steady
    clock: offsets (not `time_point`s) so that snapshots of different workers, runs and machines
    compare and merge, and so that tests can use fake times.

    A value type (about 3 x 265 KiB with default options); copying reuses memory when both sides
    have the same layout. Not thread-safe. */
struct snapshot {
  /// Empty snapshot with three empty histograms of the given layout. Allocates.
  explicit snapshot(const histogram_options& options = {})
      : response_time(options.make_histogram()),
        service_time(options.make_histogram()),
        send_lag(options.make_histogram()) {}

  /// completed - intended: the reported latency, immune to coordinated omission (DESIGN.md §3).
  metrics::histogram response_time;
  /// completed - sent: how long the target took once the request was on the wire.
  metrics::histogram service_time;
  /// sent - intended: how late the generator was; large values mean the generator is the bottleneck.
  metrics::histogram send_lag;

  /// Outcomes of every intended request of the range, and the bytes moved.
  outcome_counters counters;

  std::chrono::nanoseconds start{0};  ///< beginning of the range, since the run's start
  std::chrono::nanoseconds end{0};    ///< end of the range, since the run's start

  /// Requests sent but not completed when the range ended (0 if the recorder was not told).
  std::int64_t in_flight = 0;
  /** Virtual users active when the range ended (closed model: started and not left, in flight
      or thinking; 0 in the open model, which has no users). A level, like `in_flight`. */
  std::int64_t active_users = 0;

  /// Durations that were negative (a clock anomaly), recorded as 0 and counted here.
  std::uint64_t negative_durations = 0;
  /// Durations above `highest_trackable_value`, recorded as that value and counted here.
  std::uint64_t saturated_durations = 0;

  /// `end - start`, or zero if the range is empty or reversed.
  std::chrono::nanoseconds duration() const noexcept {
    return end > start ? end - start : std::chrono::nanoseconds{0};
  }

  /// `duration()` in seconds; 0 for an empty range, so rates derived from it never divide by 0.
  double duration_seconds() const noexcept { return std::chrono::duration<double>(duration()).count(); }

  /// True when nothing at all was recorded (no request, no clamped duration, nothing in flight).
  bool empty() const noexcept {
    return counters == outcome_counters{} && response_time.total_count() == 0 && service_time.total_count() == 0 &&
           send_lag.total_count() == 0 && response_time.out_of_range_count() == 0 &&
           service_time.out_of_range_count() == 0 && send_lag.out_of_range_count() == 0 && in_flight == 0 && active_users == 0 &&
           negative_durations == 0 && saturated_durations == 0;
  }

  /** Adds a snapshot of the **same** time range from another writer (the collector merging the
      workers' intervals): everything adds, in-flight counts included; the range becomes the
      union of both. An empty snapshot with a zero-length range (as constructed or `reset`) is
      the identity: merging into it adopts the other's range.

      Throws what `histogram::add` throws (a total that would overflow 2^63). */
  void merge(const snapshot& other) {
    add_data(other);
    in_flight += other.in_flight;
    active_users += other.active_users;
  }

  /** Adds the snapshot of a **later** time range (building the cumulative from intervals):
      like `merge`, except that `in_flight` becomes `later.in_flight` (in-flight is a level at the
      end of a range, not a quantity that accumulates). */
  void append(const snapshot& later) {
    add_data(later);
    in_flight = later.in_flight;
    active_users = later.active_users;
  }

  /// Forgets everything, range included; keeps the histograms' memory. Allocation-free.
  void reset() noexcept {
    response_time.reset();
    service_time.reset();
    send_lag.reset();
    counters.reset();
    start = end = std::chrono::nanoseconds{0};
    in_flight = 0;
    active_users = 0;
    negative_durations = 0;
    saturated_durations = 0;
  }

 private:
  void add_data(const snapshot& other) {
    bool const adopt_range = start == end && empty();
    bool const other_blank = other.start == other.end && other.empty();
    response_time.add(other.response_time);
    service_time.add(other.service_time);
    send_lag.add(other.send_lag);
    counters += other.counters;
    negative_durations += other.negative_durations;
    saturated_durations += other.saturated_durations;
    if (adopt_range) {
      start = other.start;
      end = other.end;
    } else if (!other_blank) {
      start = std::min(start, other.start);
      end = std::max(end, other.end);
    }
  }
};

}  // namespace stress_testing::metrics

#endif
