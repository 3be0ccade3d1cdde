# cmake -P script: build and run the consumer app against stress_testing in MODE
# (add_subdirectory | fetchcontent | find_package). Fails loudly at the first step that fails.
cmake_minimum_required(VERSION 3.21)

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

set(build ${WORK_DIR}/${MODE}-build)
file(REMOVE_RECURSE ${build})
set(cfg -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCONSUME_MODE=${MODE}
        -DSTRESS_TESTING_SOURCE_DIR=${SOURCE_DIR})
if(LAUNCHER)
  list(APPEND cfg -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()

if(MODE STREQUAL "find_package")
  set(pkg_launcher "")
  if(LAUNCHER)
    set(pkg_launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
  endif()
  # Install the package from a fresh configure of the source tree, as a user would.
  set(pkg_build ${WORK_DIR}/package-build)
  set(prefix ${WORK_DIR}/package-install)
  file(REMOVE_RECURSE ${pkg_build} ${prefix})
  run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${pkg_build} -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
           -DSTRESS_TESTING_BUILD_TESTS=OFF -DSTRESS_TESTING_BUILD_EXAMPLES=OFF
           -DSTRESS_TESTING_INSTALL=ON -DSTRESS_TESTING_COMPILED=ON -DCMAKE_INSTALL_PREFIX=${prefix}
           ${pkg_launcher})
  run_step(${CMAKE_COMMAND} --build ${pkg_build})  # stress_testing::compiled
  run_step(${CMAKE_COMMAND} --install ${pkg_build})
  list(APPEND cfg -DCMAKE_PREFIX_PATH=${prefix})
endif()

run_step(${CMAKE_COMMAND} -S ${APP_DIR} -B ${build} ${cfg})
run_step(${CMAKE_COMMAND} --build ${build})
run_step(${build}/consumer_app)
if(MODE STREQUAL "find_package")
  run_step(${build}/consumer_compiled_app)
endif()
message(STATUS "consumer (${MODE}) built and ran")
