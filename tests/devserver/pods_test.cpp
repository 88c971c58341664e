// What a node agent (redraft-localnode, a kubelet) needs from the devserver, over real HTTP
// and with the real kubectl: pods/binding, graceful pod deletion, nodes, field selectors on
// pods, pods/status and the pods/log proxy to the node's endpoint.
#include "devserver_fixture.hpp"
#include "fake_kubelet.hpp"
#include "kubectl_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

using redraft::testing::CommandResult;
using redraft::testing::DevServer;
using redraft::testing::FakeKubelet;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

const std::string kPods = "/api/v1/namespaces/default/pods";

json pod_manifest(const std::string& name, const std::string& node = "") {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}}},
            {"spec", {{"containers", {{{"name", "main"}, {"image", "busybox:1.36"}}}}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

json binding(const std::string& pod, const std::string& node) {
  return {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", pod}}},
          {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
}

// Polls `f` until it returns true or `timeout` passes.
bool eventually(const std::function<bool()>& f, std::chrono::seconds timeout = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (f()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return f();
}

// Next event of `w` that is not a BOOKMARK.
std::optional<json> next_event(redraft::testing::WatchStream& w) {
  for (;;) {
    auto e = w.next(30s);
    if (!e || (*e)["type"] != "BOOKMARK") return e;
  }
}

class PodsTest : public redraft::testing::KubectlFixture {
 protected:
  json create_pod(const std::string& name, const std::string& node = "") {
    auto r = server.request("POST", kPods, pod_manifest(name, node).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  int status_of(const std::string& path) { return server.request("GET", path).status; }
  // A Node the way redraft-localnode registers itself (port 0: no kubelet endpoint).
  void register_node(const std::string& name, int kubelet_port) {
    const json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}},
                       {"status", {{"addresses", {{{"type", "InternalIP"}, {"address", "127.0.0.1"}},
                                                  {{"type", "Hostname"}, {"address", name}}}},
                                   {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", kubelet_port}}}}},
                                   {"nodeInfo", {{"kubeletVersion", "v1.32.0-test"}}},
                                   {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
    auto r = server.request("POST", "/api/v1/nodes", node.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    // Like a kubelet: status goes through nodes/status (the create keeps it too, but be exact).
    auto s = server.request("PUT", "/api/v1/nodes/" + name + "/status", r.json().dump());
    ASSERT_EQ(s.status, 200) << s.body;
  }
};

}  // namespace

TEST_F(PodsTest, DiscoveryListsBindingNodesAndPodSubresources) {
  const json core = server.request("GET", "/api/v1").json();
  std::map<std::string, json> by_name;
  for (const auto& r : core["resources"]) by_name[r["name"].get<std::string>()] = r;
  ASSERT_TRUE(by_name.count("pods/binding"));
  EXPECT_EQ(by_name["pods/binding"]["kind"], "Binding");
  EXPECT_EQ(by_name["pods/binding"]["verbs"], json({"create"}));
  ASSERT_TRUE(by_name.count("bindings"));
  EXPECT_EQ(by_name["bindings"]["verbs"], json({"create"}));
  ASSERT_TRUE(by_name.count("nodes"));
  EXPECT_EQ(by_name["nodes"]["namespaced"], false);
  EXPECT_TRUE(by_name.count("nodes/status"));
  EXPECT_TRUE(by_name.count("pods/status"));
  EXPECT_TRUE(by_name.count("pods/log"));
  // The namespaces a cluster starts with, including the one node heartbeats go to.
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"})
    EXPECT_EQ(status_of(std::string("/api/v1/namespaces/") + ns), 200) << ns;
}

TEST_F(PodsTest, BindingSetsNodeNameOnceAndFieldSelectedWatchSeesIt) {
  create_pod("p1");
  auto w = server.watch(kPods + "?watch=true&fieldSelector=spec.nodeName%3Dnode-a");
  auto r = server.request("POST", kPods + "/p1/binding", binding("p1", "node-a").dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["kind"], "Status");
  EXPECT_EQ(r.json()["status"], "Success");
  EXPECT_EQ(r.json()["code"], 201);
  auto ev = next_event(*w);
  ASSERT_TRUE(ev);
  EXPECT_EQ((*ev)["type"], "ADDED");  // entered the node's selection
  EXPECT_EQ((*ev)["object"]["spec"]["nodeName"], "node-a");

  auto again = server.request("POST", kPods + "/p1/binding", binding("p1", "node-b").dump());
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json()["reason"], "Conflict");
  EXPECT_EQ(again.json()["message"],
            "Operation cannot be fulfilled on pods/binding \"p1\": pod p1 is already assigned to node \"node-a\"");
  auto missing = server.request("POST", kPods + "/nope/binding", binding("nope", "node-a").dump());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()["message"], "pods \"nope\" not found");
  EXPECT_EQ(server.request("GET", kPods + "/p1/binding").status, 405);

  // The collection form names the pod in the Binding.
  create_pod("p2");
  auto coll = server.request("POST", "/api/v1/namespaces/default/bindings", binding("p2", "node-a").dump());
  ASSERT_EQ(coll.status, 201) << coll.body;
  auto ev2 = next_event(*w);
  ASSERT_TRUE(ev2);
  EXPECT_EQ((*ev2)["object"]["metadata"]["name"], "p2");
  auto list = server.request("GET", kPods + "?fieldSelector=spec.nodeName%3Dnode-a").json();
  EXPECT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(server.request("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-b").json()["items"].size(), 0u);
}

TEST_F(PodsTest, GracefulDeletionMarksBoundPodsUntilGraceZero) {
  const json created = create_pod("run", "node-a");
  auto w = server.watch(kPods + "?watch=true&resourceVersion=" +
                        created["metadata"]["resourceVersion"].get<std::string>());
  auto del = server.request("DELETE", kPods + "/run");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["kind"], "Pod");
  EXPECT_EQ(del.json()["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_TRUE(del.json()["metadata"].contains("deletionTimestamp"));
  auto modified = next_event(*w);
  ASSERT_TRUE(modified);
  EXPECT_EQ((*modified)["type"], "MODIFIED");
  EXPECT_EQ(status_of(kPods + "/run"), 200);

  // A DeleteOptions grace period (kubectl --grace-period) shortens it.
  auto shorter = server.request("DELETE", kPods + "/run", R"({"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":5})");
  EXPECT_EQ(shorter.json()["metadata"]["deletionGracePeriodSeconds"], 5);
  // What the node sends once its processes are gone: grace 0 with a uid precondition.
  const json final_delete = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"gracePeriodSeconds", 0},
                             {"preconditions", {{"uid", created["metadata"]["uid"]}}}};
  auto wrong_uid = server.request("DELETE", kPods + "/run",
                                  R"({"gracePeriodSeconds":0,"preconditions":{"uid":"someone-else"}})");
  EXPECT_EQ(wrong_uid.status, 409);
  auto gone = server.request("DELETE", kPods + "/run", final_delete.dump());
  ASSERT_EQ(gone.status, 200) << gone.body;
  EXPECT_EQ(status_of(kPods + "/run"), 404);
  std::optional<json> deleted;
  while ((deleted = next_event(*w)) && (*deleted)["type"] != "DELETED") {
  }
  ASSERT_TRUE(deleted);

  // Unbound and finished pods go at once; ?gracePeriodSeconds=0 works like the body field.
  create_pod("pending");
  EXPECT_EQ(server.request("DELETE", kPods + "/pending").status, 200);
  EXPECT_EQ(status_of(kPods + "/pending"), 404);
  create_pod("done", "node-a");
  EXPECT_EQ(server.request("PATCH", kPods + "/done/status", R"({"status":{"phase":"Succeeded"}})",
                           "application/merge-patch+json").status, 200);
  server.request("DELETE", kPods + "/done");
  EXPECT_EQ(status_of(kPods + "/done"), 404);
  create_pod("forced", "node-a");
  server.request("DELETE", kPods + "/forced?gracePeriodSeconds=0");
  EXPECT_EQ(status_of(kPods + "/forced"), 404);
}

TEST_F(PodsTest, OwnerDeletionTerminatesOwnedRunningPodsGracefully) {
  auto owner = server.request("POST", "/api/v1/namespaces/default/configmaps",
                              R"({"metadata":{"name":"owner"}})");
  ASSERT_EQ(owner.status, 201);
  const json o = owner.json();
  json p = pod_manifest("owned", "node-a");
  p["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "owner"},
                                        {"uid", o["metadata"]["uid"]}, {"controller", true},
                                        {"blockOwnerDeletion", true}}};
  ASSERT_EQ(server.request("POST", kPods, p.dump()).status, 201);
  ASSERT_EQ(server.request("DELETE", "/api/v1/namespaces/default/configmaps/owner").status, 200);
  const json owned = server.request("GET", kPods + "/owned").json();
  EXPECT_TRUE(owned["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(owned["metadata"]["deletionGracePeriodSeconds"], 30);
}

// A bound pod created for an owner that is already gone: the collector deletes it gracefully too.
TEST_F(PodsTest, RunningPodOfAMissingOwnerIsTerminatedGracefully) {
  json p = pod_manifest("late", "node-a");
  p["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "gone"},
                                        {"uid", "33333333-3333-3333-3333-333333333333"}, {"controller", true}}};
  ASSERT_EQ(server.request("POST", kPods, p.dump()).status, 201);
  ASSERT_TRUE(eventually([&] {
    return server.request("GET", kPods + "/late").json()["metadata"].contains("deletionTimestamp");
  }));
  const json late = server.request("GET", kPods + "/late").json();
  EXPECT_EQ(late["metadata"]["deletionGracePeriodSeconds"], 30);
}

TEST_F(PodsTest, KubectlDeletePodWaitsForTheNodeToFinishIt) {
  const json created = create_pod("victim", "node-a");
  auto deleting = std::async(std::launch::async, [&] { return server.kubectl({"delete", "pod", "victim"}); });
  ASSERT_TRUE(eventually([&] {
    return server.request("GET", kPods + "/victim").json()["metadata"].contains("deletionTimestamp");
  }));
  EXPECT_EQ(deleting.wait_for(1s), std::future_status::timeout) << "kubectl must wait for the removal";
  const json final_delete = {{"gracePeriodSeconds", 0}, {"preconditions", {{"uid", created["metadata"]["uid"]}}}};
  ASSERT_EQ(server.request("DELETE", kPods + "/victim", final_delete.dump()).status, 200);
  const CommandResult r = deleting.get();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("pod \"victim\" deleted"));
  // --grace-period=0 --force removes at once.
  create_pod("forced", "node-a");
  ok({"delete", "pod", "forced", "--grace-period=0", "--force"});
  EXPECT_EQ(status_of(kPods + "/forced"), 404);
}

TEST_F(PodsTest, PodStatusSubresourceWritesOnlyStatus) {
  json p = create_pod("s", "node-a");
  p["status"] = {{"phase", "Running"}, {"podIP", "127.0.0.1"}};
  p["spec"]["nodeName"] = "ignored";
  auto put = server.request("PUT", kPods + "/s/status", p.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["status"]["phase"], "Running");
  EXPECT_EQ(put.json()["spec"]["nodeName"], "node-a");
  auto patch = server.request("PATCH", kPods + "/s/status", R"({"status":{"phase":"Succeeded"}})",
                              "application/strategic-merge-patch+json");
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(patch.json()["status"]["phase"], "Succeeded");
  EXPECT_EQ(patch.json()["status"]["podIP"], "127.0.0.1");
  // A main-resource update does not touch status.
  json cur = patch.json();
  cur["status"]["phase"] = "Failed";
  cur["metadata"]["labels"] = {{"x", "y"}};
  EXPECT_EQ(server.request("PUT", kPods + "/s", cur.dump()).json()["status"]["phase"], "Succeeded");
  auto by_phase = server.request("GET", kPods + "?fieldSelector=status.phase%3DSucceeded").json();
  ASSERT_EQ(by_phase["items"].size(), 1u);
  EXPECT_EQ(by_phase["items"][0]["metadata"]["name"], "s");
}

TEST_F(PodsTest, NodesAreClusterScopedWithAStatusSubresourceAndShowInKubectl) {
  register_node("node-a", 0);
  const json node = server.request("GET", "/api/v1/nodes/node-a").json();
  EXPECT_EQ(node["status"]["addresses"][0]["address"], "127.0.0.1");
  EXPECT_FALSE(node["metadata"].contains("namespace"));
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default/nodes/node-a").status, 404);
  auto patched = server.request("PATCH", "/api/v1/nodes/node-a/status",
                                R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})",
                                "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["status"]["conditions"][0]["status"], "False");
  const std::string nodes = ok({"get", "nodes"}).output;
  EXPECT_THAT(nodes, ::testing::MatchesRegex("NAME +STATUS +ROLES +AGE +VERSION *\n"
                                             "node-a +NotReady +<none> +[0-9]+s +v1.32.0-test *\n"));
  EXPECT_THAT(ok({"get", "nodes", "-o", "wide"}).output, HasSubstr("INTERNAL-IP"));
  EXPECT_THAT(ok({"get", "no", "node-a", "-o", "jsonpath={.status.addresses[0].address}"}).output, HasSubstr("127.0.0.1"));
}

TEST_F(PodsTest, PodLogsAreProxiedToTheNodesKubeletEndpoint) {
  FakeKubelet kubelet([](const std::string& target, int fd) {
    FakeKubelet::reply(fd, 200, "hello from " + target.substr(0, target.find('?')) + "\n");
  });
  register_node("node-a", kubelet.port());
  json p = pod_manifest("logged", "node-a");
  p["spec"]["initContainers"] = {{{"name", "prepare"}, {"image", "busybox:1.36"}}};
  ASSERT_EQ(server.request("POST", kPods, p.dump()).status, 201);

  const auto r = ok({"logs", "logged", "-c", "main", "--tail=5", "--timestamps"});
  EXPECT_THAT(r.output, HasSubstr("hello from /containerLogs/default/logged/main"));
  EXPECT_THAT(ok({"logs", "logged", "-c", "prepare"}).output, HasSubstr("hello from /containerLogs/default/logged/prepare"));
  const auto targets = kubelet.targets();
  ASSERT_FALSE(targets.empty());
  EXPECT_THAT(targets.front(), HasSubstr("/containerLogs/default/logged/main?"));
  EXPECT_THAT(targets.front(), HasSubstr("tailLines=5"));
  EXPECT_THAT(targets.front(), HasSubstr("timestamps=true"));
  // The only container is the default; an unknown one is refused like kube-apiserver does.
  auto plain = server.request("GET", kPods + "/logged/log?limitBytes=100");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, "hello from /containerLogs/default/logged/main\n");
  EXPECT_THAT(kubelet.targets().back(), HasSubstr("limitBytes=100"));
  auto unknown = server.request("GET", kPods + "/logged/log?container=nope");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["message"], "container nope is not valid for pod logged");
  EXPECT_EQ(server.request("GET", kPods + "/logged/log?tailLines=x").status, 400);

  json two = pod_manifest("two", "node-a");
  two["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox:1.36"}});
  ASSERT_EQ(server.request("POST", kPods, two.dump()).status, 201);
  auto which = server.request("GET", kPods + "/two/log");
  EXPECT_EQ(which.status, 400);
  EXPECT_EQ(which.json()["message"], "a container name must be specified for pod two, choose one of: [main side]");
}

