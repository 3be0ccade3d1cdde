#ifndef STRESS_TESTING_LOAD_IMPL_CLOSED_LOOP_HPP
#define STRESS_TESTING_LOAD_IMPL_CLOSED_LOOP_HPP

// The closed-model engine behind `async_run_closed_loop` (declared and documented in
// load/closed_loop.hpp, which includes this file last): virtual users, their cadence and the
// coordinated-omission backfill. The stop protocol and the run's completion are
// load/detail/run_state.hpp's.

#include <stress_testing/load/closed_loop.hpp>  // the options; a no-op when included from there
#include <stress_testing/load/detail/request_slots.hpp>
#include <stress_testing/load/detail/run_state.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/profile/closed_model.hpp>
#include <stress_testing/target/request_context.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/append.hpp>
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

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace stress_testing::load {
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

/** One closed-model run: the virtual users, each with one timer (its send instant, then its
    request's timeout) and at most one request in flight. */
template <class Target>
class closed_loop_state : public run_state<closed_loop_state<Target>, typename Target::executor_type> {
  using base = run_state<closed_loop_state<Target>, typename Target::executor_type>;

 public:
  using typename base::phase;
  using typename base::timer_type;
  using executor_type = typename base::executor_type;

  closed_loop_state(Target& target, const profile::closed_model& model, std::chrono::nanoseconds duration,
                    metrics::interval_recorder& recorder, clock::time_point start,
                    const closed_loop_options& options)
      : base(target.get_executor(), recorder, start, options.generator),
        target_(target),
        end_(saturating_add(start, duration)),
        options_(options),
        interval_(expected_interval(model, options)),
        nominal_(std::chrono::duration_cast<clock::duration>(options.nominal_response_time)) {
    if (options_.session_steps > 1) summary_.steps.resize(options_.session_steps);
    for (std::size_t u = 0; u < model.users(); ++u) {
      user& us = users_.emplace_back(this->executor_, model.make_user(u));
      for (auto const& [from, to] : model.active_spans(u))
        us.spans.emplace_back(at(start, from), at(start, to));
    }
  }

  // ---- driver steps ----------------------------------------------------------------------

  void start_users() {
    for (std::size_t u = 0; u < users_.size(); ++u) {
      user& us = users_[u];
      if (us.spans.empty()) {  // a ramp that never reaches this user
        us.state = user_state::done;
        continue;
      }
      us.next_slot = us.spans.front().first;
      us.ready = us.next_slot;
      schedule(u);
    }
  }

  clock::time_point end() const noexcept { return end_; }

  /// The duration ended or the run was stopped: no user sends again.
  void stop_issuing() {
    issuing_ = false;
    for (auto& us : users_)
      if (us.state == user_state::waiting) us.timer.cancel();
  }

  // ---- what run_state asks of an engine ------------------------------------------------------

  bool has_unrecorded() const noexcept { return active_ != 0; }
  // The issuing phase waits on the wake timer until the end of the duration.
  void interrupt_issuing() { this->wake_timer().cancel(); }
  void cancel_timers() {
    for (auto& us : users_) {
      us.timer.cancel();
      us.active = false;
    }
    active_users_ = 0;
    this->recorder().set_active_users(0);
  }

  void abandon_active() {
    auto const now = clock::now();
    for (auto& us : users_) {
      if (us.state != user_state::in_flight || us.recorded) continue;
      record_request(us, outcome::timeout, now, 0, 0);
      ++summary_.timed_out_at_stop;
      us.signal.emit(boost::asio::cancellation_type::terminal);
    }
  }

  // ---- handlers ------------------------------------------------------------------------

  void on_user_timer(std::size_t u, std::uint64_t generation, boost::system::error_code ec) {
    if (this->finished()) return;
    user& us = users_[u];
    if (generation != us.timer_generation) return;  // stale: re-armed since
    if (us.state == user_state::waiting) {
      if (issuing_) {
        send(u);
      } else {
        retire(us);
      }
    } else if (us.state == user_state::in_flight && !ec && !us.recorded) {
      record_request(us, outcome::timeout, clock::now(), 0, 0);  // the request timed out
      this->wake_if_settled();
      us.signal.emit(boost::asio::cancellation_type::terminal);
    }
  }

  void complete(std::size_t u, std::uint64_t generation, boost::system::error_code ec,
                const target::request_result& result) {
    user& us = users_[u];
    if (us.generation != generation) return;
    ++us.generation;
    this->count_returned();
    if (this->finished()) return;
    auto const now = completed_when(result, us.sent, clock::now());
    ++us.timer_generation;
    us.timer.cancel();
    if (!us.recorded) record_request(us, classify(ec, result), now, result.bytes_in, result.bytes_out);
    this->publish_in_flight();
    // Think, then the next slot of the cadence: one nominal response and this pause after this
    // request was sent. Anchored on the send, not on the slot, so that a response slightly
    // slower than nominal delays the next request once instead of accumulating forever; and a
    // random pause moves the cadence, not the measurement. A session step may set its own pause.
    auto const think = std::chrono::duration_cast<clock::duration>(think_after(us));
    us.ready = now + think;
    us.next_slot = us.sent + nominal_after(us) + think;
    us.state = user_state::waiting;
    schedule(u);
    this->wake_if_settled();
  }

 private:
  using base::start_;
  using base::summary_;

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
    std::vector<std::pair<clock::time_point, clock::time_point>> spans;  // when the user is active
    std::size_t span = 0;  // the span of the next request
    bool active = false;   // sent in its current span, not retired
    std::uint64_t missed = 0;
    std::uint64_t round = 0;             // requests sent by this user
    std::size_t step = 0;                // the session step of the request in flight
    std::uint64_t generation = 0;        // of the request in flight
    std::uint64_t timer_generation = 0;  // of the timer's current wait
    user_state state = user_state::waiting;
    bool recorded = false;
  };

  // Arms the user's wait for its next send, or retires it.
  void schedule(std::size_t u) {
    user& us = users_[u];
    if (!issuing_) return retire(us);
    auto planned = interval_ > clock::duration::zero() ? std::max(us.next_slot, us.ready) : us.ready;
    // Past the end of its active span the user leaves (a ramp down) until its next span, if
    // any, where it starts a fresh cadence: the slots of its absence are not owed.
    while (us.span < us.spans.size() && planned >= us.spans[us.span].second) {
      if (++us.span == us.spans.size()) break;
      set_active(us, false);
      us.next_slot = us.ready = us.spans[us.span].first;
      planned = std::max(planned, us.next_slot);
    }
    if (us.span >= us.spans.size() || planned >= end_) return retire(us);
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
      auto const last = std::min({now, end_ - clock::duration(1), us.spans[us.span].second - clock::duration(1)});
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
    set_active(us, true);
    summary_.intended += 1 + us.missed;
    ++active_;
    // The generator's own lateness (against the planned send instant), not the user's lag
    // behind its cadence, which the target causes.
    this->count_sent(now - us.planned, std::chrono::duration_cast<clock::duration>(options_.generator.late_threshold));
    us.timer.expires_at(saturating_add(now, options_.request_timeout));
    us.timer.async_wait(user_timer_handler<closed_loop_state>{this->shared_from_this(), u, ++us.timer_generation});
    us.signal.slot().clear();
    // The user's k-th request is step k mod steps (issue 15): a session is the same steps in
    // the same order for every user, so the round alone says which.
    us.step = static_cast<std::size_t>(us.round % options_.session_steps);
    if (!summary_.steps.empty()) ++summary_.steps[us.step].issued;
    std::uint64_t const sequence = us.round++ * users_.size() + u;
    std::uint64_t const generation = us.generation;
    try {
      target::request_context const context{sequence, us.intended, u, us.step};
      target::scoped_request_context const scope(context);  // time-deciding targets read it
      target_.async_request(sequence,
                            boost::asio::bind_cancellation_slot(
                                us.signal.slot(),
                                user_request_handler<closed_loop_state>{this->shared_from_this(), u, generation}));
    } catch (...) {
      // Not inline: a target that always throws must not recurse through schedule → send.
      boost::asio::post(this->executor_,
                        boost::asio::append(user_request_handler<closed_loop_state>{this->shared_from_this(), u,
                                                                                    generation},
                                            make_error_code(boost::system::errc::io_error),
                                            target::request_result::failure(outcome::io_error)));
    }
  }

  // Records the request's outcome, and the same outcome for every slot it stands for.
  void record_request(user& us, outcome o, clock::time_point now, std::uint64_t bytes_in,
                      std::uint64_t bytes_out) noexcept {
    us.recorded = true;
    --active_;
    this->record_outcome(o, us.intended, us.sent, now, bytes_in, bytes_out);
    record_step(us.step, o, now - us.intended, now - us.sent);
    for (std::uint64_t i = 0; i < us.missed; ++i) {
      auto const slot = us.missed_first + interval_ * static_cast<std::int64_t>(i);
      this->record_outcome(o, slot, us.sent, now, 0, 0);
      record_step(us.step, o, now - slot, now - us.sent);
    }
    summary_.backfilled += us.missed;
    us.missed = 0;
  }

  // The step's own figures (sessions of more than one step only).
  void record_step(std::size_t step, outcome o, clock::duration response, clock::duration service) noexcept {
    if (summary_.steps.empty()) return;
    auto& st = summary_.steps[step];
    st.outcomes.record(o);
    if (o == outcome::dropped) return;
    st.response_time.record_value(std::chrono::duration_cast<std::chrono::nanoseconds>(response).count());
    st.service_time.record_value(std::chrono::duration_cast<std::chrono::nanoseconds>(service).count());
  }

  // The pause after the user's request: its step's own, or the model's think time.
  clock::duration think_after(user& us) noexcept {
    if (us.step < options_.step_think.size() && options_.step_think[us.step])
      return std::chrono::duration_cast<clock::duration>(*options_.step_think[us.step]);
    return std::chrono::duration_cast<clock::duration>(us.think.next_think_time());
  }

  // The healthy response of the user's request just completed: its step's own, or the run's.
  clock::duration nominal_after(const user& us) const noexcept {
    if (us.step < options_.step_nominal.size() && options_.step_nominal[us.step])
      return std::chrono::duration_cast<clock::duration>(*options_.step_nominal[us.step]);
    return nominal_;
  }

  // The cadence's interval: the mean over the session's steps of each step's nominal response
  // and pause (the run's nominal and the model's mean think time where a step has none).
  static clock::duration expected_interval(const profile::closed_model& model, const closed_loop_options& o) {
    auto const think_mean = model.expected_interval(std::chrono::nanoseconds::zero());
    auto const nominal = std::max(o.nominal_response_time, std::chrono::nanoseconds::zero());
    std::chrono::nanoseconds sum{0};
    for (std::size_t i = 0; i < o.session_steps; ++i) {
      sum += i < o.step_think.size() && o.step_think[i] ? *o.step_think[i] : think_mean;
      sum += i < o.step_nominal.size() && o.step_nominal[i] ? *o.step_nominal[i] : nominal;
    }
    return std::chrono::duration_cast<clock::duration>(sum / static_cast<std::int64_t>(o.session_steps));
  }

  static clock::time_point at(clock::time_point start, double seconds) noexcept {
    if (!(seconds < profile::detail::max_nanosecond_seconds)) return clock::time_point::max();
    return saturating_add(start, profile::detail::to_nanoseconds(seconds));
  }

  // Active users: sent a request in their current span and not retired (in flight or thinking).
  void set_active(user& us, bool active) noexcept {
    if (us.active == active) return;
    us.active = active;
    active ? ++active_users_ : --active_users_;
    this->recorder().set_active_users(static_cast<std::int64_t>(active_users_));
  }

  void retire(user& us) noexcept {
    us.state = user_state::done;
    set_active(us, false);
  }

  Target& target_;
  clock::time_point end_;
  closed_loop_options options_;
  clock::duration interval_;  // expected interval (0: no cadence)
  clock::duration nominal_;
  std::deque<user> users_;
  std::size_t active_ = 0;  // in flight, outcome not recorded
  std::size_t active_users_ = 0;
  bool issuing_ = true;
};

