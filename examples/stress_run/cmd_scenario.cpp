// Scenario mode (cmd_scenario.hpp): the scenario, its target and where its failures go, run by
// run_engine.cpp.

#include "cmd_scenario.hpp"

#include "cli_util.hpp"
#include "cmd_proxy.hpp"
#include "embedded_service.hpp"
#include "fraud_workload.hpp"
#include "live_business.hpp"
#include "http_common.hpp"
#include "run_engine.hpp"
#include "service_site.hpp"
#include "simulated_scorer.hpp"

#include <stress_testing/config.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
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

std::string users_text(const st::user_profile& u) {
  std::string users = u.stages.empty() ? std::to_string(u.users) : std::to_string(u.stages.size()) + " stages of";
  std::string text = users + " users thinking " + std::string(st::to_string(u.think_time_distribution));
  if (!u.session.empty()) {
    text += ", session";
    for (std::size_t i = 0; i < u.session.size(); ++i) text += (i ? "," : " ") + u.session[i].name;
  }
  return text;
}

// The load the banner names: the closed population, or the profile's shape; a mix's workloads.
std::string load_text(const st::test_scenario& scenario) {
  if (!scenario.workloads.empty()) {
    std::string text = "a mix of " + std::to_string(scenario.workloads.size()) + " workloads:";
    for (auto const& w : scenario.workloads)
      text += " " + w.name + " (" +
              (w.user_profile ? "closed, " + users_text(*w.user_profile)
                              : "open, " + std::string(st::to_string(w.load_profile->profile_type))) +
              (w.request.url.empty() ? std::string() : " " + w.request.url) + ")";
    return text;
  }
  if (!scenario.user_profile) return std::string(st::to_string(scenario.load_profile.profile_type));
  return "closed model, " + users_text(*scenario.user_profile);
}

// The body generators a workload's `request.generator` may name.
constexpr std::string_view fraud_generator = "fraud_transactions";

// A workload that sends the fraud transactions: it names the generator, or says nothing at all
// (then it sends what a scenario without workloads sends).
bool sends_fraud(const st::workload& w) {
  return w.request.generator == fraud_generator || w.request == st::workload_request{};
}

/** `url` (a path, or a whole http(s) URL) against the target's `base`: a path replaces the
    base's path, keeping its scheme, host and port (so it follows a fault proxy put in front). */
std::string resolve_url(const std::string& base, const std::string& url) {
  if (url.empty()) return base;
  if (!url.starts_with("/")) return url;
  auto const scheme = base.find("://");
  auto const path = scheme == std::string::npos ? std::string::npos : base.find('/', scheme + 3);
  return (path == std::string::npos ? base : base.substr(0, path)) + url;
}

/** Each workload's HTTP factory, from the scenario's `base` one (the fraud transactions to the
    target's URL): its URL, method, body or generator. False, with the problem said naming the
    field, when a workload asks for what stress-run cannot send. */
bool workload_factories(const st::test_scenario& scenario, const http_factory& base, const http_settings& h,
                        const st::run::run_options& options, std::map<std::string, http_factory>& out) {
  for (std::size_t k = 0; k < scenario.workloads.size(); ++k) {
    auto const& w = scenario.workloads[k];
    auto const field = "workloads[" + std::to_string(k) + "].request.";
    http_factory f = base;  // the shared registry: every target's counters in the results
    auto const& r = w.request;
    if (!r.generator.empty() && r.generator != fraud_generator) {
      std::cerr << "stress-run: " << field << "generator: unknown generator \"" << r.generator << "\" (stress-run knows "
                << fraud_generator << ")\n";
      return false;
    }
    if (!sends_fraud(w)) f.customize = {};
    auto verb = f.base.method;
    if (!r.method.empty() || !sends_fraud(w)) {
      verb = boost::beast::http::string_to_verb(r.method.empty() ? "GET" : r.method);
      if (verb == boost::beast::http::verb::unknown) {
        std::cerr << "stress-run: " << field << "method: unknown HTTP method \"" << r.method << "\"\n";
        return false;
      }
    }
    f.base.method = verb;
    if (f.customize && !r.method.empty())  // the generator sets POST: the workload's own method wins
      f.customize = [inner = f.customize, verb](std::size_t i, st::target::http_target_options& o) {
        inner(i, o);
        o.method = verb;
      };
    f.base.url = resolve_url(base.base.url, r.url);
    f.base.body = r.body;
    // A closed workload's users each have their own connection, as a browser would.
    f.connections = w.user_profile ? std::max<std::size_t>(1, st::run::detail::closed_workload_of(*w.user_profile).peak_users())
                                   : h.connections_for(options);
    if (!validate_target(f)) {
      std::cerr << "stress-run: (the target of workload " << w.name << ")\n";
      return false;
    }
    out.emplace(w.name, std::move(f));
  }
  std::size_t connections = 0;
  for (auto const& [name, f] : out) connections += f.connections;
  http_settings::ensure_descriptors(connections);  // every workload's connections at once
  return true;
}

