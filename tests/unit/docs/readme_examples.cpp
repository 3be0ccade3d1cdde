// The README's code, compiled and checked, so the first code a user copies works.
#include <stress_testing/config.hpp>
#include <stress_testing/metrics/histogram.hpp>
#include <stress_testing/profile.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace st = stress_testing;

TEST_SUITE("docs") {
  TEST_CASE("the README profile and histogram example works") {
    auto profile = st::profile::then(st::profile::linear_ramp(0, 5000, 60), st::profile::constant_rate(5000, 540));
    st::profile::arrival_schedule schedule(profile);
    std::uint64_t n = 0;
    while (auto t = schedule.next()) ++n;
    CHECK(n == 2'850'000);  // 60 s averaging 2,500/s + 540 s at 5,000/s

    st::metrics::histogram latency(1, 3'600'000'000, 3);
    latency.record_value(1200);
    CHECK(latency.value_at_percentile(99.0) == 1200);
  }

  TEST_CASE("the README configuration example works") {
    // Unique per process: ctest -j, and the plain and sanitizer trees, may run this at once.
    auto dir = std::filesystem::temp_directory_path() /
               ("stress_testing_readme_configs_" + std::to_string(std::random_device{}()));
    st::configuration_manager manager(dir);
    auto config = manager.create_default_config("My Stress Test", 5000, 600);
    auto path = manager.save_config(config);
    CHECK(st::configuration_manager::load_config(path) == config);
    std::filesystem::remove_all(dir);

    auto c = st::parse_criterion("p95_response_time_ms < 2000");
    auto r = st::evaluate(c, [](std::string_view) -> std::optional<double> { return 1500.0; });
    CHECK(r.verdict == st::verdict::pass);
    CHECK(*r.actual == 1500.0);
  }
}
