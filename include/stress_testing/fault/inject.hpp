#ifndef STRESS_TESTING_FAULT_INJECT_HPP
#define STRESS_TESTING_FAULT_INJECT_HPP

/** In-process failure injection around any target (DESIGN.md §4), the client site of the failure
    model: `inject(target, plan, start)` is a target that applies `plan`'s decisions
    (`fault/plan.hpp`) to each request — waits the added latency, reports the injected failure,
    swallows the request (black hole), or passes it on to `target` — on the same executor.

    Time: a request's fate is decided on its *intended* send time (`target/request_context.hpp`,
    set by the engine), so a window [a, b) holds exactly the requests the schedule intended in it,
    however late they were sent; outside the engine (no context) on the time of the call. */

#include <stress_testing/fault/plan.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_context.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace stress_testing::fault {

namespace detail {

template <class Target>
struct injection_state {
  Target inner;
  fault_plan plan;
  std::chrono::steady_clock::time_point start;
  bool pass_all;  // the plan is empty: no decision is taken at all
};

/** Passes a delayed request on to the inner target with the engine's context set again, for the
    inner initiation only: the target still learns the request's intended time, user and session
    step (`target/request_context.hpp`) after the injected latency. A scope around the whole
    `co_await` would instead stay set on this thread while the coroutine is suspended. */
template <class Target>
struct forward_in_context {
  std::shared_ptr<injection_state<Target>> s;
  std::uint64_t sequence;
  std::optional<target::request_context> context;

  template <class Handler>
  void operator()(Handler&& handler) const {
    if (!context) return s->inner.async_request(sequence, std::forward<Handler>(handler));
    target::scoped_request_context const scope(*context);
    s->inner.async_request(sequence, std::forward<Handler>(handler));
  }
};

// A named coroutine (not a lambda): its state lives in its parameters (docs/style.md).
template <class Target>
boost::asio::awaitable<target::request_result> injected_request(std::shared_ptr<injection_state<Target>> s,
                                                                std::uint64_t sequence, decision d,
                                                                std::optional<target::request_context> context) {
  auto ex = co_await boost::asio::this_coro::executor;
  if (d.black_hole) {
    // Never answered: wait until cancelled (the engine's timeout or the end of the run).
    boost::asio::steady_timer forever(ex, std::chrono::steady_clock::time_point::max());
    co_await forever.async_wait(boost::asio::use_awaitable);
  }
  if (d.delay.count() > 0) {
    boost::asio::steady_timer t(ex, d.delay);
    co_await t.async_wait(boost::asio::use_awaitable);
  }
  if (d.result) co_return *d.result;
  // Named locals, not temporaries inside the co_await expression: GCC 12 destroys such a
  // temporary twice (its shared_ptr was released under the suspended coroutine).
  forward_in_context<Target> forward{s, sequence, context};
  auto op = boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, target::request_signature>(
      std::move(forward), boost::asio::use_awaitable);
  co_return co_await std::move(op);
}

}  // namespace detail

/** `Target` behind a fault plan. A request the plan leaves alone is passed to the inner target's
    `async_request` with the caller's handler (no frame, no allocation: the cost of an empty plan
    is one branch); a request the plan touches runs as one coroutine on the target's executor.

    Completion signature: `request_signature`. Cancellation: a delayed or black-holed request is
    cancelled through its handler's slot (completes with `operation_aborted`); a request passed on
    is the inner target's, cancellation included. Lifetimes: copies share the inner target and the
    plan; the state lives until the last request ends. Threading: one executor, as the inner
    target; `async_request` mutates the plan's per-worker state (throttle buckets, cold start). */
template <target::async_target Target>
class injected_target {
 public:
  using executor_type = boost::asio::any_io_executor;

  injected_target(Target target, fault_plan plan, std::chrono::steady_clock::time_point start)
      : executor_(target.get_executor()) {
    bool const pass = plan.options().empty();
    state_ = std::make_shared<detail::injection_state<Target>>(
        detail::injection_state<Target>{std::move(target), std::move(plan), start, pass});
  }

  executor_type get_executor() const noexcept { return executor_; }

  /// The wrapped target.
  Target& inner() noexcept { return state_->inner; }

  template <boost::asio::completion_token_for<target::request_signature> CompletionToken>
  auto async_request(std::uint64_t sequence, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, target::request_signature>(initiate{this}, token, sequence);
  }

 private:
  struct initiate {
    injected_target* self;

    template <class Handler>
    void operator()(Handler&& handler, std::uint64_t sequence) const {
      auto& s = *self->state_;
      if (s.pass_all) {
        s.inner.async_request(sequence, std::forward<Handler>(handler));
        return;
      }
      auto const* context = target::current_request();
      auto const at = context ? context->intended : std::chrono::steady_clock::now();
      double const t = std::chrono::duration<double>(at - s.start).count();
      decision d = s.plan.decide(sequence, t);
      if (d.passes_through()) {
        s.inner.async_request(sequence, std::forward<Handler>(handler));
        return;
      }
      std::optional<target::request_context> copy;
      if (context) copy = *context;
      boost::asio::co_spawn(self->executor_, detail::injected_request(self->state_, sequence, std::move(d), copy),
                            target::detail::request_completion<std::decay_t<Handler>>(std::forward<Handler>(handler)));
    }
  };

  executor_type executor_;
  std::shared_ptr<detail::injection_state<Target>> state_;
};

/** `target` with `plan`'s faults; `start` is the run's start (windows are seconds since then, and
    a request is judged at its intended time when the engine provides it). See `injected_target`.
    `Target` must be move-constructible and its `executor_type` convertible to `any_io_executor`. */
template <target::async_target Target>
injected_target<Target> inject(Target target, fault_plan plan, std::chrono::steady_clock::time_point start) {
  return injected_target<Target>(std::move(target), std::move(plan), start);
}

}  // namespace stress_testing::fault

#endif
