#include <gtest/gtest.h>

#include "executor/agent/agent_env.hpp"

namespace redraft::executor {
namespace {

api::EnvVar plain(std::string name, std::string value) {
  api::EnvVar v;
  v.name = std::move(name);
  v.value = std::move(value);
  return v;
}

api::EnvVar from_secret(std::string name) {
  api::EnvVar v;
  v.name = std::move(name);
  v.valueFrom = api::EnvVarSource{};
  v.valueFrom->secretKeyRef = api::KeySelector{"llm", "key", std::nullopt};
  return v;
}

TEST(CredentialNames, Classification) {
  for (const char* n : {"GIT_ASKPASS", "GIT_SSH_COMMAND", "git_dir", "REDRAFT_GIT_TOKEN",
                        "SSH_AUTH_SOCK", "SSH_ASKPASS", "GITHUB_TOKEN", "GH_TOKEN", "MY_PASSWORD",
                        "AWS_CREDENTIALS"}) {
    EXPECT_TRUE(is_credential_like(n)) << n;
  }
  for (const char* n : {"PATH", "HOME", "ANTHROPIC_API_KEY", "LANG", "EDITOR"}) {
    EXPECT_FALSE(is_credential_like(n)) << n;
  }
  EXPECT_TRUE(is_inherited_name("LC_ALL"));
  EXPECT_TRUE(is_inherited_name("TMPDIR"));
  EXPECT_FALSE(is_inherited_name("SHELL"));
}

TEST(BuildAgentEnv, OnlyAllowListIsInherited) {
  EnvMap parent{{"PATH", "/usr/bin"},        {"HOME", "/home/x"},
                {"LC_ALL", "C.UTF-8"},       {"GIT_ASKPASS", "/bin/helper"},
                {"GITHUB_TOKEN", "ghp_x"},   {"REDRAFT_GIT_PASSWORD", "pw"},
                {"SSH_AUTH_SOCK", "/tmp/s"}, {"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                {"RANDOM_VAR", "x"}};
  auto r = build_agent_env(parent, {}, {{"REDRAFT_TASK_KIND", "code"}});
  EXPECT_EQ(r.env, (EnvMap{{"PATH", "/usr/bin"}, {"HOME", "/home/x"}, {"LC_ALL", "C.UTF-8"},
                           {"REDRAFT_TASK_KIND", "code"}}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(BuildAgentEnv, DeclaredValuesPassGitNamesRefused) {
  auto r = build_agent_env({}, {plain("MODEL", "big"), plain("EMPTY", ""),
                                plain("GIT_SSH_COMMAND", "ssh -i key"),
                                plain("REDRAFT_GIT_TOKEN", "t"), plain("GITLAB_TOKEN", "t")},
                           {});
  EXPECT_EQ(r.env, (EnvMap{{"MODEL", "big"}, {"EMPTY", ""}}));
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_NE(r.warnings[0].find("GIT_SSH_COMMAND"), std::string::npos);
  EXPECT_NE(r.warnings[1].find("REDRAFT_GIT_TOKEN"), std::string::npos);
  EXPECT_NE(r.warnings[2].find("GITLAB_TOKEN"), std::string::npos);
}

TEST(BuildAgentEnv, ValueFromTakenFromEnvironmentOrSkippedWithWarning) {
  // In a Pod the kubelet resolved it; locally it is absent.
  auto pod = build_agent_env({{"ANTHROPIC_API_KEY", "sk-1"}}, {from_secret("ANTHROPIC_API_KEY")}, {});
  EXPECT_EQ(pod.env.at("ANTHROPIC_API_KEY"), "sk-1");
  EXPECT_TRUE(pod.warnings.empty());

  auto local = build_agent_env({}, {from_secret("ANTHROPIC_API_KEY")}, {});
  EXPECT_EQ(local.env.count("ANTHROPIC_API_KEY"), 0u);
  ASSERT_EQ(local.warnings.size(), 1u);
  EXPECT_NE(local.warnings[0].find("ANTHROPIC_API_KEY"), std::string::npos);
  EXPECT_NE(local.warnings[0].find("valueFrom"), std::string::npos);
}

TEST(BuildAgentEnv, RedraftVariablesWinAndSecretsNeverPass) {
  auto r = build_agent_env({{"PATH", "/bin"}, {"HOME", "/home/tok-SECRET"}},
                           {plain("REDRAFT_PROMPT_FILE", "/evil"), plain("NOTE", "has tok-SECRET")},
                           {{"REDRAFT_PROMPT_FILE", "/state/prompt.md"}}, {"tok-SECRET"});
  EXPECT_EQ(r.env.at("REDRAFT_PROMPT_FILE"), "/state/prompt.md");
  EXPECT_EQ(r.env.count("HOME"), 0u);
  EXPECT_EQ(r.env.count("NOTE"), 0u);
  EXPECT_EQ(r.env.at("PATH"), "/bin");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("NOTE"), std::string::npos);
  EXPECT_EQ(r.warnings[0].find("tok-SECRET"), std::string::npos);
}

}  // namespace
}  // namespace redraft::executor
