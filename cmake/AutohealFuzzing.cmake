# Instrumentation for the libFuzzer build (AUTOHEAL_BUILD_FUZZERS=ON).
#
# Included before src/ so that every autoheal library is compiled with
# coverage feedback for libFuzzer plus ASan and UBSan; the fuzzer binaries in
# fuzz/ then link with -fsanitize=fuzzer. Any UBSan report aborts, so the
# fuzzer counts it as a crash. Needs clang (Debian: clang, libclang-rt-14-dev).
if(NOT AUTOHEAL_BUILD_FUZZERS)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR
    "AUTOHEAL_BUILD_FUZZERS needs clang (libFuzzer); configure with "
    "-DCMAKE_CXX_COMPILER=clang++ (got ${CMAKE_CXX_COMPILER_ID})")
endif()

set(AUTOHEAL_FUZZ_SANITIZERS "address,undefined")
add_compile_options(
  -fsanitize=fuzzer-no-link,${AUTOHEAL_FUZZ_SANITIZERS}
  -fno-sanitize-recover=all
  -fno-omit-frame-pointer
  -gline-tables-only)
add_link_options(-fsanitize=${AUTOHEAL_FUZZ_SANITIZERS})
