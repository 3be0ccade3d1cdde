// Small parsers for stress-run's command line: durations ("30s", "2m", "250ms", "200us", "1h", "90"),
// header lines ("Name: value") and listen addresses ("127.0.0.1:8080").
#ifndef STRESS_RUN_CLI_UTIL_HPP
#define STRESS_RUN_CLI_UTIL_HPP

#include <stress_testing/detail/host_port.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace stress_run {

/// Seconds in `text`: a number with an optional unit us, ms, s, m or h (no unit: seconds).
inline std::optional<double> parse_duration(std::string_view text) {
  double value = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || !std::isfinite(value) || value < 0) return std::nullopt;
  std::string_view const unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty() || unit == "s") return value;
  if (unit == "ms") return value / 1000;
  if (unit == "us") return value / 1e6;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  return std::nullopt;
}

/// "Name: value" → {"Name", "value"}; nullopt without a colon or with an empty name.
inline std::optional<std::pair<std::string, std::string>> parse_header(std::string_view line) {
  auto const colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  auto const name = trim(line.substr(0, colon));
  if (name.empty()) return std::nullopt;
  return std::pair{std::string(name), std::string(trim(line.substr(colon + 1)))};
}

/// "host:port" → {host, port}; IPv6 as "[::1]:port".
inline std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  return stress_testing::detail::split_host_port(text);
}

}  // namespace stress_run

#endif
