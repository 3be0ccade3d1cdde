#ifndef STRESS_TESTING_RUN_PROGRESS_HPP
#define STRESS_TESTING_RUN_PROGRESS_HPP

/** What a run reports once per interval while it runs (`run_options::on_interval`). Pure (std
    only), so that live consumers such as `dashboard/live_feed.hpp` need not include the
    orchestrator and Asio. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/run/analysis.hpp>

#include <vector>

namespace stress_testing::run {

/// What the progress callback receives once per interval (and once for the final, partial one).
struct interval_progress {
  const interval_record& interval;
  /// The interval's merged snapshot, histograms included (valid during the call only).
  const metrics::snapshot& snapshot;
  /// Every criterion judged on this interval alone (run-level metrics are `no_data` here;
  /// latency criteria are `inconclusive` when the generator was limited in the interval).
  const std::vector<criterion_result>& criteria;
  test_status status;
  double elapsed_seconds;   ///< end of the interval, since the first intended instant
  double duration_seconds;  ///< the scenario's planned duration
  double planned_tps;       ///< the profile's mean rate over the interval (what the schedule intends)
};

}  // namespace stress_testing::run

#endif
