# stress_testing::compiled: Boost.Asio (with SSL) and Boost.Beast compiled once, as a static
# library, for separate compilation (include/stress_testing/src.hpp, docs/build.md). Opt-in for
# consumers: STRESS_TESTING_COMPILED is on at top level (so it is installed and exported) and off
# when we are a subproject, where turning it on is the opt-in. Our tests, examples and benchmarks
# use it through stress_testing_asio below.
if(NOT TARGET stress_testing_compiled)
  find_package(OpenSSL REQUIRED)
  add_library(stress_testing_compiled STATIC ${PROJECT_SOURCE_DIR}/src/compiled.cpp)
  add_library(stress_testing::compiled ALIAS stress_testing_compiled)
  set_target_properties(stress_testing_compiled PROPERTIES
    EXPORT_NAME compiled OUTPUT_NAME stress_testing POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(stress_testing_compiled PUBLIC stress_testing OpenSSL::SSL OpenSSL::Crypto)
  # PUBLIC: every translation unit that links the library must see declarations only; one that
  # compiled Asio's implementation inline as well would break the one-definition rule.
  target_compile_definitions(stress_testing_compiled PUBLIC STRESS_TESTING_SEPARATE_COMPILATION
                             BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION)
  # ThreadSanitizer must see every synchronisation, Asio's scheduler included: instrument it too.
  if(STRESS_TESTING_TSAN)
    target_compile_options(stress_testing_compiled PRIVATE -fsanitize=thread $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  endif()
endif()

# What our own tests, examples and benchmarks link: the compiled library plus our house rules for
# Asio, which are not imposed on consumers.
if(NOT TARGET stress_testing_asio)
  add_library(stress_testing_asio INTERFACE)
  target_link_libraries(stress_testing_asio INTERFACE stress_testing_compiled Threads::Threads)
  # No BOOST_ASIO_NO_DEPRECATED here: it changes the return type of compiled functions (e.g.
  # ssl::context::set_default_verify_paths returns void instead of error_code), so it must match
  # the library's setting; a mismatch crashed the https test. The header self-containment check
  # compiles every public header with it instead (tests/CMakeLists.txt).
  # GCC 11-13 warn, wrongly, that Asio's awaitable frames are freed by a mismatched operator
  # delete (optimised builds; see erigontech/silkworm#2046). Every TU using coroutines on Asio
  # needs this.
  target_compile_options(stress_testing_asio INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
endif()
