// The fraud workload over HTTP: each request's body is the generator's transaction for its
// sequence number (docs/fraud_wire_format.md), and each answer is judged against that
// transaction's ground-truth label (regenerated from the sequence number: the generator is a
// pure function) into per-worker business tallies, merged after the run. A tally sees what reaches
// the HTTP target; http_settings.cpp reconciles it with the run's accounting (failures injected at
// the client, dropped requests). Each worker also publishes its counters after every answer
// (detail::published: no lock on the request path) for the live figures (live_business.hpp).
#ifndef STRESS_RUN_FRAUD_WORKLOAD_HPP
#define STRESS_RUN_FRAUD_WORKLOAD_HPP

#include <stress_testing/detail/published.hpp>
#include <stress_testing/fraud.hpp>
#include <stress_testing/metrics/agent_timings.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/target/http_session.hpp>
#include <stress_testing/target/http_target.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_run {

namespace st = stress_testing;

class fraud_workload {
 public:
  explicit fraud_workload(st::fraud::generator_options options) : generator_(options) {}

  /** The workload's named steps for `--session` (issue 15): `score` posts a transaction,
      `feedback` posts an analyst's label on the transaction the same user scored just before. */
  static std::optional<st::session_step> session_step_named(std::string_view name) {
    st::session_step s;
    s.name = std::string(name);
    s.method = "POST";
    if (name == "score") {
      s.path = "/v1/transactions/score";
      s.body_generator = "fraud_transaction";
    } else if (name == "feedback") {
      s.path = "/v1/transactions/feedback";
      s.body_generator = "fraud_feedback";
    } else {
      return std::nullopt;
    }
    return s;
  }

  /** The body generators a session may name: `fraud_transaction` (request N's transaction, as
      without a session) and `fraud_feedback` (the ground-truth label of the transaction of the
      same user's previous request: with score then feedback, the one just scored; a user's
      first request has none and refers to its own number, which the service never scored: 404). */
  st::target::http_step_body step_body(std::string_view name) const {
    auto const* gen = &generator_;
    if (name == "fraud_transaction")
      return [gen](const st::target::http_step_request& r, std::string& out) { st::fraud::write_json(gen->at(r.sequence), out); };
    if (name == "fraud_feedback")
      return [gen](const st::target::http_step_request& r, std::string& out) {
        st::fraud::write_feedback_json(gen->at(r.previous.value_or(r.sequence)), out);
      };
    return {};
  }

  /** Builds `o.steps` from `session`; only the steps that post transactions are judged as
      decisions (the others' answers are not scores). Returns the problems, each named. */
  std::vector<std::string> use_session(const std::vector<st::session_step>& session, st::target::http_target_options& o) {
    auto problems = st::target::http_steps_of(session, [this](std::string_view n) { return step_body(n); }, o.steps);
    scored_steps_.clear();
    for (auto const& s : session) scored_steps_.push_back(s.body_generator.value_or("") == "fraud_transaction");
    return problems;
  }

  /** The part of a run's accounting the tally is judged against: the whole run, or with a
      session only its scoring steps (a feedback is no decision; its figures are its step's). */
  st::load::run_summary scored_accounting(const st::load::run_summary& run) const {
    if (scored_steps_.empty() || run.steps.size() != scored_steps_.size()) return run;
    st::load::run_summary r;
    for (std::size_t i = 0; i < run.steps.size(); ++i) {
      if (!scored_steps_[i]) continue;
      r.intended += run.steps[i].outcomes.total();
      r.issued += run.steps[i].issued;
      r.outcomes += run.steps[i].outcomes;
    }
    return r;
  }

  /// True with a session whose steps are not all scoring steps.
  bool has_unscored_steps() const {
    for (bool s : scored_steps_)
      if (!s) return true;
    return false;
  }

  /// Makes `o` send worker `i`'s transactions and judge the answers (the http_factory's hook).
  void customize(std::size_t, st::target::http_target_options& o) {
    auto w = std::make_shared<worker>();
    {
      std::lock_guard lock(mutex_);
      workers_.push_back(w);
    }
    auto const* gen = &generator_;
    auto const scored = scored_steps_;  // empty without a session: every request is scored
    auto judged = [scored](std::size_t step) { return scored.empty() || (step < scored.size() && scored[step]); };
    o.method = boost::beast::http::verb::post;
    o.headers.emplace_back("Content-Type", "application/json");
    o.body_generator = [gen](std::uint64_t sequence, std::string& out) { st::fraud::write_json(gen->at(sequence), out); };
    o.keep_body = 4096;
    o.on_response = [gen, w, judged](const st::target::http_response_view& v) {
      if (!judged(v.step)) return;
      auto const tx = gen->at(v.sequence);
      auto const d = v.status == 200 ? st::fraud::parse_decision(v.body) : std::nullopt;
      if (!d) {
        w->tally.record_unanswered(tx);
        w->live.publish(w->tally.counters());
        return;
      }
      w->tally.record(tx, *d, st::fraud::parse_fraud_score(v.body));
      w->live.publish(w->tally.counters());
      // Each agent's status (ok, timeout, error, down): failures and timeouts per agent.
      st::fraud::for_each_agent_status(
          v.body, [&](std::string_view agent, std::string_view status) { w->agent_failures.record_status(agent, status); });
    };
    o.on_failure = [gen, w, judged](std::uint64_t sequence, st::outcome, std::size_t step) {
      if (!judged(step)) return;
      w->tally.record_unanswered(gen->at(sequence));
      w->live.publish(w->tally.counters());
    };
  }

  /// What the workers have tallied so far, from the counters each published after its last
  /// answer (any thread, while the run goes on; the workers never wait for it).
  st::fraud::business_tally live_tally() {
    std::lock_guard lock(mutex_);  // the list of workers only
    st::fraud::business_tally t;
    for (auto const& w : workers_) t.merge(st::fraud::business_tally(w->live.read()));
    return t;
  }

  /// Everything the workers tallied (call after the run).
  st::fraud::business_tally tally() {
    std::lock_guard lock(mutex_);
    st::fraud::business_tally t;
    for (auto const& w : workers_) t.merge(w->tally);
    return t;
  }

  /// Agents the service reported degraded, as failures per agent (call after the run).
  st::metrics::agent_timings agent_failures() {
    std::lock_guard lock(mutex_);
    st::metrics::agent_timings a;
    for (auto const& w : workers_) a.merge(w->agent_failures);
    return a;
  }

 private:
  struct worker {
    st::fraud::business_tally tally;
    st::metrics::agent_timings agent_failures;
    st::detail::published<st::fraud::business_counters> live;  // written by the worker only
  };
  st::fraud::transaction_generator generator_;
  std::vector<bool> scored_steps_;  // set before the workers' targets are made
  std::mutex mutex_;
  std::vector<std::shared_ptr<worker>> workers_;
};

}  // namespace stress_run

#endif
