#ifndef STRESS_TESTING_STRESS_TESTING_HPP
#define STRESS_TESTING_STRESS_TESTING_HPP

/** Umbrella header for the light layers (pure and, later, async). Network (Beast) and files
    (nlohmann_json) headers are included by name: `<stress_testing/config.hpp>` and so on. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/outcome.hpp>

#endif
