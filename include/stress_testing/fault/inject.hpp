#ifndef STRESS_TESTING_FAULT_INJECT_HPP
#define STRESS_TESTING_FAULT_INJECT_HPP

/** In-process failure injection around any target (DESIGN.md §4): `inject(target, plan, start)`
    is a target that applies `plan`'s decisions (`fault/plan.hpp`) to each request — waits the
    added latency, reports the injected failure, swallows the request (black hole), or passes it
    on to `target` — on the same executor. */

#include <stress_testing/fault/plan.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace stress_testing::fault {

namespace detail {

template <class Target>
struct injection_state {
  Target inner;
  fault_plan plan;
  std::chrono::steady_clock::time_point start;
};

// A named coroutine (not a lambda): its state lives in its parameters (docs/style.md).
template <class Target>
boost::asio::awaitable<target::request_result> injected_request(std::shared_ptr<injection_state<Target>> s,
                                                                std::uint64_t sequence, decision d) {
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
  co_return co_await s->inner.async_request(sequence, boost::asio::use_awaitable);
}

template <class Target>
struct injector_call {
  std::shared_ptr<injection_state<Target>> state;
  boost::asio::awaitable<target::request_result> operator()(std::uint64_t sequence) const {
    double const t = std::chrono::duration<double>(std::chrono::steady_clock::now() - state->start).count();
    return injected_request(state, sequence, state->plan.decide(sequence, t));
  }
};

}  // namespace detail

/** `target` with `plan`'s faults; `start` is the run's start (windows are seconds since then).
    The result is a `function_target` on `target`'s executor: completion signature, cancellation
    (a cancelled delay or black hole completes with `operation_aborted`; cancellation of a request
    passed on reaches `target`'s operation) and lifetimes are that class's. Each injected request
    costs one coroutine frame; requests passed on without delay cost the same (the decision is
    taken inside the coroutine's first step). `Target` must be move-constructible and its
    `executor_type` convertible to `any_io_executor`. */
template <target::async_target Target>
auto inject(Target target, fault_plan plan, std::chrono::steady_clock::time_point start) {
  auto ex = boost::asio::any_io_executor(target.get_executor());
  auto state = std::make_shared<detail::injection_state<Target>>(
      detail::injection_state<Target>{std::move(target), std::move(plan), start});
  return target::make_function_target(ex, detail::injector_call<Target>{std::move(state)});
}

}  // namespace stress_testing::fault

#endif
