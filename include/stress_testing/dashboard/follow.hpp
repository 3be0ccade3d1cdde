#ifndef STRESS_TESTING_DASHBOARD_FOLLOW_HPP
#define STRESS_TESTING_DASHBOARD_FOLLOW_HPP

/** The live view of a sharded run (docs/sharding.md): follows the live documents of its shards
    (each shard's `GET /api/snapshot`) and turns them into the live messages of the whole run,
    for `dashboard::server::publish` (`stress-run dashboard --follow URL...`).

    A merged interval is published only once every shard has published its own interval of the
    same index (or has finished): a slot is never shown with part of its requests. Its figures
    come from the shards' summed counters and merged histograms (`report::detail::merged_interval`,
    the same derivation as `report::merge_results`), so a live p99 is the p99 of all the run's
    requests in that interval, not an average of shard p99s. Live, interval i of every shard is
    taken to cover the same span: shards started together (`--start-at`) share their clock; the
    final document, `report::merge_results` of the shards' results, aligns on each shard's
    `started_at` and reports the skew.

    Not thread-safe: one thread calls `set` and `poll`. */

#include <stress_testing/config/json.hpp>
#include <stress_testing/dashboard/live_feed.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/report/merge.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/timestamp.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stress_testing::dashboard {

class shard_follower {
 public:
  /// Follows `shards` shards (at least one).
  explicit shard_follower(std::size_t shards) : docs_(shards) {
    if (shards == 0) throw std::invalid_argument("follow: no shard to follow");
  }

  /// The page's document before any interval: RUNNING, no intervals, `merged.shards`.
  nlohmann::json initial_document() const {
    nlohmann::json doc{{"schema", report::results_schema},
                       {"live", true},
                       {"status", "RUNNING"},
                       {"elapsed_seconds", 0.0},
                       {"intervals", nlohmann::json::array()},
                       {"merged", {{"shards", docs_.size()}, {"following", true}}}};
    if (scenario_) doc["scenario"] = *scenario_;
    return doc;
  }

  /** The latest document of shard `k` (0-based, in the order the shards are followed): its live
      document, or its results once it has finished. Throws `std::invalid_argument` naming the
      shard when it is not a stress_testing document or runs another scenario than the others. */
  void set(std::size_t k, nlohmann::json document) {
    auto const where = "follow: shard " + std::to_string(k) + ": ";
    if (k >= docs_.size()) throw std::invalid_argument(where + "no such shard");
    if (!report::is_results_document(document))
      throw std::invalid_argument(where + "not a stress_testing results document");
    auto const it = document.find("intervals");
    if (it == document.end() || !it->is_array()) throw std::invalid_argument(where + "intervals is not an array");
    auto const sc = document.find("scenario");
    if (sc == document.end()) throw std::invalid_argument(where + "no scenario");
    auto scenario = sc->get<test_scenario>();
    if (!scenario_) {
      scenario_ = std::move(scenario);
      windows_ = run::disturbance_windows(*scenario_);
    } else if (scenario != *scenario_) {
      throw std::invalid_argument(where + "its scenario differs from the other shards': not a shard of the same run");
    }
    if (docs_[k] && (*docs_[k])["intervals"].size() > it->size())
      throw std::invalid_argument(where + "it has fewer intervals than before: restarted?");
    docs_[k] = std::move(document);
  }

  /// A shard has finished when its document is its results (it has `accounting`).
  bool finished(std::size_t k) const { return docs_[k] && docs_[k]->contains("accounting"); }
  bool finished() const {
    for (std::size_t k = 0; k < docs_.size(); ++k)
      if (!finished(k)) return false;
    return true;
  }

  /** The messages for the page since the last call, in order: one `interval` message per slot
      every shard has now published (with `summary` of the run so far and `resilience` of the
      windows begun), then, the first time every shard has finished, a `document` message with
      the merged results (also kept: `result()`). Throws `std::invalid_argument` from the merge
      when the finished shards' results are not one run's. */
  std::vector<nlohmann::json> poll() {
    std::vector<nlohmann::json> out;
    std::size_t ready = std::numeric_limits<std::size_t>::max(), longest = 0;
    for (std::size_t k = 0; k < docs_.size(); ++k) {
      std::size_t const n = docs_[k] ? (*docs_[k])["intervals"].size() : 0;
      longest = std::max(longest, n);
      if (!finished(k)) ready = std::min(ready, n);
    }
    if (ready == std::numeric_limits<std::size_t>::max()) ready = longest;  // every shard has finished
    for (; published_ < ready; ++published_) out.push_back(interval_message(published_));
    if (finished() && !result_) {
      std::vector<nlohmann::json> parts;
      for (auto const& d : docs_) parts.push_back(*d);
      result_ = report::merge_results(parts);
      out.push_back({{"type", "document"}, {"document", report::to_json(*result_)}});
    }
    return out;
  }

  /// The merged results, once every shard has finished and `poll` has merged them.
  const std::optional<run::run_result>& result() const noexcept { return result_; }

 private:
  nlohmann::json interval_message(std::size_t slot) {
    metrics::snapshot merged;
    bool exact = true, first = true, closed = false;
    double planned = 0;
    bool planned_known = true;
    for (std::size_t k = 0; k < docs_.size(); ++k) {
      auto const& intervals = (*docs_[k])["intervals"];
      if (slot >= intervals.size()) continue;  // a shard that ended earlier
      auto s = report::detail::read_interval(intervals[slot], 0.0, k, slot, exact);
      closed = closed || intervals[slot].contains("users");
      auto const p = intervals[slot].find("planned_tps");
      if (p != intervals[slot].end() && p->is_number()) planned += p->get<double>();
      else planned_known = false;
      if (first) merged = std::move(s);
      else merged.merge(s);
      first = false;
    }
    exact_ = exact_ && exact;
    auto const at = metrics::derive_options{{}, now_timestamp()};
    auto rec = report::detail::merged_interval(merged, exact, at, closed);
    series_.push_back(rec);
    nlohmann::json m{{"type", "interval"},
                     {"interval", interval_json(rec, planned_known ? planned : std::numeric_limits<double>::quiet_NaN())},
                     {"status", "RUNNING"},
                     {"elapsed_seconds", rec.end_seconds()}};
    if (exact_) {  // the run so far: every slot's histograms merged (none missing)
      if (!cumulative_) cumulative_ = merged;
      else cumulative_->merge(merged);
      m["summary"] = metrics::derive_system_metrics(*cumulative_, at);
    }
    std::vector<run::disturbance_window> begun;
    for (auto const& w : windows_)
      if (w.start_seconds <= rec.end_seconds()) begun.push_back(w);
    m["resilience"] = report::detail::resilience_json(run::analyse(series_, begun, {}));
    return m;
  }

  std::vector<std::optional<nlohmann::json>> docs_;
  std::optional<test_scenario> scenario_;
  std::vector<run::disturbance_window> windows_;
  std::size_t published_ = 0;
  bool exact_ = true;  // every slot so far had every shard's histograms
  std::optional<metrics::snapshot> cumulative_;
  std::vector<run::interval_record> series_;
  std::optional<run::run_result> result_;
};

}  // namespace stress_testing::dashboard

#endif
