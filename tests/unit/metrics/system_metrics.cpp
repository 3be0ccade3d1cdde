#include <stress_testing/metrics/system_metrics.hpp>
#include <stress_testing/config/json.hpp>

#include <stress_testing/criteria.hpp>
#include <stress_testing/metrics/metric_names.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace m = stress_testing::metrics;
using stress_testing::outcome;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t ms = 1'000'000;  // histogram values are nanoseconds

void record_n(m::snapshot& s, outcome o, std::uint64_t n, std::int64_t response_ns, std::int64_t service_ns,
              std::int64_t lag_ns) {
  s.counters.record(o, n);
  if (o == outcome::dropped) return;
  auto const count = static_cast<std::int64_t>(n);
  s.response_time.record_values(response_ns, count);
  s.service_time.record_values(service_ns, count);
  s.send_lag.record_values(lag_ns, count);
}

// 1000 intended requests over 2 s: 990 ok at 10 ms, 5 HTTP errors at 5 ms, 3 timeouts at 1 s,
// 2 dropped; 1.5 MB in and 0.5 MB out; 7 in flight at the end.
m::snapshot known_snapshot() {
  m::snapshot s;
  s.start = 10s;
  s.end = 12s;
  record_n(s, outcome::ok, 990, 10 * ms, 9 * ms, 1 * ms);
  record_n(s, outcome::http_error, 5, 5 * ms, 4 * ms, 1 * ms);
  record_n(s, outcome::timeout, 3, 1000 * ms, 999 * ms, 1 * ms);
  record_n(s, outcome::dropped, 2, 0, 0, 0);
  s.counters.add_bytes(1'500'000, 500'000);
  s.in_flight = 7;
  return s;
}

bool is_finite(double v) { return std::isfinite(v); }

void check_all_finite(const stress_testing::system_metrics& sm) {
  for (double v : {sm.throughput_tps, sm.avg_response_time_ms, sm.p50_response_time_ms, sm.p95_response_time_ms,
                   sm.p99_response_time_ms, sm.max_response_time_ms, sm.error_rate, sm.timeout_rate,
                   sm.network_throughput_mbps, sm.queue_latency_ms})
    CHECK(is_finite(v));
  for (auto const& v : {sm.cpu_utilization, sm.memory_utilization})
    if (v) CHECK(is_finite(*v));
}

}  // namespace

