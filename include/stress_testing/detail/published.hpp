#ifndef STRESS_TESTING_DETAIL_PUBLISHED_HPP
#define STRESS_TESTING_DETAIL_PUBLISHED_HPP

/** A value one thread keeps up to date and other threads read whole, without a lock: a sequence
    lock over a trivially copyable `T`. The writer (a worker, on its request path) never waits;
    a reader retries while a write is under way and so always gets one published value, never a
    mix of two. Every byte is copied through `std::atomic_ref` words, so there is no data race.

    Cost of `publish`: two sequence stores and sizeof(T)/8 relaxed word stores (plain moves on
    x86-64 and arm64). Pure layer: std only. */

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace stress_testing::detail {

template <class T>
class published {
  static_assert(std::is_trivially_copyable_v<T>, "published<T>: T must be trivially copyable");
  static constexpr std::size_t words = (sizeof(T) + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);

 public:
  published() noexcept { store_words(T{}); }

  /// Makes `v` the value readers see. One writer thread only.
  void publish(const T& v) noexcept {
    auto const s = sequence_.load(std::memory_order_relaxed);
    sequence_.store(s + 1, std::memory_order_relaxed);  // odd: a write is under way
    std::atomic_thread_fence(std::memory_order_release);
    store_words(v);
    sequence_.store(s + 2, std::memory_order_release);  // even: the value is whole
  }

  /// The last value published (a default `T` before the first). Any thread.
  T read() const noexcept {
    for (;;) {
      auto const before = sequence_.load(std::memory_order_acquire);
      if (before & 1u) continue;  // a write is under way: it ends within a few stores
      std::uint64_t copy[words];
      for (std::size_t i = 0; i < words; ++i)
        copy[i] = std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(words_[i])).load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (sequence_.load(std::memory_order_relaxed) != before) continue;  // torn: read again
      T out;
      std::memcpy(&out, copy, sizeof(T));
      return out;
    }
  }

 private:
  void store_words(const T& v) noexcept {
    std::uint64_t copy[words] = {};
    std::memcpy(copy, &v, sizeof(T));
    for (std::size_t i = 0; i < words; ++i) std::atomic_ref<std::uint64_t>(words_[i]).store(copy[i], std::memory_order_relaxed);
  }

  std::atomic<std::uint64_t> sequence_{0};
  alignas(std::atomic_ref<std::uint64_t>::required_alignment) std::uint64_t words_[words] = {};
};

}  // namespace stress_testing::detail

#endif
