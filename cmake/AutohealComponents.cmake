# What autoheal builds when a dependency is missing.
#
# The core (autoheal::autoheal) needs Abseil, nlohmann/json and RE2; it is
# always built, and configuring fails without them. Every other part (a
# component such as autoheal::sqlite, the test tree, the benchmarks, an
# example binary) is built when its dependencies are found and otherwise
# skipped with one status line naming the Debian packages to install:
#
#   -- autoheal: component 'sqlite' skipped: install libsqlite3-dev
#
# With -DAUTOHEAL_REQUIRE_ALL=ON each of those lines is a configure error
# instead (every one is reported, then generation stops): scripts/ and CI
# configure that way, so nothing is left out of a test run silently. A part
# turned off by its own option (AUTOHEAL_BUILD_TESTS=OFF, ...) is not a skip.
option(AUTOHEAL_REQUIRE_ALL
  "Fail to configure, instead of skipping, when a component, test tree, benchmark or example lacks a dependency"
  OFF)

# autoheal_missing(<out-var> <part>...): the Debian packages that the parts
# (names given to autoheal_part_found/autoheal_part_missing, e.g. sqlite,
# receiver) still need, as a sorted list; empty when all were built.
function(autoheal_missing out)
  set(packages)
  foreach(part IN LISTS ARGN)
    get_property(known GLOBAL PROPERTY AUTOHEAL_PART_${part} SET)
    if(NOT known)
      message(FATAL_ERROR "autoheal_missing: unknown part '${part}'")
    endif()
    get_property(missing GLOBAL PROPERTY AUTOHEAL_PART_${part})
    list(APPEND packages ${missing})
  endforeach()
  if(packages)
    list(REMOVE_DUPLICATES packages)
    list(SORT packages)
  endif()
  set(${out} "${packages}" PARENT_SCOPE)
endfunction()

# autoheal_part_found(<part>): records that <part> was built.
function(autoheal_part_found part)
  set_property(GLOBAL PROPERTY AUTOHEAL_PART_${part} "")
endfunction()

# autoheal_part_missing(<part> <package>...): records that <part> is not
# built for want of the Debian <package>s; parts that need it inherit them.
function(autoheal_part_missing part)
  set(packages ${ARGN})
  list(REMOVE_DUPLICATES packages)
  list(SORT packages)
  set_property(GLOBAL PROPERTY AUTOHEAL_PART_${part} "${packages}")
endfunction()

# autoheal_skip(<kind> <name> <package>...): the one line that says <kind>
# '<name>' (component 'sqlite', example 'autoheal-cli') is not built and
# which Debian packages would build it; an error under AUTOHEAL_REQUIRE_ALL.
function(autoheal_skip kind name)
  list(JOIN ARGN " " packages)
  if(AUTOHEAL_REQUIRE_ALL)
    message(SEND_ERROR
      "autoheal: ${kind} '${name}' cannot be built: install ${packages} "
      "(AUTOHEAL_REQUIRE_ALL=ON makes every skip an error)")
  else()
    message(STATUS "autoheal: ${kind} '${name}' skipped: install ${packages}")
  endif()
endfunction()

# autoheal_component_missing(<component> <package>...): autoheal_part_missing
# plus the skip line, for a part of the library.
function(autoheal_component_missing component)
  autoheal_part_missing(${component} ${ARGN})
  autoheal_skip(component ${component} ${ARGN})
endfunction()

# The optional components of the installed package, and the headers of
# include/autoheal/ that install with each (every other header belongs to
# the core). cmake/autoheal-config.cmake.in lists the same components with
# their dependencies.
set(AUTOHEAL_ALL_COMPONENTS yaml process audit sqlite redis http)
set(AUTOHEAL_COMPONENT_yaml_HEADERS yaml_policy.h)
set(AUTOHEAL_COMPONENT_process_HEADERS process_executor.h)
set(AUTOHEAL_COMPONENT_audit_HEADERS json_audit_sink.h)
set(AUTOHEAL_COMPONENT_sqlite_HEADERS sqlite_cooldown_store.h)
set(AUTOHEAL_COMPONENT_redis_HEADERS redis_cooldown_store.h)
set(AUTOHEAL_COMPONENT_http_HEADERS http_server.h)

# autoheal_component(<name> <target>): records that component <name>
# (autoheal::<name>) was built, from the library <target>;
# cmake/AutohealInstall.cmake installs it.
set_property(GLOBAL PROPERTY AUTOHEAL_COMPONENTS "")
function(autoheal_component name target)
  if(NOT name IN_LIST AUTOHEAL_ALL_COMPONENTS)
    message(FATAL_ERROR "autoheal_component: unknown component '${name}'")
  endif()
  set_property(GLOBAL APPEND PROPERTY AUTOHEAL_COMPONENTS ${name})
  set_property(GLOBAL PROPERTY AUTOHEAL_COMPONENT_${name}_LIBRARY ${target})
  autoheal_part_found(${name})
endfunction()
