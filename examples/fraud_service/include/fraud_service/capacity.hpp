#ifndef FRAUD_SERVICE_CAPACITY_HPP
#define FRAUD_SERVICE_CAPACITY_HPP

// The service's processing slots and FIFO waiting room in virtual time, and the autoscaler that
// may change how many slots there are. Pure: time is a parameter.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace fraud_service {

/** The service's processing slots and waiting room, in virtual time: an exact FIFO M/G/c queue
    with at most `max_queue` waiting. Because each request's processing time is known when it is
    admitted, its start time is too (the earliest time a slot frees up, never before its
    arrival), so a request needs one timer and no wake-ups.

    The number of slots may change (`set_slots`, the autoscaler). A slot added is free at once
    for the requests admitted from then on; requests already waiting keep the start they were
    given (so right after a slot is added a newcomer may start before them). A slot removed while
    busy finishes the work it was given. Pure: time is a parameter. */
class capacity_model {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  capacity_model(std::size_t slots, std::size_t max_queue) : slots_(slots), max_queue_(max_queue) {
    free_at_.reserve(slots);
  }

  /// A request arriving at `now` would find every slot busy and the waiting room full.
  bool full(time_point now) {
    fit(now);
    if (free_at_.size() < slots_ || free_at_.front() <= now) return false;
    return queued(now) >= max_queue_;
  }

  /// Admits a request arriving at `now` that holds a slot for `processing`; returns its start.
  time_point admit(time_point now, clock::duration processing) {
    fit(now);
    admitted_ += processing;
    if (free_at_.size() < slots_) {
      free_at_.push_back(now + processing);
      std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
      return now;
    }
    std::pop_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
    time_point const start = std::max(now, free_at_.back());
    free_at_.back() = start + processing;
    std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
    if (start > now) {
      waiting_.push(start);
      peak_queue_ = std::max(peak_queue_, queued(now));
    }
    return start;
  }

  /// Sets the number of slots from `now` on (>= 1). Free slots beyond it go at once, busy ones
  /// when they have finished their work.
  void set_slots(std::size_t n, time_point now) {
    slots_ = std::max<std::size_t>(n, 1);
    fit(now);
  }

  std::size_t slots() const noexcept { return slots_; }

  /// Requests waiting for a slot at `now`.
  std::size_t queued(time_point now) {
    while (!waiting_.empty() && waiting_.top() <= now) waiting_.pop();
    return waiting_.size();
  }

  /// Slots busy at `now` (those being removed included, until they are done).
  std::size_t in_processing(time_point now) const {
    auto busy = [&](time_point t) { return t > now; };
    return static_cast<std::size_t>(std::count_if(free_at_.begin(), free_at_.end(), busy) +
                                    std::count_if(retired_.begin(), retired_.end(), busy));
  }

  /** Slot-time spent processing up to `now` (>= every admission so far), in seconds: the work
      admitted minus what is still ahead. Exact because a slot, once busy after the last
      admission, stays busy until its free time (a start is never later than necessary). */
  double busy_slot_seconds(time_point now) const {
    clock::duration ahead{0};
    for (auto t : free_at_) ahead += std::max(t - now, clock::duration::zero());
    for (auto t : retired_) ahead += std::max(t - now, clock::duration::zero());
    return std::chrono::duration<double>(admitted_ - ahead).count();
  }

  std::size_t peak_queue() const noexcept { return peak_queue_; }

 private:
  /// Brings the slots in use down to `slots_`: free ones go, then the earliest to free up are
  /// retired (they finish their work, and count as busy until then).
  void fit(time_point now) {
    std::erase_if(retired_, [&](time_point t) { return t <= now; });
    while (free_at_.size() > slots_) {
      std::pop_heap(free_at_.begin(), free_at_.end(), std::greater<>{});
      if (free_at_.back() > now) retired_.push_back(free_at_.back());
      free_at_.pop_back();
    }
  }

