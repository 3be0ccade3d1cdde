// The live dashboard of `stress-run capacity --dashboard HOST:PORT` (docs/capacity.md): the search's
// steps and latency–throughput curve on the live page as each step is judged, then capacity.json.
// Light on purpose: the server is compiled in dashboard.cpp only.
#ifndef STRESS_RUN_CAPACITY_DASHBOARD_HPP
#define STRESS_RUN_CAPACITY_DASHBOARD_HPP

#include "app.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace stress_run {

class capacity_dashboard;  // dashboard.cpp
struct capacity_dashboard_deleter {
  void operator()(capacity_dashboard* d) const noexcept;
};
using capacity_dashboard_ptr = std::unique_ptr<capacity_dashboard, capacity_dashboard_deleter>;

/** The live page of a capacity search when `ctx.dashboard_address` is set (null otherwise), showing
    `initial` until the first step. Throws with a message when the address is bad or cannot be bound. */
capacity_dashboard_ptr start_capacity_dashboard(const app_context& ctx, nlohmann::json initial);

/// Publishes one update (`{"type":"capacity_step","steps":[...],"curve":[...],...}`): its keys
/// replace the live document's.
void publish_capacity(capacity_dashboard& d, nlohmann::json update);
/// Replaces the live document by the one written to capacity.json.
void finish_capacity(capacity_dashboard& d, nlohmann::json final_document);

}  // namespace stress_run

#endif
