# Install rules and the exported package, one export set per component:
#
#   find_package(autoheal REQUIRED COMPONENTS yaml sqlite)
#
# loads autoheal-targets.cmake (autoheal::autoheal, the core) and
# autoheal-<component>-targets.cmake for each component asked for, after
# finding only those components' dependencies (cmake/autoheal-config.cmake.in).
# A component skipped at configure time (cmake/AutohealComponents.cmake)
# installs nothing: no library, no header, no targets file.
include(CMakePackageConfigHelpers)

set(AUTOHEAL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/autoheal")

# The headers: each component's own (cmake/AutohealComponents.cmake) with it,
# every other one of include/autoheal/ with the core. src/ holds the private
# headers and is never installed.
get_property(_autoheal_components GLOBAL PROPERTY AUTOHEAL_COMPONENTS)
set(_autoheal_excludes)
foreach(component IN LISTS AUTOHEAL_ALL_COMPONENTS)
  foreach(header IN LISTS AUTOHEAL_COMPONENT_${component}_HEADERS)
    list(APPEND _autoheal_excludes PATTERN "${header}" EXCLUDE)
  endforeach()
endforeach()
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/autoheal"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        ${_autoheal_excludes})
install(FILES "${PROJECT_BINARY_DIR}/include/autoheal/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/autoheal")

install(TARGETS autoheal
        EXPORT autoheal-targets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT autoheal-targets
        NAMESPACE autoheal::
        DESTINATION "${AUTOHEAL_CMAKE_DIR}")

foreach(component IN LISTS _autoheal_components)
  get_property(library GLOBAL PROPERTY AUTOHEAL_COMPONENT_${component}_LIBRARY)
  set(headers ${AUTOHEAL_COMPONENT_${component}_HEADERS})
  list(TRANSFORM headers PREPEND "${PROJECT_SOURCE_DIR}/include/autoheal/")
  install(FILES ${headers}
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/autoheal")
  install(TARGETS ${library}
          EXPORT autoheal-${component}-targets
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
          INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT autoheal-${component}-targets
          NAMESPACE autoheal::
          DESTINATION "${AUTOHEAL_CMAKE_DIR}")
endforeach()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/autoheal-config.cmake.in"
  "${PROJECT_BINARY_DIR}/autoheal-config.cmake"
  INSTALL_DESTINATION "${AUTOHEAL_CMAKE_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/autoheal-config-version.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
# The find modules the package config uses for dependencies that Debian
# ships without a CMake package.
install(FILES "${PROJECT_SOURCE_DIR}/cmake/FindRE2.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FindHiredis.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/FindMicrohttpd.cmake"
              "${PROJECT_BINARY_DIR}/autoheal-config.cmake"
              "${PROJECT_BINARY_DIR}/autoheal-config-version.cmake"
        DESTINATION "${AUTOHEAL_CMAKE_DIR}")
