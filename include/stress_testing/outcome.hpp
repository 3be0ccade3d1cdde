#ifndef STRESS_TESTING_OUTCOME_HPP
#define STRESS_TESTING_OUTCOME_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace stress_testing {

/** How one intended request ended. Every intended request ends in exactly one of these, so
    `intended == sum over outcomes` is an invariant of every run (DESIGN.md §3).

    - `ok`: a response the target counts as success (HTTP 1xx-3xx, or the function target said so).
    - `http_error`: a 4xx/5xx response other than 429 and 503.
    - `throttled`: 429 Too Many Requests or 503 Service Unavailable: the target shed load.
    - `timeout`: no complete response within the per-request timeout.
    - `connect_error`: the connection could not be established.
    - `io_error`: the connection broke or the response could not be parsed.
    - `dropped`: never sent, because the in-flight bound was reached or the run ended first. */
enum class outcome : std::uint8_t { ok, http_error, throttled, timeout, connect_error, io_error, dropped };

/// Number of `outcome` values; arrays indexed by outcome have this size.
inline constexpr std::size_t outcome_count = 7;

/// All outcomes in declaration order, for loops over counters.
inline constexpr std::array<outcome, outcome_count> all_outcomes{
    outcome::ok,      outcome::http_error,    outcome::throttled, outcome::timeout,
    outcome::connect_error, outcome::io_error, outcome::dropped};

/// The outcome's name as it appears in JSON results and Prometheus labels.
constexpr std::string_view to_string(outcome o) noexcept {
  constexpr std::array<std::string_view, outcome_count> names{
      "ok", "http_error", "throttled", "timeout", "connect_error", "io_error", "dropped"};
  auto const i = static_cast<std::size_t>(o);
  return i < outcome_count ? names[i] : std::string_view{"unknown"};
}

/// Parses a name written by `to_string(outcome)`; nullopt for anything else.
constexpr std::optional<outcome> parse_outcome(std::string_view s) noexcept {
  for (auto o : all_outcomes)
    if (to_string(o) == s) return o;
  return std::nullopt;
}

/// Classifies an HTTP status code (DESIGN.md §3: 429 and 503 are throttling, not errors).
constexpr outcome classify_http_status(unsigned status) noexcept {
  if (status == 429 || status == 503) return outcome::throttled;
  if (status >= 100 && status < 400) return outcome::ok;
  return outcome::http_error;
}

}  // namespace stress_testing

#endif
