#ifndef FRAUD_SERVICE_CAPACITY_HPP
#define FRAUD_SERVICE_CAPACITY_HPP

// The service's processing slots and FIFO waiting room in virtual time. Pure.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

namespace fraud_service {

/** The service's processing slots and waiting room, in virtual time: an exact FIFO M/G/c queue
    with at most `max_queue` waiting. Because each request's processing time is known when it is
    admitted, its start time is too (the earliest time a slot frees up, never before its
    arrival), so a request needs one timer and no wake-ups. Start times are non-decreasing in
    arrival order, which keeps the waiting room a simple deque. Pure: time is a parameter. */
class capacity_model {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  capacity_model(std::size_t max_concurrency, std::size_t max_queue)
      : max_concurrency_(max_concurrency), max_queue_(max_queue) {
    free_at_.reserve(max_concurrency);
  }

  /// A request arriving at `now` would find every slot busy and the waiting room full.
  bool full(time_point now) {
    if (free_at_.size() < max_concurrency_ || free_at_.front() <= now) return false;
    return queued(now) >= max_queue_;
  }

  /// Admits a request arriving at `now` that holds a slot for `processing`; returns its start.
  time_point admit(time_point now, clock::duration processing) {
    if (free_at_.size() < max_concurrency_) {
      free_at_.push_back(now + processing);
      std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
      return now;
    }
    std::pop_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
    time_point const start = std::max(now, free_at_.back());
    free_at_.back() = start + processing;
    std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
    if (start > now) {
      waiting_.push_back(start);
      peak_queue_ = std::max(peak_queue_, queued(now));
    }
    return start;
  }

  /// Requests waiting for a slot at `now`.
  std::size_t queued(time_point now) {
    while (!waiting_.empty() && waiting_.front() <= now) waiting_.pop_front();
    return waiting_.size();
  }

  /// Slots busy at `now`.
  std::size_t in_processing(time_point now) const {
    return static_cast<std::size_t>(std::count_if(free_at_.begin(), free_at_.end(), [&](time_point t) { return t > now; }));
  }

  std::size_t peak_queue() const noexcept { return peak_queue_; }

 private:
  std::size_t max_concurrency_, max_queue_;
  std::vector<time_point> free_at_;  // min-heap of the slots' free times (grows to max_concurrency)
  std::deque<time_point> waiting_;   // start times of the admitted requests not yet started
  std::size_t peak_queue_ = 0;
};

}  // namespace fraud_service

#endif
