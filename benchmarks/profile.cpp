// Cost of the profile layer's hot paths: intended send times per arrival (the bar is 50 ns
// for the seed's peak-load RAMP_UP profile) and rate_at / cumulative through type erasure.
#include <stress_testing/models.hpp>
#include <stress_testing/profile.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace sp = stress_testing::profile;

namespace {

// The seed's peak load: 0 → 10,000 TPS over 5 min, hold, down over 5 min; 30 min, 15M arrivals.
sp::any_profile peak_load() {
  stress_testing::load_profile m;
  m.profile_type = stress_testing::load_profile_type::ramp_up;
  m.start_tps = 0;
  m.peak_tps = 10000;
  m.sustained_tps = 10000;
  m.ramp_up_seconds = 300;
  m.ramp_down_seconds = 300;
  return sp::make_profile(m, 1800);
}

constexpr std::int64_t arrivals_per_iteration = 10'000'000;

// One iteration = 10 million intended send times; the per_arrival counter is the bar.
template <class Profile>
void generate(benchmark::State& state, const Profile& profile, sp::arrival_options options) {
  sp::arrival_schedule schedule(profile, options);
  for (auto _ : state) {
    schedule.reset();
    std::int64_t n = 0;
    std::int64_t checksum = 0;
    while (n < arrivals_per_iteration) {
      auto const t = schedule.next();
      if (!t) break;
      checksum += t->count();
      ++n;
    }
    benchmark::DoNotOptimize(checksum);
    if (n != arrivals_per_iteration) state.SkipWithError("profile ran out of arrivals");
  }
  state.SetItemsProcessed(state.iterations() * arrivals_per_iteration);
  // Seconds per arrival; printed with an SI prefix (9.8n = 9.8 ns).
  state.counters["per_arrival"] = benchmark::Counter(static_cast<double>(arrivals_per_iteration),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void BM_uniform_ramp_up(benchmark::State& state) {
  generate(state, peak_load(), {sp::arrival_process::uniform, 0, 1, 0});
}
BENCHMARK(BM_uniform_ramp_up)->Unit(benchmark::kMillisecond);

void BM_poisson_ramp_up(benchmark::State& state) {
  generate(state, peak_load(), {sp::arrival_process::poisson, 42, 1, 0});
}
BENCHMARK(BM_poisson_ramp_up)->Unit(benchmark::kMillisecond);

// One worker's share (stride 4). The load is scaled by 4 so that the share, a quarter of 60M,
// still holds 10M arrivals per iteration.
void BM_uniform_ramp_up_worker_of_4(benchmark::State& state) {
  generate(state, sp::scale_load(peak_load(), 4.0), {sp::arrival_process::uniform, 0, 4, 1});
}
BENCHMARK(BM_uniform_ramp_up_worker_of_4)->Unit(benchmark::kMillisecond);

// Statically typed ramp: what the fast path costs without type erasure.
void BM_uniform_static_ramp(benchmark::State& state) {
  auto const p = sp::then(sp::linear_ramp(0, 10000, 300), sp::constant_rate(10000, 1200), sp::linear_ramp(10000, 0, 300));
  generate(state, p, {sp::arrival_process::uniform, 0, 1, 0});
}
BENCHMARK(BM_uniform_static_ramp)->Unit(benchmark::kMillisecond);

// Sine segments are inverted by Newton steps: slower, and not on the bar.
void BM_uniform_wave(benchmark::State& state) {
  generate(state, sp::any_profile(sp::wave(10000, 5000, 120, 1800)), {sp::arrival_process::uniform, 0, 1, 0});
}
BENCHMARK(BM_uniform_wave)->Unit(benchmark::kMillisecond);

void BM_uniform_chaos(benchmark::State& state) {
  generate(state, sp::any_profile(sp::chaos(5000, 10000, 30, 1800, 42)), {sp::arrival_process::uniform, 0, 1, 0});
}
BENCHMARK(BM_uniform_chaos)->Unit(benchmark::kMillisecond);

template <class Profile>
void evaluate_rate(benchmark::State& state, const Profile& p) {
  double t = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.rate_at(t));
    t += 0.0137;
    if (t >= 1800) t -= 1800;
  }
}

template <class Profile>
void evaluate_cumulative(benchmark::State& state, const Profile& p) {
  double t = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(p.cumulative(t));
    t += 0.0137;
    if (t >= 1800) t -= 1800;
  }
}

void BM_rate_at_ramp_up_any(benchmark::State& state) { evaluate_rate(state, peak_load()); }
BENCHMARK(BM_rate_at_ramp_up_any);

void BM_cumulative_ramp_up_any(benchmark::State& state) { evaluate_cumulative(state, peak_load()); }
BENCHMARK(BM_cumulative_ramp_up_any);

void BM_rate_at_ramp_up_static(benchmark::State& state) {
  evaluate_rate(state, sp::then(sp::linear_ramp(0, 10000, 300), sp::constant_rate(10000, 1200), sp::linear_ramp(10000, 0, 300)));
}
BENCHMARK(BM_rate_at_ramp_up_static);

void BM_cumulative_ramp_up_static(benchmark::State& state) {
  evaluate_cumulative(state, sp::then(sp::linear_ramp(0, 10000, 300), sp::constant_rate(10000, 1200), sp::linear_ramp(10000, 0, 300)));
}
BENCHMARK(BM_cumulative_ramp_up_static);

void BM_rate_at_chaos(benchmark::State& state) { evaluate_rate(state, sp::chaos(100, 2000, 30, 1800, 42)); }
BENCHMARK(BM_rate_at_chaos);

void BM_cumulative_chaos(benchmark::State& state) { evaluate_cumulative(state, sp::chaos(100, 2000, 30, 1800, 42)); }
BENCHMARK(BM_cumulative_chaos);

void BM_cumulative_wave(benchmark::State& state) { evaluate_cumulative(state, sp::wave(500, 500, 120, 1800)); }
BENCHMARK(BM_cumulative_wave);

}  // namespace
