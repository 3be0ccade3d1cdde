#ifndef STRESS_TESTING_TARGET_SERVICE_STATS_JSON_HPP
#define STRESS_TESTING_TARGET_SERVICE_STATS_JSON_HPP

/** Reads a service's `GET /stats` document into `target::service_stats`. The keys (all optional;
    unknown keys are ignored, so a service may report more):

        uptime_seconds  number >= 0        in_flight, queued, capacity, resident_bytes  integer >= 0
        ai_confidence   number in [0, 1]   agents  array of {name: string, busy_seconds: number >= 0,
                                                              capacity: number >= 0, calls: integer >= 0}
        busy_slot_seconds, slot_seconds  number >= 0
        autoscaling     object {threshold: number in [0, 1], utilization: number >= 0,
                                min_slots, max_slots, pending_slots: integer >= 0}

    A key present with the wrong type or range is an error naming it (`agents[2].busy_seconds:
    must be a number >= 0`); `null` reads as absent. Files layer (nlohmann_json, no Asio). */

#include <stress_testing/target/service_stats.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace stress_testing::target {

namespace service_stats_detail {

inline bool read_number(const nlohmann::json& o, const char* key, std::optional<double>& out, double lo, double hi,
                        const std::string& path, std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return true;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lo || it->get<double>() > hi) {
    error = path + key + ": must be a number in [" + std::to_string(lo) + ", " +
            (std::isinf(hi) ? std::string("inf") : std::to_string(hi)) + "]";
    return false;
  }
  out = it->get<double>();
  return true;
}

inline bool read_count(const nlohmann::json& o, const char* key, std::optional<std::uint64_t>& out,
                       const std::string& path, std::string& error) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return true;
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
    error = path + key + ": must be an integer >= 0";
    return false;
  }
  out = it->get<std::uint64_t>();
  return true;
}

}  // namespace service_stats_detail

/** Parses `body` into `out` (reset first). False, with `error` naming the field, when `body` is
    not a JSON object or a known key has the wrong type or range. */
inline bool parse_service_stats(std::string_view body, service_stats& out, std::string& error) {
  using namespace service_stats_detail;
  constexpr double inf = std::numeric_limits<double>::infinity();
  out = service_stats{};
  auto const doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "stats: not a JSON object";
    return false;
  }
  if (!read_number(doc, "uptime_seconds", out.uptime_seconds, 0, inf, "", error) ||
      !read_count(doc, "in_flight", out.in_flight, "", error) || !read_count(doc, "queued", out.queued, "", error) ||
      !read_count(doc, "capacity", out.capacity, "", error) ||
      !read_count(doc, "resident_bytes", out.resident_bytes, "", error) ||
      !read_number(doc, "ai_confidence", out.ai_confidence, 0, 1, "", error) ||
      !read_number(doc, "busy_slot_seconds", out.busy_slot_seconds, 0, inf, "", error) ||
      !read_number(doc, "slot_seconds", out.slot_seconds, 0, inf, "", error))
    return false;
  if (auto a = doc.find("autoscaling"); a != doc.end() && !a->is_null()) {
    if (!a->is_object()) {
      error = "autoscaling: must be an object";
      return false;
    }
    auto& x = out.autoscaling.emplace();
    if (!read_number(*a, "threshold", x.threshold, 0, 1, "autoscaling.", error) ||
        !read_number(*a, "utilization", x.utilization, 0, inf, "autoscaling.", error) ||
        !read_count(*a, "min_slots", x.min_slots, "autoscaling.", error) ||
        !read_count(*a, "max_slots", x.max_slots, "autoscaling.", error) ||
        !read_count(*a, "pending_slots", x.pending_slots, "autoscaling.", error))
      return false;
  }
  auto it = doc.find("agents");
  if (it == doc.end() || it->is_null()) return true;
  if (!it->is_array()) {
    error = "agents: must be an array";
    return false;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    auto const& a = (*it)[i];
    std::string const path = "agents[" + std::to_string(i) + "].";
    auto name = a.is_object() ? a.find("name") : a.end();
    if (!a.is_object() || name == a.end() || !name->is_string()) {
      error = path + "name: must be a string";
      return false;
    }
    agent_work w;
    w.name = name->get<std::string>();
    if (!read_number(a, "busy_seconds", w.busy_seconds, 0, inf, path, error) ||
        !read_number(a, "capacity", w.capacity, 0, inf, path, error) || !read_count(a, "calls", w.calls, path, error))
      return false;
    out.agents.push_back(std::move(w));
  }
  return true;
}

/// The same keys written back (absent figures as `null`): results.json `target_stats.first/last`.
inline nlohmann::json to_stats_json(const service_stats& s) {
  auto num = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  nlohmann::json agents = nlohmann::json::array();
  for (auto const& a : s.agents)
    agents.push_back({{"name", a.name}, {"busy_seconds", num(a.busy_seconds)}, {"capacity", num(a.capacity)},
                      {"calls", num(a.calls)}});
  return {{"uptime_seconds", num(s.uptime_seconds)},
          {"in_flight", num(s.in_flight)},
          {"queued", num(s.queued)},
          {"capacity", num(s.capacity)},
          {"resident_bytes", num(s.resident_bytes)},
          {"ai_confidence", num(s.ai_confidence)},
          {"busy_slot_seconds", num(s.busy_slot_seconds)},
          {"slot_seconds", num(s.slot_seconds)},
          {"autoscaling", s.autoscaling ? nlohmann::json{{"threshold", num(s.autoscaling->threshold)},
                                                         {"utilization", num(s.autoscaling->utilization)},
                                                         {"min_slots", num(s.autoscaling->min_slots)},
                                                         {"max_slots", num(s.autoscaling->max_slots)},
                                                         {"pending_slots", num(s.autoscaling->pending_slots)}}
                                        : nlohmann::json()},
          {"agents", std::move(agents)}};
}

}  // namespace stress_testing::target

#endif
