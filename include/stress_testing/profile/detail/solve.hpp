#ifndef STRESS_TESTING_PROFILE_DETAIL_SOLVE_HPP
#define STRESS_TESTING_PROFILE_DETAIL_SOLVE_HPP

#include <algorithm>
#include <cmath>
#include <limits>

namespace stress_testing::profile::detail {

/// Value and derivative of the function being solved.
struct value_and_slope {
  double value;
  double slope;
};

/** Root of a non-decreasing function on [lo, hi] (value <= 0 at lo, >= 0 at hi), by Newton's
    method that falls back to bisection whenever a step would leave the bracket or shrink it
    too slowly (flat stretches, where the slope is 0 and Newton is undefined).

    The result depends only on the arguments, never on earlier calls: schedules partitioned
    across workers rely on every worker computing bit-identical instants for the same target.
    Stops at a step below ~10 ps (or the bracket's rounding limit), far below the nanosecond
    resolution of intended send times; at most 128 iterations. */
template <class F>
double solve_increasing(F&& f, double lo, double hi, double guess) noexcept {
  double const tol = std::max(1e-11, 4.0 * std::numeric_limits<double>::epsilon() * std::abs(hi));
  double t = guess > lo && guess < hi ? guess : lo + 0.5 * (hi - lo);
  value_and_slope v = f(t);
  double step = hi - lo;
  double previous_step = step;
  for (int i = 0; i < 128; ++i) {
    if (v.value == 0.0) return t;
    if (v.value < 0.0) lo = t;
    else hi = t;
    double newton = lo;  // no slope (a flat stretch): force bisection
    if (v.slope > 0.0) {
      double const correction = v.value / v.slope;
      // Checked before the bracket test: a correction below half an ulp of t leaves t unchanged
      // and would otherwise look like a step outside the bracket.
      if (std::abs(correction) <= tol) return t - correction;
      newton = t - correction;
    }
    bool const use_newton = newton > lo && newton < hi && std::abs(2.0 * v.value) <= std::abs(previous_step * v.slope);
    previous_step = step;
    if (use_newton) {
      step = t - newton;
      t = newton;
    } else {
      step = 0.5 * (hi - lo);
      t = lo + step;
    }
    if (std::abs(step) <= tol || hi - lo <= tol) return t;
    v = f(t);
  }
  return t;
}

}  // namespace stress_testing::profile::detail

#endif
