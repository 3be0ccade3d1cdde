// The fraud workload's business figures while the run goes on (docs/dashboard.md): after each
// interval, the workers' published tallies (fraud_workload::live_tally) beside the outcomes
// settled so far give the same business and hero metrics, by the same functions, as the final
// results (http_finisher); the last interval's are the final figures. Kept in the app context:
// the latest for the live dashboard's message, and one point per interval for results.json's
// `business_series` (the presentation's money-saved line, live and in the report).
#ifndef STRESS_RUN_LIVE_BUSINESS_HPP
#define STRESS_RUN_LIVE_BUSINESS_HPP

#include "app.hpp"
#include "fraud_workload.hpp"

#include <stress_testing/config/json.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <utility>

namespace stress_run {

/** Chains the live business figures onto `options.on_interval` (in front of the dashboard's,
    which start_dashboard chains later): each interval sets `ctx.live_business` to
    {business_metrics, hero_metrics, projections} and appends a point to `ctx.business_series`.
    Runs on the run's thread, like every interval callback. */
inline void attach_live_business(app_context& ctx, std::shared_ptr<fraud_workload> fraud,
                                 stress_testing::run::run_options& options) {
  namespace st = stress_testing;
  struct state {
    st::metrics::outcome_counters settled;  // every interval's outcomes so far
    double latency_sum_ms = 0;               // response times: weighted sum of the intervals' means
    std::int64_t latency_count = 0;
  };
  auto s = std::make_shared<state>();
  ctx.business_series = nlohmann::json::array();
  auto previous = std::move(options.on_interval);
  options.on_interval = [&ctx, fraud, s, previous](const st::run::interval_progress& p) {
    if (previous) previous(p);
    s->settled += p.interval.counters;
    auto const& rt = p.snapshot.response_time;
    if (rt.total_count() > 0) {
      s->latency_sum_ms += rt.mean() / 1e6 * static_cast<double>(rt.total_count());
      s->latency_count += rt.total_count();
    }
    auto const tally = fraud->live_tally();
    auto const& c = tally.counters();
    // With a session the intervals' outcomes mix in the steps that are no decision (feedback),
    // which live intervals do not tell apart: the live figures are then the tally's own
    // (every scoring request it saw); the final ones are reconciled per step (http_finisher).
    auto const acc = fraud->has_unscored_steps() ? tally.own_accounting()
                                                 : st::fraud::reconcile_settled(s->settled, c.answered(), c.unanswered());
    st::fraud::cost_model const cost;  // the one http_finisher prices the final figures with
    auto const business = tally.to_business_metrics(cost, p.elapsed_seconds, acc);
    auto hero = tally.to_hero_metrics(cost, p.elapsed_seconds, acc);
    if (s->latency_count > 0) hero.avg_response_time_ms = s->latency_sum_ms / static_cast<double>(s->latency_count);
    ctx.live_figures.business = business;
    ctx.live_figures.hero = hero;
    ctx.live_figures.billing = acc;
    ctx.live_business = {{"business_metrics", business},
                         {"hero_metrics", hero},
                         {"projections", st::report::detail::projections_json(business, p.elapsed_seconds)}};
    ctx.business_series.push_back({{"end_seconds", p.elapsed_seconds},
                                   {"transactions", hero.total_transactions},
                                   {"fraud_blocked", hero.fraud_blocked},
                                   {"money_saved", hero.money_saved},
                                   {"ai_accuracy", hero.ai_accuracy},
                                   {"correct", c.true_positives() + c.true_negatives()},
                                   {"false_positives", c.false_positives()},
                                   {"approved", c.legitimate.approved + c.fraudulent.approved + c.edge_case.approved},
                                   {"reviewed", c.reviews()},
                                   {"declined", c.legitimate.declined + c.fraudulent.declined + c.edge_case.declined},
                                   {"unanswered", acc.failed},
                                   {"uptime_percentage", hero.uptime_percentage}});
  };
}

}  // namespace stress_run

#endif
