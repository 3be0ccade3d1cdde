#include <stress_testing/target/any_target.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/system/system_error.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using stress_testing::outcome;
using stress_testing::target::any_target;
using stress_testing::target::async_target;
using stress_testing::target::function_target;
using stress_testing::target::function_target_error;
using stress_testing::target::make_function_target;
using stress_testing::target::request_result;

// Named, not anonymous: coroutine frames of the library's templates hold these types, and GCC
// warns about frames whose members have internal linkage (-Wsubobject-linkage).
namespace function_target_test {

// Every async test runs the context for at most this long: a hang fails instead of blocking ctest.
constexpr auto hard_timeout = 10s;

struct completion {
  error_code ec;
  request_result result;
};

// A plain callback token storing the completion.
struct store_completion {
  std::optional<completion>* out;
  void operator()(error_code ec, request_result result) const { *out = completion{ec, result}; }
};

asio::awaitable<request_result> echo_sequence(std::uint64_t sequence) {
  co_return request_result{outcome::ok, 200, sequence, 2 * sequence};
}

asio::awaitable<outcome> always_throttled() { co_return outcome::throttled; }

// What the callable's coroutine saw when its wait ended.
struct probe {
  bool started = false;
  std::optional<error_code> wait_result;
};

asio::awaitable<request_result> wait_an_hour(std::shared_ptr<probe> p) {
  p->started = true;
  asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
  error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  p->wait_result = ec;
  if (ec) throw boost::system::system_error(ec);
  co_return request_result::success();
}

struct hour_long_request {
  std::shared_ptr<probe> p;
  asio::awaitable<request_result> operator()(std::uint64_t) const { return wait_an_hour(p); }
};

asio::awaitable<request_result> throw_runtime_error() {
  throw std::runtime_error("component failed");
  co_return request_result::success();
}

asio::awaitable<request_result> throw_system_error() {
  throw boost::system::system_error(asio::error::connection_reset);
  co_return request_result::success();
}

// A stateful callable: the state lives in the callable object, which the target keeps alive.
struct counting_request {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  asio::awaitable<request_result> operator()(std::uint64_t sequence) {
    ++*calls;
    return echo_sequence(sequence);
  }
};

template <class Target>
asio::awaitable<request_result> request_in_coroutine(Target& t, std::uint64_t sequence) {
  co_return co_await t.async_request(sequence, asio::use_awaitable);
}

struct store_result {
  std::optional<request_result>* out;
  void operator()(std::exception_ptr e, request_result r) const {
    if (!e) *out = r;
  }
};

// Emits `type` on `signal` after `delay`.
struct emit_later {
  asio::cancellation_signal* signal;
  asio::cancellation_type type;
  void operator()(error_code ec) const {
    if (!ec) signal->emit(type);
  }
};

using echo_target =
    function_target<asio::awaitable<request_result> (*)(std::uint64_t), asio::io_context::executor_type>;
static_assert(async_target<echo_target>);
static_assert(async_target<any_target>);
static_assert(async_target<function_target<hour_long_request>>);
static_assert(!async_target<int>);
static_assert(!async_target<probe>);

}  // namespace function_target_test

using namespace function_target_test;

