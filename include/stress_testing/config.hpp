#ifndef STRESS_TESTING_CONFIG_HPP
#define STRESS_TESTING_CONFIG_HPP

/// The files layer's configuration API: JSON mapping, validation, configuration_manager and the
/// predefined scenarios. Needs nlohmann_json.

#include <stress_testing/config/configuration_manager.hpp>
#include <stress_testing/config/json.hpp>
#include <stress_testing/config/problem.hpp>
#include <stress_testing/config/scenario_builder.hpp>
#include <stress_testing/config/seed_criteria.hpp>
#include <stress_testing/config/validation.hpp>

#endif
