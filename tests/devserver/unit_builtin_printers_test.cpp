// The computed kubectl columns of pods and nodes, table-driven from pod/node statuses a
// kubelet (redraft-localnode) writes.
#include "builtin_printers.hpp"

#include <gtest/gtest.h>

using namespace redraft::devserver;
using nlohmann::json;

namespace {

json pod_with(json status, json spec_extra = json::object(), json meta_extra = json::object()) {
  json p = {{"metadata", {{"name", "p"}}},
            {"spec", {{"containers", {{{"name", "a"}}, {{"name", "b"}}}}}},
            {"status", std::move(status)}};
  p["spec"].update(spec_extra);
  p["metadata"].update(meta_extra);
  return p;
}

json terminated(int code, const std::string& reason = "") {
  json t = {{"exitCode", code}};
  if (!reason.empty()) t["reason"] = reason;
  return {{"terminated", t}};
}

}  // namespace

TEST(PodPrinters, StatusReadyRestarts) {
  const json inits = {{"initContainers", {{{"name", "i1"}}, {{"name", "i2"}}, {{"name", "i3"}}}}};
  struct Case {
    const char* what;
    json pod;
    std::string status;
  };
  const std::vector<Case> cases = {
      {"pending, nothing yet", pod_with({{"phase", "Pending"}}), "Pending"},
      {"second init running", pod_with({{"phase", "Pending"},
                                        {"initContainerStatuses", {{{"name", "i1"}, {"state", terminated(0, "Completed")}},
                                                                   {{"name", "i2"}, {"state", {{"running", json::object()}}}}}}},
                                       inits),
       "Init:1/3"},
      {"init failed", pod_with({{"phase", "Failed"},
                                {"initContainerStatuses", {{{"name", "i1"}, {"state", terminated(2, "Error")}}}}},
                               inits),
       "Init:Error"},
      {"container waiting", pod_with({{"phase", "Pending"},
                                      {"containerStatuses", {{{"name", "a"}, {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}}}}),
       "ContainerCreating"},
      {"all completed", pod_with({{"phase", "Succeeded"},
                                  {"containerStatuses", {{{"name", "a"}, {"state", terminated(0, "Completed")}},
                                                         {{"name", "b"}, {"state", terminated(0, "Completed")}}}}}),
       "Completed"},
      {"exit code without reason", pod_with({{"phase", "Failed"},
                                             {"containerStatuses", {{{"name", "a"}, {"state", terminated(3)}}}}}),
       "ExitCode:3"},
      {"one done one running", pod_with({{"phase", "Running"},
                                         {"containerStatuses", {{{"name", "a"}, {"state", terminated(0, "Completed")}},
                                                                {{"name", "b"}, {"ready", true}, {"state", {{"running", json::object()}}}}}}}),
       "Running"},
      {"deadline", pod_with({{"phase", "Failed"}, {"reason", "DeadlineExceeded"}}), "DeadlineExceeded"},
      {"terminating", pod_with({{"phase", "Running"}}, json::object(), {{"deletionTimestamp", "2026-12-04T15:00:00Z"}}),
       "Terminating"},
  };
  for (const auto& c : cases) EXPECT_EQ(pod_status(c.pod), c.status) << c.what;

  const json running = pod_with({{"phase", "Running"},
                                 {"initContainerStatuses", {{{"name", "i"}, {"restartCount", 1}}}},
                                 {"containerStatuses", {{{"name", "a"}, {"ready", true}, {"restartCount", 2}},
                                                        {{"name", "b"}, {"ready", false}}}}});
  EXPECT_EQ(pod_ready(running), "1/2");
  EXPECT_EQ(pod_restarts(running), 3);
  EXPECT_EQ(pod_ready(pod_with({{"phase", "Pending"}})), "0/2");
  EXPECT_EQ(computed_cell(kPodRestarts, running), 3);
  EXPECT_TRUE(computed_cell("nope", running).is_null());
}

TEST(NodePrinters, StatusRolesAddress) {
  json node = {{"metadata", {{"name", "n"}, {"labels", {{"node-role.kubernetes.io/worker", ""}, {"x", "y"}}}}},
               {"status", {{"conditions", {{{"type", "MemoryPressure"}, {"status", "False"}}, {{"type", "Ready"}, {"status", "True"}}}},
                           {"addresses", {{{"type", "Hostname"}, {"address", "box"}}, {{"type", "InternalIP"}, {"address", "127.0.0.1"}}}}}}};
  EXPECT_EQ(node_status(node), "Ready");
  EXPECT_EQ(node_roles(node), "worker");
  EXPECT_EQ(node_internal_ip(node), "127.0.0.1");
  node["status"]["conditions"][1]["status"] = "Unknown";
  node["spec"]["unschedulable"] = true;
  EXPECT_EQ(node_status(node), "NotReady,SchedulingDisabled");
  EXPECT_EQ(node_status(json::object()), "Unknown");
  EXPECT_EQ(node_roles(json::object()), "<none>");
  EXPECT_EQ(node_internal_ip(json::object()), "<none>");
}
