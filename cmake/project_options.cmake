# Flags for *our own* tests, examples and benchmarks only. Never put these on the INTERFACE
# target: consumers choose their own warnings and sanitizers.
add_library(stress_testing_project_options INTERFACE)
target_compile_options(stress_testing_project_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Werror)
# ASan+UBSan, one set of flags for both uses: the test executables only (STRESS_TESTING_SANITIZE_TESTS,
# scripts/test's default, tests/CMakeLists.txt) or every target of ours (STRESS_TESTING_SANITIZE).
#
# -Wno-maybe-uninitialized: under ASan+UBSan, GCC 12 flags Asio's own completion handlers
# (bind_cancellation_slot.hpp, use_future.hpp) as maybe uninitialized; false positives in
# third-party headers, an error under -Werror. The unsanitized product keeps the warning.
#
# UBSan without four of its checks, which cost more than half of the sanitizer tree's compile
# time (tests/integration/fault/proxy.cpp at -O1 -g1, GCC 12: 168 s of CPU with all of
# -fsanitize=undefined, 69 s without these, 77 s with ASan alone; docs/build.md):
#   null             a null dereference is a SEGV, which ASan reports with its stack anyway;
#   alignment        misaligned loads are harmless on the x86-64 machines we run on;
#   vptr             the dynamic-type check; ASan finds the use-after-free it mostly catches;
#   pointer-overflow wrapping pointer arithmetic, which our code does not do.
# Signed overflow, shifts, division by zero, bounds, enum/bool loads, float casts, unreachable
# and missing returns are still checked.
add_library(stress_testing_sanitizers INTERFACE)
target_compile_options(stress_testing_sanitizers INTERFACE
  -fsanitize=address,undefined -fno-sanitize=null,alignment,vptr,pointer-overflow
  -fno-omit-frame-pointer -fno-sanitize-recover=all
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
target_link_options(stress_testing_sanitizers INTERFACE -fsanitize=address,undefined)
if(STRESS_TESTING_SANITIZE)
  target_link_libraries(stress_testing_project_options INTERFACE stress_testing_sanitizers)
endif()
if(STRESS_TESTING_TSAN)
  if(STRESS_TESTING_SANITIZE OR STRESS_TESTING_SANITIZE_TESTS)
    message(FATAL_ERROR "STRESS_TESTING_TSAN and STRESS_TESTING_SANITIZE(_TESTS) need separate build trees")
  endif()
  # -Wno-tsan: GCC warns (an error under -Werror) that TSan does not model
  # std::atomic_thread_fence, which Asio's headers use (detail/std_fenced_block.hpp).
  target_compile_options(stress_testing_project_options INTERFACE
    -fsanitize=thread -fno-omit-frame-pointer $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(stress_testing_project_options INTERFACE -fsanitize=thread)
endif()

find_program(STRESS_TESTING_CCACHE ccache)
if(STRESS_TESTING_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${STRESS_TESTING_CCACHE})
endif()
