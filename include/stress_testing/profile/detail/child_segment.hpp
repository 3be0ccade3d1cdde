#ifndef STRESS_TESTING_PROFILE_DETAIL_CHILD_SEGMENT_HPP
#define STRESS_TESTING_PROFILE_DETAIL_CHILD_SEGMENT_HPP

#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

namespace stress_testing::profile::detail {

/** The segment of `child` that holds the parent's time `t`, where `to_parent` maps a child
    segment into the parent's time and `local_t` is `t` in the child's time. Rounding in the
    time conversion can pick the child segment just before the one that holds `t`; stepping
    forward keeps the parent's chain strictly increasing. */
template <rate_profile P, class ToParent>
segment child_segment(const P& child, double local_t, double t, ToParent to_parent) noexcept {
  segment local = segment_of(child, local_t);
  segment mapped = to_parent(local);
  double const child_end = child.duration();
  for (int i = 0; i < 4 && !(mapped.end > t) && local.end < child_end; ++i) {
    local = segment_of(child, local.end);
    mapped = to_parent(local);
  }
  return mapped;
}

}  // namespace stress_testing::profile::detail

#endif
