#ifndef STRESS_TESTING_LOAD_OPEN_LOOP_HPP
#define STRESS_TESTING_LOAD_OPEN_LOOP_HPP

#include <stress_testing/load/detail/request_slots.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/outcome_counters.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/wait_traits.hpp>
#include <boost/system/errc.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace stress_testing::load {

/** A source of intended send times: `s.next()` returns the next one as an offset from the run's
    start (non-decreasing), or nullopt when there are no more. `profile::arrival_schedule`
    models it; so can a test's hand-written list. */
template <class S>
concept arrival_source = std::move_constructible<S> && requires(S& s) {
  { s.next() } -> std::same_as<std::optional<std::chrono::nanoseconds>>;
};

/** Settings of one open-model run (one worker). */
struct open_loop_options {
  /// Operations outstanding at once (>= 1); an arrival that finds this many is `dropped`.
  std::size_t max_in_flight = 10'000;
  /// Per-request timeout from the send instant (> 0); `nanoseconds::max()` never times out.
  std::chrono::nanoseconds request_timeout{std::chrono::seconds(30)};
  /// After the last arrival (or a stop), how long requests in flight may still complete (>= 0).
  std::chrono::nanoseconds drain_grace{std::chrono::seconds(5)};
  /// After cancelling what is left, how long to wait for those operations to return (>= 0).
  std::chrono::nanoseconds cancel_grace{std::chrono::seconds(1)};
  /// The `generator_limited` heuristic.
  generator_limits generator{};
  /** Precise sending: when > 0, the arrival loop sleeps on the timer only until
      `intended − spin_before_deadline`, then polls `steady_clock` until the intended instant,
      yielding to the executor between polls (completions and other handlers still run). Trades
      up to this much CPU time per arrival for send-lag precision (a timer wake-up is late by
      tens of microseconds; see benchmarks/README.md). 0 (the default): timer only. */
  std::chrono::nanoseconds spin_before_deadline{0};
  /** Pacing granularity: when > 0, the arrival loop wakes only on a grid of this period
      (anchored at the run's start) and then sends every arrival that is due, so one timer
      wake-up sends several requests at high rates. Each request is then sent up to this much
      after its intended instant, and that lateness is measured honestly: it is in the send lag
      and in the response time (both from the intended instant). It saves the per-arrival timer
      re-arm and thread wake-up, which dominate the generator's CPU cost at fixed rates (wrk2
      paces on a 1 ms event-loop tick). 0 (the default): wake for each arrival. */
  std::chrono::nanoseconds pacing_granularity{0};

  /// What is wrong with these options (the first problem found), or nullptr when they are valid.
  const char* problem() const noexcept {
    using std::chrono::nanoseconds;
    if (max_in_flight == 0) return "max_in_flight: must be >= 1";
    if (request_timeout <= nanoseconds::zero()) return "request_timeout: must be > 0";
    if (drain_grace < nanoseconds::zero()) return "drain_grace: must be >= 0";
    if (cancel_grace < nanoseconds::zero()) return "cancel_grace: must be >= 0";
    if (spin_before_deadline < nanoseconds::zero()) return "spin_before_deadline: must be >= 0";
    if (pacing_granularity < nanoseconds::zero()) return "pacing_granularity: must be >= 0";
    if (generator.late_threshold < nanoseconds::zero()) return "generator.late_threshold: must be >= 0";
    if (!(generator.late_fraction >= 0.0 && generator.late_fraction <= 1.0))
      return "generator.late_fraction: must be in [0, 1]";
    return nullptr;
  }
};

/// Completion signature of `async_run_open_loop`.
using run_signature = void(boost::system::error_code, run_summary);

