# wsconform_warnings: -Wall -Wextra and friends; -Werror with WSCONFORM_WERROR (CI).
add_library(wsconform_warnings INTERFACE)
target_compile_options(wsconform_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough
  $<$<BOOL:${WSCONFORM_WERROR}>:-Werror>)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s string concatenation at -O2/-O3
# (GCC bug 105329); they are not ours to fix.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(wsconform_warnings INTERFACE -Wno-restrict)
endif()
