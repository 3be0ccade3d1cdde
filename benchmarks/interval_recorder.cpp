// Google Benchmark for metrics::interval_recorder; linked with benchmark::benchmark_main.
// Measures the per-request cost of `record` (three histogram records, the counters and the
// phaser's two atomic adds), alone and while another thread samples, against the same work
// without the phaser. Durations are pre-generated with a seeded RNG and walked cyclically.

#include <stress_testing/metrics/interval_recorder.hpp>
#include <stress_testing/metrics/snapshot.hpp>
#include <stress_testing/outcome.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

namespace {

namespace m = stress_testing::metrics;
using stress_testing::outcome;
using std::chrono::nanoseconds;

struct request_times {
  nanoseconds response, service, send_lag;
};

constexpr std::size_t stream_size = std::size_t{1} << 14;

// Log-normal service times around 800 us with a heavy tail, plus a small send lag.
const std::vector<request_times>& request_stream() {
  static const std::vector<request_times> stream = [] {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> service(std::log(800'000.0), 1.5);
    std::exponential_distribution<double> lag(1.0 / 20'000.0);
    std::vector<request_times> out(stream_size);
    for (auto& r : out) {
      r.service = nanoseconds(static_cast<std::int64_t>(service(rng)));
      r.send_lag = nanoseconds(static_cast<std::int64_t>(lag(rng)));
      r.response = r.service + r.send_lag;
    }
    return out;
  }();
  return stream;
}

void bm_record(benchmark::State& state) {
  m::interval_recorder rec;
  auto const& stream = request_stream();
  std::size_t i = 0;
  for (auto _ : state) {
    auto const& r = stream[i++ & (stream_size - 1)];
    rec.record(outcome::ok, r.response, r.service, r.send_lag, 512, 128);
  }
  benchmark::DoNotOptimize(rec.sample(nanoseconds(1)).counters.total());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_record);

// The same while a collector thread samples continuously (far more often than the 1/s of a
// real run): the writer pays for the cache lines the reader touches on each flip.
void bm_record_while_sampling(benchmark::State& state) {
  m::interval_recorder rec;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    m::snapshot s;
    std::int64_t t = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      rec.sample_into(s, nanoseconds(++t));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto const& stream = request_stream();
  std::size_t i = 0;
  for (auto _ : state) {
    auto const& r = stream[i++ & (stream_size - 1)];
    rec.record(outcome::ok, r.response, r.service, r.send_lag, 512, 128);
  }
  stop.store(true);
  reader.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_record_while_sampling)->UseRealTime();

void bm_record_dropped(benchmark::State& state) {
  m::interval_recorder rec;
  for (auto _ : state) rec.record_dropped();
  benchmark::DoNotOptimize(rec.sample(nanoseconds(1)).counters.total());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_record_dropped);

// Baseline: the recording work without the phaser (a single-threaded accumulator).
void bm_record_without_phaser(benchmark::State& state) {
  m::snapshot s;
  auto const& stream = request_stream();
  std::size_t i = 0;
  for (auto _ : state) {
    auto const& r = stream[i++ & (stream_size - 1)];
    s.counters.record(outcome::ok);
    s.counters.add_bytes(512, 128);
    s.response_time.record_value(r.response.count());
    s.service_time.record_value(r.service.count());
    s.send_lag.record_value(r.send_lag.count());
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(s.counters.total());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_record_without_phaser);

}  // namespace
