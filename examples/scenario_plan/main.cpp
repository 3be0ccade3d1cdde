// stress-plan: shows what a scenario will do before anything is sent. Lists the five predefined
// scenarios, or takes one (by name or from a JSON file), applies time/load/environment scaling,
// validates it, and prints its load curve, its request count (the integral of the curve), its
// failure timeline and its success criteria. It also generates the scenario's whole arrival
// schedule, as the engine will, and checks the count against the integral.
//
// Exit codes follow the harness convention: 0 ok, 2 usage or configuration error, 1 runtime error.

#include <stress_testing/config.hpp>
#include <stress_testing/profile.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace st = stress_testing;

namespace {

std::string seconds_text(double s) {
  char buf[64];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%.4gh", s / 3600);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%.4gmin", s / 60);
  else std::snprintf(buf, sizeof buf, "%.4gs", s);
  return buf;
}

// A text chart of the rate curve: `width` columns, `height` rows, each column the mean rate over
// its slice of time (cumulative difference / slice length), so bursts shorter than a column show
// at their true average instead of disappearing between samples.
void print_chart(const st::profile::any_profile& p, int width, int height) {
  double const d = p.duration();
  std::vector<double> col(static_cast<std::size_t>(width));
  double top = 0;
  for (int i = 0; i < width; ++i) {
    double const a = d * i / width, b = d * (i + 1) / width;
    col[static_cast<std::size_t>(i)] = (p.cumulative(b) - p.cumulative(a)) / (b - a);
    top = std::max(top, col[static_cast<std::size_t>(i)]);
  }
  if (top <= 0) {
    std::cout << "  (no load)\n";
    return;
  }
  for (int row = height; row >= 1; --row) {
    double const level = top * (row - 0.5) / height;
    char label[32];
    std::snprintf(label, sizeof label, "%9.0f |", top * row / height);
    std::cout << (row == height || row == 1 ? label : "          |");
    for (double v : col) std::cout << (v >= level ? '#' : ' ');
    std::cout << '\n';
  }
  std::cout << "          +" << std::string(static_cast<std::size_t>(width), '-') << "\n";
  std::cout << "           0" << std::string(static_cast<std::size_t>(std::max(1, width - 12)), ' ')
            << seconds_text(d) << "\n";
}

