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
# Header-only: the package fits any architecture, so the version file must not check pointer size.
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/stress_testingConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/stress_testing)
