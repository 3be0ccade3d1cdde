#ifndef STRESS_TESTING_FRAUD_BUSINESS_HPP
#define STRESS_TESTING_FRAUD_BUSINESS_HPP

/** What the service's decisions are worth: a tally of (ground truth x decision) with USD amounts,
    and its translation into the seed's `BusinessMetrics` and `HeroMetrics` under a `cost_model`.

    Definitions (docs/fraud_workload.md has them with a worked example):
    - answered = transactions with a decision; unanswered = sent but no decision (error,
      timeout, throttled, unreadable body): not scored, so their fraud is not prevented.
    - Positive = fraudulent; flagged = `decline`. TP = fraudulent declined; FN = fraudulent
      approved or reviewed; FP = legitimate or edge case declined; TN = legitimate or edge case
      approved or reviewed. `review` is counted separately too (it costs a reviewer).
    - Amounts are converted to USD at the fixed rates of `usd_micros_per_minor` and summed as
      integer micro-dollars, so merging tallies is exact.
    - A tally sees only what its observer sees (the HTTP target's `on_response` / `on_failure`):
      a request failed before it (injected at the client) or never sent (dropped) is not in it.
      `reconcile` puts the run's accounting beside it, and the figures of `to_business_metrics`
      and `to_hero_metrics` given that accounting count every intended request (docs/results.md).

    Pure layer: std only. */

#include <stress_testing/fraud/transaction.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/timestamp.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace stress_testing::fraud {

/** Prices that turn decisions into money, in USD. The per-transaction compute prices are
    order-of-magnitude assumptions for the seed's AWS design (Lambda agents and orchestrator,
    Kinesis ingestion, DynamoDB profile reads/writes, Bedrock tokens for the reasoning agent,
    amortised over all transactions); replace them with figures from your bill. */
struct cost_model {
  double lambda_usd = 0.00004;    ///< per transaction: five short invocations
  double kinesis_usd = 0.00001;   ///< per transaction: PUT payload units and shard-hours
  double dynamodb_usd = 0.00002;  ///< per transaction: profile and history reads and writes
  double bedrock_usd = 0.00035;   ///< per transaction: model tokens, amortised
  double review_usd = 2.50;          ///< per `review` decision: a human analyst's time
  double false_positive_usd = 5.00;  ///< per legitimate transaction declined: customer friction
  double fixed_usd_per_hour = 0;     ///< always-on costs (provisioned capacity, monitoring)

  /// Compute cost of one transaction: lambda + kinesis + dynamodb + bedrock (0.00042 by default).
  constexpr double compute_usd_per_transaction() const noexcept {
    return lambda_usd + kinesis_usd + dynamodb_usd + bedrock_usd;
  }

  /// What is wrong with this model (the first problem found), or nullptr when it is valid.
  const char* problem() const noexcept {
    auto const ok = [](double v) { return v >= 0.0 && std::isfinite(v); };
    if (!ok(lambda_usd)) return "lambda_usd: must be >= 0 and finite";
    if (!ok(kinesis_usd)) return "kinesis_usd: must be >= 0 and finite";
    if (!ok(dynamodb_usd)) return "dynamodb_usd: must be >= 0 and finite";
    if (!ok(bedrock_usd)) return "bedrock_usd: must be >= 0 and finite";
    if (!ok(review_usd)) return "review_usd: must be >= 0 and finite";
    if (!ok(false_positive_usd)) return "false_positive_usd: must be >= 0 and finite";
    if (!ok(fixed_usd_per_hour)) return "fixed_usd_per_hour: must be >= 0 and finite";
    return nullptr;
  }
};

/// Millionths of a USD: the unit of every amount a tally keeps.
using usd_micros = std::int64_t;

/// What happened to one class of transactions: how many, and how much money, per outcome.
struct outcome_breakdown {
  std::uint64_t approved = 0;
  std::uint64_t reviewed = 0;
  std::uint64_t declined = 0;
  std::uint64_t unanswered = 0;
  usd_micros approved_usd_micros = 0;
  usd_micros reviewed_usd_micros = 0;
  usd_micros declined_usd_micros = 0;
  usd_micros unanswered_usd_micros = 0;

