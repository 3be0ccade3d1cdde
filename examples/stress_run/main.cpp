// stress-run: the example harness (DESIGN.md §6), one binary with the conventions of wrk, hey
// and k6 users:
//
//   stress-run URL [--rate N] [--duration 30s] [--connections C] [--threads T] ...   quick mode
//   stress-run scenario NAME|FILE [--target URL|embedded|sim] [--time-scale F] ...   scenarios
//   stress-run scenarios                                                             list them
//   stress-run config init [--dir DIR]                                               config files
//   stress-run serve-fraud [--listen 127.0.0.1:8080]                                 sample service
//   stress-run proxy --upstream 127.0.0.1:8080 [--control ...] [--fault TEXT]...      fault proxy
//   stress-run report|junit|metrics RESULTS.json, compare BASE.json NEW.json         outputs
//
// Live progress once per interval on stderr, a summary with every criterion ✓/✗ on stdout,
// results.json in --out. Exit codes (k6's convention): 0 every criterion passed, 99 a criterion
// failed or aborted the run, 2 usage or configuration error, 1 runtime error. Ctrl-C (SIGINT,
// SIGTERM) stops the load, drains, and still writes the results gathered so far.

#include "cli_util.hpp"
#include "console.hpp"
#include "dashboard_cmd.hpp"
#include "embedded_service.hpp"
#include "fraud_workload.hpp"
#include "http_load.hpp"
#include "report_cmds.hpp"
#include "proxy_cmd.hpp"
#include "service_site.hpp"
#include "simulated_scorer.hpp"

#include <stress_testing/config.hpp>
#include <stress_testing/criteria.hpp>
#include <stress_testing/fault/proxy/site.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/function_target.hpp>
#include <stress_testing/target/http_target.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace st = stress_testing;

namespace stress_run {

// ---- the in-process simulated service (no sockets), kept for quick what-if runs ---------------

struct scorer_call {
  std::shared_ptr<simulated_scorer> scorer;
  asio::awaitable<st::target::request_result> operator()(std::uint64_t sequence) const {
    return scorer->score(sequence);
  }
};

struct scorer_factory {
  scorer_options options;
  std::size_t workers = 1;
  std::uint64_t seed = 1;
  std::shared_ptr<sim_faults> faults = std::make_shared<sim_faults>();
  auto operator()(asio::any_io_executor ex, std::size_t index) const {
    auto s = std::make_shared<simulated_scorer>(options, 1.0 / static_cast<double>(workers), seed + index, faults);
    return st::target::make_function_target(std::move(ex), scorer_call{std::move(s)});
  }
};

// ---- running a scenario and reporting it -------------------------------------------------------

enum exit_code : int { passed = 0, runtime_error = 1, usage_error = 2, criterion_failed = 99 };

/// Runs `scenario` with targets from `factory`, prints live lines and the summary, writes
/// `out_dir/results.json`; `finish` adds what the target and workload gathered to the result
/// before it is written. Ctrl-C stops gracefully. Returns the process exit code.
template <class Factory>
int run_and_report(const st::test_scenario& scenario, Factory factory, st::run::run_options options,
                   const std::string& out_dir, const std::function<void(st::run::run_result&)>& finish) {
  asio::io_context io;
  asio::cancellation_signal stop;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    std::fprintf(stderr, "\nstopping: draining requests in flight...\n");
    stop.emit(asio::cancellation_type::terminal);
  });
  std::optional<st::run::run_result> result;
  boost::system::error_code run_ec;
  std::unique_ptr<live_dashboard> dashboard;
  try {
    dashboard = start_dashboard(io, stop, scenario, options);  // --dashboard (dashboard_cmd.hpp)
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }
  st::run::async_run(io.get_executor(), scenario, std::move(factory), options,
                     asio::bind_cancellation_slot(stop.slot(), [&](boost::system::error_code ec, st::run::run_result r) {
                       run_ec = ec;
                       result = std::move(r);
                       signals.cancel();
                     }));
  try {
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return runtime_error;
  }
  if (!result) return runtime_error;
  if (run_ec == boost::system::errc::invalid_argument) {
    std::cerr << "stress-run: " << result->status_reason << '\n';
    return usage_error;
  }
  if (finish) finish(*result);

  std::string path;
  try {
    auto const p = std::filesystem::path(out_dir) / "results.json";
    auto const doc = results_document(*result);  // report::to_json + --presentation (dashboard_cmd.hpp)
    st::detail::write_file_atomically(p, doc.dump(2) + "\n");
    path = p.string();
    st::detail::write_file_atomically(p.parent_path() / "junit.xml", st::report::to_junit(doc));
    finish_dashboard(dashboard.get(), *result, p);  // report.html next to it (dashboard_cmd.hpp)
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write results: " << e.what() << '\n';
  }
  print_summary(*result, path);
  if (run_ec) return runtime_error;
  if (result->status == st::test_status::cancelled) return all_passed(result->criteria) ? passed : criterion_failed;
  return result->passed() ? passed : criterion_failed;
}

