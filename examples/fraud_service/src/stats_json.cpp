// The body of the service's `GET /stats` (server.hpp: write_stats_json), on its own: the keys are
// the contract with stress_testing::target::parse_service_stats and docs/fraud_wire_format.md.
// Polled once per sampling interval, never on the scoring path, so it is written with
// nlohmann_json rather than by hand.

#include <fraud_service/server.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace fraud_service {

void write_stats_json(const service_stats& s, std::string& out) {
  auto const slots = static_cast<double>(s.max_concurrency);
  nlohmann::json agents = nlohmann::json::array();
  for (auto const& a : s.agents) {
    double const busy = a.busy_ms / 1000.0;
    // The mean share of the agent's slots in use since the service started (a load over a span
    // is the difference of two readings: stress_testing::target::agent_load).
    nlohmann::json load = s.uptime_seconds > 0 && slots > 0 ? nlohmann::json(busy / (s.uptime_seconds * slots))
                                                            : nlohmann::json();
    agents.push_back({{"name", a.name},
                      {"calls", a.calls},
                      {"timeouts", a.timeouts},
                      {"errors", a.errors},
                      {"busy_seconds", busy},
                      {"capacity", s.max_concurrency},
                      {"current_load", std::move(load)}});
  }
  nlohmann::json responses = nlohmann::json::object();
  for (auto const& [status, n] : s.responses) responses[std::to_string(status)] = n;
  nlohmann::json const j{
      {"uptime_seconds", s.uptime_seconds},
      {"in_flight", s.in_processing + s.queued},
      {"in_processing", s.in_processing},
      {"queued", s.queued},
      {"peak_queue", s.peak_queue},
      {"capacity", s.max_concurrency},
      {"max_queue", s.max_queue},
      {"connections", s.connections},
      {"responses", std::move(responses)},
      {"decisions", {{"approve", s.approved}, {"review", s.reviewed}, {"decline", s.declined}}},
      {"scored", s.scored},
      {"ai_confidence", s.scored > 0 ? nlohmann::json(s.confidence_sum / static_cast<double>(s.scored))
                                     : nlohmann::json()},
      {"resident_bytes", s.resident_bytes ? nlohmann::json(*s.resident_bytes) : nlohmann::json()},
      {"agents", std::move(agents)},
  };
  out = j.dump();
}

}  // namespace fraud_service
