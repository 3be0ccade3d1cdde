// stress-run: the example harness (DESIGN.md §6), one binary with the conventions of wrk, hey
// and k6 users:
//
//   stress-run URL [--rate N] [--duration 30s] [--connections C] [--threads T] ...   quick mode
//   stress-run scenario NAME|FILE [--target URL|embedded|sim] [--time-scale F] ...   scenarios
//   stress-run scenarios                                                             list them
//   stress-run capacity URL|embedded|sim --slo "p99_response_time_ms < 50" ...        capacity search
//   stress-run config init [--dir DIR]                                               config files
//   stress-run serve-fraud [--listen 127.0.0.1:8080]                                 sample service
//   stress-run proxy --upstream 127.0.0.1:8080 [--control ...] [--fault TEXT]...      fault proxy
//   stress-run proxy --toxiproxy-api 127.0.0.1:8474                                  Toxiproxy's API
//   stress-run report|junit|metrics|percentiles RESULTS.json, compare BASE NEW        outputs
//   stress-run merge OUT [-o DIR]                                                    shards -> one run
//   stress-run dashboard --listen 127.0.0.1:8090 [--target embedded|URL|sim]          run supervisor
//   stress-run dashboard --follow URL...                                             a sharded run, live
//
// Live progress once per interval on stderr, a summary with every criterion ✓/✗ on stdout,
// results.json in --out. Exit codes (k6's convention): 0 every criterion passed, 99 a criterion
// failed or aborted the run, 98 inconclusive (none failed, but the generator fell behind, so the
// latency criteria were not judged), 2 usage or configuration error, 1 runtime error. Ctrl-C (SIGINT,
// SIGTERM) stops the load, drains, and still writes the results gathered so far.
//
// This file is the command line and the dispatch only: each subcommand is its own cmd_*.cpp
// (README.md lists them), every run goes through run_engine.cpp, and nothing here includes
// Asio or Beast, so editing a flag recompiles one light file.

#include "app.hpp"
#include "cmd_capacity.hpp"
#include "cmd_config.hpp"
#include "cmd_outputs.hpp"
#include "cmd_proxy.hpp"
#include "cmd_quick.hpp"
#include "cmd_scenario.hpp"
#include "cmd_serve.hpp"
#include "cmd_follow.hpp"
#include "cmd_supervise.hpp"
#include "dashboard.hpp"
#include "http_settings.hpp"

#include <stress_testing/config/validation.hpp>

#include <CLI/CLI.hpp>

#include <cstddef>
#include <array>
#include <exception>
#include <iostream>
#include <span>
#include <string>

