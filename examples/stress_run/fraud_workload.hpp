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
#include <stress_testing/target/http_target.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace stress_run {

namespace st = stress_testing;

class fraud_workload {
 public:
  explicit fraud_workload(st::fraud::generator_options options) : generator_(options) {}

  /// Makes `o` send worker `i`'s transactions and judge the answers (the http_factory's hook).
  void customize(std::size_t, st::target::http_target_options& o) {
    auto w = std::make_shared<worker>();
    {
      std::lock_guard lock(mutex_);
      workers_.push_back(w);
    }
    auto const* gen = &generator_;
    o.method = boost::beast::http::verb::post;
    o.headers.emplace_back("Content-Type", "application/json");
    o.body_generator = [gen](std::uint64_t sequence, std::string& out) { st::fraud::write_json(gen->at(sequence), out); };
    o.keep_body = 4096;
    o.on_response = [gen, w](const st::target::http_response_view& v) {
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
    o.on_failure = [gen, w](std::uint64_t sequence, st::outcome) {
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
  std::mutex mutex_;
  std::vector<std::shared_ptr<worker>> workers_;
};

}  // namespace stress_run

#endif
