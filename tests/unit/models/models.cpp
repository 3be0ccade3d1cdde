#include <stress_testing/models.hpp>

#include <doctest/doctest.h>

using namespace stress_testing;

TEST_SUITE("models") {
  TEST_CASE("enums print as the seed prints them and parse back") {
    CHECK(to_string(load_profile_type::ramp_up) == "RAMP_UP");
    CHECK(to_string(test_status::not_started) == "NOT_STARTED");
    CHECK(to_string(failure_type::dynamodb_throttle) == "DYNAMODB_THROTTLE");
    CHECK(to_string(degradation_level::critical) == "CRITICAL");
    CHECK(enum_from_string<load_profile_type>("CHAOS") == load_profile_type::chaos);
    CHECK(enum_from_string<load_profile_type>("chaos") == load_profile_type::chaos);  // Python's value
    CHECK_FALSE(enum_from_string<load_profile_type>("Chaos"));
    CHECK_FALSE(enum_from_string<failure_type>(""));
  }

  TEST_CASE("failure_type covers the failures the design names") {
    for (auto name : {"LAMBDA_CRASH", "LAMBDA_COLD_START", "DYNAMODB_THROTTLE", "KINESIS_LAG", "BEDROCK_RATE_LIMIT",
                      "NETWORK_LATENCY", "NETWORK_PARTITION", "AGENT_FAILURE", "AGENT_TIMEOUT"}) {
      auto f = enum_from_string<failure_type>(name);
      REQUIRE_MESSAGE(f, name);
      CHECK(to_string(*f) == name);
    }
  }

  TEST_CASE("every enum value has a distinct name") {
    auto distinct = [](auto const& names) {
      for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = i + 1; j < names.size(); ++j)
          if (names[i] == names[j]) return false;
      return true;
    };
    CHECK(distinct(enum_traits<test_status>::names));
    CHECK(distinct(enum_traits<load_profile_type>::names));
    CHECK(distinct(enum_traits<failure_type>::names));
    CHECK(distinct(enum_traits<degradation_level>::names));
    CHECK(enum_traits<failure_type>::names.size() == enum_traits<failure_type>::values.size());
  }

  TEST_CASE("environments scale load as the original design says") {
    CHECK(environment_load_factor(test_environment::dev) == 0.10);
    CHECK(environment_load_factor(test_environment::staging) == 0.80);
    CHECK(environment_load_factor(test_environment::production) == 1.0);
    CHECK(parse_test_environment("staging") == test_environment::staging);
    CHECK_FALSE(parse_test_environment("prod"));
  }
}
