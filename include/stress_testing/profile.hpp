#ifndef STRESS_TESTING_PROFILE_HPP
#define STRESS_TESTING_PROFILE_HPP

/** Load profiles and arrival schedules (DESIGN.md §3): rate curves as pure functions of time,
    their composition and scaling, the seed's profile semantics (`make_profile`), the open
    model's intended send times (`arrival_schedule`) and the closed model's users and think
    times (`closed_model`). Pure layer: std only. */

#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/arrival_schedule.hpp>
#include <stress_testing/profile/burst.hpp>
#include <stress_testing/profile/chaos.hpp>
#include <stress_testing/profile/closed_model.hpp>
#include <stress_testing/profile/constant_rate.hpp>
#include <stress_testing/profile/dynamic_sequence.hpp>
#include <stress_testing/profile/from_model.hpp>
#include <stress_testing/profile/linear_ramp.hpp>
#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/scale_load.hpp>
#include <stress_testing/profile/scale_time.hpp>
#include <stress_testing/profile/segment.hpp>
#include <stress_testing/profile/sequence.hpp>
#include <stress_testing/profile/think_time.hpp>
#include <stress_testing/profile/wave.hpp>

#endif
