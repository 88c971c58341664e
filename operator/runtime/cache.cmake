# Reflector/informer cache, event recorder and leader election (owner: runtime-cache).
# Included by client.cmake: these sources are part of the redraft_runtime_client library.
list(APPEND REDRAFT_RUNTIME_CLIENT_SOURCES
  cache/backoff.cpp
  cache/object_key.cpp
  cache/owner_mapping.cpp
  cache/reflector.cpp
  cache/transform.cpp
  events/k8s_time.cpp
  events/object_reference.cpp
  events/event_correlator.cpp
  events/event_recorder.cpp
  leader/lease_record.cpp
  leader/lease_decision.cpp
  leader/leader_elector.cpp
)
