# autoheal_target_warnings(<target>): the project's warning flags, applied to
# its own targets only (never to consumers through INTERFACE).
#
# With clang, AUTOHEAL_THREAD_SAFETY_ANALYSIS (on by default) adds
# -Wthread-safety, which checks the ABSL_GUARDED_BY / ABSL_LOCKS_EXCLUDED
# annotations (GCC ignores them); with AUTOHEAL_WERROR its findings fail the
# build.
option(AUTOHEAL_THREAD_SAFETY_ANALYSIS
  "With clang: check lock annotations with -Wthread-safety" ON)

function(autoheal_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
                         -Wnon-virtual-dtor -Woverloaded-virtual)
  if(AUTOHEAL_THREAD_SAFETY_ANALYSIS AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety -Wthread-safety-beta)
  endif()
  if(AUTOHEAL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
