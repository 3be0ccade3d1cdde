# Flags for *our own* tests, examples and benchmarks only. Never put these on the INTERFACE
# target: consumers choose their own warnings and sanitizers.
add_library(stress_testing_project_options INTERFACE)
target_compile_options(stress_testing_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror)
if(STRESS_TESTING_SANITIZE)
  target_compile_options(stress_testing_project_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(stress_testing_project_options INTERFACE -fsanitize=address,undefined)
endif()

find_program(STRESS_TESTING_CCACHE ccache)
if(STRESS_TESTING_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${STRESS_TESTING_CCACHE})
endif()
