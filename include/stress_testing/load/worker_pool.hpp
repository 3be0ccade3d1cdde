#ifndef STRESS_TESTING_LOAD_WORKER_POOL_HPP
#define STRESS_TESTING_LOAD_WORKER_POOL_HPP

#include <stress_testing/load/closed_loop.hpp>
#include <stress_testing/load/open_loop.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/target/async_target.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace stress_testing::load {

/** The closed model for a `worker_pool` (instead of the profile's arrivals): `users` virtual
    users split as evenly as possible across the workers (worker i gets `users / W`, plus one if
    `i < users % W`; a worker with no user finishes at once), each looping "send, wait, think".
    With zero think time and `nominal_response_time` 0 this is the "as fast as the connections
    allow" mode of wrk and hey: throughput is the result, not the input. */
struct closed_workload {
  std::size_t users = 1;
  profile::think_time think{};
  double ramp_up_seconds = 0;
  /** A ramp of users over time (k6's ramping-vus), instead of `users` and `ramp_up_seconds`:
      user j of the whole run is active while the stages' curve is at least j + 1
      (`profile::user_active_spans`); worker i drives the users j ≡ i (mod workers). */
  std::vector<profile::user_stage> stages;
  /// The run's length from `start`.
  std::chrono::nanoseconds duration{0};
  /// Coordinated-omission cadence, see `closed_loop_options::nominal_response_time`.
  std::chrono::nanoseconds nominal_response_time{0};
  /// Each user's session: its steps and their own pauses, see `closed_loop_options::session_steps`.
  std::size_t session_steps = 1;
  std::vector<std::optional<std::chrono::nanoseconds>> step_think;  ///< see `closed_loop_options::step_think`
  std::vector<std::optional<std::chrono::nanoseconds>> step_nominal;  ///< see `closed_loop_options::step_nominal`

  /// The most users ever active: `users`, or the highest target of the `stages`.
  std::size_t peak_users() const noexcept {
    if (stages.empty()) return users;
    std::size_t peak = 0;
    for (auto const& st : stages) peak = std::max(peak, st.target_users);
    return peak;
  }
};

/** Settings of a `worker_pool`. */
struct worker_pool_options {
  /** 0: one worker on the executor passed to `start` (no threads; for tests and embedding).
      N >= 1: N threads, each running its own `io_context` with one worker. */
  std::size_t workers = 0;
  /// Every worker's open-loop settings (the in-flight bound is per worker).
  open_loop_options loop{};
  /// Layout of every worker's recorder (and of the snapshots to merge into).
  metrics::histogram_options histograms{};
  /// How arrivals are spread; see `profile::arrival_schedule` for the partition across workers.
  profile::arrival_process process = profile::arrival_process::uniform;
  /// Poisson only: the schedule's seed (and, for the closed model, the think times' seed).
  std::uint64_t seed = 0;
  /** Instants (seconds since the run's start) at which every worker's recorder cuts its tally
      of requests by intended time (`metrics::segment_tally`; read with `tally_into` after the
      run). Empty (the default): no tally. The orchestrator cuts at its failure windows. */
  std::vector<double> tally_cuts;
  /// With `tally_cuts`: the width of the tally's bins of intended time after each cut
  /// (`metrics::segment_tally`; 0: none). The orchestrator uses its sampling interval.
  double tally_bin_seconds = 0;
  /** When set, the workers run this closed model (`async_run_closed_loop`, with `loop`'s
      timeout, grace periods and generator limits) instead of the profile's open arrivals. */
  std::optional<closed_workload> closed;
  /** This process's share of a run split over `shard_count` processes (`run::shard`): the pool
      acts as workers `shard_index × W … shard_index × W + W − 1` of a pool of `shard_count × W`,
      so its schedules, request numbers and closed-model users are exactly its part of the one
      run (the union of the shards' schedules is the unsharded schedule, bit for bit, for the
      uniform process). Every shard must use the same `workers`. 1 and 0: not sharded. */
  std::size_t shard_count = 1;
  std::size_t shard_index = 0;
};

