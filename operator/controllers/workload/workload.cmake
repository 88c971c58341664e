# redraft_workload_controller: the pure Workload planner (plan.cpp) and the controller shell
# that feeds it from the informer caches and carries out its decisions.
add_library(redraft_workload_controller STATIC
  ${CMAKE_CURRENT_LIST_DIR}/plan.cpp
)
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/workload_controller.cpp)
  target_sources(redraft_workload_controller PRIVATE ${CMAKE_CURRENT_LIST_DIR}/workload_controller.cpp)
endif()
target_include_directories(redraft_workload_controller PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_workload_controller
  PUBLIC redraft_controllers_common redraft_runtime_client redraft_runtime_core redraft_api
  PRIVATE redraft_build_flags)
