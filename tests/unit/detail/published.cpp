// detail::published (detail/published.hpp): a reader on another thread always gets one whole
// published value, never a mix of two, while the writer publishes without waiting.
#include <stress_testing/detail/published.hpp>

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

namespace {
struct wide {
  std::array<std::uint64_t, 40> v{};  // 320 bytes: many words, so a torn read would show
};
}  // namespace

TEST_SUITE("detail") {
  TEST_CASE("published: single-threaded, the last value published is read") {
    stress_testing::detail::published<wide> cell;
    CHECK(cell.read().v[0] == 0);
    wide w;
    w.v.fill(7);
    cell.publish(w);
    CHECK(cell.read().v == w.v);
  }

  TEST_CASE("published: a concurrent reader sees whole values that never go backwards") {
    stress_testing::detail::published<wide> cell;
    std::atomic<bool> done{false};
    std::thread writer([&] {
      wide w;
      for (std::uint64_t k = 1; k <= 200000; ++k) {
        w.v.fill(k);
        cell.publish(w);
      }
      done.store(true);
    });
    std::uint64_t last = 0, reads = 0;
    bool whole = true, monotonic = true;
    while (!done.load() || reads == 0) {
      auto const r = cell.read();
      for (auto x : r.v) whole = whole && x == r.v[0];
      monotonic = monotonic && r.v[0] >= last;
      last = r.v[0];
      ++reads;
    }
    writer.join();
    CHECK(whole);
    CHECK(monotonic);
    CHECK(cell.read().v[0] == 200000);
  }
}
