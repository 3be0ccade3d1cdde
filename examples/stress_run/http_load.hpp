// The HTTP side of stress-run: one http_target per worker, connections split across workers,
// and the targets' statistics gathered for the results.
#ifndef STRESS_RUN_HTTP_LOAD_HPP
#define STRESS_RUN_HTTP_LOAD_HPP

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

}  // namespace stress_run

#endif