TEST_SUITE("target") {
  TEST_CASE("a function target completes with the result its coroutine returns") {
    asio::io_context io;
    auto t = make_function_target(io, &echo_sequence);
    static_assert(std::is_same_v<decltype(t), echo_target>);
    std::optional<completion> done;
    t.async_request(21, store_completion{&done});
    io.run_for(hard_timeout);
    REQUIRE(done.has_value());
    CHECK_FALSE(done->ec);
    CHECK(done->result == request_result{outcome::ok, 200, 21, 42});
  }

  TEST_CASE("a callable without a sequence that returns an outcome is accepted") {
    asio::io_context io;
    auto t = make_function_target(io.get_executor(), &always_throttled);
    std::optional<completion> done;
    t.async_request(0, store_completion{&done});
    io.run_for(hard_timeout);
    REQUIRE(done.has_value());
    CHECK_FALSE(done->ec);
    CHECK(done->result.kind == outcome::throttled);
  }

  TEST_CASE("cancelling a request cancels the operation the callable awaits") {
    // Every cancellation type reaches the callable, not only the terminal one co_spawn passes by default.
    asio::cancellation_type type = asio::cancellation_type::terminal;
    SUBCASE("terminal") { type = asio::cancellation_type::terminal; }
    SUBCASE("partial") { type = asio::cancellation_type::partial; }
    SUBCASE("total") { type = asio::cancellation_type::total; }

    asio::io_context io;
    auto p = std::make_shared<probe>();
    auto t = make_function_target(io, hour_long_request{p});
    asio::cancellation_signal signal;
    std::optional<completion> done;
    auto const begin = std::chrono::steady_clock::now();
    t.async_request(7, asio::bind_cancellation_slot(signal.slot(), store_completion{&done}));
    asio::steady_timer trigger(io, 20ms);
    trigger.async_wait(emit_later{&signal, type});
    io.run_for(hard_timeout);

    REQUIRE(done.has_value());
    CHECK(p->started);
    REQUIRE(p->wait_result.has_value());
    CHECK(*p->wait_result == asio::error::operation_aborted);
    CHECK(done->ec == asio::error::operation_aborted);
    CHECK(done->result.kind == outcome::io_error);
    CHECK(std::chrono::steady_clock::now() - begin < 5s);
  }

  TEST_CASE("an exception thrown by the callable completes the request with io_error") {
    asio::io_context io;
    SUBCASE("any exception is reported as callable_threw") {
      auto t = make_function_target(io, &throw_runtime_error);
      std::optional<completion> done;
      t.async_request(0, store_completion{&done});
      io.run_for(hard_timeout);
      REQUIRE(done.has_value());
      CHECK(done->ec == function_target_error::callable_threw);
      CHECK(done->ec.category() == stress_testing::target::function_target_category());
      CHECK_FALSE(done->ec.message().empty());
      CHECK(done->result.kind == outcome::io_error);
    }
    SUBCASE("a system error keeps its code") {
      auto t = make_function_target(io, &throw_system_error);
      std::optional<completion> done;
      t.async_request(0, store_completion{&done});
      io.run_for(hard_timeout);
      REQUIRE(done.has_value());
      CHECK(done->ec == asio::error::connection_reset);
      CHECK(done->result.kind == outcome::io_error);
    }
  }

  TEST_CASE("a function target works with use_future and use_awaitable tokens") {
    asio::io_context io;
    auto t = make_function_target(io, &echo_sequence);
    std::future<request_result> future = t.async_request(5, asio::use_future);
    std::optional<request_result> awaited;
    asio::co_spawn(io, request_in_coroutine(t, 6), store_result{&awaited});
    io.run_for(hard_timeout);
    REQUIRE(future.wait_for(0s) == std::future_status::ready);
    CHECK(future.get().bytes_in == 5);
    REQUIRE(awaited.has_value());
    CHECK(awaited->bytes_in == 6);
  }

  TEST_CASE("a request in flight keeps the callable alive after the target is destroyed") {
    asio::io_context io;
    counting_request callable;
    std::shared_ptr<int> const calls = callable.calls;
    std::optional<completion> done;
    {
      auto t = make_function_target(io, callable);
      t.async_request(3, store_completion{&done});
    }
    io.run_for(hard_timeout);
    REQUIRE(done.has_value());
    CHECK(done->result.bytes_in == 3);
    CHECK(*calls == 1);
  }

  TEST_CASE("copies of a function target share one callable") {
    asio::io_context io;
    auto t = make_function_target(io, counting_request{});
    auto copy = t;
    std::optional<completion> first;
    std::optional<completion> second;
    t.async_request(1, store_completion{&first});
    copy.async_request(2, store_completion{&second});
    io.run_for(hard_timeout);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(*t.function().calls == 2);
    CHECK(&t.function() == &copy.function());
  }

  TEST_CASE("any_target forwards requests and cancellation to the wrapped target") {
    asio::io_context io;
    SUBCASE("results") {
      any_target t = make_function_target(io, &echo_sequence);
      any_target copy = t;
      CHECK(copy.target<echo_target>() != nullptr);
      CHECK(copy.target<function_target<hour_long_request>>() == nullptr);
      std::optional<completion> done;
      copy.async_request(4, store_completion{&done});
      io.run_for(hard_timeout);
      REQUIRE(done.has_value());
      CHECK_FALSE(done->ec);
      CHECK(done->result.bytes_out == 8);
    }
    SUBCASE("cancellation") {
      auto p = std::make_shared<probe>();
      std::optional<completion> done;
      asio::cancellation_signal signal;
      {
        // The handle goes away while its request is in flight: the operation keeps the target alive.
        any_target t = make_function_target(io, hour_long_request{p});
        t.async_request(9, asio::bind_cancellation_slot(signal.slot(), store_completion{&done}));
      }
      asio::steady_timer trigger(io, 20ms);
      trigger.async_wait(emit_later{&signal, asio::cancellation_type::terminal});
      io.run_for(hard_timeout);
      REQUIRE(done.has_value());
      CHECK(done->ec == asio::error::operation_aborted);
      CHECK(done->result.kind == outcome::io_error);
      REQUIRE(p->wait_result.has_value());
      CHECK(*p->wait_result == asio::error::operation_aborted);
    }
  }

  TEST_CASE("request_result factories classify the way the design says") {
    CHECK(request_result::success(3, 4) == request_result{outcome::ok, 0, 3, 4});
    CHECK(request_result::failure(outcome::connect_error).kind == outcome::connect_error);
    CHECK(request_result::from_http_status(200).ok());
    CHECK(request_result::from_http_status(429).kind == outcome::throttled);
    CHECK(request_result::from_http_status(503).kind == outcome::throttled);
    CHECK(request_result::from_http_status(500).kind == outcome::http_error);
    CHECK(request_result::from_http_status(404, 10, 20) == request_result{outcome::http_error, 404, 10, 20});
  }
}