  constexpr std::uint64_t answered() const noexcept { return approved + reviewed + declined; }
  constexpr std::uint64_t total() const noexcept { return answered() + unanswered; }

  constexpr void add(decision d, usd_micros amount) noexcept {
    switch (d) {
      case decision::approve:
        ++approved;
        approved_usd_micros += amount;
        break;
      case decision::review:
        ++reviewed;
        reviewed_usd_micros += amount;
        break;
      case decision::decline:
        ++declined;
        declined_usd_micros += amount;
        break;
    }
  }
  constexpr void add_unanswered(usd_micros amount) noexcept {
    ++unanswered;
    unanswered_usd_micros += amount;
  }
  constexpr void merge(const outcome_breakdown& o) noexcept {
    approved += o.approved;
    reviewed += o.reviewed;
    declined += o.declined;
    unanswered += o.unanswered;
    approved_usd_micros += o.approved_usd_micros;
    reviewed_usd_micros += o.reviewed_usd_micros;
    declined_usd_micros += o.declined_usd_micros;
    unanswered_usd_micros += o.unanswered_usd_micros;
  }

  friend constexpr bool operator==(const outcome_breakdown&, const outcome_breakdown&) noexcept = default;
};

/** The raw counters of a `business_tally`, by ground truth, plus the confusion matrix and
    amounts derived from them (decline = flagged as fraud). */
struct business_counters {
  outcome_breakdown legitimate;
  outcome_breakdown fraudulent;
  outcome_breakdown edge_case;
  /// Fraudulent transactions by scheme, indexed by `fraud_pattern` (`none` stays empty unless a
  /// hand-built fraudulent transaction has no pattern).
  std::array<outcome_breakdown, 5> by_pattern{};

  /// Answered transactions whose response carried a `fraud_score`, and the sum of their
  /// confidences (max(score, 1 - score)) in millionths, so merging stays exact.
  std::uint64_t scored = 0;
  std::int64_t confidence_micros = 0;

  const outcome_breakdown& of(fraud_pattern p) const noexcept { return by_pattern[static_cast<std::size_t>(p)]; }

  /// Mean confidence of the scored decisions, in [0.5, 1]; nullopt when none carried a score.
  std::optional<double> mean_confidence() const noexcept {
    if (scored == 0) return std::nullopt;
    return static_cast<double>(confidence_micros) / 1e6 / static_cast<double>(scored);
  }

  constexpr std::uint64_t answered() const noexcept {
    return legitimate.answered() + fraudulent.answered() + edge_case.answered();
  }
  constexpr std::uint64_t unanswered() const noexcept {
    return legitimate.unanswered + fraudulent.unanswered + edge_case.unanswered;
  }
  /// Transactions recorded, answered or not.
  constexpr std::uint64_t total() const noexcept { return answered() + unanswered(); }
  /// Fraudulent, declined.
  constexpr std::uint64_t true_positives() const noexcept { return fraudulent.declined; }
  /// Fraudulent, approved or reviewed.
  constexpr std::uint64_t false_negatives() const noexcept { return fraudulent.approved + fraudulent.reviewed; }
  /// Legitimate or edge case, declined.
  constexpr std::uint64_t false_positives() const noexcept { return legitimate.declined + edge_case.declined; }
  /// Legitimate or edge case, approved or reviewed.
  constexpr std::uint64_t true_negatives() const noexcept {
    return legitimate.approved + legitimate.reviewed + edge_case.approved + edge_case.reviewed;
  }
  /// `review` decisions, whatever the truth.
  constexpr std::uint64_t reviews() const noexcept {
    return legitimate.reviewed + fraudulent.reviewed + edge_case.reviewed;
  }
  /// Fraud declined (the money the decisions kept from fraudsters).
  constexpr usd_micros fraud_prevented_usd_micros() const noexcept { return fraudulent.declined_usd_micros; }
  /// Fraud answered but not declined (approved, or left to a reviewer).
  constexpr usd_micros fraud_missed_usd_micros() const noexcept {
    return fraudulent.approved_usd_micros + fraudulent.reviewed_usd_micros;
  }
  /// Fraud never scored (no decision).
  constexpr usd_micros fraud_unanswered_usd_micros() const noexcept { return fraudulent.unanswered_usd_micros; }
  /// Legitimate and edge-case spending declined.
  constexpr usd_micros legit_declined_usd_micros() const noexcept {
    return legitimate.declined_usd_micros + edge_case.declined_usd_micros;
  }

