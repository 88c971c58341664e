// The real kubectl (1.32) against the devserver: apply, printer columns, schema rejections,
// describe with events, cascading delete, wait, and the project's own CRDs and examples.
#include "devserver_fixture.hpp"
#include "kubectl_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

using redraft::testing::CommandResult;
using redraft::testing::DevServer;
using nlohmann::json;
using ::testing::HasSubstr;

namespace {

std::string src(const std::string& rel) { return std::string(REDRAFT_SOURCE_DIR) + "/" + rel; }
std::string testdata(const std::string& f) { return src("tests/devserver/testdata/" + f); }

class KubectlTest : public redraft::testing::KubectlFixture {
 protected:
  void install_gizmos() {
    ok({"apply", "-f", testdata("gizmo-crd.yaml")});
    ok({"apply", "--validate=false", "-f", testdata("gizmos.yaml")});
  }
};

}  // namespace

TEST_F(KubectlTest, PrinterColumnsShowInGet) {
  install_gizmos();
  ok({"patch", "gizmo", "alpha", "--subresource=status", "--type=merge", "-p", R"({"status":{"phase":"Running"}})"});
  const auto r = ok({"get", "gz"});
  std::istringstream lines(r.output);
  std::string header, first;
  std::getline(lines, header);
  std::getline(lines, first);
  EXPECT_THAT(header, ::testing::MatchesRegex("NAME +ROLE +SIZE +PHASE +AGE *"));
  EXPECT_THAT(first, ::testing::MatchesRegex("alpha +coder +3 +Running +[0-9]+s *"));
  // Categories and short names resolve through discovery.
  EXPECT_THAT(ok({"get", "redraft-test", "-o", "name"}).output, HasSubstr("gizmo.test.redraft.dev/beta"));
  const json alpha = json::parse(ok({"get", "gizmo", "alpha", "-o", "json"}).output);
  EXPECT_EQ(alpha["spec"]["strategy"], "rebase");         // schema default
  EXPECT_FALSE(alpha["spec"].contains("unknownField"));  // pruned
  EXPECT_THAT(ok({"get", "gizmo", "alpha", "-o", "yaml"}).output, HasSubstr("role: coder"));
}

TEST_F(KubectlTest, InvalidObjectIsRefusedNamingTheField) {
  ok({"apply", "-f", testdata("gizmo-crd.yaml")});
  const auto bad = server.kubectl({"apply", "-f", testdata("bad-gizmo.yaml")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("spec.role: Unsupported value: \"boss\": supported values: \"coder\", \"reviewer\""));
  EXPECT_THAT(bad.output, HasSubstr("spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"));
  // kubectl's default --validate=strict makes the server refuse unknown fields by name.
  const auto unknown = server.kubectl({"apply", "-f", testdata("gizmos.yaml")});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("unknown field \"spec.unknownField\""));
  EXPECT_NE(server.kubectl({"get", "gizmo", "broken"}).exit_code, 0);
}

TEST_F(KubectlTest, DescribeShowsEventsAboutTheObject) {
  install_gizmos();
  const std::string uid = ok({"get", "gizmo", "alpha", "-o", "jsonpath={.metadata.uid}"}).output;
  const json event = {{"apiVersion", "v1"}, {"kind", "Event"},
                      {"metadata", {{"name", "alpha.1"}, {"namespace", "default"}}},
                      {"involvedObject", {{"apiVersion", "test.redraft.dev/v1"}, {"kind", "Gizmo"}, {"name", "alpha"},
                                          {"namespace", "default"}, {"uid", uid}}},
                      {"reason", "GizmoPolished"}, {"message", "polished to a shine"}, {"type", "Normal"},
                      {"count", 1}, {"source", {{"component", "gizmo-controller"}}},
                      {"firstTimestamp", "2026-01-01T00:00:00Z"}, {"lastTimestamp", "2026-01-01T00:00:00Z"}};
  ok({"apply", "-f", "-"}, event.dump());
  // An event about another object must not show up.
  json other = event;
  other["metadata"]["name"] = "beta.1";
  other["involvedObject"]["name"] = "beta";
  other["involvedObject"]["uid"] = "00000000-0000-0000-0000-000000000000";
  other["reason"] = "NotForAlpha";
  ok({"apply", "-f", "-"}, other.dump());
  const auto d = ok({"describe", "gizmo", "alpha"});
  EXPECT_THAT(d.output, HasSubstr("Events:"));
  EXPECT_THAT(d.output, ::testing::ContainsRegex("Normal +GizmoPolished +.* +gizmo-controller +polished to a shine"));
  EXPECT_THAT(d.output, ::testing::Not(HasSubstr("NotForAlpha")));
  const auto events = ok({"get", "events"});
  EXPECT_THAT(events.output, ::testing::ContainsRegex("LAST SEEN +TYPE +REASON +OBJECT +MESSAGE"));
  EXPECT_THAT(events.output, ::testing::ContainsRegex("Normal +GizmoPolished +alpha +polished to a shine"));
}

TEST_F(KubectlTest, DeleteCascadesToOwnedObjects) {
  ok({"create", "configmap", "parent", "--from-literal=a=b"});  // protobuf body from kubectl
  const std::string uid = ok({"get", "configmap", "parent", "-o", "jsonpath={.metadata.uid}"}).output;
  for (const char* name : {"child-1", "child-2"}) {
    json child = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
    child["metadata"]["ownerReferences"] = json::array(
        {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "parent"}, {"uid", uid}}});
    ok({"apply", "-f", "-"}, child.dump());
  }
  ok({"create", "configmap", "bystander"});
  ok({"delete", "configmap", "parent"});
  const auto left = ok({"get", "configmaps", "-o", "name"}).output;
  EXPECT_THAT(left, HasSubstr("configmap/bystander"));
  EXPECT_THAT(left, ::testing::Not(HasSubstr("child-")));
  EXPECT_THAT(left, ::testing::Not(HasSubstr("parent")));
}

