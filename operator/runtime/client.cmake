# The Kubernetes API client library (owner: runtime-client). Included by operator/runtime/CMakeLists.txt.
# "runtime-cache" appends its sources to REDRAFT_RUNTIME_CLIENT_SOURCES from cache.cmake.
set(REDRAFT_RUNTIME_CLIENT_SOURCES
  client/client.cpp
  client/config.cpp
  client/credentials.cpp
  client/exec_credential.cpp
  client/request.cpp
  client/transport.cpp
  client/watch_decoder.cpp
)
include(${CMAKE_CURRENT_SOURCE_DIR}/cache.cmake OPTIONAL)
add_library(redraft_runtime_client STATIC ${REDRAFT_RUNTIME_CLIENT_SOURCES})
target_include_directories(redraft_runtime_client PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_runtime_client PUBLIC redraft_deps PRIVATE redraft_build_flags)
# Linked when those libraries exist (they are built by other engineers in parallel).
foreach(dep redraft_api redraft_runtime_core)
  if(TARGET ${dep})
    target_link_libraries(redraft_runtime_client PUBLIC ${dep})
  endif()
endforeach()
