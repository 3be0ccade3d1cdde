// http_settings.hpp's engine half, and what quick mode and scenario mode share over HTTP
// (http_common.hpp).

#include "http_settings.hpp"

#include "cli_util.hpp"
#include "console.hpp"
#include "http_common.hpp"

#include <stress_testing/criteria.hpp>
#include <stress_testing/target/http/header_field.hpp>
#include <stress_testing/run/orchestrator.hpp>

#include <boost/asio/io_context.hpp>

#include <boost/beast/http/verb.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>
#include <variant>

namespace stress_run {

namespace asio = boost::asio;
namespace st = stress_testing;

namespace {
constexpr double min_interval_seconds = 0.001, max_interval_seconds = 3600, max_timeout_seconds = 3600;
constexpr double max_pacing_seconds = 1;  // auto's bound: a coarser grid is no pacing at all
}  // namespace

bool http_settings::apply_pacing(st::load::open_loop_options& loop) const {
  // "auto" or "auto:BOUND": the adaptive grid (at most BOUND late, 1 ms by default); otherwise a
  // fixed grid of that period, 0 waking for each arrival.
  auto const to_ns = [](double s) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
  };
  std::string_view text = pacing;
  loop.pacing_granularity = std::chrono::nanoseconds::zero();
  loop.adaptive_pacing_bound = std::chrono::nanoseconds::zero();
  if (text.starts_with("auto")) {
    text.remove_prefix(4);
    std::optional<double> bound(0.001);
    if (!text.empty()) bound = text.front() == ':' ? parse_duration(text.substr(1)) : std::nullopt;
    if (!bound || *bound <= 0 || *bound > max_pacing_seconds) {
      std::cerr << "stress-run: --pacing '" << pacing << "': expected auto, auto:BOUND (e.g. auto:500us, at most 1s), "
                   "0 or a grid period like 1ms\n";
      return false;
    }
    loop.adaptive_pacing_bound = to_ns(*bound);
    return true;
  }
  auto const pace = parse_duration(text);
  if (!pace) return bad("--pacing", pacing);
  loop.pacing_granularity = to_ns(*pace);
  return true;
}

bool http_settings::apply(st::run::run_options& options, st::target::http_target_options& base) const {
  auto const t = parse_duration(timeout);
  auto const iv = interval.empty() ? std::optional<double>(1.0) : parse_duration(interval);
  if (!t || *t <= 0) return bad("--timeout", timeout);
  if (!iv || *iv <= 0) return bad("--interval", interval);
  // Sanity limits (docs/security.md): a finer interval costs a sample, a series point and a
  // live message each, and a coarser one hides everything a run shows.
  if (*iv < min_interval_seconds || *iv > max_interval_seconds) {
    std::cerr << "stress-run: --interval '" << interval << "': must be from 1ms to 1h\n";
    return false;
  }
  if (*t > max_timeout_seconds) {
    std::cerr << "stress-run: --timeout '" << timeout << "': must be at most 1h\n";
    return false;
  }
  auto const late = parse_duration(late_threshold);
  if (!late) {
    std::cerr << "stress-run: --late-threshold '" << late_threshold << "': expected a duration like 1ms, 500us, 0\n";
    return false;
  }
  options.pool.loop.generator.late_threshold =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*late));
  if (!apply_pacing(options.pool.loop)) return false;
  options.interval = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*iv));
  options.pool.workers = std::min(threads, connections);
  if (!apply_sharding(options)) return false;
  options.pool.loop.max_in_flight = max_in_flight;
  options.pool.loop.request_timeout =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*t));
  options.pool.process = poisson ? st::profile::arrival_process::poisson : st::profile::arrival_process::uniform;
  if (!quiet) options.on_interval = print_live;
  options.require_success = !allow_no_success;
  base.allow_non_loopback = allow_remote;
  base.tls.insecure_skip_verify = insecure;
  base.tls.ca_file = ca_file;
  ensure_descriptors(connections_for(options));
  return true;
}

// Every connection holds a descriptor, and shells often start with a soft limit of 1024 whatever
// the hard one: raise the soft limit as far as the connections need (up to the hard limit), and
// say so when that is not enough, instead of letting the connections beyond it fail one by one
// as connect errors (EMFILE).
void http_settings::ensure_descriptors(std::size_t connections) {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return;
  rlim_t const need = static_cast<rlim_t>(connections) + descriptor_reserve;
  if (r.rlim_cur >= need) return;
  rlimit raised = r;
  raised.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max >= need ? need : r.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  if (r.rlim_cur >= need) return;
  std::fprintf(stderr,
               "stress-run: %zu connection(s) need about %llu file descriptors, but the limit is %llu (hard limit "
               "%llu): the connections beyond it will fail as connect errors; raise the hard limit (ulimit -Hn, as root)\n",
               connections, static_cast<unsigned long long>(need), static_cast<unsigned long long>(r.rlim_cur),
               static_cast<unsigned long long>(r.rlim_max));
}

