// http_settings.hpp's engine half, and what quick mode and scenario mode share over HTTP
// (http_common.hpp).

#include "http_settings.hpp"

#include "cli_util.hpp"
#include "console.hpp"
#include "http_common.hpp"

#include <stress_testing/criteria.hpp>
#include <stress_testing/run/orchestrator.hpp>

#include <boost/asio/io_context.hpp>

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <iostream>

namespace stress_run {

namespace asio = boost::asio;
namespace st = stress_testing;

bool http_settings::apply(st::run::run_options& options, st::target::http_target_options& base) const {
  auto const t = parse_duration(timeout);
  auto const iv = interval.empty() ? std::optional<double>(1.0) : parse_duration(interval);
  if (!t || *t <= 0) return bad("--timeout", timeout);
  if (!iv || *iv <= 0) return bad("--interval", interval);
  auto const late = parse_duration(late_threshold);
  if (!late) {
    std::cerr << "stress-run: --late-threshold '" << late_threshold << "': expected a duration like 1ms, 500us, 0\n";
    return false;
  }
  options.pool.loop.generator.late_threshold =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*late));
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

bool http_settings::add_criteria(st::test_scenario& scenario) const {
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

bool http_settings::bad(const char* option, const std::string& value) {
  std::cerr << "stress-run: " << option << " '" << value << "': expected a positive duration like 30s, 500ms, 2m\n";
  return false;
}

std::function<void(st::run::run_result&)> http_finisher(std::shared_ptr<stats_registry> registry,
                                                        std::shared_ptr<fraud_workload> fraud) {
  return [registry, fraud](st::run::run_result& r) {
    auto stats = registry->merged();
    r.target_counters = stats.counters();
    if (fraud) {
      stats.agents.merge(fraud->agent_failures());
      auto const tally = fraud->tally();
      st::fraud::cost_model const cost;
      // Reconciled with the run's accounting: every intended request counts (a failure injected
      // at the client never reached the tally's observer; a dropped one was never sent).
      r.business = tally.to_business_metrics(cost, r.elapsed_seconds, r.accounting, r.ended_at);
      r.hero = tally.to_hero_metrics(cost, r.elapsed_seconds, r.accounting, r.ended_at);
      r.hero->avg_response_time_ms = r.summary.avg_response_time_ms;
    }
    r.agents = stats.agents.to_agent_metrics(r.ended_at, r.elapsed_seconds);
    st::run::update_reported_metrics(r);
  };
}

bool apply_request(const std::string& method, const std::vector<std::string>& headers,
                   st::target::http_target_options& base) {
  base.method = boost::beast::http::string_to_verb(method);
  if (base.method == boost::beast::http::verb::unknown) {
    std::cerr << "stress-run: --method '" << method << "': not an HTTP method\n";
    return false;
  }
  for (auto const& line : headers) {
    auto hv = parse_header(line);
    if (!hv) {
      std::cerr << "stress-run: --header '" << line << "': expected \"Name: value\"\n";
      return false;
    }
    base.headers.push_back(*hv);
  }
  return true;
}

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

}  // namespace stress_run
