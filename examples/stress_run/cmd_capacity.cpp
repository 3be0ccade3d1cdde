// Capacity mode (cmd_capacity.hpp): the target, the search's options and its report; each step is
// held by run_engine.cpp (capacity_session, which also keeps Ctrl-C from ending the search
// without its file), the decisions are st::run::capacity_search's.

#include "cmd_capacity.hpp"

#include "capacity_dashboard.hpp"
#include "cli_util.hpp"
#include "embedded_service.hpp"
#include "http_common.hpp"
#include "run_engine.hpp"
#include "simulated_scorer.hpp"

#include <stress_testing/detail/atomic_file.hpp>
#include <stress_testing/report/capacity_chart.hpp>
#include <stress_testing/report/capacity_json.hpp>
#include <stress_testing/run/capacity.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace stress_run {

namespace st = stress_testing;

namespace {

std::optional<std::chrono::nanoseconds> duration_of(const char* option, const std::string& text, bool zero_ok) {
  auto const s = parse_duration(text);
  if (!s || (!zero_ok && *s <= 0)) {
    http_settings::bad(option, text);
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*s));
}

void print_step(const st::run::capacity_step& s) {
  std::string p99 = "no samples";
  for (auto const& p : s.percentiles)
    if (p.percentile == 99) {
      char b[96];
      std::snprintf(b, sizeof b, "p99 %.2f ms [%s, %s]", p.ms.value,
                    p.ms.lower ? std::to_string(*p.ms.lower).substr(0, 6).c_str() : "?",
                    p.ms.upper ? std::to_string(*p.ms.upper).substr(0, 6).c_str() : "?");
      p99 = b;
    }
  std::fprintf(stderr, "step %zu (%s): %.1f/s for %.0f s -> %s: %s, achieved %.1f/s, errors %.2f%%, drift x%.2f\n  %s\n",
               s.plan.index + 1, std::string(st::run::to_string(s.plan.kind)).c_str(), s.plan.rate, s.seconds,
               std::string(st::run::to_string(s.verdict)).c_str(), p99.c_str(), s.achieved_rps,
               100 * s.error_rate.value, s.drift.ratio, s.reason.c_str());
}

}  // namespace