bool http_settings::apply_sharding(st::run::run_options& options) const {
  if (shard != "none") {
    auto const found = shard.empty()
                           ? st::run::shard_from_environment([](const char* name) { return std::getenv(name); },
                                                             shards ? std::optional<std::size_t>(shards) : std::nullopt)
                           : std::optional(st::run::parse_shard(shard));
    if (found) {
      if (auto const* e = std::get_if<st::run::shard_error>(&*found)) {
        std::cerr << "stress-run: " << e->message << '\n';
        return false;
      }
      auto const& spec = std::get<st::run::shard_spec>(*found);
      if (spec.count > 1) {
        options.shard = spec;
        // Every shard must have the same number of workers (the schedule is split over all of them).
        options.pool.workers = std::min(threads, std::max<std::size_t>(1, connections / spec.count));
        std::fprintf(stderr, "shard %zu of %zu (from %s)\n", spec.index, spec.count, spec.source.c_str());
      }
    }
  }
  if (start_at.empty()) return true;
  auto const now = std::chrono::system_clock::now();
  std::optional<std::chrono::system_clock::time_point> at;
  if (start_at.starts_with("next:")) {
    auto const period = parse_duration(std::string_view(start_at).substr(5));
    if (period && *period > 0)
      at = st::run::next_boundary(now, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*period)),
                                  std::chrono::seconds(2));
  } else {
    at = st::run::parse_start_at(start_at);
  }
  if (!at) {
    std::cerr << "stress-run: --start-at '" << start_at
              << "': expected an ISO 8601 time (2026-12-07T10:00:00Z), Unix seconds, or next:PERIOD (next:10s)\n";
    return false;
  }
  if (*at > now + std::chrono::hours(24)) {
    std::cerr << "stress-run: --start-at '" << start_at << "' is more than a day away\n";
    return false;
  }
  options.start_at = *at;
  return true;
}

std::size_t http_settings::connections_for(const st::run::run_options& options) const {
  if (!options.shard || options.shard->count <= 1) return connections;
  auto const n = options.shard->count;
  return std::max<std::size_t>(1, connections / n + (options.shard->index < connections % n ? 1 : 0));
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
                                                        std::shared_ptr<fraud_workload> fraud,
                                                        std::vector<std::string> fraud_workloads) {
  return [registry, fraud, fraud_workloads](st::run::run_result& r) {
    auto stats = registry->merged();
    r.target_counters = stats.counters();
    for (auto const& [kind, cause] : stats.first_failures) r.failure_causes.try_emplace(kind, cause);
    if (fraud) {
      stats.agents.merge(fraud->agent_failures());
      auto const tally = fraud->tally();
      st::fraud::cost_model const cost;
      // Reconciled with the run's accounting: every intended request counts (a failure injected
      // at the client never reached the tally's observer; a dropped one was never sent). In a
      // mix, only the workloads that sent transactions count; with a session, only its scoring
      // steps' requests (fraud_workload::scored_accounting).
      auto accounting = r.accounting;
      if (!fraud_workloads.empty()) {
        accounting = {};
        for (auto const& name : fraud_workloads)
          if (auto const* w = r.find_workload(name)) st::load::merge(accounting, w->accounting);
      }
      auto const scored = fraud->scored_accounting(accounting);
      // What results.json's business_accounting and the summary reconcile with, when it is not
      // the run's own: a mix's fraud workloads, a session's scoring steps.
      if (!fraud_workloads.empty() || fraud->has_unscored_steps()) r.business_accounting = scored;
      r.business = tally.to_business_metrics(cost, r.elapsed_seconds, scored, r.ended_at);
      r.hero = tally.to_hero_metrics(cost, r.elapsed_seconds, scored, r.ended_at);
      r.hero->avg_response_time_ms = r.summary.avg_response_time_ms;
    }
    r.agents = stats.agents.to_agent_metrics(r.ended_at, r.elapsed_seconds);
    st::run::apply_agent_loads(r);  // from the service's GET /stats, when the run polled it
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
    if (auto why = st::target::http::header_field_problem(hv->first, hv->second)) {
      std::cerr << "stress-run: --header '" << hv->first << "': " << *why << '\n';
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
