#ifndef STRESS_TESTING_REPORT_MERGE_HPP
#define STRESS_TESTING_REPORT_MERGE_HPP

/** One run's result from the results of its shards (`run/shard.hpp`, docs/sharding.md).

    Exact, because every figure is a sum or comes from merged histograms: the accounting is
    summed count by count, the three run histograms are merged bucket by bucket (HdrHistogram
    merges without loss), each interval is the sum of the shards' same interval (their counts,
    and their histograms when the shards kept them: `run_options::keep_interval_histograms`,
    on for every shard `stress-run` runs), and then every figure, window and criterion is
    derived again by the same code as an unsharded run (`run::assemble_figures`). A p99 of the
    merged run is the p99 of all its requests, never an average of the shards' p99s. */

#include <stress_testing/config/json.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/hdr_codec.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/analysis.hpp>
#include <stress_testing/run/assemble.hpp>
#include <stress_testing/run/result.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace stress_testing::report {

namespace detail {

[[noreturn]] inline void merge_error(std::size_t part, const std::string& what) {
  throw std::invalid_argument("merge: results " + std::to_string(part + 1) + ": " + what);
}

inline const nlohmann::json& member(const nlohmann::json& j, const char* key, std::size_t part, const std::string& where) {
  auto const it = j.find(key);
  if (it == j.end()) merge_error(part, "no " + where + key);
  return *it;
}

inline std::uint64_t count_of(const nlohmann::json& j, const char* key, std::size_t part, const std::string& where) {
  auto const& v = member(j, key, part, where);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    merge_error(part, where + key + " is not a count");
  return v.get<std::uint64_t>();
}

inline metrics::outcome_counters read_outcomes(const nlohmann::json& j, std::size_t part, const std::string& where) {
  metrics::outcome_counters c;
  for (auto o : all_outcomes) c.record(o, count_of(j, std::string(to_string(o)).c_str(), part, where));
  return c;
}

inline std::chrono::nanoseconds ms_to_ns(double ms) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(ms));
}

/// The engine's accounting as results.json writes it (`accounting` and `generator`).
inline load::run_summary read_accounting(const nlohmann::json& results, std::size_t part) {
  auto const& a = member(results, "accounting", part, "");
  auto const& g = member(results, "generator", part, "");
  load::run_summary s;
  s.intended = count_of(a, "intended", part, "accounting.");
  s.issued = count_of(a, "issued", part, "accounting.");
  s.outcomes = read_outcomes(member(a, "outcomes", part, "accounting."), part, "accounting.outcomes.");
  s.outcomes.add_bytes(count_of(a, "bytes_in", part, "accounting."), count_of(a, "bytes_out", part, "accounting."));
  s.dropped_at_limit = count_of(a, "dropped_at_limit", part, "accounting.");
  s.not_sent_at_stop = count_of(a, "not_sent_at_stop", part, "accounting.");
  s.timed_out_at_stop = count_of(a, "timed_out_at_stop", part, "accounting.");
  s.abandoned = count_of(a, "abandoned", part, "accounting.");
  s.backfilled = count_of(a, "backfilled", part, "accounting.");
  s.cancelled = member(a, "cancelled", part, "accounting.").get<bool>();
  s.late = count_of(g, "late_requests", part, "generator.");
  s.send_lag_p50 = ms_to_ns(member(g, "send_lag_p50_ms", part, "generator.").get<double>());
  s.send_lag_p99 = ms_to_ns(member(g, "send_lag_p99_ms", part, "generator.").get<double>());
  s.send_lag_max = ms_to_ns(member(g, "send_lag_max_ms", part, "generator.").get<double>());
  s.generator_limited = member(g, "limited", part, "generator.").get<bool>();
  if (!s.balanced()) merge_error(part, "its accounting does not balance (intended != sum of outcomes)");
  return s;
}

inline timestamp read_time(const nlohmann::json& results, const char* key, std::size_t part) {
  auto const& v = member(results, key, part, "");
  auto const t = v.is_string() ? parse_timestamp(v.get<std::string>()) : std::nullopt;
  if (!t) merge_error(part, std::string(key) + " is not an ISO 8601 time");
  return *t;
}

inline metrics::histogram decode(const nlohmann::json& encoded, std::size_t part, const std::string& what) {
  if (!encoded.is_string()) merge_error(part, what + " is not an encoded histogram");
  try {
    return metrics::hdr_codec::from_base64_any(encoded.get<std::string>());
  } catch (const std::exception& e) {
    merge_error(part, what + ": " + e.what());
  }
}

