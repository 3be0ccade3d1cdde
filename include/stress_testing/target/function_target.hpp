#ifndef STRESS_TESTING_TARGET_FUNCTION_TARGET_HPP
#define STRESS_TESTING_TARGET_FUNCTION_TARGET_HPP

#include <stress_testing/outcome.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/execution/executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/is_executor.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/errc.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

namespace stress_testing::target {

/** Errors of `function_target` (category `function_target_category()`, name
    "stress_testing.function_target"). */
enum class function_target_error {
  /// The callable threw something other than `boost::system::system_error` or `std::bad_alloc`.
  callable_threw = 1,
};

namespace detail {

class function_target_category_impl final : public boost::system::error_category {
 public:
  // A fixed id makes codes from different copies of this header (shared libraries) compare equal.
  constexpr function_target_category_impl() noexcept : error_category(0x7374'7466'6e74'6731ULL) {}
  const char* name() const noexcept override { return "stress_testing.function_target"; }
  std::string message(int value) const override {
    switch (static_cast<function_target_error>(value)) {
      case function_target_error::callable_threw:
        return "the target's callable threw an exception";
    }
    return "unknown function_target error";
  }
};

}  // namespace detail

/// The category of `function_target_error`.
inline const boost::system::error_category& function_target_category() noexcept {
  static const detail::function_target_category_impl category;
  return category;
}

/// Makes `function_target_error` usable as a `boost::system::error_code`.
inline boost::system::error_code make_error_code(function_target_error e) noexcept {
  return {static_cast<int>(e), function_target_category()};
}

}  // namespace stress_testing::target

template <>
struct boost::system::is_error_code_enum<stress_testing::target::function_target_error> : std::true_type {};

namespace stress_testing::target {

namespace detail {

template <class A>
struct awaitable_traits {
  static constexpr bool is_awaitable = false;
};

template <class T, class E>
struct awaitable_traits<boost::asio::awaitable<T, E>> {
  static constexpr bool is_awaitable = true;
  using value_type = T;
  using executor_type = E;
};

template <class A>
inline constexpr bool is_awaitable_v = awaitable_traits<A>::is_awaitable;

// Calls f(sequence) when it takes the sequence, f() otherwise.
template <class F>
decltype(auto) call_request_function(F& f, std::uint64_t sequence) {
  if constexpr (std::invocable<F&, std::uint64_t>) {
    return std::invoke(f, sequence);
  } else {
    return std::invoke(f);
  }
}

template <class F>
using request_function_result_t = decltype(call_request_function(std::declval<F&>(), std::uint64_t{}));

// What a request coroutine may return.
template <class T>
inline constexpr bool is_request_value_v = std::same_as<T, request_result> || std::same_as<T, outcome>;

// The coroutine behind every request: it holds the callable alive and lets every cancellation
// type through to it (the default filter only passes `terminal`).
template <class F, class AwaitableExecutor>
boost::asio::awaitable<request_result, AwaitableExecutor> run_request_function(std::shared_ptr<F> f,
                                                                               std::uint64_t sequence) {
  co_await boost::asio::this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
  using value_type = typename awaitable_traits<request_function_result_t<F>>::value_type;
  if constexpr (std::same_as<value_type, request_result>) {
    co_return co_await call_request_function(*f, sequence);
  } else {
    outcome const o = co_await call_request_function(*f, sequence);
    co_return request_result{o};
  }
}

inline boost::system::error_code error_from_exception(const std::exception_ptr& e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& x) {
    return x.code();
  } catch (const std::bad_alloc&) {
    return make_error_code(boost::system::errc::not_enough_memory);
  } catch (...) {
    return make_error_code(function_target_error::callable_threw);
  }
}

// co_spawn's completion handler: turns `(exception_ptr, request_result)` into
// `request_signature`. Every association (executor, allocator, cancellation slot) is the
// wrapped handler's (see the associator specialisation below).
template <class Handler>
class request_completion {
 public:
  explicit request_completion(Handler handler) : handler_(std::move(handler)) {}

  void operator()(std::exception_ptr e, request_result result) {
    boost::system::error_code ec;
    if (e) {
      ec = error_from_exception(e);
      result = request_result::failure(outcome::io_error);
    }
    std::move(handler_)(ec, result);
  }

  const Handler& handler() const noexcept { return handler_; }

 private:
  Handler handler_;
};

}  // namespace detail

}  // namespace stress_testing::target

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, stress_testing::target::detail::request_completion<Handler>,
                               DefaultCandidate> : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type get(
      const stress_testing::target::detail::request_completion<Handler>& h) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler());
  }
  static auto get(const stress_testing::target::detail::request_completion<Handler>& h,
                  const DefaultCandidate& c) noexcept
      -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler(), c)) {
    return Associator<Handler, DefaultCandidate>::get(h.handler(), c);
  }
};

