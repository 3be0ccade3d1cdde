#ifndef STRESS_TESTING_PROFILE_DETAIL_VALIDATE_HPP
#define STRESS_TESTING_PROFILE_DETAIL_VALIDATE_HPP

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stress_testing::profile::detail {

// std::isfinite is not constexpr before C++23; inf - inf and NaN - NaN are both NaN.
constexpr bool is_finite(double x) noexcept { return x - x == 0.0; }

/// Throws `std::invalid_argument("<name>: <rule> (got <value>)")`.
[[noreturn]] inline void throw_invalid(std::string_view name, std::string_view rule, double value) {
  char buf[32];
  auto const r = std::to_chars(buf, buf + sizeof buf, value);
  std::string msg;
  msg.reserve(name.size() + rule.size() + 16);
  msg.append(name).append(": ").append(rule).append(" (got ").append(buf, r.ptr).append(")");
  throw std::invalid_argument(msg);
}

/// Throws `std::invalid_argument("<name>: <rule>")`.
[[noreturn]] inline void throw_invalid(std::string_view name, std::string_view rule) {
  std::string msg;
  msg.append(name).append(": ").append(rule);
  throw std::invalid_argument(msg);
}

constexpr double require_non_negative(double x, std::string_view name) {
  if (!(is_finite(x) && x >= 0.0)) throw_invalid(name, "must be a finite number >= 0", x);
  return x;
}

constexpr double require_positive(double x, std::string_view name) {
  if (!(is_finite(x) && x > 0.0)) throw_invalid(name, "must be a finite number > 0", x);
  return x;
}

}  // namespace stress_testing::profile::detail

#endif
