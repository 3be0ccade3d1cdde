#include <stress_testing/config/configuration_manager.hpp>
#include <stress_testing/config/scenario_builder.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>

using namespace stress_testing;
namespace fs = std::filesystem;

namespace {
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("stress_testing_cfg_" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};
}  // namespace

TEST_SUITE("config") {
  TEST_CASE("the default config has the seed's defaults") {
    configuration_manager m;
    auto c = m.create_default_config("My Stress Test", 5000, 600);
    CHECK(c.test_name == "My Stress Test");
    CHECK(c.target_tps == 5000);
    CHECK(c.duration_seconds == 600);
    CHECK(c.ramp_up_seconds == 60);
    CHECK(c.ramp_down_seconds == 60);
    CHECK(c.num_workers == 10);
    CHECK(c.test_environment == "dev");
    CHECK(c.enable_real_time_metrics);
    CHECK_FALSE(c.enable_failure_injection);
    REQUIRE(c.test_id.size() == std::string("test_YYYYMMDD_HHMMSS").size());
    CHECK(c.test_id.rfind("test_", 0) == 0);
    CHECK(configuration_manager::validate_config(c).first);
  }

  TEST_CASE("a saved config loads back equal") {
    temp_dir d;
    configuration_manager m(d.path / "configs");
    auto c = m.create_default_config("roundtrip", 2500, 120);
    c.tags["k"] = "v";
    auto path = m.save_config(c);
    CHECK(path == d.path / "configs" / (c.test_id + ".json"));
    CHECK(configuration_manager::load_config(path) == c);
    CHECK_FALSE(fs::exists(path.string() + ".tmp"));

    auto s = scenario_builder::create_burst_traffic_scenario();
    auto sp = m.save_scenario(s);
    CHECK(configuration_manager::load_scenario(sp) == s);
  }

  TEST_CASE("a bad file reports every problem and loads nothing") {
    temp_dir d;
    auto p = d.path / "bad.json";
    std::ofstream(p) << R"({"test_id": "t", "test_name": "n", "target_tps": -1, "duration_seconds": 10,
                           "ramp_up_seconds": 60, "test_environment": "qa"})";
    std::vector<config_problem> problems;
    auto c = configuration_manager::load_config(p, problems);
    CHECK_FALSE(c);
    CHECK(problems.size() == 3);  // target_tps, ramp longer than duration, environment
    try {
      (void)configuration_manager::load_config(p);
      FAIL("expected config_error");
    } catch (config_error const& e) {
      CHECK(std::string(e.what()).find(p.string()) != std::string::npos);
      CHECK(e.problems().size() == 3);
    }
  }

  TEST_CASE("a missing file and a truncated file are problems not crashes") {
    temp_dir d;
    std::vector<config_problem> problems;
    CHECK_FALSE(configuration_manager::load_config(d.path / "nope.json", problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].reason.find("no such file") == 0);

    configuration_manager m(d.path);
    auto good = m.save_config(m.create_default_config("t"));
    std::string text;
    {
      std::ifstream in(good);
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    // Every truncation of a valid file is rejected cleanly.
    for (std::size_t n = 0; n + 1 < text.size(); n += 7) {
      auto p = d.path / "trunc.json";
      std::ofstream(p, std::ios::trunc) << text.substr(0, n);
      problems.clear();
      CHECK_FALSE(configuration_manager::load_config(p, problems));
      CHECK_FALSE(problems.empty());
    }
  }
}