/// Settings shared by every mode that loads an HTTP target.
struct http_settings {
  std::size_t connections = 50;
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::string timeout = "30s";
  std::string interval = "1s";
  std::string pacing = "0";
  std::size_t max_in_flight = 100000;
  bool poisson = false;
  bool quiet = false;
  bool allow_remote = false;
  bool insecure = false;
  std::string ca_file;
  std::string out_dir = "stress-results";
  std::vector<std::string> slos;

  void add_to(CLI::App& app) {
    app.add_option("-c,--connections", connections, "keep-alive connections in all (split across threads)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
    app.add_option("-t,--threads", threads, "load generator threads (each with its own connections)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
    app.add_option("--timeout", timeout, "per-request timeout (30s, 500ms, ...)");
    app.add_option("--interval", interval, "time per live line and per series point");
    app.add_option("--pacing", pacing,
                   "fixed rates: wake on a grid of this period and send what is due (0: wake per arrival; "
                   "250us or 1ms cut the generator's CPU at high rates, the lateness is measured)");
    app.add_option("--max-in-flight", max_in_flight, "per thread; arrivals beyond it are counted dropped")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
    app.add_flag("--poisson", poisson, "Poisson arrivals instead of evenly spaced ones");
    app.add_flag("-q,--quiet", quiet, "no live lines");
    app.add_flag("--allow-remote", allow_remote, "allow a URL that is not on loopback (127.0.0.0/8, ::1)");
    app.add_flag("-k,--insecure", insecure, "https: accept any certificate (test servers only)");
    app.add_option("--ca-file", ca_file, "https: PEM file of certificate authorities to trust")->check(CLI::ExistingFile);
    app.add_option("-o,--out", out_dir, "directory for results.json");
    app.add_option("--slo", slos, "success criterion, repeatable: \"p99_response_time_ms < 250\"");
  }

  /// Applies the settings to `options` and `base`; prints the problem and returns false if one
  /// is invalid.
  bool apply(st::run::run_options& options, st::target::http_target_options& base) const {
    auto const t = parse_duration(timeout);
    auto const iv = parse_duration(interval);
    if (!t || *t <= 0) return bad("--timeout", timeout);
    if (!iv || *iv <= 0) return bad("--interval", interval);
    auto const pace = parse_duration(pacing);
    if (!pace) return bad("--pacing", pacing);
    options.pool.loop.pacing_granularity =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*pace));
    options.interval = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*iv));
    options.pool.workers = std::min(threads, connections);
    options.pool.loop.max_in_flight = max_in_flight;
    options.pool.loop.request_timeout =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*t));
    options.pool.process = poisson ? st::profile::arrival_process::poisson : st::profile::arrival_process::uniform;
    if (!quiet) options.on_interval = print_live;
    base.allow_non_loopback = allow_remote;
    base.tls.insecure_skip_verify = insecure;
    base.tls.ca_file = ca_file;
    return true;
  }

  /// Parses every --slo into `scenario.success_criteria`; prints the problem on failure.
  bool add_criteria(st::test_scenario& scenario) const {
    for (auto const& text : slos) {
      std::string why;
      auto c = st::parse_criterion(text, why);
      if (!c) {
        std::cerr << "stress-run: --slo \"" << text << "\": " << why << '\n';
        return false;
      }
      scenario.success_criteria.push_back(*c);
    }
    return true;
  }

  static bool bad(const char* option, const std::string& value) {
    std::cerr << "stress-run: " << option << " '" << value << "': expected a positive duration like 30s, 500ms, 2m\n";
    return false;
  }
};

