// Google Benchmark for metrics::histogram; linked with benchmark::benchmark_main.
// Values are latencies in microseconds (1 us .. 1 h). Streams are pre-generated with a seeded
// RNG and walked cyclically, so the RNG is not part of what is measured.

#include <stress_testing/metrics/histogram.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using stress_testing::metrics::histogram;

constexpr std::int64_t one_hour_us = 3'600'000'000;
constexpr std::size_t stream_size = std::size_t{1} << 16;  // 512 KiB: fits in L2 with the counts

// Log-normal latencies: median 800 us, a heavy tail reaching seconds.
const std::vector<std::int64_t>& latency_stream() {
  static const std::vector<std::int64_t> stream = [] {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(std::log(800.0), 1.5);
    std::vector<std::int64_t> out(stream_size);
    for (auto& v : out) v = static_cast<std::int64_t>(dist(rng)) + 1;
    return out;
  }();
  return stream;
}

histogram filled(int digits, std::int64_t values) {
  histogram h(1, one_hour_us, digits);
  const auto& stream = latency_stream();
  for (std::int64_t i = 0; i < values; ++i)
    h.record_value(stream[static_cast<std::size_t>(i) % stream.size()]);
  return h;
}

void record_value(benchmark::State& state) {
  histogram h(1, one_hour_us, static_cast<int>(state.range(0)));
  const auto& stream = latency_stream();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.record_value(stream[i]));
    i = (i + 1) & (stream_size - 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(h.size_in_bytes());
}
BENCHMARK(record_value)->ArgName("digits")->Arg(2)->Arg(3);

void record_corrected_value(benchmark::State& state) {
  // Expected interval 10 ms: most values need no back-fill; the tail back-fills up to many slots.
  histogram h(1, one_hour_us, 3);
  const auto& stream = latency_stream();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.record_corrected_value(stream[i], 10'000));
    i = (i + 1) & (stream_size - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(record_corrected_value);

void value_at_percentile(benchmark::State& state) {
  const histogram h = filled(static_cast<int>(state.range(0)), 1'000'000);
  for (auto _ : state) benchmark::DoNotOptimize(h.value_at_percentile(99.9));
}
BENCHMARK(value_at_percentile)->ArgName("digits")->Arg(2)->Arg(3);

void add_same_layout(benchmark::State& state) {
  const histogram snapshot = filled(3, 100'000);
  histogram total(1, one_hour_us, 3);
  for (auto _ : state) {
    total.add(snapshot);
    benchmark::ClobberMemory();
    if (total.total_count() > (std::int64_t{1} << 60)) total.reset();
  }
}
BENCHMARK(add_same_layout);

void add_other_layout(benchmark::State& state) {
  const histogram snapshot = filled(2, 100'000);
  histogram total(1, one_hour_us, 3);
  for (auto _ : state) {
    total.add(snapshot);
    benchmark::ClobberMemory();
    if (total.total_count() > (std::int64_t{1} << 60)) total.reset();
  }
}
BENCHMARK(add_other_layout);

void encode(benchmark::State& state) {
  const histogram h = filled(3, 1'000'000);
  std::size_t size = 0;
  for (auto _ : state) {
    auto bytes = h.encode();
    size = bytes.size();
    benchmark::DoNotOptimize(bytes.data());
  }
  state.counters["encoded_bytes"] = static_cast<double>(size);
}
BENCHMARK(encode);

void decode(benchmark::State& state) {
  const auto bytes = filled(3, 1'000'000).encode();
  for (auto _ : state) {
    auto h = histogram::decode(bytes);
    benchmark::DoNotOptimize(h.total_count());
  }
}
BENCHMARK(decode);

}  // namespace
