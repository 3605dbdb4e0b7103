# FindHiredis: the hiredis C client for Redis, as the imported target
# Hiredis::Hiredis. Tries, in order: hiredis' own CMake package (hiredis 1.x
# exports hiredis::hiredis), pkg-config (Debian's hiredis 0.14 ships only a
# .pc file), then a plain header and library search. Installed with
# autoheal's package so that find_package(autoheal) can resolve autoheal::redis.
if(TARGET Hiredis::Hiredis)
  set(Hiredis_FOUND TRUE)
  return()
endif()

find_package(hiredis CONFIG QUIET)
if(TARGET hiredis::hiredis)
  add_library(Hiredis::Hiredis INTERFACE IMPORTED)
  set_target_properties(Hiredis::Hiredis PROPERTIES
    INTERFACE_LINK_LIBRARIES hiredis::hiredis)
  set(Hiredis_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_HIREDIS QUIET hiredis)
endif()

# The headers are included as <hiredis/hiredis.h>: search for that path.
find_path(Hiredis_INCLUDE_DIR hiredis/hiredis.h
          HINTS ${PC_HIREDIS_INCLUDEDIR}/.. ${PC_HIREDIS_INCLUDEDIR})
find_library(Hiredis_LIBRARY NAMES hiredis
             HINTS ${PC_HIREDIS_LIBDIR} ${PC_HIREDIS_LIBRARY_DIRS})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Hiredis
  REQUIRED_VARS Hiredis_LIBRARY Hiredis_INCLUDE_DIR
  VERSION_VAR PC_HIREDIS_VERSION)

if(Hiredis_FOUND)
  add_library(Hiredis::Hiredis UNKNOWN IMPORTED)
  set_target_properties(Hiredis::Hiredis PROPERTIES
    IMPORTED_LOCATION "${Hiredis_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Hiredis_INCLUDE_DIR}")
endif()
mark_as_advanced(Hiredis_INCLUDE_DIR Hiredis_LIBRARY)
