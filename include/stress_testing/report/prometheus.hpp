#ifndef STRESS_TESTING_REPORT_PROMETHEUS_HPP
#define STRESS_TESTING_REPORT_PROMETHEUS_HPP

/** Prometheus text exposition (format 0.0.4) of a run: live, from a `prometheus_state` a
    dashboard fills once per interval, or of a finished run, from its results document.

    Pure functions producing text: no sockets, no Asio (serving `/metrics` is the caller's job).
    Metric names, labels, the bucket ladder and how histogram buckets are derived from the
    HDR histogram are documented in docs/exporters.md. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/metric_names.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/report/histogram_json.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/report/schema.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stress_testing::report {

/** Upper bounds (`le`) of the response-time histogram's buckets, in seconds: 0.5 ms .. 60 s in
    1-2.5-5 steps (plus 30 s and 60 s), then `+Inf`. Fixed so that series of different runs and
    versions aggregate. */
inline constexpr std::array<double, 17> prometheus_buckets_seconds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};

/** Everything one exposition shows. A live dashboard fills it once per interval from the
    cumulative (run-so-far) snapshot and the latest interval; `prometheus_state_of` fills it from
    a finished run. Optional fields left empty are not exposed at all.

    The histogram pointers are not owned: they must stay valid while `to_prometheus` runs. */
struct prometheus_state {
  /// Value of the `scenario` label on every sample (the scenario id, e.g. `peak_load`).
  std::string scenario;
  /// Requests that ended so far, per outcome, and the bytes they moved (cumulative).
  metrics::outcome_counters outcomes;
  /// Requests whose intended send time has passed; empty: `outcomes.total()` (a finished run,
  /// where every intended request has ended).
  std::optional<std::uint64_t> intended;
  /// Run-so-far histograms in nanoseconds (`snapshot::response_time`, ...); null: not exposed.
  const metrics::histogram* response_time = nullptr;
  const metrics::histogram* service_time = nullptr;  ///< completed - sent
  const metrics::histogram* send_lag = nullptr;      ///< sent - intended

  std::optional<double> throughput_tps;  ///< ok responses/s of the latest interval (finished: whole run)
  std::optional<double> planned_tps;     ///< the load profile's rate now
  std::optional<double> in_flight;       ///< requests sent and not yet completed
  std::optional<double> active_users;    ///< closed model: virtual users active at the latest interval's end
  std::optional<degradation_level> degradation;      ///< the latest interval's level
  std::optional<degradation_level> max_degradation;  ///< the worst interval's level so far
  std::optional<double> elapsed_seconds;              ///< since the first intended send

  /// Criteria judged so far (a finished run: the final verdicts); `no_data` and
  /// `inconclusive` are exposed as NaN.
  std::vector<criterion_result> criteria;
  /// A finished run: `run_result::passed()` (false when inconclusive); empty while running.
  std::optional<bool> passed;
};

namespace detail {

/// Shortest text that reads back as the same double; `NaN`, `+Inf`, `-Inf` as Prometheus spells them.
inline std::string prom_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 64> buf{};
  auto const r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), r.ptr);
}

/// A bucket bound in plain decimal (`0.0005`, not `5e-04`), as client libraries print `le`.
inline std::string prom_bound(double v) {
  std::array<char, 64> buf{};
  auto const r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  return std::string(buf.data(), r.ptr);
}

inline std::string prom_number(std::uint64_t v) { return std::to_string(v); }
inline std::string prom_number(std::int64_t v) { return std::to_string(v); }

