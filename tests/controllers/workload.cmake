# Workload controller: the planner's rule table (pure, fast) and the controller shell against
# the devserver with real informers.
redraft_add_test(workload_plan_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_plan_test.cpp
  LIBS redraft_workload_controller
  TIMEOUT 60
  LABELS unit)

# The controller shell against a real devserver (informers, creates, status writes).
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/devserver/devserver_fixture.hpp)
  redraft_add_test(workload_controller_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_controller_test.cpp
    LIBS redraft_workload_controller redraft_devserver_fixture redraft_deps
    TIMEOUT 240
    LABELS integration)
  target_include_directories(workload_controller_test PRIVATE ${PROJECT_SOURCE_DIR}/tests/runtime_client)
endif()
