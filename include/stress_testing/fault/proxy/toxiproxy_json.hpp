#ifndef STRESS_TESTING_FAULT_PROXY_TOXIPROXY_JSON_HPP
#define STRESS_TESTING_FAULT_PROXY_TOXIPROXY_JSON_HPP

/** Toxiproxy's JSON shapes for the fault proxy (docs/fault_proxy.md, "Toxiproxy's API"): toxics
    with Toxiproxy's attribute names (`latency`, `jitter`, `rate`, `delay`, `timeout`, ...), the
    proxy document (`name`, `listen`, `upstream`, `enabled`, `toxics`) and the error body
    (`{"error": "...", "status": N}`). Files layer: pure data in, JSON out; the server that
    serves them is `fault/proxy/toxiproxy_server.hpp`.

    A toxic is a `fault_spec`: the types, streams and toxicity are the same; only some attribute
    names differ (ours carry their unit), and `toxiproxy_attribute_names` is the one table of
    those differences. Our HTTP faults (`http_status`, `fail_first`, `http_delay`) are extra
    toxic types with our attribute names. */

#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/json.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::fault {

/// One attribute whose Toxiproxy name differs from ours: `{type, toxiproxy, ours}`. The units
/// agree (`rate` is KB/s of 1000 bytes in both: Toxiproxy paces `rate` bytes per millisecond).
struct toxiproxy_attribute_name {
  std::string_view type;
  std::string_view toxiproxy;
  std::string_view ours;
};

inline constexpr toxiproxy_attribute_name toxiproxy_attribute_names[] = {
    {"latency", "latency", "latency_ms"},     {"latency", "jitter", "jitter_ms"},
    {"bandwidth", "rate", "rate_kb_per_s"},   {"slow_close", "delay", "delay_ms"},
    {"timeout", "timeout", "timeout_ms"},     {"reset_peer", "timeout", "timeout_ms"},
    {"slicer", "delay", "delay_us"}};

namespace detail {

/// `key` of `type` renamed: from Toxiproxy's name to ours (`to_ours`) or back; unchanged when
/// the table does not list it.
inline std::string_view toxiproxy_rename(std::string_view type, std::string_view key, bool to_ours) {
  for (auto const& a : toxiproxy_attribute_names)
    if (a.type == type && (to_ours ? a.toxiproxy : a.ours) == key) return to_ours ? a.ours : a.toxiproxy;
  return key;
}

/// Whether `key` is one of our names that the Toxiproxy shape spells differently.
inline bool toxiproxy_renamed(std::string_view type, std::string_view key) {
  return toxiproxy_rename(type, key, false) != key;
}

/// Toxiproxy's toxics hold integers; a whole number is written as one (100, not 100.0), so that
/// clients that decode into integer fields read it.
inline nlohmann::json toxiproxy_number(const nlohmann::json& v) {
  if (v.is_number_float()) {
    double const d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) return static_cast<std::int64_t>(d);
  }
  return v;
}

/// Our problem texts name our attributes ("attributes.latency_ms: ..."); say Toxiproxy's name.
inline void toxiproxy_problem_names(std::string_view type, std::vector<std::string>& problems, std::size_t from) {
  for (std::size_t i = from; i < problems.size(); ++i) {
    auto& p = problems[i];
    if (p.rfind("attributes.", 0) != 0) continue;
    auto const end = p.find(':');
    auto const name = p.substr(11, end == std::string::npos ? std::string::npos : end - 11);
    auto const renamed = toxiproxy_rename(type, name, false);
    if (renamed != name) p = "attributes." + std::string(renamed) + p.substr(11 + name.size());
  }
}

}  // namespace detail

/// A toxic in Toxiproxy's shape: `{"name", "type", "stream", "toxicity", "attributes"}`.
inline nlohmann::json to_toxiproxy_json(const fault_spec& f) {
  auto j = to_json(f);
  nlohmann::json attributes = nlohmann::json::object();
  for (auto const& [key, value] : j["attributes"].items())
    attributes[std::string(detail::toxiproxy_rename(f.type_name(), key, false))] = detail::toxiproxy_number(value);
  j["attributes"] = std::move(attributes);
  j["toxicity"] = detail::toxiproxy_number(j["toxicity"]);
  return j;
}

/** Reads a toxic in Toxiproxy's shape (Toxiproxy's defaults: stream `downstream`, toxicity 1,
    name `TYPE_STREAM`). Our spelling of a renamed attribute (`latency_ms`) is refused, like any
    unknown attribute. Nullopt and every problem, naming the field as the client spelt it. */
