#ifndef STRESS_TESTING_FAULT_PROXY_JSON_HPP
#define STRESS_TESTING_FAULT_PROXY_JSON_HPP

/** The JSON side of the fault proxy (docs/fault_proxy.md): faults in Toxiproxy's shape
    (`to_json`, `parse_fault_spec`, nlohmann's ADL hooks), the compact text form of the command
    line (read through the JSON form so that both check the same way), and the counters of
    `GET /stats`. Files layer: the data types are pure and the proxy engine does not include
    this header; the control API and the harness do. */

#include <stress_testing/fault/proxy/fault_spec.hpp>
#include <stress_testing/fault/proxy/stats.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace stress_testing::fault {

namespace detail {

/// Reads one attribute from JSON into `out`; on failure appends "attributes.NAME: why".
template <class V>
void read_attribute(const nlohmann::json& j, const std::string& name, V& out, std::vector<std::string>& problems) {
  auto const path = "attributes." + name;
  if constexpr (std::is_same_v<V, double>) {
    if (!j.is_number()) return problems.push_back(path + ": must be a number");
    out = j.get<double>();
  } else if constexpr (std::is_same_v<V, std::uint64_t> || std::is_same_v<V, unsigned>) {
    if (j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0)) {
      auto const v = j.get<std::uint64_t>();
      if (std::is_same_v<V, unsigned> && v > 0xFFFFFFFFull) return problems.push_back(path + ": too large");
      out = static_cast<V>(v);
    } else if (j.is_number_float() && j.get<double>() >= 0 && std::floor(j.get<double>()) == j.get<double>() &&
               j.get<double>() < 1.8e19) {
      out = static_cast<V>(j.get<double>());
    } else {
      problems.push_back(path + ": must be an integer >= 0");
    }
  } else if constexpr (std::is_same_v<V, std::optional<std::uint64_t>>) {
    if (j.is_null()) {
      out.reset();
      return;
    }
    std::uint64_t v = 0;
    auto const before = problems.size();
    read_attribute(j, name, v, problems);
    if (problems.size() == before) out = v;
  } else if constexpr (std::is_same_v<V, std::string>) {
    if (!j.is_string()) return problems.push_back(path + ": must be a string");
    out = j.get<std::string>();
  }
}

/// Parses one text-form attribute value into `out`; on failure appends "NAME: why".
template <class V>
void read_text_attribute(std::string_view text, const std::string& name, V& out, std::vector<std::string>& problems) {
  if constexpr (std::is_same_v<V, std::string>) {
    out = std::string(text);
  } else {
    nlohmann::json j;
    if constexpr (std::is_same_v<V, double>) {
      try {
        std::size_t used = 0;
        double const v = std::stod(std::string(text), &used);
        if (used != text.size()) throw std::invalid_argument("trailing");
        j = v;
      } catch (const std::exception&) {
        problems.push_back("attributes." + name + ": '" + std::string(text) + "' is not a number");
        return;
      }
    } else {
      std::uint64_t v = 0;
      auto const r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        problems.push_back("attributes." + name + ": '" + std::string(text) + "' is not an integer >= 0");
        return;
      }
      j = v;
    }
    read_attribute(j, name, out, problems);
  }
}

}  // namespace detail

/// The Toxiproxy-like JSON shape: `{"name", "type", "stream", "toxicity", "attributes": {...}}`.
inline nlohmann::json to_json(const fault_spec& f) {
  nlohmann::json attributes = nlohmann::json::object();
  std::visit(
      [&](const auto& a) {
        detail::for_each_attribute(a, [&](const char* key, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::optional<std::uint64_t>>) {
            if (v) attributes[key] = *v;
          } else {
            attributes[key] = v;
          }
        });
      },
      f.attributes);
  return nlohmann::json{{"name", f.name},
                        {"type", std::string(f.type_name())},
                        {"stream", std::string(to_string(f.stream))},
                        {"toxicity", f.toxicity},
                        {"attributes", std::move(attributes)}};
}

/** Reads a fault from the JSON shape of `to_json`. `type` is required; `stream` defaults to
    `downstream`, `toxicity` to 1, `name` to `TYPE_STREAM` (Toxiproxy's default), attributes to
    their defaults. Unknown attribute names are errors (a typo must not silently do nothing).
    Returns nullopt and appends every problem, each naming its field, to `problems`. */
inline std::optional<fault_spec> parse_fault_spec(const nlohmann::json& j, std::vector<std::string>& problems) {
  auto const before = problems.size();
  if (!j.is_object()) {
    problems.push_back("(root): must be a JSON object");
    return std::nullopt;
  }
  fault_spec f;
  auto const type_it = j.find("type");
  if (type_it == j.end() || !type_it->is_string()) {
    problems.push_back("type: required, a string (latency, bandwidth, slow_close, timeout, reset_peer, slicer, "
                       "limit_data, http_status, fail_first, http_delay)");
    return std::nullopt;
  }
  auto attributes = detail::default_attributes(type_it->get<std::string>());
  if (!attributes) {
    problems.push_back("type: unknown fault type '" + type_it->get<std::string>() + "'");
    return std::nullopt;
  }
  f.attributes = std::move(*attributes);
  for (auto const& [key, value] : j.items()) {
    if (key == "type") continue;
    if (key == "name") {
      if (!value.is_string()) problems.push_back("name: must be a string");
      else f.name = value.get<std::string>();
    } else if (key == "stream") {
      if (value == "upstream") f.stream = stream_direction::upstream;
      else if (value == "downstream") f.stream = stream_direction::downstream;
      else problems.push_back("stream: must be \"upstream\" or \"downstream\"");
    } else if (key == "toxicity") {
      if (!value.is_number()) problems.push_back("toxicity: must be a number in [0, 1]");
      else f.toxicity = value.get<double>();
    } else if (key == "attributes") {
      if (!value.is_object()) {
        problems.push_back("attributes: must be an object");
        continue;
      }
      for (auto const& attribute : value.items()) {
        // Named, not a structured binding: clang 14 (the fuzzing build) cannot capture bindings.
        std::string const& akey = attribute.key();
        auto const& avalue = attribute.value();
        bool known = false;
        std::visit(
            [&](auto& a) {
              detail::for_each_attribute(a, [&](const char* name, auto& member) {
                if (akey != name) return;
                known = true;
                detail::read_attribute(avalue, akey, member, problems);
              });
            },
            f.attributes);
        if (!known) problems.push_back("attributes." + akey + ": unknown attribute for type " + std::string(f.type_name()));
      }
    } else {
      problems.push_back(key + ": unknown field");
    }
  }
  if (f.name.empty() && j.find("name") == j.end()) f.name = std::string(f.type_name()) + "_" + std::string(to_string(f.stream));
  if (problems.size() == before) {
    auto more = f.problems();
    problems.insert(problems.end(), more.begin(), more.end());
  }
  if (problems.size() != before) return std::nullopt;
  return f;
}

