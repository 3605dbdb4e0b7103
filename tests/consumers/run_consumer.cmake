# Installs autoheal from BUILD_DIR into a fresh prefix under WORK_DIR, then
# configures, builds and runs a consumer project against that prefix only.
#
#   cmake -DBUILD_DIR=... -DCONSUMER_DIR=... -DWORK_DIR=...
#         [-DCONFIGURE_ARGS=<arg>|<arg>...]  extra arguments to configure the
#                                            consumer with ('|'-separated)
#         [-DREMOVE=<path>|<path>...]        files of the prefix to delete
#                                            after installing (relative)
#         [-DEXPECT_ERROR=<regex>]           configuring must FAIL, with
#                                            output matching <regex>
#         [-DEXPECT_OUTPUT=<regex>]          configuring must succeed, with
#                                            output matching <regex>
#         [-DRUN=OFF]                        build, but run nothing
#         -P run_consumer.cmake
#
# The consumer's executable, when it builds one, is named `consumer` and must
# exit 0.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()

run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
if(REMOVE)
  string(REPLACE "|" ";" REMOVE "${REMOVE}")
  foreach(path IN LISTS REMOVE)
    if(NOT EXISTS "${prefix}/${path}")
      message(FATAL_ERROR "REMOVE: ${prefix}/${path} was not installed")
    endif()
    file(REMOVE "${prefix}/${path}")
  endforeach()
endif()

string(REPLACE "|" ";" CONFIGURE_ARGS "${CONFIGURE_ARGS}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build"
          -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release
          -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${CONFIGURE_ARGS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(DEFINED EXPECT_ERROR)
  if(rc EQUAL 0)
    message(FATAL_ERROR "configuring ${CONSUMER_DIR} succeeded; expected an "
                        "error matching: ${EXPECT_ERROR}")
  endif()
  if(NOT "${out}${err}" MATCHES "${EXPECT_ERROR}")
    message(FATAL_ERROR "configuring ${CONSUMER_DIR} failed, but not with an "
                        "error matching: ${EXPECT_ERROR}")
  endif()
  return()
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring ${CONSUMER_DIR} failed (${rc})")
endif()
if(DEFINED EXPECT_OUTPUT AND NOT "${out}${err}" MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "configure output lacks a match for: ${EXPECT_OUTPUT}")
endif()
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
if(NOT DEFINED RUN OR RUN)
  run("${WORK_DIR}/build/consumer")
endif()