TEST_F(PodsTest, PodLogErrorsFromTheNodeAndAnUnreachableNode) {
  FakeKubelet kubelet([](const std::string&, int fd) {
    FakeKubelet::reply(fd, 404, "container \"main\" in pod \"p\" is not known\n");
  });
  register_node("node-a", kubelet.port());
  create_pod("p", "node-a");
  auto r = server.request("GET", kPods + "/p/log?container=main");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["reason"], "NotFound");
  EXPECT_EQ(r.json()["message"], "container \"main\" in pod \"p\" is not known");
  const auto k = server.kubectl({"logs", "p", "-c", "main"});
  EXPECT_NE(k.exit_code, 0);
  EXPECT_THAT(k.output, HasSubstr("is not known"));

  // A node whose endpoint does not answer: a 500 Status like kube-apiserver's dial error.
  int dead_port = 0;
  {
    FakeKubelet gone([](const std::string&, int) {});
    dead_port = gone.port();
  }
  register_node("node-dead", dead_port);
  create_pod("q", "node-dead");
  auto dead = server.request("GET", kPods + "/q/log?container=main");
  EXPECT_EQ(dead.status, 500);
  EXPECT_EQ(dead.json()["kind"], "Status");
  EXPECT_THAT(dead.json()["message"].get<std::string>(),
              HasSubstr("Get \"http://127.0.0.1:" + std::to_string(dead_port) + "/containerLogs/default/q/main?container=main\": dial tcp 127.0.0.1:" +
                        std::to_string(dead_port) + ": connect: connection refused"));
}

