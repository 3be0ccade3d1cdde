#ifndef STRESS_TESTING_TARGET_HTTP_HEADER_FIELD_HPP
#define STRESS_TESTING_TARGET_HTTP_HEADER_FIELD_HPP

/** What makes a header line unsafe to put on the wire (RFC 9110 §5.1, §5.5): a name that is not
    a token, or a value holding CR, LF or NUL — with those a value would end its line and inject
    headers or a second request (header injection). Pure: std only. */

#include <optional>
#include <string>
#include <string_view>

namespace stress_testing::target::http {

/// Whether `c` may appear in a header name (RFC 9110 `tchar`).
constexpr bool is_token_char(char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/** Why `name: value` cannot be sent as a header line, or nullopt when it can. Obsolete line
    folding is refused with the rest: a value is one line. */
inline std::optional<std::string> header_field_problem(std::string_view name, std::string_view value) {
  if (name.empty()) return "the name is empty";
  for (char c : name)
    if (!is_token_char(c))
      return c == '\r' || c == '\n' || c == '\0' ? "the name contains a CR, LF or NUL character (header injection)"
                                                 : "the name contains '" + std::string(1, c) +
                                                       "', not allowed in a header name";
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return "the value contains a CR, LF or NUL character (header injection)";
  return std::nullopt;
}

}  // namespace stress_testing::target::http

#endif
