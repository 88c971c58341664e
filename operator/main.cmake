# redraft-operator: the operator binary (operator/main.cpp) over the operator/app/ wiring.
# Included from operator/CMakeLists.txt after controllers/, so the controller targets are known.

# The command line and logging: pure pieces the tests link without the controllers.
add_library(redraft_operator_options STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/app/options.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/app/logging.cpp
)
target_include_directories(redraft_operator_options PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_operator_options PUBLIC redraft_runtime_core redraft_deps
  PRIVATE redraft_build_flags)

# The wiring: informers, controllers, probes, metrics, events, leader election, shutdown.
add_library(redraft_operator_app STATIC ${CMAKE_CURRENT_SOURCE_DIR}/app/operator_app.cpp)
target_include_directories(redraft_operator_app PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(redraft_operator_app
  PUBLIC redraft_operator_options redraft_controllers_common redraft_runtime_client
         redraft_runtime_core redraft_api redraft_deps
  PRIVATE redraft_build_flags)
target_link_libraries(redraft_operator_app PUBLIC redraft_workload_controller redraft_agentictask_controller)

add_executable(redraft-operator ${CMAKE_CURRENT_SOURCE_DIR}/main.cpp)
target_link_libraries(redraft-operator PRIVATE redraft_operator_app redraft_build_flags)
target_compile_definitions(redraft-operator PRIVATE REDRAFT_VERSION="${PROJECT_VERSION}")
