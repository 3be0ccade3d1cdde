#include <stress_testing/report/prometheus.hpp>

#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/run/analysis.hpp>

#include "results_fixture.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace st = stress_testing;
namespace rp = stress_testing::report;

namespace {

/// Every sample line (no comments) as `name{labels}` -> value text.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto const sp = line.rfind(' ');
    out[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return out;
}

rp::prometheus_state known_state(const st::metrics::histogram& h) {
  rp::prometheus_state s;
  s.scenario = "peak_load";
  s.outcomes.record(st::outcome::ok, 10);
  s.outcomes.record(st::outcome::http_error, 2);
  s.outcomes.record(st::outcome::timeout, 1);
  s.outcomes.record(st::outcome::dropped, 3);
  s.outcomes.add_bytes(1000, 500);
  s.response_time = &h;
  return s;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("prometheus histogram buckets are cumulative known counts at the fixed ladder") {
    auto const h = report_fixture::known_histogram();
    auto const m = samples(rp::to_prometheus(known_state(h)));
    std::string const b = "stress_testing_response_time_seconds_bucket{scenario=\"peak_load\",le=\"";
    CHECK(m.at(b + "0.0005\"}") == "4");
    CHECK(m.at(b + "0.001\"}") == "7");
    CHECK(m.at(b + "0.0025\"}") == "7");
    CHECK(m.at(b + "0.005\"}") == "11");
    CHECK(m.at(b + "1\"}") == "11");
    CHECK(m.at(b + "2.5\"}") == "12");
    CHECK(m.at(b + "60\"}") == "12");
    CHECK(m.at(b + "+Inf\"}") == "13");
    CHECK(m.at("stress_testing_response_time_seconds_count{scenario=\"peak_load\"}") == "13");
    double const exact_sum = (3 * 100e3 + 500e3 + 500.3e3 + 700e3 + 1e6 + 4 * 3e6 + 2e9 + 120e9) / 1e9;
    double const sum = std::stod(m.at("stress_testing_response_time_seconds_sum{scenario=\"peak_load\"}"));
    CHECK(sum == doctest::Approx(exact_sum).epsilon(0.001));
    // Cumulative: never decreasing along the ladder.
    std::int64_t previous = 0;
    for (double le : rp::prometheus_buckets_seconds) {
      auto const v = std::stoll(m.at(b + rp::detail::prom_bound(le) + "\"}"));
      CHECK(v >= previous);
      previous = v;
    }
  }

  TEST_CASE("prometheus request counters equal the accounting") {
    auto const h = report_fixture::known_histogram();
    auto const text = rp::to_prometheus(known_state(h));
    auto const m = samples(text);
    CHECK(m.at("stress_testing_requests_total{scenario=\"peak_load\",outcome=\"ok\"}") == "10");
    CHECK(m.at("stress_testing_requests_total{scenario=\"peak_load\",outcome=\"http_error\"}") == "2");
    CHECK(m.at("stress_testing_requests_total{scenario=\"peak_load\",outcome=\"timeout\"}") == "1");
    CHECK(m.at("stress_testing_requests_total{scenario=\"peak_load\",outcome=\"dropped\"}") == "3");
    CHECK(m.at("stress_testing_requests_total{scenario=\"peak_load\",outcome=\"throttled\"}") == "0");
    CHECK(m.at("stress_testing_requests_intended_total{scenario=\"peak_load\"}") == "16");
    CHECK(m.at("stress_testing_bytes_total{scenario=\"peak_load\",direction=\"in\"}") == "1000");
    CHECK(m.at("stress_testing_bytes_total{scenario=\"peak_load\",direction=\"out\"}") == "500");
    std::uint64_t sum = 0;
    for (auto const& [k, v] : m)
      if (k.starts_with("stress_testing_requests_total{")) sum += std::stoull(v);
    CHECK(sum == 16);
    CHECK(text.find("# HELP stress_testing_requests_total ") != std::string::npos);
    CHECK(text.find("# TYPE stress_testing_requests_total counter\n") != std::string::npos);
    CHECK(text.find("# TYPE stress_testing_response_time_seconds histogram\n") != std::string::npos);
    // Gauges left empty are not exposed.
    CHECK(text.find("stress_testing_planned_requests_per_second") == std::string::npos);
  }

  TEST_CASE("prometheus label values escape backslash quote and newline") {
    CHECK(rp::detail::prom_escape_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    rp::prometheus_state s;
    s.scenario = "x\"y\\z\nw";
    auto const text = rp::to_prometheus(s);
    CHECK(text.find("{scenario=\"x\\\"y\\\\z\\nw\",outcome=\"ok\"} 0\n") != std::string::npos);
    CHECK(rp::detail::prom_escape_help("a\\b\nc\"") == "a\\\\b\\nc\"");
  }

  TEST_CASE("prometheus gauges and criteria of a live state") {
    rp::prometheus_state s;
    s.scenario = "burst";
    s.intended = 120;
    s.throughput_tps = 99.5;
    s.planned_tps = 100;
    s.in_flight = 4;
    s.degradation = st::degradation_level::severe;
    s.max_degradation = st::degradation_level::critical;
    s.elapsed_seconds = 1.25;
    s.criteria = {
        {st::parse_criterion("p99_response_time_ms < 250"), 12.5, st::verdict::pass},
        {st::parse_criterion("error_rate < 0.01"), 0.5, st::verdict::fail},
        {st::parse_criterion("unhealthy_agents == 0"), std::nullopt, st::verdict::no_data},
    };
    auto const m = samples(rp::to_prometheus(s));
    CHECK(m.at("stress_testing_requests_intended_total{scenario=\"burst\"}") == "120");
    CHECK(m.at("stress_testing_throughput_requests_per_second{scenario=\"burst\"}") == "99.5");
    CHECK(m.at("stress_testing_planned_requests_per_second{scenario=\"burst\"}") == "100");
    CHECK(m.at("stress_testing_in_flight_requests{scenario=\"burst\"}") == "4");
    CHECK(m.at("stress_testing_degradation_level{scenario=\"burst\"}") == "2");
    CHECK(m.at("stress_testing_max_degradation_level{scenario=\"burst\"}") == "3");
    CHECK(m.at("stress_testing_elapsed_seconds{scenario=\"burst\"}") == "1.25");
    CHECK(m.at("stress_testing_criterion_passed{scenario=\"burst\",criterion=\"p99_response_time_ms < 250\"}") == "1");
    CHECK(m.at("stress_testing_criterion_passed{scenario=\"burst\",criterion=\"error_rate < 0.01\"}") == "0");
    CHECK(m.at("stress_testing_criterion_passed{scenario=\"burst\",criterion=\"unhealthy_agents == 0\"}") == "NaN");
    CHECK(m.at("stress_testing_criterion_value{scenario=\"burst\",criterion=\"error_rate < 0.01\"}") == "0.5");
    CHECK(m.count("stress_testing_run_passed{scenario=\"burst\"}") == 0);
  }

  TEST_CASE("prometheus of a results document matches the state it describes") {
    auto const doc = report_fixture::document(
        nlohmann::json::array({report_fixture::criterion("error_rate < 0.5", 0.375, "pass")}),
        {{"throughput_tps", 2.5}});
    auto const m = samples(rp::to_prometheus(doc));
    auto const h = report_fixture::known_histogram();
    auto s = known_state(h);
    s.intended = 16;
    s.service_time = &h;
    s.send_lag = &h;
    s.throughput_tps = 2.5;
    s.in_flight = 2;
    s.degradation = st::degradation_level::moderate;
    s.max_degradation = st::degradation_level::severe;
    s.elapsed_seconds = 5.5;
    s.criteria = {{st::parse_criterion("error_rate < 0.5"), 0.375, st::verdict::pass}};
    s.passed = true;
    CHECK(rp::to_prometheus(doc) == rp::to_prometheus(s));
    CHECK(m.at("stress_testing_run_passed{scenario=\"peak_load\"}") == "1");
    CHECK(m.at("stress_testing_send_lag_seconds_count{scenario=\"peak_load\"}") == "13");
  }

  TEST_CASE("prometheus of a bad results document names the field") {
    auto doc = report_fixture::document(nlohmann::json::array());
    doc["accounting"].erase("intended");
    CHECK_THROWS_WITH_AS(rp::to_prometheus(doc), "missing field accounting.intended", std::invalid_argument);
    doc = report_fixture::document(nlohmann::json::array());
    doc["histograms"]["response_time"] = "not base64!";
    CHECK_THROWS_AS(rp::to_prometheus(doc), std::invalid_argument);
    CHECK_THROWS_AS(rp::to_prometheus(nlohmann::json{{"schema", "other"}}), std::invalid_argument);
  }

  TEST_CASE("prometheus state of a run result takes its accounting and verdicts") {
    struct fake_accounting {
      st::metrics::outcome_counters outcomes;
      std::uint64_t intended = 0;
      std::uint64_t due() const { return intended; }  // nothing not sent at stop
    };
    struct fake_result {
      st::test_scenario scenario;
      fake_accounting accounting;
      st::metrics::snapshot histograms;
      std::vector<st::criterion_result> criteria;
      st::run::run_analysis analysis;
      st::metrics::metric_values values;
      std::vector<st::run::interval_record> intervals;
      double elapsed_seconds = 0;
      bool passed() const { return false; }
    };
    fake_result r;
    r.scenario.scenario_id = "soak";
    r.accounting.outcomes.record(st::outcome::ok, 7);
    r.accounting.intended = 7;
    r.histograms.response_time.record_values(2'000'000, 7);
    r.values.set(st::metrics::metric::throughput_tps, 3.5);
    r.intervals.resize(1);
    r.intervals[0].in_flight = 1;
    r.analysis.max_degradation = st::degradation_level::moderate;
    r.elapsed_seconds = 2;
    auto const m = samples(rp::to_prometheus(rp::prometheus_state_of(r)));
    CHECK(m.at("stress_testing_requests_total{scenario=\"soak\",outcome=\"ok\"}") == "7");
    CHECK(m.at("stress_testing_response_time_seconds_bucket{scenario=\"soak\",le=\"0.0025\"}") == "7");
    CHECK(m.at("stress_testing_response_time_seconds_bucket{scenario=\"soak\",le=\"0.001\"}") == "0");
    CHECK(m.at("stress_testing_throughput_requests_per_second{scenario=\"soak\"}") == "3.5");
    CHECK(m.at("stress_testing_max_degradation_level{scenario=\"soak\"}") == "1");
    CHECK(m.at("stress_testing_run_passed{scenario=\"soak\"}") == "0");
  }

  TEST_CASE("prometheus live state accumulates intervals") {
    struct fake_progress {
      const st::run::interval_record& interval;
      const st::metrics::snapshot& snapshot;
      const std::vector<st::criterion_result>& criteria;
      double elapsed_seconds;
      double planned_tps;
    };
    rp::prometheus_live live("ramp");
    std::vector<st::criterion_result> const criteria{{st::parse_criterion("error_rate < 0.5"), 0.0, st::verdict::pass}};
    st::metrics::snapshot first;
    first.counters.record(st::outcome::ok, 5);
    first.response_time.record_values(1'000'000, 5);
    first.in_flight = 3;
    st::run::interval_record r1;
    r1.degradation = st::degradation_level::severe;
    r1.values.set(st::metrics::metric::throughput_tps, 5.0);
    live.update(fake_progress{r1, first, criteria, 1.0, 8.0});
    st::metrics::snapshot second;
    second.counters.record(st::outcome::ok, 6);
    second.counters.record(st::outcome::timeout, 2);
    second.response_time.record_values(20'000'000, 8);
    second.in_flight = 1;
    CHECK(live.text().find("stress_testing_active_users") == std::string::npos);  // an open model has none
    st::run::interval_record r2;
    r2.degradation = st::degradation_level::moderate;
    r2.active_users = 40;  // a closed model's population at the interval's end
    live.update(fake_progress{r2, second, criteria, 2.0, 9.0});
    auto const m = samples(live.text());
    CHECK(m.at("stress_testing_active_users{scenario=\"ramp\"}") == "40");
    CHECK(m.at("stress_testing_requests_total{scenario=\"ramp\",outcome=\"ok\"}") == "11");
    CHECK(m.at("stress_testing_requests_total{scenario=\"ramp\",outcome=\"timeout\"}") == "2");
    CHECK(m.at("stress_testing_requests_intended_total{scenario=\"ramp\"}") == "14");  // 13 ended + 1 in flight
    CHECK(m.at("stress_testing_in_flight_requests{scenario=\"ramp\"}") == "1");
    CHECK(m.at("stress_testing_response_time_seconds_bucket{scenario=\"ramp\",le=\"0.001\"}") == "5");
    CHECK(m.at("stress_testing_response_time_seconds_bucket{scenario=\"ramp\",le=\"0.025\"}") == "13");
    CHECK(m.at("stress_testing_planned_requests_per_second{scenario=\"ramp\"}") == "9");
    CHECK(m.count("stress_testing_throughput_requests_per_second{scenario=\"ramp\"}") == 0);  // no value in r2
    CHECK(m.at("stress_testing_degradation_level{scenario=\"ramp\"}") == "1");
    CHECK(m.at("stress_testing_max_degradation_level{scenario=\"ramp\"}") == "2");
    CHECK(m.at("stress_testing_elapsed_seconds{scenario=\"ramp\"}") == "2");
  }

  TEST_CASE("docs/exporters.md lists every exposed metric family and the bucket ladder") {
    std::ifstream in(std::string(STRESS_TESTING_SOURCE_DIR) + "/docs/exporters.md");
    REQUIRE(in);
    std::string const doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto const h = report_fixture::known_histogram();
    auto s = known_state(h);
    s.service_time = s.send_lag = &h;
    s.throughput_tps = s.planned_tps = s.in_flight = s.elapsed_seconds = 1.0;
    s.degradation = s.max_degradation = st::degradation_level::none;
    s.criteria = {{st::parse_criterion("error_rate < 0.5"), 0.1, st::verdict::pass}};
    s.passed = true;
    std::istringstream text(rp::to_prometheus(s));
    std::string line;
    int families = 0;
    while (std::getline(text, line)) {
      if (!line.starts_with("# TYPE ")) continue;
      auto const name = line.substr(7, line.find(' ', 7) - 7);
      ++families;
      CHECK_MESSAGE(doc.find("`" + name + "`") != std::string::npos, name);
    }
    CHECK(families == 15);
    std::string ladder;
    for (double le : rp::prometheus_buckets_seconds) ladder += (ladder.empty() ? "" : " ") + rp::detail::prom_bound(le);
    CHECK_MESSAGE(doc.find(ladder) != std::string::npos, ladder);
  }
}