/** What builds a worker's target: called as `factory(executor, worker_index)` (a non-const
    lvalue, once per worker) and returning an `async_target` that runs on that executor. A wrong
    argument to `worker_pool`, `run::async_run` or `run::run_blocking` (the component instead of
    a factory, a factory of the wrong signature) fails here, by name. */
template <class F>
concept target_factory =
    std::move_constructible<F> && std::invocable<F&, boost::asio::any_io_executor, std::size_t> &&
    target::async_target<std::decay_t<std::invoke_result_t<F&, boost::asio::any_io_executor, std::size_t>>>;

namespace detail {

/** Numbers a worker's requests globally: the worker's k-th arrival becomes `k × stride + offset`.
    With uniform arrivals that is exactly the arrival's index in the whole (single-worker)
    schedule; with Poisson arrivals numbers are unique but not in time order across workers. */
template <class Target>
class strided_target {
 public:
  using executor_type = typename Target::executor_type;

  strided_target(Target& target, std::uint64_t stride, std::uint64_t offset) noexcept
      : target_(&target), stride_(stride), offset_(offset) {}

  executor_type get_executor() const noexcept { return target_->get_executor(); }

  template <class CompletionToken>
  auto async_request(std::uint64_t sequence, CompletionToken&& token) {
    return target_->async_request(sequence * stride_ + offset_, std::forward<CompletionToken>(token));
  }

 private:
  Target* target_;
  std::uint64_t stride_;
  std::uint64_t offset_;
};

/** A worker's schedule behind a pointer. `arrival_schedule<any_profile>` cannot be copied or
    moved by value under GCC 12: overload resolution of its copy considers the profile
    constructor, whose conversion through any_profile's implicit template constructor checks
    `rate_profile<arrival_schedule>` (copy-constructible), which recurses. */
struct pool_schedule {
  std::unique_ptr<profile::arrival_schedule<profile::any_profile>> schedule;
  std::optional<std::chrono::nanoseconds> next() noexcept { return schedule->next(); }
  std::uint64_t skip_remaining() noexcept { return schedule->skip_remaining(); }
};

}  // namespace detail

/** The multi-worker open model (DESIGN.md §3): W workers, each an `async_run_open_loop` over its
    share of one profile's arrival schedule, against its own target, into its own
    `interval_recorder`. Nothing is shared on the request path; the collector merges.

    - Partition: worker i of W schedules `arrival_options{process, seed, W, i}`; with uniform
      arrivals the union is exactly the single-worker schedule.
    - Sequence numbers passed to the targets are globally unique: worker i's k-th arrival is
      `k × W + i` (uniform: the arrival's index in the whole schedule).
    - Targets: `factory(ex, i)` is called once per worker, in `start`, on the calling thread,
      with the worker's executor `ex`; the target must run on `ex`. `TargetFactory` is a
      callable `(boost::asio::any_io_executor, std::size_t) -> T` where `T` models
      `target::async_target` and is move-constructible.

    Threads (`workers >= 1`): each worker thread runs its own `io_context` until the pool is
    destroyed. `workers == 0`: the single worker runs on the executor given to `start`, which must
    not run two handlers at once, and which the caller runs.

    Thread safety: `start` once, from one thread. `stop`, `sample_into`, `cumulative_into` and
    `async_wait` may be called from any thread, concurrently.

    Lifetime: with threads, the destructor stops the run (twice: the drain grace is cut), waits
    for every worker to finish (at most `cancel_grace` after that for a target that honours
    cancellation) and joins the threads. With `workers == 0` the pool cannot run the caller's
    executor: destroy it only after `async_wait` completed (or after the execution context is
    destroyed or will never run again). */
template <target_factory TargetFactory>
class worker_pool {
 public:
  using target_type =
      std::decay_t<std::invoke_result_t<TargetFactory&, boost::asio::any_io_executor, std::size_t>>;

