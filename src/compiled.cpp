// The one translation unit of stress_testing::compiled (include/stress_testing/src.hpp).
#include <stress_testing/src.hpp>
