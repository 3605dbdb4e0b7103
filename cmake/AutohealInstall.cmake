# Install rules and the exported package: find_package(autoheal) gives
# autoheal::autoheal and autoheal::yaml.
include(CMakePackageConfigHelpers)

set(AUTOHEAL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/autoheal")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/autoheal"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${PROJECT_BINARY_DIR}/include/autoheal/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/autoheal")

install(TARGETS autoheal autoheal_yaml autoheal_process autoheal_audit
                autoheal_sqlite autoheal_redis
        EXPORT autoheal-targets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT autoheal-targets
        NAMESPACE autoheal::
        DESTINATION "${AUTOHEAL_CMAKE_DIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/autoheal-config.cmake.in"
  "${PROJECT_BINARY_DIR}/autoheal-config.cmake"
  INSTALL_DESTINATION "${AUTOHEAL_CMAKE_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/autoheal-config-version.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_SOURCE_DIR}/cmake/FindHiredis.cmake"
        DESTINATION "${AUTOHEAL_CMAKE_DIR}")
install(FILES "${PROJECT_BINARY_DIR}/autoheal-config.cmake"
              "${PROJECT_BINARY_DIR}/autoheal-config-version.cmake"
        DESTINATION "${AUTOHEAL_CMAKE_DIR}")
