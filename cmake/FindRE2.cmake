# FindRE2: Google's RE2 regular expression library, as the imported target
# RE2::RE2. Tries, in order: RE2's own CMake package (newer RE2 releases
# export re2::re2), pkg-config when it is installed (Debian's libre2-dev
# ships only a .pc file), then a plain header and library search, so that
# autoheal's core needs no pkg-config. Installed with autoheal's package so
# that find_package(autoheal) can resolve autoheal::autoheal.
if(TARGET RE2::RE2)
  set(RE2_FOUND TRUE)
  return()
endif()

find_package(re2 CONFIG QUIET)
if(TARGET re2::re2)
  add_library(RE2::RE2 INTERFACE IMPORTED)
  set_target_properties(RE2::RE2 PROPERTIES
    INTERFACE_LINK_LIBRARIES re2::re2)
  set(RE2_FOUND TRUE)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(PC_RE2 QUIET re2)
endif()

find_path(RE2_INCLUDE_DIR re2/re2.h HINTS ${PC_RE2_INCLUDEDIR})
find_library(RE2_LIBRARY NAMES re2
             HINTS ${PC_RE2_LIBDIR} ${PC_RE2_LIBRARY_DIRS})

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RE2
  REQUIRED_VARS RE2_LIBRARY RE2_INCLUDE_DIR)

if(RE2_FOUND)
  # re2.pc asks for -pthread, compiling and linking: RE2's headers and
  # library use threads.
  set(THREADS_PREFER_PTHREAD_FLAG ON)
  find_package(Threads REQUIRED)
  add_library(RE2::RE2 UNKNOWN IMPORTED)
  set_target_properties(RE2::RE2 PROPERTIES
    IMPORTED_LOCATION "${RE2_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${RE2_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
mark_as_advanced(RE2_INCLUDE_DIR RE2_LIBRARY)
