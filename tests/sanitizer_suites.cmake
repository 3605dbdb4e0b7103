# Sanitizer and static-analysis suites, run from the main build tree.
#
# scripts/test.sh configures and builds three more trees of the same sources
# with clang (see CMakePresets.json: asan, tsan, tsa) and points the main
# tree at them; each becomes one test here, so a single ctest run of the
# main tree runs everything and ends with one summary:
#
#   asan_ubsan_suite       the unit and integration tests under ASan+UBSan
#   tsan_suite             the concurrency tests under TSan (the tsan preset
#                          also builds and runs the integration tests:
#                          `cmake --build --preset tsan && ctest --preset
#                          tsan`; CI leaves them out to stay within its time)
#   thread_safety_build    the libraries and binaries built with
#                          -Wthread-safety -Werror (the build is the check)
#
# A tree left unset (AUTOHEAL_SANITIZERS=0 bash scripts/test.sh) registers
# nothing. Other trees (fuzzing) register the same way with
# autoheal_add_subtree_suite() (cmake/AutohealSubtreeSuite.cmake).
include(AutohealSubtreeSuite)

set(AUTOHEAL_ASAN_BUILD_DIR "" CACHE PATH
    "A tree configured with AUTOHEAL_SANITIZE=address;undefined: ctest runs its unit and integration tests")
set(AUTOHEAL_TSAN_BUILD_DIR "" CACHE PATH
    "A tree configured with AUTOHEAL_SANITIZE=thread: ctest runs its concurrency tests")
set(AUTOHEAL_TSA_BUILD_DIR "" CACHE PATH
    "A clang tree with AUTOHEAL_THREAD_SAFETY_ANALYSIS: ctest builds it")

# Each suite's tests run one at a time inside it, but the outer ctest runs
# the suite alongside other tests.
if(AUTOHEAL_ASAN_BUILD_DIR)
  autoheal_add_subtree_suite(asan_ubsan_suite
    DIR "${AUTOHEAL_ASAN_BUILD_DIR}"
    BUILD_TARGETS autoheal_tests_unit autoheal_tests_integration
    CTEST_ARGS -L "^(unit|integration)$" --timeout 900
    ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1"
                "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    LABELS sanitizer)
endif()

if(AUTOHEAL_TSAN_BUILD_DIR)
  autoheal_add_subtree_suite(tsan_suite
    DIR "${AUTOHEAL_TSAN_BUILD_DIR}"
    BUILD_TARGETS autoheal_tests_concurrency
    CTEST_ARGS -L "^concurrency$" --timeout 900
    ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1"
    LABELS sanitizer)
endif()

if(AUTOHEAL_TSA_BUILD_DIR)
  autoheal_add_subtree_suite(thread_safety_build
    DIR "${AUTOHEAL_TSA_BUILD_DIR}"
    BUILD_TARGETS all
    BUILD_ONLY
    LABELS static)
endif()

# In a TSan tree: prove that TSan is live and that autoheal::Mutex's
# annotations are what keep it quiet (tests/tsan_annotations_test.cc).
if("thread" IN_LIST AUTOHEAL_SANITIZE)
  add_executable(tsan_annotations_test tsan_annotations_test.cc)
  target_link_libraries(tsan_annotations_test PRIVATE autoheal::autoheal)
  autoheal_target_warnings(tsan_annotations_test)
  add_dependencies(autoheal_tests_concurrency tsan_annotations_test)
  set(race "WARNING: ThreadSanitizer: data race")
  add_test(NAME tsan_reports_an_unlocked_race
           COMMAND tsan_annotations_test unlocked)
  set_tests_properties(tsan_reports_an_unlocked_race PROPERTIES
    PASS_REGULAR_EXPRESSION "${race}")
  add_test(NAME tsan_misreads_a_bare_absl_mutex
           COMMAND tsan_annotations_test absl)
  set_tests_properties(tsan_misreads_a_bare_absl_mutex PROPERTIES
    PASS_REGULAR_EXPRESSION "${race}")
  add_test(NAME tsan_sees_autoheal_mutex_ordering
           COMMAND tsan_annotations_test autoheal)
  set_tests_properties(tsan_sees_autoheal_mutex_ordering PROPERTIES
    PASS_REGULAR_EXPRESSION "count 20000"
    FAIL_REGULAR_EXPRESSION "ThreadSanitizer")
  set_tests_properties(tsan_reports_an_unlocked_race
    tsan_misreads_a_bare_absl_mutex tsan_sees_autoheal_mutex_ordering
    PROPERTIES LABELS concurrency TIMEOUT 120)
endif()

# In an ASan+UBSan tree: prove that each sanitizer is live and stops the
# program (tests/sanitizer_canary.cc).
if("address" IN_LIST AUTOHEAL_SANITIZE AND "undefined" IN_LIST AUTOHEAL_SANITIZE)
  add_executable(sanitizer_canary sanitizer_canary.cc)
  autoheal_target_warnings(sanitizer_canary)
  add_dependencies(autoheal_tests_unit sanitizer_canary)
  foreach(canary IN ITEMS
          "heap-overflow|AddressSanitizer: heap-buffer-overflow"
          "leak|LeakSanitizer: detected memory leaks"
          "signed-overflow|runtime error: signed integer overflow")
    string(REPLACE "|" ";" canary "${canary}")
    list(GET canary 0 mode)
    list(GET canary 1 report)
    # Through a shell: ctest counts a program killed by a signal as failed
    # whatever its output, and abort_on_error=1 makes every report abort.
    add_test(NAME asan_ubsan_canary_${mode}
             COMMAND bash -c "\"$0\" \"$1\"; echo \"exit status $?\""
                     $<TARGET_FILE:sanitizer_canary> ${mode})
    set_tests_properties(asan_ubsan_canary_${mode} PROPERTIES
      PASS_REGULAR_EXPRESSION "${report}"
      FAIL_REGULAR_EXPRESSION "survived"
      LABELS unit TIMEOUT 120)
  endforeach()
endif()

