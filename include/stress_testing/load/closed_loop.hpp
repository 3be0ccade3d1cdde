#ifndef STRESS_TESTING_LOAD_CLOSED_LOOP_HPP
#define STRESS_TESTING_LOAD_CLOSED_LOOP_HPP

#include <stress_testing/load/detail/request_slots.hpp>
#include <stress_testing/load/open_loop.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/profile/closed_model.hpp>
#include <stress_testing/target/async_target.hpp>
#include <stress_testing/target/request_context.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
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

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace stress_testing::load {

/** Settings of one closed-model run. */
struct closed_loop_options {
  /** The response time of a healthy system (e.g. the warm-up median or the latency objective):
      with the think time it sets each user's cadence, the expected interval of
      coordinated-omission correction (see `async_run_closed_loop`). >= 0. */
  std::chrono::nanoseconds nominal_response_time{0};
  /// Per-request timeout from the send instant (> 0); `nanoseconds::max()` never times out.
  std::chrono::nanoseconds request_timeout{std::chrono::seconds(30)};
  /// After the duration ends (or a stop), how long requests in flight may still complete (>= 0).
  std::chrono::nanoseconds drain_grace{std::chrono::seconds(5)};
  /// After cancelling what is left, how long to wait for those operations to return (>= 0).
  std::chrono::nanoseconds cancel_grace{std::chrono::seconds(1)};
  /// The `generator_limited` heuristic, applied to the generator's own lateness (see below).
  generator_limits generator{};

  /// What is wrong with these options (the first problem found), or nullptr when they are valid.
  const char* problem() const noexcept {
    using std::chrono::nanoseconds;
    if (nominal_response_time < nanoseconds::zero()) return "nominal_response_time: must be >= 0";
    if (request_timeout <= nanoseconds::zero()) return "request_timeout: must be > 0";
    if (drain_grace < nanoseconds::zero()) return "drain_grace: must be >= 0";
    if (cancel_grace < nanoseconds::zero()) return "cancel_grace: must be >= 0";
    if (generator.late_threshold < nanoseconds::zero()) return "generator.late_threshold: must be >= 0";
    if (!(generator.late_fraction >= 0.0 && generator.late_fraction <= 1.0))
      return "generator.late_fraction: must be in [0, 1]";
    return nullptr;
  }
};

namespace detail {

template <class State>
struct user_request_handler {
  std::shared_ptr<State> state;
  std::size_t user;
  std::uint64_t generation;
  void operator()(boost::system::error_code ec, target::request_result result) {
    state->complete(user, generation, ec, result);
  }
};

template <class State>
struct user_timer_handler {
  std::shared_ptr<State> state;
  std::size_t user;
  std::uint64_t generation;
  void operator()(boost::system::error_code ec) { state->on_user_timer(user, generation, ec); }
};

/** Everything one closed run owns; shared by the driver coroutine and every pending handler. */
template <class Target>
class closed_loop_state : public std::enable_shared_from_this<closed_loop_state<Target>> {
 public:
  using executor_type = typename Target::executor_type;
  using timer_type = boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, executor_type>;
  enum class phase : std::uint8_t { issuing, draining, reaping, finished };

  closed_loop_state(Target& target, const profile::closed_model& model, std::chrono::nanoseconds duration,
                    metrics::interval_recorder& recorder, clock::time_point start,
                    const closed_loop_options& options)
      : target_(target),
        recorder_(recorder),
        start_(start),
        end_(saturating_add(start, duration)),
        options_(options),
        interval_(std::chrono::duration_cast<clock::duration>(model.expected_interval(options.nominal_response_time))),
        nominal_(std::chrono::duration_cast<clock::duration>(options.nominal_response_time)),
        executor_(target.get_executor()),
        wake_timer_(executor_),
        send_lag_(1'000, 3'600'000'000'000, 2) {
    for (std::size_t u = 0; u < model.users(); ++u) users_.emplace_back(executor_, model.make_user(u));
  }

  executor_type get_executor() const noexcept { return executor_; }

  void connect_stop(boost::asio::cancellation_slot slot) {
    if (!slot.is_connected()) return;
    stop_slot_ = slot;
    slot.template emplace<stop_handler<closed_loop_state>>(stop_handler<closed_loop_state>{this});
  }

  // ---- driver steps ----------------------------------------------------------------------

  void start_users() {
    for (std::size_t u = 0; u < users_.size(); ++u) {
      user& us = users_[u];
      us.next_slot = start_ + std::chrono::duration_cast<clock::duration>(us.think.start_offset());
      us.ready = us.next_slot;
      schedule(u);
    }
  }

  clock::time_point end() const noexcept { return end_; }
  timer_type& wake_timer() noexcept { return wake_timer_; }
  bool stop_requested() const noexcept { return stop_requested_; }
  bool grace_cut() const noexcept { return grace_cut_; }

  /// The duration ended or the run was stopped: no user sends again.
  void stop_issuing() {
    issuing_ = false;
    for (auto& us : users_)
      if (us.state == user_state::waiting) us.timer.cancel();
  }

  void enter(phase p) noexcept {
    phase_ = p;
    if (p == phase::reaping) grace_cut_ = false;
  }

  bool settled() const noexcept { return phase_ == phase::draining ? active_ == 0 : occupied_ == 0; }

  void abandon_active() {
    auto const now = clock::now();
    for (auto& us : users_) {
      if (us.state != user_state::in_flight || us.recorded) continue;
      record_request(us, outcome::timeout, now, 0, 0);
      ++summary_.timed_out_at_stop;
      us.signal.emit(boost::asio::cancellation_type::terminal);
    }
  }

  void finish(std::exception_ptr failure) {
    if (phase_ == phase::finished) return;
    phase_ = phase::finished;
    failure_ = failure;
    if (stop_slot_.is_connected()) stop_slot_.clear();
    wake_timer_.cancel();
    for (auto& us : users_) us.timer.cancel();
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
          wake_timer_.cancel();
        } else {
          grace_cut_ = true;
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

  void on_user_timer(std::size_t u, std::uint64_t generation, boost::system::error_code ec) {
    if (phase_ == phase::finished) return;
    user& us = users_[u];
    if (generation != us.timer_generation) return;  // stale: re-armed since
    if (us.state == user_state::waiting) {
      if (issuing_) {
        send(u);
      } else {
        us.state = user_state::done;
      }
    } else if (us.state == user_state::in_flight && !ec && !us.recorded) {
      record_request(us, outcome::timeout, clock::now(), 0, 0);  // the request timed out
      wake_if_settled();
      us.signal.emit(boost::asio::cancellation_type::terminal);
    }
  }

  void complete(std::size_t u, std::uint64_t generation, boost::system::error_code ec,
                const target::request_result& result) {
    user& us = users_[u];
    if (us.generation != generation) return;
    ++us.generation;
    --occupied_;
    if (phase_ == phase::finished) return;
    auto const now = clock::now();
    ++us.timer_generation;
    us.timer.cancel();
    if (!us.recorded) record_request(us, classify(ec, result), now, result.bytes_in, result.bytes_out);
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
    // Think, then the next slot of the cadence: one nominal response and this pause after this
    // request was sent. Anchored on the send, not on the slot, so that a response slightly
    // slower than nominal delays the next request once instead of accumulating forever; and a
    // random pause moves the cadence, not the measurement.
    auto const think = std::chrono::duration_cast<clock::duration>(us.think.next_think_time());
    us.ready = now + think;
    us.next_slot = us.sent + nominal_ + think;
    us.state = user_state::waiting;
    schedule(u);
    wake_if_settled();
  }

 private:
  enum class user_state : std::uint8_t { waiting, in_flight, done };

  struct user {
    user(const executor_type& ex, profile::closed_model::user t) : think(t), timer(ex) {}

    profile::closed_model::user think;
    timer_type timer;  // waits for the send instant, then for the request's timeout
    boost::asio::cancellation_signal signal;
    clock::time_point next_slot{};  // the cadence slot of the next request
    clock::time_point ready{};      // previous completion + think
    clock::time_point intended{};   // of the request in flight
    clock::time_point sent{};
    clock::time_point planned{};       // when the request was due to be sent
    clock::time_point missed_first{};  // the slots this request stands for: missed_first + i × interval
    std::uint64_t missed = 0;
    std::uint64_t round = 0;             // requests sent by this user
    std::uint64_t generation = 0;        // of the request in flight
    std::uint64_t timer_generation = 0;  // of the timer's current wait
    user_state state = user_state::waiting;
    bool recorded = false;
  };


  // Arms the user's wait for its next send, or retires it.
  void schedule(std::size_t u) {
    user& us = users_[u];
    if (!issuing_) {
      us.state = user_state::done;
      return;
    }
    auto const planned = interval_ > clock::duration::zero() ? std::max(us.next_slot, us.ready) : us.ready;
    if (planned >= end_) {
      us.state = user_state::done;
      return;
    }
    us.planned = planned;
    us.state = user_state::waiting;
    us.timer.expires_at(planned);
    us.timer.async_wait(user_timer_handler<closed_loop_state>{this->shared_from_this(), u, ++us.timer_generation});
  }

  void send(std::size_t u) {
    user& us = users_[u];
    auto const now = clock::now();
    us.missed = 0;
    if (interval_ > clock::duration::zero()) {
      // The request takes the latest cadence slot due by now; the earlier due slots are the
      // requests the user could not send on time, recorded with this request's completion.
      auto const last = std::min(now, end_ - clock::duration(1));
      us.intended = us.next_slot;
      if (last > us.next_slot) {
        auto const behind = static_cast<std::uint64_t>((last - us.next_slot) / interval_);
        us.missed_first = us.next_slot;
        us.missed = behind;
        us.intended = us.next_slot + interval_ * static_cast<std::int64_t>(behind);
      }
    } else {
      us.intended = now;  // no cadence: response time = completed − sent
    }
    us.sent = now;
    us.recorded = false;
    us.state = user_state::in_flight;
    summary_.intended += 1 + us.missed;
    ++summary_.issued;
    ++active_;
    ++occupied_;
    recorder_.set_in_flight(static_cast<std::int64_t>(occupied_));
    auto const lag = now - us.planned;  // the generator's own lateness
    send_lag_.record_value(
        std::min<std::int64_t>(std::max<std::int64_t>(lag.count(), 0), send_lag_.highest_trackable_value()));
    if (lag > options_.generator.late_threshold) ++summary_.late;
    us.timer.expires_at(saturating_add(now, options_.request_timeout));
    us.timer.async_wait(user_timer_handler<closed_loop_state>{this->shared_from_this(), u, ++us.timer_generation});
    us.signal.slot().clear();
    std::uint64_t const sequence = us.round++ * users_.size() + u;
    std::uint64_t const generation = us.generation;
    try {
      target::request_context const context{sequence, us.intended};
      target::scoped_request_context const scope(context);  // time-deciding targets read it
      target_.async_request(sequence,
                            boost::asio::bind_cancellation_slot(
                                us.signal.slot(),
                                user_request_handler<closed_loop_state>{this->shared_from_this(), u, generation}));
    } catch (...) {
      // Not inline: a target that always throws must not recurse through schedule → send.
      boost::asio::post(executor_,
                        boost::asio::append(user_request_handler<closed_loop_state>{this->shared_from_this(), u,
                                                                                    generation},
                                            make_error_code(boost::system::errc::io_error),
                                            target::request_result::failure(outcome::io_error)));
    }
  }

  void record_request(user& us, outcome o, clock::time_point now, std::uint64_t bytes_in,
                      std::uint64_t bytes_out) noexcept {
    us.recorded = true;
    --active_;
    recorder_.record(o, now - us.intended, now - us.sent, us.sent - us.intended, bytes_in, bytes_out);
    summary_.outcomes.record(o);
    if (o != outcome::dropped) summary_.outcomes.add_bytes(bytes_in, bytes_out);
    for (std::uint64_t i = 0; i < us.missed; ++i) {
      auto const slot = us.missed_first + interval_ * static_cast<std::int64_t>(i);
      recorder_.record(o, now - slot, now - us.sent, us.sent - slot, 0, 0);
      summary_.outcomes.record(o);
    }
    summary_.backfilled += us.missed;
    us.missed = 0;
  }

  void wake_if_settled() {
    if ((phase_ == phase::draining || phase_ == phase::reaping) && settled()) wake_timer_.cancel();
  }

  Target& target_;
  metrics::interval_recorder& recorder_;
  clock::time_point start_;
  clock::time_point end_;
  closed_loop_options options_;
  clock::duration interval_;  // expected interval (0: no cadence)
  clock::duration nominal_;
  executor_type executor_;
  timer_type wake_timer_;
  std::deque<user> users_;
  std::size_t active_ = 0;    // in flight, outcome not recorded
  std::size_t occupied_ = 0;  // operations not returned
  metrics::histogram send_lag_;
  run_summary summary_;
  boost::asio::cancellation_slot stop_slot_;
  std::exception_ptr failure_;
  phase phase_ = phase::issuing;
  bool issuing_ = true;
  bool stop_requested_ = false;
  bool grace_cut_ = false;
};

template <class State>
boost::asio::awaitable<void> closed_wait_settled(std::shared_ptr<State> s, std::chrono::nanoseconds grace) {
  auto const deadline = saturating_add(clock::now(), grace);
  boost::system::error_code ec;
  while (!s->settled() && !s->grace_cut() && clock::now() < deadline) {
    s->wake_timer().expires_at(deadline);
    co_await s->wake_timer().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

template <class State>
boost::asio::awaitable<void> closed_run_phases(std::shared_ptr<State> s, closed_loop_options options) {
  boost::system::error_code ec;
  s->start_users();
  while (!s->stop_requested() && clock::now() < s->end()) {
    s->wake_timer().expires_at(s->end());
    co_await s->wake_timer().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  s->stop_issuing();
  s->enter(State::phase::draining);
  co_await closed_wait_settled(s, options.drain_grace);
  s->abandon_active();
  s->enter(State::phase::reaping);
  co_await closed_wait_settled(s, options.cancel_grace);
}

template <class State>
boost::asio::awaitable<void> drive_closed_loop(std::shared_ptr<State> s, closed_loop_options options) {
  std::exception_ptr failure;
  try {
    co_await closed_run_phases(s, options);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) s->abandon_active();
  s->finish(failure);
}

struct initiate_closed_loop {
  template <class Handler, class Target>
  void operator()(Handler&& handler, std::reference_wrapper<Target> target, const profile::closed_model& model,
                  std::chrono::nanoseconds duration, std::reference_wrapper<metrics::interval_recorder> recorder,
                  clock::time_point start, const closed_loop_options& options) const {
    auto executor = target.get().get_executor();
    if (options.problem() != nullptr || duration < std::chrono::nanoseconds::zero()) {
      boost::asio::post(executor, boost::asio::append(std::forward<Handler>(handler),
                                                      make_error_code(boost::system::errc::invalid_argument),
                                                      run_summary{}));
      return;
    }
    using state_type = closed_loop_state<Target>;
    auto state = std::make_shared<state_type>(target.get(), model, duration, recorder.get(), start, options);
    state->connect_stop(boost::asio::get_associated_cancellation_slot(handler));
    boost::asio::co_spawn(executor, drive_closed_loop(state, options),
                          run_completion<std::decay_t<Handler>, state_type>(std::forward<Handler>(handler), state));
  }
};

}  // namespace detail

/** Runs a closed-model load test (DESIGN.md §3): `model.users()` virtual users, each looping
    "send a request, wait for its response, think, send again" against `target` from its start
    offset (`model.start_offset(u)`, the ramp-up) until `duration` after `start`, or a stop.

    Coordinated omission. A closed user waits for each response, so a stall silently delays the
    requests it would have sent. Each user therefore keeps a cadence: its first slot is
    `start + start_offset(u)`, and after request k (sent at `sent_k`, followed by the pause
    `think_k`) the next slot is `sent_k + nominal_response_time + think_k`. While the system
    answers within `nominal_response_time` the user sends exactly on its slots (constant think
    time: `slot_k = slot_0 + k × expected_interval`, up to timer wake-up lateness, where
    `expected_interval = think.mean() + options.nominal_response_time`). A request is sent at
    `max(next slot, previous completion + think)`, and takes the **latest slot due** by its send
    instant as its intended time; the earlier due slots (spaced by `expected_interval`) are the
    requests the user could not send on time. Every one of them is recorded, when the request
    completes, with the request's outcome and `response = completed − slot`, `service =
    completed − sent`, `send lag = sent − slot` (HdrHistogram's `record_corrected_value`, made
    exact by the cadence): a stall shows for every request the user missed, and the user catches
    up on its cadence instead of carrying the delay forever. They count in `intended` (and in
    the outcomes, so `intended == outcomes.total()` holds) and in `run_summary::backfilled`, not
    in `issued`. A response slower than `nominal_response_time` by `x` (less than one interval)
    delays the next request by `x`, which its response time includes: the correction's known
    over-estimate for a uniformly slow system, bounded by `x` because the cadence restarts from
    each send. Choose the healthy response time (not below it). With no
    expected interval (think mean and nominal both 0) there is no cadence: every request's
    intended instant is its send instant and the response time is completed − sent.

    Run-level figures: `send_lag_*`, `late` and `generator_limited` measure the *generator's*
    lateness (sent − planned send instant), not the user's lag behind its cadence (which the
    target causes). Request numbers are `round × users + u` (unique).

    Ending, timeouts, cancellation and completion are those of `async_run_open_loop`: at the
    end of `duration` (or the first stop) no user sends again (a user waiting to send retires;
    slots not reached are not counted), requests in flight get `drain_grace`, then are recorded
    `timeout` and cancelled, then `cancel_grace` for their operations to return. A timed-out
    request is recorded `timeout` at its deadline and cancelled; its user continues once the
    operation returns. Completion signature `void(boost::system::error_code, run_summary)`;
    `errc::invalid_argument` for `options.problem()` or a negative duration.

    Lifetimes and threading: as `async_run_open_loop` (`target` and `recorder` outlive the
    operation; everything runs on `target.get_executor()`, one handler at a time); `model` is
    read during initiation only. Cost: one timer per user; no allocation per request beyond
    the target's and the handlers'. */
template <target::async_target Target, boost::asio::completion_token_for<run_signature> CompletionToken>
auto async_run_closed_loop(Target& target, const profile::closed_model& model, std::chrono::nanoseconds duration,
                           metrics::interval_recorder& recorder, std::chrono::steady_clock::time_point start,
                           const closed_loop_options& options, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, run_signature>(detail::initiate_closed_loop{}, token,
                                                                     std::ref(target), std::cref(model), duration,
                                                                     std::ref(recorder), start, options);
}

}  // namespace stress_testing::load

#endif
