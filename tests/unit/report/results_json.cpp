// The results document from a hand-built run_result: report/results_json.hpp and run/result.hpp
// are Asio-free (docs/architecture.md §2), so the document is tested here without running an
// engine. The same checks on a real run are in tests/integration/run/orchestrator.cpp.
#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/report/results_json.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace st = stress_testing;

TEST_SUITE("report") {
  TEST_CASE("the results document of a hand built run carries its accounting and a mergeable histogram") {
    st::run::run_result r;
    r.scenario.scenario_id = "hand";
    r.status = st::test_status::completed;
    r.accounting.intended = 3;
    r.accounting.issued = 2;
    r.accounting.outcomes.record(st::outcome::ok);
    r.accounting.outcomes.record(st::outcome::ok);
    r.accounting.outcomes.record(st::outcome::dropped);
    r.accounting.dropped_at_limit = 1;
    r.accounting.send_lag_p99 = std::chrono::microseconds(1'500);
    r.histograms.response_time.record_value(2'000'000);
    r.histograms.response_time.record_value(4'000'000);

    auto const j = st::report::to_json(r);
    CHECK(j["schema"] == "stress_testing.results");
    CHECK(j["status"] == "COMPLETED");
    CHECK(j["scenario"]["scenario_id"] == "hand");
    CHECK(j["accounting"]["intended"] == 3);
    CHECK(j["accounting"]["balanced"] == true);
    CHECK(j["generator"]["send_lag_p99_ms"] == doctest::Approx(1.5));

    auto h = st::report::read_histogram(nlohmann::json::parse(j.dump()), "response_time");
    CHECK(h.total_count() == 2);
    h.add(r.histograms.response_time);
    CHECK(h.total_count() == 4);
    CHECK(h.max() == r.histograms.response_time.max());
  }

  TEST_CASE("the results document writes one uptime and how every intended request enters the business figures") {
    st::run::run_result r;
    r.accounting.intended = 1000;
    r.accounting.outcomes.record(st::outcome::ok, 950);
    r.accounting.outcomes.record(st::outcome::io_error, 30);
    r.accounting.outcomes.record(st::outcome::dropped, 20);
    r.analysis.resilience.uptime_percentage = st::load::uptime_percentage(r.accounting);
    auto j = st::report::to_json(r);
    CHECK(j["accounting"]["uptime_percentage"] == 95.0);
    CHECK(j["resilience"]["uptime_percentage"] == 95.0);
    CHECK(j["business_accounting"].is_null());  // no business figures

    st::business_metrics b;
    b.transactions_processed = 940;
    r.business = b;
    j = st::report::to_json(r);
    auto const& ba = j["business_accounting"];
    CHECK(ba["intended"] == 1000);
    CHECK(ba["answered"] == 940);
    CHECK(ba["failed"] == 40);  // 30 failed and 10 ok without a readable decision
    CHECK(ba["dropped"] == 20);
    CHECK(ba["billed"] == 980);
    CHECK(j["business_metrics"]["payback_period_months"].is_null());
  }

  TEST_CASE("the results document states the plan as run, the projections and the alerts") {
    // The investor scenario scaled as the browser test runs it: its peak is 8,000 x 0.05 = 400/s.
    st::run::run_result r;
    r.scenario = st::scale_scenario(st::scenario_builder::create_investor_presentation_scenario(), 0.03, 0.05);
    auto j = st::report::to_json(r);
    CHECK(j["plan"]["peak_tps"].get<double>() == doctest::Approx(400.0));
    CHECK(j["plan"]["duration_seconds"].get<double>() == doctest::Approx(600 * 0.03));
    REQUIRE(j["plan"]["failures"].size() == r.scenario.failure_scenarios.size());
    auto const& f = r.scenario.failure_scenarios.front();
    CHECK(j["plan"]["failures"][0]["start_seconds"].get<double>() == doctest::Approx(f.start_time_seconds));
    CHECK(j["plan"]["failures"][0]["end_seconds"].get<double>() == doctest::Approx(f.start_time_seconds + f.duration_seconds));
    CHECK(j["projections"].is_null());  // no business figures: nothing to project

    st::business_metrics b;
    b.transactions_processed = 100;
    b.money_saved = 50;
    b.total_cost = 2;
    r.business = b;
    r.elapsed_seconds = 36;  // 1/100 of an hour
    j = st::report::to_json(r);
    CHECK(j["projections"]["projection"] == true);
    CHECK(j["projections"]["return_per_dollar"].get<double>() == doctest::Approx(25.0));
    CHECK(j["projections"]["money_saved_per_hour"].get<double>() == doctest::Approx(5000.0));
    CHECK(j["projections"]["cost_per_day"].get<double>() == doctest::Approx(4800.0));

    // Alerts over the intervals, at the run's thresholds: one second at 2% errors is critical.
    st::run::interval_record quiet, bad;
    quiet.end = std::chrono::seconds(1);
    quiet.values.set(st::metrics::metric::error_rate, 0.0);
    bad.start = std::chrono::seconds(1);
    bad.end = std::chrono::seconds(2);
    bad.values.set(st::metrics::metric::error_rate, 0.02);
    r.intervals = {quiet, bad};
    j = st::report::to_json(r);
    REQUIRE(j["alerts"]["events"].size() == 1);
    CHECK(j["alerts"]["events"][0]["severity"] == "critical");
    CHECK(j["alerts"]["events"][0]["start_seconds"] == 1.0);
    CHECK(j["alerts"]["events"][0]["active"] == false);
    CHECK(j["alerts"]["thresholds"]["warning_error_rate"] == 0.001);
    r.alerting.critical_error_rate = 0.05;  // configured: now a warning
    CHECK(st::report::to_json(r)["alerts"]["events"][0]["severity"] == "warning");
  }

  TEST_CASE("the results document gives the verdict and an inconclusive criterion") {
    st::run::run_result r;
    r.status = st::test_status::completed;
    r.scenario.success_criteria = {st::parse_criterion("p99_response_time_ms < 50"),
                                   st::parse_criterion("error_rate < 0.01")};
    r.values.set(st::metrics::metric::p99_response_time_ms, 30);
    r.values.set(st::metrics::metric::error_rate, 0);
    r.generator_limited = true;
    r.criteria = st::run::judge_criteria(r);
    auto const j = st::report::to_json(r);
    CHECK(j["verdict"] == "inconclusive");
    CHECK(j["passed"] == false);
    CHECK(j["criteria"][0]["verdict"] == "inconclusive");
    CHECK(j["criteria"][0]["actual"] == 30.0);
    CHECK(j["criteria"][1]["verdict"] == "pass");
    r.generator_limited = false;
    r.criteria = st::run::judge_criteria(r);
    CHECK(st::report::to_json(r)["verdict"] == "pass");
    CHECK(st::report::to_json(r)["passed"] == true);
  }

  TEST_CASE("the results document gives each percentile its confidence interval") {
    st::run::run_result r;
    r.status = st::test_status::completed;
    // 1..10000 microseconds, one each, in the run's nanoseconds.
    for (std::int64_t us = 1; us <= 10'000; ++us) r.histograms.response_time.record_value(us * 1000);
    for (std::int64_t us = 1; us <= 100; ++us) r.histograms.service_time.record_value(us * 1000);
    auto const j = st::report::to_json(r);
    // p99: ranks 9880 and 9920 of 1..10000 us, read to the histogram's 0.1%: ~9.88 ms and ~9.92 ms.
    auto const& p99 = j["summary"]["p99_response_time_ms_ci"];
    REQUIRE(p99.is_array());
    CHECK(p99[0].get<double>() == doctest::Approx(9.88).epsilon(0.002));
    CHECK(p99[1].get<double>() == doctest::Approx(9.92).epsilon(0.002));
    CHECK(j["summary"]["p50_response_time_ms_ci"][0].get<double>() == doctest::Approx(4.902).epsilon(0.002));
    CHECK(j["summary"].contains("p95_response_time_ms_ci"));
    auto const& detail = j["percentile_ci"]["p99_response_time_ms"];
    CHECK(detail["samples"] == 10'000);
    CHECK(detail["lower_rank"] == 9880);
    CHECK(detail["upper_rank"] == 9920);
    CHECK(detail["exact"] == false);
    CHECK(detail["reason"].is_null());
    CHECK(j["percentile_ci"]["confidence"] == 0.95);
    // 100 service times: p99's upper bound is null, with the reason.
    auto const& service = j["percentile_ci"]["p99_service_time_ms"];
    CHECK(service["interval"][0].get<double>() == doctest::Approx(0.097).epsilon(0.002));  // the 97th of 100
    CHECK(service["interval"][1].is_null());
    CHECK(service["upper_rank"] == 101);
    CHECK(service["reason"].get<std::string>().find("upper bound") != std::string::npos);
  }
}
