// What a call throws as std::invalid_argument, for tests of error messages that name the field.
#ifndef STRESS_TESTING_TESTS_FAILURE_REASON_HPP
#define STRESS_TESTING_TESTS_FAILURE_REASON_HPP

#include <stdexcept>
#include <string>

namespace test_support {

/// `f()`'s std::invalid_argument message, or "<no exception>" when it throws none.
template <class F>
std::string failure_reason(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no exception>";
}

}  // namespace test_support

#endif