TEST_SUITE("metrics") {

TEST_CASE("derive_system_metrics of a known snapshot gives the hand computed figures") {
  m::derive_options options;
  options.process.cpu_utilization = 0.25;
  options.process.memory_utilization = 0.125;
  options.process.cpu_available = true;
  options.process.memory_available = true;
  options.timestamp = stress_testing::timestamp{std::chrono::microseconds{1'700'000'000'000'000}};

  auto const sm = m::derive_system_metrics(known_snapshot(), options);
  CHECK(sm.timestamp == options.timestamp);
  CHECK(sm.requests_total == 1000);
  CHECK(sm.requests_successful == 990);
  CHECK(sm.requests_failed == 10);
  CHECK(sm.throughput_tps == doctest::Approx(495.0));  // 990 ok / 2 s: goodput
  CHECK(sm.error_rate == doctest::Approx(0.01));
  CHECK(sm.timeout_rate == doctest::Approx(0.003));
  // Three significant digits: within 0.1%.
  CHECK(sm.p50_response_time_ms == doctest::Approx(10.0).epsilon(0.001));
  CHECK(sm.p95_response_time_ms == doctest::Approx(10.0).epsilon(0.001));
  CHECK(sm.p99_response_time_ms == doctest::Approx(10.0).epsilon(0.001));  // rank 989 of 998
  CHECK(sm.max_response_time_ms == 1000.0);                                // max is exact
  CHECK(sm.avg_response_time_ms == doctest::Approx((990 * 10.0 + 5 * 5.0 + 3 * 1000.0) / 998).epsilon(0.001));
  // (1.5 MB + 0.5 MB) x 8 bit / 10^6 / 2 s = 8 Mbit/s.
  CHECK(sm.network_throughput_mbps == 8.0);
  CHECK(sm.queue_depth == 7);
  CHECK(sm.queue_latency_ms == doctest::Approx(1.0).epsilon(0.001));
  CHECK(sm.cpu_utilization == 0.25);
  CHECK(sm.memory_utilization == 0.125);
}

TEST_CASE("metric values of a known snapshot include the extra metrics") {
  auto const v = m::derive_metric_values(known_snapshot());
  CHECK(v(std::string_view{"requests_intended"}) == 1000.0);
  CHECK(v(std::string_view{"requests_dropped"}) == 2.0);
  CHECK(v(std::string_view{"requests_lost"}) == 5.0);  // 2 dropped + 3 timeouts; HTTP errors were answers
  CHECK(v(std::string_view{"throttle_rate"}) == 0.0);
  CHECK(v(std::string_view{"success_rate"}) == doctest::Approx(0.99));
  CHECK(*v(std::string_view{"p999_response_time_ms"}) == doctest::Approx(1000.0).epsilon(0.001));
  CHECK(v(std::string_view{"min_response_time_ms"}) == 5.0);
  CHECK(*v(std::string_view{"p99_service_time_ms"}) == doctest::Approx(9.0).epsilon(0.001));
  CHECK(*v(std::string_view{"p99_send_lag_ms"}) == doctest::Approx(1.0).epsilon(0.001));
  CHECK(v(std::string_view{"max_send_lag_ms"}) == 1.0);
  CHECK(m::metric_value(v, "error_rate") == doctest::Approx(0.01));
  CHECK(m::metric_value(known_snapshot(), "throughput_tps") == doctest::Approx(495.0));
  // No process sample was given: CPU and memory have no data.
  CHECK_FALSE(v(std::string_view{"cpu_utilization"}).has_value());
  CHECK_FALSE(v(std::string_view{"memory_utilization"}).has_value());
  CHECK_FALSE(v(std::string_view{"no_such_metric"}).has_value());
  CHECK_FALSE(v(std::string_view{"P95_RESPONSE_TIME_MS"}).has_value());
}

TEST_CASE("requests lost counts drops timeouts connect and io errors but not answers") {
  m::snapshot s;
  s.end = 1s;
  for (auto o : stress_testing::all_outcomes) record_n(s, o, 1, ms, ms, 0);
  auto const v = m::derive_metric_values(s);
  CHECK(v.get(m::metric::requests_lost) == 4.0);
  CHECK(v.get(m::metric::requests_failed) == 6.0);
  CHECK(v.get(m::metric::throttle_rate) == doctest::Approx(1.0 / 7));
}

TEST_CASE("an empty snapshot gives zeros and no data but never NaN") {
  m::snapshot const empty;
  auto const sm = m::derive_system_metrics(empty);
  check_all_finite(sm);
  CHECK(sm == stress_testing::system_metrics{});

  auto const v = m::derive_metric_values(empty);
  CHECK(v.get(m::metric::requests_total) == 0.0);
  CHECK(v.get(m::metric::queue_depth) == 0.0);
  for (auto id : {m::metric::throughput_tps, m::metric::error_rate, m::metric::success_rate,
                 m::metric::p95_response_time_ms, m::metric::queue_latency_ms, m::metric::network_throughput_mbps})
    CHECK_FALSE(v.get(id).has_value());
  for (auto const& [name, value] : v.items())
    if (value) CHECK(is_finite(*value));
}

TEST_CASE("a zero length snapshot with requests has rates but no per second figures") {
  auto s = known_snapshot();
  s.end = s.start;
  auto const sm = m::derive_system_metrics(s);
  check_all_finite(sm);
  CHECK(sm.throughput_tps == 0.0);
  CHECK(sm.network_throughput_mbps == 0.0);
  CHECK(sm.error_rate == doctest::Approx(0.01));
  auto const v = m::derive_metric_values(s);
  CHECK_FALSE(v.get(m::metric::throughput_tps).has_value());
  CHECK(v.get(m::metric::error_rate).has_value());
}

TEST_CASE("metric values store non finite input as no data") {
  m::metric_values v;
  v.set(m::metric::error_rate, std::nan(""));
  v.set(m::metric::throughput_tps, HUGE_VAL);
  v.set(m::metric::queue_depth, 3);
  CHECK_FALSE(v.get(m::metric::error_rate).has_value());
  CHECK_FALSE(v.get(m::metric::throughput_tps).has_value());
  CHECK(v.value(m::metric::throughput_tps) == 0.0);
  CHECK(v.get(m::metric::queue_depth) == 3.0);
  v.clear(m::metric::queue_depth);
  CHECK_FALSE(v.get(m::metric::queue_depth).has_value());
}

TEST_CASE("the metric table names every system_metrics field and finds each name") {
  for (std::string_view name :
       {"throughput_tps", "requests_total", "requests_successful", "requests_failed", "avg_response_time_ms",
        "p50_response_time_ms", "p95_response_time_ms", "p99_response_time_ms", "max_response_time_ms",
        "error_rate", "timeout_rate", "cpu_utilization", "memory_utilization", "network_throughput_mbps",
        "queue_depth", "queue_latency_ms", "requests_dropped", "requests_lost", "throttle_rate", "success_rate",
        "p999_response_time_ms", "min_response_time_ms", "p99_service_time_ms", "p99_send_lag_ms",
        "max_send_lag_ms", "requests_intended"})
    CHECK_MESSAGE(m::find_metric(name).has_value(), name);
  for (auto const& row : m::metric_table) {
    CHECK(m::find_metric(row.name) == row.id);
    CHECK(m::to_string(row.id) == row.name);
    CHECK_FALSE(row.unit.empty());
    CHECK_FALSE(row.description.empty());
  }
  auto const items = m::derive_metric_values(known_snapshot()).items();
  for (std::size_t i = 0; i < m::metric_count; ++i) CHECK(items[i].first == m::metric_table[i].name);
}

TEST_CASE("criteria evaluate against metric values") {
  auto const v = m::derive_metric_values(known_snapshot());
  using stress_testing::verdict;
  CHECK(stress_testing::evaluate(stress_testing::parse_criterion("p95_response_time_ms < 2000"), v).verdict ==
        verdict::pass);
  CHECK(stress_testing::evaluate(stress_testing::parse_criterion("error_rate < 0.001"), v).verdict == verdict::fail);
  CHECK(stress_testing::evaluate(stress_testing::parse_criterion("cpu_utilization < 0.9"), v).verdict ==
        verdict::no_data);
}

TEST_CASE("derive_system_metrics takes CPU and memory from a real process sample") {
  m::process_sampler sampler;
  auto const sm = m::derive_system_metrics(known_snapshot(), {sampler.sample(), {}});
  REQUIRE(sm.cpu_utilization.has_value());  // Linux: /proc is there
  CHECK(*sm.cpu_utilization >= 0.0);
  CHECK(*sm.cpu_utilization <= 1.0);
  REQUIRE(sm.memory_utilization.has_value());
  CHECK(*sm.memory_utilization >= 0.0);
  CHECK(*sm.memory_utilization <= 1.0);
}

TEST_CASE("without a process sample the summary's CPU and memory are null, not 0") {
  // A host without /proc gives a sample with nothing available (process_usage.hpp).
  auto const sm = m::derive_system_metrics(known_snapshot(), {m::process_sample{}, {}});
  CHECK_FALSE(sm.cpu_utilization.has_value());
  CHECK_FALSE(sm.memory_utilization.has_value());
  nlohmann::json const j = sm;
  CHECK(j.at("cpu_utilization").is_null());
  CHECK(j.at("memory_utilization").is_null());
  // And back: null reads as "unknown".
  auto const back = j.get<stress_testing::system_metrics>();
  CHECK_FALSE(back.cpu_utilization.has_value());
  CHECK_FALSE(back.memory_utilization.has_value());
}

}  // TEST_SUITE
