include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS stress_testing EXPORT stress_testing-targets)
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT stress_testing-targets
        NAMESPACE stress_testing::
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/stress_testing)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/stress_testingConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/stress_testing)
# stress_testing::compiled has an export file of its own: the package config loads it (and looks
# for OpenSSL) only if it is there, so a header-only consumer needs no OpenSSL.
if(STRESS_TESTING_COMPILED)
  install(TARGETS stress_testing_compiled EXPORT stress_testing-compiled-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT stress_testing-compiled-targets
          NAMESPACE stress_testing::
          DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/stress_testing)
  set(_st_arch "")  # a static library fits one architecture only
else()
  # Header-only: the package fits any architecture, so the version file must not check pointer size.
  set(_st_arch ARCH_INDEPENDENT)
endif()
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ${_st_arch})
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/stress_testing)
