#ifndef STRESS_TESTING_PROFILE_DYNAMIC_SEQUENCE_HPP
#define STRESS_TESTING_PROFILE_DYNAMIC_SEQUENCE_HPP

#include <stress_testing/profile/any_profile.hpp>
#include <stress_testing/profile/detail/child_segment.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/segment.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace stress_testing::profile {

/** Profiles played one after the other, with the list known only at run time: the phases of a
    configuration file, or the optional pieces of the seed's RAMP_UP (`make_profile`).

    Same semantics as `sequence` (piece i occupies [start_i, start_i + duration_i));
    zero-duration pieces, such as empty `any_profile`s, are allowed and skipped. Finding the
    active piece is a binary search over the start times.

    Immutable value; every member is safe to call concurrently. */
class dynamic_sequence {
 public:
  /// The empty sequence (zero duration).
  dynamic_sequence() = default;

  /// Plays `pieces` in order. Allocates.
  explicit dynamic_sequence(std::vector<any_profile> pieces) : pieces_(std::move(pieces)) {
    starts_.reserve(pieces_.size() + 1);
    cumulative_starts_.reserve(pieces_.size() + 1);
    for (auto const& p : pieces_) {
      starts_.push_back(starts_.back() + p.duration());
      cumulative_starts_.push_back(cumulative_starts_.back() + p.cumulative(p.duration()));
    }
  }

  /// The active piece's rate at its local time; 0 outside [0, duration()).
  double rate_at(double t) const noexcept {
    if (!detail::in_window(t, duration())) return 0.0;
    std::size_t const i = index(t);
    return pieces_[i].rate_at(t - starts_[i]);
  }

  /// Sum of the pieces' durations, seconds.
  double duration() const noexcept { return starts_.back(); }

  /// Totals of the earlier pieces plus the active piece's cumulative at its local time.
  double cumulative(double t) const noexcept {
    double const x = detail::clamp_time(t, duration());
    if (x >= duration()) return cumulative_starts_.back();
    std::size_t const i = index(x);
    return cumulative_starts_[i] + pieces_[i].cumulative(x - starts_[i]);
  }

  /// The active piece's segment, shifted to the sequence's time and request count.
  segment segment_at(double t) const noexcept {
    if (pieces_.empty()) return segment{};
    if (!(t > 0.0)) t = 0.0;
    if (t >= duration()) t = std::nextafter(duration(), 0.0);
    std::size_t const i = index(t);
    double const start = starts_[i];
    double const requests = cumulative_starts_[i];
    return detail::child_segment(pieces_[i], t - start, t,
                                 [&](const segment& s) noexcept { return s.shift(start, requests); });
  }

  /// Number of pieces, zero-duration ones included.
  std::size_t size() const noexcept { return pieces_.size(); }

  /// Piece `i`.
  const any_profile& piece(std::size_t i) const noexcept { return pieces_[i]; }

  /// Start of piece `i` in seconds (start(size()) == duration()).
  double start(std::size_t i) const noexcept { return starts_[i]; }

 private:
  // The piece holding t in [0, duration()): the last one starting at or before t, which skips
  // zero-duration pieces because they share their start with the next piece.
  std::size_t index(double t) const noexcept {
    auto const it = std::upper_bound(starts_.begin() + 1, starts_.end() - 1, t);
    return static_cast<std::size_t>(std::distance(starts_.begin() + 1, it));
  }

  std::vector<any_profile> pieces_;
  std::vector<double> starts_{0.0};
  std::vector<double> cumulative_starts_{0.0};
};

}  // namespace stress_testing::profile

#endif
