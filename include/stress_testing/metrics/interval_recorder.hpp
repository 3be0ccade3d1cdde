#ifndef STRESS_TESTING_METRICS_INTERVAL_RECORDER_HPP
#define STRESS_TESTING_METRICS_INTERVAL_RECORDER_HPP

#include <stress_testing/metrics/detail/writer_reader_phaser.hpp>
#include <stress_testing/metrics/segment_tally.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/outcome.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

namespace stress_testing::metrics {

/** A worker's measurements, recorded per request and sampled per interval without locks on the
    request path.

    The worker (the *writer*) calls `record` / `record_dropped` / `set_in_flight` for its
    requests. The collector (the *reader*) calls `sample` once per interval and gets everything
    recorded since the previous sample. Two buffers and a writer-reader phaser make this work
    without a lock: the writer records into the active buffer between an uncontended atomic add
    and a release store; `sample` swaps buffers and waits only for a record already in
    progress to finish (nanoseconds), then owns the retired buffer. No record is lost or counted
    twice: every record lands in exactly one interval.

    The reader side also accumulates every sampled interval into `cumulative()`.

    Built with `tally_cuts`, the recorder also tallies each request by its intended time in a
    `segment_tally` (the failure windows' accounting at request resolution), when the engine gives
    that time (the `record` overloads taking `intended`). The tally is the writer's alone: read it
    (`tally()`) only once the writer has stopped, after a synchronising hand-over (the end of the
    run).

    Thread safety: writer functions (`record`, `record_dropped`, `set_in_flight`) are
    `noexcept`, allocation-free and must be called by one thread at a time (the worker's; a
    worker may migrate between threads if the hand-over synchronises). Concurrent writers would
    race on the histograms: give each worker its own recorder and merge the samples. Reader
    functions (`sample`, `sample_into`, `cumulative`, `cumulative_into`) may be called
    from any thread and are serialised by an internal mutex that the writer never touches.

    Memory is fixed at construction: two recording buffers and the cumulative snapshot (nine
    histograms, see `histogram_options`), and the tally (about 29 KiB per segment, plus 1.2 KiB
    per bin when it has bins: at most 128 per segment after the first). Not copyable or movable (the writer holds a reference). */
class interval_recorder {
 public:
  /** A recorder whose first interval starts at `start` (an offset from the run's start on the
      engine's steady clock, like every time in a `snapshot`). Allocates all its memory. */
  explicit interval_recorder(const histogram_options& options = {}, std::chrono::nanoseconds start = {},
                             std::vector<double> tally_cuts = {}, double tally_bin_seconds = 0)
      : options_(options),
        highest_(options.highest_trackable_value),
        buffers_{snapshot(options), snapshot(options)},
        tally_(tally_cuts.empty() ? segment_tally() : segment_tally(std::move(tally_cuts), tally_bin_seconds)),
        cumulative_(options),
        interval_start_(start) {
    cumulative_.start = cumulative_.end = start;
  }

  interval_recorder(const interval_recorder&) = delete;
  interval_recorder& operator=(const interval_recorder&) = delete;

  // ---- writer side -----------------------------------------------------------------------

  /** Records one intended request that ended in `o`.

      `response` = completed - intended, `service` = completed - sent, `send_lag` = sent -
      intended (DESIGN.md §3). A negative duration (clock anomaly) is recorded as 0 and counted
      in `snapshot::negative_durations`; one above the layout's highest value is recorded as that
      value and counted in `snapshot::saturated_durations`, so every request is in every
      histogram exactly once. Pass a timed-out request's durations up to the moment it was
      abandoned: it was at least that slow. `o == outcome::dropped` ignores the durations and
      bytes and behaves as `record_dropped()`. Writer thread only. */
  void record(outcome o, std::chrono::nanoseconds response, std::chrono::nanoseconds service,
              std::chrono::nanoseconds send_lag, std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
    auto const phase = phaser_.writer_enter();
    snapshot& b = buffers_[phase];
    b.counters.record(o);
    if (o != outcome::dropped) [[likely]] {
      b.counters.add_bytes(bytes_in, bytes_out);
      record_clamped(b, b.response_time, response.count());
      record_clamped(b, b.service_time, service.count());
      record_clamped(b, b.send_lag, send_lag.count());
    }
    phaser_.sole_writer_exit(phase);
  }

