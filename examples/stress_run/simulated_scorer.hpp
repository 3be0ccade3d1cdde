#ifndef STRESS_RUN_SIMULATED_SCORER_HPP
#define STRESS_RUN_SIMULATED_SCORER_HPP

// An in-process stand-in for a fraud-scoring service, so the demo needs nothing external.
//
// Model: an M/G/c FIFO queue. `servers` agents score in parallel; each score takes a log-normal
// time (median 15 ms, sigma 0.45: p99 ~ 42 ms, a realistic LLM-backed agent's spread). A request
// that finds every agent busy waits for the first to free up, so latency climbs steeply as load
// nears capacity; a request that would wait longer than `max_queue_wait` is shed with 503
// (throttled). Failures placed in the service (`--inject-at service`) reach it through
// `sim_failure_site`: the service row of the one failure model (stress_testing/fault/failure_model.hpp).
// The queue is simulated exactly with a min-heap of agents' free-at times, so each
// request costs O(log servers) and one timer wait.

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/fault/site.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <vector>

namespace stress_run {

struct scorer_options {
  double capacity_tps = 7800;  // sustainable throughput: just under the investor peak, so latency climbs there
  double median_ms = 15;
  double sigma = 0.45;
  std::chrono::milliseconds max_queue_wait{2000};
};

/// The simulated service's fault switch, shared by every worker's scorer; the run's timeline sets it.
struct sim_faults {
  std::mutex mutex;
  stress_testing::fault::service_effects now;
  stress_testing::fault::service_effects get() {
    std::lock_guard lock(mutex);
    return now;
  }
};

/// The simulated service as the failure site "service".
class sim_failure_site : public stress_testing::fault::failure_site {
 public:
  explicit sim_failure_site(std::shared_ptr<sim_faults> faults) : faults_(std::move(faults)) {}
  std::vector<std::string> components() const override { return {"service"}; }
  stress_testing::fault::site_kind kind_of(std::string_view) const override {
    return stress_testing::fault::site_kind::service;
  }
  void apply(double, std::span<const stress_testing::fault::active_effect> active) override {
    auto const e = stress_testing::fault::service_effects_of(active);
    std::lock_guard lock(faults_->mutex);
    faults_->now = e;
  }

 private:
  std::shared_ptr<sim_faults> faults_;
};

class simulated_scorer {
 public:
  using clock = std::chrono::steady_clock;

  // `share` of the service (1/W for worker W's instance), `seed` for its random stream.
  simulated_scorer(scorer_options options, double share, std::uint64_t seed, std::shared_ptr<sim_faults> faults)
      : options_(std::move(options)), rng_(seed), service_(std::log(options_.median_ms), options_.sigma),
        faults_(std::move(faults)) {
    double const mean_ms = options_.median_ms * std::exp(options_.sigma * options_.sigma / 2);
    // Little's law: agents needed to sustain the capacity at the mean service time.
    auto const servers = std::max<std::size_t>(1, static_cast<std::size_t>(options_.capacity_tps * share * mean_ms / 1000.0));
    for (std::size_t i = 0; i < servers; ++i) free_at_.push(clock::time_point{});
  }

  boost::asio::awaitable<stress_testing::target::request_result> score(std::uint64_t) {
    using namespace std::chrono;
    auto const now = clock::now();
    auto const fault = faults_->get();
    if (fault.error_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < fault.error_rate)
      co_return co_await reply(milliseconds(2), fault.status);
    double const extra_ms = fault.extra_latency_ms;
    auto const free = free_at_.top();
    auto const begin = std::max(now, free);
    if (begin - now > options_.max_queue_wait) co_return co_await reply(milliseconds(1), 503);
    free_at_.pop();
    auto const finish = begin + duration_cast<nanoseconds>(duration<double, std::milli>(service_(rng_) + extra_ms));
    free_at_.push(finish);
    co_return co_await reply(finish - now, 200);
  }

 private:
  static boost::asio::awaitable<stress_testing::target::request_result> reply(std::chrono::nanoseconds after,
                                                                            unsigned status) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, after);
    co_await timer.async_wait(boost::asio::use_awaitable);
    co_return stress_testing::target::request_result::from_http_status(status, 180, 420);
  }

  scorer_options options_;
  std::mt19937_64 rng_;
  std::lognormal_distribution<double> service_;
  std::shared_ptr<sim_faults> faults_;
  std::priority_queue<clock::time_point, std::vector<clock::time_point>, std::greater<>> free_at_;
};

/// The simulated service as a worker pool's target factory (scenario and capacity modes): one
/// function target per worker, each worker's scorer holding its share of the capacity.
struct scorer_call {
  std::shared_ptr<simulated_scorer> scorer;
  boost::asio::awaitable<stress_testing::target::request_result> operator()(std::uint64_t sequence) const {
    return scorer->score(sequence);
  }
};

struct scorer_factory {
  scorer_options options;
  std::size_t workers = 1;
  std::uint64_t seed = 1;
  std::shared_ptr<sim_faults> faults = std::make_shared<sim_faults>();
  auto operator()(boost::asio::any_io_executor ex, std::size_t index) const {
    auto s = std::make_shared<simulated_scorer>(options, 1.0 / static_cast<double>(workers), seed + index, faults);
    return stress_testing::target::make_function_target(std::move(ex), scorer_call{std::move(s)});
  }
};

}  // namespace stress_run

#endif