namespace detail {

// Consecutive arrivals issued without waiting (the generator is behind) before yielding once to
// let completions run: a long catch-up burst must not delay the completions it measures.
inline constexpr unsigned catch_up_batch = 16;
// Arrivals counted as dropped at stop between two yields.
inline constexpr unsigned drop_batch = 65'536;

// What both engines (open and closed loop) share about ending a request and a run.

/// An error code means failure even if the target left `kind` at ok; otherwise the target's word.
inline outcome classify(boost::system::error_code ec, const target::request_result& result) noexcept {
  if (ec && result.kind == outcome::ok) return outcome::io_error;
  return result.kind;
}

/// Fills the summary's end-of-run figures: elapsed time, send-lag percentiles, `abandoned`, and
/// the `generator_limited` verdict (`late` over `late_fraction` of the issued requests).
inline void finalize_summary(run_summary& summary, const metrics::histogram& send_lag, const generator_limits& limits,
                             std::size_t still_outstanding, std::chrono::nanoseconds elapsed) noexcept {
  summary.abandoned = still_outstanding;
  summary.elapsed = elapsed;
  summary.send_lag_p50 = std::chrono::nanoseconds(send_lag.value_at_percentile(50.0));
  summary.send_lag_p99 = std::chrono::nanoseconds(send_lag.value_at_percentile(99.0));
  summary.send_lag_max = std::chrono::nanoseconds(send_lag.max());
  summary.generator_limited =
      summary.issued > 0 &&
      static_cast<double>(summary.late) > limits.late_fraction * static_cast<double>(summary.issued);
}

/// The error code a run completes with when the engine itself failed (`failure`), else none.
inline boost::system::error_code engine_error(const std::exception_ptr& failure) noexcept {
  if (!failure) return {};
  try {
    std::rethrow_exception(failure);
  } catch (const boost::system::system_error& e) {
    return e.code();
  } catch (const std::bad_alloc&) {
    return make_error_code(boost::system::errc::not_enough_memory);
  } catch (...) {
    return make_error_code(boost::system::errc::state_not_recoverable);
  }
}

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

// Installed in the run's cancellation slot; removed by `finish` before the state can go away.
template <class State>
struct stop_handler {
  State* state;

  void operator()(boost::asio::cancellation_type_t) { state->request_stop(); }
};

/** Everything one run owns. Lives in a shared_ptr held by the driver coroutine and by every
    pending handler, so a handler that runs after the run completed (an abandoned operation)
    still finds it; after `finish` such handlers touch nothing but this object. */
template <class Target, class Schedule>
class open_loop_state : public std::enable_shared_from_this<open_loop_state<Target, Schedule>> {
 public:
  using executor_type = typename Target::executor_type;
  using timer_type = boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, executor_type>;

  enum class phase : std::uint8_t { issuing, draining, reaping, finished };

