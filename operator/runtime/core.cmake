# redraft_runtime_core: work queue, controller loop, metrics registry/exposition, health server,
# signals. It must not link redraft_runtime_client (the client links this library); it only uses
# the header-only client/errors.hpp to recognise 409 Conflicts.
add_library(redraft_runtime_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/queue/rate_limiter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/queue/work_queue.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics/exposition.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics/runtime_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controller/outcome.cpp
  ${CMAKE_CURRENT_LIST_DIR}/controller/controller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/health/probes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/health/server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signals/shutdown_signal.cpp
  ${CMAKE_CURRENT_LIST_DIR}/signals/shutdown_sequence.cpp
  ${CMAKE_CURRENT_LIST_DIR}/support/heap_scavenger.cpp
)
target_include_directories(redraft_runtime_core PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_runtime_core PUBLIC redraft_deps PRIVATE redraft_build_flags)
