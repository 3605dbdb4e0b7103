# Configures and builds tests/subproject, then checks that autoheal added no
# tests and no test or benchmark targets to it.
# Usage: cmake -DSOURCE_DIR=... -DWORK_DIR=... -P run_subproject.cmake
file(REMOVE_RECURSE "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}/tests/subproject" -B "${WORK_DIR}"
    -DAUTOHEAL_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_BUILD_TYPE=Release)
run("${CMAKE_COMMAND}" --build "${WORK_DIR}" --target user)
run("${CMAKE_COMMAND}" --build "${WORK_DIR}" --target help)
foreach(target engine_test payload_test decide_benchmark autoheal_quickstart)
  string(FIND "${last_output}" "${target}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "add_subdirectory build defines target ${target}")
  endif()
endforeach()
execute_process(COMMAND "${CMAKE_CTEST_COMMAND}" -N WORKING_DIRECTORY "${WORK_DIR}"
                OUTPUT_VARIABLE listing)
if(NOT listing MATCHES "Total Tests: 1\n")
  message(FATAL_ERROR "expected only the superproject's own test:\n${listing}")
endif()
run("${WORK_DIR}/user")
foreach(component yaml sqlite redis process audit http)
  if(NOT EXISTS "${WORK_DIR}/user_${component}")
    message(FATAL_ERROR "the vendored build has no autoheal::${component}")
  endif()
  run("${WORK_DIR}/user_${component}")
endforeach()
