#ifndef STRESS_TESTING_PROFILE_SEQUENCE_HPP
#define STRESS_TESTING_PROFILE_SEQUENCE_HPP

#include <stress_testing/profile/detail/child_segment.hpp>
#include <stress_testing/profile/detail/time.hpp>
#include <stress_testing/profile/rate_profile.hpp>
#include <stress_testing/profile/segment.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace stress_testing::profile {

/** Profiles played one after the other ("a then b then c"), with the piece types known at
    compile time so nothing is erased or allocated.

    Piece i occupies [start_i, start_i + duration_i) where start_i is the sum of the earlier
    durations; `rate_at(t)` is piece i's `rate_at(t − start_i)` and `cumulative` adds the totals
    of the earlier pieces. Zero-duration pieces (an empty `any_profile`) are skipped. For a list
    of pieces known only at run time (configuration files) use `dynamic_sequence`.

    Build one with `then(a, b, ...)`. Immutable value; every member is safe to call concurrently
    when the pieces' members are. */
template <rate_profile... Pieces>
  requires(sizeof...(Pieces) >= 1)
class sequence {
 public:
  /// Number of pieces.
  static constexpr std::size_t size() noexcept { return sizeof...(Pieces); }

  /// The pieces, in playing order.
  constexpr explicit sequence(Pieces... pieces) : pieces_(std::move(pieces)...) {
    std::size_t i = 0;
    std::apply(
        [&](const auto&... p) {
          ((starts_[i + 1] = starts_[i] + p.duration(),
            cumulative_starts_[i + 1] = cumulative_starts_[i] + p.cumulative(p.duration()), ++i),
           ...);
        },
        pieces_);
  }

  /// The active piece's rate at its local time; 0 outside [0, duration()).
  constexpr double rate_at(double t) const noexcept {
    if (!detail::in_window(t, duration())) return 0.0;
    std::size_t const i = index(t);
    return visit<double>(i, [&](const auto& p) noexcept { return p.rate_at(t - starts_[i]); });
  }

  /// Sum of the pieces' durations, seconds.
  constexpr double duration() const noexcept { return starts_[size()]; }

  /// Totals of the earlier pieces plus the active piece's cumulative at its local time.
  constexpr double cumulative(double t) const noexcept {
    double const x = detail::clamp_time(t, duration());
    if (x >= duration()) return cumulative_starts_[size()];
    std::size_t const i = index(x);
    return cumulative_starts_[i] +
           visit<double>(i, [&](const auto& p) noexcept { return p.cumulative(x - starts_[i]); });
  }

  /// The active piece's segment, shifted to the sequence's time and request count.
  segment segment_at(double t) const noexcept {
    if (!(t > 0.0)) t = 0.0;
    if (t >= duration()) t = std::nextafter(duration(), 0.0);
    std::size_t const i = index(t);
    double const start = starts_[i];
    double const requests = cumulative_starts_[i];
    return visit<segment>(i, [&](const auto& p) noexcept {
      return detail::child_segment(p, t - start, t, [&](const segment& s) noexcept { return s.shift(start, requests); });
    });
  }

  /// Piece I.
  template <std::size_t I>
  constexpr const auto& piece() const noexcept {
    return std::get<I>(pieces_);
  }

  /// Start of piece `i` in seconds (start(size()) == duration()).
  constexpr double start(std::size_t i) const noexcept { return starts_[i]; }

 private:
  // The piece holding t, for t in [0, duration()); sequences are short, so a scan beats a search.
  constexpr std::size_t index(double t) const noexcept {
    for (std::size_t i = 0; i + 1 < size(); ++i)
      if (t < starts_[i + 1]) return i;
    return size() - 1;
  }

  template <class R, class F>
  constexpr R visit(std::size_t i, F&& f) const noexcept {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      R result{};
      (void)((i == I ? (result = f(std::get<I>(pieces_)), true) : false) || ...);
      return result;
    }(std::index_sequence_for<Pieces...>{});
  }

  std::tuple<Pieces...> pieces_;
  std::array<double, sizeof...(Pieces) + 1> starts_{};
  std::array<double, sizeof...(Pieces) + 1> cumulative_starts_{};
};

/** `a` then `b` then ...: a `sequence` of copies of the arguments. Variadic, so
    `then(ramp, hold, ramp_down)` is one flat sequence; nesting (`then(then(a, b), c)`) is also
    valid and means the same. There is deliberately no operator (`a | b`): an operator template
    for every type in the namespace would hijack unrelated overloads. */
template <class... Profiles>
  requires(sizeof...(Profiles) >= 1 && (rate_profile<std::remove_cvref_t<Profiles>> && ...))
constexpr sequence<std::remove_cvref_t<Profiles>...> then(Profiles&&... profiles) {
  return sequence<std::remove_cvref_t<Profiles>...>(std::forward<Profiles>(profiles)...);
}

}  // namespace stress_testing::profile

#endif
