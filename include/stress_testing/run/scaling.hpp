#ifndef STRESS_TESTING_RUN_SCALING_HPP
#define STRESS_TESTING_RUN_SCALING_HPP

/** The scaling timeline of a run (results.json `scaling`, docs/results.md): when the target's
    utilization reached its autoscaling threshold, when its capacity followed, and how long that
    took (`time_to_scale_seconds`, the seed's requirement 1.5: within 60 s of reaching 80%).

    Built from the target's own reports (`target::service_stats`, polled once per interval), so
    every instant is at the resolution of the sampling interval: an event's time is the end of
    the interval in which a reading first showed it. Utilization between two readings is
    Δ busy_slot_seconds / Δ slot_seconds (the service's busy and usable slot-time); capacity is
    the reported `capacity` (processing slots), or what the host reads elsewhere (a Prometheus
    query: `run_options::target_capacity`). Only a target that says it autoscales (its report
    carries `autoscaling`, with its threshold), or whose capacity the host reads, has a timeline;
    crossings need the threshold and utilization, so a capacity alone gives scale-outs and -ins
    without a time to scale. Pure: std only. */

#include <stress_testing/target/service_stats.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::run {

/// One reading of the target, on the run's clock.
struct scaling_sample {
  double at_seconds = 0;  ///< since the run's start (0: the reading before the first request)
  std::optional<std::uint64_t> slots;
  std::optional<std::uint64_t> pending_slots;  ///< ordered, not yet usable
  /// Busy over usable slot-time since the previous reading; empty for the first, or when either
  /// reading lacks the figures.
  std::optional<double> utilization;
};

enum class scaling_event_kind {
  crossed,     ///< utilization reached the threshold (below the most slots)
  scaled_out,  ///< capacity rose
  scaled_in,   ///< capacity fell
};

constexpr std::string_view to_string(scaling_event_kind k) noexcept {
  switch (k) {
    case scaling_event_kind::crossed: return "crossed";
    case scaling_event_kind::scaled_out: return "scaled_out";
    case scaling_event_kind::scaled_in: return "scaled_in";
  }
  return "?";
}

struct scaling_event {
  scaling_event_kind kind = scaling_event_kind::crossed;
  double at_seconds = 0;
  std::optional<double> utilization;  ///< of the interval ending at `at_seconds`
  std::uint64_t slots_from = 0, slots_to = 0;
  /// scaled_out: since the crossing it answered; empty when capacity rose with no crossing open.
  std::optional<double> time_to_scale_seconds;
};

/// results.json `scaling`.
struct scaling_record {
  /// Where capacity was read: the target's report, or the host's `target_capacity_source`.
  std::string capacity_source;
  /// The target's own (its report's `autoscaling.threshold`); empty when it gave none.
  std::optional<double> threshold;
  std::optional<std::uint64_t> min_slots, max_slots;
  std::vector<scaling_sample> samples;
  std::vector<scaling_event> events;
  /** The slowest scale-out: the largest `time_to_scale_seconds` of the events, or, when
      utilization crossed and capacity had not followed by the last reading, the time from that
      crossing to it if longer (a lower bound: the target took at least that). Empty when
      utilization never crossed. */
  std::optional<double> time_to_scale_seconds;
  /// A crossing capacity had not followed by the last reading: when it was (else empty).
  std::optional<double> unanswered_crossing_at;
  /// Readings of the host's capacity source that failed, and why the last one did.
  std::uint64_t failed_capacity_polls = 0;
  std::string last_capacity_error;
};

/** Collects the readings of a run and builds its `scaling_record`. Feed every successful
    reading in time order (`add`), then `finish()`. */
class scaling_tracker {
 public:
  /// A reading; `capacity_from_host`: its `capacity` was read by the host (not the report).
  void add(double at_seconds, const target::service_stats& s, bool capacity_from_host = false) {
    host_capacity_ = host_capacity_ || capacity_from_host;
    if (s.autoscaling) {
      autoscaling_ = true;
      if (s.autoscaling->threshold) record_.threshold = *s.autoscaling->threshold;
      if (s.autoscaling->min_slots) record_.min_slots = s.autoscaling->min_slots;
      if (s.autoscaling->max_slots) record_.max_slots = s.autoscaling->max_slots;
    }
    scaling_sample x{at_seconds, s.capacity, s.autoscaling ? s.autoscaling->pending_slots : std::nullopt, std::nullopt};
    if (previous_ && previous_->busy_slot_seconds && previous_->slot_seconds && s.busy_slot_seconds && s.slot_seconds &&
        *s.slot_seconds > *previous_->slot_seconds)
      x.utilization = (*s.busy_slot_seconds - *previous_->busy_slot_seconds) / (*s.slot_seconds - *previous_->slot_seconds);
    record_.samples.push_back(x);
    previous_ = s;
  }

  /// A reading of the host's capacity source that failed.
  void capacity_failed(std::string why) {
    ++record_.failed_capacity_polls;
    record_.last_capacity_error = std::move(why);
  }

  /// The timeline; empty when no reading said the target autoscales and the host read no capacity.
  std::optional<scaling_record> finish(std::string capacity_source = {}) const {
    if (!autoscaling_ && !host_capacity_ && record_.failed_capacity_polls == 0) return std::nullopt;
    scaling_record r = record_;
    r.capacity_source = std::move(capacity_source);
    std::optional<double> open;  // the crossing not yet answered
    std::optional<std::uint64_t> slots;
    for (auto const& x : r.samples) {
      if (slots && x.slots && *x.slots != *slots) {
        scaling_event e{*x.slots > *slots ? scaling_event_kind::scaled_out : scaling_event_kind::scaled_in, x.at_seconds,
                        x.utilization, *slots, *x.slots, std::nullopt};
        if (e.kind == scaling_event_kind::scaled_out && open) {
          e.time_to_scale_seconds = x.at_seconds - *open;
          r.time_to_scale_seconds = std::max(r.time_to_scale_seconds.value_or(0), *e.time_to_scale_seconds);
          open.reset();
        }
        r.events.push_back(e);
      }
      if (x.slots) slots = x.slots;
      bool const can_grow = !r.max_slots || !slots || *slots < *r.max_slots;
      if (!open && can_grow && r.threshold && x.utilization && *x.utilization >= *r.threshold) {
        open = x.at_seconds;
        r.events.push_back({scaling_event_kind::crossed, x.at_seconds, x.utilization, slots.value_or(0), slots.value_or(0),
                            std::nullopt});
      }
    }
    if (open && !r.samples.empty()) {
      r.unanswered_crossing_at = open;
      double const waited = r.samples.back().at_seconds - *open;
      r.time_to_scale_seconds = std::max(r.time_to_scale_seconds.value_or(waited), waited);
    }
    return r;
  }

 private:
  scaling_record record_;
  std::optional<target::service_stats> previous_;
  bool autoscaling_ = false, host_capacity_ = false;
};

}  // namespace stress_testing::run

#endif