  friend bool operator==(const business_counters&, const business_counters&) noexcept = default;
};

/** How the intended requests of a run ended, as the business figures count them: the run's
    accounting (`load::run_summary`) reconciled with what a tally saw (`business_tally::reconcile`).
    Every intended request is in exactly one of answered, failed and dropped.

    What each costs (`cost_model`): an answered or failed request is billed the full compute
    price of a transaction, whatever the site it failed at: the model has one price per
    transaction and cannot tell how far a failed request got, and a crashed or timed-out function
    is billed for the time it ran, so this is the upper bound. A dropped request was never sent:
    it costs nothing. */
struct business_accounting {
  std::uint64_t intended = 0;    ///< every request the profile asked for
  std::uint64_t ok = 0;          ///< outcome `ok` (uptime's numerator; a 200 without a readable decision is ok here)
  std::uint64_t answered = 0;    ///< A: a decision was read (scored)
  std::uint64_t failed = 0;      ///< sent, or failed at the client, without a decision: intended - dropped - answered
  std::uint64_t dropped = 0;     ///< never sent
  /// Of `failed`, those the tally never saw (failed before its observer: injected at the client),
  /// so their ground truth is not in the tally's classes.
  std::uint64_t unobserved = 0;

  /// Requests billed the compute price: answered + failed.
  constexpr std::uint64_t billed() const noexcept { return answered + failed; }

  friend constexpr bool operator==(const business_accounting&, const business_accounting&) noexcept = default;
};

/** A run's accounting `run` (`run_result::accounting`) beside what a tally saw: `answered`
    decisions and `unanswered` failed responses. Intended, ok and dropped come from the run;
    failed = intended - dropped - answered (0 if the tally saw more than the run sent: counts from
    different runs); unobserved = failed - unanswered (0 if fewer). With `unanswered` unknown
    (a reader of results.json has only `transactions_processed`), pass `failed`'s own value to
    leave `unobserved` 0, or 0 to count every failure as unobserved. */
inline business_accounting reconcile(const load::run_summary& run, std::uint64_t answered,
                                     std::uint64_t unanswered) noexcept {
  business_accounting a;
  a.intended = run.due();  // a stopped run's unsent rest was never due (run_summary::not_sent_at_stop)
  a.ok = run.count(outcome::ok);
  a.dropped = run.count(outcome::dropped);
  a.answered = answered;
  auto const sent = a.intended > a.dropped ? a.intended - a.dropped : 0;
  a.failed = sent > a.answered ? sent - a.answered : 0;
  a.unobserved = a.failed > unanswered ? a.failed - unanswered : 0;
  return a;
}

/** The accounting of the requests settled so far in a run still under way (the live figures):
    `settled` holds the outcomes recorded by the end of the last interval, each one intended and
    due; nothing was stopped. Then as `reconcile`: failed = sent - answered (0 when the tally,
    read a moment after the interval ended, saw more answers than were settled). */
inline business_accounting reconcile_settled(const metrics::outcome_counters& settled, std::uint64_t answered,
                                             std::uint64_t unanswered) noexcept {
  load::run_summary run;
  run.intended = settled.total();
  run.outcomes = settled;
  return reconcile(run, answered, unanswered);
}

/** What a run's business figures come to over an hour and a day if the run's rate held: a
    projection, not a measurement (results.json `projections`, the dashboard's investor figures).
    With hours = elapsed_seconds / 3600:
    - return_per_dollar = money_saved / total_cost: USD saved per USD spent (the ROI as a multiple:
      roi_percentage = (return_per_dollar - 1) x 100); nullopt when total_cost is 0
    - X_per_hour = X / hours and X_per_day = 24 x X_per_hour for X in transactions
      (transactions_processed), money_saved and total_cost; nullopt when elapsed_seconds <= 0 */
