#ifndef STRESS_TESTING_TESTS_RUN_SUPPORT_HPP
#define STRESS_TESTING_TESTS_RUN_SUPPORT_HPP

// What the engine tests share: a completion handler that stores a run's outcome, so a test can
// drive the io_context until it is there (every run is bounded by a hard timeout in the test).

#include <stress_testing/load/open_loop.hpp>

#include <boost/system/error_code.hpp>

#include <optional>
#include <utility>

namespace run_support {

/// How a single-worker run (open or closed loop) completed.
struct run_result {
  boost::system::error_code ec;
  stress_testing::load::run_summary summary;
};

/// The run's completion handler: stores the outcome in `*out`.
struct store_run {
  std::optional<run_result>* out;
  void operator()(boost::system::error_code ec, stress_testing::load::run_summary summary) const {
    *out = run_result{ec, std::move(summary)};
  }
};

}  // namespace run_support

#endif
