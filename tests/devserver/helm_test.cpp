// helm v3 install / upgrade / uninstall of a small chart against the devserver.
#include "devserver_fixture.hpp"

#include <gtest/gtest.h>
#include <gmock/gmock.h>

using redraft::testing::DevServer;
using nlohmann::json;
using ::testing::HasSubstr;

TEST(Helm, InstallUpgradeUninstall) {
  DevServer server;
  const std::string chart = std::string(REDRAFT_SOURCE_DIR) + "/tests/devserver/testchart";
  auto install = server.helm({"install", "rel", chart, "--namespace", "default"});
  ASSERT_EQ(install.exit_code, 0) << install.output;
  EXPECT_THAT(install.output, HasSubstr("STATUS: deployed"));

  auto list = server.helm({"list", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  const json releases = json::parse(list.output);
  ASSERT_EQ(releases.size(), 1u);
  EXPECT_EQ(releases[0]["name"], "rel");
  EXPECT_EQ(releases[0]["status"], "deployed");

  auto objects = server.kubectl({"get", "configmap,serviceaccount,deployment,service,role,rolebinding", "-o", "name"});
  ASSERT_EQ(objects.exit_code, 0) << objects.output;
  for (const char* o : {"configmap/rel-config", "serviceaccount/rel-sa", "deployment.apps/rel-app", "service/rel-svc",
                        "role.rbac.authorization.k8s.io/rel-role", "rolebinding.rbac.authorization.k8s.io/rel-binding"})
    EXPECT_THAT(objects.output, HasSubstr(o));

  auto upgrade = server.helm({"upgrade", "rel", chart, "--set", "greeting=bye"});
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.output;
  EXPECT_EQ(server.kubectl({"get", "configmap", "rel-config", "-o", "jsonpath={.data.greeting}"}).output, "bye");
  auto env = server.kubectl({"get", "deployment", "rel-app", "-o", "jsonpath={.spec.template.spec.containers[0].env[0].value}"});
  EXPECT_EQ(env.output, "bye");

  auto uninstall = server.helm({"uninstall", "rel"});
  ASSERT_EQ(uninstall.exit_code, 0) << uninstall.output;
  auto after = server.kubectl({"get", "configmap,deployment,service,secret", "-o", "name"});
  ASSERT_EQ(after.exit_code, 0) << after.output;
  EXPECT_THAT(after.output, ::testing::Not(HasSubstr("rel-")));
  EXPECT_THAT(after.output, ::testing::Not(HasSubstr("sh.helm.release")));  // release records gone too
}
