// Properties every profile of the module must have, checked on every shape, on compositions and
// through type erasure: cumulative is the integral of rate_at, segments tile the profile and
// agree with it, and uniform arrivals land where cumulative says they should.
#include <stress_testing/profile.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace sp = stress_testing::profile;

namespace {

// Rate c·t² with no segment_at: exercises the numeric (opaque) inversion.
struct quadratic_profile {
  double c;
  double d;
  double rate_at(double t) const noexcept { return t >= 0 && t < d ? c * t * t : 0.0; }
  double duration() const noexcept { return d; }
  double cumulative(double t) const noexcept {
    double const x = t > 0 ? (t < d ? t : d) : 0.0;
    return c * x * x * x / 3.0;
  }
};

// 50/s, then nothing for 10 s, then 80/s; no segment_at, so the gap is found numerically.
struct opaque_gap_profile {
  double rate_at(double t) const noexcept {
    if (t >= 0 && t < 10) return 50;
    if (t >= 20 && t < 30) return 80;
    return 0;
  }
  double duration() const noexcept { return 30; }
  double cumulative(double t) const noexcept {
    double const x = t > 0 ? (t < 30 ? t : 30) : 0.0;
    return 50 * std::min(x, 10.0) + 80 * std::max(0.0, x - 20);
  }
};

static_assert(!sp::segmented_profile<quadratic_profile>);

std::vector<std::int64_t> all_arrivals(const sp::any_profile& p, sp::arrival_options options = {}) {
  sp::arrival_schedule schedule(p, options);
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(schedule.expected_count()) + 2);
  while (auto t = schedule.next()) out.push_back(t->count());
  return out;
}

// Midpoint integral of rate_at against cumulative at checkpoints. Discontinuities cost at most
// one jump times the step each, well inside the tolerance.
void check_integral(const sp::any_profile& p) {
  double const d = p.duration();
  int const steps = 1 << 18;
  double const h = d / steps;
  double const total = p.cumulative(d);
  double const tolerance = 1e-3 * total + 1e-6;
  double sum = 0;
  for (int i = 0; i < steps; ++i) {
    sum += p.rate_at((i + 0.5) * h) * h;
    if ((i + 1) % (steps / 64) == 0) {
      double const t = (i + 1) * h;
      CAPTURE(t);
      CHECK(std::abs(sum - p.cumulative(t)) <= tolerance);
    }
  }
  CHECK(p.cumulative(-1.0) == 0.0);
  CHECK(p.cumulative(std::nan("")) == 0.0);
  CHECK(p.cumulative(d + 1.0) == total);
  CHECK(p.rate_at(-1e-9) == 0.0);
  CHECK(p.rate_at(d) == 0.0);
  CHECK(p.rate_at(std::nan("")) == 0.0);
}

void check_segments(const sp::any_profile& p) {
  double const d = p.duration();
  double const scale = p.cumulative(d) + 1.0;
  sp::segment s = p.segment_at(0.0);
  CHECK(s.begin == 0.0);
  int count = 0;
  for (;;) {
    ++count;
    REQUIRE(count < 100000);
    CAPTURE(s.begin);
    CAPTURE(s.end);
    REQUIRE(s.end > s.begin);
    CHECK(std::abs(s.cumulative_begin - p.cumulative(s.begin)) <= 1e-9 * scale);
    CHECK(std::abs(s.cumulative_end - p.cumulative(s.end)) <= 1e-9 * scale);
    if (s.kind != sp::segment_kind::opaque) {
      for (double f : {0.1, 0.5, 0.9}) {
        double const t = s.begin + f * (s.end - s.begin);
        CHECK(std::abs(s.rate_at(t) - p.rate_at(t)) <= 1e-9 * (p.rate_at(t) + 1.0));
        CHECK(std::abs(s.cumulative_at(t) - p.cumulative(t)) <= 1e-9 * scale);
      }
    }
    if (!(s.end < d)) break;
    sp::segment const next = p.segment_at(s.end);
    CHECK(next.end > s.end);
    CHECK(std::abs(next.begin - s.end) <= 1e-12 * (d + 1.0));
    s = next;
  }
  CHECK(s.end == doctest::Approx(d).epsilon(1e-12));
}

