// Scenario mode (cmd_scenario.hpp): the scenario, its target and where its failures go, run by
// run_engine.cpp.

#include "cmd_scenario.hpp"

#include "cmd_proxy.hpp"
#include "embedded_service.hpp"
#include "fraud_workload.hpp"
#include "live_business.hpp"
#include "http_common.hpp"
#include "run_engine.hpp"
#include "service_site.hpp"
#include "simulated_scorer.hpp"

#include <stress_testing/config.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace stress_run {

namespace asio = boost::asio;
namespace st = stress_testing;

namespace {

// Without --interval, sample finely enough to see the scenario's shortest failure, burst or
// window (scenario_builder.hpp's sampling_interval_seconds: the one rule).
void apply_interval_rule(const http_settings& h, const st::test_scenario& scenario, st::run::run_options& options) {
  if (!h.interval.empty()) return;
  double const seconds = st::sampling_interval_seconds(scenario);
  options.interval = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  if (seconds < st::longest_sampling_interval_seconds)
    std::fprintf(stderr, "sampling every %g ms: a quarter of the shortest failure, burst or criterion window\n",
                 seconds * 1000);
}

}  // namespace

int run_scenario_mode(app_context& ctx, const scenario_settings& s, const http_settings& h) {
  st::test_scenario scenario;
  std::string file = s.file;
  if (file.empty() && (s.name.ends_with(".json") || std::filesystem::exists(s.name))) file = s.name;
  if (!file.empty()) {
    std::vector<st::config_problem> problems;
    auto loaded = st::configuration_manager::load_scenario(file, problems);
    if (!loaded) {
      std::cerr << "stress-run: " << file << " is not a valid scenario:\n";
      for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
      return usage_error;
    }
    scenario = *loaded;
  } else if (auto predefined = st::scenario_builder::create(s.name)) {
    scenario = *predefined;
  } else {
    std::cerr << "stress-run: unknown scenario '" << s.name
              << "' (stress-run scenarios lists them; a JSON file works too)\n";
    return usage_error;
  }
  try {
    scenario = st::apply_environment(st::scale_scenario(scenario, s.time_scale, s.load_scale),
                                     *st::parse_test_environment(s.env));
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  if (s.seed != 0) scenario.load_profile.seed = s.seed;
  {  // Scaled, the scenario meets the same limits as one read from a file (docs/security.md).
    std::vector<st::config_problem> problems;
    st::validate(scenario, problems);
    if (!problems.empty()) {
      std::cerr << "stress-run: the scenario as run (after --time-scale, --load-scale and --env) is not valid:\n";
      for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
      return usage_error;
    }
  }
  if (!h.add_criteria(scenario)) return usage_error;

  st::run::run_options options;
  if (s.target == "sim") {
    if (s.target_stats.pid != 0 || !s.target_stats.stats_url.empty()) {
      std::cerr << "stress-run: --target-pid and --stats-url need an HTTP target (the simulation runs in this process)\n";
      return usage_error;
    }
    st::target::http_target_options ignored;
    if (!h.apply(options, ignored)) return usage_error;
    apply_interval_rule(h, scenario, options);
    options.pool.workers = h.threads;
    scorer_factory factory;
    factory.options.capacity_tps = s.sim_capacity * s.load_scale;
    factory.workers = options.pool.workers;
    factory.seed = scenario.load_profile.seed;
    options.inject_failures = !s.no_faults;
    options.default_failure_component = s.inject_at;
    options.failure_sites.push_back(std::make_shared<sim_failure_site>(factory.faults));
    std::fprintf(stderr, "%s: %s, %.0f s, %zu worker(s), simulated in-process service\n", scenario.scenario_id.c_str(),
                 std::string(st::to_string(scenario.load_profile.profile_type)).c_str(), scenario.duration_seconds,
                 options.pool.workers);
    return run_and_report(ctx, scenario, std::move(factory), options, h.out_dir, {});
  }

  // Over HTTP: the embedded sample service, or a URL.
  std::unique_ptr<embedded_service> service;
  std::string url = s.target;
  if (s.target == "embedded") {
    try {
      service = std::make_unique<embedded_service>(s.service_concurrency, scenario.load_profile.seed);
    } catch (const std::exception& e) {
      std::cerr << "stress-run: could not start the embedded service: " << e.what() << '\n';
      return runtime_error;
    }
    url = service->url();
    // The dashboard's Inject failure (dashboard.cpp); set_service_fault locks, so the
    // dashboard's thread may call it. The service outlives the run, hence the dashboard.
    ctx.dashboard_fault_sink = [svc = service.get()](const fraud_service::service_fault& f) {
      svc->server().set_service_fault(f);
    };
  }
  http_factory factory;
  if (!h.apply(options, factory.base)) return usage_error;
  apply_interval_rule(h, scenario, options);
  factory.base.url = url;
  factory.workers = options.pool.workers;
  factory.connections = h.connections_for(options);
  auto fraud = send_fraud_workload(factory, scenario.load_profile.seed);
  attach_live_business(ctx, fraud, options);  // after h.apply's on_interval, before the dashboard's
  if (!validate_target(factory)) return usage_error;
  // What the target knows about itself: its memory (--target-pid) and its GET /stats.
  if (!add_target_stats(s.target_stats, url, service != nullptr, factory.base.allow_non_loopback, options))
    return usage_error;
  std::fprintf(stderr, "%s: %s, %.0f s, %zu connection(s) on %zu thread(s), target %s%s\n",
               scenario.scenario_id.c_str(), std::string(st::to_string(scenario.load_profile.profile_type)).c_str(),
               scenario.duration_seconds, h.connections, options.pool.workers, url.c_str(),
               service ? " (embedded sample service)" : "");
  auto finish = http_finisher(factory.registry, fraud);
  // Failures are injected by the run itself (fault/site.hpp): at the client by default, in the
  // embedded service, or at a fault proxy put between the two when any failure goes there.
  options.inject_failures = !s.no_faults;
  options.default_failure_component = s.inject_at;
  proxy_chain_site proxies;  // outlives the run (its site owns the chain)
  if (service) options.failure_sites.push_back(std::make_shared<service_failure_site>(service->server()));
  if (options.inject_failures) {
    bool to_proxy = false;
    for (auto const& f : scenario.failure_scenarios)
      to_proxy = to_proxy || f.target_component.value_or(s.inject_at) == "proxy";
    if (to_proxy) {
      try {
        proxies = start_proxy_chain(factory.base.url, factory.base.allow_non_loopback, scenario.load_profile.seed);
      } catch (const std::exception& e) {
        std::cerr << "stress-run: could not start the fault proxy: " << e.what() << '\n';
        return usage_error;
      }
      std::fprintf(stderr, "fault proxy: %s -> %s\n", proxies.url.c_str(), factory.base.url.c_str());
      factory.base.url = proxies.url;
      options.failure_sites.push_back(proxies.site);
    }
    st::fault::failure_placement placed;
    if (auto problem = st::fault::place_failures(scenario.failure_scenarios, options.default_failure_component,
                                                 options.failure_sites, placed)) {
      std::cerr << "stress-run: " << *problem
                << (service ? "" : " (failures inside the service need --target embedded or sim)") << '\n';
      return usage_error;
    }
    for (auto const* list : {&placed.at_client, &placed.at_sites})
      for (auto const& p : *list)
        std::fprintf(stderr, "injecting %s at %.1f s for %.1f s, severity %.2f, at %s\n",
                     std::string(st::to_string(p.failure.failure_type)).c_str(), p.failure.start_time_seconds,
                     p.failure.duration_seconds, p.failure.severity,
                     p.component == "client"    ? "the client (in front of the HTTP target)"
                     : p.component == "service" ? "the sample service"
                     : p.component == "proxy"   ? "the fault proxy (between the client and the service)"
                                                : ("the sample service's agent " + p.component).c_str());
  }
  return run_and_report(ctx, scenario, std::move(factory), options, h.out_dir, finish);
}

}  // namespace stress_run
