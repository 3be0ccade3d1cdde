// The results document from a hand-built run_result: report/results_json.hpp and run/result.hpp
// are Asio-free (docs/architecture.md §2), so the document is tested here without running an
// engine. The same checks on a real run are in tests/integration/run/orchestrator.cpp.
#include <stress_testing/report/results_json.hpp>

#include <doctest/doctest.h>

#include <chrono>

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
}
