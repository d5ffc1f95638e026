# Warnings come from one INTERFACE target, never from global flags (STYLE.md "Build gates").
# -Wnull-dereference is left out: at -O2 g++ 12 reports false positives inside libstdc++ code
# inlined from CLI11, which -Werror would turn into a broken release build.
add_library(chitin_warnings INTERFACE)
target_compile_options(chitin_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wsuggest-override -Wold-style-cast -Wcast-qual
  -Wformat=2 -Wimplicit-fallthrough -Wundef -Wmissing-declarations
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wlogical-op>
  $<$<BOOL:${CHITIN_WERROR}>:-Werror>)

if(CHITIN_HARDEN)
  # -fPIE/-pie via CMAKE_POSITION_INDEPENDENT_CODE and the link options below.
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong
                      -fstack-clash-protection -fcf-protection)
  add_link_options(-pie -Wl,-z,relro,-z,now,-z,noexecstack)
endif()

# chitin_add_module(name SOURCES ... [DEPS ...] [TESTS ...])
# One static library per module, includes rooted at src/. DEPS are other modules (by short
# name) or imported targets; tools/check_deps.sh enforces the direction from DESIGN.md.
function(chitin_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(chitin_${name} STATIC ${M_SOURCES})
  target_include_directories(chitin_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(chitin_${name} PUBLIC ${M_DEPS} PRIVATE chitin_warnings)
  if(M_TESTS AND BUILD_TESTING)
    add_executable(chitin_${name}_test ${M_TESTS})
    target_link_libraries(chitin_${name}_test PRIVATE chitin_${name} chitin_test_support
                          GTest::gtest GTest::gmock GTest::gtest_main chitin_warnings)
    gtest_discover_tests(chitin_${name}_test DISCOVERY_TIMEOUT 30
                         PROPERTIES LABELS "unit;${name}")
  endif()
endfunction()
