#ifndef STRESS_TESTING_FAULT_SITE_HPP
#define STRESS_TESTING_FAULT_SITE_HPP

/** Where the orchestrator injects a scenario's failures (docs/resilience.md): the client (built
    in: a decorator in front of every worker's target), or a site a host registers in
    `run::run_options::failure_sites` — a fault proxy (`fault/proxy/site.hpp`), a service it runs
    (the sample service's site in `examples/fraud_service`), any component it can break on
    command. A failure's `target_component` picks the site; the failure model
    (`fault/failure_model.hpp`) says what it does there. Pure: std only. */

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/models.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stress_testing::fault {

/** A place failures can be injected at, outside the client.

    - `components()`: the `target_component` names it serves (a proxy: "proxy"; a service:
      "service" and each agent's name). Called while the run is being set up.
    - `kind_of(component)`: which row of the failure model's site table the component follows.
    - `apply(t, active)`: makes `active` — every effect placed at this site and active at `t`
      seconds on the run's timeline — the site's whole fault state; effects not listed end. The
      orchestrator calls it on its own executor at each instant the set may change (measured on
      the run's clock, the one intended send times are measured on) and once with nothing
      active when the run ends. `active` is valid during the call only. It must not block for
      long and must be safe against the site's own traffic (it runs on another thread). */
class failure_site {
 public:
  virtual ~failure_site() = default;
  virtual std::vector<std::string> components() const = 0;
  virtual site_kind kind_of(std::string_view component) const = 0;
  virtual void apply(double t, std::span<const active_effect> active) = 0;
};

/// The failures of a scenario, placed: the client's and each registered site's.
struct failure_placement {
  std::vector<placed_failure> at_client;
  std::vector<placed_failure> at_sites;  ///< `component` names the site's component
};

/** Places each failure at its `target_component`, or at `default_component` when it has none
    ("client", or a component of one of `sites`). Returns the reason the first failure that cannot
    go where it asks fails, naming the field `failure_scenarios[i].target_component` (an unknown
    component, or a failure type the failure model refuses there). */
inline std::optional<std::string> place_failures(const std::vector<failure_scenario>& failures,
                                                 std::string_view default_component,
                                                 std::span<const std::shared_ptr<failure_site>> sites,
                                                 failure_placement& out) {
  out = {};
  for (std::size_t i = 0; i < failures.size(); ++i) {
    auto const& f = failures[i];
    std::string const field = "failure_scenarios[" + std::to_string(i) + "].target_component";
    std::string const component = f.target_component ? *f.target_component : std::string(default_component);
    placed_failure p{i, f, component, effects_of(f)};
    if (component == "client") {
      out.at_client.push_back(std::move(p));
      continue;
    }
    failure_site const* site = nullptr;
    std::string known = "client";
    for (auto const& s : sites) {
      if (!s) continue;
      for (auto const& c : s->components()) {
        known += ", " + c;
        if (c == component && !site) site = s.get();
      }
    }
    if (!site) return field + ": unknown component \"" + component + "\" (known: " + known + ")";
    if (auto why = refusal(f.failure_type, site->kind_of(component)); !why.empty()) return field + ": " + why;
    out.at_sites.push_back(std::move(p));
  }
  return std::nullopt;
}

}  // namespace stress_testing::fault

#endif
