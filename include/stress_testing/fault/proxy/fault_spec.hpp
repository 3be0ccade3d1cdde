#ifndef STRESS_TESTING_FAULT_PROXY_FAULT_SPEC_HPP
#define STRESS_TESTING_FAULT_PROXY_FAULT_SPEC_HPP

/** What the fault proxy (`fault/proxy.hpp`) can do to traffic, as data: one `fault_spec` per
    named fault ("toxic" in Toxiproxy's words), with Toxiproxy's type names, stream names and
    attribute names so that a Toxiproxy JSON document mostly reads as ours. Pure (std only): the
    proxy engine needs no JSON. The JSON mapping (`parse_fault_spec`, `to_json`) and the compact
    text form of the command line are in `fault/proxy/json.hpp` (docs/fault_proxy.md). */

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

/// Which way the bytes flow: `upstream` is client → server, `downstream` is server → client.
enum class stream_direction : std::uint8_t { upstream, downstream };

/// Each chunk is held `latency_ms` ± uniform `jitter_ms` (never below 0); order is kept.
struct latency_fault {
  double latency_ms = 0;
  double jitter_ms = 0;
};

/// Throughput cap in KB/s where 1 KB = 1000 bytes (Toxiproxy says KB and means 1024; we pick
/// the SI unit so that `rate_kb_per_s = 1000` is exactly 1 MB/s).
struct bandwidth_fault {
  double rate_kb_per_s = 0;
};

/// When the source closes its side, the close (FIN) reaches the destination `delay_ms` later.
struct slow_close_fault {
  double delay_ms = 0;
};

/// A black hole: no data goes through; after `timeout_ms` the connection is closed (0: held
/// until the fault is removed, which releases the held data, or the proxy stops).
struct timeout_fault {
  double timeout_ms = 0;
};

/// Toxiproxy's semantics: no data goes through in the fault's direction, and `timeout_ms` after
/// the first data arrives there (or its source closes), both sides are closed with a reset (RST).
struct reset_peer_fault {
  double timeout_ms = 0;
};

/// Data is cut into pieces of `average_size` ± `size_variation` bytes, `delay_us` apart.
struct slicer_fault {
  std::uint64_t average_size = 0;
  std::uint64_t size_variation = 0;
  double delay_us = 0;
};

/// After `bytes` bytes went through in the fault's direction, the connection is closed.
struct limit_data_fault {
  std::uint64_t bytes = 0;
};

/** HTTP mode: the proxy itself answers `fraction` of the requests with `status` (the decision
    for a request is a hash of the seed, the fault's name and the request's index: reproducible).
    `retry_after_seconds` adds a `Retry-After` header. */
struct http_status_fault {
  unsigned status = 503;
  std::optional<std::uint64_t> retry_after_seconds;
  std::string body;
  std::string content_type = "text/plain";
  double fraction = 1;
};

/// HTTP mode: the first `n` requests the proxy sees after the fault was added get `status`.
struct fail_first_fault {
  std::uint64_t n = 0;
  unsigned status = 503;
  std::optional<std::uint64_t> retry_after;
};

/// HTTP mode: each relayed response's header is held `headers_ms`, then its body `body_ms`.
struct http_delay_fault {
  double headers_ms = 0;
  double body_ms = 0;
};

/// The attributes of a fault; the alternative is the fault's type.
using fault_attributes =
    std::variant<latency_fault, bandwidth_fault, slow_close_fault, timeout_fault, reset_peer_fault, slicer_fault,
                 limit_data_fault, http_status_fault, fail_first_fault, http_delay_fault>;

/// The type names, in the order of `fault_attributes`' alternatives.
inline constexpr std::string_view fault_type_names[] = {"latency",    "bandwidth",   "slow_close", "timeout",
                                                        "reset_peer", "slicer",      "limit_data", "http_status",
                                                        "fail_first", "http_delay"};

/** One named fault. `toxicity` is the probability that a connection gets it (decided once per
    connection and fault, from the proxy's seed: reproducible). */
struct fault_spec {
  std::string name;
  stream_direction stream = stream_direction::downstream;
  double toxicity = 1;
  fault_attributes attributes;

  std::string_view type_name() const noexcept { return fault_type_names[attributes.index()]; }
  /// `http_status`, `fail_first` and `http_delay` need a proxy in HTTP mode.
  bool is_http() const noexcept {
    return std::holds_alternative<http_status_fault>(attributes) ||
           std::holds_alternative<fail_first_fault>(attributes) || std::holds_alternative<http_delay_fault>(attributes);
  }

