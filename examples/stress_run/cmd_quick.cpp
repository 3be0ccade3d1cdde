// Quick mode (cmd_quick.hpp): the URL and its request, run by run_engine.cpp.

#include "cmd_quick.hpp"

#include "cli_util.hpp"
#include "http_common.hpp"
#include "run_engine.hpp"

#include <stress_testing/config/validation.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <utility>

namespace stress_run {

namespace st = stress_testing;

int run_quick(app_context& ctx, const quick_settings& q, const http_settings& h) {
  auto const seconds = parse_duration(q.duration);
  if (!seconds || *seconds <= 0) return http_settings::bad("--duration", q.duration), usage_error;
  if (*seconds < st::limits::min_duration_seconds || *seconds > st::limits::max_duration_seconds) {
    std::cerr << "stress-run: --duration '" << q.duration << "': must be from 1ms to 7 days (the sanity limit)\n";
    return usage_error;
  }
  st::test_scenario scenario;
  scenario.scenario_id = "quick";
  scenario.name = "quick " + q.method + " " + q.url;
  scenario.duration_seconds = *seconds;
  scenario.load_profile.profile_type = st::load_profile_type::sustained;
  scenario.load_profile.sustained_tps = q.rate;
  scenario.load_profile.peak_tps = q.rate;
  if (!h.add_criteria(scenario)) return usage_error;

  st::run::run_options options;
  http_factory factory;
  if (!h.apply(options, factory.base)) return usage_error;
  factory.base.url = q.url;
  if (!apply_request(q.method, q.headers, factory.base)) return usage_error;
  factory.base.body = q.body;
  if (!q.body_file.empty()) {
    std::ifstream in(q.body_file, std::ios::binary);
    factory.base.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  factory.workers = options.pool.workers;
  factory.connections = h.connections_for(options);
  if (q.rate <= 0) {
    // As fast as the connections allow (wrk's mode): one closed-loop user per connection.
    st::load::closed_workload closed;
    closed.users = h.connections;
    options.pool.closed = closed;
  }
  if (!validate_target(factory)) return usage_error;
  std::fprintf(stderr, "%s for %.0f s, %s, %zu connection(s) on %zu thread(s)\n", q.url.c_str(), *seconds,
               q.rate > 0 ? (std::to_string(static_cast<long long>(q.rate)) + " requests/s").c_str()
                          : "as fast as the connections allow",
               h.connections, options.pool.workers);
  auto finish = http_finisher(factory.registry, nullptr);
  return run_and_report(ctx, scenario, std::move(factory), options, h.out_dir, finish);
}

}  // namespace stress_run