// --session a,b: the fraud workload's named steps, in order.
bool apply_session_option(const scenario_settings& s, st::test_scenario& scenario) {
  if (s.session.empty()) return true;
  if (!scenario.user_profile) {
    std::cerr << "stress-run: --session needs users (--users N, or a scenario with a user_profile)\n";
    return false;
  }
  std::vector<st::session_step> steps;
  std::string_view rest = s.session;
  while (true) {
    auto const comma = rest.find(',');
    auto const name = rest.substr(0, comma);
    auto step = fraud_workload::session_step_named(name);
    if (!step) {
      std::cerr << "stress-run: --session '" << s.session << "': unknown step '" << name
                << "' (the fraud workload's steps: score, feedback)\n";
      return false;
    }
    steps.push_back(*std::move(step));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  scenario.user_profile->session = std::move(steps);
  return true;
}

}  // namespace

bool apply_user_options(const scenario_settings& s, st::test_scenario& scenario) {
  if (s.users == 0 && (!s.think_time.empty() || !s.ramp_users.empty() || !s.nominal_response.empty())) {
    std::cerr << "stress-run: --think-time, --ramp-users and --nominal-response need --users\n";
    return false;
  }
  if (s.users == 0) return apply_session_option(s, scenario);
  if (!scenario.workloads.empty()) {
    std::cerr << "stress-run: --users replaces a scenario's load; a scenario with workloads gives each its own "
                 "(edit its workloads' user_profile)\n";
    return false;
  }
  st::user_profile u;
  u.users = s.users;
  if (scenario.user_profile) {  // --users replaces the population; what a user does stays
    u.nominal_response_time_ms = scenario.user_profile->nominal_response_time_ms;
    u.session = scenario.user_profile->session;
  }
  std::string_view text = s.think_time;
  auto bad = [&text](std::string_view option) {
    std::cerr << "stress-run: " << option << " '" << text << "' is not "
              << (option == "--think-time" ? "a think time (100ms, exp:100ms or 50ms..150ms)" : "a duration (10s, 5ms)")
              << '\n';
    return false;
  };
  if (text.starts_with("exp:")) {
    auto const mean = parse_duration(text.substr(4));
    if (!mean) return bad("--think-time");
    u.think_time_distribution = st::think_time_distribution::exponential;
    u.think_time_seconds = *mean;
  } else if (auto const dots = text.find(".."); dots != std::string_view::npos) {
    auto const lo = parse_duration(text.substr(0, dots));
    auto const hi = parse_duration(text.substr(dots + 2));
    if (!lo || !hi) return bad("--think-time");
    u.think_time_distribution = st::think_time_distribution::uniform;
    u.think_time_min_seconds = *lo;
    u.think_time_max_seconds = *hi;
  } else if (!text.empty()) {
    auto const pause = parse_duration(text);
    if (!pause) return bad("--think-time");
    u.think_time_seconds = *pause;
  }
  if (!s.ramp_users.empty()) {
    text = s.ramp_users;
    auto const ramp = parse_duration(text);
    if (!ramp) return bad("--ramp-users");
    u.ramp_up_seconds = *ramp;
  }
  if (!s.nominal_response.empty()) {
    text = s.nominal_response;
    auto const nominal = parse_duration(text);
    if (!nominal) return bad("--nominal-response");
    u.nominal_response_time_ms = *nominal * 1000;
  }
  scenario.user_profile = u;
  return apply_session_option(s, scenario);
}

