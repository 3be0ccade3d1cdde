#ifndef STRESS_TESTING_PROFILE_DETAIL_SPLITMIX64_HPP
#define STRESS_TESTING_PROFILE_DETAIL_SPLITMIX64_HPP

// The profiles name these `detail::...` from inside `stress_testing::profile`; the definitions
// live in the neutral `detail/splitmix64.hpp`.

#include <stress_testing/detail/splitmix64.hpp>

namespace stress_testing::profile::detail {

using stress_testing::detail::counter_hash;
using stress_testing::detail::golden_gamma;
using stress_testing::detail::mix64;
using stress_testing::detail::splitmix64_engine;
using stress_testing::detail::to_unit;

}  // namespace stress_testing::profile::detail

#endif
