// The HTTP side of stress-run: one http_target per worker, connections split across workers,
// and the targets' statistics gathered for the results.
#ifndef STRESS_RUN_HTTP_LOAD_HPP
#define STRESS_RUN_HTTP_LOAD_HPP

#include <stress_testing/fault/inject.hpp>
#include <stress_testing/fault/recipes.hpp>
#include <stress_testing/target/http_target.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace stress_run {

namespace st = stress_testing;

/// Every worker's target statistics, registered by the factory (on the starting thread) and
/// merged after the run (when the workers are idle).
struct stats_registry {
  std::mutex mutex;
  std::vector<std::shared_ptr<st::target::http_target_stats>> all;

  void add(std::shared_ptr<st::target::http_target_stats> s) {
    std::lock_guard lock(mutex);
    all.push_back(std::move(s));
  }
  st::target::http_target_stats merged() {
    std::lock_guard lock(mutex);
    st::target::http_target_stats m;
    for (auto const& s : all) m.merge(*s);
    return m;
  }
};

/// The HTTP target's counters by name, as `run_result::target_counters` holds them.
inline std::map<std::string, std::uint64_t> counters_of(const st::target::http_target_stats& s) {
  return {{"connections_opened", s.connections_opened},
          {"connect_failures", s.connect_failures},
          {"tls_failures", s.tls_failures},
          {"closed_by_server", s.closed_by_server},
          {"resets", s.resets},
          {"protocol_errors", s.protocol_errors},
          {"body_too_large", s.body_too_large},
          {"cancelled", s.cancelled},
          {"stale_retries", s.stale_retries},
          {"responses", s.responses},
          {"bytes_in", s.bytes_in},
          {"bytes_out", s.bytes_out}};
}

/// Adjusts a worker's target options (a workload's body generator and response observer).
using customize_fn = std::function<void(std::size_t worker, st::target::http_target_options&)>;

/** The worker pool's target factory: worker i of W gets `connections / W` connections (plus one
    if `i < connections % W`, at least one). */
struct http_factory {
  st::target::http_target_options base;
  std::size_t workers = 1;
  std::size_t connections = 1;
  std::shared_ptr<stats_registry> registry = std::make_shared<stats_registry>();
  customize_fn customize;

  st::target::http_target operator()(boost::asio::any_io_executor ex, std::size_t i) const {
    auto o = base;
    std::size_t const share = connections / workers + (i < connections % workers ? 1 : 0);
    o.connections = share == 0 ? 1 : share;
    if (customize) customize(i, o);
    st::target::http_target t(std::move(ex), std::move(o));
    registry->add(t.stats());
    return t;
  }
};

/** The scenario's failure timeline in front of each worker's HTTP target: the recipes of
    `fault/recipes.hpp`, injected in-process on the client side (the service itself is not
    touched). `start` is the run's start as the harness sees it (within a few milliseconds of the
    orchestrator's). */
struct injected_http_factory {
  http_factory http;
  st::fault::fault_plan_options plan;
  std::chrono::steady_clock::time_point start;
  std::shared_ptr<std::atomic<std::uint64_t>> counter = st::fault::fault_plan::shared_counter();

  auto operator()(boost::asio::any_io_executor ex, std::size_t i) const {
    return st::fault::inject(http(ex, i), st::fault::fault_plan(plan, http.workers, counter), start);
  }
};

}  // namespace stress_run

#endif