  std::size_t slots_, max_queue_;
  std::vector<time_point> free_at_;  // min-heap of the slots' free times (at most slots_)
  std::vector<time_point> retired_;  // free times of removed slots still finishing their work
  // Start times of the admitted requests not yet started (a min-heap: a slot added lets a
  // newcomer start before requests already waiting).
  std::priority_queue<time_point, std::vector<time_point>, std::greater<>> waiting_;
  clock::duration admitted_{0};  // processing time of every request admitted
  std::size_t peak_queue_ = 0;
};

/** How the service scales its processing slots (`service_options::autoscaling`), like Lambda's
    concurrency scaling: slots are added when utilisation stays at or above `threshold` for
    `sustain`, each addition usable only after `cold_start`; slots are removed when utilisation
    stays at or below `idle_below` for `idle_after`; always within [`min_slots`, `max_slots`]. */
struct autoscaling_options {
  bool enabled = false;
  std::size_t min_slots = 1;
  /// The most slots; must be >= the starting slots (`service_options::max_concurrency`).
  std::size_t max_slots = 0;
  double threshold = 0.8;  ///< utilisation (busy slot-time / slot-time) that asks for more slots
  std::chrono::milliseconds sustain{2000};     ///< how long it must hold before slots are added
  std::chrono::milliseconds cold_start{1000};  ///< from the decision until the new slots are usable
  std::size_t step = 1;                        ///< slots added (or removed) at a time
  double idle_below = 0.3;                     ///< utilisation at or below which slots are idle
  std::chrono::milliseconds idle_after{10'000};  ///< how long idle before `step` slots are removed
  /// How often utilisation is measured and the policy evaluated: the policy's time resolution.
  std::chrono::milliseconds evaluation_interval{250};

  /// Every problem, each naming its field (prefixed with `path`); empty when valid.
  std::vector<std::pair<std::string, std::string>> problems(std::size_t starting_slots) const {
    std::vector<std::pair<std::string, std::string>> ps;
    if (!enabled) return ps;
    if (min_slots < 1) ps.push_back({"min_slots", "must be >= 1"});
    if (max_slots < starting_slots || max_slots > 1'000'000)
      ps.push_back({"max_slots", "must be within [max_concurrency (the starting slots), 1000000]"});
    if (min_slots > starting_slots) ps.push_back({"min_slots", "must be <= max_concurrency (the starting slots)"});
    if (!(threshold > 0 && threshold <= 1)) ps.push_back({"threshold", "must be within (0, 1]"});
    if (!(idle_below >= 0 && idle_below < threshold)) ps.push_back({"idle_below", "must be within [0, threshold)"});
    if (sustain.count() < 0) ps.push_back({"sustain", "must be >= 0"});
    if (cold_start.count() < 0) ps.push_back({"cold_start", "must be >= 0"});
    if (idle_after.count() <= 0) ps.push_back({"idle_after", "must be > 0"});
    if (step < 1) ps.push_back({"step", "must be >= 1"});
    if (evaluation_interval.count() < 1 || evaluation_interval > std::chrono::seconds(60))
      ps.push_back({"evaluation_interval", "must be within [1 ms, 60 s]"});
    return ps;
  }
};

/** The autoscaling policy, on an injected clock (every call takes `now`; calls come in time
    order). The host calls `evaluate(now, busy)` every `evaluation_interval` with the busy slot-time
    so far (`capacity_model::busy_slot_seconds`), and asks `slots(now)` before admitting a request.

    Each evaluation measures utilisation over the span since the previous one: busy slot-time /
    usable slot-time, the latter integrated exactly over the moments slots became usable. A span
    at or above `threshold` starts (or continues) a period "above" from its beginning; once that
    period has lasted `sustain`, `step` slots are ordered (up to `max_slots`), usable `cold_start`
    later. One order at a time: while it warms up no other is placed, and the next needs a new
    `sustain` of its own, counted from when the ordered slots became usable. Likewise a period at
    or below `idle_below` removes `step` slots (down to `min_slots`) once it has lasted
    `idle_after`, and starts again.

    Known answer: utilisation above the threshold from t = 0, evaluations every 250 ms, sustain
    2 s, cold start 1 s: ordered at t = 2 s, usable at exactly t = 3 s. */
class autoscaler {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;
  using duration = clock::duration;

