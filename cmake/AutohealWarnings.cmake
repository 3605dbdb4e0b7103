# autoheal_target_warnings(<target>): the project's warning flags, applied to
# its own targets only (never to consumers through INTERFACE).
function(autoheal_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
                         -Wnon-virtual-dtor -Woverloaded-virtual)
  if(AUTOHEAL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