/// Fills the result with the HTTP targets' counters and per-agent timings (and the fraud
/// workload's business figures when there is one).
std::function<void(st::run::run_result&)> http_finisher(std::shared_ptr<stats_registry> registry,
                                                        std::shared_ptr<fraud_workload> fraud) {
  return [registry, fraud](st::run::run_result& r) {
    auto stats = registry->merged();
    r.target_counters = stats.counters();
    if (fraud) {
      stats.agents.merge(fraud->agent_failures());
      auto const tally = fraud->tally();
      st::fraud::cost_model const cost;
      r.business = tally.to_business_metrics(cost, r.elapsed_seconds, r.ended_at);
      r.hero = tally.to_hero_metrics(cost, r.elapsed_seconds, r.ended_at);
      r.hero->avg_response_time_ms = r.summary.avg_response_time_ms;
    }
    r.agents = stats.agents.to_agent_metrics(r.ended_at);
    st::run::update_reported_metrics(r);
  };
}

/// Builds one throw-away target to validate the options and the address before the run starts.
bool validate_target(const http_factory& factory) {
  try {
    asio::io_context probe_io;
    http_factory probe = factory;
    probe.customize = {};
    probe.registry = std::make_shared<stats_registry>();
    (void)probe(probe_io.get_executor(), 0);
    return true;
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return false;
  }
}

// ---- modes ---------------------------------------------------------------------------------------

struct quick_settings {
  std::string url;
  double rate = 0;
  std::string duration = "10s";
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  std::string body_file;
};

