# Boost.Asio, Asio SSL and Boost.Beast compiled once (separate compilation) for every test,
# example and benchmark that does I/O: one static library, whichever of them are built. The
# defines are PUBLIC so that each TU linking this library sees only the declarations.
if(NOT TARGET stress_testing_asio)
  find_package(OpenSSL REQUIRED)
  add_library(stress_testing_asio STATIC ${PROJECT_SOURCE_DIR}/tests/support/asio_impl.cpp)
  target_link_libraries(stress_testing_asio PUBLIC Boost::headers Threads::Threads OpenSSL::SSL OpenSSL::Crypto)
  target_compile_definitions(stress_testing_asio PUBLIC BOOST_ASIO_SEPARATE_COMPILATION
                             BOOST_BEAST_SEPARATE_COMPILATION BOOST_ASIO_NO_DEPRECATED)
  target_compile_features(stress_testing_asio PUBLIC cxx_std_20)
  # GCC 11-13 warn, wrongly, that Asio's awaitable frames are freed by a mismatched operator
  # delete (optimised builds; see erigontech/silkworm#2046). Every TU using coroutines on Asio
  # needs this.
  target_compile_options(stress_testing_asio PUBLIC $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
endif()
