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
    CHECK(st::run::presentation_inputs_of(r).billing == st::run::billing_of(r));

    // A mix or a session: the business figures count only some of the requests, and their
    // billing (results.json, the summary, the presentation's cost) reconciles with those alone.
    st::load::run_summary scored;
    scored.intended = 600;
    scored.outcomes.record(st::outcome::ok, 560);
    scored.outcomes.record(st::outcome::io_error, 30);
    scored.outcomes.record(st::outcome::dropped, 10);
    r.business_accounting = scored;
    r.business->transactions_processed = 540;
    j = st::report::to_json(r);
    CHECK(j["business_accounting"]["intended"] == 600);
    CHECK(j["business_accounting"]["answered"] == 540);
    CHECK(j["business_accounting"]["failed"] == 50);  // 30 failed and 20 ok without a decision
    CHECK(j["business_accounting"]["dropped"] == 10);
    CHECK(j["business_accounting"]["billed"] == 590);
    auto const billing = st::run::presentation_inputs_of(r).billing;
    REQUIRE(billing);
    CHECK(billing->intended == 600);
    CHECK(billing->failed == 50);
    CHECK(billing == st::run::billing_of(r));
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

  TEST_CASE("the results document's presentation: the flow, cost and benchmarks from the run's figures") {
    // Half an hour; 3,600 due: 3,000 ok, 300 http errors, 75 timeouts, 225 dropped (6.25%).
    st::run::run_result r;
    r.elapsed_seconds = 1800;
    r.accounting.intended = 3600;
    r.accounting.outcomes.record(st::outcome::ok, 3000);
    r.accounting.outcomes.record(st::outcome::http_error, 300);
    r.accounting.outcomes.record(st::outcome::timeout, 75);
    r.accounting.outcomes.record(st::outcome::dropped, 225);
    r.histograms.response_time.record_values(20'000'000, 3375);
    r.histograms.send_lag.record_values(1'000'000, 3375);
    r.summary.throughput_tps = 1.5;
    r.summary.avg_response_time_ms = 20;
    r.summary.p95_response_time_ms = 25;
    r.summary.p99_response_time_ms = 40;
    r.summary.error_rate = 0.125;
    r.summary.queue_latency_ms = 1;
    st::agent_metrics ml, geo, rules;
    ml.agent_id = ml.agent_name = "ml";
    ml.requests_processed = 900;
    ml.avg_response_time_ms = 12.5;
    ml.success_rate = 0.75;
    geo.agent_id = geo.agent_name = "geo";
    geo.requests_processed = 1800;
    geo.avg_response_time_ms = 3;
    geo.success_rate = 1;
    rules.agent_id = rules.agent_name = "rules";  // reported nothing
    r.agents = {ml, geo, rules};
    st::business_metrics b;
    b.transactions_processed = 3000;
    b.fraud_detected = 40;
    b.fraud_detection_accuracy = 0.95;
    b.total_cost = 10;
    b.cost_per_transaction = 10.0 / 3000;
    b.money_saved = 1234.5;
    b.aws_cost_breakdown = {{"lambda", 1}, {"kinesis", 0.25}, {"dynamodb", 0.5}, {"bedrock", 8}, {"other", 0.25}};
    r.business = b;
    st::hero_metrics h;
    h.total_transactions = 3000;
    h.transactions_per_second = 2;
    h.uptime_percentage = 83.5;
    h.fraud_blocked = 40;
    h.money_saved = 1234.5;
    r.hero = h;
    r.analysis.resilience.failures_injected = 2;
    r.analysis.resilience.failures_recovered = 1;
    r.analysis.resilience.recovery_time_avg_seconds = 4.5;
    r.competitors = {{"A", {{"throughput_tps", 1.0}, {"p99_response_time_ms", 60}}},
                     {"B", {{"throughput_tps", 3.0}, {"p99_response_time_ms", 40}, {"error_rate", 0.0625}, {"uptime", 99.9}}}};

    auto const j = nlohmann::json::parse(st::report::to_json(r).dump());
    CHECK(st::report::is_results_document(j));
    auto const& p = j["presentation"];
    // The document round-trips into the seed's model, equal to the one derivation.
    auto const expected = st::run::derive_presentation(st::run::presentation_inputs_of(r));
    CHECK(p.get<st::presentation_data>() == expected);

    auto const& flow = p["transaction_flow_data"];
    REQUIRE(flow.size() == 5);
    auto const& in = flow[0];
    CHECK(in["node_id"] == "ingestion");
    CHECK(in["node_type"] == "ingestion");
    CHECK(in["throughput"] == 2.0);       // 3,600 due / 1,800 s
    CHECK(in["latency_ms"] == 1.0);       // mean send lag
    CHECK(in["error_rate"] == 0.0625);    // dropped
    CHECK(in["status"] == "completed");
    CHECK(in["color"] == "#FF9800");      // above the SEVERE 1%
    CHECK(in["position"] == nlohmann::json::array({0, 0}));
    CHECK(flow[1]["node_id"] == "agent-ml");
    CHECK(flow[1]["throughput"] == 0.5);
    CHECK(flow[1]["latency_ms"] == 12.5);
    CHECK(flow[1]["error_rate"] == 0.25);
    CHECK(flow[1]["status"] == "failed");  // above the CRITICAL 10%
    CHECK(flow[1]["color"] == "#F44336");
    CHECK(flow[2]["node_id"] == "agent-geo");
    CHECK(flow[2]["throughput"] == 1.0);
    CHECK(flow[2]["error_rate"] == 0.0);
    CHECK(flow[2]["status"] == "completed");
    CHECK(flow[2]["color"] == "#4CAF50");
    CHECK(flow[2]["position"] == nlohmann::json::array({1, 1}));
    CHECK(flow[3]["node_id"] == "agent-rules");
    CHECK(flow[3]["throughput"] == 0.0);
    CHECK(flow[3]["latency_ms"].is_null());  // no report: unknown, not 0
    CHECK(flow[3]["error_rate"].is_null());
    CHECK(flow[3]["status"] == "idle");
    CHECK(flow[4]["node_id"] == "decision");
    CHECK(flow[4]["throughput"] == 1.5);
    CHECK(flow[4]["latency_ms"] == 20.0);
    CHECK(flow[4]["error_rate"] == 0.125);
    CHECK(flow[4]["status"] == "failed");
    CHECK(flow[4]["position"] == nlohmann::json::array({2, 0}));

    // Cost per hour at this rate: $10 in half an hour.
    auto const& ce = p["cost_efficiency"];
    CHECK(ce["current_hourly_cost"] == 20.0);
    CHECK(ce["current_daily_cost"] == 480.0);
    CHECK(ce["current_monthly_cost"] == 14600.0);  // 730 h
    CHECK(ce["lambda_cost"] == 2.0);
    CHECK(ce["kinesis_cost"] == 0.5);
    CHECK(ce["dynamodb_cost"] == 1.0);
    CHECK(ce["bedrock_cost"] == 16.0);
    CHECK(ce["other_costs"] == 0.5);
    CHECK(ce["cost_per_transaction"].get<double>() == doctest::Approx(10.0 / 3000).epsilon(1e-12));
    CHECK(ce["cost_per_fraud_detected"] == 0.25);
    // 375 of 3,375 billed requests failed (3,375 sent - 3,000 answered): 1/9 of $19.50/h compute.
    CHECK(ce["potential_savings"].get<double>() == doctest::Approx(19.5 / 9).epsilon(1e-12));
    CHECK(ce["optimization_recommendations"] ==
          nlohmann::json::array({"375 of 3375 billed requests failed without a decision: $2.166667 per hour is spent on failures"}));

    // Benchmarks against the supplied competitors only.
    auto const& cb = p["competitive_benchmarks"];
    CHECK(cb["our_performance"] == nlohmann::json({{"throughput_tps", 1.5}, {"error_rate", 0.125}, {"p95_response_time_ms", 25.0},
                                                   {"p99_response_time_ms", 40.0}, {"cost_per_transaction", 10.0 / 3000},
                                                   {"fraud_detection_accuracy", 0.95}}));
    CHECK(cb["competitor_avg"] == nlohmann::json({{"throughput_tps", 2.0}, {"p99_response_time_ms", 50.0}, {"error_rate", 0.0625},
                                                  {"uptime", 99.9}}));
    auto const& imp = cb["improvement_percentage"];
    CHECK(imp.size() == 3);  // "uptime" is no benchmark key: averaged, not compared
    CHECK(imp["throughput_tps"] == -25.0);
    CHECK(imp["p99_response_time_ms"].get<double>() == doctest::Approx(20.0).epsilon(1e-12));
    CHECK(imp["error_rate"] == -100.0);
    CHECK(cb["unique_advantages"] == nlohmann::json::array({"p99 response time 20.0% better than the competitors' average"}));
    CHECK(cb["market_position"] == "challenger");
    CHECK(cb["competitors"][1]["figures"]["uptime"] == 99.9);

    CHECK(p["business_narrative"] ==
          "3000 transactions decided at 2 per second; 83.50% of requests answered successfully through 2 injected failure(s), "
          "1 recovered; 40 frauds blocked, $1234.50 saved.");
    CHECK(p["key_highlights"] == nlohmann::json::array({"1 of 2 injected failures recovered, in 4.50 s on average",
                                                        "$123.45 saved per $1 of running cost",
                                                        "p99 response time 20.0% better than the competitors' average"}));
    CHECK(p["investor_profile"] == "general");
    CHECK(p["hero_metrics"] == j["hero_metrics"]);
    CHECK(p["resilience_demonstration"]["failures_injected"] == 2);

    // No competitor supplied: nothing compared is invented. No business figures: no cost, no story.
    r.competitors.clear();
    r.business.reset();
    r.hero.reset();
    auto const k = st::report::to_json(r)["presentation"];
    CHECK(k["competitive_benchmarks"]["competitor_avg"].is_null());
    CHECK(k["competitive_benchmarks"]["improvement_percentage"].is_null());
    CHECK(k["competitive_benchmarks"]["unique_advantages"].is_null());
    CHECK(k["competitive_benchmarks"]["market_position"].is_null());
    CHECK(k["competitive_benchmarks"]["our_performance"].size() == 4);  // no cost nor accuracy without decisions
    for (auto const* f : {"current_hourly_cost", "lambda_cost", "cost_per_transaction", "cost_per_fraud_detected", "potential_savings"})
      CHECK(k["cost_efficiency"][f].is_null());
    CHECK(k["business_narrative"].is_null());
    CHECK(k["hero_metrics"].is_null());
    CHECK(k.get<st::presentation_data>() == st::run::derive_presentation(st::run::presentation_inputs_of(r)));

    // Before any request: every flow figure but the planned ones is unknown.
    st::run::run_result empty;
    auto const e = st::report::to_json(empty)["presentation"]["transaction_flow_data"];
    REQUIRE(e.size() == 2);
    CHECK(e[0]["throughput"].is_null());  // no run length
    CHECK(e[0]["latency_ms"].is_null());
    CHECK(e[0]["error_rate"].is_null());
    CHECK(e[1]["latency_ms"].is_null());
    CHECK(e[1]["error_rate"].is_null());
  }
}
