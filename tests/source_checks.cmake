# Source checks (scripts/check_*.sh), run once from the main tree (not again
# from the sanitizer trees, whose sources are the same).
if(NOT AUTOHEAL_SANITIZE)
  add_test(NAME no_clock_outside_clock_cc
           COMMAND bash "${PROJECT_SOURCE_DIR}/scripts/check_no_clock.sh"
                        "${PROJECT_SOURCE_DIR}")
  add_test(NAME no_raw_absl_mutex
           COMMAND bash "${PROJECT_SOURCE_DIR}/scripts/check_no_raw_mutex.sh"
                        "${PROJECT_SOURCE_DIR}")
  add_test(NAME source_checks_self_test
           COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/source_checks_test.sh"
                        "${PROJECT_SOURCE_DIR}/scripts")
  set_tests_properties(no_clock_outside_clock_cc no_raw_absl_mutex
                       source_checks_self_test PROPERTIES LABELS unit TIMEOUT 120)
endif()