namespace stress_testing::target {

/** A callable a `function_target` can wrap: `f(sequence)` (or `f()`) returning
    `asio::awaitable<request_result, E>` or `asio::awaitable<outcome, E>` for some executor `E`
    (`asio::any_io_executor` unless you chose otherwise). Called as a non-const lvalue. */
template <class F>
concept request_function =
    std::move_constructible<F> && (std::invocable<F&, std::uint64_t> || std::invocable<F&>) &&
    detail::is_awaitable_v<detail::request_function_result_t<F>> &&
    detail::is_request_value_v<typename detail::awaitable_traits<detail::request_function_result_t<F>>::value_type>;

/** The simplest target: a user coroutine per request, so that a team can stress-test an
    in-process component from a unit test (DESIGN.md §4).

    ```
    asio::awaitable<target::request_result> score(std::uint64_t sequence);  // the component
    auto t = target::make_function_target(io.get_executor(), &score);
    ```

    Each `async_request(sequence, token)` starts `f(sequence)` as a new coroutine on the
    target's executor (`asio::co_spawn`) and completes with its result:
    - the coroutine returned `r` (or an `outcome o`, taken as `request_result{o}`): `({}, r)`;
    - the coroutine threw `boost::system::system_error`: `(e.code(), {outcome::io_error})`, so an
      operation cancelled inside it reports `asio::error::operation_aborted`; `std::bad_alloc`:
      `errc::not_enough_memory`; anything else: `function_target_error::callable_threw`. An
      exception never escapes into the engine.

    Completion signature: `void(boost::system::error_code, request_result)` (`request_signature`).

    Cancellation: the completion handler's cancellation slot is connected to the coroutine, with
    every cancellation type enabled: emitting on it cancels the operation the callable is
    awaiting, which then normally throws `operation_aborted` (or the callable may catch it and
    return a result of its choice).

    Lifetimes: the callable is held by a `shared_ptr` shared by copies of the target and by
    every running request, so it lives until the last of them ends, even if the target is
    destroyed first; state the callable refers to must live as long. Write the callable's
    coroutine as a named function or a capture-less lambda with its state in parameters (the
    captures of a lambda coroutine live in the lambda object, here kept alive, but GCC 12
    miscompiles some lambdas inside `co_await` expressions).

    Thread safety: `f` runs on the target's executor. If several threads run that executor,
    several requests may call `f` concurrently; use a strand or make `f` thread-safe. A copy of
    the target is a handle to the same callable. */
template <request_function F, class Executor = boost::asio::any_io_executor>
class function_target {
  using awaitable_type = detail::request_function_result_t<F>;
  using awaitable_executor = typename detail::awaitable_traits<awaitable_type>::executor_type;
  static_assert(std::is_convertible_v<Executor, awaitable_executor>,
                "the target's executor must convert to the executor of the callable's awaitable");

 public:
  using executor_type = Executor;
  using function_type = F;

  /// A target running `f` on `executor`.
  function_target(const executor_type& executor, F f)
      : executor_(executor), function_(std::make_shared<F>(std::move(f))) {}

  /// The executor requests run on.
  executor_type get_executor() const noexcept { return executor_; }

  /// The wrapped callable (shared by every copy of this target).
  F& function() noexcept { return *function_; }
  const F& function() const noexcept { return *function_; }

  /** Runs the callable for request `sequence`. Completion signature `request_signature`; see
      the class comment for errors, cancellation and lifetimes. `*this` only needs to live until
      the operation is initiated (for deferred tokens: until it is launched). */
  template <boost::asio::completion_token_for<request_signature> CompletionToken>
  auto async_request(std::uint64_t sequence, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, request_signature>(initiate_request{this}, token, sequence);
  }

 private:
  struct initiate_request {
    function_target* self;

    using executor_type = Executor;
    executor_type get_executor() const noexcept { return self->executor_; }

    template <class Handler>
    void operator()(Handler&& handler, std::uint64_t sequence) const {
      boost::asio::co_spawn(self->executor_,
                            detail::run_request_function<F, awaitable_executor>(self->function_, sequence),
                            detail::request_completion<std::decay_t<Handler>>(std::forward<Handler>(handler)));
    }
  };

  executor_type executor_;
  std::shared_ptr<F> function_;
};

template <class Executor, request_function F>
function_target(Executor, F) -> function_target<F, Executor>;

/// A `function_target` running `f` on `executor`.
template <class Executor, class F>
  requires(boost::asio::execution::is_executor<Executor>::value || boost::asio::is_executor<Executor>::value) &&
          request_function<std::decay_t<F>>
function_target<std::decay_t<F>, Executor> make_function_target(const Executor& executor, F&& f) {
  return function_target<std::decay_t<F>, Executor>(executor, std::forward<F>(f));
}

/// A `function_target` running `f` on `context.get_executor()`.
template <class ExecutionContext, class F>
  requires std::is_convertible_v<ExecutionContext&, boost::asio::execution_context&> &&
           request_function<std::decay_t<F>>
function_target<std::decay_t<F>, typename ExecutionContext::executor_type> make_function_target(
    ExecutionContext& context, F&& f) {
  return function_target<std::decay_t<F>, typename ExecutionContext::executor_type>(context.get_executor(),
                                                                                    std::forward<F>(f));
}

}  // namespace stress_testing::target

#endif