// Counts arrivals emitted (as rounded nanoseconds) in [a, b). An arrival at true time x is
// emitted as round(x), so emitted counts in [a, b) are true counts in [a − ½ ns, b − ½ ns).
std::ptrdiff_t count_in(const std::vector<std::int64_t>& v, std::int64_t a, std::int64_t b) {
  return std::lower_bound(v.begin(), v.end(), b) - std::lower_bound(v.begin(), v.end(), a);
}

double cumulative_at_ns(const sp::any_profile& p, std::int64_t ns) { return p.cumulative((static_cast<double>(ns) - 0.5) * 1e-9); }

void check_uniform_counts(const sp::any_profile& p) {
  auto const arrivals = all_arrivals(p);
  double const total = p.cumulative(p.duration());
  CHECK(std::abs(static_cast<double>(arrivals.size()) - total) <= 1.0);
  CHECK(std::is_sorted(arrivals.begin(), arrivals.end()));
  if (!arrivals.empty()) {
    CHECK(arrivals.front() >= 0);
    CHECK(static_cast<double>(arrivals.back()) <= p.duration() * 1e9);
  }
  auto const d_ns = static_cast<std::int64_t>(p.duration() * 1e9);
  // Windows tiling the profile, then windows of random position and width.
  int const tiles = 997;
  for (int k = 0; k < tiles; ++k) {
    std::int64_t const a = d_ns / tiles * k;
    std::int64_t const b = k + 1 == tiles ? d_ns + 1 : d_ns / tiles * (k + 1);
    double const expected = cumulative_at_ns(p, b) - cumulative_at_ns(p, a);
    CAPTURE(a);
    CAPTURE(b);
    CHECK(std::abs(static_cast<double>(count_in(arrivals, a, b)) - expected) <= 1.0 + 1e-9);
  }
  sp::detail::splitmix64_engine g(7);
  for (int k = 0; k < 2000; ++k) {
    auto const x = static_cast<std::int64_t>(sp::detail::to_unit(g()) * static_cast<double>(d_ns));
    auto const y = static_cast<std::int64_t>(sp::detail::to_unit(g()) * static_cast<double>(d_ns));
    std::int64_t const a = std::min(x, y);
    std::int64_t const b = std::max(x, y);
    double const expected = cumulative_at_ns(p, b) - cumulative_at_ns(p, a);
    CAPTURE(a);
    CAPTURE(b);
    CHECK(std::abs(static_cast<double>(count_in(arrivals, a, b)) - expected) <= 1.0 + 1e-9);
  }
}

void check_partition(const sp::any_profile& p, std::size_t workers) {
  auto const whole = all_arrivals(p);
  std::vector<std::int64_t> merged;
  for (std::size_t i = 0; i < workers; ++i) {
    auto const part = all_arrivals(p, {sp::arrival_process::uniform, 0, workers, i});
    CHECK(std::is_sorted(part.begin(), part.end()));
    merged.insert(merged.end(), part.begin(), part.end());
  }
  std::sort(merged.begin(), merged.end());
  CHECK(merged.size() == whole.size());
  CHECK(merged == whole);
}

struct named_profile {
  std::string name;
  sp::any_profile profile;
};

