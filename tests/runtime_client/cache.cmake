# Tests of the informer cache, event recorder and leader election (owner: runtime-cache).
# Included by tests/runtime_client/CMakeLists.txt.
redraft_add_test(runtime_cache_unit_test
  SOURCES cache_unit_test.cpp events_unit_test.cpp leader_unit_test.cpp
  LIBS redraft_runtime_client redraft_deps
  LABELS unit)

# One leader-election candidate per process, so tests can SIGKILL a leader.
add_executable(runtime_cache_leader_helper leader_elector_helper.cpp)
target_link_libraries(runtime_cache_leader_helper PRIVATE redraft_runtime_client redraft_deps
  redraft_build_flags)

# The devserver fixture is defined later (tests/devserver comes after this folder); link it by name.
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/devserver/devserver_fixture.hpp)
  redraft_add_test(runtime_cache_integration_test
    SOURCES cache_test_support.cpp cache_informer_test.cpp events_recorder_test.cpp
            leader_election_test.cpp
    LIBS redraft_runtime_client redraft_devserver_fixture redraft_deps
    TIMEOUT 240 LABELS integration)
  target_compile_definitions(runtime_cache_integration_test PRIVATE
    REDRAFT_LEADER_HELPER="$<TARGET_FILE:runtime_cache_leader_helper>")
  add_dependencies(runtime_cache_integration_test runtime_cache_leader_helper)
endif()

# The informer wired into the probe server and metrics, read over HTTP (uses the runtime-core
# tests' HTTP client and strict exposition parser).
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/devserver/devserver_fixture.hpp
   AND EXISTS ${PROJECT_SOURCE_DIR}/tests/runtime_core/http_get.cpp)
  redraft_add_test(runtime_cache_wiring_test
    SOURCES cache_wiring_test.cpp ${PROJECT_SOURCE_DIR}/tests/runtime_core/http_get.cpp
    LIBS redraft_runtime_client redraft_devserver_fixture runtime_core_test_support redraft_deps
    TIMEOUT 180 LABELS integration)
  target_include_directories(runtime_cache_wiring_test PRIVATE ${PROJECT_SOURCE_DIR}/tests/runtime_core)
endif()

# The reflector's list/watch settings and failure handling against a devserver.
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/devserver/devserver_fixture.hpp)
  redraft_add_test(runtime_cache_reflector_test
    SOURCES cache_reflector_test.cpp
    LIBS redraft_runtime_client redraft_devserver_fixture redraft_deps
    TIMEOUT 240 LABELS integration)
endif()
