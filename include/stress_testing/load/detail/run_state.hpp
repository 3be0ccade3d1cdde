#ifndef STRESS_TESTING_LOAD_DETAIL_RUN_STATE_HPP
#define STRESS_TESTING_LOAD_DETAIL_RUN_STATE_HPP

/* The part of a load run both engines share (`async_run_open_loop`, `async_run_closed_loop`):
   the stop protocol ("stop issuing, drain in flight for `drain_grace`, record what is left as
   `timeout` and cancel it, wait `cancel_grace` for those operations, finish"), the run's
   accounting and send-lag histogram, and the completion of the run. An engine derives its
   state from `run_state` and supplies only how it issues requests and what it has in flight. */

#include <stress_testing/load/detail/request_slots.hpp>
#include <stress_testing/load/run_summary.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associator.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
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
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace stress_testing::load {

/// Completion signature of `async_run_open_loop` and `async_run_closed_loop`.
using run_signature = void(boost::system::error_code, run_summary);

namespace detail {

/// An error code means failure even if the target left `kind` at ok; otherwise the target's word.
inline outcome classify(boost::system::error_code ec, const target::request_result& result) noexcept {
  if (ec && result.kind == outcome::ok) return outcome::io_error;
  return result.kind;
}

/** When a request completed: the target's own instant when it gave one
    (`request_result::completed_at`: a response read in a later batch keeps its arrival time),
    bounded to [sent, now]; otherwise now, the completion's instant. */
inline std::chrono::steady_clock::time_point completed_when(const target::request_result& result,
                                                            std::chrono::steady_clock::time_point sent,
                                                            std::chrono::steady_clock::time_point now) noexcept {
  if (result.completed_at == std::chrono::steady_clock::time_point{}) return now;
  return std::clamp(result.completed_at, sent, now);
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
  summary.generator_limited = exceeds_late_fraction(summary.late, summary.issued, limits.late_fraction);
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

// Installed in the run's cancellation slot; removed by `finish` before the state can go away.
template <class State>
struct stop_handler {
  State* state;

  void operator()(boost::asio::cancellation_type_t) { state->request_stop(); }
};

/** What every run owns, whatever its model. `Derived` (the engine's state) provides:
    - `bool has_unrecorded() const`: some request was sent and its outcome is not recorded yet;
    - `void interrupt_issuing()`: wakes the issuing phase at the first stop;
    - `void cancel_timers()`: cancels the engine's own timers when the run finishes;
    - `void abandon_active()`: records every unrecorded request `timeout` and cancels it.
    Lives in a shared_ptr held by the driver coroutine and every pending handler, so that a
    handler running after the run completed (an abandoned operation) still finds it; after
    `finish` such handlers touch nothing but this object. */
template <class Derived, class Executor>
class run_state : public std::enable_shared_from_this<Derived> {
 public:
  using executor_type = Executor;
  using timer_type = boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, executor_type>;

  /// issuing → draining (`drain_grace`) → reaping (`cancel_grace`) → finished.
  enum class phase : std::uint8_t { issuing, draining, reaping, finished };

  executor_type get_executor() const noexcept { return executor_; }

  void connect_stop(boost::asio::cancellation_slot slot) {
    if (!slot.is_connected()) return;
    stop_slot_ = slot;
    slot.template emplace<stop_handler<Derived>>(stop_handler<Derived>{&derived()});
  }

  bool stop_requested() const noexcept { return stop_requested_; }
  bool grace_cut() const noexcept { return grace_cut_; }
  clock::time_point start() const noexcept { return start_; }
  timer_type& wake_timer() noexcept { return wake_timer_; }

  void enter(phase p) noexcept {
    phase_ = p;
    if (p == phase::reaping) grace_cut_ = false;  // a cut drain still waits for the cancelled operations
  }

  /// Whether the current wait is over: draining waits for outcomes, reaping for operations.
  bool settled() const noexcept {
    return phase_ == phase::draining ? !derived().has_unrecorded() : occupied_ == 0;
  }

  /// The run's cancellation: the first stop ends issuing, a later one cuts the current grace.
  void request_stop() {
    switch (phase_) {
      case phase::issuing:
        if (!stop_requested_) {
          stop_requested_ = true;
          summary_.cancelled = true;
          derived().interrupt_issuing();
        } else {
          grace_cut_ = true;  // a second stop before the drain began: skip the drain
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

  /// Ends the run (once): no handler touches the recorder after this.
  void finish(std::exception_ptr failure) {
    if (phase_ == phase::finished) return;
    phase_ = phase::finished;
    failure_ = failure;
    if (stop_slot_.is_connected()) stop_slot_.clear();
    derived().cancel_timers();
    wake_timer_.cancel();
    finalize_summary(summary_, send_lag_, limits_, occupied_, clock::now() - start_);
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
  }

  boost::system::error_code error() const noexcept { return engine_error(failure_); }

  const run_summary& summary() const noexcept { return summary_; }

 protected:
  run_state(const executor_type& executor, metrics::interval_recorder& recorder, clock::time_point start,
            const generator_limits& limits)
      : executor_(executor),
        recorder_(recorder),
        start_(start),
        limits_(limits),
        wake_timer_(executor_),
        // 1 us .. 1 h at 2 digits (~28 KiB): enough for the summary's percentiles.
        send_lag_(1'000, 3'600'000'000'000, 2) {}

  Derived& derived() noexcept { return static_cast<Derived&>(*this); }
  const Derived& derived() const noexcept { return static_cast<const Derived&>(*this); }

  bool finished() const noexcept { return phase_ == phase::finished; }

  /// A request was started `lag` after it was due; lateness up to `tolerance` is by design.
  void count_sent(clock::duration lag, clock::duration tolerance) {
    ++occupied_;
    ++summary_.issued;
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
    send_lag_.record_value(
        std::min<std::int64_t>(std::max<std::int64_t>(lag.count(), 0), send_lag_.highest_trackable_value()));
    if (lag > tolerance) ++summary_.late;
  }

  /// A request's operation returned (its outcome may have been recorded earlier).
  void count_returned() noexcept { --occupied_; }

  /// Operations started and not returned yet (timed-out ones count until they return).
  std::size_t occupied() const noexcept { return occupied_; }

  void publish_in_flight() noexcept { recorder_.set_in_flight(static_cast<std::int64_t>(occupied_)); }

  metrics::interval_recorder& recorder() noexcept { return recorder_; }

  /// Records one intended request's outcome with its three instants.
  void record_outcome(outcome o, clock::time_point intended, clock::time_point sent, clock::time_point now,
                      std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
    record_outcome(o, intended, intended, sent, now, bytes_in, bytes_out);
  }
  /// The same, with the response time counted from `timed_from` (paced sending: the grid's
  /// instant, see `request_slot::timed_from`) instead of from `intended`.
  void record_outcome(outcome o, clock::time_point intended, clock::time_point timed_from, clock::time_point sent,
                      clock::time_point now, std::uint64_t bytes_in, std::uint64_t bytes_out) noexcept {
    recorder_.record(o, intended - start_, now - timed_from, now - sent, sent - intended, bytes_in, bytes_out);
    summary_.outcomes.record(o);
    if (o != outcome::dropped) summary_.outcomes.add_bytes(bytes_in, bytes_out);
  }

  /// A drain or reap wait may be over: wake the driver.
  void wake_if_settled() {
    if ((phase_ == phase::draining || phase_ == phase::reaping) && settled()) wake_timer_.cancel();
  }

  executor_type executor_;
  metrics::interval_recorder& recorder_;
  clock::time_point start_;
  run_summary summary_;

 private:
  generator_limits limits_;
  timer_type wake_timer_;  // bounds the drain and reap waits; cancelled when they are settled
  std::size_t occupied_ = 0;  // operations not returned yet, recorded or not
  metrics::histogram send_lag_;
  boost::asio::cancellation_slot stop_slot_;
  std::exception_ptr failure_;
  phase phase_ = phase::issuing;
  bool stop_requested_ = false;
  bool grace_cut_ = false;
};

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

// The whole run: the engine's issuing phase, then the shared ending. If the engine itself fails
// (an exception), what was sent is still accounted for before the run completes with an error.
template <class State>
boost::asio::awaitable<void> drive_run(std::shared_ptr<State> s, boost::asio::awaitable<void> issuing,
                                       std::chrono::nanoseconds drain_grace, std::chrono::nanoseconds cancel_grace) {
  std::exception_ptr failure;
  try {
    co_await std::move(issuing);
    s->enter(State::phase::draining);
    co_await wait_settled(s, drain_grace);
    s->abandon_active();
    s->enter(State::phase::reaping);
    co_await wait_settled(s, cancel_grace);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) s->abandon_active();
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

/// Completes a run that cannot start (invalid options) with `invalid_argument`, never inline.
template <class Handler, class Executor>
void reject_run(Handler&& handler, const Executor& executor) {
  boost::asio::post(executor, boost::asio::append(std::forward<Handler>(handler),
                                                  make_error_code(boost::system::errc::invalid_argument),
                                                  run_summary{}));
}

/// Starts a run on its state's executor: `issuing` first, then the shared ending.
template <class State, class Handler>
void start_run(Handler&& handler, std::shared_ptr<State> state, boost::asio::awaitable<void> issuing,
               std::chrono::nanoseconds drain_grace, std::chrono::nanoseconds cancel_grace) {
  state->connect_stop(boost::asio::get_associated_cancellation_slot(handler));
  auto executor = state->get_executor();
  boost::asio::co_spawn(executor, drive_run(state, std::move(issuing), drain_grace, cancel_grace),
                        run_completion<std::decay_t<Handler>, State>(std::forward<Handler>(handler), state));
}

}  // namespace detail
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
