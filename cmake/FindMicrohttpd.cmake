# FindMicrohttpd: GNU libmicrohttpd, as the imported target
# Microhttpd::Microhttpd. Tries pkg-config when it is installed (Debian's
# libmicrohttpd-dev ships a .pc file), then a plain header and library
# search. Installed with autoheal's package so that
# find_package(autoheal COMPONENTS http) can resolve autoheal::http.
if(TARGET Microhttpd::Microhttpd)
  set(Microhttpd_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_MICROHTTPD QUIET libmicrohttpd)
endif()

find_path(Microhttpd_INCLUDE_DIR microhttpd.h HINTS ${PC_MICROHTTPD_INCLUDEDIR})
find_library(Microhttpd_LIBRARY NAMES microhttpd
             HINTS ${PC_MICROHTTPD_LIBDIR} ${PC_MICROHTTPD_LIBRARY_DIRS})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Microhttpd
  REQUIRED_VARS Microhttpd_LIBRARY Microhttpd_INCLUDE_DIR
  VERSION_VAR PC_MICROHTTPD_VERSION)

if(Microhttpd_FOUND)
  add_library(Microhttpd::Microhttpd UNKNOWN IMPORTED)
  set_target_properties(Microhttpd::Microhttpd PROPERTIES
    IMPORTED_LOCATION "${Microhttpd_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Microhttpd_INCLUDE_DIR}")
endif()
mark_as_advanced(Microhttpd_INCLUDE_DIR Microhttpd_LIBRARY)
