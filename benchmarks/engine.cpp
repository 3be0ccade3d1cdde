// Google Benchmark for the open-model engine (load::async_run_open_loop); linked with
// benchmark::benchmark_main and stress_testing_asio. One worker: one io_context run by the
// benchmark's thread, an in-process no-op function target.
//
// - bm_engine_overhead: every arrival is already due (a schedule far faster than the engine), so
//   the loop issues back to back: requests/s = the engine's cost per request (slot, timer
//   bookkeeping, three histogram records, the target's coroutine and completion).
// - bm_send_lag/<rate>/<spin_us>: a real-time run at `rate` requests/s for 2 s with
//   spin_before_deadline = spin_us; counters: send-lag p50/p99/max (us) and the achieved rate.

#include <stress_testing/load/open_loop.hpp>
#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/request_result.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>

namespace asio = boost::asio;
namespace load = stress_testing::load;
namespace metrics = stress_testing::metrics;
namespace profile = stress_testing::profile;
namespace target = stress_testing::target;
using std::chrono::nanoseconds;
using std::chrono::steady_clock;

namespace engine_bench {

asio::awaitable<target::request_result> respond_now() { co_return target::request_result::success(); }

struct store {
  std::optional<load::run_summary>* out;
  void operator()(boost::system::error_code, load::run_summary s) const { *out = std::move(s); }
};

struct run_figures {
  load::run_summary summary;
  metrics::snapshot snapshot;
};

run_figures run_once(double rate, double seconds, nanoseconds spin, metrics::interval_recorder& recorder) {
  asio::io_context io(1);
  auto t = target::make_function_target(io, &respond_now);
  load::open_loop_options options;
  options.max_in_flight = 1'000'000;
  options.spin_before_deadline = spin;
  std::optional<load::run_summary> result;
  auto const start = steady_clock::now();
  load::async_run_open_loop(t, profile::arrival_schedule(profile::constant_rate(rate, seconds)), recorder, start,
                            options, store{&result});
  io.run();
  run_figures f{*result, recorder.sample(steady_clock::now() - start)};
  return f;
}

}  // namespace engine_bench

namespace {

void bm_engine_overhead(benchmark::State& state) {
  constexpr double requests = 200'000;
  auto recorder = std::make_unique<metrics::interval_recorder>();
  std::uint64_t ok = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto const begin = steady_clock::now();
    // 1e9 requests/s: every arrival is due before the engine gets to it.
    auto const f = engine_bench::run_once(1e9, requests / 1e9, nanoseconds(0), *recorder);
    seconds += std::chrono::duration<double>(steady_clock::now() - begin).count();
    ok += f.summary.count(stress_testing::outcome::ok);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(ok));
  state.counters["requests_per_s"] = static_cast<double>(ok) / seconds;
}
BENCHMARK(bm_engine_overhead)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_send_lag(benchmark::State& state) {
  double const rate = static_cast<double>(state.range(0));
  nanoseconds const spin = std::chrono::microseconds(state.range(1));
  constexpr double seconds = 2.0;
  auto recorder = std::make_unique<metrics::interval_recorder>();
  std::optional<engine_bench::run_figures> figures;
  for (auto _ : state) figures.emplace(engine_bench::run_once(rate, seconds, spin, *recorder));
  auto const& last = *figures;
  auto const& lag = last.snapshot.send_lag;
  state.counters["send_lag_p50_us"] = static_cast<double>(lag.value_at_percentile(50)) / 1e3;
  state.counters["send_lag_p99_us"] = static_cast<double>(lag.value_at_percentile(99)) / 1e3;
  state.counters["send_lag_max_us"] = static_cast<double>(lag.max()) / 1e3;
  // Achieved rate: requests completed over the run's wall time (start to completion, drain
  // included): a generator that falls behind stretches the run and lowers it.
  double const elapsed = std::chrono::duration<double>(last.summary.elapsed).count();
  double const achieved = static_cast<double>(last.summary.count(stress_testing::outcome::ok)) / elapsed;
  state.counters["achieved_rate"] = achieved;
  state.counters["rate_error_pct"] = 100.0 * std::abs(achieved - rate) / rate;
  state.counters["elapsed_s"] = elapsed;
  state.counters["generator_limited"] = last.summary.generator_limited ? 1.0 : 0.0;
}
BENCHMARK(bm_send_lag)
    ->Args({1'000, 0})
    ->Args({1'000, 200})
    ->Args({50'000, 0})
    ->Args({50'000, 200})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
