# The sample service as a library (include/fraud_service/*.hpp, src/*.cpp), compiled once and
# linked by the program, stress-run (`--target embedded`, `serve-fraud`) and the integration
# tests. Included by this folder's CMakeLists.txt and by tests/ (which build without examples in
# the ThreadSanitizer tree); the first include defines it.
#
# stress_testing_add_fraud_service(NAME [OPTIONS target]): one more copy of the library, compiled
# with the given interface target's flags (tests/ builds one with the tests' sanitizers so ASan
# sees the service's memory too; the product's copy stays unsanitized).
function(stress_testing_add_fraud_service name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OPTIONS" "")
  set(_dir ${PROJECT_SOURCE_DIR}/examples/fraud_service)
  add_library(${name} STATIC ${_dir}/src/transaction.cpp ${_dir}/src/server.cpp ${_dir}/src/stats_json.cpp)
  target_include_directories(${name} PUBLIC ${_dir}/include)
  target_link_libraries(${name} PUBLIC stress_testing::stress_testing stress_testing_asio
                        PRIVATE nlohmann_json::nlohmann_json stress_testing_project_options ${arg_OPTIONS})
endfunction()
if(NOT TARGET stress_testing_fraud_service)
  stress_testing_add_fraud_service(stress_testing_fraud_service)
endif()
