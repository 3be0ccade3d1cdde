#include <stress_testing/config/json.hpp>
#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/config/seed_criteria.hpp>
#include <stress_testing/metrics/metric_names.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace stress_testing;

namespace {
std::vector<std::string> criteria_text(const test_scenario& s) {
  std::vector<std::string> v;
  for (auto const& c : s.success_criteria) v.push_back(to_string(c));
  return v;
}
}  // namespace

TEST_SUITE("config") {
  TEST_CASE("every predefined scenario round-trips through JSON unchanged and validates") {
    for (auto const& s : scenario_builder::all()) {
      CAPTURE(s.scenario_id);
      std::vector<config_problem> problems;
      auto j = nlohmann::json::parse(nlohmann::json(s).dump());
      auto back = read_json<test_scenario>(j, problems);
      REQUIRE(back);
      CHECK(*back == s);
      CHECK(problems.empty());
      CHECK(nlohmann::json(*back) == nlohmann::json(s));
    }
  }

  TEST_CASE("the peak load scenario has the design's numbers") {
    auto s = scenario_builder::create_peak_load_scenario();
    CHECK(s.scenario_id == "peak_load");
    CHECK(s.duration_seconds == 1800);
    CHECK(s.load_profile.profile_type == load_profile_type::ramp_up);
    CHECK(s.load_profile.start_tps == 0);
    CHECK(s.load_profile.peak_tps == 10000);
    CHECK(s.load_profile.ramp_up_seconds == 300);
    CHECK(s.load_profile.ramp_down_seconds == 300);
    CHECK_FALSE(s.load_profile.peak_hold_seconds);
    CHECK(criteria_text(s) == std::vector<std::string>{"requests_lost == 0", "p95_response_time_ms < 2000",
                                                       "p99_response_time_ms < 5000", "error_rate < 0.001",
                                                       "unhealthy_agents == 0", "concurrent_users >= 500",
                                                       "throttle_rate == 0"});
    CHECK_FALSE(s.user_profile);  // the open model unless --users or a user_profile says otherwise
  }

  TEST_CASE("scaling scales a user profile's users and ramp and keeps its think time") {
    auto s = scenario_builder::create_peak_load_scenario();
    user_profile u;
    u.users = 500;
    u.think_time_seconds = 0.1;
    u.ramp_up_seconds = 60;
    u.stages = {{30, 200}, {60, 0}};
    s.user_profile = u;
    auto const scaled = scale_scenario(s, 0.1, 0.01);
    REQUIRE(scaled.user_profile);
    CHECK(scaled.user_profile->users == 5);
    CHECK(scaled.user_profile->think_time_seconds == 0.1);
    CHECK(scaled.user_profile->ramp_up_seconds == doctest::Approx(6));
    CHECK(scaled.user_profile->stages[0].duration_seconds == doctest::Approx(3));
    CHECK(scaled.user_profile->stages[0].target_users == 2);
    CHECK(scaled.user_profile->stages[1].target_users == 0);  // a stage at 0 stays 0
    CHECK(scale_scenario(s, 1, 1e-6).user_profile->users == 1);  // a population keeps one user
    auto const c = std::find_if(scaled.success_criteria.begin(), scaled.success_criteria.end(),
                                [](const criterion& x) { return x.metric == "concurrent_users"; });
    REQUIRE(c != scaled.success_criteria.end());
    CHECK(c->threshold == doctest::Approx(5));  // users are load: the criterion scales with them
  }

  TEST_CASE("the sustained burst failure and investor scenarios have the design's numbers") {
    auto su = scenario_builder::create_sustained_load_scenario();
    CHECK(su.load_profile.profile_type == load_profile_type::sustained);
    CHECK(su.load_profile.sustained_tps == 2000);
    CHECK(su.duration_seconds == 7200);

    auto b = scenario_builder::create_burst_traffic_scenario();
    CHECK(b.load_profile.profile_type == load_profile_type::burst);
    CHECK(b.load_profile.sustained_tps == 1000);
    CHECK(b.load_profile.burst_tps == 10000);
    CHECK(b.load_profile.burst_interval_seconds == 180);
    CHECK(b.load_profile.burst_duration_seconds == 5);
    CHECK(b.duration_seconds == 900);
    CHECK(criteria_text(b)[0] == "requests_lost == 0");

    auto f = scenario_builder::create_failure_recovery_scenario();
    CHECK(f.load_profile.sustained_tps == 3000);
    CHECK(f.duration_seconds == 2700);
    REQUIRE(f.failure_scenarios.size() == 4);
    CHECK(f.failure_scenarios[0].failure_type == failure_type::lambda_crash);
    CHECK(f.failure_scenarios[1].failure_type == failure_type::dynamodb_throttle);
    CHECK(f.failure_scenarios[2].failure_type == failure_type::network_latency);
    CHECK(std::get<std::int64_t>(f.failure_scenarios[2].parameters.at("latency_ms")) == 500);
    CHECK(f.failure_scenarios[3].failure_type == failure_type::bedrock_rate_limit);
    CHECK(f.failure_scenarios[3].start_time_seconds == 1200);

    auto i = scenario_builder::create_investor_presentation_scenario();
    CHECK(i.load_profile.peak_tps == 8000);
    CHECK(i.duration_seconds == 600);
    REQUIRE(i.failure_scenarios.size() == 1);
    // The failure lands while the peak is held (120 s ramp + 240 s hold).
    CHECK(i.failure_scenarios[0].start_time_seconds >= i.load_profile.ramp_up_seconds);
    CHECK(i.failure_scenarios[0].start_time_seconds + i.failure_scenarios[0].duration_seconds <=
          i.load_profile.ramp_up_seconds + *i.load_profile.peak_hold_seconds);
  }

  TEST_CASE("scenarios are found by their names") {
    for (auto n : scenario_builder::names) {
      auto s = scenario_builder::create(n);
      REQUIRE(s);
      CHECK(s->scenario_id == n);
    }
    CHECK_FALSE(scenario_builder::create("peak"));
  }

  TEST_CASE("scaling shrinks time and load and keeps latency criteria") {
    auto s = scenario_builder::create_failure_recovery_scenario();
    s.success_criteria.push_back(parse_criterion("throughput_tps >= 2900"));
    auto t = scale_scenario(s, 0.01, 0.1);
    CHECK(t.duration_seconds == doctest::Approx(27));
    CHECK(t.load_profile.sustained_tps == doctest::Approx(300));
    CHECK(t.failure_scenarios[1].start_time_seconds == doctest::Approx(6));
    CHECK(t.failure_scenarios[1].duration_seconds == doctest::Approx(1.2));
    CHECK(t.success_criteria.back().threshold == doctest::Approx(290));
    CHECK(t.success_criteria[0] == s.success_criteria[0]);
    std::vector<config_problem> ps;
    validate(t, ps);
    CHECK(ps.empty());
    CHECK_THROWS_AS(scale_scenario(s, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(scale_scenario(s, 1, -1), std::invalid_argument);
    CHECK_THROWS_AS(scale_scenario(s, std::nan(""), 1), std::invalid_argument);
  }

  TEST_CASE("scaling scales every time-based threshold and scope") {
    // burst_traffic: max_recovery_seconds <= 60 at 0.05 becomes <= 3 (a 45 s run could never fail 60 s).
    auto b = scale_scenario(scenario_builder::create_burst_traffic_scenario(), 0.05, 0.3);
    bool found = false;
    for (auto const& c : b.success_criteria)
      if (c.metric == "max_recovery_seconds") {
        found = true;
        CHECK(c.threshold == doctest::Approx(3));
        CHECK(to_string(c) == "max_recovery_seconds <= 3");
      }
    CHECK(found);
    // The seed's requirement 1.5 (scaling within 60 s of reaching 80%) scales the same way.
    found = false;
    for (auto const& c : b.success_criteria)
      if (c.metric == "time_to_scale_seconds") {
        found = true;
        CHECK(to_string(c) == "time_to_scale_seconds <= 3");
      }
    CHECK(found);
    // Scoped spans scale with time; latency, rate and count thresholds do not.
    auto s = scenario_builder::create_peak_load_scenario();
    s.success_criteria = {parse_criterion("p99_response_time_ms < 500 over any 10s"),
                          parse_criterion("error_rate < 0.01 within 30s after each failure"),
                          parse_criterion("requests_lost == 0"), parse_criterion("error_rate < 0.001")};
    auto t = scale_scenario(s, 0.01, 0.5);
    CHECK(t.success_criteria[0].span_seconds == doctest::Approx(0.1));
    CHECK(t.success_criteria[0].threshold == 500);
    CHECK(t.success_criteria[1].span_seconds == doctest::Approx(0.3));
    CHECK(t.success_criteria[1].threshold == 0.01);
    CHECK(t.success_criteria[2] == s.success_criteria[2]);
    CHECK(t.success_criteria[3] == s.success_criteria[3]);
    CHECK(to_string(t.success_criteria[1]) == "error_rate < 0.01 within 0.3s after each failure");
  }

  TEST_CASE("the sampling interval resolves the shortest failure burst or window") {
    // Unscaled, every predefined scenario keeps the 1 s interval (its shortest window is 5 s or more).
    for (auto const& each : scenario_builder::all())
      CHECK_MESSAGE(sampling_interval_seconds(each) == 1.0, each.scenario_id);
    // burst_traffic's 5 s bursts at 0.05: 0.25 s, seen by four 62.5 ms intervals (1 s saw none).
    auto const burst = scale_scenario(scenario_builder::create_burst_traffic_scenario(), 0.05, 0.3);
    CHECK(sampling_interval_seconds(burst) == doctest::Approx(0.0625));
    // failure_recovery at 0.02: its shortest failures last 60 s -> 1.2 s, a quarter is 0.3 s.
    auto const fr = scale_scenario(scenario_builder::create_failure_recovery_scenario(), 0.02, 1);
    CHECK(sampling_interval_seconds(fr) == doctest::Approx(0.3));
    // At 0.001 its 0.06 s failures want 15 ms; at 0.0001, the 10 ms floor.
    CHECK(sampling_interval_seconds(scale_scenario(scenario_builder::create_failure_recovery_scenario(), 0.001, 1)) ==
          doctest::Approx(0.015));
    CHECK(sampling_interval_seconds(scale_scenario(scenario_builder::create_failure_recovery_scenario(), 0.0001, 1)) ==
          shortest_sampling_interval_seconds);
    // A scoped criterion's window counts too; a burst's length only for a BURST profile.
    test_scenario plain;
    plain.duration_seconds = 10;
    plain.load_profile.burst_duration_seconds = 0.1;  // not a BURST profile: ignored
    CHECK(sampling_interval_seconds(plain) == 1.0);
    plain.success_criteria = {parse_criterion("p99_response_time_ms < 5 over any 2s")};
    CHECK(sampling_interval_seconds(plain) == doctest::Approx(0.5));
  }

  TEST_CASE("environments scale a scenario's load") {
    auto p = scenario_builder::create_peak_load_scenario();
    CHECK(apply_environment(p, test_environment::dev).load_profile.peak_tps == doctest::Approx(1000));
    CHECK(apply_environment(p, test_environment::staging).load_profile.peak_tps == doctest::Approx(8000));
    CHECK(apply_environment(p, test_environment::production).load_profile.peak_tps == 10000);
    CHECK(apply_environment(p, test_environment::dev).duration_seconds == 1800);
  }
}

TEST_SUITE("config") {
  TEST_CASE("every seed criterion key maps to a known metric") {
    for (auto const& c : seed_criteria) CHECK_MESSAGE(metrics::find_metric(c.metric), c.key);
    for (auto const& c : seed_criteria_aliases) CHECK_MESSAGE(metrics::find_metric(c.metric), c.key);
  }
}
