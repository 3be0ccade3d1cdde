// A consumer's program: uses the pure layer and the configuration layer through the installed
// or embedded package, and checks one known answer so a broken package cannot pass silently.
#include <stress_testing/stress_testing.hpp>

#include <cstdio>

int main() {
  auto const c = stress_testing::parse_criterion("p95_response_time_ms < 2000");
  bool const ok = c.metric == "p95_response_time_ms" && c.threshold == 2000.0 &&
                  stress_testing::to_string(stress_testing::load_profile_type::ramp_up) == "RAMP_UP";
  std::puts(ok ? "consumer ok" : "consumer: wrong answer");
  return ok ? 0 : 1;
}