inline std::optional<fault_spec> parse_toxiproxy_toxic(const nlohmann::json& j, std::vector<std::string>& problems) {
  auto const before = problems.size();
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return parse_fault_spec(j, problems);
  std::string const type = j["type"].get<std::string>();
  nlohmann::json ours = j;
  if (auto const a = j.find("attributes"); a != j.end() && a->is_object()) {
    nlohmann::json renamed = nlohmann::json::object();
    for (auto const& [key, value] : a->items()) {
      if (detail::toxiproxy_renamed(type, key)) {
        problems.push_back("attributes." + key + ": unknown attribute for type " + type + " (Toxiproxy's name is " +
                           std::string(detail::toxiproxy_rename(type, key, false)) + ")");
        continue;
      }
      renamed[std::string(detail::toxiproxy_rename(type, key, true))] = value;
    }
    ours["attributes"] = std::move(renamed);
  }
  auto const checked = problems.size();
  auto f = parse_fault_spec(ours, problems);
  detail::toxiproxy_problem_names(type, problems, checked);
  if (problems.size() != before) return std::nullopt;
  return f;
}

/** Toxiproxy's update of a toxic: `body` may hold `attributes` (merged over the current ones) and
    `toxicity`; `name`, `type` and `stream` may be repeated but not changed. */
inline std::optional<fault_spec> update_toxiproxy_toxic(const fault_spec& current, const nlohmann::json& body,
                                                        std::vector<std::string>& problems) {
  if (!body.is_object()) {
    problems.push_back("(root): must be a JSON object");
    return std::nullopt;
  }
  auto merged = to_toxiproxy_json(current);
  for (auto const& [key, value] : body.items()) {
    if (key == "attributes") {
      if (!value.is_object()) {
        problems.push_back("attributes: must be an object");
        continue;
      }
      for (auto const& [akey, avalue] : value.items()) merged["attributes"][akey] = avalue;
    } else if (key == "name" || key == "type" || key == "stream") {
      if (value != merged[key]) problems.push_back(key + ": cannot be changed by an update (delete the toxic and create it)");
    } else {
      merged[key] = value;  // toxicity, or an unknown field the parser names
    }
  }
  if (!problems.empty()) return std::nullopt;
  return parse_toxiproxy_toxic(merged, problems);
}

/// A proxy as a client asks for it (`POST /proxies`, `/populate`, an update). `mode` is ours:
/// `"http"` makes an HTTP-mode proxy (our HTTP toxics); Toxiproxy's proxies are `"tcp"`.
struct toxiproxy_proxy_request {
  std::optional<std::string> name, listen, upstream, mode;
  std::optional<bool> enabled;
};

/** Reads a proxy document; `toxics` (the read-only part of the shape) is ignored, any other
    unknown field is a problem. Nullopt and every problem, each prefixed by `where`. */
inline std::optional<toxiproxy_proxy_request> parse_toxiproxy_proxy(const nlohmann::json& j,
                                                                    std::vector<std::string>& problems,
                                                                    const std::string& where = {}) {
  auto const before = problems.size();
  if (!j.is_object()) {
    problems.push_back(where + "(root): must be a JSON object");
    return std::nullopt;
  }
  toxiproxy_proxy_request r;
  for (auto const& [key, value] : j.items()) {
    if (key == "name" || key == "listen" || key == "upstream" || key == "mode") {
      if (!value.is_string()) {
        problems.push_back(where + key + ": must be a string");
        continue;
      }
      auto const s = value.get<std::string>();
      if (key == "name") r.name = s;
      else if (key == "listen") r.listen = s;
      else if (key == "upstream") r.upstream = s;
      else if (s != "tcp" && s != "http") problems.push_back(where + "mode: must be \"tcp\" or \"http\"");
      else r.mode = s;
    } else if (key == "enabled") {
      if (!value.is_boolean()) problems.push_back(where + "enabled: must be true or false");
      else r.enabled = value.get<bool>();
    } else if (key != "toxics") {
      problems.push_back(where + key + ": unknown field");
    }
  }
  if (r.name && (r.name->find('/') != std::string::npos)) problems.push_back(where + "name: must not contain '/'");
  if (problems.size() != before) return std::nullopt;
  return r;
}

/// Toxiproxy's error body.
inline nlohmann::json toxiproxy_error(const std::string& message, unsigned status) {
  return nlohmann::json{{"error", message}, {"status", status}};
}

}  // namespace stress_testing::fault

#endif
