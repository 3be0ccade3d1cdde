#ifndef STRESS_TESTING_STRESS_TESTING_HPP
#define STRESS_TESTING_STRESS_TESTING_HPP

/** Umbrella header for the light layers: everything that needs only the standard library
    (models, criteria, load profiles, metrics). The heavier layers are included by name:
    `<stress_testing/config.hpp>` (nlohmann_json), and the Asio/Beast layers as they arrive. */

#include <stress_testing/criteria.hpp>
#include <stress_testing/metrics.hpp>
#include <stress_testing/models.hpp>
#include <stress_testing/outcome.hpp>
#include <stress_testing/profile.hpp>
#include <stress_testing/timestamp.hpp>

#endif