TEST_F(PodsTest, PodLogFallsBackToTheAnnotationWithoutAKubeletEndpoint) {
  register_node("portless", 0);
  for (const char* node : {"", "portless", "unregistered"}) {
    json p = pod_manifest(std::string("a-") + (*node ? node : "unbound"), node);
    p["metadata"]["annotations"] = {{"devserver.redraft.dev/log", "stored log\n"}};
    ASSERT_EQ(server.request("POST", kPods, p.dump()).status, 201);
    auto r = server.request("GET", kPods + "/" + p["metadata"]["name"].get<std::string>() + "/log");
    EXPECT_EQ(r.status, 200) << node;
    EXPECT_EQ(r.body, "stored log\n") << node;
  }
}

TEST_F(PodsTest, FollowedLogsAreRelayedAsTheyArrive) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  FakeKubelet kubelet([&](const std::string& target, int fd) {
    if (target.find("follow=true") == std::string::npos) {
      FakeKubelet::reply(fd, 200, "{\"line\":0}\n");
      return;
    }
    FakeKubelet::begin_chunked(fd);
    FakeKubelet::chunk(fd, "{\"line\":1}\n");
    std::unique_lock lock(mu);
    cv.wait_for(lock, 60s, [&] { return release; });
    FakeKubelet::chunk(fd, "{\"line\":2}\n");
    FakeKubelet::end_chunked(fd);
  });
  register_node("node-a", kubelet.port());
  create_pod("f", "node-a");
  // The fixture's watch reader reads newline-delimited JSON from a streamed body.
  auto stream = server.watch(kPods + "/f/log?container=main&follow=true");
  auto first = stream->next(30s);
  ASSERT_TRUE(first) << "the first line must arrive before the node ends the response";
  EXPECT_EQ((*first)["line"], 1);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  auto second = stream->next(30s);
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["line"], 2);
  EXPECT_FALSE(stream->next(30s));
  EXPECT_TRUE(stream->ended());
}

TEST_F(PodsTest, KubectlGetPodsShowsKubeletStyleColumns) {
  json p = create_pod("col", "node-a");
  p["status"] = {{"phase", "Running"},
                 {"podIP", "127.0.0.1"},
                 {"containerStatuses", {{{"name", "main"}, {"ready", true}, {"restartCount", 0},
                                         {"state", {{"running", {{"startedAt", "2026-12-04T15:00:00Z"}}}}}}}}};
  ASSERT_EQ(server.request("PUT", kPods + "/col/status", p.dump()).status, 200);
  EXPECT_THAT(ok({"get", "pods"}).output,
              ::testing::MatchesRegex("NAME +READY +STATUS +RESTARTS +AGE *\ncol +1/1 +Running +0 +[0-9]+s *\n"));
  EXPECT_THAT(ok({"get", "pods", "-o", "wide"}).output, ::testing::ContainsRegex("col +1/1 +Running +0 +[0-9]+s +127.0.0.1 +node-a"));
  server.request("DELETE", kPods + "/col");
  EXPECT_THAT(ok({"get", "pod", "col"}).output, HasSubstr("Terminating"));
}