  autoscaler(const autoscaling_options& o, std::size_t starting_slots, time_point start)
      : o_(o), slots_(starting_slots), integrated_at_(start), evaluated_at_(start), last_usable_at_(start) {}

  /// Slots usable at `now` (an order whose cold start has ended counts).
  std::size_t slots(time_point now) {
    integrate(now);
    return slots_;
  }

  /// Slots ordered and still warming up at `now`.
  std::size_t pending_slots(time_point now) {
    integrate(now);
    return order_ ? order_->slots : 0;
  }

  /// Usable slot-time from the start to `now`, in seconds (the denominator of utilisation).
  double slot_seconds(time_point now) {
    integrate(now);
    return slot_seconds_;
  }

  /// Evaluates the span since the previous evaluation, given the busy slot-time from the start
  /// to `now`. Returns the span's utilisation.
  double evaluate(time_point now, double busy_slot_seconds) {
    integrate(now);
    time_point const from = evaluated_at_;
    double const usable = slot_seconds_ - evaluated_slot_seconds_;
    double const busy = busy_slot_seconds - evaluated_busy_;
    utilisation_ = usable > 0 ? busy / usable : 0.0;
    evaluated_at_ = now;
    evaluated_slot_seconds_ = slot_seconds_;
    evaluated_busy_ = busy_slot_seconds;

    if (utilisation_ >= o_.threshold && !order_) {
      if (!above_since_) above_since_ = std::max(from, last_usable_at_);
      if (now - *above_since_ >= o_.sustain && slots_ < o_.max_slots) {
        order_ = order{now + o_.cold_start, std::min(o_.step, o_.max_slots - slots_)};
        ++scale_outs_;
        above_since_.reset();
        integrate(now);  // a cold start of 0: usable at once
      }
    } else if (utilisation_ < o_.threshold) {
      above_since_.reset();
    }
    if (utilisation_ <= o_.idle_below && !order_) {
      if (!idle_since_) idle_since_ = from;
      if (now - *idle_since_ >= o_.idle_after && slots_ > o_.min_slots) {
        slots_ -= std::min(o_.step, slots_ - o_.min_slots);
        ++scale_ins_;
        idle_since_ = now;
      }
    } else {
      idle_since_.reset();
    }
    return utilisation_;
  }

  /// Utilisation of the last evaluated span (0 before the first).
  double utilisation() const noexcept { return utilisation_; }
  std::uint64_t scale_outs() const noexcept { return scale_outs_; }  ///< orders placed
  std::uint64_t scale_ins() const noexcept { return scale_ins_; }    ///< removals
  const autoscaling_options& options() const noexcept { return o_; }

 private:
  struct order {
    time_point usable_at;
    std::size_t slots;
  };

  /// Integrates usable slot-time up to `now`, making an order usable at its exact instant.
  void integrate(time_point now) {
    if (order_ && order_->usable_at <= now) {
      accumulate(order_->usable_at);
      slots_ += order_->slots;
      last_usable_at_ = order_->usable_at;
      order_.reset();
    }
    accumulate(now);
  }

  void accumulate(time_point t) {
    if (t <= integrated_at_) return;
    slot_seconds_ += static_cast<double>(slots_) * std::chrono::duration<double>(t - integrated_at_).count();
    integrated_at_ = t;
  }

  autoscaling_options o_;
  std::size_t slots_;
  std::optional<order> order_;
  time_point integrated_at_, evaluated_at_, last_usable_at_;
  double slot_seconds_ = 0, evaluated_slot_seconds_ = 0, evaluated_busy_ = 0, utilisation_ = 0;
  std::optional<time_point> above_since_, idle_since_;
  std::uint64_t scale_outs_ = 0, scale_ins_ = 0;
};

}  // namespace fraud_service

#endif
