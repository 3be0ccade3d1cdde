#include <stress_testing/models.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/from_model.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/scale_time.hpp>

#include <doctest/doctest.h>

#include <stdexcept>

namespace sp = stress_testing::profile;

TEST_SUITE("profile") {
  TEST_CASE("scale_time of a 1800 second profile by 0.01 lasts 18 seconds with 1 percent of the requests") {
    stress_testing::load_profile peak;
    peak.profile_type = stress_testing::load_profile_type::ramp_up;
    peak.start_tps = 0;
    peak.peak_tps = 10000;
    peak.sustained_tps = 10000;
    peak.ramp_up_seconds = 300;
    peak.ramp_down_seconds = 300;
    auto const full = sp::make_profile(peak, 1800);
    auto const fast = sp::scale_time(full, 0.01);
    CHECK(fast.duration() == doctest::Approx(18));
    CHECK(fast.rate_at(1.5) == doctest::Approx(5000));
    CHECK(fast.rate_at(10) == doctest::Approx(10000));
    CHECK(fast.rate_at(16.5) == doctest::Approx(5000));
    CHECK(fast.cumulative(18) == doctest::Approx(150'000).epsilon(1e-9));
    CHECK(fast.cumulative(18) == doctest::Approx(0.01 * full.cumulative(1800)).epsilon(1e-12));

    sp::arrival_schedule schedule(fast);
    std::size_t n = 0;
    std::chrono::nanoseconds last{};
    while (auto t = schedule.next()) {
      ++n;
      last = *t;
    }
    CHECK(n >= 149'999);
    CHECK(n <= 150'001);
    CHECK(last <= std::chrono::seconds(18));
  }

  TEST_CASE("scale_time stretches the curve and keeps the rates") {
    auto const slow = sp::scale_time(sp::linear_ramp(0, 100, 10), 3);
    CHECK(slow.duration() == 30);
    CHECK(slow.rate_at(15) == doctest::Approx(50));
    CHECK(slow.cumulative(30) == doctest::Approx(1500));
    auto const s = slow.segment_at(4);
    CHECK(s.end == 30);
    CHECK(s.slope == doctest::Approx(100.0 / 30));
  }

  TEST_CASE("scale_time rejects zero and negative factors") {
    CHECK_THROWS_WITH_AS(sp::scale_time(sp::linear_ramp(0, 1, 1), 0), "scale_time.factor: must be a finite number > 0 (got 0)",
                         std::invalid_argument);
    CHECK_THROWS_AS(sp::scale_time(sp::linear_ramp(0, 1, 1), -1), std::invalid_argument);
  }
}
