# Runtime cache benchmarks (owner: runtime-cache; never part of ctest). Run:
#   cmake --build build --target runtime_cache_memory runtime_watch_throughput -j2
#   build/tests/bench/runtime_cache_memory [--objects 10000]
#   build/tests/bench/runtime_watch_throughput [--objects 5000] [--writers 2]
if(TARGET redraft_runtime_client AND TARGET redraft_api
   AND EXISTS ${PROJECT_SOURCE_DIR}/tests/devserver/devserver_fixture.hpp)
  foreach(bench runtime_cache_memory runtime_watch_throughput)
    add_executable(${bench} ${CMAKE_CURRENT_LIST_DIR}/${bench}.cpp)
    target_link_libraries(${bench} PRIVATE redraft_runtime_client redraft_api
      redraft_devserver_fixture redraft_deps redraft_build_flags)
    target_compile_definitions(${bench} PRIVATE REDRAFT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  endforeach()
endif()
