#ifndef STRESS_TESTING_TARGET_REQUEST_RESULT_HPP
#define STRESS_TESTING_TARGET_REQUEST_RESULT_HPP

#include <stress_testing/outcome.hpp>

#include <chrono>
#include <cstdint>

namespace stress_testing::target {

/** What one request reports to the engine: how it ended, and what it moved.

    A target completes every request with `(error_code, request_result)`. The engine records
    `kind` as the request's outcome, except that it decides `timeout` and `dropped` itself (it
    owns the clock and the in-flight bound) and that an error code with `kind == ok` counts as
    `io_error` (see `load::async_run_open_loop`). `http_status` is informative (0 when the target
    does not speak HTTP); use `from_http_status` to classify a status the way DESIGN.md §3 does.

    A plain aggregate: `request_result{outcome::ok}` works, and so do the factories below. */
struct request_result {
  outcome kind = outcome::ok;        ///< how the request ended
  unsigned http_status = 0;          ///< the HTTP status, 0 if none
  std::uint64_t bytes_in = 0;        ///< payload bytes received (headers included if counted)
  std::uint64_t bytes_out = 0;       ///< payload bytes sent (headers included if counted)
  /** When the response arrived, if the target knows it better than the instant it completes:
      `http_target` reading a batch of responses at once takes each one's kernel receive
      timestamp (issue 17). Default (epoch): the engine takes the completion's own instant. The
      engine bounds it to [sent, now]. */
  std::chrono::steady_clock::time_point completed_at{};

  /// A successful request that moved `in` bytes in and `out` bytes out.
  static constexpr request_result success(std::uint64_t in = 0, std::uint64_t out = 0) noexcept {
    return request_result{outcome::ok, 0, in, out};
  }

  /// A request that ended in `kind` (usually a failure: `io_error`, `connect_error`, ...).
  static constexpr request_result failure(outcome kind, std::uint64_t in = 0, std::uint64_t out = 0) noexcept {
    return request_result{kind, 0, in, out};
  }

  /// An HTTP response: `kind` is `classify_http_status(status)` (429 and 503 are `throttled`).
  static constexpr request_result from_http_status(unsigned status, std::uint64_t in = 0,
                                                   std::uint64_t out = 0) noexcept {
    return request_result{classify_http_status(status), status, in, out};
  }

  /// True when `kind == outcome::ok`.
  constexpr bool ok() const noexcept { return kind == outcome::ok; }

  friend constexpr bool operator==(const request_result&, const request_result&) = default;
};

}  // namespace stress_testing::target

#endif