int run_scenario_mode(app_context& ctx, const scenario_settings& s, const http_settings& given_http) {
  http_settings h = given_http;  // --config may set the threads and the live lines
  bool no_faults = s.no_faults;
  std::optional<st::stress_test_config> config;
  if (!s.config_file.empty()) {
    std::vector<st::config_problem> problems;
    config = st::configuration_manager::load_config(s.config_file, problems);
    if (!config) {
      std::cerr << "stress-run: --config " << s.config_file << " is not a valid configuration:\n";
      for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
      return usage_error;
    }
  }
  st::test_scenario scenario;
  std::string file = s.file;
  if (file.empty() && !s.name.empty() && (s.name.ends_with(".json") || std::filesystem::exists(s.name))) file = s.name;
  if (file.empty() && s.name.empty() && config) {
    scenario = st::scenario_from_config(*config);  // the config alone describes the run
  } else if (!file.empty()) {
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
  if (config) {
    std::vector<st::config_problem> problems;
    auto applied = st::apply_config(*config, scenario, s.given, problems);
    if (!applied) {
      std::cerr << "stress-run: --config " << s.config_file << ": cannot be honoured as written:\n";
      for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
      return usage_error;
    }
    scenario = std::move(applied->scenario);
    h.threads = applied->workers;
    h.quiet = h.quiet || !applied->live_lines;
    no_faults = !applied->inject_failures;
    ctx.config_document = nlohmann::json(*config);  // results.json `config`: the run's identity as given
    std::fprintf(stderr, "config %s: %s at a peak of %g/s (%s) for %g s, %zu thread(s), failures %s\n",
                 s.config_file.c_str(), config->test_id.c_str(), st::profile_peak_tps(scenario.load_profile),
                 config->test_environment.c_str(), scenario.duration_seconds, h.threads,
                 no_faults ? "not injected" : "injected");
  } else {
    try {
      scenario = st::apply_environment(st::scale_scenario(scenario, s.time_scale, s.load_scale),
                                       *st::parse_test_environment(s.env));
    } catch (const std::exception& e) {
      std::cerr << "stress-run: " << e.what() << '\n';
      return usage_error;
    }
  }
  if (s.seed != 0) scenario.load_profile.seed = s.seed;
  // After the scaling: --users is the number of users to run, whatever --env or --load-scale.
  if (!apply_user_options(s, scenario)) return usage_error;
  {  // Scaled, the scenario meets the same limits as one read from a file (docs/security.md).
    std::vector<st::config_problem> problems;
    st::validate(scenario, problems);
    if (!problems.empty()) {
      std::cerr << "stress-run: the scenario as run (after --config, --time-scale, --load-scale and --env) is not valid:\n";
      for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
      return usage_error;
    }
  }
  if (!h.add_criteria(scenario)) return usage_error;

  st::run::run_options options;
  bool const has_session = scenario.user_profile && !scenario.user_profile->session.empty();
  if (s.target == "sim" && has_session) {
    std::cerr << "stress-run: a session (user_profile.session, --session) needs an HTTP target: the simulation has one "
                 "request kind\n";
    return usage_error;
  }
  if (s.target == "sim") {
    if (s.target_stats.pid != 0 || !s.target_stats.stats_url.empty() || !s.target_stats.capacity_prometheus.empty() ||
        !s.target_stats.capacity_header.empty()) {
      std::cerr << "stress-run: --target-pid, --stats-url, --capacity-prometheus and --capacity-header need an HTTP target (the simulation "
                   "runs in this process)\n";
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
    options.inject_failures = !no_faults;
    options.default_failure_component = s.inject_at;
    options.failure_sites.push_back(std::make_shared<sim_failure_site>(factory.faults));
    std::fprintf(stderr, "%s: %s, %.0f s, %zu worker(s), simulated in-process service\n", scenario.scenario_id.c_str(),
                 load_text(scenario).c_str(), scenario.duration_seconds,
                 options.pool.workers);
    return run_and_report(ctx, scenario, std::move(factory), options, h.out_dir, {});
  }

  // Over HTTP: the embedded sample service, or a URL.
  std::unique_ptr<embedded_service> service;
  std::string url = s.target;
  if (s.target == "embedded") {
    auto const service_config = embedded_service::options(s.service_concurrency, scenario.load_profile.seed, s.autoscale);
    if (!service_config) return usage_error;
    try {
      service = std::make_unique<embedded_service>(*service_config);
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
  if (scenario.user_profile && scenario.workloads.empty()) {  // a virtual user has its own connection, as a browser would
    std::size_t const peak = st::run::detail::closed_workload_of(*scenario.user_profile).peak_users();
    if (factory.connections < peak) {
      std::fprintf(stderr, "closed model: %zu connections, one per user (--connections gave %zu)\n", peak,
                   factory.connections);
      factory.connections = peak;
    }
  }
  // The fraud transactions and their business figures, unless every workload of a mix sends
  // something else.
  std::vector<std::string> fraud_workloads;
  for (auto const& w : scenario.workloads)
    if (sends_fraud(w)) fraud_workloads.push_back(w.name);
  std::shared_ptr<fraud_workload> fraud;
  if (scenario.workloads.empty() || !fraud_workloads.empty()) {
    fraud = send_fraud_workload(factory, scenario.load_profile.seed);
    if (has_session) {  // each user's steps, their bodies from the fraud workload's generators
      auto const problems = fraud->use_session(scenario.user_profile->session, factory.base);
      if (!problems.empty()) {
        std::cerr << "stress-run: the scenario's session cannot be sent:\n";
        for (auto const& p : problems) std::cerr << "  " << p << '\n';
        return usage_error;
      }
    }
    attach_live_business(ctx, fraud, options);  // after h.apply's on_interval, before the dashboard's
  }
  if (!validate_target(factory)) return usage_error;
  // What the target knows about itself: its memory (--target-pid) and its GET /stats.
  if (!add_target_stats(s.target_stats, url, service != nullptr, factory.base.allow_non_loopback, options))
    return usage_error;
  std::fprintf(stderr, "%s: %s, %.0f s, %zu connection(s) on %zu thread(s), target %s%s\n",
               scenario.scenario_id.c_str(), load_text(scenario).c_str(),
               scenario.duration_seconds, factory.connections, options.pool.workers, url.c_str(),
               service ? " (embedded sample service)" : "");
  auto finish = http_finisher(factory.registry, fraud, fraud_workloads);
  // Failures are injected by the run itself (fault/site.hpp): at the client by default, in the
  // embedded service, or at a fault proxy put between the two when any failure goes there.
  options.inject_failures = !no_faults;
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
  if (!scenario.workloads.empty()) {  // a mix: each workload's own URL, method and body
    std::map<std::string, http_factory> by_name;
    if (!workload_factories(scenario, factory, h, options, by_name)) return usage_error;
    for (auto const& [name, f] : by_name)
      std::fprintf(stderr, "workload %s: %s %s, %zu connection(s)\n", name.c_str(),
                   std::string(boost::beast::http::to_string(f.base.method)).c_str(), f.base.url.c_str(), f.connections);
    workload_factory_fn mix = [by_name = std::move(by_name)](asio::any_io_executor ex, std::size_t i,
                                                             const st::workload& w) -> st::target::any_target {
      return by_name.at(w.name)(std::move(ex), i);
    };
    return run_and_report(ctx, scenario, std::move(mix), options, h.out_dir, finish);
  }
  return run_and_report(ctx, scenario, std::move(factory), options, h.out_dir, finish);
}

}  // namespace stress_run
