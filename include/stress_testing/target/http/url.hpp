#ifndef STRESS_TESTING_TARGET_HTTP_URL_HPP
#define STRESS_TESTING_TARGET_HTTP_URL_HPP

#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace stress_testing::target::http {

/** An absolute `http://` or `https://` URL split into what a client needs:
    `https://[::1]:8443/v1/score?x=1` → scheme "https", host "::1", port 8443, target
    "/v1/score?x=1". The fragment is dropped; user information is refused (credentials go in
    headers). Pure: no I/O, no resolution. */
struct url {
  std::string scheme;        ///< "http" or "https"
  std::string host;          ///< name or address, IPv6 without its brackets
  std::uint16_t port = 0;    ///< explicit, or 80 / 443 from the scheme
  std::string target = "/";  ///< path and query, always starting with '/'

  bool tls() const noexcept { return scheme == "https"; }

  /// The `Host` header value: host, bracketed if IPv6, with the port unless it is the default.
  std::string host_header() const {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls() ? 443 : 80)) h += ":" + std::to_string(port);
    return h;
  }

  /// Parses `text`; nullopt and `why` set (a sentence naming the problem) when it is not one.
  static std::optional<url> parse(std::string_view text, std::string* why = nullptr) {
    auto fail = [why](const char* reason) -> std::optional<url> {
      if (why) *why = reason;
      return std::nullopt;
    };
    url u;
    auto const sep = text.find("://");
    if (sep == std::string_view::npos) return fail("missing scheme (expected http:// or https://)");
    for (char c : text.substr(0, sep)) u.scheme += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (u.scheme != "http" && u.scheme != "https") return fail("unsupported scheme (expected http or https)");
    std::string_view rest = text.substr(sep + 3);
    if (auto const hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    auto const path_start = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, path_start);
    if (path_start != std::string_view::npos) {
      u.target = std::string(rest.substr(path_start));
      if (u.target.front() == '?') u.target.insert(u.target.begin(), '/');
    }
    if (authority.find('@') != std::string_view::npos)
      return fail("user information in URLs is not supported (send credentials in a header)");
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
      auto const close = authority.find(']');
      if (close == std::string_view::npos) return fail("unterminated IPv6 address");
      u.host = std::string(authority.substr(1, close - 1));
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') return fail("unexpected characters after the IPv6 address");
        port_text = after.substr(1);
        if (port_text.empty()) return fail("empty port");
      }
    } else {
      auto const colon = authority.rfind(':');
      if (colon != std::string_view::npos) {
        port_text = authority.substr(colon + 1);
        authority = authority.substr(0, colon);
        if (port_text.empty()) return fail("empty port");
      }
      u.host = std::string(authority);
    }
    if (u.host.empty()) return fail("missing host");
    if (port_text.empty()) {
      u.port = u.tls() ? 443 : 80;
    } else {
      unsigned value = 0;
      auto const [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
      if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
        return fail("port must be a number in 1..65535");
      u.port = static_cast<std::uint16_t>(value);
    }
    return u;
  }

  /// Parses `text` or throws `std::invalid_argument` naming the URL and the problem.
  static url parse_or_throw(std::string_view text) {
    std::string why;
    auto u = parse(text, &why);
    if (!u) throw std::invalid_argument("invalid URL '" + std::string(text) + "': " + why);
    return *std::move(u);
  }
};

}  // namespace stress_testing::target::http

#endif
