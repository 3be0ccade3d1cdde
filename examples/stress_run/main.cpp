// stress-run: the example harness (DESIGN.md §6). Runs a scenario — predefined or from a JSON
// file, scaled in time and load — against a target, prints a live line per interval on stderr, a
// summary with every criterion ✓/✗ on stdout, and writes results.json.
//
// Targets today: `sim` (an in-process simulated fraud-scoring service, simulated_scorer.hpp).
// The HTTP target arrives with the network layer.
//
// Exit codes (k6's convention): 0 every criterion passed, 99 a criterion failed or aborted the
// run, 2 usage or configuration error, 1 runtime error. Ctrl-C stops the load, drains, and still
// writes the results gathered so far.

#include "simulated_scorer.hpp"

#include <stress_testing/config.hpp>
#include <stress_testing/report/results_json.hpp>
#include <stress_testing/run/orchestrator.hpp>
#include <stress_testing/target/function_target.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace st = stress_testing;

namespace stress_run {

// The callable a function_target calls: one simulated service instance per worker.
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
  std::chrono::steady_clock::time_point run_start;
  auto operator()(asio::any_io_executor ex, std::size_t index) const {
    auto s = std::make_shared<simulated_scorer>(options, 1.0 / static_cast<double>(workers), seed + index, run_start);
    return st::target::make_function_target(std::move(ex), scorer_call{std::move(s)});
  }
};

const char* level_text(st::degradation_level l) {
  switch (l) {
    case st::degradation_level::none: return "ok";
    case st::degradation_level::moderate: return "MODERATE";
    case st::degradation_level::severe: return "SEVERE";
    case st::degradation_level::critical: return "CRITICAL";
  }
  return "?";
}

void print_live(const st::run::interval_progress& p) {
  using st::metrics::metric;
  auto const& v = p.interval.values;
  auto const& c = p.interval.counters;
  double const secs = p.interval.end_seconds() - p.interval.start_seconds();
  double const failed = static_cast<double>(c.total() - c.count(st::outcome::ok));
  std::fprintf(stderr,
               "[%6.1fs/%4.0fs] plan %6.0f/s  done %6.0f/s  ok %6.0f/s  p50 %7.1fms  p99 %7.1fms  "
               "err %5.2f%%  thr %5.2f%%  inflight %5lld  lag99 %6.2fms  %s\n",
               p.elapsed_seconds, p.duration_seconds, p.planned_tps, p.interval.completed_tps,
               secs > 0 ? static_cast<double>(c.count(st::outcome::ok)) / secs : 0.0,
               v.get(metric::p50_response_time_ms).value_or(0), v.get(metric::p99_response_time_ms).value_or(0),
               c.total() ? 100.0 * failed / static_cast<double>(c.total()) : 0.0,
               c.total() ? 100.0 * static_cast<double>(c.count(st::outcome::throttled)) / static_cast<double>(c.total())
                         : 0.0,
               static_cast<long long>(p.interval.in_flight), v.get(metric::p99_send_lag_ms).value_or(0),
               level_text(p.interval.degradation));
}

void print_summary(const st::run::run_result& r, const std::string& results_path) {
  auto const& s = r.summary;
  auto const& a = r.accounting;
  std::printf("\n%s — %s\n", r.scenario.name.c_str(), std::string(st::to_string(r.status)).c_str());
  std::printf("  %s\n", r.status_reason.c_str());
  std::printf("  elapsed %.1f s, intended %llu, sent %llu\n", r.elapsed_seconds,
              static_cast<unsigned long long>(a.intended), static_cast<unsigned long long>(a.issued));
  std::printf("  outcomes:");
  for (auto o : st::all_outcomes)
    std::printf(" %s %llu", std::string(st::to_string(o)).c_str(), static_cast<unsigned long long>(a.count(o)));
  std::printf("%s\n", a.balanced() ? "  (all accounted)" : "  (UNBALANCED)");
  std::printf("  throughput %.1f ok/s   error rate %.4f   timeout rate %.4f\n", s.throughput_tps, s.error_rate,
              s.timeout_rate);
  std::printf("  response time (from intended send) ms: avg %.2f  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n",
              s.avg_response_time_ms, s.p50_response_time_ms, s.p95_response_time_ms, s.p99_response_time_ms,
              s.max_response_time_ms);
  std::printf("  send lag p99 %.3f ms%s\n", std::chrono::duration<double, std::milli>(a.send_lag_p99).count(),
              r.generator_limited ? "  — GENERATOR LIMITED" : "");
  if (r.generator_limited) std::printf("  %s\n", r.generator_reason.c_str());
  for (auto const& w : r.analysis.windows) {
    std::printf("  %s %.0f-%.0f s: ", w.window.name.c_str(), w.window.start_seconds, w.window.end_seconds);
    if (w.detected_after_seconds) std::printf("detected after %.1f s, ", *w.detected_after_seconds);
    else std::printf("not visible, ");
    if (w.recovered_after_seconds) std::printf("recovered %.1f s after it ended, ", *w.recovered_after_seconds);
    else std::printf("NOT recovered, ");
    std::printf("%llu requests affected\n", static_cast<unsigned long long>(w.requests_affected));
  }
  std::printf("  criteria:\n");
  for (auto const& c : r.criteria) {
    char actual[64] = "no data";
    if (c.actual) std::snprintf(actual, sizeof actual, "%.6g", *c.actual);
    std::printf("    %s %-42s actual %s\n", c.passed() ? "✓" : (c.failed() ? "✗" : "?"),
                st::to_string(c.criterion).c_str(), actual);
  }
  if (!results_path.empty()) std::printf("  results: %s\n", results_path.c_str());
}

}  // namespace stress_run