  /// Prepares the workers and their recorders (allocates every recorder now); starts nothing.
  worker_pool(profile::any_profile profile, TargetFactory factory, worker_pool_options options)
      : profile_(std::move(profile)), factory_(std::move(factory)), options_(options), scratch_(options.histograms) {
    std::size_t const n = options_.workers == 0 ? 1 : options_.workers;
    workers_.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      workers_.push_back(std::make_unique<worker>(i, options_.histograms, options_.tally_cuts, options_.tally_bin_seconds));
  }

  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  /// Stops and joins (threads); see the class comment for `workers == 0`.
  ~worker_pool() {
    if (options_.workers == 0) return;
    {
      std::unique_lock lock(mutex_);
      if (started_) {
        lock.unlock();
        stop();
        stop();  // a second stop cuts the drain grace short
        lock.lock();
        done_cv_.wait(lock, [this] { return finished_ == workers_.size(); });
      }
    }
    for (auto& w : workers_) {
      if (!w->io) continue;
      w->guard.reset();
      w->io->stop();
      if (w->thread.joinable()) w->thread.join();
      // The target's I/O objects (sockets, timers) go before their io_context, as Asio requires;
      // closing them only queues their handlers, which the io_context then destroys uninvoked
      // (abandoned operations included).
      w->strided.reset();
      w->target.reset();
      w->io.reset();
    }
  }

  /** Builds every worker's schedule and target and starts every worker; intended times are
      offsets from `start`. `ex` is the worker's executor when `workers == 0`, and in every case
      the default executor of the `async_wait` completion (see there). Throws what the factory or
      the schedule throws (`std::invalid_argument`), and `std::logic_error` when called twice. */
  void start(boost::asio::any_io_executor ex, std::chrono::steady_clock::time_point start) {
    std::size_t const n = workers_.size();
    if (options_.shard_count > 1 && options_.shard_index >= options_.shard_count)
      throw std::invalid_argument("worker_pool_options.shard_index must be < shard_count");
    std::vector<detail::pool_schedule> schedules;
    schedules.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      schedules.push_back(detail::pool_schedule{std::make_unique<profile::arrival_schedule<profile::any_profile>>(
          profile_, profile::arrival_options{options_.process, options_.seed, global_workers(), global_index(i)})});
    {
      std::lock_guard lock(mutex_);
      if (started_) throw std::logic_error("worker_pool::start: already started");
      completion_executor_ = ex;
    }
    for (std::size_t i = 0; i < n; ++i) {
      worker& w = *workers_[i];
      if (options_.workers == 0) {
        w.executor = ex;
      } else {
        w.io = std::make_unique<boost::asio::io_context>(1);
        w.guard.emplace(w.io->get_executor());
        w.executor = w.io->get_executor();
      }
      w.target.emplace(factory_(w.executor, i));
      w.strided.emplace(*w.target, static_cast<std::uint64_t>(global_workers()),
                        static_cast<std::uint64_t>(global_index(i)));
    }
    {
      // Under the lock: a concurrent stop() either counts here or posts after the launch.
      std::lock_guard lock(mutex_);
      started_ = true;
      for (std::size_t i = 0; i < n; ++i)
        boost::asio::post(workers_[i]->executor, launch{this, workers_[i].get(), std::move(schedules[i]), start, stops_});
    }
    for (auto& w : workers_)
      if (w->io) w->thread = std::thread([io = w->io.get()] { run_context(*io); });
  }

  /** Calls `f(target)` for each worker's target, on the calling thread. Only while no worker
      runs a request: after `async_wait` completed (the targets live until the pool is
      destroyed). */
  template <class F>
  void for_each_target(F&& f) {
    for (auto& w : workers_)
      if (w->target) f(*w->target);
  }

  /** Collector side, any thread, never blocks the workers' recording: merges every worker's
      interval since the previous call (the range `[previous end, end)`) into `merged`, which is
      reset first. `merged` keeps its memory when built with `options.histograms`. Calls are
      serialised by a mutex the workers never take. */
  void sample_into(metrics::snapshot& merged, std::chrono::nanoseconds end) {
    std::lock_guard lock(collector_mutex_);
    merged.reset();
    for (auto& w : workers_) {
      w->recorder.sample_into(scratch_, end);
      merged.merge(scratch_);
    }
  }

