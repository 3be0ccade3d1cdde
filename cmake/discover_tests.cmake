# stress_testing_discover_tests(<target> [LABELS <label>...])
#
# Registers every doctest case of <target> as its own ctest, like doctest_discover_tests(... ADD_LABELS 1),
# but with one listing run per build instead of one run per case (cheap under the sanitizers) and
# with RUN_SERIAL only where it is needed:
#   - each test is labelled with its TEST_SUITE (`ctest -L load`) and with the LABELS given here;
#   - a suite named "timing" or "<module>.timing" marks cases that assert on wall-clock durations.
#     Those get the labels "<module>" and "timing" and RUN_SERIAL; every other case runs in
#     parallel under `ctest -j`.
# The test list is written after each link (POST_BUILD), so adding a case needs no re-configure.
set(_st_discover_script ${CMAKE_CURRENT_LIST_DIR}/discover_tests_script.cmake)

function(stress_testing_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "LABELS")
  set(ctest_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DTEST_EXECUTABLE=$<TARGET_FILE:${target}> -DCTEST_FILE=${ctest_file}
            "-DEXTRA_LABELS=${arg_LABELS}" -DWORKING_DIR=${CMAKE_CURRENT_BINARY_DIR} -P ${_st_discover_script}
    BYPRODUCTS ${ctest_file}
    VERBATIM)
  # ctest reads the list if the target was built; otherwise one failing placeholder says so.
  file(WRITE ${include_file}
    "if(EXISTS \"${ctest_file}\")\n  include(\"${ctest_file}\")\nelse()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
