# wsconform_warnings: -Wall -Wextra and friends; -Werror with WSCONFORM_WERROR (CI).
add_library(wsconform_warnings INTERFACE)
target_compile_options(wsconform_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough
  $<$<BOOL:${WSCONFORM_WERROR}>:-Werror>)