  open_loop_state(Target& target, Schedule schedule, metrics::interval_recorder& recorder, clock::time_point start,
                  const open_loop_options& options)
      : target_(target),
        schedule_(std::move(schedule)),
        recorder_(recorder),
        start_(start),
        options_(options),
        executor_(target.get_executor()),
        arrival_timer_(executor_),
        timeout_timer_(executor_),
        wake_timer_(executor_),
        // 1 us .. 1 h at 2 digits (~28 KiB): enough for the summary's percentiles.
        send_lag_(1'000, 3'600'000'000'000, 2) {}

  executor_type get_executor() const noexcept { return executor_; }

  void connect_stop(boost::asio::cancellation_slot slot) {
    if (!slot.is_connected()) return;
    stop_slot_ = slot;
    slot.template emplace<stop_handler<open_loop_state>>(stop_handler<open_loop_state>{this});
  }

  // ---- the driver's steps (called from the coroutines below) --------------------------------

  bool stop_requested() const noexcept { return stop_requested_; }
  std::optional<std::chrono::nanoseconds> next_arrival() noexcept(noexcept(std::declval<Schedule&>().next())) {
    auto next = schedule_.next();
    if (next) ++summary_.intended;
    return next;
  }
  std::uint64_t intended() const noexcept { return summary_.intended; }
  clock::time_point start() const noexcept { return start_; }
  /// When to wake for an arrival due at `intended`: itself, or the next point of the pacing grid.
  clock::time_point paced(clock::time_point intended) const noexcept {
    auto const g = std::chrono::duration_cast<clock::duration>(options_.pacing_granularity);
    if (g <= clock::duration::zero() || intended <= start_) return intended;
    auto const since = intended - start_;
    return start_ + ((since + g - clock::duration(1)) / g) * g;
  }
  timer_type& arrival_timer() noexcept { return arrival_timer_; }
  timer_type& wake_timer() noexcept { return wake_timer_; }
  bool grace_cut() const noexcept { return grace_cut_; }
  std::chrono::nanoseconds spin_before_deadline() const noexcept { return options_.spin_before_deadline; }

  /// The arrival found the run stopped: it is never sent.
  void drop_at_stop() noexcept {
    recorder_.record_dropped();
    summary_.outcomes.record(outcome::dropped);
    ++summary_.dropped_at_stop;
  }

  /// An arrival at its intended time: send it, or drop it if the in-flight bound is reached.
  void arrive(std::uint64_t sequence, clock::time_point intended) {
    if (occupied_ >= options_.max_in_flight) {
      recorder_.record_dropped();
      summary_.outcomes.record(outcome::dropped);
      ++summary_.dropped_at_limit;
      return;
    }
    issue(sequence, intended, clock::now());
  }

  void enter(phase p) noexcept {
    phase_ = p;
    if (p == phase::reaping) grace_cut_ = false;  // a cut drain still waits for the cancelled operations
  }

  /// Whether the current wait (drain or reap) is over.
  bool settled() const noexcept { return phase_ == phase::draining ? active_.empty() : occupied_ == 0; }

  /// Records every request still in flight as `timeout` and cancels its operation.
  void abandon_active() {
    auto const now = clock::now();
    while (!active_.empty()) {
      request_slot& r = active_.pop_front();
      r.recorded = true;
      record(outcome::timeout, r, now, 0, 0);
      ++summary_.timed_out_at_stop;
      r.signal.emit(boost::asio::cancellation_type::terminal);  // may complete inline: r is not touched after
    }
  }

  void finish(std::exception_ptr failure) {
    if (phase_ == phase::finished) return;
    phase_ = phase::finished;
    failure_ = failure;
    if (stop_slot_.is_connected()) stop_slot_.clear();
    arrival_timer_.cancel();
    timeout_timer_.cancel();
    wake_timer_.cancel();
    finalize_summary(summary_, send_lag_, options_.generator, occupied_, clock::now() - start_);
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
  }

  boost::system::error_code error() const noexcept { return engine_error(failure_); }

  const run_summary& summary() const noexcept { return summary_; }

  // ---- handlers ------------------------------------------------------------------------

  void request_stop() {
    switch (phase_) {
      case phase::issuing:
        if (!stop_requested_) {
          stop_requested_ = true;
          summary_.cancelled = true;
          arrival_timer_.cancel();
        } else {
          grace_cut_ = true;  // a second stop while counting the unsent: skip the drain
        }
        break;
      case phase::draining:
      case phase::reaping:
        grace_cut_ = true;
        wake_timer_.cancel();
        break;
      case phase::finished:
        break;
    }
  }

  void complete(request_slot& r, std::uint64_t generation, boost::system::error_code ec,
                const target::request_result& result) {
    if (r.generation != generation) return;  // stale: the slot was completed already
    ++r.generation;
    auto const now = clock::now();
    --occupied_;
    if (phase_ == phase::finished) {  // an abandoned operation returning late: only free the slot
      pool_.release(r);
      return;
    }
    if (!r.recorded) {
      active_.erase(r);
      record(classify(ec, result), r, now, result.bytes_in, result.bytes_out);
    }
    pool_.release(r);
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
    wake_if_settled();
  }

  void on_timeout() {
    timeout_armed_ = false;
    if (phase_ == phase::finished) return;
    auto const now = clock::now();
    while (!active_.empty() && active_.front().deadline <= now) {
      request_slot& r = active_.pop_front();
      r.recorded = true;
      record(outcome::timeout, r, now, 0, 0);
      r.signal.emit(boost::asio::cancellation_type::terminal);  // may complete inline: r is not touched after
    }
    wake_if_settled();
    arm_timeout();
  }

 private:
  void issue(std::uint64_t sequence, clock::time_point intended, clock::time_point now) {
    request_slot& r = pool_.acquire();
    // The previous operation of this slot may have left its cancellation handler installed;
    // it has returned, so dropping the handler now is safe (emitting on it would not be).
    r.signal.slot().clear();
    r.intended = intended;
    r.sent = now;
    r.deadline = saturating_add(now, options_.request_timeout);
    r.recorded = false;
    std::uint64_t const generation = r.generation;
    active_.push_back(r);
    ++occupied_;
    ++summary_.issued;
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
    auto const lag = now - intended;
    send_lag_.record_value(
        std::min<std::int64_t>(std::max<std::int64_t>(lag.count(), 0), send_lag_.highest_trackable_value()));
    // Lateness the pacing grid imposes by design is not the generator falling behind.
    if (lag > options_.generator.late_threshold + options_.pacing_granularity) ++summary_.late;
    arm_timeout();
    try {
      target_.async_request(
          sequence, boost::asio::bind_cancellation_slot(
                        r.signal.slot(), request_handler<open_loop_state>{this->shared_from_this(), &r, generation}));
    } catch (...) {
      // The initiation failed, so the handler will not run: the request failed to be sent.
      complete(r, generation, make_error_code(boost::system::errc::io_error),
               target::request_result::failure(outcome::io_error));
    }
  }

  void record(outcome o, const request_slot& r, clock::time_point now, std::uint64_t bytes_in,
              std::uint64_t bytes_out) noexcept {
    recorder_.record(o, now - r.intended, now - r.sent, r.sent - r.intended, bytes_in, bytes_out);
    summary_.outcomes.record(o);
    if (o != outcome::dropped) summary_.outcomes.add_bytes(bytes_in, bytes_out);
  }

  void arm_timeout() {
    if (timeout_armed_ || active_.empty() || phase_ == phase::finished) return;
    timeout_armed_ = true;
    timeout_timer_.expires_at(active_.front().deadline);
    timeout_timer_.async_wait(timeout_handler<open_loop_state>{this->shared_from_this()});
  }

  void wake_if_settled() {
    if ((phase_ == phase::draining || phase_ == phase::reaping) && settled()) wake_timer_.cancel();
  }

  Target& target_;
  Schedule schedule_;
  metrics::interval_recorder& recorder_;
  clock::time_point start_;
  open_loop_options options_;
  executor_type executor_;
  timer_type arrival_timer_;
  timer_type timeout_timer_;  // armed for the front of active_ (or an earlier, stale deadline)
  timer_type wake_timer_;     // bounds the drain and reap waits; cancelled when they are settled
  request_pool pool_;
  request_list active_;       // sent, outcome not recorded yet, in send (= deadline) order
  std::size_t occupied_ = 0;  // operations not returned yet: active_ plus recorded-but-cancelled
  metrics::histogram send_lag_;
  run_summary summary_;
  boost::asio::cancellation_slot stop_slot_;
  std::exception_ptr failure_;
  phase phase_ = phase::issuing;
  bool stop_requested_ = false;
  bool grace_cut_ = false;
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
    if (clock::now() < intended) {
      catch_up = 0;
      co_await wait_for_arrival(s, s->paced(intended));
    } else if (++catch_up == catch_up_batch) {
      catch_up = 0;
      co_await boost::asio::post(s->get_executor(), boost::asio::use_awaitable);
    }
    if (s->stop_requested()) {
      s->drop_at_stop();
      co_return;
    }
    s->arrive(sequence, intended);
  }
}

template <class State>
boost::asio::awaitable<void> drop_unsent(std::shared_ptr<State> s) {
  unsigned batch = 0;
  while (s->next_arrival()) {
    s->drop_at_stop();
    if (++batch == drop_batch) {
      batch = 0;
      co_await boost::asio::post(s->get_executor(), boost::asio::use_awaitable);
    }
  }
}

// Waits until the state is settled, the grace ends, or a stop cuts the grace short.
template <class State>
boost::asio::awaitable<void> wait_settled(std::shared_ptr<State> s, std::chrono::nanoseconds grace) {
  auto const deadline = saturating_add(clock::now(), grace);
  boost::system::error_code ec;
  while (!s->settled() && !s->grace_cut() && clock::now() < deadline) {
    s->wake_timer().expires_at(deadline);
    co_await s->wake_timer().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

template <class State>
boost::asio::awaitable<void> run_phases(std::shared_ptr<State> s, open_loop_options options) {
  co_await issue_arrivals(s);
  if (s->stop_requested()) co_await drop_unsent(s);
  s->enter(State::phase::draining);
  co_await wait_settled(s, options.drain_grace);
  s->abandon_active();
  s->enter(State::phase::reaping);
  co_await wait_settled(s, options.cancel_grace);
}

template <class State>
boost::asio::awaitable<void> drive_open_loop(std::shared_ptr<State> s, open_loop_options options) {
  std::exception_ptr failure;
  try {
    co_await run_phases(s, options);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) s->abandon_active();  // keep the accounting of what was sent
  s->finish(failure);
}

// co_spawn's completion handler. It carries the user handler's executor and allocator but not its
// cancellation slot: the run installs its own stop handler there (see the specialisations below).
template <class Handler, class State>
class run_completion {
 public:
  run_completion(Handler handler, std::shared_ptr<State> state)
      : handler_(std::move(handler)), state_(std::move(state)) {}

  void operator()(std::exception_ptr e) {
    std::shared_ptr<State> state = std::move(state_);
    state->finish(e);  // no-op unless the driver could not run to its end
    boost::system::error_code const ec = state->error();
    run_summary summary = state->summary();
    state.reset();
    std::move(handler_)(ec, std::move(summary));
  }

  const Handler& handler() const noexcept { return handler_; }

 private:
  Handler handler_;
  std::shared_ptr<State> state_;
};

struct initiate_open_loop {
  template <class Handler, class Target, class Schedule>
  void operator()(Handler&& handler, std::reference_wrapper<Target> target, Schedule schedule,
                  std::reference_wrapper<metrics::interval_recorder> recorder, clock::time_point start,
                  const open_loop_options& options) const {
    auto executor = target.get().get_executor();
    if (options.problem() != nullptr) {
      boost::asio::post(executor, boost::asio::append(std::forward<Handler>(handler),
                                                      make_error_code(boost::system::errc::invalid_argument),
                                                      run_summary{}));
      return;
    }
    using state_type = open_loop_state<Target, Schedule>;
    auto state = std::make_shared<state_type>(target.get(), std::move(schedule), recorder.get(), start, options);
    state->connect_stop(boost::asio::get_associated_cancellation_slot(handler));
    boost::asio::co_spawn(executor, drive_open_loop(state, options),
                          run_completion<std::decay_t<Handler>, state_type>(std::forward<Handler>(handler), state));
  }
};

}  // namespace detail

/** Runs one worker's share of an open-model load test (DESIGN.md §3): every arrival of
    `schedule` is sent to `target` at its intended time, whatever the target's speed; nothing
    ever waits for a response before sending.

    Per request the engine knows three instants: intended (`start` + the schedule's offset),
    sent (when `async_request` is called) and completed, and records into `recorder`:
    response time = completed − intended, service time = completed − sent, send lag = sent −
    intended, with the outcome and the bytes. Every intended request ends in exactly one outcome:
    - the target's (`request_result::kind`), where an error code with `kind == ok` is `io_error`
      (a target may itself say `dropped`: its own queue was full and nothing was sent);
    - `dropped` when `max_in_flight` operations are outstanding at its intended time (the
      operations of timed-out requests count until they return), or when the run is stopped
      before its intended time;
    - `timeout` when it has not completed `request_timeout` after it was sent, or is still in
      flight when the drain grace ends. It is recorded at that instant with the durations
      elapsed so far (it was at least that slow), and its operation is cancelled (`terminal`);
      whatever that operation reports later is ignored.

    Ending. When the schedule ends or the run is stopped, the engine stops issuing; arrivals not
    yet issued are counted (`dropped`, `run_summary::dropped_at_stop`), so `intended` is what the
    schedule would have produced (counting costs ~15 ns per arrival, in slices that let
    completions run). Requests in flight get `drain_grace` to complete (their timeouts still
    apply); those left are recorded `timeout` and cancelled, and the run waits up to
    `cancel_grace` for their operations to return before it completes. A second stop cuts the
    current grace short.

    Completion signature `void(boost::system::error_code, run_summary)`. The error code is empty
    for a run that ended normally **or was stopped by cancellation** (`run_summary::cancelled`):
    a stopped run is a valid run whose results must not be lost to an exception (`use_future`
    and `use_awaitable` throw on error codes). `errc::invalid_argument` when `options.problem()`;
    another code only if the engine itself failed (out of memory), in which case the summary may
    not be balanced.

    Cancellation: per-operation, any cancellation type, through the completion handler's slot:
    the first emission stops the run (see Ending), the next ones cut the grace periods short.
    Emit on the target's executor.

    Lifetimes: `target` and `recorder` must outlive the operation. If `run_summary::abandoned`
    is not 0, operations the target ignored cancellation for are still outstanding: keep the
    target alive until they return (or destroy the execution context). The engine's own state
    lives until its last handler has run. `schedule` is moved in.

    Threading: everything runs on `target.get_executor()`, which must not run two handlers at
    once (an `io_context` run by one thread, or a strand): the recorder has a single writer.
    The recorder's reader side (`sample`, `cumulative`) may be used from any thread meanwhile.
    The library never runs the execution context: the caller does.

    Cost: per request one slot from a pool (bounded by `max_in_flight`), one timer wait for the
    arrival, one handler allocation by the target's operation; timeouts cost one timer wait
    for the oldest request, not one per request. */
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

// The run's completion handler forwards the user handler's associations except its cancellation
// slot, which belongs to the run's stop handler.
template <template <class, class> class Associator, class Handler, class State, class DefaultCandidate>
struct boost::asio::associator<Associator, stress_testing::load::detail::run_completion<Handler, State>,
                               DefaultCandidate> : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type get(
      const stress_testing::load::detail::run_completion<Handler, State>& h) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler());
  }
  static auto get(const stress_testing::load::detail::run_completion<Handler, State>& h,
                  const DefaultCandidate& c) noexcept
      -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler(), c)) {
    return Associator<Handler, DefaultCandidate>::get(h.handler(), c);
  }
};

template <class Handler, class State, class CancellationSlot>
struct boost::asio::associated_cancellation_slot<stress_testing::load::detail::run_completion<Handler, State>,
                                                 CancellationSlot> {
  using type = CancellationSlot;
  static type get(const stress_testing::load::detail::run_completion<Handler, State>&) noexcept { return type(); }
  static type get(const stress_testing::load::detail::run_completion<Handler, State>&,
                  const CancellationSlot& s) noexcept {
    return s;
  }
};

#endif