  /// Every problem, each naming the field ("attributes.latency_ms: must be >= 0").
  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    if (name.empty()) out.push_back("name: must not be empty");
    if (name.find('/') != std::string::npos) out.push_back("name: must not contain '/'");
    if (!(toxicity >= 0 && toxicity <= 1)) out.push_back("toxicity: must be in [0, 1]");
    // Bounded so that durations cannot overflow the clock: a day is more than any test needs.
    auto non_negative = [&](const char* field, double v) {
      if (!(v >= 0) || !(v <= 86'400'000))
        out.push_back(std::string("attributes.") + field + ": must be >= 0 (and <= 86400000)");
    };
    auto status_ok = [&](const char* field, unsigned s) {
      if (s < 100 || s > 999) out.push_back(std::string("attributes.") + field + ": must be an HTTP status (100-999)");
    };
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, latency_fault>) {
            non_negative("latency_ms", a.latency_ms);
            non_negative("jitter_ms", a.jitter_ms);
          } else if constexpr (std::is_same_v<T, bandwidth_fault>) {
            if (!(a.rate_kb_per_s > 0) || !(a.rate_kb_per_s <= 1e12))
              out.push_back("attributes.rate_kb_per_s: must be > 0");
          } else if constexpr (std::is_same_v<T, slow_close_fault>) {
            non_negative("delay_ms", a.delay_ms);
          } else if constexpr (std::is_same_v<T, timeout_fault> || std::is_same_v<T, reset_peer_fault>) {
            non_negative("timeout_ms", a.timeout_ms);
          } else if constexpr (std::is_same_v<T, slicer_fault>) {
            if (a.average_size == 0) out.push_back("attributes.average_size: must be >= 1");
            if (a.size_variation >= a.average_size && a.average_size > 0)
              out.push_back("attributes.size_variation: must be < average_size");
            non_negative("delay_us", a.delay_us);
          } else if constexpr (std::is_same_v<T, limit_data_fault>) {
            (void)a;
          } else if constexpr (std::is_same_v<T, http_status_fault>) {
            status_ok("status", a.status);
            if (!(a.fraction >= 0 && a.fraction <= 1)) out.push_back("attributes.fraction: must be in [0, 1]");
            if (a.content_type.find_first_of("\r\n") != std::string::npos)
              out.push_back("attributes.content_type: must not contain line breaks");
          } else if constexpr (std::is_same_v<T, fail_first_fault>) {
            status_ok("status", a.status);
          } else if constexpr (std::is_same_v<T, http_delay_fault>) {
            non_negative("headers_ms", a.headers_ms);
            non_negative("body_ms", a.body_ms);
          }
        },
        attributes);
    return out;
  }
};

inline std::string_view to_string(stream_direction d) noexcept {
  return d == stream_direction::upstream ? "upstream" : "downstream";
}

namespace detail {

inline std::optional<fault_attributes> default_attributes(std::string_view type) {
  if (type == "latency") return latency_fault{};
  if (type == "bandwidth") return bandwidth_fault{};
  if (type == "slow_close") return slow_close_fault{};
  if (type == "timeout") return timeout_fault{};
  if (type == "reset_peer") return reset_peer_fault{};
  if (type == "slicer") return slicer_fault{};
  if (type == "limit_data") return limit_data_fault{};
  if (type == "http_status") return http_status_fault{};
  if (type == "fail_first") return fail_first_fault{};
  if (type == "http_delay") return http_delay_fault{};
  return std::nullopt;
}

/** Calls `f(name, member)` for each attribute of `a`: one table drives JSON reading and writing
    and the text form, so that they cannot disagree on a name. */
template <class A, class F>
void for_each_attribute(A& a, F&& f) {
  using T = std::remove_const_t<A>;
  if constexpr (std::is_same_v<T, latency_fault>) {
    f("latency_ms", a.latency_ms);
    f("jitter_ms", a.jitter_ms);
  } else if constexpr (std::is_same_v<T, bandwidth_fault>) {
    f("rate_kb_per_s", a.rate_kb_per_s);
  } else if constexpr (std::is_same_v<T, slow_close_fault>) {
    f("delay_ms", a.delay_ms);
  } else if constexpr (std::is_same_v<T, timeout_fault> || std::is_same_v<T, reset_peer_fault>) {
    f("timeout_ms", a.timeout_ms);
  } else if constexpr (std::is_same_v<T, slicer_fault>) {
    f("average_size", a.average_size);
    f("size_variation", a.size_variation);
    f("delay_us", a.delay_us);
  } else if constexpr (std::is_same_v<T, limit_data_fault>) {
    f("bytes", a.bytes);
  } else if constexpr (std::is_same_v<T, http_status_fault>) {
    f("status", a.status);
    f("retry_after_seconds", a.retry_after_seconds);
    f("body", a.body);
    f("content_type", a.content_type);
    f("fraction", a.fraction);
  } else if constexpr (std::is_same_v<T, fail_first_fault>) {
    f("n", a.n);
    f("status", a.status);
    f("retry_after", a.retry_after);
  } else if constexpr (std::is_same_v<T, http_delay_fault>) {
    f("headers_ms", a.headers_ms);
    f("body_ms", a.body_ms);
  }
}

}  // namespace detail

}  // namespace stress_testing::fault

#endif
