#ifndef FRAUD_SERVICE_SCORING_HPP
#define FRAUD_SERVICE_SCORING_HPP

// The orchestrator: runs every agent on a transaction, draws each agent's simulated latency and
// failure from its own seeded stream, drops the votes that miss their budget or fail, and
// combines the rest by a weighted noisy-OR into a fraud score and a decision. Pure.

#include <fraud_service/agents.hpp>
#include <fraud_service/options.hpp>
#include <fraud_service/transaction.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace fraud_service {

enum class decision : std::uint8_t { approve, review, decline };
inline constexpr std::array<std::string_view, 3> decision_names{"approve", "review", "decline"};

/// What became of one agent's call: `ok` votes; the others are dropped and listed in "degraded".
enum class agent_status : std::uint8_t { ok, timeout, error, down };
inline constexpr std::array<std::string_view, 4> agent_status_names{"ok", "timeout", "error", "down"};

struct agent_result {
  double score = 0;  ///< the agent's score (meaningless when down)
  double ms = 0;     ///< simulated time of the call: min(latency, budget); 0 when down
  agent_status status = agent_status::ok;
};

/** The outcome of scoring one transaction: per agent (in `service_options::agents` order), the
    combined score, the decision and the simulated processing time. */
struct evaluation {
  std::size_t agent_count = 0;
  std::array<agent_result, 4> agents{};
  /// Weighted noisy-OR of the votes that arrived (see `orchestrator`); empty when every vote was dropped.
  std::optional<double> fraud_score;
  /// `review` when every vote was dropped (fail safe: a human looks at it).
  fraud_service::decision decision = fraud_service::decision::approve;
  /// max over agents of `ms`, plus `orchestrator_ms`: how long the request holds a slot.
  double processing_ms = 0;
};

/// Counters of one agent (stats()).
struct agent_stats {
  std::string name;
  std::uint64_t calls = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t errors = 0;  ///< failed calls, including while down
  double mean_ms = 0;        ///< mean simulated call time (min(latency, budget))
  agent_fault fault;         ///< the fault currently injected
  double busy_ms = 0;        ///< the calls' simulated time, summed (counted when a request is admitted)
};

namespace detail {
constexpr double z_99 = 2.3263478740408408;  // the standard normal's 99th percentile

inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
}  // namespace detail

/** The mean processing time (ms) of a request: E[max_i min(X_i + extra_i, budget_i)] +
    orchestrator_ms, with X_i the agents' log-normal latencies (down agents take 0), by numerical
    integration of P(max > t). `faults` may be empty or one per agent. */
inline double mean_processing_ms(const std::vector<agent_config>& agents, const std::vector<agent_fault>& faults,
                                 double orchestrator_ms) {
  struct dist {
    double extra, mu, sigma, median, budget;
  };
  std::vector<dist> ds;
  double upper = 0;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    auto const& a = agents[i];
    agent_fault const f = i < faults.size() ? faults[i] : agent_fault{};
    if (f.down) continue;
    double const sigma = a.median_ms > 0 ? std::log(a.p99_ms / a.median_ms) / detail::z_99 : 0.0;
    double const mu = a.median_ms > 0 ? std::log(a.median_ms) : 0.0;
    ds.push_back({f.extra_latency_ms, mu, sigma, a.median_ms, a.budget_ms});
    double const tail = a.median_ms * std::exp(7.5 * sigma);  // P(X > tail) < 1e-13
    upper = std::max(upper, std::min(a.budget_ms, f.extra_latency_ms + tail));
  }
  if (upper <= 0) return orchestrator_ms;
  constexpr int steps = 8192;
  double const h = upper / steps;
  double sum = 0;
  for (int k = 0; k < steps; ++k) {
    double const t = (k + 0.5) * h;
    double all_below = 1;
    for (auto const& d : ds) {
      double cdf = 1;
      if (t < d.budget) {
        double const x = t - d.extra;
        if (x <= 0) cdf = d.median > 0 ? 0.0 : (x == 0 ? 1.0 : 0.0);
        else if (d.sigma == 0) cdf = x >= d.median ? 1.0 : 0.0;
        else cdf = detail::normal_cdf((std::log(x) - d.mu) / d.sigma);
      }
      all_below *= cdf;
    }
    sum += 1 - all_below;
  }
  return sum * h + orchestrator_ms;
}

/** Runs the agents on each transaction, in arrival order, and combines their votes. The votes
    that arrived (status ok), V, are combined by a **weighted noisy-OR**:

        fraud_score = 1 - prod_{i in V} (1 - score_i) ^ (weight_i / mean_{j in V} weight_j)

    — the probability that at least one agent's evidence is fraud, each agent's vote counting
    as much as its weight relative to the others (with the default weights the exponents are
    rules 1.0, ml 1.4, geo_velocity 0.8, identity 0.8). One confident vote carries the decision,
    suspicions add up, and a lone vote is its own score. A first card-testing probe (rules 0.57,
    identity 0.15, the others about 0.02) scores about 0.64, a review; the second (geo_velocity
    0.22 and identity 0.70 as well) about 0.87, a decline. fraud_score >= `decline_threshold`
    (0.70) declines, >= `review_threshold` (0.45) reviews, else approves; no vote at all reviews.

    Pure and deterministic: each agent draws its latency and failure from its own stream seeded by
    `seed` and its name, the stateful agents see the transactions in the order `evaluate` is
    called, and the scores never depend on the clock or the simulated latencies (only on the
    requests, event times included). Not thread-safe (the server holds a mutex). */