int plan(const st::test_scenario& s, st::profile::arrival_process process, std::size_t workers, bool chart) {
  auto const profile = st::profile::make_profile(s.load_profile, s.duration_seconds);
  double const expected = profile.cumulative(profile.duration());
  double peak = 0;
  for (int i = 0; i <= 10000; ++i) peak = std::max(peak, profile.rate_at(profile.duration() * i / 10000.0));

  std::printf("%s (%s)\n  %s\n", s.name.c_str(), s.scenario_id.c_str(), s.description.c_str());
  std::printf("  %-22s %s\n", "profile", std::string(st::to_string(s.load_profile.profile_type)).c_str());
  std::printf("  %-22s %s\n", "duration", seconds_text(s.duration_seconds).c_str());
  std::printf("  %-22s %.0f\n", "intended requests", expected);
  std::printf("  %-22s %.1f req/s (mean %.1f req/s)\n", "peak rate", peak, expected / s.duration_seconds);
  if (chart) print_chart(profile, 64, 8);
  for (auto const& f : s.failure_scenarios)
    std::printf("  failure %-14s at %s for %s, severity %.2f\n", std::string(st::to_string(f.failure_type)).c_str(),
                seconds_text(f.start_time_seconds).c_str(), seconds_text(f.duration_seconds).c_str(), f.severity);
  for (auto const& c : s.success_criteria)
    std::printf("  criterion %-40s %s\n", st::to_string(c).c_str(),
                c.description.empty() ? "" : ("(" + c.description + ")").c_str());

  // Generate the whole schedule exactly as the engine's workers will, and account for it.
  auto const t0 = std::chrono::steady_clock::now();
  std::uint64_t total = 0;
  std::chrono::nanoseconds last{0};
  for (std::size_t w = 0; w < workers; ++w) {
    st::profile::arrival_schedule schedule(profile, {process, s.load_profile.seed, workers, w});
    while (auto t = schedule.next()) {
      ++total;
      last = std::max(last, *t);
    }
  }
  auto const elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Uniform arrivals match the integral to within one per worker; Poisson within 6 sigma.
  double const tolerance = process == st::profile::arrival_process::uniform
                               ? static_cast<double>(workers)
                               : 6 * std::sqrt(std::max(expected, 1.0)) + static_cast<double>(workers);
  bool const ok = std::abs(static_cast<double>(total) - expected) <= tolerance;
  std::printf("  %-22s %s: %llu arrivals from %zu worker schedule(s), last at %s, %.1f ns each\n", "schedule check",
              ok ? "ok" : "MISMATCH", static_cast<unsigned long long>(total), workers,
              seconds_text(std::chrono::duration<double>(last).count()).c_str(),
              total ? elapsed * 1e9 / static_cast<double>(total) : 0.0);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"stress-plan: show what a stress-test scenario will do, before sending anything"};
  std::string name;
  std::string file;
  std::string write;
  std::string env = "production";
  double time_scale = 1.0;
  double load_scale = 1.0;
  std::size_t workers = 1;
  bool poisson = false;
  bool chart = true;
  app.add_option("scenario", name, "predefined scenario: peak_load, sustained_load, burst_traffic, "
                                   "failure_recovery, investor_presentation (none: list them)");
  app.add_option("--file", file, "read the scenario from this JSON file instead")->check(CLI::ExistingFile);
  app.add_option("--time-scale", time_scale, "multiply every duration (0.01: a 30 min test in 18 s)")
      ->check(CLI::PositiveNumber);
  app.add_option("--load-scale", load_scale, "multiply every rate")->check(CLI::PositiveNumber);
  app.add_option("--env", env, "dev (10% load), staging (80%) or production (100%)")
      ->check(CLI::IsMember({"dev", "staging", "production"}));
  app.add_option("--workers", workers, "split the schedule across this many workers")->check(CLI::Range(1, 1024));
  app.add_flag("--poisson", poisson, "Poisson arrivals instead of evenly spaced ones");
  app.add_flag("!--no-chart", chart, "do not draw the load curve");
  app.add_option("--write", write, "also write the (scaled) scenario as JSON to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    std::vector<st::test_scenario> scenarios;
    if (!file.empty()) {
      std::vector<st::config_problem> problems;
      auto s = st::configuration_manager::load_scenario(file, problems);
      if (!s) {
        std::cerr << "stress-plan: " << file << " is not a valid scenario (" << problems.size() << " problem"
                  << (problems.size() == 1 ? "" : "s") << "):\n";
        for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
        return 2;
      }
      scenarios.push_back(*s);
    } else if (!name.empty()) {
      auto s = st::scenario_builder::create(name);
      if (!s) {
        std::cerr << "stress-plan: no scenario called \"" << name << "\"; try one of:";
        for (auto n : st::scenario_builder::names) std::cerr << ' ' << n;
        std::cerr << '\n';
        return 2;
      }
      scenarios.push_back(*s);
    } else {
      scenarios = st::scenario_builder::all();
      chart = false;
    }

    auto const environment = *st::parse_test_environment(env);
    int rc = 0;
    for (auto& s : scenarios) {
      s = st::apply_environment(st::scale_scenario(s, time_scale, load_scale), environment);
      std::vector<st::config_problem> problems;
      st::validate(s, problems);
      if (!problems.empty()) {
        std::cerr << "stress-plan: scaling made the scenario invalid:\n";
        for (auto const& p : problems) std::cerr << "  " << st::to_string(p) << '\n';
        return 2;
      }
      rc |= plan(s, poisson ? st::profile::arrival_process::poisson : st::profile::arrival_process::uniform, workers,
                 chart);
      std::cout << '\n';
    }
    if (!write.empty() && scenarios.size() == 1) {
      auto const path = st::configuration_manager(".").save_scenario(scenarios.front(), write);
      std::cout << "wrote " << path.string() << '\n';
    }
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "stress-plan: " << e.what() << '\n';
    return 1;
  }
}