struct business_projection {
  std::optional<double> return_per_dollar;
  std::optional<double> transactions_per_hour, transactions_per_day;
  std::optional<double> money_saved_per_hour, money_saved_per_day;
  std::optional<double> cost_per_hour, cost_per_day;
};

inline business_projection project(const business_metrics& m, double elapsed_seconds) noexcept {
  business_projection p;
  if (m.total_cost > 0 && std::isfinite(m.total_cost)) p.return_per_dollar = m.money_saved / m.total_cost;
  if (!(elapsed_seconds > 0) || !std::isfinite(elapsed_seconds)) return p;
  double const hours = elapsed_seconds / 3600.0;
  p.transactions_per_hour = static_cast<double>(m.transactions_processed) / hours;
  p.money_saved_per_hour = m.money_saved / hours;
  p.cost_per_hour = m.total_cost / hours;
  p.transactions_per_day = 24 * *p.transactions_per_hour;
  p.money_saved_per_day = 24 * *p.money_saved_per_hour;
  p.cost_per_day = 24 * *p.cost_per_hour;
  return p;
}

/** Ground truth x decision for one worker's transactions, and the business figures they imply.

    Not thread-safe: keep one per worker and `merge` them (exact: all counters are integers).
    `record` and `record_unanswered` are O(1), noexcept and allocation-free. */
class business_tally {
 public:
  business_tally() = default;
  /// A tally holding `counters` (e.g. a worker's, published to a live reader).
  explicit business_tally(const business_counters& counters) noexcept : c_(counters) {}

  /// `tx` was answered with `d`, with the response's `fraud_score` when it carried one (in [0, 1];
  /// `parse_fraud_score`): it enters `ai_confidence`.
  void record(const transaction& tx, decision d, std::optional<double> fraud_score = std::nullopt) noexcept {
    auto const usd = tx.usd_micros();
    class_of(tx.label).add(d, usd);
    if (tx.is_fraud()) pattern_of(tx.pattern).add(d, usd);
    if (fraud_score && *fraud_score >= 0.0 && *fraud_score <= 1.0) {
      ++c_.scored;
      c_.confidence_micros += std::llround(std::max(*fraud_score, 1.0 - *fraud_score) * 1e6);
    }
  }

  /// `tx` got no decision (error, timeout, throttled, unreadable body): it was not scored.
  void record_unanswered(const transaction& tx) noexcept {
    auto const usd = tx.usd_micros();
    class_of(tx.label).add_unanswered(usd);
    if (tx.is_fraud()) pattern_of(tx.pattern).add_unanswered(usd);
  }

  /// Adds `other`'s counts: the same as having recorded its transactions here.
  void merge(const business_tally& other) noexcept {
    c_.legitimate.merge(other.c_.legitimate);
    c_.fraudulent.merge(other.c_.fraudulent);
    c_.edge_case.merge(other.c_.edge_case);
    for (std::size_t i = 0; i < c_.by_pattern.size(); ++i) c_.by_pattern[i].merge(other.c_.by_pattern[i]);
    c_.scored += other.c_.scored;
    c_.confidence_micros += other.c_.confidence_micros;
  }

  /// This tally beside the run's accounting `run` (`run_result::accounting`): see `fraud::reconcile`.
  business_accounting reconcile(const load::run_summary& run) const noexcept {
    return fraud::reconcile(run, c_.answered(), c_.unanswered());
  }

  /** The tally as the whole run, for a caller that recorded every intended request here: intended =
      everything recorded, ok = answered, failed = unanswered, nothing dropped or unobserved. */
  business_accounting own_accounting() const noexcept {
    business_accounting a;
    a.answered = c_.answered();
    a.failed = c_.unanswered();
    a.intended = a.answered + a.failed;
    a.ok = a.answered;
    return a;
  }

  void reset() noexcept { c_ = {}; }

  const business_counters& counters() const noexcept { return c_; }

