#ifndef STRESS_TESTING_TARGET_ASYNC_TARGET_HPP
#define STRESS_TESTING_TARGET_ASYNC_TARGET_HPP

#include <stress_testing/target/request_result.hpp>

#include <boost/system/error_code.hpp>

#include <concepts>
#include <cstdint>

namespace stress_testing::target {

/// The completion signature of `async_request`: every target completes with it.
using request_signature = void(boost::system::error_code, request_result);

namespace detail {

/// A completion handler that accepts exactly `request_signature`: the concept's probe.
struct request_handler_archetype {
  void operator()(boost::system::error_code, request_result) {}
};

}  // namespace detail

/** Something the engine can send requests to (DESIGN.md §4): an HTTP connection pool, an
    in-process component behind a `function_target`, a failure injector wrapping another target.

    Requirements, for `T& t` and `std::uint64_t sequence`:
    - `typename T::executor_type` and `t.get_executor()`: the executor the target's operations
      run on. The engine runs its own timers and bookkeeping on it.
    - `t.async_request(sequence, token)`: an Asio initiating function (write it with
      `asio::async_initiate`) whose completion signature is `request_signature`,
      `void(boost::system::error_code, request_result)`. `sequence` is the request's index in
      the worker's schedule (the engine numbers arrivals, dropped ones included), so
      deterministic targets can key their behaviour on it.

    Semantics the engine relies on (the concept can only check the syntax):
    - Completion: exactly once, never inline from inside `async_request` (post or dispatch
      through the handler's associated executor, as every Asio operation does). An error code
      means the request failed; `request_result::kind` may then say how (`connect_error`, ...);
      `kind == ok` with an error code counts as `io_error`.
    - Cancellation: per-operation cancellation through the handler's associated cancellation
      slot. A target must support at least `cancellation_type::terminal` (the engine emits
      `terminal` on timeout and at the end of a run) and then complete promptly, normally with
      `asio::error::operation_aborted`. A target that ignores cancellation still works, but its
      abandoned requests keep occupying in-flight places until they finish.
    - Lifetimes: `t` must outlive its outstanding operations (the usual Asio rule for I/O
      objects); the engine keeps its own state alive until every completion has run.
    - Threading: the engine calls `async_request` and emits cancellation on `get_executor()`,
      one call at a time; a target need not be thread-safe beyond that. */
template <class T>
concept async_target = requires(T& t, std::uint64_t sequence) {
  typename T::executor_type;
  { t.get_executor() } -> std::convertible_to<typename T::executor_type>;
  t.async_request(sequence, detail::request_handler_archetype{});
};

}  // namespace stress_testing::target

#endif
