# Installs headers, library, command, the CMake package (conflux::conflux) and conflux.pc.
include(CMakePackageConfigHelpers)

set(CONFLUX_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/conflux)

install(TARGETS conflux EXPORT confluxTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS conflux_cmd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/conflux DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/conflux/cfxversion.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/conflux)

install(EXPORT confluxTargets NAMESPACE conflux:: DESTINATION ${CONFLUX_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/confluxConfig.cmake.in ${PROJECT_BINARY_DIR}/confluxConfig.cmake INSTALL_DESTINATION ${CONFLUX_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/confluxConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/confluxConfig.cmake ${PROJECT_BINARY_DIR}/confluxConfigVersion.cmake cmake/ConfluxDependencies.cmake
  DESTINATION ${CONFLUX_INSTALL_CMAKEDIR})

file(RELATIVE_PATH CONFLUX_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/conflux.pc.in ${PROJECT_BINARY_DIR}/conflux.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/conflux.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