  /** The seed's `BusinessMetrics` of a run over `elapsed_seconds`, counting every intended
      request of `run` (`reconcile(accounting)`; precondition: `cost.problem() == nullptr`). With
      A = answered, B = billed (answered + failed: `business_accounting`), TP/FN/FP/TN/R as in
      `business_counters` (over the answered transactions), hours = elapsed_seconds / 3600:
      - transactions_processed = A; transactions_per_second = A / elapsed_seconds
      - fraud_detected = TP; fraud_prevented_amount = USD of fraudulent declined
      - fraud_detection_rate = TP / (TP + FN); fraud_detection_accuracy = (TP + TN) / A
      - total_cost = B x compute_usd_per_transaction + fixed_usd_per_hour x hours (a failed
        request is billed too, at any site; a dropped one costs nothing)
      - cost_per_transaction = total_cost / A (what each decision cost, failures included)
      - false_positive_impact = FP x false_positive_usd
      - money_saved = fraud_prevented_amount - false_positive_impact - R x review_usd
      - roi_percentage = (money_saved - total_cost) / total_cost x 100
      - customer_impact_score = 1 - FP / (FP + TN): the share of genuine customers not declined
      - aws_cost_breakdown: lambda, kinesis, dynamodb, bedrock = B x their price;
        other = fixed_usd_per_hour x hours (the values sum to total_cost)
      A ratio whose denominator is 0 (and any per-second figure when elapsed_seconds <= 0) is 0,
      never NaN. payback_period_months (needs the investment to pay back), and
      performance_vs_baseline and cost_vs_baseline (need a baseline run) are nullopt. */
  business_metrics to_business_metrics(const cost_model& cost, double elapsed_seconds, const business_accounting& run,
                                       stress_testing::timestamp at = {}) const {
    figures const f = compute(cost, elapsed_seconds, run);
    business_metrics m;
    m.timestamp = at;
    m.transactions_processed = static_cast<std::int64_t>(f.answered);
    m.transactions_per_second = f.tps;
    m.fraud_detected = static_cast<std::int64_t>(c_.true_positives());
    m.fraud_prevented_amount = f.prevented;
    m.fraud_detection_rate = ratio(c_.true_positives(), c_.true_positives() + c_.false_negatives());
    m.fraud_detection_accuracy = f.accuracy;
    m.cost_per_transaction = f.cost_per_transaction;
    m.total_cost = f.total_cost;
    m.roi_percentage = f.roi;
    m.money_saved = f.money_saved;
    auto const fp = c_.false_positives();
    m.customer_impact_score = fp + c_.true_negatives() == 0 ? 0.0 : 1.0 - ratio(fp, fp + c_.true_negatives());
    m.false_positive_impact = f.friction;
    auto const n = static_cast<double>(run.billed());
    m.aws_cost_breakdown = {{"lambda", n * cost.lambda_usd},
                            {"kinesis", n * cost.kinesis_usd},
                            {"dynamodb", n * cost.dynamodb_usd},
                            {"bedrock", n * cost.bedrock_usd},
                            {"other", f.fixed_cost}};
    return m;
  }

  /// `to_business_metrics` of a run: this tally reconciled with the run's accounting.
  business_metrics to_business_metrics(const cost_model& cost, double elapsed_seconds, const load::run_summary& run,
                                       stress_testing::timestamp at = {}) const {
    return to_business_metrics(cost, elapsed_seconds, reconcile(run), at);
  }

  /// `to_business_metrics` for a caller that recorded every intended request in the tally
  /// (`own_accounting`).
  business_metrics to_business_metrics(const cost_model& cost, double elapsed_seconds,
                                       stress_testing::timestamp at = {}) const {
    return to_business_metrics(cost, elapsed_seconds, own_accounting(), at);
  }

