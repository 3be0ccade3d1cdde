#ifndef STRESS_TESTING_PROFILE_DETAIL_PROFILE_MODEL_HPP
#define STRESS_TESTING_PROFILE_DETAIL_PROFILE_MODEL_HPP

#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

#include <utility>

namespace stress_testing::profile::detail {

// A per-type address, so any_profile::target works without RTTI (-fno-rtti builds).
template <class T>
const void* type_tag() noexcept {
  static constexpr char tag = 0;
  return &tag;
}

// The interface behind any_profile's type erasure.
class profile_concept {
 public:
  virtual ~profile_concept() = default;
  virtual const void* type() const noexcept = 0;
  virtual double rate_at(double t) const noexcept = 0;
  virtual double cumulative(double t) const noexcept = 0;
  virtual segment segment_at(double t) const noexcept = 0;
};

template <rate_profile Profile>
class profile_model final : public profile_concept {
 public:
  explicit profile_model(Profile p) : profile_(std::move(p)) {}
  const void* type() const noexcept override { return type_tag<Profile>(); }
  double rate_at(double t) const noexcept override { return profile_.rate_at(t); }
  double cumulative(double t) const noexcept override { return profile_.cumulative(t); }
  segment segment_at(double t) const noexcept override { return segment_of(profile_, t); }
  const Profile& get() const noexcept { return profile_; }

 private:
  Profile profile_;
};

}  // namespace stress_testing::profile::detail

#endif
