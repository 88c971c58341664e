# Workload controller: the planner's rule table (pure, fast) and the controller shell against
# the devserver with real informers.
redraft_add_test(workload_plan_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_plan_test.cpp
  LIBS redraft_workload_controller
  TIMEOUT 60
  LABELS unit)
