# The sample service as a library (include/fraud_service/*.hpp, src/*.cpp), compiled once and
# linked by the program, stress-run (`--target embedded`, `serve-fraud`) and the integration
# tests. Included by this folder's CMakeLists.txt and by tests/ (which build without examples in
# the sanitizer run); the first include defines it.
if(NOT TARGET stress_testing_fraud_service)
  add_library(stress_testing_fraud_service STATIC ${CMAKE_CURRENT_LIST_DIR}/src/transaction.cpp
                                                  ${CMAKE_CURRENT_LIST_DIR}/src/server.cpp
                                                  ${CMAKE_CURRENT_LIST_DIR}/src/stats_json.cpp)
  target_include_directories(stress_testing_fraud_service PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
  target_link_libraries(stress_testing_fraud_service PUBLIC stress_testing::stress_testing stress_testing_asio
                        PRIVATE nlohmann_json::nlohmann_json stress_testing_project_options)
endif()
