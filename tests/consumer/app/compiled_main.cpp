// A consumer's program built against stress_testing::compiled (separate compilation): it runs a
// request through a function target on an io_context, so it links Asio's compiled scheduler from
// the package's library rather than compiling it. Checks one known answer.
#include <stress_testing/target/function_target.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstdio>

#ifndef STRESS_TESTING_SEPARATE_COMPILATION
#error "stress_testing::compiled must define STRESS_TESTING_SEPARATE_COMPILATION for its users"
#endif

namespace st = stress_testing;

boost::asio::awaitable<st::target::request_result> answer(std::uint64_t sequence) {
  co_return sequence == 7 ? st::target::request_result::success()
                          : st::target::request_result::failure(st::outcome::io_error);
}

int main() {
  boost::asio::io_context io;
  auto target = st::target::make_function_target(io, &answer);
  bool ok = false;
  target.async_request(7, [&](boost::system::error_code ec, st::target::request_result r) {
    ok = !ec && r.kind == st::outcome::ok;
  });
  io.run();
  std::puts(ok ? "compiled consumer ok" : "compiled consumer: wrong answer");
  return ok ? 0 : 1;
}
