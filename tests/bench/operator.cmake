# Operator benchmarks (never part of ctest): the real redraft-operator binary against a devserver.
#   cmake --build build --target operator_scale operator_memory -j2
#   build/tests/bench/operator_scale [--workloads 1000] [--samples 200] [--idle-seconds 60] [--writers 4]
#   build/tests/bench/operator_memory [--tasks 10000] [--settle-seconds 5]
# $REDRAFT_OPERATOR overrides the operator binary they start.
if(TARGET redraft-operator AND TARGET redraft_runtime_client AND TARGET redraft_devserver_fixture
   AND TARGET redraft_test_fixtures)
  foreach(bench operator_scale operator_memory)
    add_executable(${bench} ${CMAKE_CURRENT_LIST_DIR}/${bench}.cpp)
    target_link_libraries(${bench} PRIVATE redraft_runtime_client redraft_api
      redraft_devserver_fixture redraft_test_fixtures redraft_deps redraft_build_flags)
    target_compile_definitions(${bench} PRIVATE
      REDRAFT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      REDRAFT_OPERATOR_PATH="$<TARGET_FILE:redraft-operator>")
    add_dependencies(${bench} redraft-operator)
  endforeach()
endif()