int main(int argc, char** argv) {
  using namespace stress_run;
  CLI::App app{"stress-run: load, stress and resilience tests for HTTP services\n"
               "  stress-run URL [--rate N] [--duration 30s] [-c CONNECTIONS] [-t THREADS]\n"
               "  stress-run scenario NAME|FILE [--target URL|embedded|sim] [--time-scale F]\n"
               "  stress-run scenarios | config init | serve-fraud [--listen 127.0.0.1:8080]"};
  app.require_subcommand(0, 1);
  app_context ctx;

  quick_settings quick;
  http_settings http;
  app.add_option("url", quick.url, "quick mode: the URL to load (http:// or https://)");
  app.add_option("-r,--rate", quick.rate,
                 "quick mode: requests/s, at most 1e6 (omit: as fast as the connections allow)")
      ->check(CLI::Range(0.0, stress_testing::limits::max_rate_tps));
  app.add_option("-d,--duration", quick.duration, "quick mode: 30s, 2m, ...");
  app.add_option("-m,--method", quick.method, "quick mode: HTTP method");
  app.add_option("-H,--header", quick.headers, "quick mode: \"Name: value\", repeatable");
  app.add_option("--body", quick.body, "quick mode: request body");
  app.add_option("--body-file", quick.body_file, "quick mode: request body from a file")->check(CLI::ExistingFile);
  http.add_to(app);
  add_dashboard_option(app, ctx);
  add_hdr_log_option(app, ctx);

  auto* list = app.add_subcommand("scenarios", "list the predefined scenarios");
  auto* report_cmd = add_report_command(app, ctx);  // stress-run report RESULTS.json -o report.html

  scenario_settings sc;
  http_settings sc_http;
  auto* run_cmd = app.add_subcommand("scenario", "run a predefined scenario, or one from a JSON file");
  run_cmd->add_option("name", sc.name, "peak_load, sustained_load, burst_traffic, failure_recovery, "
                                       "investor_presentation, or a scenario JSON file");
  run_cmd->add_option("--file", sc.file, "scenario JSON file")->check(CLI::ExistingFile);
  run_cmd->add_option("--target", sc.target,
                      "embedded (the sample fraud service, started in-process on loopback), a URL of a "
                      "fraud-scoring endpoint, or sim (simulated, no sockets)");
  // Ranges: the scaled scenario is validated again (rates, durations), these catch typing slips.
  run_cmd->add_option("--time-scale", sc.time_scale, "multiply every duration (0.1: a 10 min scenario in 1 min), 1e-6..1e6")
      ->check(CLI::Range(1e-6, 1e6));
  run_cmd->add_option("--load-scale", sc.load_scale, "multiply every rate, 1e-6..1e6")->check(CLI::Range(1e-6, 1e6));
  run_cmd->add_option("--env", sc.env, "dev (10% load), staging (80%), production")
      ->check(CLI::IsMember({"dev", "staging", "production"}));
  run_cmd->add_option("--seed", sc.seed, "seed of the arrivals and the transactions (0: the scenario's)")
      ->check(CLI::Validator(
          [](const std::string& text) {  // CLI11 reads "-1" into an unsigned as 2^64 - 1
            return text.find('-') == std::string::npos ? std::string() : std::string("must not be negative");
          },
          "0..2^64-1"));
  run_cmd->add_option("--sim-capacity", sc.sim_capacity, "sim: the simulated service's capacity in TPS")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--service-concurrency", sc.service_concurrency,
                      "embedded: the sample service's processing slots (0: its default)");
  sc.autoscale.add_to(*run_cmd, "embedded");
  run_cmd->add_flag("--no-faults", sc.no_faults,
                    "do not inject the scenario's failures (they are still analysed as windows)");
  run_cmd->add_option("--inject-at", sc.inject_at,
                      "where failures without a target_component go: client (in front of the HTTP target), service "
                      "(inside the embedded sample service) or proxy (a fault proxy between the two)")
      ->check(CLI::IsMember({"client", "service", "proxy"}));
  run_cmd->add_option("--target-pid", sc.target_stats.pid,
                      "the target's process id: memory_growth_percent on its resident memory (/proc/PID/statm)");
  run_cmd->add_option("--capacity-prometheus", sc.target_stats.capacity_prometheus,
                      "a Prometheus server (loopback) to read the target's capacity from every interval, with "
                      "--capacity-query: results.json scaling");
  run_cmd->add_option("--capacity-query", sc.target_stats.capacity_query,
                      "--capacity-prometheus: an instant query whose value (a scalar, or a vector's sum) is the "
                      "target's capacity, e.g. 'sum(kube_deployment_status_replicas_available{deployment=\"fraud\"})'");
  run_cmd->add_option("--capacity-header", sc.target_stats.capacity_header,
                      "a response header whose number is the target's capacity (e.g. X-Slots), read every interval "
                      "from a GET of --capacity-url (default: the target's URL): results.json scaling");
  run_cmd->add_option("--capacity-url", sc.target_stats.capacity_url,
                      "--capacity-header: the URL (loopback) whose answer carries the header");
  run_cmd->add_option("--stats-url", sc.target_stats.stats_url,
                      "the target's GET /stats (its load, queue, agents' busy time, memory), polled every "
                      "interval; default: the embedded service's, or /stats at the target's origin if it answers; "
                      "none: do not poll");
  run_cmd->add_option("--users", sc.users,
                      "run a closed population of this many virtual users (send, wait, think, send again) "
                      "instead of the scenario's arrival rates")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000}));
  run_cmd->add_option("--think-time", sc.think_time,
                      "with --users: each user's pause after a response: 100ms (fixed), exp:100ms (exponential "
                      "with that mean) or 50ms..150ms (uniform)");
  run_cmd->add_option("--ramp-users", sc.ramp_users, "with --users: the users join evenly over this time (e.g. 10s)");
  run_cmd->add_option("--nominal-response", sc.nominal_response,
                      "with --users: the target's healthy response time (e.g. 5ms); each user's intended cadence "
                      "is this plus its think time, and response times are measured against it (0: the think "
                      "time alone, which over-states each response by one service time)");
  run_cmd->add_option("--session", sc.session,
                      "each user's session, steps in order (repeated): score,feedback posts a transaction, then "
                      "an analyst's label on its decision; needs users (--users or the scenario's user_profile)");
  sc_http.add_to(*run_cmd);
  add_dashboard_option(*run_cmd, ctx);
  add_hdr_log_option(*run_cmd, ctx);
  std::size_t legacy_workers = 0;
  run_cmd->add_option("--workers", legacy_workers, "same as --threads")->check(CLI::Range(1, 256));
  run_cmd->add_option("--config", sc.config_file,
                      "a StressTestConfig (stress-run config init writes one) applied field by field: its rate, "
                      "length, ramps, threads, environment, failures, live lines and limits (docs/configuration.md); "
                      "alone, without a scenario, it is the run")
      ->check(CLI::ExistingFile);

  capacity_settings cap;
  http_settings cap_http;
  auto* capacity_cmd = app.add_subcommand(
      "capacity", "search the highest rate that meets every --slo; writes OUT/capacity.json (docs/capacity.md)");
  cap.add_to(*capacity_cmd);
  cap_http.add_to(*capacity_cmd);
  add_live_dashboard_options(*capacity_cmd, ctx);  // the steps and the curve live (capacity_dashboard.hpp)

  auto* config_cmd = app.add_subcommand("config", "configuration files");
  auto* init_cmd = config_cmd->add_subcommand("init", "write a default configuration and the five scenarios");
  std::string config_dir = "stress_testing/configs";
  init_cmd->add_option("--dir", config_dir, "where to write them");
  config_cmd->require_subcommand(1);

  exporter_commands exporters;  // compare, junit, metrics of results.json files (cmd_outputs.cpp)
  exporters.add_to(app);

  auto* proxy_cmd = app.add_subcommand("proxy", "run the fault proxy (docs/fault_proxy.md) until Ctrl-C");
  proxy_settings proxy_opts;
  proxy_opts.add_to(*proxy_cmd);

  auto* dashboard_cmd = app.add_subcommand(
      "dashboard", "a live dashboard that starts runs of the predefined scenarios from its Admin view, one at a "
                   "time (docs/dashboard.md); with --follow, one live dashboard for a sharded run (docs/sharding.md)");
  follow_settings follow;
  follow.add_to(*dashboard_cmd);
  supervise_settings supervise;
  supervise.add_to(*dashboard_cmd);

  auto* serve_cmd = app.add_subcommand("serve-fraud", "run the sample fraud-detection service until Ctrl-C");
  serve_settings serve;
  serve.add_to(*serve_cmd);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : usage_error;
  }

  try {
    if (list->parsed()) return run_scenarios_list();
    if (init_cmd->parsed()) return run_config_init(config_dir);
    if (!ctx.presentation_file.empty())
      if (auto problem = load_presentation(ctx, ctx.presentation_file)) {
        std::cerr << "stress-run: --presentation " << *problem << '\n';
        return usage_error;
      }
    if (serve_cmd->parsed()) return run_serve(serve);
    if (dashboard_cmd->parsed()) {
      // One subcommand, two modes: an option of the other mode is a slip, said rather than ignored.
      auto const follow_mode = !follow.urls.empty();
      constexpr std::array<const char*, 5> supervisor_only{"--target", "--token-file", "--connections", "--threads",
                                                                   "--quiet"};
      constexpr std::array<const char*, 3> follow_only{"--poll", "--linger", "--give-up"};
      for (auto const* option : follow_mode ? std::span<const char* const>(supervisor_only) : std::span<const char* const>(follow_only))
        if (dashboard_cmd->count(option) > 0) {
          std::cerr << "stress-run dashboard: " << option
                    << (follow_mode ? " is for the run supervisor (without --follow)" : " needs --follow") << '\n';
          return usage_error;
        }
      return follow_mode ? run_follow(follow) : run_supervisor(ctx, supervise, follow.listen, follow.out);
    }
    if (auto code = exporters.run()) return *code;
    if (proxy_cmd->parsed()) return run_proxy(proxy_opts);
    if (run_cmd->parsed()) {
      if (legacy_workers != 0) sc_http.threads = legacy_workers;
      // What the command line set itself: --config must not silently override it (st::config_overrides).
      auto given = [&](const char* option) { return run_cmd->count(option) > 0; };
      sc.given = {given("--time-scale"), given("--load-scale"),      given("--env"),
                  given("--threads") || given("--workers"), given("--no-faults"), !ctx.dashboard_address.empty()};
      return run_scenario_mode(ctx, sc, sc_http);
    }
    if (report_cmd->parsed()) return run_report_command(ctx);
    if (capacity_cmd->parsed()) return run_capacity(ctx, cap, cap_http);
    if (quick.url.empty()) {
      std::cerr << app.help() << "\nstress-run: give a URL, or a subcommand\n";
      return usage_error;
    }
    return run_quick(ctx, quick, http);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return runtime_error;
  }
}