  /** `record`, and the request tallied by its `intended` time (an offset from the run's start,
      the clock of the failure windows) when the recorder has a tally. Writer thread only. */
  void record(outcome o, std::chrono::nanoseconds intended, std::chrono::nanoseconds response,
              std::chrono::nanoseconds service, std::chrono::nanoseconds send_lag, std::uint64_t bytes_in,
              std::uint64_t bytes_out) noexcept {
    tally_.record(o, intended, response);
    record(o, response, service, send_lag, bytes_in, bytes_out);
  }

  /// Counts one intended request that was never sent (no latency exists). Writer thread only.
  void record_dropped() noexcept {
    auto const phase = phaser_.writer_enter();
    buffers_[phase].counters.record(outcome::dropped);
    phaser_.sole_writer_exit(phase);
  }

  /// `record_dropped`, tallied by its `intended` time as `record` does. Writer thread only.
  void record_dropped(std::chrono::nanoseconds intended) noexcept {
    tally_.record(outcome::dropped, intended, std::chrono::nanoseconds::zero());
    record_dropped();
  }

  /** Publishes the number of requests in flight; the next `sample` reports the last value set
      as `snapshot::in_flight`. A relaxed store: cheap enough to call on every send and
      completion. Writer thread only. */
  void set_in_flight(std::int64_t n) noexcept { in_flight_.store(n, std::memory_order_relaxed); }

  /** Publishes the number of active virtual users (closed model: users that have started and not
      left, whether waiting for a response or thinking); the next `sample` reports the last value
      set as `snapshot::active_users`. A relaxed store, like `set_in_flight`. Writer thread only. */
  void set_active_users(std::int64_t n) noexcept { active_users_.store(n, std::memory_order_relaxed); }

  // ---- reader side -----------------------------------------------------------------------

  /** Takes the interval `[previous sample's end, end]` into `out` and adds it to the cumulative
      snapshot; the next interval starts at `end`. `out` keeps its memory when its layout matches
      ours (no allocation after the first call). An `end` before the interval's start gives a
      zero-length interval. Any thread; never blocks the writer. */
  void sample_into(snapshot& out, std::chrono::nanoseconds end) {
    std::lock_guard lock(reader_mutex_);
    snapshot& done = buffers_[phaser_.flip()];
    done.start = interval_start_;
    done.end = std::max(end, interval_start_);
    done.in_flight = in_flight_.load(std::memory_order_relaxed);
    done.active_users = active_users_.load(std::memory_order_relaxed);
    interval_start_ = done.end;
    out = done;
    cumulative_.append(done);
    done.reset();
  }

  /// `sample_into` into a new snapshot (allocates it). Any thread; never blocks the writer.
  snapshot sample(std::chrono::nanoseconds end) {
    snapshot out(options_);
    sample_into(out, end);
    return out;
  }

  /** Copies the sum of all sampled intervals (`start` = the recorder's start, `end` = the last
      sample's end, `in_flight` = the last sample's) into `out`. What has been recorded since the
      last `sample` is not included. Any thread. */
  void cumulative_into(snapshot& out) const {
    std::lock_guard lock(reader_mutex_);
    out = cumulative_;
  }

  /// `cumulative_into` into a new snapshot (allocates it). Any thread.
  snapshot cumulative() const {
    std::lock_guard lock(reader_mutex_);
    return cumulative_;
  }

  /** The requests tallied by intended time (empty: built without cuts). Only when the writer has
      stopped, after a hand-over that synchronises with it (a worker's end of run). */
  const segment_tally& tally() const noexcept { return tally_; }

  /// The histogram layout this recorder was built with.
  const histogram_options& options() const noexcept { return options_; }

 private:
  void record_clamped(snapshot& b, histogram& h, std::int64_t value) const noexcept {
    if (value < 0) [[unlikely]] {
      ++b.negative_durations;
      value = 0;
    } else if (value > highest_) [[unlikely]] {
      ++b.saturated_durations;
      value = highest_;
    }
    h.record_value(value);
  }

  // Written by the writer on every record: kept together, away from the reader's state.
  detail::writer_reader_phaser phaser_;
  alignas(64) std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> active_users_{0};

  // Immutable after construction.
  alignas(64) histogram_options options_;
  std::int64_t highest_;
  std::array<snapshot, 2> buffers_;

  // The writer's, read after the run.
  segment_tally tally_;

  // Reader side only.
  mutable std::mutex reader_mutex_;
  snapshot cumulative_;
  std::chrono::nanoseconds interval_start_;
};

}  // namespace stress_testing::metrics

#endif
