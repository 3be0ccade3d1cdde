// What quick mode and scenario mode share when they load an HTTP target (http_settings.cpp).
#ifndef STRESS_RUN_HTTP_COMMON_HPP
#define STRESS_RUN_HTTP_COMMON_HPP

#include "fraud_workload.hpp"
#include "http_load.hpp"

#include <stress_testing/run/result.hpp>

#include <functional>
#include <memory>

namespace stress_run {

/// Fills the result with the HTTP targets' counters and per-agent timings (and the fraud
/// workload's business figures when there is one).
std::function<void(stress_testing::run::run_result&)> http_finisher(std::shared_ptr<stats_registry> registry,
                                                                    std::shared_ptr<fraud_workload> fraud);

/// Builds one throw-away target to validate the options and the address before the run starts;
/// prints the problem and returns false when it cannot be built.
bool validate_target(const http_factory& factory);

}  // namespace stress_run

#endif
