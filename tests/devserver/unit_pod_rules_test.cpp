// Pod registry rules without HTTP: pods/binding decisions, the grace period a DELETE gives,
// graceful deletion steps, and the same rules applied by ResourceStore (cascade included).
#include "api_errors.hpp"
#include "pod_rules.hpp"
#include "resource_store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>

using namespace redraft::devserver;
using nlohmann::json;

namespace {

json pod(const std::string& node = "", const std::string& phase = "Pending",
         std::optional<long> termination_grace = std::nullopt) {
  json p = {{"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "u-1"}}},
            {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}},
            {"status", {{"phase", phase}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  if (termination_grace) p["spec"]["terminationGracePeriodSeconds"] = *termination_grace;
  return p;
}

json binding(const std::string& node, const std::string& name = "p") {
  return {{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", name}}},
          {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
}

struct Failure {
  int code = 0;
  std::string reason, message;
};

Failure failure_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return {e.code(), e.reason(), e.what()};
  }
  return {};
}

const std::string kNow = "2026-12-04T15:00:00Z";

}  // namespace

TEST(PodBinding, SetsNodeNameAndPodScheduled) {
  json b = binding("n1");
  b["metadata"]["annotations"] = {{"scheduled-by", "test"}};
  const json out = bind_pod(pod(), b, "p", kNow);
  EXPECT_EQ(out["spec"]["nodeName"], "n1");
  EXPECT_EQ(out["metadata"]["annotations"]["scheduled-by"], "test");
  ASSERT_EQ(out["status"]["conditions"].size(), 1u);
  EXPECT_EQ(out["status"]["conditions"][0]["type"], "PodScheduled");
  EXPECT_EQ(out["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ(out["status"]["phase"], "Pending");
  // POST .../bindings names the pod in the Binding; an empty Binding name takes the URL's.
  EXPECT_EQ(bind_pod(pod(), binding("n2"), "", kNow)["spec"]["nodeName"], "n2");
  EXPECT_EQ(bind_pod(pod(), binding("n3", ""), "p", kNow)["spec"]["nodeName"], "n3");
}

TEST(PodBinding, RefusalsLookLikeKubeApiserver) {
  struct Case {
    const char* what;
    json pod, binding;
    std::string url_name;
    int code;
    std::string reason, message;
  };
  json terminating = pod();
  terminating["metadata"]["deletionTimestamp"] = kNow;
  json wrong_uid = binding("n1");
  wrong_uid["metadata"]["uid"] = "other";
  json bad_kind = binding("n1");
  bad_kind["target"]["kind"] = "Pod";
  const std::vector<Case> cases = {
      {"already bound", pod("n0"), binding("n1"), "p", 409, "Conflict",
       "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"n0\""},
      {"being deleted", terminating, binding("n1"), "p", 409, "Conflict",
       "Operation cannot be fulfilled on pods/binding \"p\": pod p is being deleted, cannot be assigned to a host"},
      {"uid precondition", pod(), wrong_uid, "p", 409, "Conflict",
       "Operation cannot be fulfilled on pods \"p\": Precondition failed: UID in precondition: other, UID in object meta: u-1"},
      {"names differ", pod(), binding("n1", "q"), "p", 400, "BadRequest",
       "name in URL does not match name in Binding object"},
      {"no target name", pod(), binding(""), "p", 422, "Invalid",
       "Binding \"p\" is invalid: target.name: Required value"},
      {"target not a node", pod(), bad_kind, "p", 422, "Invalid",
       "Binding \"p\" is invalid: target.kind: Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\""},
  };
  for (const auto& c : cases) {
    const Failure f = failure_of([&] { bind_pod(c.pod, c.binding, c.url_name, kNow); });
    EXPECT_EQ(f.code, c.code) << c.what;
    EXPECT_EQ(f.reason, c.reason) << c.what;
    EXPECT_EQ(f.message, c.message) << c.what;
  }
}

TEST(PodGracePeriod, FollowsThePodStrategy) {
  struct Case {
    const char* what;
    json pod;
    std::optional<long> requested;
    long want;
  };
  const std::vector<Case> cases = {
      {"bound running, default", pod("n", "Running"), std::nullopt, 30},
      {"bound pending counts too", pod("n", "Pending"), std::nullopt, 30},
      {"spec grace", pod("n", "Running", 5), std::nullopt, 5},
      {"request beats spec", pod("n", "Running", 5), 2, 2},
      {"request 0", pod("n", "Running"), 0, 0},
      {"negative becomes 1", pod("n", "Running"), -3, 1},
      {"unbound: at once", pod("", "Pending", 60), std::nullopt, 0},
      {"succeeded: at once", pod("n", "Succeeded"), std::nullopt, 0},
      {"failed: at once", pod("n", "Failed"), 10, 0},
  };
  for (const auto& c : cases) EXPECT_EQ(pod_grace_period(c.pod, c.requested), c.want) << c.what;
}

TEST(GracefulDeletion, MarksPendsShortensAndProceeds) {
  const auto now = *parse_rfc3339(kNow);
  using A = GracefulDeletion::Action;

  auto fresh = decide_graceful_deletion(pod("n", "Running"), 30, std::nullopt, now);
  EXPECT_EQ(fresh.action, A::kMark);
  EXPECT_EQ(fresh.object["metadata"]["deletionTimestamp"], "2026-12-04T15:00:30Z");  // end of grace
  EXPECT_EQ(fresh.object["metadata"]["deletionGracePeriodSeconds"], 30);

  EXPECT_EQ(decide_graceful_deletion(pod(), 0, std::nullopt, now).action, A::kProceed);

  const json marked = fresh.object;
  EXPECT_EQ(decide_graceful_deletion(marked, 30, std::nullopt, now).action, A::kPending);
  EXPECT_EQ(decide_graceful_deletion(marked, 30, 30, now).action, A::kPending);
  EXPECT_EQ(decide_graceful_deletion(marked, 30, 60, now).action, A::kPending);  // only shorter

  auto shorter = decide_graceful_deletion(marked, 30, 10, now);
  EXPECT_EQ(shorter.action, A::kMark);
  EXPECT_EQ(shorter.object["metadata"]["deletionTimestamp"], "2026-12-04T15:00:10Z");
  EXPECT_EQ(shorter.object["metadata"]["deletionGracePeriodSeconds"], 10);

  auto zero = decide_graceful_deletion(marked, 30, 0, now);
  EXPECT_EQ(zero.action, A::kProceed);
  EXPECT_EQ(zero.object["metadata"]["deletionGracePeriodSeconds"], 0);
  EXPECT_EQ(zero.object["metadata"]["deletionTimestamp"], kNow);

  json over = marked;
  over["metadata"]["deletionGracePeriodSeconds"] = 0;
  EXPECT_EQ(decide_graceful_deletion(over, 30, std::nullopt, now).action, A::kProceed);
}

// The same rules through ResourceStore: what the node and the garbage collector see.
class PodStoreTest : public ::testing::Test {
 protected:
  ResourceInfo info(const std::string& group, const std::string& plural) {
    auto i = store.resolve(group, "v1", plural);
    EXPECT_TRUE(i) << plural;
    return *i;
  }
  json create_pod(const std::string& name, const std::string& node, json owner = nullptr) {
    json p = pod(node);
    p["metadata"] = {{"name", name}};
    if (!owner.is_null())
      p["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                                            {"name", owner["metadata"]["name"]},
                                            {"uid", owner["metadata"]["uid"]}, {"controller", true},
                                            {"blockOwnerDeletion", true}}};
    return store.create(pods, "default", p);
  }
  bool exists(const std::string& name) {
    return failure_of([&] { store.get(pods, "default", name); }).code == 0;
  }
  ResourceStore store{1000};
  ResourceInfo pods = info("", "pods");
};

TEST_F(PodStoreTest, BoundPodIsMarkedUntilTheNodeDeletesWithGraceZero) {
  create_pod("run", "n1");
  const json marked = store.remove(pods, "default", "run");
  EXPECT_TRUE(marked["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(marked["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_TRUE(exists("run"));
  // A second plain DELETE changes nothing (same resourceVersion).
  EXPECT_EQ(store.remove(pods, "default", "run")["metadata"]["resourceVersion"],
            marked["metadata"]["resourceVersion"]);
  DeleteOptions now;
  now.grace_period_seconds = 0;
  now.precondition_uid = marked["metadata"]["uid"];
  store.remove(pods, "default", "run", now);
  EXPECT_FALSE(exists("run"));
}

TEST_F(PodStoreTest, UnboundAndFinishedPodsGoAtOnce) {
  create_pod("pending", "");
  store.remove(pods, "default", "pending");
  EXPECT_FALSE(exists("pending"));
  json done = create_pod("done", "n1");
  done["status"]["phase"] = "Succeeded";
  store.update(pods, "default", "done", done, "status");
  store.remove(pods, "default", "done");
  EXPECT_FALSE(exists("done"));
}

TEST_F(PodStoreTest, FinalizersAndGraceBothHold) {
  json p = create_pod("fin", "n1");
  p["metadata"]["finalizers"] = {"example.com/keep"};
  p = store.update(pods, "default", "fin", p, "");
  store.remove(pods, "default", "fin");
  // Removing the finalizer during the grace period does not remove the pod: the node has not
  // finished it yet.
  json cur = store.get(pods, "default", "fin");
  cur["metadata"].erase("finalizers");
  store.update(pods, "default", "fin", cur, "");
  EXPECT_TRUE(exists("fin"));
  // Grace 0 with no finalizer left: gone.
  DeleteOptions now;
  now.grace_period_seconds = 0;
  store.remove(pods, "default", "fin", now);
  EXPECT_FALSE(exists("fin"));

  // The other order: grace 0 while a finalizer holds it keeps it marked with grace 0; removing
  // the finalizer then removes it.
  json q = create_pod("fin2", "n1");
  q["metadata"]["finalizers"] = {"example.com/keep"};
  store.update(pods, "default", "fin2", q, "");
  store.remove(pods, "default", "fin2");
  const json held = store.remove(pods, "default", "fin2", now);
  EXPECT_EQ(held["metadata"]["deletionGracePeriodSeconds"], 0);
  EXPECT_TRUE(exists("fin2"));
  json cur2 = store.get(pods, "default", "fin2");
  cur2["metadata"].erase("finalizers");
  store.update(pods, "default", "fin2", cur2, "");
  EXPECT_FALSE(exists("fin2"));
}

TEST_F(PodStoreTest, CascadeDeletionIsGracefulForRunningPods) {
  const ResourceInfo cms = info("", "configmaps");
  const json owner = store.create(cms, "default", {{"metadata", {{"name", "owner"}}}});
  create_pod("owned-running", "n1", owner);
  create_pod("owned-pending", "", owner);
  store.remove(cms, "default", "owner");
  EXPECT_FALSE(exists("owned-pending"));
  ASSERT_TRUE(exists("owned-running"));
  EXPECT_TRUE(store.get(pods, "default", "owned-running")["metadata"].contains("deletionTimestamp"));
}

TEST_F(PodStoreTest, BindSetsNodeNameOnceAndIsSeenByFieldSelectors) {
  create_pod("b", "");
  store.bind("default", "b", binding("n1", "b"));
  EXPECT_EQ(store.get(pods, "default", "b")["spec"]["nodeName"], "n1");
  EXPECT_EQ(failure_of([&] { store.bind("default", "b", binding("n2", "b")); }).code, 409);
  EXPECT_EQ(failure_of([&] { store.bind("default", "nope", binding("n2", "nope")); }).code, 404);
  ListOptions on_n1;
  on_n1.field_selector = "spec.nodeName=n1";
  EXPECT_EQ(store.list(pods, "", on_n1).items.size(), 1u);
  on_n1.field_selector = "spec.nodeName=n2";
  EXPECT_EQ(store.list(pods, "", on_n1).items.size(), 0u);
}
