#ifndef STRESS_TESTING_TARGET_PROMETHEUS_QUERY_HPP
#define STRESS_TESTING_TARGET_PROMETHEUS_QUERY_HPP

/** A target's capacity read from a Prometheus instant query (`stress-run --capacity-prometheus
    URL --capacity-query Q`): the query's URL, and the value of its answer. The HTTP GET is
    `target::http::prometheus_probe` (stats_probe.hpp); this header only builds and reads
    documents. Files layer (nlohmann_json, no Asio). */

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace stress_testing::target {

/// `base` + `/api/v1/query?query=` + `query` percent-encoded (RFC 3986: all but unreserved bytes).
inline std::string prometheus_query_url(std::string_view base, std::string_view query) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += "/api/v1/query?query=";
  for (unsigned char c : query) {
    bool const unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

/** The value of an instant query's answer (`{"status":"success","data":{"resultType":...,
    "result":...}}`): a `scalar`, or the sum of a `vector`'s samples (the capacity of every
    instance the query selects). Nullopt with `error` saying why: not that document, a status
    other than success (its `error`), an empty vector, or a value that is not a finite number. */
inline std::optional<double> parse_prometheus_value(std::string_view body, std::string& error) {
  auto const doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "prometheus: not a JSON object";
    return std::nullopt;
  }
  if (doc.value("status", std::string()) != "success") {
    auto const e = doc.find("error");
    error = "prometheus: " + (e != doc.end() && e->is_string() ? e->get<std::string>() : std::string("status is not success"));
    return std::nullopt;
  }
  auto const data = doc.find("data");
  if (data == doc.end() || !data->is_object()) {
    error = "prometheus: data: missing";
    return std::nullopt;
  }
  auto const type = data->value("resultType", std::string());
  auto const result = data->find("result");
  // A sample is [timestamp, "value"]: Prometheus writes the value as a string ("NaN", "+Inf" too).
  auto sample = [&error](const nlohmann::json& s) -> std::optional<double> {
    if (!s.is_array() || s.size() != 2 || !s[1].is_string()) {
      error = "prometheus: a sample must be [time, \"value\"]";
      return std::nullopt;
    }
    auto const text = s[1].get<std::string>();
    double v = 0;
    auto const r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || !std::isfinite(v)) {
      error = "prometheus: the value \"" + text + "\" is not a finite number";
      return std::nullopt;
    }
    return v;
  };
  if (result == data->end()) {
    error = "prometheus: data.result: missing";
    return std::nullopt;
  }
  if (type == "scalar") return sample(*result);
  if (type != "vector" || !result->is_array()) {
    error = "prometheus: data.resultType \"" + type + "\": give a query whose answer is a scalar or an instant vector";
    return std::nullopt;
  }
  if (result->empty()) {
    error = "prometheus: the query selected no series";
    return std::nullopt;
  }
  double sum = 0;
  for (auto const& series : *result) {
    if (!series.is_object() || !series.contains("value")) {
      error = "prometheus: a series without a value";
      return std::nullopt;
    }
    auto const v = sample(series["value"]);
    if (!v) return std::nullopt;
    sum += *v;
  }
  return sum;
}

}  // namespace stress_testing::target

#endif
