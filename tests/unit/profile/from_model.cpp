#include <stress_testing/models.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/burst.hpp>
#include <stress_testing/profile/chaos.hpp>
#include <stress_testing/profile/from_model.hpp>
#include <stress_testing/profile/wave.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace sp = stress_testing::profile;
using stress_testing::load_profile;
using stress_testing::load_profile_type;

namespace {

// The seed's peak load scenario: 0 → 10,000 TPS over 5 min, hold, down over 5 min, 30 min.
load_profile peak_load() {
  load_profile m;
  m.profile_type = load_profile_type::ramp_up;
  m.start_tps = 0;
  m.peak_tps = 10000;
  m.sustained_tps = 10000;
  m.ramp_up_seconds = 300;
  m.ramp_down_seconds = 300;
  return m;
}

template <class F>
std::string model_error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_SUITE("profile") {
  TEST_CASE("the peak load ramp up model gives the known rates and fifteen million requests") {
    auto const p = sp::make_profile(peak_load(), 1800);
    CHECK(p.duration() == 1800);
    CHECK(p.rate_at(0) == 0);
    CHECK(p.rate_at(150) == doctest::Approx(5000).epsilon(1e-12));
    CHECK(p.rate_at(300) == 10000);
    CHECK(p.rate_at(1000) == 10000);
    CHECK(p.rate_at(1500) == 10000);
    CHECK(p.rate_at(1650) == doctest::Approx(5000).epsilon(1e-12));
    CHECK(p.rate_at(1800) == 0);
    double const total = p.cumulative(1800);
    CHECK(std::abs(total - 15'000'000.0) <= 1e-6 * 15'000'000.0);
    CHECK(p.cumulative(300) == doctest::Approx(1'500'000).epsilon(1e-12));
    CHECK(p.cumulative(1500) == doctest::Approx(13'500'000).epsilon(1e-12));
  }

  TEST_CASE("the peak load profile schedules fifteen million uniform arrivals") {
    sp::arrival_schedule schedule(sp::make_profile(peak_load(), 1800));
    std::uint64_t n = 0;
    std::chrono::nanoseconds previous{-1};
    bool ordered = true;
    while (auto t = schedule.next()) {
      ordered = ordered && *t >= previous;
      previous = *t;
      ++n;
    }
    CHECK(ordered);
    CHECK(n == 15'000'000);
    CHECK(schedule.issued() == n);
  }

  TEST_CASE("ramp up with a peak hold falls back to the sustained rate before the ramp down") {
    load_profile m = peak_load();
    m.sustained_tps = 4000;
    m.peak_hold_seconds = 600;
    auto const p = sp::make_profile(m, 1800);
    CHECK(p.rate_at(899) == 10000);
    CHECK(p.rate_at(900) == 4000);
    CHECK(p.rate_at(1499) == 4000);
    CHECK(p.rate_at(1650) == doctest::Approx(2000));
    double const expected = 1'500'000 + 600 * 10000.0 + 600 * 4000.0 + 600'000;
    CHECK(p.cumulative(1800) == doctest::Approx(expected).epsilon(1e-12));
  }

  TEST_CASE("ramp up without a sustained stretch ramps down from the peak") {
    load_profile m = peak_load();
    m.sustained_tps = 1;
    m.peak_hold_seconds = 1200;
    auto const p = sp::make_profile(m, 1800);
    CHECK(p.rate_at(1650) == doctest::Approx(5000));
    CHECK(p.cumulative(1800) == doctest::Approx(15'000'000).epsilon(1e-12));
  }

  TEST_CASE("ramp up accepts zero length ramps") {
    load_profile m = peak_load();
    m.start_tps = 100;
    m.ramp_up_seconds = 0;
    m.ramp_down_seconds = 0;
    auto const p = sp::make_profile(m, 60);
    CHECK(p.rate_at(0) == 10000);
    CHECK(p.rate_at(59.9) == 10000);
    CHECK(p.cumulative(60) == 600'000);

    m.ramp_up_seconds = 60;
    auto const only_ramp = sp::make_profile(m, 60);
    CHECK(only_ramp.rate_at(30) == doctest::Approx(5050));
  }

  TEST_CASE("sustained burst wave and chaos models map to their shapes") {
    load_profile m;
    m.profile_type = load_profile_type::sustained;
    m.sustained_tps = 2000;
    auto const sustained = sp::make_profile(m, 7200);
    CHECK(sustained.rate_at(3600) == 2000);
    CHECK(sustained.cumulative(7200) == 14'400'000);

    m.profile_type = load_profile_type::burst;
    m.sustained_tps = 1000;
    m.burst_tps = 10000;
    m.burst_duration_seconds = 10;
    m.burst_interval_seconds = 180;
    auto const burst = sp::make_profile(m, 900);
    REQUIRE(burst.target<sp::burst>() != nullptr);
    CHECK(burst.rate_at(100) == 1000);
    CHECK(burst.rate_at(185) == 10000);
    CHECK(burst.cumulative(900) == doctest::Approx(1'260'000));

    m.profile_type = load_profile_type::wave;
    m.sustained_tps = 500;
    m.wave_amplitude = 500;
    m.wave_period_seconds = 120;
    auto const wave = sp::make_profile(m, 600);
    REQUIRE(wave.target<sp::wave>() != nullptr);
    CHECK(wave.rate_at(30) == doctest::Approx(1000));
    CHECK(wave.cumulative(600) == doctest::Approx(300'000));

    m.profile_type = load_profile_type::chaos;
    m.seed = 1234;
    auto const chaos = sp::make_profile(m, 600);
    auto const* shape = chaos.target<sp::chaos>();
    REQUIRE(shape != nullptr);
    CHECK(shape->min_rate() == 100);
    CHECK(shape->max_rate() == 2000);
    CHECK(shape->change_interval() == 30);
    CHECK(shape->seed() == 1234);
    CHECK(shape->level_count() == 20);
    auto const again = sp::make_profile(m, 600);
    for (double t = 0; t < 600; t += 7.3) CHECK(again.rate_at(t) == chaos.rate_at(t));
  }

  TEST_CASE("a sustained model at zero load yields no arrivals") {
    load_profile m;
    m.sustained_tps = 0;
    sp::arrival_schedule schedule(sp::make_profile(m, 60));
    CHECK_FALSE(schedule.next().has_value());
    CHECK_FALSE(schedule.next().has_value());
  }

  TEST_CASE("make_profile rejects invalid models naming the field") {
    double const nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(starts_with(model_error_of([] { sp::make_profile(load_profile{}, 0); }), "duration_seconds:"));
    CHECK(starts_with(model_error_of([&] { sp::make_profile(load_profile{}, nan); }), "duration_seconds:"));

    load_profile m = peak_load();
    m.ramp_up_seconds = 1000;
    m.ramp_down_seconds = 900;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(m, 1800); }), "load_profile.ramp_up_seconds:"));
    m = peak_load();
    m.peak_hold_seconds = 1500;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(m, 1800); }), "load_profile.peak_hold_seconds:"));
    m.peak_hold_seconds = -1;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(m, 1800); }), "load_profile.peak_hold_seconds:"));
    m = peak_load();
    m.peak_tps = -5;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(m, 1800); }), "load_profile.peak_tps:"));
    m = peak_load();
    m.start_tps = nan;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(m, 1800); }), "load_profile.start_tps:"));
    m = peak_load();
    m.ramp_down_seconds = -1;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(m, 1800); }), "load_profile.ramp_down_seconds:"));

    load_profile b;
    b.profile_type = load_profile_type::burst;
    b.burst_duration_seconds = 90;
    b.burst_interval_seconds = 60;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(b, 600); }), "load_profile.burst_duration_seconds:"));
    b.burst_duration_seconds = 10;
    b.burst_tps = -1;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(b, 600); }), "load_profile.burst_tps:"));

    load_profile w;
    w.profile_type = load_profile_type::wave;
    w.wave_period_seconds = 0;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(w, 600); }), "load_profile.wave_period_seconds:"));
    w.wave_period_seconds = 10;
    w.wave_amplitude = -1;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(w, 600); }), "load_profile.wave_amplitude:"));

    load_profile c;
    c.profile_type = load_profile_type::chaos;
    c.chaos_min_tps = 3000;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(c, 600); }), "load_profile.chaos_max_tps:"));
    c.chaos_min_tps = 10;
    c.chaos_change_interval_seconds = 1e-6;
    CHECK(starts_with(model_error_of([&] { sp::make_profile(c, 600); }), "load_profile.chaos_change_interval_seconds:"));

    load_profile u;
    u.profile_type = static_cast<load_profile_type>(42);
    CHECK(starts_with(model_error_of([&] { sp::make_profile(u, 600); }), "load_profile.profile_type:"));
  }
}