TEST_F(KubectlTest, WaitForJsonPathSeesTheChange) {
  install_gizmos();
  const auto early = server.kubectl({"wait", "--for=jsonpath={.status.phase}=Ready", "gizmo/alpha", "--timeout=2s"});
  EXPECT_NE(early.exit_code, 0) << early.output;  // not ready yet: wait must not pass
  auto waiting = std::async(std::launch::async, [&] {
    return server.kubectl({"wait", "--for=jsonpath={.status.phase}=Ready", "gizmo/alpha", "--timeout=90s"});
  });
  ok({"patch", "gizmo", "alpha", "--subresource=status", "--type=merge", "-p", R"({"status":{"phase":"Ready"}})"});
  const auto done = waiting.get();
  EXPECT_EQ(done.exit_code, 0) << done.output;
  EXPECT_THAT(done.output, HasSubstr("condition met"));
}

TEST_F(KubectlTest, ClientSideApplyUpdatesBuiltinsWithStrategicMerge) {
  const std::string v1 = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
    "spec":{"containers":[{"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}}})";
  ok({"apply", "-f", "-"}, v1);
  std::string v2 = v1;
  v2.replace(v2.find("app:1"), 5, "app:2");
  v2.replace(v2.find(R"(,{"name":"B","value":"2"})"), std::string(R"(,{"name":"B","value":"2"})").size(), "");
  EXPECT_THAT(ok({"apply", "-f", "-"}, v2).output, HasSubstr("configured"));
  const json d = json::parse(ok({"get", "deployment", "web", "-o", "json"}).output);
  const json& c = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["image"], "app:2");
  ASSERT_EQ(c["env"].size(), 1u);  // B removed by the three-way patch
  EXPECT_EQ(c["env"][0]["name"], "A");
  EXPECT_EQ(d["metadata"]["generation"], 2);
  EXPECT_THAT(ok({"apply", "-f", "-"}, v2).output, HasSubstr("unchanged"));
}

TEST_F(KubectlTest, WatchPrintsRowsAndServerSideApplyIsRefusedClearly) {
  auto watching = std::async(std::launch::async, [&] {
    return server.kubectl({"get", "configmaps", "--watch", "--request-timeout=15s"});
  });
  // Create only once kubectl's watch is open, so the row must come through the watch stream.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server.open_watches() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the server's count
  ASSERT_EQ(server.open_watches(), 1);
  ok({"create", "configmap", "watched"});
  const auto w = watching.get();
  EXPECT_THAT(w.output, ::testing::ContainsRegex("watched +[0-9]+s"));
  const auto ssa = server.kubectl({"apply", "--server-side", "-f", testdata("gizmo-crd.yaml")});
  EXPECT_NE(ssa.exit_code, 0);
  EXPECT_THAT(ssa.output, HasSubstr("server-side apply"));
}

TEST_F(KubectlTest, AuthCanIAnswersYesBecauseNothingIsEnforced) {
  const auto r = ok({"auth", "can-i", "create", "pods"});
  EXPECT_THAT(r.output, HasSubstr("yes"));
}

TEST_F(KubectlTest, ImperativeCreatesAndNamespaces) {
  ok({"create", "namespace", "team-a"});
  ok({"-n", "team-a", "create", "secret", "generic", "creds", "--from-literal=token=abc"});
  ok({"-n", "team-a", "create", "serviceaccount", "bot"});
  const json s = json::parse(ok({"-n", "team-a", "get", "secret", "creds", "-o", "json"}).output);
  EXPECT_EQ(s["data"]["token"], "YWJj");
  EXPECT_THAT(ok({"get", "ns"}).output, HasSubstr("team-a"));
  ok({"delete", "namespace", "team-a"});
  EXPECT_NE(server.kubectl({"-n", "team-a", "get", "secret", "creds"}).exit_code, 0);
}

TEST_F(KubectlTest, ProjectCrdsAndExamplesApply) {
  ok({"apply", "-f", src("config/crd/")});
  ok({"apply", "-R", "-f", src("examples/")});
  const auto r = ok({"get", "rdat,rdwl,rdag"});
  // Every printer column each project CRD declares appears as a header.
  int columns = 0;
  for (const auto& entry : std::filesystem::directory_iterator(src("config/crd"))) {
    const YAML::Node crd = YAML::LoadFile(entry.path().string());
    for (const auto& version : crd["spec"]["versions"])
      for (const auto& col : version["additionalPrinterColumns"]) {
        if (col["priority"] && col["priority"].as<int>() > 0) continue;  // only with -o wide
        std::string name = col["name"].as<std::string>();
        for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        EXPECT_THAT(r.output, HasSubstr(name)) << entry.path();
        ++columns;
      }
  }
  EXPECT_GT(columns, 0) << "the project CRDs declare no printer columns";
  EXPECT_THAT(r.output, HasSubstr("agent.redraft.dev/"));
  EXPECT_THAT(r.output, HasSubstr("workload.redraft.dev/"));
  EXPECT_THAT(r.output, HasSubstr("agentictask.redraft.dev/"));
}
