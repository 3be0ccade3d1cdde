#ifndef STRESS_TESTING_DETAIL_HOST_PORT_HPP
#define STRESS_TESTING_DETAIL_HOST_PORT_HPP

/** `HOST:PORT` text, as command lines and Toxiproxy's JSON give addresses (`127.0.0.1:8080`,
    `localhost:0`, `[::1]:9000`). Pure: the host is not resolved here. */

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace stress_testing::detail {

/// Splits at the last ':'; brackets around an IPv6 host are removed. Nullopt when there is no
/// host, no port, or the port is not a number in 0..65535.
inline std::optional<std::pair<std::string, std::uint16_t>> split_host_port(std::string_view text) {
  auto const colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto const p = text.substr(colon + 1);
  auto const [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (host.empty() || ec != std::errc{} || end != p.data() + p.size() || port > 65535) return std::nullopt;
  return std::pair{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace stress_testing::detail

#endif