  /** Everything sampled so far (by `sample_into`), merged into `merged` (reset first). After the
      run, sample once more to include the last interval: then `merged.counters.total()` equals
      the merged `run_summary::intended`. Any thread. */
  void cumulative_into(metrics::snapshot& merged) {
    std::lock_guard lock(collector_mutex_);
    merged.reset();
    for (auto& w : workers_) {
      w->recorder.cumulative_into(scratch_);
      merged.merge(scratch_);
    }
  }

  /** Every worker's tally of requests by intended time (`options.tally_cuts`), merged into
      `merged` (reset first). Only after `async_wait` completed: the tallies are the workers' own,
      written without synchronisation until their runs end. */
  void tally_into(metrics::segment_tally& merged) const {
    merged = metrics::segment_tally();
    for (auto const& w : workers_) merged.add(w->recorder.tally());
  }

  /** Thread-safe: posts the run's cancellation (`terminal`) to each worker's executor, where the
      open loop's stop protocol runs (stop issuing, count the unsent as not sent, drain, cancel).
      A second call cuts the grace periods short. Before `start`: the run starts stopped. */
  void stop() {
    std::lock_guard lock(mutex_);
    ++stops_;
    if (!started_) return;
    for (auto& w : workers_) boost::asio::post(w->executor, emit_stop{w.get()});
  }

  /** Waits until every worker's run completed. Completion signature
      `void(boost::system::error_code, run_summary)` with the merged summary (see `merge`) and
      the first worker's error code, if any. The handler runs on its associated executor,
      defaulting to the executor given to `start` (to `system_executor` if that is empty).
      Any number of waits, before or after the end; no cancellation (use `stop`). A wait still
      pending when the pool is destroyed is destroyed without being called. */
  template <boost::asio::completion_token_for<run_signature> CompletionToken>
  auto async_wait(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, run_signature>(initiate_wait{this}, token);
  }

  /// Number of workers (1 when `options.workers == 0`).
  std::size_t worker_count() const noexcept { return workers_.size(); }

  const worker_pool_options& options() const noexcept { return options_; }

  /// Workers of the whole run, over every shard: `worker_count() × shard_count`.
  std::size_t global_workers() const noexcept {
    return workers_.size() * (options_.shard_count == 0 ? 1 : options_.shard_count);
  }
  /// The run-wide index of this process's worker `i`.
  std::size_t global_index(std::size_t i) const noexcept {
    return (options_.shard_count > 1 ? options_.shard_index : 0) * workers_.size() + i;
  }

 private:
  using handler_type = boost::asio::any_completion_handler<run_signature>;

  struct worker {
    worker(std::size_t i, const metrics::histogram_options& histograms, const std::vector<double>& cuts,
           double bin_seconds)
        : index(i), recorder(histograms, {}, cuts, bin_seconds) {}

    std::size_t index;
    metrics::interval_recorder recorder;
    std::optional<target_type> target;
    std::optional<detail::strided_target<target_type>> strided;
    boost::asio::any_io_executor executor;
    std::unique_ptr<boost::asio::io_context> io;  // threads only; destroyed before the target
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
    std::thread thread;
    boost::asio::cancellation_signal stop;  // used on the worker's executor only
    boost::system::error_code ec;           // written by the worker, read under the pool mutex
    run_summary summary;
  };

  static void run_context(boost::asio::io_context& io) {
    for (;;) {
      try {
        io.run();
        return;
      } catch (...) {
        // A handler threw (a target bug): keep the worker alive so that its run still ends.
      }
    }
  }

  struct emit_stop {
    worker* w;
    void operator()() const { w->stop.emit(boost::asio::cancellation_type::terminal); }
  };

  struct worker_done {
    worker_pool* pool;
    worker* w;
    void operator()(boost::system::error_code ec, run_summary summary) const {
      pool->on_worker_done(*w, ec, std::move(summary));
    }
  };

  struct launch {
    worker_pool* pool;
    worker* w;
    detail::pool_schedule schedule;
    std::chrono::steady_clock::time_point start;
    std::size_t early_stops;  // stop() calls before start(): emitted once the run exists