// The closed model's issuing phase: the users run on their own timers until the end of the
// duration or a stop; this only waits for that moment and then retires them.
template <class State>
boost::asio::awaitable<void> run_users(std::shared_ptr<State> s) {
  boost::system::error_code ec;
  s->start_users();
  while (!s->stop_requested() && clock::now() < s->end()) {
    s->wake_timer().expires_at(s->end());
    co_await s->wake_timer().async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  s->stop_issuing();
}

struct initiate_closed_loop {
  template <class Handler, class Target>
  void operator()(Handler&& handler, std::reference_wrapper<Target> target, const profile::closed_model& model,
                  std::chrono::nanoseconds duration, std::reference_wrapper<metrics::interval_recorder> recorder,
                  clock::time_point start, const closed_loop_options& options) const {
    if (options.problem() != nullptr || duration < std::chrono::nanoseconds::zero())
      return reject_run(std::forward<Handler>(handler), target.get().get_executor());
    using state_type = closed_loop_state<Target>;
    auto state = std::make_shared<state_type>(target.get(), model, duration, recorder.get(), start, options);
    start_run(std::forward<Handler>(handler), state, run_users(state), options.drain_grace, options.cancel_grace);
  }
};

}  // namespace detail

template <target::async_target Target, boost::asio::completion_token_for<run_signature> CompletionToken>
auto async_run_closed_loop(Target& target, const profile::closed_model& model, std::chrono::nanoseconds duration,
                           metrics::interval_recorder& recorder, std::chrono::steady_clock::time_point start,
                           const closed_loop_options& options, CompletionToken&& token) {
  // `model` by value: a deferred token runs the initiation after this call has returned.
  return boost::asio::async_initiate<CompletionToken, run_signature>(detail::initiate_closed_loop{}, token,
                                                                     std::ref(target), model, duration,
                                                                     std::ref(recorder), start, options);
}

}  // namespace stress_testing::load

#endif
