// What quick mode and scenario mode share when they load an HTTP target (http_settings.cpp).
#ifndef STRESS_RUN_HTTP_COMMON_HPP
#define STRESS_RUN_HTTP_COMMON_HPP

#include "fraud_workload.hpp"
#include "http_load.hpp"

#include <stress_testing/run/result.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace stress_run {

/// Fills the result with the HTTP targets' counters and per-agent timings (and the fraud
/// workload's business figures when there is one). In a mix, `fraud_workloads` names the
/// workloads that send the fraud transactions: the business figures are reconciled with their
/// accounting, not with the other workloads' requests.
std::function<void(stress_testing::run::run_result&)> http_finisher(std::shared_ptr<stats_registry> registry,
                                                                    std::shared_ptr<fraud_workload> fraud,
                                                                    std::vector<std::string> fraud_workloads = {});

/** Makes `factory` send the fraud workload, seeded with `seed`, to a scoring endpoint: each
    worker's POST bodies and response observer from one `fraud_workload`, which it returns (its tally
    holds the business figures). */
inline std::shared_ptr<fraud_workload> send_fraud_workload(http_factory& factory, std::uint64_t seed) {
  stress_testing::fraud::generator_options g;
  g.seed = seed;
  auto fraud = std::make_shared<fraud_workload>(g);
  factory.customize = [fraud](std::size_t i, stress_testing::target::http_target_options& o) { fraud->customize(i, o); };
  return fraud;
}

/// Sets `base`'s method and headers from `--method` and `--header` lines; prints the problem,
/// naming the option, and returns false when one is invalid.
bool apply_request(const std::string& method, const std::vector<std::string>& headers,
                   stress_testing::target::http_target_options& base);

/// Builds one throw-away target to validate the options and the address before the run starts;
/// prints the problem and returns false when it cannot be built.
bool validate_target(const http_factory& factory);

}  // namespace stress_run

#endif
