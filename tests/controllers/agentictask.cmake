# AgenticTask controller tests: pure functions (pod building, result reading, decisions) and the
# controller shell against a real devserver.
set(_at_tests ${CMAKE_CURRENT_LIST_DIR})
set(_at_unit_sources ${_at_tests}/agentictask_build_pod_test.cpp)
foreach(_part pod_view result resolve decide)
  if(EXISTS ${_at_tests}/agentictask_${_part}_test.cpp)
    list(APPEND _at_unit_sources ${_at_tests}/agentictask_${_part}_test.cpp)
  endif()
endforeach()
redraft_add_test(agentictask_unit_test
  SOURCES ${_at_unit_sources}
  LIBS redraft_agentictask_controller
  LABELS unit controllers)

if(EXISTS ${_at_tests}/agentictask_controller_test.cpp)
  redraft_add_test(agentictask_controller_test
    SOURCES ${_at_tests}/agentictask_controller_test.cpp
    LIBS redraft_agentictask_controller redraft_devserver_fixture
    TIMEOUT 300
    LABELS controllers devserver)
  add_dependencies(agentictask_controller_test redraft-devserver)
endif()
