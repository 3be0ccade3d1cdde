#ifndef STRESS_TESTING_LOAD_DETAIL_REQUEST_SLOTS_HPP
#define STRESS_TESTING_LOAD_DETAIL_REQUEST_SLOTS_HPP

#include <boost/asio/cancellation_signal.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace stress_testing::load::detail {

using clock = std::chrono::steady_clock;

/// `t + d`, saturated at the clock's range instead of overflowing (a timeout of
/// `nanoseconds::max()` means "never").
inline clock::time_point saturating_add(clock::time_point t, std::chrono::nanoseconds d) noexcept {
  auto const step = std::chrono::duration_cast<clock::duration>(d);
  if (step > clock::duration::zero() && t > clock::time_point::max() - step) return clock::time_point::max();
  return t + step;
}

/** One request the engine has started and whose operation has not returned yet. Slots are
    pooled (their cancellation signal keeps its handler memory), so a steady-state run does not
    allocate per request beyond what the target itself does. */
struct request_slot {
  boost::asio::cancellation_signal signal;  ///< connected to the request's completion handler
  clock::time_point intended{};             ///< from the schedule
  /// Where the response time counts from: the pacing grid's instant for the request, or when it
  /// was sent if that was earlier (`intended` without pacing). Lateness the pacing imposes by
  /// design is in the send lag, not in the response time (load/open_loop.hpp).
  clock::time_point timed_from{};
  clock::time_point sent{};                 ///< when async_request was called
  clock::time_point deadline{};             ///< sent + request timeout
  /// Bumped on each completion: a handler carrying an older value is stale and ignored.
  std::uint64_t generation = 0;
  request_slot* prev = nullptr;
  request_slot* next = nullptr;  ///< in the active list, or the pool's free list
  /// True once the outcome has been recorded (timed out, or abandoned at stop): the operation is
  /// cancelled but has not returned yet, and its completion only frees the slot.
  bool recorded = false;
};

/** Intrusive list of the requests whose outcome is not recorded yet, in send order. Every
    request gets the same timeout and send times never decrease, so the list is also in
    deadline order: the front is always the next request to time out. O(1) everything. */
class request_list {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  request_slot& front() const noexcept { return *head_; }

  void push_back(request_slot& s) noexcept {
    s.prev = tail_;
    s.next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = &s;
    } else {
      head_ = &s;
    }
    tail_ = &s;
    ++size_;
  }

  void erase(request_slot& s) noexcept {
    if (s.prev != nullptr) {
      s.prev->next = s.next;
    } else {
      head_ = s.next;
    }
    if (s.next != nullptr) {
      s.next->prev = s.prev;
    } else {
      tail_ = s.prev;
    }
    s.prev = s.next = nullptr;
    --size_;
  }

  request_slot& pop_front() noexcept {
    request_slot& s = *head_;
    erase(s);
    return s;
  }

 private:
  request_slot* head_ = nullptr;
  request_slot* tail_ = nullptr;
  std::size_t size_ = 0;
};

/** Slots with stable addresses, recycled through a free list. Grows to the largest number of
    operations outstanding at once (at most the in-flight bound), never with the run's length. */
class request_pool {
 public:
  request_pool() = default;
  request_pool(const request_pool&) = delete;
  request_pool& operator=(const request_pool&) = delete;

  request_slot& acquire() {
    if (free_ == nullptr) return slots_.emplace_back();
    request_slot& s = *free_;
    free_ = s.next;
    s.next = nullptr;
    return s;
  }

  void release(request_slot& s) noexcept {
    s.prev = nullptr;
    s.next = free_;
    free_ = &s;
  }

  /// Slots ever allocated: the peak number of outstanding operations.
  std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  std::deque<request_slot> slots_;
  request_slot* free_ = nullptr;
};

}  // namespace stress_testing::load::detail

#endif
