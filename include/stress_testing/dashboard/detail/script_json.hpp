#ifndef STRESS_TESTING_DASHBOARD_DETAIL_SCRIPT_JSON_HPP
#define STRESS_TESTING_DASHBOARD_DETAIL_SCRIPT_JSON_HPP

#include <nlohmann/json.hpp>

#include <string>

namespace stress_testing::dashboard {

/** JSON text safe inside a `<script type="application/json">` element: `</` becomes `<\/` (a
    JSON escape of `/`) and `<!--` becomes `\u003c!--`, so no content can close the element or
    open a comment; invalid UTF-8 is replaced. Parses back to the same document. */
inline std::string script_safe_json(const nlohmann::json& doc) {
  auto const text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else if (text.compare(i, 4, "<!--") == 0) {
      out += "\\u003c";
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace stress_testing::dashboard

#endif
