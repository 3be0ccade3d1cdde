#ifndef STRESS_RUN_SERVICE_SITE_HPP
#define STRESS_RUN_SERVICE_SITE_HPP

/** The sample service as a failure site (`stress_testing/fault/site.hpp`): failures whose
    `target_component` is "service" (or that `--inject-at service` places) break the whole
    service, and those naming an agent ("rules", "ml", "geo_velocity", "identity") break that
    agent. What each failure does there is the service and agent rows of the one failure model
    (`stress_testing/fault/failure_model.hpp`); this file only hands the result to the service's
    fault switches. The run calls `apply` on its own executor; the switches lock. */

#include <stress_testing/fault/failure_model.hpp>
#include <stress_testing/fault/site.hpp>

#include <fraud_service/fraud_service.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace stress_run {

/// The sample service's fault switch for the service row of the failure model.
inline fraud_service::service_fault to_service_fault(const stress_testing::fault::service_effects& e) {
  return fraud_service::service_fault{e.error_rate, e.status, e.extra_latency_ms};
}

/// The sample service's fault switch for the agent row of the failure model.
inline fraud_service::agent_fault to_agent_fault(const stress_testing::fault::agent_effects& e) {
  return fraud_service::agent_fault{e.extra_latency_ms, e.error_rate, e.down};
}

class service_failure_site : public stress_testing::fault::failure_site {
 public:
  explicit service_failure_site(fraud_service::server& server) : server_(server) {
    for (auto const& a : fraud_service::default_agents()) agents_.push_back(a.name);
  }

  std::vector<std::string> components() const override {
    std::vector<std::string> out{"service"};
    out.insert(out.end(), agents_.begin(), agents_.end());
    return out;
  }

  stress_testing::fault::site_kind kind_of(std::string_view component) const override {
    return component == "service" ? stress_testing::fault::site_kind::service : stress_testing::fault::site_kind::agent;
  }

  void apply(double, std::span<const stress_testing::fault::active_effect> active) override {
    namespace fault = stress_testing::fault;
    auto of = [&](std::string_view component) {
      std::vector<fault::active_effect> out;
      for (auto const& a : active)
        if (a.failure->component == component) out.push_back(a);
      return out;
    };
    server_.set_service_fault(to_service_fault(fault::service_effects_of(of("service"))));
    for (auto const& a : agents_) server_.set_agent_fault(a, to_agent_fault(fault::agent_effects_of(of(a))));
  }

 private:
  fraud_service::server& server_;
  std::vector<std::string> agents_;
};

}  // namespace stress_run

#endif