int run_quick(const quick_settings& q, const http_settings& h) {
  auto const seconds = parse_duration(q.duration);
  if (!seconds || *seconds <= 0) return http_settings::bad("--duration", q.duration), usage_error;
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
  auto const verb = boost::beast::http::string_to_verb(q.method);
  if (verb == boost::beast::http::verb::unknown) {
    std::cerr << "stress-run: --method '" << q.method << "': not an HTTP method\n";
    return usage_error;
  }
  factory.base.method = verb;
  for (auto const& line : q.headers) {
    auto hv = parse_header(line);
    if (!hv) {
      std::cerr << "stress-run: --header '" << line << "': expected \"Name: value\"\n";
      return usage_error;
    }
    factory.base.headers.push_back(*hv);
  }
  factory.base.body = q.body;
  if (!q.body_file.empty()) {
    std::ifstream in(q.body_file, std::ios::binary);
    factory.base.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  factory.workers = options.pool.workers;
  factory.connections = h.connections;
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
  return run_and_report(scenario, std::move(factory), options, h.out_dir, finish);
}

struct scenario_settings {
  std::string name;
  std::string file;
  std::string target = "embedded";
  std::string env = "production";
  double time_scale = 1;
  double load_scale = 1;
  std::uint64_t seed = 0;
  double sim_capacity = 7800;
  std::size_t service_concurrency = 0;
  bool no_faults = false;
  std::string inject_at = "client";
};

int run_scenario_mode(const scenario_settings& s, const http_settings& h) {
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
  if (!h.add_criteria(scenario)) return usage_error;

  st::run::run_options options;
  if (s.target == "sim") {
    st::target::http_target_options ignored;
    if (!h.apply(options, ignored)) return usage_error;
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
    return run_and_report(scenario, std::move(factory), options, h.out_dir, {});
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
    set_dashboard_fault_target(*service);  // the dashboard's Inject failure (dashboard_cmd.hpp)
  }
  http_factory factory;
  if (!h.apply(options, factory.base)) return usage_error;
  factory.base.url = url;
  factory.workers = options.pool.workers;
  factory.connections = h.connections;
  st::fraud::generator_options g;
  g.seed = scenario.load_profile.seed;
  auto fraud = std::make_shared<fraud_workload>(g);
  factory.customize = [fraud](std::size_t i, st::target::http_target_options& o) { fraud->customize(i, o); };
  if (!validate_target(factory)) return usage_error;
  std::fprintf(stderr, "%s: %s, %.0f s, %zu connection(s) on %zu thread(s), target %s%s\n",
               scenario.scenario_id.c_str(), std::string(st::to_string(scenario.load_profile.profile_type)).c_str(),
               scenario.duration_seconds, h.connections, options.pool.workers, url.c_str(),
               service ? " (embedded sample service)" : "");
  auto finish = http_finisher(factory.registry, fraud);
  // Failures are injected by the run itself (fault/site.hpp): at the client by default, in the
  // embedded service, or at a fault proxy put between the two when any failure goes there.
  options.inject_failures = !s.no_faults;
  options.default_failure_component = s.inject_at;
  std::unique_ptr<st::fault::proxy_chain> proxies;  // outlives the run
  if (service) options.failure_sites.push_back(std::make_shared<service_failure_site>(service->server()));
  if (options.inject_failures) {
    bool to_proxy = false;
    for (auto const& f : scenario.failure_scenarios)
      to_proxy = to_proxy || f.target_component.value_or(s.inject_at) == "proxy";
    if (to_proxy) {
      try {
        proxies = std::make_unique<st::fault::proxy_chain>(factory.base.url, factory.base.allow_non_loopback,
                                                           scenario.load_profile.seed);
      } catch (const std::exception& e) {
        std::cerr << "stress-run: could not start the fault proxy: " << e.what() << '\n';
        return usage_error;
      }
      std::fprintf(stderr, "fault proxy: %s -> %s\n", proxies->url().c_str(), factory.base.url.c_str());
      factory.base.url = proxies->url();
      options.failure_sites.push_back(std::make_shared<st::fault::proxy_failure_site>(*proxies));
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
  return run_and_report(scenario, std::move(factory), options, h.out_dir, finish);
}

}  // namespace stress_run

int main(int argc, char** argv) {
  using namespace stress_run;
  CLI::App app{"stress-run: load, stress and resilience tests for HTTP services\n"
               "  stress-run URL [--rate N] [--duration 30s] [-c CONNECTIONS] [-t THREADS]\n"
               "  stress-run scenario NAME|FILE [--target URL|embedded|sim] [--time-scale F]\n"
               "  stress-run scenarios | config init | serve-fraud [--listen 127.0.0.1:8080]"};
  app.require_subcommand(0, 1);

  quick_settings quick;
  http_settings http;
  app.add_option("url", quick.url, "quick mode: the URL to load (http:// or https://)");
  app.add_option("-r,--rate", quick.rate, "quick mode: requests/s (omit: as fast as the connections allow)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-d,--duration", quick.duration, "quick mode: 30s, 2m, ...");
  app.add_option("-m,--method", quick.method, "quick mode: HTTP method");
  app.add_option("-H,--header", quick.headers, "quick mode: \"Name: value\", repeatable");
  app.add_option("--body", quick.body, "quick mode: request body");
  app.add_option("--body-file", quick.body_file, "quick mode: request body from a file")->check(CLI::ExistingFile);
  http.add_to(app);
  add_dashboard_option(app);

  auto* list = app.add_subcommand("scenarios", "list the predefined scenarios");
  auto* report_cmd = add_report_command(app);  // stress-run report RESULTS.json -o report.html

  scenario_settings sc;
  http_settings sc_http;
  auto* run_cmd = app.add_subcommand("scenario", "run a predefined scenario, or one from a JSON file");
  run_cmd->add_option("name", sc.name, "peak_load, sustained_load, burst_traffic, failure_recovery, "
                                       "investor_presentation, or a scenario JSON file");
  run_cmd->add_option("--file", sc.file, "scenario JSON file")->check(CLI::ExistingFile);
  run_cmd->add_option("--target", sc.target,
                      "embedded (the sample fraud service, started in-process on loopback), a URL of a "
                      "fraud-scoring endpoint, or sim (simulated, no sockets)");
  run_cmd->add_option("--time-scale", sc.time_scale, "multiply every duration (0.1: a 10 min scenario in 1 min)")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--load-scale", sc.load_scale, "multiply every rate")->check(CLI::PositiveNumber);
  run_cmd->add_option("--env", sc.env, "dev (10% load), staging (80%), production")
      ->check(CLI::IsMember({"dev", "staging", "production"}));
  run_cmd->add_option("--seed", sc.seed, "seed of the arrivals and the transactions (0: the scenario's)");
  run_cmd->add_option("--sim-capacity", sc.sim_capacity, "sim: the simulated service's capacity in TPS")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--service-concurrency", sc.service_concurrency,
                      "embedded: the sample service's processing slots (0: its default)");
  run_cmd->add_flag("--no-faults", sc.no_faults,
                    "do not inject the scenario's failures (they are still analysed as windows)");
  run_cmd->add_option("--inject-at", sc.inject_at,
                      "where failures without a target_component go: client (in front of the HTTP target), service "
                      "(inside the embedded sample service) or proxy (a fault proxy between the two)")
      ->check(CLI::IsMember({"client", "service", "proxy"}));
  sc_http.add_to(*run_cmd);
  add_dashboard_option(*run_cmd);
  std::size_t legacy_workers = 0;
  run_cmd->add_option("--workers", legacy_workers, "same as --threads")->check(CLI::Range(1, 256));

  auto* config_cmd = app.add_subcommand("config", "configuration files");
  auto* init_cmd = config_cmd->add_subcommand("init", "write a default configuration and the five scenarios");
  std::string config_dir = "stress_testing/configs";
  init_cmd->add_option("--dir", config_dir, "where to write them");
  config_cmd->require_subcommand(1);

  exporter_commands exporters;  // compare, junit, metrics of results.json files (report_cmds.hpp)
  exporters.add_to(app);

  auto* proxy_cmd = app.add_subcommand("proxy", "run the fault proxy (docs/fault_proxy.md) until Ctrl-C");
  proxy_settings proxy_opts;
  proxy_opts.add_to(*proxy_cmd);

  auto* serve_cmd = app.add_subcommand("serve-fraud", "run the sample fraud-detection service until Ctrl-C");
  serve_settings serve;
  serve.add_to(*serve_cmd);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : usage_error;
  }

  try {
    if (list->parsed()) {
      for (auto const& s : st::scenario_builder::all())
        std::printf("%-22s %-8s %6.0f s  %s\n", s.scenario_id.c_str(),
                    std::string(st::to_string(s.load_profile.profile_type)).c_str(), s.duration_seconds,
                    s.description.c_str());
      return passed;
    }
    if (init_cmd->parsed()) {
      st::configuration_manager manager(config_dir);
      auto const path = manager.save_config(manager.create_default_config("default"));
      std::printf("%s\n", path.string().c_str());
      for (auto const& s : st::scenario_builder::all()) std::printf("%s\n", manager.save_scenario(s).string().c_str());
      return passed;
    }
    if (!presentation_file().empty())
      if (auto problem = load_presentation(presentation_file())) {
        std::cerr << "stress-run: --presentation " << *problem << '\n';
        return usage_error;
      }
    if (serve_cmd->parsed()) return run_serve(serve);
    if (auto code = exporters.run()) return *code;
    if (proxy_cmd->parsed()) return run_proxy(proxy_opts);
    if (run_cmd->parsed()) {
      if (legacy_workers != 0) sc_http.threads = legacy_workers;
      return run_scenario_mode(sc, sc_http);
    }
    if (report_cmd->parsed()) return run_report_command();
    if (quick.url.empty()) {
      std::cerr << app.help() << "\nstress-run: give a URL, or a subcommand\n";
      return usage_error;
    }
    return run_quick(quick, http);
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return runtime_error;
  }
}