/** Interval `i` of document `part` (`intervals[i]` as results.json and the live page write it)
    as a snapshot placed `shift` seconds later on the shared clock. Clears `exact` when it has
    no histograms (a run that did not keep them: its latency figures cannot be merged). */
inline metrics::snapshot read_interval(const nlohmann::json& iv, double shift, std::size_t part, std::size_t i,
                                       bool& exact) {
  using namespace std::chrono;
  std::string const where = "intervals[" + std::to_string(i) + "].";
  if (!iv.is_object()) merge_error(part, where + " is not an object");
  auto seconds_of = [&](const char* key) {
    auto const& v = member(iv, key, part, where);
    if (!v.is_number()) merge_error(part, where + key + " is not a number");
    return duration_cast<nanoseconds>(duration<double>(v.get<double>() + shift));
  };
  metrics::snapshot s;
  s.start = seconds_of("start_seconds");
  s.end = seconds_of("end_seconds");
  s.counters = read_outcomes(member(iv, "outcomes", part, where), part, where + "outcomes.");
  s.in_flight = iv.value("in_flight", std::int64_t{0});
  if (auto const u = iv.find("users"); u != iv.end() && u->is_object())  // closed model
    s.active_users = static_cast<std::int64_t>(count_of(*u, "active", part, where + "users."));
  if (auto const h = iv.find("histograms"); h != iv.end() && h->is_object()) {
    s.response_time = decode(member(*h, "response_time", part, where + "histograms."), part, where + "histograms.response_time");
    s.service_time = decode(member(*h, "service_time", part, where + "histograms."), part, where + "histograms.service_time");
    s.send_lag = decode(member(*h, "send_lag", part, where + "histograms."), part, where + "histograms.send_lag");
  } else {
    exact = false;
  }
  return s;
}

/** Adds interval snapshot `s` to the slot of the merged series that covers its start, the
    interval length being the first interval's (`interval`, set on first use). */
inline void add_interval(std::vector<std::optional<metrics::snapshot>>& series, std::chrono::nanoseconds& interval,
                         metrics::snapshot s, std::size_t part) {
  using namespace std::chrono;
  if (interval == nanoseconds{0}) interval = s.end - s.start;
  if (interval <= nanoseconds{0}) merge_error(part, "intervals[0] is empty");
  auto const slot = static_cast<std::size_t>(std::max<long long>(0, std::llround(duration<double>(s.start) / duration<double>(interval))));
  if (series.size() <= slot) series.resize(slot + 1);
  if (series[slot]) series[slot]->merge(s);
  else series[slot] = std::move(s);
}

/** The interval record of a merged slot, every figure derived from its summed counters and
    merged histograms like a whole run's; without every part's histograms (`exact` false) its
    latency figures are left out (no data), never averaged. */
inline run::interval_record merged_interval(const metrics::snapshot& slot, bool exact, const metrics::derive_options& at,
                                            bool closed = false) {
  run::interval_record rec;
  rec.start = slot.start;
  rec.end = slot.end;
  rec.counters = slot.counters;
  rec.values = metrics::derive_metric_values(slot, at);
  if (!exact) {  // latency figures of an interval need every shard's histogram
    for (auto m : {metrics::metric::avg_response_time_ms, metrics::metric::p50_response_time_ms,
                   metrics::metric::p95_response_time_ms, metrics::metric::p99_response_time_ms,
                   metrics::metric::p999_response_time_ms, metrics::metric::max_response_time_ms,
                   metrics::metric::min_response_time_ms, metrics::metric::p99_service_time_ms,
                   metrics::metric::queue_latency_ms, metrics::metric::p99_send_lag_ms,
                   metrics::metric::max_send_lag_ms})
      rec.values.clear(m);
  }
  rec.in_flight = slot.in_flight;
  if (closed) {  // the shards' populations at the interval's end, summed
    rec.active_users = slot.active_users;
    rec.values.set(metrics::metric::concurrent_users, static_cast<double>(slot.active_users));
  }
  double const seconds = std::chrono::duration<double>(rec.end - rec.start).count();
  rec.completed_tps = seconds > 0 ? static_cast<double>(slot.counters.total()) / seconds : 0.0;
  rec.degradation = run::classify_degradation(rec.values);
  return rec;
}

}  // namespace detail