std::vector<named_profile> all_profiles() {
  stress_testing::load_profile peak;
  peak.profile_type = stress_testing::load_profile_type::ramp_up;
  peak.start_tps = 0;
  peak.peak_tps = 10000;
  peak.sustained_tps = 10000;
  peak.ramp_up_seconds = 300;
  peak.ramp_down_seconds = 300;
  stress_testing::load_profile wave_model;
  wave_model.profile_type = stress_testing::load_profile_type::wave;
  stress_testing::load_profile chaos_model;
  chaos_model.profile_type = stress_testing::load_profile_type::chaos;

  return {
      {"constant", sp::constant_rate(1000, 60)},
      {"fractional constant", sp::constant_rate(333.3, 7.77)},
      {"ramp up from zero", sp::linear_ramp(0, 2000, 60)},
      {"ramp down to zero", sp::linear_ramp(2000, 0, 60)},
      {"ramp between levels", sp::linear_ramp(150, 1700, 45.5)},
      {"burst", sp::burst(200, 3000, 5, 20, 95)},
      {"burst with idle baseline", sp::burst(0, 2500, 3, 10, 60)},
      {"wave", sp::wave(1000, 600, 17, 60)},
      {"wave at full amplitude", sp::wave(800, 800, 10, 40)},
      {"clamped wave", sp::wave(300, 900, 12, 50)},
      {"clamped wave with zero mean", sp::wave(0, 1500, 8, 41)},
      {"chaos", sp::chaos(100, 2000, 1.5, 70, 42)},
      {"sequence with a zero gap", sp::then(sp::constant_rate(500, 10), sp::constant_rate(0, 15),
                                            sp::linear_ramp(0, 900, 20), sp::wave(400, 300, 7, 21))},
      {"sequence starting with a gap", sp::then(sp::constant_rate(0, 4), sp::burst(100, 900, 2, 5, 30))},
      {"nested sequence", sp::then(sp::then(sp::linear_ramp(10, 1000, 10), sp::constant_rate(1000, 5)),
                                   sp::chaos(0, 800, 2, 21, 3))},
      {"dynamic sequence", sp::dynamic_sequence({sp::any_profile(sp::constant_rate(700, 9)), sp::any_profile(),
                                                 sp::any_profile(sp::wave(500, 700, 6, 20)),
                                                 sp::any_profile(sp::constant_rate(0, 3)),
                                                 sp::any_profile(sp::linear_ramp(600, 0, 12))})},
      {"load scaled", sp::scale_load(sp::wave(1000, 400, 9, 40), 1.7)},
      {"time scaled", sp::scale_time(sp::then(sp::linear_ramp(0, 500, 100), sp::burst(300, 1500, 10, 40, 200)), 0.13)},
      {"time scaled peak load", sp::scale_time(sp::make_profile(peak, 1800), 0.01)},
      {"load scaled peak load", sp::scale_load(sp::make_profile(peak, 1800), 0.004)},
      {"scaled chaos model", sp::scale_time(sp::make_profile(chaos_model, 600), 0.1)},
      {"wave model", sp::make_profile(wave_model, 360)},
      {"opaque quadratic", quadratic_profile{3.0, 40.0}},
      {"opaque profile with a gap", opaque_gap_profile{}},
      {"opaque inside a sequence", sp::then(sp::constant_rate(100, 5), opaque_gap_profile{})},
      {"opaque time scaled", sp::scale_time(quadratic_profile{1.0, 50.0}, 0.5)},
  };
}

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("cumulative is the integral of rate_at for every profile") {
    for (auto const& entry : all_profiles()) {
      CAPTURE(entry.name);
      auto const& p = entry.profile;
      check_integral(p);
    }
  }

  TEST_CASE("segments tile every profile and agree with rate_at and cumulative") {
    for (auto const& entry : all_profiles()) {
      CAPTURE(entry.name);
      auto const& p = entry.profile;
      check_segments(p);
    }
  }

  TEST_CASE("uniform arrivals in any window match the cumulative difference within one") {
    for (auto const& entry : all_profiles()) {
      CAPTURE(entry.name);
      auto const& p = entry.profile;
      check_uniform_counts(p);
    }
  }

  TEST_CASE("the union of worker shares is exactly the single worker uniform schedule") {
    for (auto const& entry : all_profiles()) {
      CAPTURE(entry.name);
      auto const& p = entry.profile;
      check_partition(p, 3);
      check_partition(p, 8);
    }
  }
}
