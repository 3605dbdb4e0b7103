# Registers the libFuzzer runs as ctests of this (the main) build tree.
#
# The fuzzers are built in a separate clang tree (AUTOHEAL_BUILD_FUZZERS=ON,
# see fuzz/README.md; scripts/test.sh builds it in build-fuzz). Point
# AUTOHEAL_FUZZ_BUILD_DIR at that tree and this adds, for every fuzzer it
# lists in fuzz/fuzzers.cmake, two tests labelled `fuzz`:
#   fuzz_<name>              fuzzes for AUTOHEAL_FUZZ_SECONDS on a copy of
#                            fuzz/corpus/<name>/ (fails on any crash, leak,
#                            timeout or sanitizer report)
#   fuzz_<name>_regressions  replays every input in fuzz/regressions/<name>/
# so that the one ctest run of the main tree reports them with the rest.
set(AUTOHEAL_FUZZ_BUILD_DIR "" CACHE PATH
    "A build tree configured with AUTOHEAL_BUILD_FUZZERS=ON whose fuzzers ctest runs (empty: none)")
set(AUTOHEAL_FUZZ_SECONDS 30 CACHE STRING
    "How long each fuzz_<name> ctest fuzzes, in seconds")

if(NOT AUTOHEAL_FUZZ_BUILD_DIR)
  return()
endif()

set(_autoheal_fuzz_manifest "${AUTOHEAL_FUZZ_BUILD_DIR}/fuzz/fuzzers.cmake")
if(NOT EXISTS "${_autoheal_fuzz_manifest}")
  message(FATAL_ERROR
    "AUTOHEAL_FUZZ_BUILD_DIR=${AUTOHEAL_FUZZ_BUILD_DIR} has no fuzz/fuzzers.cmake: "
    "configure it with clang and -DAUTOHEAL_BUILD_FUZZERS=ON first (fuzz/README.md)")
endif()
include("${_autoheal_fuzz_manifest}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${_autoheal_fuzz_manifest}")

set(_autoheal_fuzz_dir "${PROJECT_SOURCE_DIR}/fuzz")
foreach(name IN LISTS AUTOHEAL_FUZZERS)
  add_test(NAME fuzz_${name}
           COMMAND bash "${_autoheal_fuzz_dir}/run_fuzzer.sh" fuzz
                   "${AUTOHEAL_FUZZER_${name}}" "${AUTOHEAL_FUZZ_SECONDS}"
                   "${_autoheal_fuzz_dir}/corpus/${name}"
                   "${_autoheal_fuzz_dir}/${name}.dict")
  math(EXPR _autoheal_fuzz_timeout "${AUTOHEAL_FUZZ_SECONDS} + 120")
  # One fuzzer at a time: each keeps a core busy for the whole run, and the
  # timing-sensitive tests running beside them should lose at most one.
  set_tests_properties(fuzz_${name} PROPERTIES
    LABELS fuzz TIMEOUT ${_autoheal_fuzz_timeout} RESOURCE_LOCK autoheal_fuzzer)
  add_test(NAME fuzz_${name}_regressions
           COMMAND bash "${_autoheal_fuzz_dir}/run_fuzzer.sh" replay
                   "${AUTOHEAL_FUZZER_${name}}"
                   "${_autoheal_fuzz_dir}/regressions/${name}")
  set_tests_properties(fuzz_${name}_regressions PROPERTIES
    LABELS fuzz TIMEOUT 120)
endforeach()
