// A StressTestConfig applied to a run (config/run_config.hpp): each field's effect with a known
// answer, each field that cannot be honoured refused by name, and docs/configuration.md's table
// listing every field of the model.
#include <stress_testing/config/json.hpp>
#include <stress_testing/config/run_config.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#ifndef STRESS_TESTING_SOURCE_DIR
#error "the build defines STRESS_TESTING_SOURCE_DIR for tests that read the docs"
#endif

namespace st = stress_testing;

namespace {

/// 500/s SUSTAINED for 100 s, a failure from 50 s for 10 s, one criterion of its own.
st::test_scenario sustained() {
  st::test_scenario s;
  s.scenario_id = "steady";
  s.name = "steady";
  s.duration_seconds = 100;
  s.load_profile.profile_type = st::load_profile_type::sustained;
  s.load_profile.sustained_tps = 500;
  st::failure_scenario f;
  f.start_time_seconds = 50;
  f.duration_seconds = 10;
  s.failure_scenarios.push_back(f);
  s.success_criteria.push_back(st::parse_criterion("p95_response_time_ms < 100"));
  return s;
}

/// A config every field of which can be honoured against `sustained()`.
st::stress_test_config config() {
  st::stress_test_config c;
  c.test_id = "t1";
  c.test_name = "night run";
  c.description = "what it is";
  c.target_tps = 2000;
  c.duration_seconds = 10;
  c.ramp_up_seconds = 0;
  c.ramp_down_seconds = 0;
  c.num_workers = 3;
  c.enable_failure_injection = true;
  c.enable_presentation_mode = false;
  c.enable_real_time_metrics = false;
  c.test_environment = "production";
  c.max_error_rate = 0.02;
  c.max_p99_latency_ms = 250;
  c.min_success_rate = 0.97;
  c.max_cost_per_hour = 0;
  c.auto_stop_on_budget_exceed = false;
  return c;
}

std::set<std::string> fields_of(const std::vector<st::config_problem>& problems) {
  std::set<std::string> out;
  for (auto const& p : problems) out.insert(p.path);
  return out;
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("run config: each field shapes the run") {
    std::vector<st::config_problem> problems;
    auto const r = st::apply_config(config(), sustained(), {}, problems);
    REQUIRE_MESSAGE(r, (problems.empty() ? std::string() : st::to_string(problems.front())));
    auto const& s = r->scenario;
    CHECK(s.load_profile.sustained_tps == doctest::Approx(2000));  // target_tps: the peak
    CHECK(s.duration_seconds == doctest::Approx(10));             // duration_seconds
    REQUIRE(s.failure_scenarios.size() == 1);
    CHECK(s.failure_scenarios[0].start_time_seconds == doctest::Approx(5));  // moved with the time
    CHECK(s.failure_scenarios[0].duration_seconds == doctest::Approx(1));
    CHECK(s.name == "night run");
    CHECK(s.description == "what it is");
    CHECK(s.scenario_id == "steady");
    REQUIRE(s.success_criteria.size() == 4);  // its own, then the config's three
    CHECK(st::to_string(s.success_criteria[1]) == "error_rate <= 0.02");
    CHECK(st::to_string(s.success_criteria[2]) == "p99_response_time_ms <= 250");
    CHECK(st::to_string(s.success_criteria[3]) == "success_rate >= 0.97");
    CHECK(s.success_criteria[3].description == "config min_success_rate");
    CHECK(r->workers == 3);
    CHECK(r->inject_failures);
    CHECK_FALSE(r->live_lines);
    CHECK(r->environment == st::test_environment::production);

    auto c = config();
    c.test_environment = "dev";  // a tenth of target_tps
    c.enable_failure_injection = false;
    c.enable_real_time_metrics = true;
    auto const dev = st::apply_config(c, sustained(), {}, problems);
    REQUIRE(dev);
    CHECK(dev->scenario.load_profile.sustained_tps == doctest::Approx(200));
    CHECK_FALSE(dev->inject_failures);
    CHECK(dev->live_lines);
  }

  TEST_CASE("run config: a RAMP_UP scenario takes the config's ramps; the config alone is a ramp") {
    auto c = config();
    c.target_tps = 1000;
    c.duration_seconds = 60;
    c.ramp_up_seconds = 10;
    c.ramp_down_seconds = 5;
    auto const alone = st::scenario_from_config(c);
    CHECK(alone.scenario_id == "t1");
    CHECK(alone.load_profile.profile_type == st::load_profile_type::ramp_up);
    CHECK(st::profile_peak_tps(alone.load_profile) == 1000);
    std::vector<st::config_problem> problems;
    auto const r = st::apply_config(c, alone, {}, problems);
    REQUIRE(r);
    auto const& p = r->scenario.load_profile;
    CHECK(p.start_tps == 0);
    CHECK(p.peak_tps == doctest::Approx(1000));
    CHECK(p.ramp_up_seconds == 10);
    CHECK(p.ramp_down_seconds == 5);
    CHECK(r->scenario.duration_seconds == doctest::Approx(60));
    CHECK(r->scenario.success_criteria.size() == 3);

    // A scenario ramping 100 -> 400 over 30 s of 120: scaled to a peak of 1000 in 60 s, then the config's ramps.
    st::test_scenario ramp;
    ramp.duration_seconds = 120;
    ramp.load_profile.profile_type = st::load_profile_type::ramp_up;
    ramp.load_profile.start_tps = 100;
    ramp.load_profile.peak_tps = 400;
    ramp.load_profile.sustained_tps = 200;
    ramp.load_profile.ramp_up_seconds = 30;
    ramp.load_profile.ramp_down_seconds = 30;
    auto const scaled = st::apply_config(c, ramp, {}, problems);
    REQUIRE(scaled);
    CHECK(scaled->scenario.load_profile.start_tps == doctest::Approx(250));
    CHECK(scaled->scenario.load_profile.sustained_tps == doctest::Approx(500));
    CHECK(scaled->scenario.load_profile.ramp_up_seconds == 10);
  }

  TEST_CASE("run config: the peak rate of each profile type") {
    st::load_profile p;
    p.sustained_tps = 300;
    p.peak_tps = 900;
    p.start_tps = 10;
    p.burst_tps = 1200;
    p.wave_amplitude = 50;
    p.chaos_max_tps = 700;
    p.profile_type = st::load_profile_type::sustained;
    CHECK(st::profile_peak_tps(p) == 300);
    p.profile_type = st::load_profile_type::ramp_up;
    CHECK(st::profile_peak_tps(p) == 900);
    p.profile_type = st::load_profile_type::burst;
    CHECK(st::profile_peak_tps(p) == 1200);
    p.profile_type = st::load_profile_type::wave;
    CHECK(st::profile_peak_tps(p) == 350);
    p.profile_type = st::load_profile_type::chaos;
    CHECK(st::profile_peak_tps(p) == 700);
  }

  TEST_CASE("run config: a field it cannot honour, or one the command line also set, is refused by name") {
    auto c = config();
    c.ramp_up_seconds = 60;  // a SUSTAINED profile has no ramp
    c.enable_presentation_mode = true;
    c.max_cost_per_hour = 100;  // the seed's default
    c.auto_stop_on_budget_exceed = true;
    std::vector<st::config_problem> problems;
    CHECK_FALSE(st::apply_config(c, sustained(), {}, problems));
    CHECK(fields_of(problems) == std::set<std::string>{"ramp_up_seconds", "enable_presentation_mode",
                                                       "max_cost_per_hour", "auto_stop_on_budget_exceed"});

    problems.clear();
    st::config_overrides given;
    given.time_scale = given.load_scale = given.environment = given.workers = given.no_faults =
        given.live_dashboard = true;
    CHECK_FALSE(st::apply_config(config(), sustained(), given, problems));
    CHECK(fields_of(problems) == std::set<std::string>{"duration_seconds", "target_tps", "test_environment",
                                                       "num_workers", "enable_failure_injection",
                                                       "enable_real_time_metrics"});
    auto const tps = std::find_if(problems.begin(), problems.end(), [](auto const& p) { return p.path == "target_tps"; });
    CHECK(tps->reason.find("--load-scale") != std::string::npos);

    problems.clear();
    c = config();
    c.num_workers = 0;  // invalid on its own
    CHECK_FALSE(st::apply_config(c, sustained(), {}, problems));
    CHECK(fields_of(problems) == std::set<std::string>{"num_workers"});
  }

  TEST_CASE("docs/configuration.md's table lists every field of StressTestConfig") {
    std::ifstream in(STRESS_TESTING_SOURCE_DIR "/docs/configuration.md");
    REQUIRE(in);
    std::set<std::string> documented;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("| `", 0) != 0) continue;
      auto const first = line.substr(0, line.find(" | "));  // the field column: `a`, `b`
      for (std::size_t at = first.find('`'); at != std::string::npos; at = first.find('`', at + 1)) {
        auto const end = first.find('`', at + 1);
        documented.insert(first.substr(at + 1, end - at - 1));
        at = end;
      }
    }
    auto const fields = nlohmann::json(st::stress_test_config{});
    REQUIRE(fields.size() > 15);
    for (auto const& [key, value] : fields.items()) CHECK_MESSAGE(documented.count(key) == 1, key);
  }
}
