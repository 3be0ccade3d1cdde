#ifndef STRESS_TESTING_FAULT_PROXY_STATS_HPP
#define STRESS_TESTING_FAULT_PROXY_STATS_HPP

/** The fault proxy's counters as plain data (pure: std only), so that their JSON form
    (`fault/proxy/json.hpp`) does not need the proxy engine. */

#include <cstdint>
#include <map>
#include <string>

namespace stress_testing::fault {

/** A snapshot of a proxy's counters (`proxy::stats()`, any thread). */
struct proxy_stats {
  std::uint64_t connections_accepted = 0;  ///< accepted and served (refused ones not included)
  std::uint64_t connections_active = 0;
  std::uint64_t connections_refused = 0;   ///< closed at once because of `max_connections`
  std::uint64_t bytes_upstream = 0;        ///< client → server bytes written to the server
  std::uint64_t bytes_downstream = 0;      ///< server → client bytes written to the client
  std::uint64_t http_requests = 0;         ///< HTTP mode: complete requests read from clients
  std::uint64_t http_answered_by_proxy = 0;  ///< of which the proxy answered itself (faults, 413, 502)
  std::uint64_t buffered_bytes = 0;        ///< bytes held now, all connections
  /// The most bytes one direction of one connection ever held (TCP mode: <= `buffer_size`).
  std::uint64_t max_direction_buffered_bytes = 0;
  /// Per fault name: connections it was applied to (network faults, after toxicity), or
  /// requests it answered or delayed (HTTP faults).
  std::map<std::string, std::uint64_t> faults_applied;
};

}  // namespace stress_testing::fault

#endif
