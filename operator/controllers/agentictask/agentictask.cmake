# redraft_agentictask_controller: the AgenticTask controller (pure pod building, result reading
# and decisions, plus the informer/API shell). Included from operator/controllers/CMakeLists.txt.
set(_redraft_at_dir ${CMAKE_CURRENT_LIST_DIR})
set(_redraft_at_sources
  ${_redraft_at_dir}/build_pod.cpp
  ${_redraft_at_dir}/pod_view.cpp)
foreach(_part result resolve decide agentictask_controller)
  if(EXISTS ${_redraft_at_dir}/${_part}.cpp)
    list(APPEND _redraft_at_sources ${_redraft_at_dir}/${_part}.cpp)
  endif()
endforeach()
add_library(redraft_agentictask_controller STATIC ${_redraft_at_sources})
target_include_directories(redraft_agentictask_controller PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_agentictask_controller
  PUBLIC redraft_controllers_common redraft_runtime_client redraft_runtime_core redraft_api redraft_deps
  PRIVATE redraft_build_flags)