  /** The seed's `HeroMetrics` of a run (same definitions as `to_business_metrics`):
      - total_transactions = A; fraud_blocked = TP; money_saved; roi_percentage;
        cost_per_transaction as in business metrics
      - uptime_percentage = `load::uptime_percentage(run.ok, run.intended)`: the run's one
        uptime, equal to the resilience figure's
      - transactions_per_second = A / elapsed_seconds, rounded to the nearest integer
      - ai_accuracy = (TP + TN) / A, a fraction in [0, 1] like fraud_detection_accuracy
      - ai_confidence = the mean over answered responses that carried a `fraud_score` s of
        max(s, 1 - s): how far the model's score was from a coin toss, on the side it leaned
        (0.5 .. 1); nullopt when no response carried a score
      avg_response_time_ms comes from the latency histogram (the caller's); customer_satisfaction
      has no source in a load test and is nullopt. */
  hero_metrics to_hero_metrics(const cost_model& cost, double elapsed_seconds, const business_accounting& run,
                               stress_testing::timestamp at = {}) const noexcept {
    figures const f = compute(cost, elapsed_seconds, run);
    hero_metrics h;
    h.timestamp = at;
    h.total_transactions = static_cast<std::int64_t>(f.answered);
    h.fraud_blocked = static_cast<std::int64_t>(c_.true_positives());
    h.money_saved = f.money_saved;
    h.uptime_percentage = load::uptime_percentage(run.ok, run.intended);
    h.transactions_per_second = std::llround(f.tps);
    h.ai_accuracy = f.accuracy;
    h.ai_confidence = c_.mean_confidence();
    h.cost_per_transaction = f.cost_per_transaction;
    h.roi_percentage = f.roi;
    return h;
  }

  /// `to_hero_metrics` of a run: this tally reconciled with the run's accounting.
  hero_metrics to_hero_metrics(const cost_model& cost, double elapsed_seconds, const load::run_summary& run,
                               stress_testing::timestamp at = {}) const noexcept {
    return to_hero_metrics(cost, elapsed_seconds, reconcile(run), at);
  }

  /// `to_hero_metrics` for a caller that recorded every intended request in the tally
  /// (`own_accounting`: uptime = answered / recorded).
  hero_metrics to_hero_metrics(const cost_model& cost, double elapsed_seconds,
                               stress_testing::timestamp at = {}) const noexcept {
    return to_hero_metrics(cost, elapsed_seconds, own_accounting(), at);
  }

 private:
  struct figures {
    std::uint64_t answered;
    double tps;
    double prevented;
    double accuracy;
    double friction;
    double review_cost;
    double money_saved;
    double fixed_cost;
    double total_cost;
    double cost_per_transaction;
    double roi;
  };

  static double ratio(std::uint64_t num, std::uint64_t den) noexcept {
    return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
  }

  static double usd(usd_micros v) noexcept { return static_cast<double>(v) / 1e6; }

  figures compute(const cost_model& cost, double elapsed_seconds, const business_accounting& run) const noexcept {
    figures f{};
    bool const timed = elapsed_seconds > 0.0 && std::isfinite(elapsed_seconds);
    f.answered = c_.answered();
    f.tps = timed ? static_cast<double>(f.answered) / elapsed_seconds : 0.0;
    f.prevented = usd(c_.fraud_prevented_usd_micros());
    f.accuracy = ratio(c_.true_positives() + c_.true_negatives(), f.answered);
    f.friction = static_cast<double>(c_.false_positives()) * cost.false_positive_usd;
    f.review_cost = static_cast<double>(c_.reviews()) * cost.review_usd;
    f.money_saved = f.prevented - f.friction - f.review_cost;
    f.fixed_cost = timed ? cost.fixed_usd_per_hour * elapsed_seconds / 3600.0 : 0.0;
    f.total_cost = static_cast<double>(run.billed()) * cost.compute_usd_per_transaction() + f.fixed_cost;
    f.cost_per_transaction = f.answered == 0 ? 0.0 : f.total_cost / static_cast<double>(f.answered);
    f.roi = f.total_cost > 0.0 ? (f.money_saved - f.total_cost) / f.total_cost * 100.0 : 0.0;
    return f;
  }

  outcome_breakdown& class_of(label l) noexcept {
    switch (l) {
      case label::fraudulent: return c_.fraudulent;
      case label::edge_case: return c_.edge_case;
      default: return c_.legitimate;
    }
  }

  outcome_breakdown& pattern_of(fraud_pattern p) noexcept {
    auto const i = static_cast<std::size_t>(p);
    return c_.by_pattern[i < c_.by_pattern.size() ? i : 0];
  }

  business_counters c_;
};

}  // namespace stress_testing::fraud

#endif