/// Label value escaping of the text format: backslash, double quote and line feed.
inline std::string prom_escape_label(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// HELP text escaping: backslash and line feed (quotes stay as they are).
inline std::string prom_escape_help(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// Appends `# HELP` and `# TYPE` of one family.
inline void prom_family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += prom_escape_help(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

/// Appends one sample: `name{scenario="...",extra} value`. `extra` is already formatted.
inline void prom_sample(std::string& out, std::string_view name, const std::string& scenario_label,
                        std::string_view extra, const std::string& value) {
  out += name;
  out += "{scenario=\"";
  out += scenario_label;
  out += '"';
  if (!extra.empty()) {
    out += ',';
    out += extra;
  }
  out += "} ";
  out += value;
  out += '\n';
}

inline std::string prom_label(std::string_view key, std::string_view value) {
  std::string s(key);
  s += "=\"";
  s += prom_escape_label(value);
  s += '"';
  return s;
}

/** One histogram family in seconds from an HDR histogram in nanoseconds. A value counts in the
    bucket `le` when its slot's lowest value is <= le (so a value recorded exactly at a bound is
    in that bound's bucket; one up to a slot width above it, 0.1% at 3 significant digits, may be
    too). `_count` is `total_count()` (= the `+Inf` bucket); `_sum` is `mean() * total_count()`. */
inline void prom_histogram(std::string& out, std::string_view name, std::string_view help,
                           const std::string& scenario_label, const metrics::histogram& h) {
  prom_family(out, name, "histogram", help);
  std::array<std::int64_t, prometheus_buckets_seconds.size()> le_ns{};
  for (std::size_t i = 0; i < le_ns.size(); ++i)
    le_ns[i] = static_cast<std::int64_t>(std::llround(prometheus_buckets_seconds[i] * 1e9));
  std::array<std::int64_t, prometheus_buckets_seconds.size()> cumulative{};
  h.for_each_bucket([&](const metrics::histogram::bucket& b) {
    for (std::size_t i = 0; i < le_ns.size(); ++i)
      if (b.value_from <= le_ns[i]) cumulative[i] += b.count;
  });
  std::string const bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < prometheus_buckets_seconds.size(); ++i)
    prom_sample(out, bucket, scenario_label, prom_label("le", prom_bound(prometheus_buckets_seconds[i])),
                prom_number(cumulative[i]));
  prom_sample(out, bucket, scenario_label, "le=\"+Inf\"", prom_number(h.total_count()));
  prom_sample(out, std::string(name) + "_sum", scenario_label, {},
              prom_number(h.mean() * static_cast<double>(h.total_count()) / 1e9));
  prom_sample(out, std::string(name) + "_count", scenario_label, {}, prom_number(h.total_count()));
}

inline void prom_gauge(std::string& out, std::string_view name, std::string_view help,
                       const std::string& scenario_label, const std::optional<double>& v) {
  if (!v) return;
  prom_family(out, name, "gauge", help);
  prom_sample(out, name, scenario_label, {}, prom_number(*v));
}

inline std::optional<double> level_value(const std::optional<degradation_level>& l) {
  if (!l) return std::nullopt;
  return static_cast<double>(*l);
}

}  // namespace detail

/** Appends the exposition of `s` to `out`. Every family has `# HELP` and `# TYPE` lines and every
    sample a `scenario` label; the names are listed in docs/exporters.md. */
inline void write_prometheus(std::string& out, const prometheus_state& s) {
  using namespace detail;
  std::string const sc = prom_escape_label(s.scenario);

  prom_family(out, "stress_testing_requests_total", "counter",
              "Intended requests that ended, by outcome (dropped: never sent).");
  for (auto o : all_outcomes)
    prom_sample(out, "stress_testing_requests_total", sc, prom_label("outcome", to_string(o)),
                prom_number(s.outcomes.count(o)));

  prom_family(out, "stress_testing_requests_intended_total", "counter",
              "Requests the load profile intended to send so far.");
  prom_sample(out, "stress_testing_requests_intended_total", sc, {},
              prom_number(s.intended ? *s.intended : s.outcomes.total()));

  prom_family(out, "stress_testing_bytes_total", "counter", "Payload bytes moved by the requests (in: received, out: sent).");
  prom_sample(out, "stress_testing_bytes_total", sc, prom_label("direction", "in"), prom_number(s.outcomes.bytes_in()));
  prom_sample(out, "stress_testing_bytes_total", sc, prom_label("direction", "out"), prom_number(s.outcomes.bytes_out()));

  if (s.response_time)
    prom_histogram(out, "stress_testing_response_time_seconds",
                   "Response time (completed - intended) of the requests sent so far.", sc, *s.response_time);
  if (s.service_time)
    prom_histogram(out, "stress_testing_service_time_seconds",
                   "Service time (completed - sent) of the requests sent so far.", sc, *s.service_time);
  if (s.send_lag)
    prom_histogram(out, "stress_testing_send_lag_seconds",
                   "Send lag (sent - intended): the load generator's lateness.", sc, *s.send_lag);

  prom_gauge(out, "stress_testing_throughput_requests_per_second",
             "Successful (ok) responses per second in the latest interval (a finished run: over the whole run).", sc,
             s.throughput_tps);
  prom_gauge(out, "stress_testing_planned_requests_per_second", "The load profile's intended rate now.", sc,
             s.planned_tps);
  prom_gauge(out, "stress_testing_in_flight_requests", "Requests sent and not yet completed.", sc, s.in_flight);
  prom_gauge(out, "stress_testing_active_users",
             "Virtual users active at the latest interval's end (closed model only; absent in an open model).", sc,
             s.active_users);
  prom_gauge(out, "stress_testing_degradation_level",
             "Degradation of the latest interval: 0 NONE, 1 MODERATE, 2 SEVERE, 3 CRITICAL.", sc,
             level_value(s.degradation));
  prom_gauge(out, "stress_testing_max_degradation_level",
             "Worst degradation of any interval so far: 0 NONE, 1 MODERATE, 2 SEVERE, 3 CRITICAL.", sc,
             level_value(s.max_degradation));
  prom_gauge(out, "stress_testing_elapsed_seconds", "Time since the first intended send.", sc, s.elapsed_seconds);

  if (!s.criteria.empty()) {
    prom_family(out, "stress_testing_criterion_passed", "gauge",
                "1 when the success criterion holds, 0 when it fails, NaN when its metric has no data or its "
                "verdict is inconclusive (a latency criterion of a generator-limited run).");
    for (auto const& c : s.criteria) {
      double const v = c.verdict == verdict::pass ? 1.0 : c.verdict == verdict::fail ? 0.0 : std::nan("");
      prom_sample(out, "stress_testing_criterion_passed", sc, prom_label("criterion", to_string(c.criterion)),
                  prom_number(v));
    }
    prom_family(out, "stress_testing_criterion_value", "gauge",
                "The value a success criterion was judged on (NaN: no data), in the metric's own unit.");
    for (auto const& c : s.criteria)
      prom_sample(out, "stress_testing_criterion_value", sc, prom_label("criterion", to_string(c.criterion)),
                  prom_number(c.actual ? *c.actual : std::nan("")));
  }
  if (s.passed) {
    prom_family(out, "stress_testing_run_passed", "gauge",
                "1 when the run completed and every criterion passed or had no data, 0 otherwise (a failed "
                "or an inconclusive run; finished runs only).");
    prom_sample(out, "stress_testing_run_passed", sc, {}, prom_number(*s.passed ? 1.0 : 0.0));
  }
}

/// The exposition of `s` as a string (Content-Type `text/plain; version=0.0.4`).
inline std::string to_prometheus(const prometheus_state& s) {
  std::string out;
  write_prometheus(out, s);
  return out;
}

/** A finished run's state from a `run::run_result` (any type with its members: a template so
    that this header stays free of the run module's Asio dependency). Points into `r`'s
    histograms: `r` must outlive the state. */
template <class RunResult>
  requires requires(const RunResult& r) {
    r.accounting.outcomes;
    r.histograms.response_time;
    r.criteria;
    r.analysis.max_degradation;
  }
prometheus_state prometheus_state_of(const RunResult& r) {
  prometheus_state s;
  s.scenario = r.scenario.scenario_id.empty() ? r.scenario.name : r.scenario.scenario_id;
  s.outcomes = r.accounting.outcomes;
  s.intended = r.accounting.due();
  s.response_time = &r.histograms.response_time;
  s.service_time = &r.histograms.service_time;
  s.send_lag = &r.histograms.send_lag;
  if (auto tps = r.values.get(metrics::metric::throughput_tps)) s.throughput_tps = *tps;
  s.in_flight = r.intervals.empty() ? 0.0 : static_cast<double>(r.intervals.back().in_flight);
  if (!r.intervals.empty()) s.degradation = r.intervals.back().degradation;
  if (!r.intervals.empty() && r.intervals.back().active_users)
    s.active_users = static_cast<double>(*r.intervals.back().active_users);
  s.max_degradation = r.analysis.max_degradation;
  s.elapsed_seconds = r.elapsed_seconds;
  s.criteria = r.criteria;
  s.passed = r.passed();
  return s;
}

/** The run-so-far state of a live exposition, kept from the orchestrator's per-interval
    progress: call `update(progress)` from `run_options::on_interval` (a
    `run::interval_progress`, or anything with its members: a template, so that this header
    needs no Asio), then `text()` for the current exposition.

    `intended` is exposed as the requests that ended plus those in flight. Owns three
    histograms (about 800 KiB with the default layout). Not thread-safe: render `text()` on the
    thread that calls `update` and hand the string to the server. */
class prometheus_live {
 public:
  explicit prometheus_live(std::string scenario, const metrics::histogram_options& layout = {})
      : cumulative_(layout) {
    state_.scenario = std::move(scenario);
  }

  template <class Progress>
    requires requires(const Progress& p) {
      p.snapshot.counters;
      p.interval.values;
      p.interval.degradation;
      p.criteria;
      p.elapsed_seconds;
      p.planned_tps;
    }
  void update(const Progress& p) {
    cumulative_.append(p.snapshot);
    state_.outcomes = cumulative_.counters;
    auto const in_flight = std::max<std::int64_t>(p.snapshot.in_flight, 0);
    state_.intended = cumulative_.counters.total() + static_cast<std::uint64_t>(in_flight);
    state_.in_flight = static_cast<double>(in_flight);
    if (p.interval.active_users) state_.active_users = static_cast<double>(*p.interval.active_users);
    else state_.active_users.reset();
    if (auto tps = p.interval.values.get(metrics::metric::throughput_tps)) state_.throughput_tps = *tps;
    else state_.throughput_tps.reset();
    state_.planned_tps = p.planned_tps;
    state_.degradation = p.interval.degradation;
    state_.max_degradation = state_.max_degradation ? std::max(*state_.max_degradation, p.interval.degradation)
                                                    : p.interval.degradation;
    state_.elapsed_seconds = p.elapsed_seconds;
    state_.criteria = p.criteria;
  }

  /// The state as of the last `update`; its histogram pointers point into this object.
  prometheus_state state() const {
    prometheus_state s = state_;
    s.response_time = &cumulative_.response_time;
    s.service_time = &cumulative_.service_time;
    s.send_lag = &cumulative_.send_lag;
    return s;
  }

  /// The exposition as of the last `update`.
  std::string text() const { return to_prometheus(state()); }

 private:
  metrics::snapshot cumulative_;
  prometheus_state state_;
};

namespace detail {

/// `doc[key]` or throws `std::invalid_argument` naming the field.
inline const nlohmann::json& prom_field(const nlohmann::json& doc, const char* key, const char* path) {
  if (!doc.is_object() || !doc.contains(key)) throw std::invalid_argument(std::string("missing field ") + path);
  return doc[key];
}

inline std::uint64_t prom_count(const nlohmann::json& doc, const char* key, const char* path) {
  auto const& v = prom_field(doc, key, path);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw std::invalid_argument(std::string(path) + ": expected a non-negative integer");
  return v.get<std::uint64_t>();
}

inline std::optional<degradation_level> parse_level(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  auto const s = v.get<std::string>();
  if (s == "NONE") return degradation_level::none;
  if (s == "MODERATE") return degradation_level::moderate;
  if (s == "SEVERE") return degradation_level::severe;
  if (s == "CRITICAL") return degradation_level::critical;
  return std::nullopt;
}

}  // namespace detail

/** The exposition of a finished run from its results document (docs/results.md), as
    `to_prometheus(prometheus_state_of(result))` would give it. Throws `std::invalid_argument`
    naming the field when the document lacks one or an encoding is invalid. */
inline std::string to_prometheus(const nlohmann::json& results) {
  using detail::prom_count;
  using detail::prom_field;
  if (!is_results_document(results))
    throw std::invalid_argument("not a results document (schema is not \"stress_testing.results\")");
  prometheus_state s;
  if (auto const sc = results.find("scenario"); sc != results.end() && sc->is_object()) {
    s.scenario = sc->value("scenario_id", std::string());
    if (s.scenario.empty()) s.scenario = sc->value("name", std::string());
  }
  auto const& acc = prom_field(results, "accounting", "accounting");
  auto const& outs = prom_field(acc, "outcomes", "accounting.outcomes");
  for (auto o : all_outcomes) {
    std::string const path = "accounting.outcomes." + std::string(to_string(o));
    s.outcomes.record(o, prom_count(outs, std::string(to_string(o)).c_str(), path.c_str()));
  }
  s.outcomes.add_bytes(prom_count(acc, "bytes_in", "accounting.bytes_in"),
                       prom_count(acc, "bytes_out", "accounting.bytes_out"));
  s.intended = prom_count(acc, "intended", "accounting.intended");
  // What was due: a stopped run's unsent rest is no outcome (schema 3; absent before).
  if (acc.contains("not_sent_at_stop")) {
    auto const not_sent = prom_count(acc, "not_sent_at_stop", "accounting.not_sent_at_stop");
    *s.intended = *s.intended > not_sent ? *s.intended - not_sent : 0;
  }

  auto decode = [&](const char* which) { return read_histogram(results, which); };
  auto const response = decode("response_time");
  auto const service = decode("service_time");
  auto const lag = decode("send_lag");
  s.response_time = &response;
  s.service_time = &service;
  s.send_lag = &lag;

  if (auto const m = results.find("metrics"); m != results.end() && m->is_object()) {
    if (auto const t = m->find("throughput_tps"); t != m->end() && t->is_number()) s.throughput_tps = t->get<double>();
  }
  if (auto const iv = results.find("intervals"); iv != results.end() && iv->is_array() && !iv->empty()) {
    auto const& last = iv->back();
    if (auto const f = last.find("in_flight"); f != last.end() && f->is_number()) s.in_flight = f->get<double>();
    if (auto const d = last.find("degradation_level"); d != last.end()) s.degradation = detail::parse_level(*d);
    if (auto const u = last.find("users"); u != last.end() && u->is_object())
      if (auto const a = u->find("active"); a != u->end() && a->is_number()) s.active_users = a->get<double>();
  }
  if (auto const r = results.find("resilience"); r != results.end() && r->is_object()) {
    if (auto const d = r->find("max_degradation_level"); d != r->end()) s.max_degradation = detail::parse_level(*d);
  }
  if (auto const e = results.find("elapsed_seconds"); e != results.end() && e->is_number())
    s.elapsed_seconds = e->get<double>();
  if (auto const cs = results.find("criteria"); cs != results.end() && cs->is_array()) {
    for (std::size_t i = 0; i < cs->size(); ++i) {
      auto const& c = (*cs)[i];
      std::string const path = "criteria[" + std::to_string(i) + "]";
      if (!c.is_object() || !c.contains("expression") || !c["expression"].is_string())
        throw std::invalid_argument(path + ".expression: missing");
      std::string why;
      auto parsed = parse_criterion(c["expression"].get<std::string>(), why);
      if (!parsed) throw std::invalid_argument(path + ".expression: " + why);
      criterion_result cr;
      cr.criterion = *std::move(parsed);
      if (auto const a = c.find("actual"); a != c.end() && a->is_number()) cr.actual = a->get<double>();
      auto const v = c.value("verdict", std::string("no_data"));
      cr.verdict = parse_verdict(v).value_or(verdict::no_data);
      s.criteria.push_back(std::move(cr));
    }
  }
  if (auto const p = results.find("passed"); p != results.end() && p->is_boolean()) s.passed = p->get<bool>();
  return to_prometheus(s);
}

}  // namespace stress_testing::report

#endif
