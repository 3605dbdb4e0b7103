# Sanitizer builds: AUTOHEAL_SANITIZE is a list of sanitizers applied to
# every target of this build tree (libraries, binaries and tests), e.g.
#
#   -DAUTOHEAL_SANITIZE="address;undefined"   # ASan + UBSan
#   -DAUTOHEAL_SANITIZE=thread                # TSan
#
# or one of the presets in CMakePresets.json (asan, tsan). Use clang: it has
# the sanitizer runtimes (Debian: libclang-rt-14-dev) and the TSan mutex
# annotations that include/autoheal/internal/mutex.h relies on. UBSan is made
# fatal (-fno-sanitize-recover) so that a finding fails the test that hit it.
# The runtime options the test suites use are set where the suites are
# registered (tests/sanitizer_suites.cmake).
set(AUTOHEAL_SANITIZE "" CACHE STRING
    "Sanitizers for every target: a list of address, undefined, thread (empty: none)")

if(AUTOHEAL_SANITIZE)
  set(_autoheal_known_sanitizers address undefined thread)
  foreach(_sanitizer IN LISTS AUTOHEAL_SANITIZE)
    if(NOT _sanitizer IN_LIST _autoheal_known_sanitizers)
      message(FATAL_ERROR "AUTOHEAL_SANITIZE: unknown sanitizer \"${_sanitizer}\" "
                          "(expected a list of: address, undefined, thread)")
    endif()
  endforeach()
  if("thread" IN_LIST AUTOHEAL_SANITIZE AND "address" IN_LIST AUTOHEAL_SANITIZE)
    message(FATAL_ERROR "AUTOHEAL_SANITIZE: thread and address cannot be combined; "
                        "configure two build trees")
  endif()

  list(JOIN AUTOHEAL_SANITIZE "," _autoheal_sanitize_flag)
  set(_autoheal_sanitize_options -fsanitize=${_autoheal_sanitize_flag}
                                 -fno-omit-frame-pointer)
  if("undefined" IN_LIST AUTOHEAL_SANITIZE)
    list(APPEND _autoheal_sanitize_options -fno-sanitize-recover=all)
  endif()
  add_compile_options(${_autoheal_sanitize_options})
  add_link_options(${_autoheal_sanitize_options})
  message(STATUS "autoheal: sanitizers ${_autoheal_sanitize_flag}")
endif()
