#ifndef STRESS_TESTING_LOAD_IMPL_OPEN_LOOP_HPP
#define STRESS_TESTING_LOAD_IMPL_OPEN_LOOP_HPP

// The open-model engine behind `async_run_open_loop` (declared and documented in
// load/open_loop.hpp, which includes this file last): how arrivals are paced and issued. The
// stop protocol and the run's completion are load/detail/run_state.hpp's.

#include <stress_testing/load/detail/adaptive_pacing.hpp>
#include <stress_testing/load/detail/request_slots.hpp>
#include <stress_testing/load/detail/run_state.hpp>
#include <stress_testing/load/open_loop.hpp>  // the options; a no-op when included from there
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/target/request_context.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/errc.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace stress_testing::load {
namespace detail {

// Consecutive arrivals issued without waiting (the generator is behind) before yielding once to
// let completions run: a long catch-up burst must not delay the completions it measures.
inline constexpr unsigned catch_up_batch = 16;
// Arrivals of a hand-written source counted as not sent at stop between two yields.
inline constexpr unsigned drop_batch = 65'536;

template <class State>
struct request_handler {
  std::shared_ptr<State> state;
  request_slot* slot;
  std::uint64_t generation;

  void operator()(boost::system::error_code ec, target::request_result result) {
    state->complete(*slot, generation, ec, result);
  }
};

template <class State>
struct timeout_handler {
  std::shared_ptr<State> state;

  void operator()(boost::system::error_code) { state->on_timeout(); }
};

/** One open-model run: the schedule, the requests in flight (pooled slots in send order, so
    that one timer serves every timeout) and the arrival timer. */
template <class Target, class Schedule>
class open_loop_state : public run_state<open_loop_state<Target, Schedule>, typename Target::executor_type> {
  using base = run_state<open_loop_state<Target, Schedule>, typename Target::executor_type>;

 public:
  using typename base::phase;
  using typename base::timer_type;

  open_loop_state(Target& target, Schedule schedule, metrics::interval_recorder& recorder, clock::time_point start,
                  const open_loop_options& options)
      : base(target.get_executor(), recorder, start, options.generator),
        target_(target),
        schedule_(std::move(schedule)),
        options_(options),
        arrival_timer_(this->executor_),
        timeout_timer_(this->executor_) {}

  // ---- the driver's steps (called from the coroutines below) --------------------------------

  std::optional<std::chrono::nanoseconds> next_arrival() noexcept(noexcept(std::declval<Schedule&>().next())) {
    auto next = schedule_.next();
    if (next) ++summary_.intended;
    return next;
  }
  std::uint64_t intended() const noexcept { return summary_.intended; }
  /** Takes the next arrival's intended instant (every arrival, in order) and returns the pacing
      grid's period for it: the fixed `pacing_granularity`, or the adaptive one, or 0 (exact). */
  clock::duration pace(clock::time_point intended) noexcept {
    auto const fixed = std::chrono::duration_cast<clock::duration>(options_.pacing_granularity);
    grid_ = fixed > clock::duration::zero() ? fixed : adaptive_.observe(intended);
    return grid_;
  }
  /// When to wake for an arrival due at `intended`: itself, or the next point of the current grid.
  clock::time_point paced(clock::time_point intended) const noexcept { return grid_wake(start_, intended, grid_); }
  timer_type& arrival_timer() noexcept { return arrival_timer_; }
  std::chrono::nanoseconds spin_before_deadline() const noexcept { return options_.spin_before_deadline; }

  /// The arrival found the run stopped: it is never sent, and is no outcome (not the target's doing).
  void not_sent_at_stop(std::uint64_t n = 1) noexcept { summary_.not_sent_at_stop += n; }

  /// After a stop: the arrivals never reached, counted in O(1) when the schedule can
  /// (`skip_remaining`, as `profile::arrival_schedule`); false when it must be walked.
  bool skip_unsent() noexcept {
    if constexpr (requires(Schedule& sc) {
                    { sc.skip_remaining() } -> std::convertible_to<std::uint64_t>;
                  }) {
      auto const n = static_cast<std::uint64_t>(schedule_.skip_remaining());
      summary_.intended += n;
      summary_.not_sent_at_stop += n;
      return true;
    } else {
      return false;
    }
  }

  /// An arrival at its intended time: send it, or drop it if the in-flight bound is reached.
  void arrive(std::uint64_t sequence, clock::time_point intended) {
    if (this->occupied() >= options_.max_in_flight) {
      recorder_.record_dropped(intended - start_);  // the target's slowness: tallied with its window
      summary_.outcomes.record(outcome::dropped);
      ++summary_.dropped_at_limit;
      return;
    }
    issue(sequence, intended, clock::now());
  }

  // ---- what run_state asks of an engine ------------------------------------------------------

  bool has_unrecorded() const noexcept { return !active_.empty(); }
  void interrupt_issuing() { arrival_timer_.cancel(); }
  void cancel_timers() {
    arrival_timer_.cancel();
    timeout_timer_.cancel();
  }

  /// Records every request still in flight as `timeout` and cancels its operation.
  void abandon_active() {
    auto const now = clock::now();
    while (!active_.empty()) {
      request_slot& r = active_.pop_front();
      r.recorded = true;
      this->record_outcome(outcome::timeout, r.intended, r.timed_from, r.sent, now, 0, 0);
      ++summary_.timed_out_at_stop;
      r.signal.emit(boost::asio::cancellation_type::terminal);  // may complete inline: r is not touched after
    }
  }

  // ---- handlers ------------------------------------------------------------------------

  void complete(request_slot& r, std::uint64_t generation, boost::system::error_code ec,
                const target::request_result& result) {
    if (r.generation != generation) return;  // stale: the slot was completed already
    ++r.generation;
    auto const now = clock::now();
    this->count_returned();
    if (this->finished()) {  // an abandoned operation returning late: only free the slot
      pool_.release(r);
      return;
    }
    if (!r.recorded) {
      active_.erase(r);
      this->record_outcome(classify(ec, result), r.intended, r.timed_from, r.sent, completed_when(result, r.sent, now),
                           result.bytes_in, result.bytes_out);
    }
    pool_.release(r);
    this->publish_in_flight();
    this->wake_if_settled();
  }

  void on_timeout() {
    timeout_armed_ = false;
    if (this->finished()) return;
    auto const now = clock::now();
    while (!active_.empty() && active_.front().deadline <= now) {
      request_slot& r = active_.pop_front();
      r.recorded = true;
      this->record_outcome(outcome::timeout, r.intended, r.timed_from, r.sent, now, 0, 0);
      r.signal.emit(boost::asio::cancellation_type::terminal);  // may complete inline: r is not touched after
    }
    this->wake_if_settled();
    arm_timeout();
  }

 private:
  using base::recorder_;
  using base::start_;
  using base::summary_;

  void issue(std::uint64_t sequence, clock::time_point intended, clock::time_point now) {
    request_slot& r = pool_.acquire();
    // The previous operation of this slot may have left its cancellation handler installed;
    // it has returned, so dropping the handler now is safe (emitting on it would not be).
    r.signal.slot().clear();
    r.intended = intended;
    r.sent = now;
    auto const planned = paced(intended);
    r.timed_from = planned < now ? planned : now;
    r.deadline = saturating_add(now, options_.request_timeout);
    r.recorded = false;
    std::uint64_t const generation = r.generation;
    active_.push_back(r);
    // Lateness the pacing grid imposes by design is not the generator falling behind.
    this->count_sent(now - intended, std::chrono::duration_cast<clock::duration>(options_.generator.late_threshold) + grid_);
    arm_timeout();
    try {
      target::request_context const context{sequence, intended, 0, 0, std::chrono::duration_cast<std::chrono::nanoseconds>(grid_)};
      target::scoped_request_context const scope(context);  // time-deciding targets read it
      target_.async_request(
          sequence, boost::asio::bind_cancellation_slot(
                        r.signal.slot(), request_handler<open_loop_state>{this->shared_from_this(), &r, generation}));
    } catch (...) {
      // The initiation failed, so the handler will not run: the request failed to be sent.
      complete(r, generation, make_error_code(boost::system::errc::io_error),
               target::request_result::failure(outcome::io_error));
    }
  }

  void arm_timeout() {
    if (timeout_armed_ || active_.empty() || this->finished()) return;
    timeout_armed_ = true;
    timeout_timer_.expires_at(active_.front().deadline);
    timeout_timer_.async_wait(timeout_handler<open_loop_state>{this->shared_from_this()});
  }

  Target& target_;
  Schedule schedule_;
  open_loop_options options_;
  adaptive_grid<clock::duration> adaptive_{
      std::chrono::duration_cast<clock::duration>(options_.adaptive_pacing_bound)};
  clock::duration grid_{0};  // the pacing grid's period for the arrival being issued
  timer_type arrival_timer_;
  timer_type timeout_timer_;  // armed for the front of active_ (or an earlier, stale deadline)
  request_pool pool_;
  request_list active_;  // sent, outcome not recorded yet, in send (= deadline) order
  bool timeout_armed_ = false;
};

// Waits until `deadline`: on the arrival timer, or (spin_before_deadline > 0) on the timer until
// `deadline - spin`, then by polling the clock between yields to the executor, so that
// completions keep running while the arrival is sent within a poll of its instant.
template <class State>
boost::asio::awaitable<void> wait_for_arrival(std::shared_ptr<State> s, clock::time_point deadline) {
  boost::system::error_code ec;
  auto const spin = std::chrono::duration_cast<clock::duration>(s->spin_before_deadline());
  auto const wake = spin > clock::duration::zero() ? deadline - spin : deadline;
  if (clock::now() < wake) {
    s->arrival_timer().expires_at(wake);
    co_await s->arrival_timer().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  while (!s->stop_requested() && clock::now() < deadline)
    co_await boost::asio::post(s->get_executor(), boost::asio::use_awaitable);
}

template <class State>
boost::asio::awaitable<void> issue_arrivals(std::shared_ptr<State> s) {
  unsigned catch_up = 0;
  while (!s->stop_requested()) {
    auto const offset = s->next_arrival();
    if (!offset) co_return;
    std::uint64_t const sequence = s->intended() - 1;
    auto const intended = s->start() + std::chrono::duration_cast<clock::duration>(*offset);
    s->pace(intended);
    if (clock::now() < intended) {
      catch_up = 0;
      co_await wait_for_arrival(s, s->paced(intended));
    } else if (++catch_up == catch_up_batch) {
      catch_up = 0;
      co_await boost::asio::post(s->get_executor(), boost::asio::use_awaitable);
    }
    if (s->stop_requested()) {
      s->not_sent_at_stop();
      co_return;
    }
    s->arrive(sequence, intended);
  }
}

// A schedule that cannot count its rest (a hand-written source) is walked, in slices that let
// completions run.
template <class State>
boost::asio::awaitable<void> walk_unsent(std::shared_ptr<State> s) {
  unsigned batch = 0;
  while (s->next_arrival()) {
    s->not_sent_at_stop();
    if (++batch == drop_batch) {
      batch = 0;
      co_await boost::asio::post(s->get_executor(), boost::asio::use_awaitable);
    }
  }
}

// The open model's issuing phase: every arrival at its instant, then (after a stop) the count
// of those never reached, so that `intended` is what the schedule would have produced.
template <class State>
boost::asio::awaitable<void> issue_schedule(std::shared_ptr<State> s) {
  co_await issue_arrivals(s);
  if (s->stop_requested() && !s->skip_unsent()) co_await walk_unsent(s);
}

struct initiate_open_loop {
  template <class Handler, class Target, class Schedule>
  void operator()(Handler&& handler, std::reference_wrapper<Target> target, Schedule schedule,
                  std::reference_wrapper<metrics::interval_recorder> recorder, clock::time_point start,
                  const open_loop_options& options) const {
    if (options.problem() != nullptr) return reject_run(std::forward<Handler>(handler), target.get().get_executor());
    using state_type = open_loop_state<Target, Schedule>;
    auto state = std::make_shared<state_type>(target.get(), std::move(schedule), recorder.get(), start, options);
    start_run(std::forward<Handler>(handler), state, issue_schedule(state), options.drain_grace, options.cancel_grace);
  }
};

}  // namespace detail

template <target::async_target Target, arrival_source Schedule,
          boost::asio::completion_token_for<run_signature> CompletionToken>
auto async_run_open_loop(Target& target, Schedule schedule, metrics::interval_recorder& recorder,
                         std::chrono::steady_clock::time_point start, const open_loop_options& options,
                         CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, run_signature>(detail::initiate_open_loop{}, token,
                                                                     std::ref(target), std::move(schedule),
                                                                     std::ref(recorder), start, options);
}

}  // namespace stress_testing::load

#endif
