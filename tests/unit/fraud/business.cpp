#include <stress_testing/fraud/business.hpp>

#include <stress_testing/fraud/generator.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fr = stress_testing::fraud;
using doctest::Approx;

namespace {

/// One row of the hand-built list: a transaction and what the service said (nullopt: no answer).
struct row {
  fr::transaction tx;
  std::optional<fr::decision> answer;
};

fr::transaction make(fr::label l, fr::fraud_pattern p, std::int64_t minor, fr::currency c) {
  fr::transaction tx;
  tx.label = l;
  tx.pattern = p;
  tx.amount_minor = minor;
  tx.currency = c;
  return tx;
}

constexpr auto legit = fr::label::legitimate;
constexpr auto fraud = fr::label::fraudulent;
constexpr auto edge = fr::label::edge_case;
constexpr auto none = fr::fraud_pattern::none;
constexpr auto approve = fr::decision::approve;
constexpr auto review = fr::decision::review;
constexpr auto decline = fr::decision::decline;

// 13 transactions: 6 fraudulent, 5 legitimate, 2 edge cases; 11 answered, 2 unanswered.
std::vector<row> known_rows() {
  using P = fr::fraud_pattern;
  using C = fr::currency;
  return {
      {make(fraud, P::velocity_burst, 10'000, C::usd), decline},    // 1  TP   100.00 USD
      {make(fraud, P::card_testing, 100, C::usd), decline},         // 2  TP     1.00 USD
      {make(fraud, P::geo_jump, 20'000, C::eur), decline},          // 3  TP   200.00 EUR = 216.00 USD
      {make(fraud, P::account_takeover, 500'000, C::usd), approve}, // 4  FN  5000.00 USD
      {make(fraud, P::velocity_burst, 5'000, C::usd), review},      // 5  FN    50.00 USD, review
      {make(fraud, P::account_takeover, 30'000, C::jpy), std::nullopt},  // 6 unanswered 30,000 JPY = 201 USD
      {make(legit, none, 4'000, C::usd), approve},                  // 7  TN    40.00 USD
      {make(legit, none, 2'500, C::gbp), decline},                  // 8  FP    25.00 GBP = 31.75 USD
      {make(legit, none, 6'000, C::usd), review},                   // 9  TN    60.00 USD, review
      {make(edge, none, 1, C::usd), approve},                       // 10 TN     0.01 USD
      {make(edge, none, 1'200'000, C::usd), decline},               // 11 FP 12000.00 USD
      {make(legit, none, 1'000, C::usd), std::nullopt},             // 12 unanswered 10.00 USD
      {make(legit, none, 2'000, C::usd), approve},                  // 13 TN    20.00 USD
  };
}

void record(fr::business_tally& t, const row& r) {
  if (r.answer)
    t.record(r.tx, *r.answer);
  else
    t.record_unanswered(r.tx);
}

// Round prices so the arithmetic below can be followed by hand: 0.10 USD of compute per
// transaction, 36 USD per hour fixed.
fr::cost_model known_costs() {
  fr::cost_model c;
  c.lambda_usd = 0.01;
  c.kinesis_usd = 0.02;
  c.dynamodb_usd = 0.03;
  c.bedrock_usd = 0.04;
  c.review_usd = 2.50;
  c.false_positive_usd = 5.00;
  c.fixed_usd_per_hour = 36.0;
  return c;
}

}  // namespace

TEST_SUITE("fraud") {

TEST_CASE("the business tally counts the hand-built list as computed by hand") {
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  auto const& c = t.counters();

  CHECK(c.answered() == 11);
  CHECK(c.unanswered() == 2);
  CHECK(c.total() == 13);
  CHECK(c.true_positives() == 3);   // rows 1 2 3
  CHECK(c.false_negatives() == 2);  // rows 4 5
  CHECK(c.false_positives() == 2);  // rows 8 11
  CHECK(c.true_negatives() == 4);   // rows 7 9 10 13
  CHECK(c.reviews() == 2);          // rows 5 9

  CHECK(c.fraudulent.declined == 3);
  CHECK(c.fraudulent.approved == 1);
  CHECK(c.fraudulent.reviewed == 1);
  CHECK(c.fraudulent.unanswered == 1);
  CHECK(c.legitimate.approved == 2);
  CHECK(c.legitimate.declined == 1);
  CHECK(c.legitimate.reviewed == 1);
  CHECK(c.legitimate.unanswered == 1);
  CHECK(c.edge_case.approved == 1);
  CHECK(c.edge_case.declined == 1);

  // 100 + 1 + 200 x 1.08 = 317 USD.
  CHECK(c.fraud_prevented_usd_micros() == 317'000'000);
  // 5000 + 50 = 5050 USD.
  CHECK(c.fraud_missed_usd_micros() == 5'050'000'000);
  // 30,000 yen x 0.0067 = 201 USD.
  CHECK(c.fraud_unanswered_usd_micros() == 201'000'000);
  // 25 x 1.27 + 12000 = 12031.75 USD.
  CHECK(c.legit_declined_usd_micros() == 12'031'750'000);
  CHECK(c.legitimate.unanswered_usd_micros == 10'000'000);

  using P = fr::fraud_pattern;
  CHECK(c.of(P::velocity_burst).declined == 1);
  CHECK(c.of(P::velocity_burst).reviewed == 1);
  CHECK(c.of(P::card_testing).declined == 1);
  CHECK(c.of(P::geo_jump).declined == 1);
  CHECK(c.of(P::geo_jump).declined_usd_micros == 216'000'000);
  CHECK(c.of(P::account_takeover).approved == 1);
  CHECK(c.of(P::account_takeover).unanswered == 1);
  CHECK(c.of(P::none).total() == 0);
}

TEST_CASE("business metrics of the hand-built list equal the figures computed by hand") {
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  auto const at = stress_testing::timestamp{std::chrono::seconds(1'767'225'610)};
  auto const m = t.to_business_metrics(known_costs(), 10.0, at);

  // A = 11 answered, U = 2 unanswered, TP = 3, FN = 2, FP = 2, TN = 4, R = 2; 10 seconds.
  double const compute = 13 * 0.10;         // (A + U) x 0.10 = 1.30
  double const fixed = 36.0 * 10 / 3600;    // 0.10
  double const total_cost = compute + fixed;  // 1.40
  double const prevented = 317.0;
  double const friction = 2 * 5.00;         // FP x 5 = 10
  double const review_cost = 2 * 2.50;      // R x 2.5 = 5
  double const saved = prevented - friction - review_cost;  // 302

  CHECK(m.timestamp == at);
  CHECK(m.transactions_processed == 11);
  CHECK(m.transactions_per_second == Approx(1.1));       // 11 / 10
  CHECK(m.fraud_detected == 3);
  CHECK(m.fraud_prevented_amount == Approx(317.0));
  CHECK(m.fraud_detection_rate == Approx(0.6));          // 3 / (3 + 2)
  CHECK(m.fraud_detection_accuracy == Approx(7.0 / 11));  // (3 + 4) / 11
  CHECK(total_cost == Approx(1.40));
  CHECK(m.total_cost == Approx(1.40));
  CHECK(m.cost_per_transaction == Approx(1.40 / 11));    // 0.12727...
  CHECK(saved == Approx(302.0));
  CHECK(m.money_saved == Approx(302.0));
  CHECK(m.roi_percentage == Approx((302.0 - 1.40) / 1.40 * 100));  // 21471.43 %
  CHECK(m.customer_impact_score == Approx(1.0 - 2.0 / 6));  // 1 - FP / (FP + TN)
  CHECK(m.false_positive_impact == Approx(10.0));
  REQUIRE(m.aws_cost_breakdown.size() == 5);
  CHECK(m.aws_cost_breakdown.at("lambda") == Approx(13 * 0.01));
  CHECK(m.aws_cost_breakdown.at("kinesis") == Approx(13 * 0.02));
  CHECK(m.aws_cost_breakdown.at("dynamodb") == Approx(13 * 0.03));
  CHECK(m.aws_cost_breakdown.at("bedrock") == Approx(13 * 0.04));
  CHECK(m.aws_cost_breakdown.at("other") == Approx(0.10));
  double sum = 0;
  for (auto const& [name, usd] : m.aws_cost_breakdown) sum += usd;
  CHECK(sum == Approx(m.total_cost));
  // Unknown, not 0: no investment to pay back, no baseline run.
  CHECK_FALSE(m.payback_period_months.has_value());
  CHECK_FALSE(m.performance_vs_baseline.has_value());
  CHECK_FALSE(m.cost_vs_baseline.has_value());
}

TEST_CASE("hero metrics of the hand-built list equal the figures computed by hand") {
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  auto const h = t.to_hero_metrics(known_costs(), 10.0);

  CHECK(h.total_transactions == 11);
  CHECK(h.fraud_blocked == 3);
  CHECK(h.money_saved == Approx(302.0));                 // 317 - 10 - 5
  CHECK(h.uptime_percentage == Approx(11.0 / 13 * 100));  // 84.615 %
  CHECK(h.transactions_per_second == 1);                  // round(1.1)
  CHECK(h.ai_accuracy == Approx(7.0 / 11));
  CHECK(h.cost_per_transaction == Approx(1.40 / 11));
  CHECK(h.roi_percentage == Approx((302.0 - 1.40) / 1.40 * 100));
  CHECK(h.avg_response_time_ms == 0);  // the caller's, from the latency histogram
  CHECK_FALSE(h.ai_confidence.has_value());  // no answer carried a fraud_score
  CHECK_FALSE(h.customer_satisfaction.has_value());
}

TEST_CASE("business and hero figures of a run count every intended request") {
  // The hand-built list is what reached the workload's observer: 11 answered, 2 failed responses.
  // The run intended 20: 11 ok, 6 failed (the 2 seen, and 4 failed at the client before the
  // target), 3 dropped (never sent).
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  stress_testing::load::run_summary run;
  run.intended = 20;
  run.issued = 17;
  run.outcomes.record(stress_testing::outcome::ok, 11);
  run.outcomes.record(stress_testing::outcome::http_error, 1);
  run.outcomes.record(stress_testing::outcome::timeout, 1);
  run.outcomes.record(stress_testing::outcome::io_error, 4);  // injected at the client
  run.outcomes.record(stress_testing::outcome::dropped, 3);
  REQUIRE(run.balanced());

  auto const a = t.reconcile(run);
  CHECK(a.intended == 20);
  CHECK(a.ok == 11);
  CHECK(a.answered == 11);
  CHECK(a.failed == 6);
  CHECK(a.dropped == 3);
  CHECK(a.unobserved == 4);
  CHECK(a.billed() == 17);
  CHECK(a.answered + a.failed + a.dropped == a.intended);

  auto const m = t.to_business_metrics(known_costs(), 10.0, run);
  // Billed: the 11 answered and the 6 failed at 0.10 each; the 3 dropped cost nothing.
  double const total_cost = 17 * 0.10 + 0.10;  // 1.80 with the fixed 0.10
  CHECK(m.transactions_processed == 11);
  CHECK(m.total_cost == Approx(total_cost));
  CHECK(m.cost_per_transaction == Approx(total_cost / 11));
  CHECK(m.roi_percentage == Approx((302.0 - total_cost) / total_cost * 100));
  CHECK(m.aws_cost_breakdown.at("lambda") == Approx(17 * 0.01));
  CHECK(m.aws_cost_breakdown.at("bedrock") == Approx(17 * 0.04));
  double sum = 0;
  for (auto const& [name, usd] : m.aws_cost_breakdown) sum += usd;
  CHECK(sum == Approx(m.total_cost));
  // What only answered transactions can say is unchanged.
  CHECK(m.fraud_detected == 3);
  CHECK(m.fraud_detection_rate == Approx(0.6));
  CHECK(m.money_saved == Approx(302.0));

  auto const h = t.to_hero_metrics(known_costs(), 10.0, run);
  CHECK(h.uptime_percentage == Approx(55.0));  // 11 ok of 20 intended
  CHECK(h.uptime_percentage == stress_testing::load::uptime_percentage(run));
  CHECK(h.total_transactions == 11);
  CHECK(h.cost_per_transaction == Approx(total_cost / 11));

  // Without the run, the tally is the whole run: 13 recorded, 11 answered, 2 billed failures.
  auto const own = t.own_accounting();
  CHECK(own.intended == 13);
  CHECK(own.failed == 2);
  CHECK(own.unobserved == 0);
  CHECK(t.to_hero_metrics(known_costs(), 10.0).uptime_percentage == Approx(11.0 / 13 * 100));
}

TEST_CASE("live: the settled outcomes so far and a tally rebuilt from published counters give the final figures' functions") {
  // Mid-run: the intervals so far settled 11 ok, 1 http_error, 1 timeout, 4 io_error (injected at
  // the client), 3 dropped; the tally (published by the workers) saw the same 11 answers and 2 failures.
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  fr::business_tally const copy(t.counters());  // what a live reader rebuilds from the counters
  CHECK(copy.counters() == t.counters());
  stress_testing::metrics::outcome_counters settled;
  settled.record(stress_testing::outcome::ok, 11);
  settled.record(stress_testing::outcome::http_error, 1);
  settled.record(stress_testing::outcome::timeout, 1);
  settled.record(stress_testing::outcome::io_error, 4);
  settled.record(stress_testing::outcome::dropped, 3);
  auto const a = fr::reconcile_settled(settled, copy.counters().answered(), copy.counters().unanswered());
  CHECK(a.intended == 20);
  CHECK(a.ok == 11);
  CHECK(a.answered == 11);
  CHECK(a.failed == 6);
  CHECK(a.dropped == 3);
  CHECK(a.unobserved == 4);
  // The same figures as the end of a run with that accounting.
  stress_testing::load::run_summary run;
  run.intended = 20;
  run.outcomes = settled;
  CHECK(copy.to_hero_metrics(known_costs(), 10.0, a).uptime_percentage == Approx(55.0));
  CHECK(copy.to_business_metrics(known_costs(), 10.0, a).total_cost ==
        Approx(t.to_business_metrics(known_costs(), 10.0, run).total_cost));
  // Read a moment after the interval ended, the tally may have seen more answers than settled.
  stress_testing::metrics::outcome_counters early;
  early.record(stress_testing::outcome::ok, 9);
  auto const e = fr::reconcile_settled(early, 11, 2);
  CHECK(e.failed == 0);
  CHECK(e.intended == 9);
}

TEST_CASE("projections: per hour and per day at the run's rate, and the return per dollar") {
  stress_testing::business_metrics m;
  m.transactions_processed = 1800;
  m.money_saved = 90.0;
  m.total_cost = 3.0;
  auto const p = fr::project(m, 1800.0);  // half an hour
  CHECK(p.return_per_dollar.value_or(-1) == Approx(30.0));  // ROI 2,900 %
  CHECK(p.transactions_per_hour.value_or(-1) == Approx(3600.0));
  CHECK(p.transactions_per_day.value_or(-1) == Approx(86400.0));
  CHECK(p.money_saved_per_hour.value_or(-1) == Approx(180.0));
  CHECK(p.money_saved_per_day.value_or(-1) == Approx(4320.0));
  CHECK(p.cost_per_hour.value_or(-1) == Approx(6.0));
  CHECK(p.cost_per_day.value_or(-1) == Approx(144.0));
  // ROI as a multiple: return_per_dollar = roi_percentage / 100 + 1 for the tally's figures.
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  auto const b = t.to_business_metrics(known_costs(), 10.0);
  CHECK(fr::project(b, 10.0).return_per_dollar.value_or(-1) == Approx(b.roi_percentage / 100 + 1));
  // Unknown, not 0: no cost, no time.
  stress_testing::business_metrics free;
  free.money_saved = 5;
  auto const q = fr::project(free, 0.0);
  CHECK_FALSE(q.return_per_dollar.has_value());
  CHECK_FALSE(q.money_saved_per_hour.has_value());
  CHECK_FALSE(q.cost_per_day.has_value());
}

TEST_CASE("a tally that saw more than the run sent reconciles to no failures") {
  fr::business_tally t;
  for (auto const& r : known_rows()) record(t, r);
  stress_testing::load::run_summary run;
  run.intended = 5;
  run.outcomes.record(stress_testing::outcome::ok, 5);
  auto const a = t.reconcile(run);
  CHECK(a.failed == 0);
  CHECK(a.unobserved == 0);
  CHECK(a.billed() == 11);
}

TEST_CASE("ai confidence is the mean distance of the scores from a coin toss") {
  fr::business_tally t;
  auto const tx = make(legit, none, 1000, fr::currency::usd);
  t.record(tx, decline, 0.9);   // 0.9
  t.record(tx, approve, 0.2);   // 0.8
  t.record(tx, review, 0.5);    // 0.5
  t.record(tx, review);         // no score (every vote dropped): not in the mean
  t.record(tx, approve, 1.5);   // out of range: ignored
  CHECK(t.counters().scored == 3);
  auto const h = t.to_hero_metrics(fr::cost_model{}, 1.0);
  REQUIRE(h.ai_confidence.has_value());
  CHECK(*h.ai_confidence == Approx((0.9 + 0.8 + 0.5) / 3));
  fr::business_tally a, b;
  a.record(tx, decline, 0.9);
  b.record(tx, approve, 0.2);
  b.record(tx, review, 0.5);
  a.merge(b);
  CHECK(a.counters().confidence_micros == 2'200'000);
  CHECK(a.counters().mean_confidence() == t.counters().mean_confidence());
}

TEST_CASE("the default cost model prices a transaction at 0.00042 USD") {
  fr::cost_model const c;
  CHECK(c.problem() == nullptr);
  CHECK(c.compute_usd_per_transaction() == Approx(0.00042));
  CHECK(c.review_usd == 2.50);
  CHECK(c.false_positive_usd == 5.00);
  CHECK(c.fixed_usd_per_hour == 0);

  // 1,000 fraud-free approvals over 1 s: cost 0.42 USD, ROI -100 %.
  fr::business_tally t;
  for (int i = 0; i < 1000; ++i) t.record(make(legit, none, 1000, fr::currency::usd), approve);
  auto const m = t.to_business_metrics(c, 1.0);
  CHECK(m.total_cost == Approx(0.42));
  CHECK(m.cost_per_transaction == Approx(0.00042));
  CHECK(m.roi_percentage == Approx(-100.0));
  CHECK(m.customer_impact_score == Approx(1.0));
  CHECK(m.fraud_detection_rate == 0);  // no fraud: undefined, reported as 0
}

TEST_CASE("cost model validation names the first problem") {
  auto problem = [](auto change) {
    fr::cost_model c;
    change(c);
    return std::string_view(c.problem() ? c.problem() : "");
  };
  CHECK(problem([](auto& c) { c.lambda_usd = -1; }) == "lambda_usd: must be >= 0 and finite");
  CHECK(problem([](auto& c) { c.kinesis_usd = NAN; }) == "kinesis_usd: must be >= 0 and finite");
  CHECK(problem([](auto& c) { c.dynamodb_usd = INFINITY; }) == "dynamodb_usd: must be >= 0 and finite");
  CHECK(problem([](auto& c) { c.bedrock_usd = -0.1; }) == "bedrock_usd: must be >= 0 and finite");
  CHECK(problem([](auto& c) { c.review_usd = -2; }) == "review_usd: must be >= 0 and finite");
  CHECK(problem([](auto& c) { c.false_positive_usd = NAN; }) == "false_positive_usd: must be >= 0 and finite");
  CHECK(problem([](auto& c) { c.fixed_usd_per_hour = -5; }) == "fixed_usd_per_hour: must be >= 0 and finite");
  CHECK(problem([](auto&) {}) == "");
}

TEST_CASE("an empty tally gives zero figures and full uptime and never NaN") {
  fr::business_tally const t;
  for (double elapsed : {0.0, -1.0, 10.0, std::numeric_limits<double>::quiet_NaN()}) {
    auto const m = t.to_business_metrics(fr::cost_model{}, elapsed);
    auto const h = t.to_hero_metrics(fr::cost_model{}, elapsed);
    CHECK(m.transactions_processed == 0);
    CHECK(m.transactions_per_second == 0);
    CHECK(m.fraud_detection_rate == 0);
    CHECK(m.fraud_detection_accuracy == 0);
    CHECK(m.cost_per_transaction == 0);
    CHECK(m.total_cost == 0);
    CHECK(m.roi_percentage == 0);
    CHECK(m.customer_impact_score == 0);
    CHECK(h.uptime_percentage == 100);  // nothing intended, nothing refused
    CHECK_FALSE(h.ai_confidence.has_value());
    CHECK(h.ai_accuracy == 0);
    for (auto const& [name, usd] : m.aws_cost_breakdown) CHECK(usd == 0);
  }
}

TEST_CASE("unanswered fraud is counted but not prevented") {
  fr::business_tally t;
  auto const tx = make(fraud, fr::fraud_pattern::card_testing, 150, fr::currency::usd);
  t.record_unanswered(tx);
  t.record_unanswered(tx);
  auto const m = t.to_business_metrics(fr::cost_model{}, 1.0);
  CHECK(m.fraud_prevented_amount == 0);
  CHECK(m.fraud_detected == 0);
  CHECK(m.transactions_processed == 0);
  CHECK(m.total_cost == Approx(2 * 0.00042));  // billed anyway
  CHECK(t.counters().fraud_unanswered_usd_micros() == 3'000'000);
  CHECK(t.counters().of(fr::fraud_pattern::card_testing).unanswered == 2);
  CHECK(t.to_hero_metrics(fr::cost_model{}, 1.0).uptime_percentage == 0);
}

TEST_CASE("merging tallies equals recording everything in one tally") {
  auto const rows = known_rows();
  fr::business_tally all;
  for (auto const& r : rows) record(all, r);
  for (std::size_t split = 0; split <= rows.size(); ++split) {
    fr::business_tally a;
    fr::business_tally b;
    for (std::size_t i = 0; i < rows.size(); ++i) record(i < split ? a : b, rows[i]);
    a.merge(b);
    CHECK(a.counters() == all.counters());
    CHECK(a.to_business_metrics(known_costs(), 10.0) == all.to_business_metrics(known_costs(), 10.0));
    CHECK(a.to_hero_metrics(known_costs(), 10.0) == all.to_hero_metrics(known_costs(), 10.0));
  }
}

TEST_CASE("merging per worker tallies of a generated stream is exact") {
  fr::transaction_generator const g{fr::generator_options{}};
  fr::business_tally all;
  std::vector<fr::business_tally> workers(4);
  for (std::uint64_t s = 0; s < 20'000; ++s) {
    auto const tx = g.at(s);
    // A crude scorer: decline big online spends, review foreign ones, lose every 97th request.
    bool const lost = s % 97 == 0;
    auto const d = tx.channel == fr::channel::online && tx.usd_micros() > 1'000'000'000 ? decline
                   : tx.country != tx.home_country                                        ? review
                                                                                          : approve;
    auto& w = workers[s % workers.size()];
    if (lost) {
      all.record_unanswered(tx);
      w.record_unanswered(tx);
    } else {
      all.record(tx, d);
      w.record(tx, d);
    }
  }
  fr::business_tally merged;
  for (auto const& w : workers) merged.merge(w);
  CHECK(merged.counters() == all.counters());
  CHECK(merged.counters().fraudulent.total() > 2'000);
  CHECK(merged.counters().of(fr::fraud_pattern::account_takeover).declined > 0);
  merged.reset();
  CHECK(merged.counters() == fr::business_counters{});
}

}  // TEST_SUITE