int run_capacity(app_context& ctx, const capacity_settings& c, const http_settings& h) {
  capacity_session session;  // from here on, Ctrl-C ends the search with the steps done written
  st::run::capacity_options o;
  o.min_rate = c.min_rate;
  o.max_rate = c.max_rate;
  o.precision = c.precision;
  o.confidence = c.confidence;
  auto const step = duration_of("--step-duration", c.step_duration, false);
  auto const drain = duration_of("--drain", c.drain, true);
  auto const hold = duration_of("--hold", c.hold, true);
  if (!step || !drain || !hold) return usage_error;
  o.step_duration = *step;
  o.drain = *drain;
  o.hold = *hold;
  st::test_scenario base;
  base.scenario_id = "capacity";
  base.load_profile.seed = c.seed;
  if (!h.add_criteria(base)) return usage_error;
  o.slos = base.success_criteria;
  if (auto problems = o.problems(); !problems.empty()) {
    for (auto const& p : problems) std::cerr << "stress-run: capacity: " << p << '\n';
    return usage_error;
  }
  // Before the search: a search whose answer cannot be written is not worth running.
  if (auto why = st::detail::unwritable_directory_reason(h.out_dir); !why.empty()) {
    std::cerr << "stress-run: --out '" << h.out_dir << "': " << why << "; nothing was run\n";
    return runtime_error;
  }

  st::run::run_options options;
  target_factory_fn factory;
  std::unique_ptr<embedded_service> service;
  nlohmann::json target = {{"kind", c.target == "sim" || c.target == "embedded" ? c.target : "url"}};
  if (c.target == "sim") {
    st::target::http_target_options ignored;
    if (!h.apply(options, ignored)) return usage_error;
    options.pool.workers = h.threads;
    scorer_factory f;
    f.options.capacity_tps = c.sim_capacity;
    f.workers = options.pool.workers;
    f.seed = c.seed;
    factory = f;
    target["nominal_capacity_tps"] = c.sim_capacity;
  } else {
    std::string url = c.target;
    http_factory f;
    if (!h.apply(options, f.base)) return usage_error;
    if (c.target == "embedded") {
      auto const service_config = embedded_service::options(c.service_concurrency, c.seed, c.autoscale);
      if (!service_config) return usage_error;
      try {
        service = std::make_unique<embedded_service>(*service_config);
      } catch (const std::exception& e) {
        std::cerr << "stress-run: could not start the embedded service: " << e.what() << '\n';
        return runtime_error;
      }
      url = service->url();
      send_fraud_workload(f, c.seed);
      target["nominal_capacity_tps"] = service->server().nominal_capacity_tps();
    } else {
      if (!apply_request(c.method, c.headers, f.base)) return usage_error;
      f.base.body = c.body;
    }
    f.base.url = url;
    f.workers = options.pool.workers;
    f.connections = h.connections;
    if (!validate_target(f)) return usage_error;
    target["url"] = url;
    factory = std::move(f);
  }
  options.on_interval = {};  // one line per step instead (print_step)
  if (!h.interval.empty()) {  // h.apply parsed and bounded it; a step needs two halves to compare
    if (options.interval > o.step_duration / 2) {
      std::cerr << "stress-run: capacity: --interval '" << h.interval << "': must be at most half of --step-duration ('"
                << c.step_duration << "'): each step's halves are compared for drift\n";
      return usage_error;
    }
    o.interval = options.interval;
  }
  std::fprintf(stderr, "capacity of %s%s: from %.1f/s (at most %.1f/s), %.0f s steps, precision %.0f%%\n",
               target.value("url", std::string("the simulated service")).c_str(),
               target.contains("nominal_capacity_tps")
                   ? (" (nominal capacity " + std::to_string(static_cast<long long>(target["nominal_capacity_tps"].get<double>())) +
                      " TPS)").c_str()
                   : "",
               o.min_rate, o.max_rate, std::chrono::duration<double>(o.step_duration).count(), 100 * o.precision);

  // --dashboard: the steps so far and their curve, from capacity.json's own functions, after each
  // step; the document written to capacity.json at the end.
  capacity_dashboard_ptr live;
  std::vector<st::run::capacity_step> steps;
  try {
    auto initial = st::report::to_json(st::run::capacity_result{}, o);
    initial["live"] = true;
    initial["status"] = "RUNNING";
    initial["summary"] = "searching";
    initial["stop"] = nullptr;  // not stopped yet
    initial["target"] = target;
    live = start_capacity_dashboard(ctx, std::move(initial));
  } catch (const std::exception& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }

  st::run::capacity_result result;
  try {
    result = st::run::search_capacity(
        o,
        [&](const st::run::step_plan& plan) {
          // The drain comes before each step but the first, so a step's line is printed as soon
          // as it is judged, and the search does not idle after its last step.
          if (plan.index > 0) session.drain(o.drain);
          return session.run_step(base, factory, options, plan, o.interval);
        },
        [&](const st::run::capacity_step& s) {
          if (!h.quiet) print_step(s);
          if (!live) return;
          steps.push_back(s);
          nlohmann::json all = nlohmann::json::array();
          for (auto const& x : steps) all.push_back(st::report::detail::step_json(x));
          publish_capacity(*live, {{"type", "capacity_step"},
                                   {"status", "RUNNING"},
                                   {"steps", std::move(all)},
                                   {"curve", st::report::curve_json(steps)}});
        });
  } catch (const std::invalid_argument& e) {
    std::cerr << "stress-run: " << e.what() << '\n';
    return usage_error;
  }

  auto doc = st::report::to_json(result, o);
  doc["target"] = target;
  if (live) {  // the file's document, with the run status the page's header shows
    auto shown = doc;
    shown["status"] = result.stop == st::run::capacity_stop::cancelled ? "CANCELLED" : "COMPLETED";
    finish_capacity(*live, std::move(shown));
  }
  auto const path = std::filesystem::path(h.out_dir) / "capacity.json";
  try {
    st::detail::write_file_atomically(path, doc.dump(2) + "\n");
    // The chart is drawn from the document just written: the same figures, one definition.
    st::detail::write_file_atomically(path.parent_path() / "capacity.html", st::report::capacity_html(doc));
  } catch (const std::exception& e) {
    std::cerr << "stress-run: could not write " << path.string() << ": " << e.what() << '\n';
    std::printf("\ncapacity: %s\n", result.summary.c_str());
    return runtime_error;  // no file is no answer
  }
  std::printf("\ncapacity: %s\ncapacity: %s\n", result.summary.c_str(), path.string().c_str());
  if (live && ctx.dashboard_linger_seconds > 0) {
    std::fflush(stdout);
    std::fprintf(stderr, "dashboard: serving the final capacity document for %g s (Ctrl-C ends)\n",
                 ctx.dashboard_linger_seconds);
    session.drain(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(ctx.dashboard_linger_seconds)));
  }
  // 0: an answer; 99: no rate met the SLOs; 98: bounded by the generator, out of steps or cancelled.
  switch (result.stop) {
    case st::run::capacity_stop::converged:
    case st::run::capacity_stop::max_rate_passed: return passed;
    case st::run::capacity_stop::min_rate_failed: return criterion_failed;
    default: return inconclusive;
  }
}

}  // namespace stress_run
