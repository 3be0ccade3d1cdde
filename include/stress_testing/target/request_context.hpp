#ifndef STRESS_TESTING_TARGET_REQUEST_CONTEXT_HPP
#define STRESS_TESTING_TARGET_REQUEST_CONTEXT_HPP

/** What the engine knows about the request it is starting, visible to the target while its
    `async_request` is being initiated: the request's *intended* send time. Targets that decide
    by time — the failure injector above all — decide on this instant, so a failure's window
    holds exactly the requests the schedule intended inside it, however late the generator sent
    them (docs/resilience.md). Pure: std only.

    The engine (`load/open_loop.hpp`, `load/closed_loop.hpp`) sets it for the duration of each
    `async_request` call on the worker's thread; outside such a call `current_request()` is
    null. Decorators read it during initiation only: a completion or a coroutine resumed later
    must copy what it needs first, and a decorator that passes a request on later (after a delay)
    sets the copy again around that inner initiation (`fault/inject.hpp`), so that the target
    still sees the request's user and step. */

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace stress_testing::target {

/** The request being initiated. The closed model (`load/closed_loop.hpp`) also says whose it
    is: `user` (the worker's virtual user, 0-based) and `step`, the step of that user's session
    (issue 15): a user's k-th request is step `k mod steps`, so a session of score then feedback
    alternates 0, 1, 0, 1... The open model has no users: both are 0. */
struct request_context {
  std::uint64_t sequence = 0;                       ///< the engine's number (decorators may renumber)
  std::chrono::steady_clock::time_point intended{};  ///< when the schedule meant it to be sent
  std::size_t user = 0;                             ///< closed model: the worker's user index
  std::size_t step = 0;                             ///< closed model: the step of the user's session
  /** The open model's pacing grid for this arrival (`load::open_loop_options`): the engine wakes
      about this often, so a target may notice completions that late without delaying anything
      if it reports their true instant (`request_result::completed_at`), as `http_target`'s
      batched reads do. 0: exact timing (a wake-up per arrival, or the closed model, whose user
      waits for the completion before its next request). */
  std::chrono::nanoseconds pacing_grid{0};
};

namespace detail {
inline thread_local const request_context* current_request_context = nullptr;
}  // namespace detail

/// The request whose `async_request` is running on this thread, or null.
inline const request_context* current_request() noexcept { return detail::current_request_context; }

/// Sets the current request for its lifetime (the engine wraps each `async_request` call in one).
class scoped_request_context {
 public:
  explicit scoped_request_context(const request_context& c) noexcept : previous_(detail::current_request_context) {
    detail::current_request_context = &c;
  }
  scoped_request_context(const scoped_request_context&) = delete;
  scoped_request_context& operator=(const scoped_request_context&) = delete;
  ~scoped_request_context() { detail::current_request_context = previous_; }

 private:
  const request_context* previous_;
};

}  // namespace stress_testing::target

#endif
