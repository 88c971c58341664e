# Executor benchmarks (never part of ctest). Run:
#   cmake --build build --target executor_prepare -j2 && build/tests/bench/executor_prepare [--rounds 7]
if(TARGET redraft-executor)
  add_executable(executor_prepare ${CMAKE_CURRENT_LIST_DIR}/executor_prepare.cpp)
  target_link_libraries(executor_prepare PRIVATE redraft_test_fixtures redraft_build_flags)
  target_compile_definitions(executor_prepare PRIVATE
    REDRAFT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    REDRAFT_EXECUTOR_PATH="$<TARGET_FILE:redraft-executor>")
  add_dependencies(executor_prepare redraft-executor)
endif()
