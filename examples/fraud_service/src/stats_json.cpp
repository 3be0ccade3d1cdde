// The body of the service's `GET /stats` (server.hpp: write_stats_json), on its own: the keys are
// the contract with stress_testing::target::parse_service_stats and docs/fraud_wire_format.md.
// Polled once per sampling interval, never on the scoring path, so it is written with
// nlohmann_json rather than by hand.

#include <fraud_service/server.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <string_view>

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
      {"busy_slot_seconds", s.busy_slot_seconds},
      {"slot_seconds", s.slot_seconds},
      {"autoscaling", s.autoscaling ? nlohmann::json{{"min_slots", s.autoscaling->min_slots},
                                                     {"max_slots", s.autoscaling->max_slots},
                                                     {"pending_slots", s.autoscaling->pending_slots},
                                                     {"threshold", s.autoscaling->threshold},
                                                     {"utilization", s.autoscaling->utilization},
                                                     {"scale_outs", s.autoscaling->scale_outs},
                                                     {"scale_ins", s.autoscaling->scale_ins}}
                                    : nlohmann::json()},
      {"connections", s.connections},
      {"responses", std::move(responses)},
      {"decisions", {{"approve", s.approved}, {"review", s.reviewed}, {"decline", s.declined}}},
      {"scored", s.scored},
      {"feedback", {{"received", s.feedback_received}, {"unknown", s.feedback_unknown}, {"agreed", s.feedback_agreed}}},
      {"ai_confidence", s.scored > 0 ? nlohmann::json(s.confidence_sum / static_cast<double>(s.scored))
                                     : nlohmann::json()},
      {"resident_bytes", s.resident_bytes ? nlohmann::json(*s.resident_bytes) : nlohmann::json()},
      {"agents", std::move(agents)},
  };
  out = j.dump();
}

}  // namespace fraud_service

namespace fraud_service {

namespace {
void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  char v[64];
  std::snprintf(v, sizeof v, "%.17g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).append("\n").append(name).append(" ").append(v).append("\n");
}
}  // namespace

void write_metrics_text(const service_stats& s, std::string& out) {
  out.clear();
  auto n = [](auto v) { return static_cast<double>(v); };
  metric(out, "fraud_service_uptime_seconds", "gauge", "Seconds since the service started.", s.uptime_seconds);
  metric(out, "fraud_service_slots", "gauge", "Processing slots usable now.", n(s.max_concurrency));
  metric(out, "fraud_service_in_processing", "gauge", "Requests holding a slot now.", n(s.in_processing));
  metric(out, "fraud_service_queued", "gauge", "Requests waiting for a slot now.", n(s.queued));
  metric(out, "fraud_service_busy_slot_seconds_total", "counter", "Slot-time spent processing.", s.busy_slot_seconds);
  metric(out, "fraud_service_slot_seconds_total", "counter", "Usable slot-time.", s.slot_seconds);
  if (auto const& a = s.autoscaling) {
    metric(out, "fraud_service_pending_slots", "gauge", "Slots ordered by the autoscaler, still in their cold start.",
           n(a->pending_slots));
    metric(out, "fraud_service_utilization", "gauge",
           "Busy over usable slot-time in the autoscaler's last evaluation span.", a->utilization);
    metric(out, "fraud_service_autoscaling_threshold", "gauge", "Utilization at which the autoscaler adds slots.",
           a->threshold);
    metric(out, "fraud_service_min_slots", "gauge", "The autoscaler's lower bound.", n(a->min_slots));
    metric(out, "fraud_service_max_slots", "gauge", "The autoscaler's upper bound.", n(a->max_slots));
    metric(out, "fraud_service_scale_outs_total", "counter", "Orders of slots the autoscaler placed.", n(a->scale_outs));
    metric(out, "fraud_service_scale_ins_total", "counter", "Slot removals by the autoscaler.", n(a->scale_ins));
  }
  out += "# HELP fraud_service_responses_total Responses sent, by HTTP status.\n"
         "# TYPE fraud_service_responses_total counter\n";
  for (auto const& [status, count] : s.responses)
    out += "fraud_service_responses_total{status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
}

}  // namespace fraud_service