    void operator()() {
      auto const& o = pool->options_;
      if (o.closed) {
        auto const n = pool->global_workers();
        auto const g = pool->global_index(w->index);
        // Think times are seeded per worker (+ g) without stages, per run-wide user with stages.
        std::size_t const share = o.closed->users / n + (g < o.closed->users % n ? 1 : 0);
        std::optional<profile::closed_model> model;
        if (!o.closed->stages.empty()) model.emplace(o.closed->stages, o.closed->think, o.seed, n, g);
        else if (share > 0) model.emplace(share, o.closed->ramp_up_seconds, o.closed->think, o.seed + g);
        if (!model || model->users() == 0) {
          boost::asio::post(w->executor, boost::asio::append(worker_done{pool, w}, boost::system::error_code{}, run_summary{}));
          return;
        }
        closed_loop_options co;
        co.nominal_response_time = o.closed->nominal_response_time;
        co.request_timeout = o.loop.request_timeout;
        co.drain_grace = o.loop.drain_grace;
        co.cancel_grace = o.loop.cancel_grace;
        co.generator = o.loop.generator;
        co.session_steps = o.closed->session_steps;
        co.step_think = o.closed->step_think;
        co.step_nominal = o.closed->step_nominal;
        async_run_closed_loop(*w->strided, *model, o.closed->duration, w->recorder, start, co,
                              boost::asio::bind_cancellation_slot(w->stop.slot(), worker_done{pool, w}));
      } else {
        async_run_open_loop(*w->strided, std::move(schedule), w->recorder, start, o.loop,
                            boost::asio::bind_cancellation_slot(w->stop.slot(), worker_done{pool, w}));
      }
      for (std::size_t i = 0; i < early_stops && i < 2; ++i) w->stop.emit(boost::asio::cancellation_type::terminal);
    }
  };

  struct initiate_wait {
    worker_pool* pool;
    template <class Handler>
    void operator()(Handler&& handler) const {
      pool->add_waiter(handler_type(std::forward<Handler>(handler)));
    }
  };

  void on_worker_done(worker& w, boost::system::error_code ec, run_summary summary) {
    std::vector<handler_type> waiters;
    {
      std::lock_guard lock(mutex_);
      w.ec = ec;
      w.summary = std::move(summary);
      if (++finished_ < workers_.size()) return;
      result_.emplace();
      for (auto& x : workers_) {
        if (!result_->first && x->ec) result_->first = x->ec;
        merge(result_->second, x->summary);
      }
      waiters.swap(waiters_);
    }
    done_cv_.notify_all();
    for (auto& h : waiters) deliver(std::move(h));
  }

  void add_waiter(handler_type handler) {
    {
      std::lock_guard lock(mutex_);
      if (!result_) {
        waiters_.push_back(std::move(handler));
        return;
      }
    }
    deliver(std::move(handler));
  }

  void deliver(handler_type handler) {
    boost::system::error_code ec;
    run_summary summary;
    boost::asio::any_io_executor fallback;
    {
      std::lock_guard lock(mutex_);
      ec = result_->first;
      summary = result_->second;
      fallback = completion_executor_;
    }
    // post(ex, h) runs on `ex`, then dispatches to h's associated executor if it has its own.
    if (fallback) {
      boost::asio::post(fallback, boost::asio::append(std::move(handler), ec, std::move(summary)));
    } else {
      boost::asio::post(boost::asio::system_executor(), boost::asio::append(std::move(handler), ec, std::move(summary)));
    }
  }

  profile::any_profile profile_;
  TargetFactory factory_;
  worker_pool_options options_;
  std::vector<std::unique_ptr<worker>> workers_;

  std::mutex collector_mutex_;
  metrics::snapshot scratch_;  // under collector_mutex_

  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool started_ = false;
  std::size_t stops_ = 0;
  std::size_t finished_ = 0;
  boost::asio::any_io_executor completion_executor_;
  std::vector<handler_type> waiters_;
  std::optional<std::pair<boost::system::error_code, run_summary>> result_;
};

}  // namespace stress_testing::load

#endif