/** The result of a run from the results.json documents of all its shards, in any order.

    Each document must be a shard of the same run: the same scenario, a `shard` object with
    the same `count`, every index from 0 to count − 1 exactly once, and balanced accounting.
    Intervals are aligned on the shared clock: shard k's interval i covers the same span as
    every other shard's interval i when the shards started together (`--start-at`), which
    `merged.start_skew_ms` shows; a shard whose plan began later by d is shifted by d rounded
    to whole intervals. A closed model's users are the population every shard records, and each
    merged interval's active users the sum of the shards'. Figures the parts cannot give
    exactly are left out, not guessed: per-agent figures and the business tally (`agents`
    empty, `business_metrics` null; each shard's file has its own), recovery thresholds other than the defaults, and windows at
    request resolution (judged on the merged interval series instead). `memory_growth` is the
    largest of the shards'; the competitors of `presentation` are the first document's.

    Throws `std::invalid_argument` naming the document (1-based, in the order given) and the
    field when a document is not such a shard. */
inline run::run_result merge_results(const std::vector<nlohmann::json>& parts) {
  using namespace std::chrono;
  if (parts.empty()) throw std::invalid_argument("merge: no results to merge");

  run::run_result r;
  run::run_result::merge_record record;
  std::size_t count = 0;
  std::vector<bool> seen;
  std::vector<timestamp> starts;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    auto const& j = parts[p];
    if (!is_results_document(j))
      detail::merge_error(p, "not a stress_testing results document");
    auto const& sh = detail::member(j, "shard", p, "");
    if (!sh.is_object()) detail::merge_error(p, "shard is null: not the result of a shard (run it with --shard I/N)");
    auto const index = detail::count_of(sh, "index", p, "shard.");
    auto const n = detail::count_of(sh, "count", p, "shard.");
    if (p == 0) {
      count = n;
      seen.assign(count, false);
      r.scenario = detail::member(j, "scenario", p, "").get<test_scenario>();
      // The user's reference points (--presentation), given to every shard alike: the merged
      // presentation compares with them too.
      if (auto const pr = j.find("presentation"); pr != j.end() && pr->is_object())
        if (auto const cb = pr->find("competitive_benchmarks"); cb != pr->end() && cb->is_object())
          if (auto const c = cb->find("competitors"); c != cb->end()) {
            std::vector<config_problem> problems;
            auto given = read_json<std::vector<competitor_figures>>(*c, problems);
            if (!given)
              detail::merge_error(p, "presentation.competitive_benchmarks.competitors" + problems.front().path + ": " +
                                         problems.front().reason);
            r.competitors = *std::move(given);
          }
    } else if (n != count) {
      detail::merge_error(p, "shard.count is " + std::to_string(n) + ", the first document's is " + std::to_string(count));
    } else if (detail::member(j, "scenario", p, "").get<test_scenario>() != r.scenario) {
      detail::merge_error(p, "its scenario differs from the first document's: not a shard of the same run");
    }
    if (index >= count) detail::merge_error(p, "shard.index " + std::to_string(index) + " is not below its count");
    if (seen[index]) detail::merge_error(p, "shard " + std::to_string(index) + " appears twice");
    seen[index] = true;
    starts.push_back(detail::read_time(j, "started_at", p));
    record.parts.push_back({index, sh.value("source", std::string()), starts.back(), sh.value("lead_seconds", 0.0),
                            detail::count_of(detail::member(j, "accounting", p, ""), "intended", p, "accounting.")});
  }
  for (std::size_t i = 0; i < count; ++i)
    if (!seen[i])
      throw std::invalid_argument("merge: shard " + std::to_string(i) + " of " + std::to_string(count) +
                                  " is missing: a merge needs every shard");

  auto const earliest = *std::min_element(starts.begin(), starts.end());
  record.start_skew_seconds = duration<double>(*std::max_element(starts.begin(), starts.end()) - earliest).count();
  r.started_at = earliest;

  // The run histograms and the accounting: sums.
  double elapsed = 0;
  nanoseconds interval{0};
  std::vector<std::optional<metrics::snapshot>> series;
  record.exact_intervals = true;
  bool completed = true, cancelled = false, failed = false;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    auto const& j = parts[p];
    load::merge(r.accounting, detail::read_accounting(j, p));
    metrics::snapshot whole;
    whole.response_time = read_histogram(j, "response_time");
    whole.service_time = read_histogram(j, "service_time");
    whole.send_lag = read_histogram(j, "send_lag");
    r.histograms.merge(whole);
    r.ended_at = std::max(r.ended_at, detail::read_time(j, "ended_at", p));
    double const shift = duration<double>(starts[p] - earliest).count();
    elapsed = std::max(elapsed, shift + detail::member(j, "elapsed_seconds", p, "").get<double>());
    for (auto const& [name, value] : detail::member(j, "target_counters", p, "").items())
      r.target_counters[name] += value.get<std::uint64_t>();
    // A closed model: every shard records the whole population (it ran its part of the users:
    // its intervals' active users, summed below); `users` null: the open model.
    auto const& u = detail::member(j, "users", p, "");
    if (p == 0 && u.is_object()) r.users.emplace();
    if (u.is_object() != r.users.has_value())
      detail::merge_error(p, "users: a closed model in some shards and an open one in others");
    if (r.users) {
      auto const population = detail::count_of(u, "users", p, "users.");
      if (p > 0 && population != r.users->users)
        detail::merge_error(p, "users.users is " + std::to_string(population) + ", the first document's is " +
                                   std::to_string(r.users->users));
      r.users->users = population;
      r.users->think_time_mean_seconds = u.value("think_time_mean_seconds", 0.0);
      r.users->nominal_response_time_ms = u.value("nominal_response_time_ms", 0.0);
      r.users->steady = r.users->steady && u.value("steady", true);
    }
    auto const status = j.value("status", std::string());
    completed = completed && status == "COMPLETED";
    cancelled = cancelled || status == "CANCELLED";
    failed = failed || status == "FAILED";
    if (auto const mg = j.find("memory_growth"); mg != j.end() && mg->is_object()) {
      double const percent = mg->value("percent", 0.0);
      if (!r.memory_growth || percent > r.memory_growth->percent)
        r.memory_growth = run::run_result::memory_growth_record{
            percent, mg->value("measured_on", std::string()) + " (largest of the shards')", mg->value("from_seconds", 0.0),
            mg->value("from_bytes", std::uint64_t{0}), mg->value("to_bytes", std::uint64_t{0}),
            mg->value("source", std::string())};
    }

    // Intervals: shard p's interval i lands in slot i + its start shift in whole intervals.
    auto const& intervals = detail::member(j, "intervals", p, "");
    if (!intervals.is_array()) detail::merge_error(p, "intervals is not an array");
    for (std::size_t i = 0; i < intervals.size(); ++i)
      detail::add_interval(series, interval, detail::read_interval(intervals[i], shift, p, i, record.exact_intervals), p);
  }
  r.histograms.counters = r.accounting.outcomes;
  r.histograms.start = nanoseconds{0};
  r.histograms.end = duration_cast<nanoseconds>(duration<double>(elapsed));
  r.elapsed_seconds = elapsed;

  // The merged series, judged as the orchestrator judges a live one.
  run::window_tracker windowed(r.scenario.success_criteria, interval > nanoseconds{0} ? interval : seconds(1));
  metrics::derive_options const at_end{{}, r.ended_at};
  for (auto& slot : series) {
    if (!slot) continue;  // a gap: no shard was running then
    auto rec = detail::merged_interval(*slot, record.exact_intervals, at_end, r.users.has_value());
    if (record.exact_intervals) (void)windowed.add(*slot, at_end);
    if (r.users) r.users->peak_active = std::max(r.users->peak_active, slot->active_users);
    r.intervals.push_back(std::move(rec));
  }

  run::assemble_figures(r, run::disturbance_windows(r.scenario), run::recovery_thresholds{}, nullptr, windowed, at_end);
  std::sort(record.parts.begin(), record.parts.end(), [](auto const& a, auto const& b) { return a.index < b.index; });
  r.merged = std::move(record);
  if (failed) {
    r.status = test_status::failed;
    r.status_reason = "a shard failed (see its results.json)";
  } else if (cancelled || !completed) {
    r.status = test_status::cancelled;
    r.status_reason = "a shard was stopped before its end";
  } else {
    r.status = test_status::completed;
    r.status_reason = run::completed_reason(r.criteria);
  }
  return r;
}

}  // namespace stress_testing::report

#endif