class orchestrator {
 public:
  explicit orchestrator(const service_options& options)
      : orchestrator_ms_(options.orchestrator_ms),
        decline_(options.decline_threshold),
        review_(options.review_threshold),
        geo_(uses(options, agent_kind::geo_velocity) ? options.card_table_slots : 1),
        devices_(uses(options, agent_kind::identity) ? options.card_table_slots : 1) {
    for (auto const& a : options.agents) {
      auto const kind = agent_kind_from_name(a.name);
      if (!kind) throw std::invalid_argument("fraud_service: unknown agent " + a.name);
      agent& g = agents_.emplace_back();
      g.kind = *kind;
      g.config = a;
      g.sigma = a.median_ms > 0 ? std::log(a.p99_ms / a.median_ms) / detail::z_99 : 0.0;
      g.mu = a.median_ms > 0 ? std::log(a.median_ms) : 0.0;
      g.rng.seed(detail::mix64(options.seed ^ detail::hash_key(a.name)));
    }
  }

  /// Scores `tx` with every agent, draws the simulated latencies and failures, fills `out`.
  void evaluate(const transaction& tx, evaluation& out) {
    out.agent_count = agents_.size();
    double weights = 0, slowest = 0;
    std::size_t votes = 0;
    for (std::size_t i = 0; i < agents_.size(); ++i) {
      agent& g = agents_[i];
      // Both draws happen on every call so that each stream advances identically whatever the outcome.
      double const z = g.normal(g.rng);
      double const u = std::uniform_real_distribution<double>(0.0, 1.0)(g.rng);
      agent_result& r = out.agents[i];
      ++g.calls;
      if (g.fault.down) {
        r = {0.0, 0.0, agent_status::down};
        ++g.errors;
        continue;
      }
      double const latency = (g.sigma > 0 ? std::exp(g.mu + g.sigma * z) : g.config.median_ms) + g.fault.extra_latency_ms;
      double const fail = 1 - (1 - g.config.error_rate) * (1 - g.fault.error_rate);
      r.score = score(g.kind, tx);
      if (latency > g.config.budget_ms) {
        r.ms = g.config.budget_ms;
        r.status = agent_status::timeout;
        ++g.timeouts;
      } else {
        r.ms = latency;
        r.status = u < fail ? agent_status::error : agent_status::ok;
        if (r.status == agent_status::error) ++g.errors;
      }
      g.total_ms += r.ms;
      slowest = std::max(slowest, r.ms);
      if (r.status == agent_status::ok) {
        weights += g.config.weight;
        ++votes;
      }
    }
    out.processing_ms = slowest + orchestrator_ms_;
    if (votes > 0) {
      // Weighted noisy-OR: each vote is the probability of fraud its agent sees, raised to its
      // weight relative to the mean weight of the votes that arrived.
      double clean = 1;  // probability that no agent's evidence is fraud
      for (std::size_t i = 0; i < agents_.size(); ++i)
        if (out.agents[i].status == agent_status::ok)
          clean *= std::pow(1.0 - detail::clamp01(out.agents[i].score),
                            agents_[i].config.weight * static_cast<double>(votes) / weights);
      double const s = detail::clamp01(1.0 - clean);
      out.fraud_score = s;
      out.decision = s >= decline_ ? decision::decline : (s >= review_ ? decision::review : decision::approve);
    } else {
      out.fraud_score.reset();
      out.decision = decision::review;
    }
    ++decisions_[static_cast<std::size_t>(out.decision)];
  }

  /// Injects (or, with `agent_fault{}`, clears) a fault; false when no agent has that name.
  bool set_fault(std::string_view name, const agent_fault& fault) {
    for (auto& g : agents_)
      if (g.config.name == name) {
        g.fault = fault;
        return true;
      }
    return false;
  }

  std::vector<agent_fault> faults() const {
    std::vector<agent_fault> fs;
    for (auto const& g : agents_) fs.push_back(g.fault);
    return fs;
  }

  std::vector<agent_stats> stats() const {
    std::vector<agent_stats> out;
    for (auto const& g : agents_)
      out.push_back({g.config.name, g.calls, g.timeouts, g.errors,
                     g.calls ? g.total_ms / static_cast<double>(g.calls) : 0.0, g.fault, g.total_ms});
    return out;
  }

  /// Decisions taken so far: approve, review, decline.
  const std::array<std::uint64_t, 3>& decisions() const noexcept { return decisions_; }

 private:
  struct agent {
    agent_kind kind = agent_kind::rules;
    agent_config config;
    double mu = 0, sigma = 0;
    std::mt19937_64 rng;
    std::normal_distribution<double> normal;
    agent_fault fault;
    std::uint64_t calls = 0, timeouts = 0, errors = 0;
    double total_ms = 0;
  };

  static bool uses(const service_options& o, agent_kind k) {
    return std::any_of(o.agents.begin(), o.agents.end(),
                       [&](const agent_config& a) { return a.name == agent_names[static_cast<std::size_t>(k)]; });
  }

  double score(agent_kind k, const transaction& tx) noexcept {
    switch (k) {
      case agent_kind::rules: return rules_score(tx);
      case agent_kind::ml: return ml_score(tx);
      case agent_kind::geo_velocity: return geo_.score(tx);
      case agent_kind::identity: return devices_.score(tx);
    }
    return 0;
  }

  std::vector<agent> agents_;
  double orchestrator_ms_, decline_, review_;
  geo_velocity_table geo_;
  device_table devices_;
  std::array<std::uint64_t, 3> decisions_{};
};

}  // namespace fraud_service

#endif