/// The throwing form: `std::invalid_argument` listing every problem ("fault: a; b").
inline fault_spec parse_fault_spec(const nlohmann::json& j) {
  std::vector<std::string> problems;
  auto f = parse_fault_spec(j, problems);
  if (!f) {
    std::string text = "fault: ";
    for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
    throw std::invalid_argument(text);
  }
  return std::move(*f);
}

/// nlohmann's ADL hooks (`nlohmann::json j = spec;`, `j.get<fault_spec>()`, which throws
/// `std::invalid_argument` like `parse_fault_spec`).
inline void to_json(nlohmann::json& j, const fault_spec& f) { j = to_json(f); }
inline void from_json(const nlohmann::json& j, fault_spec& f) { f = parse_fault_spec(j); }

/** The compact text form for command lines: `TYPE[:STREAM][:KEY=VALUE,KEY=VALUE...]`, e.g.
    `latency:downstream:latency_ms=100,jitter_ms=10` or `http_status:status=503,fraction=0.3`.
    Keys are the attribute names plus `name` and `toxicity`. Values cannot contain `,` (use the
    JSON form for such a `body`). Returns nullopt and appends every problem to `problems`. */
inline std::optional<fault_spec> parse_fault_text(std::string_view text, std::vector<std::string>& problems) {
  nlohmann::json j = nlohmann::json::object();
  auto const colon = text.find(':');
  std::string_view const type = text.substr(0, colon);
  j["type"] = std::string(type);
  std::string_view rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (auto const c2 = rest.find(':'); c2 != std::string_view::npos || rest == "upstream" || rest == "downstream") {
    std::string_view const stream = rest.substr(0, c2);
    j["stream"] = std::string(stream);
    rest = c2 == std::string_view::npos ? std::string_view{} : rest.substr(c2 + 1);
  }
  auto attributes = detail::default_attributes(type);
  if (!attributes) {
    problems.push_back("type: unknown fault type '" + std::string(type) + "'");
    return std::nullopt;
  }
  nlohmann::json attrs = nlohmann::json::object();
  auto const before = problems.size();
  while (!rest.empty()) {
    auto const comma = rest.find(',');
    std::string_view const pair = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto const eq = pair.find('=');
    if (eq == std::string_view::npos) {
      problems.push_back("'" + std::string(pair) + "': expected KEY=VALUE");
      continue;
    }
    std::string const key(pair.substr(0, eq));
    std::string_view const value = pair.substr(eq + 1);
    if (key == "name") {
      j["name"] = std::string(value);
      continue;
    }
    if (key == "toxicity") {
      double t = 0;
      detail::read_text_attribute(value, key, t, problems);
      j["toxicity"] = t;
      continue;
    }
    bool known = false;
    std::visit(
        [&](auto& a) {
          detail::for_each_attribute(a, [&](const char* name, auto& member) {
            if (key != name) return;
            known = true;
            detail::read_text_attribute(value, key, member, problems);
          });
        },
        *attributes);
    if (!known) problems.push_back("attributes." + key + ": unknown attribute for type " + std::string(type));
  }
  if (problems.size() != before) return std::nullopt;
  // Through JSON so that defaults, names and checks are exactly those of the JSON form.
  std::visit([&](const auto& a) { attrs = to_json(fault_spec{"x", {}, 1, a})["attributes"]; }, *attributes);
  j["attributes"] = std::move(attrs);
  return parse_fault_spec(j, problems);
}

/// The throwing form of `parse_fault_text`.
inline fault_spec parse_fault_text(std::string_view text) {
  std::vector<std::string> problems;
  auto f = parse_fault_text(text, problems);
  if (!f) {
    std::string msg = "fault '" + std::string(text) + "': ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw std::invalid_argument(msg);
  }
  return std::move(*f);
}

/// `proxy_stats` as JSON (the control API's `GET /stats`).
inline nlohmann::json to_json(const proxy_stats& s) {
  return nlohmann::json{{"connections_accepted", s.connections_accepted},
                        {"connections_active", s.connections_active},
                        {"connections_refused", s.connections_refused},
                        {"bytes_upstream", s.bytes_upstream},
                        {"bytes_downstream", s.bytes_downstream},
                        {"http_requests", s.http_requests},
                        {"http_answered_by_proxy", s.http_answered_by_proxy},
                        {"buffered_bytes", s.buffered_bytes},
                        {"max_direction_buffered_bytes", s.max_direction_buffered_bytes},
                        {"faults_applied", s.faults_applied}};
}

}  // namespace stress_testing::fault

#endif