int main(int argc, char** argv) {
  using namespace stress_run;
  CLI::App app{"stress-run: run a stress-test scenario and judge it against its success criteria"};
  app.require_subcommand(1);

  auto* list = app.add_subcommand("scenarios", "list the predefined scenarios");
  auto* run_cmd = app.add_subcommand("scenario", "run a predefined scenario, or one from a JSON file");
  std::string name, file, out_dir = "stress-results", env = "production", target = "sim";
  double time_scale = 1, load_scale = 1, capacity = 7800, interval_s = 1, timeout_s = 30;
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::size_t max_in_flight = 100000;
  bool poisson = false, quiet = false;
  run_cmd->add_option("name", name, "peak_load, sustained_load, burst_traffic, failure_recovery, investor_presentation");
  run_cmd->add_option("--file", file, "scenario JSON file instead of a predefined name")->check(CLI::ExistingFile);
  run_cmd->add_option("--time-scale", time_scale, "multiply every duration (0.1: a 10 min scenario in 1 min)")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--load-scale", load_scale, "multiply every rate")->check(CLI::PositiveNumber);
  run_cmd->add_option("--env", env, "dev (10% load), staging (80%), production")
      ->check(CLI::IsMember({"dev", "staging", "production"}));
  run_cmd->add_option("--target", target, "what to load: sim (in-process simulated fraud scorer)")
      ->check(CLI::IsMember({"sim"}));
  run_cmd->add_option("--sim-capacity", capacity, "the simulated service's capacity in TPS")->check(CLI::PositiveNumber);
  run_cmd->add_option("--workers", workers, "load generator threads")->check(CLI::Range(1, 256));
  run_cmd->add_option("--interval", interval_s, "seconds per live line and series point")->check(CLI::PositiveNumber);
  run_cmd->add_option("--timeout", timeout_s, "per-request timeout in seconds")->check(CLI::PositiveNumber);
  run_cmd->add_option("--max-in-flight", max_in_flight, "per worker; arrivals beyond it are counted dropped")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  run_cmd->add_flag("--poisson", poisson, "Poisson arrivals instead of evenly spaced ones");
  run_cmd->add_option("--out", out_dir, "directory for results.json");
  run_cmd->add_flag("--quiet", quiet, "no live lines");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (list->parsed()) {
    for (auto const& s : st::scenario_builder::all())
      std::printf("%-22s %-8s %6.0f s  %s\n", s.scenario_id.c_str(),
                  std::string(st::to_string(s.load_profile.profile_type)).c_str(), s.duration_seconds,
                  s.description.c_str());
    return 0;
  }

  st::test_scenario scenario;
  if (!file.empty()) {
    std::vector<st::config_problem> problems;
    auto s = st::configuration_manager::load_scenario(file, problems);
    if (!s) {
      std::cerr << "stress-run: " << file << " is not a valid scenario:\n";
      for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
      return 2;
    }
    scenario = *s;
  } else if (auto s = st::scenario_builder::create(name)) {
    scenario = *s;
  } else {
    std::cerr << "stress-run: give a scenario name (stress-run scenarios lists them) or --file\n";
    return 2;
  }
  try {
    scenario = st::apply_environment(st::scale_scenario(scenario, time_scale, load_scale),
                                     *st::parse_test_environment(env));
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return 2;
  }

  asio::io_context io;
  st::run::run_options options;
  options.interval = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(interval_s));
  options.pool.workers = workers;
  options.pool.loop.max_in_flight = max_in_flight;
  options.pool.loop.request_timeout =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(timeout_s));
  options.pool.process = poisson ? st::profile::arrival_process::poisson : st::profile::arrival_process::uniform;
  if (!quiet) options.on_interval = print_live;

  scorer_factory factory;
  factory.options.capacity_tps = capacity * load_scale;
  factory.options.failures = scenario.failure_scenarios;
  factory.workers = workers;
  factory.seed = scenario.load_profile.seed;
  factory.run_start = std::chrono::steady_clock::now() + options.start_delay;

  // Ctrl-C / SIGTERM: a graceful stop; the run still completes with what it gathered.
  asio::cancellation_signal stop;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    std::fprintf(stderr, "\nstopping: draining requests in flight...\n");
    stop.emit(asio::cancellation_type::terminal);
  });

  std::fprintf(stderr, "%s: %s, %.0f s, %zu worker(s), target %s\n", scenario.scenario_id.c_str(),
               std::string(st::to_string(scenario.load_profile.profile_type)).c_str(), scenario.duration_seconds,
               workers, target.c_str());
  std::optional<st::run::run_result> result;
  boost::system::error_code run_ec;
  st::run::async_run(io.get_executor(), scenario, factory, options,
                     asio::bind_cancellation_slot(stop.slot(), [&](boost::system::error_code ec, st::run::run_result r) {
                       run_ec = ec;
                       result = std::move(r);
                       signals.cancel();
                     }));
  try {
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return 1;
  }
  if (!result) return 1;
  if (run_ec == boost::system::errc::invalid_argument) {
    std::cerr << "stress-run: " << result->status_reason << '\n';
    return 2;
  }

  std::string path;
  try {
    auto const p = std::filesystem::path(out_dir) / "results.json";
    st::report::write_results(*result, p);
    path = p.string();
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write results: " << e.what() << '\n';
  }
  print_summary(*result, path);
  if (run_ec) return 1;
  if (result->status == st::test_status::cancelled) return all_passed(result->criteria) ? 0 : 99;
  return result->passed() ? 0 : 99;
}
