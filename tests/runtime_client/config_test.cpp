// Kubeconfig and in-cluster configuration loading, from files in a temporary folder.
#include "operator/runtime/client/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/runtime_client/test_support.hpp"

namespace redraft::runtime {
namespace {

using test::TempDir;
using test::write_file;

// base64 of "CA-PEM", "CERT-PEM", "KEY-PEM"
constexpr const char* kCaB64 = "Q0EtUEVN";
constexpr const char* kCertB64 = "Q0VSVC1QRU0=";
constexpr const char* kKeyB64 = "S0VZLVBFTQ==";

std::string config_error(const std::function<void()>& fn) { return test::what_thrown<ConfigError>(fn); }

std::string two_contexts(const std::string& user_a, const std::string& cluster_a) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
         "clusters:\n"
         "- name: ca\n  cluster:\n" + cluster_a +
         "- name: cb\n  cluster:\n    server: http://127.0.0.1:9\n    insecure-skip-tls-verify: true\n"
         "users:\n"
         "- name: ua\n  user:\n" + user_a +
         "- name: ub\n  user:\n    username: admin\n    password: pw\n"
         "contexts:\n"
         "- name: a\n  context: {cluster: ca, user: ua, namespace: team-a}\n"
         "- name: b\n  context: {cluster: cb, user: ub}\n";
}

TEST(Base64Decode, StandardUrlSafeAndWhitespace) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8"), "hello");
  EXPECT_EQ(base64_decode("aGVs\nbG8="), "hello");
  EXPECT_EQ(base64_decode("-_8="), std::string("\xfb\xff", 2));
  EXPECT_THROW(base64_decode("a*b"), std::invalid_argument);
  EXPECT_THROW(base64_decode("aGVsbG8=x"), std::invalid_argument);
}

TEST(LoadKubeconfig, TokenAndInlineData) {
  TempDir dir;
  write_file(dir / "config",
             two_contexts(std::string("    token: secret-token\n    client-certificate-data: ") +
                              kCertB64 + "\n    client-key-data: " + kKeyB64 + "\n",
                          std::string("    server: https://127.0.0.1:6443/prefix\n"
                                      "    certificate-authority-data: ") +
                              kCaB64 + "\n    tls-server-name: api.local\n"));
  RestConfig c = load_kubeconfig(dir / "config");
  EXPECT_EQ(c.server, "https://127.0.0.1:6443/prefix");
  EXPECT_EQ(c.bearer_token, "secret-token");
  EXPECT_EQ(c.ca_pem, "CA-PEM");
  EXPECT_EQ(c.client_cert_pem, "CERT-PEM");
  EXPECT_EQ(c.client_key_pem, "KEY-PEM");
  EXPECT_EQ(c.tls_server_name, "api.local");
  EXPECT_EQ(c.default_namespace, "team-a");
  EXPECT_FALSE(c.insecure_skip_tls_verify);
  EXPECT_FALSE(c.exec.has_value());
}

TEST(LoadKubeconfig, ExplicitContextBasicAuthAndInsecure) {
  TempDir dir;
  write_file(dir / "config", two_contexts("    token: t\n", "    server: https://x:1\n"));
  RestConfig c = load_kubeconfig(dir / "config", "b");
  EXPECT_EQ(c.server, "http://127.0.0.1:9");
  EXPECT_TRUE(c.insecure_skip_tls_verify);
  EXPECT_EQ(c.username, "admin");
  EXPECT_EQ(c.password, "pw");
  EXPECT_TRUE(c.bearer_token.empty());
  EXPECT_TRUE(c.default_namespace.empty());
}

TEST(LoadKubeconfig, FilesRelativeToTheKubeconfigFolder) {
  TempDir dir;
  write_file(dir / "kube" / "ca.crt", "CA-FROM-FILE");
  write_file(dir / "kube" / "certs" / "c.crt", "CERT-FROM-FILE");
  write_file(dir / "kube" / "certs" / "c.key", "KEY-FROM-FILE");
  write_file(dir / "kube" / "token", "file-token\n");
  write_file(dir / "kube" / "config",
             two_contexts("    tokenFile: token\n    client-certificate: certs/c.crt\n"
                          "    client-key: " + (dir / "kube" / "certs" / "c.key").string() + "\n",
                          "    server: https://127.0.0.1:1\n    certificate-authority: ca.crt\n"));
  RestConfig c = load_kubeconfig(dir / "kube" / "config");
  EXPECT_EQ(c.ca_pem, "CA-FROM-FILE");
  EXPECT_EQ(c.client_cert_pem, "CERT-FROM-FILE");
  EXPECT_EQ(c.client_key_pem, "KEY-FROM-FILE");
  EXPECT_EQ(c.token_file, dir / "kube" / "token");
  EXPECT_TRUE(c.bearer_token.empty());  // the file is read by the client, per request
}

TEST(LoadKubeconfig, ExecPlugin) {
  TempDir dir;
  write_file(dir / "config",
             two_contexts("    exec:\n"
                          "      apiVersion: client.authentication.k8s.io/v1beta1\n"
                          "      command: ./bin/get-token\n"
                          "      args: [--cluster, dev]\n"
                          "      env: [{name: REGION, value: eu}]\n"
                          "      provideClusterInfo: true\n"
                          "      installHint: install get-token\n",
                          "    server: https://127.0.0.1:1\n"));
  RestConfig c = load_kubeconfig(dir / "config");
  ASSERT_TRUE(c.exec.has_value());
  EXPECT_EQ(c.exec->api_version, "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(c.exec->command, (dir.path() / "./bin/get-token").string());
  EXPECT_EQ(c.exec->args, (std::vector<std::string>{"--cluster", "dev"}));
  ASSERT_EQ(c.exec->env.size(), 1u);
  EXPECT_EQ(c.exec->env[0].first, "REGION");
  EXPECT_EQ(c.exec->env[0].second, "eu");
  EXPECT_TRUE(c.exec->provide_cluster_info);
  EXPECT_EQ(c.exec->install_hint, "install get-token");
}

TEST(LoadKubeconfig, ErrorsNameTheFieldAndNeverTheSecret) {
  TempDir dir;
  const std::string file = (dir / "config").string();
  auto load_with = [&](const std::string& user, const std::string& cluster) {
    write_file(dir / "config", two_contexts(user, cluster));
    return config_error([&] { load_kubeconfig(dir / "config"); });
  };
  EXPECT_EQ(load_with("    client-key-data: '!!not base64 hunter2'\n    client-certificate-data: " +
                          std::string(kCertB64) + "\n",
                      "    server: https://h:1\n"),
            "kubeconfig " + file + ": users[0].user.client-key-data: invalid base64");
  EXPECT_EQ(load_with("    token: t\n", "    insecure-skip-tls-verify: true\n"),
            "kubeconfig " + file + ": clusters[0].cluster.server: required");
  EXPECT_EQ(load_with(std::string("    client-certificate-data: ") + kCertB64 + "\n",
                      "    server: https://h:1\n"),
            "kubeconfig " + file + ": users[0].user.client-key: required together with client-certificate");
  EXPECT_EQ(load_with("    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n",
                      "    server: https://h:1\n"),
            "kubeconfig " + file +
                ": users[0].user.exec.apiVersion: unsupported value "
                "\"client.authentication.k8s.io/v1alpha1\" (client.authentication.k8s.io/v1 or /v1beta1)");
  EXPECT_EQ(load_with("    auth-provider: {name: gcp}\n", "    server: https://h:1\n"),
            "kubeconfig " + file + ": users[0].user.auth-provider: not supported (use an exec credential plugin)");
  EXPECT_EQ(load_with("    tokenFile: missing-token\n", "    server: https://h:1\n"),
            "kubeconfig " + file + ": users[0].user.tokenFile: cannot read file " +
                (dir / "missing-token").string());
  EXPECT_EQ(load_with("    token: t\n", "    server: https://h:1\n    insecure-skip-tls-verify: maybe\n"),
            "kubeconfig " + file + ": clusters[0].cluster.insecure-skip-tls-verify: must be true or false");
  EXPECT_EQ(config_error([&] { load_kubeconfig(dir / "config", "nope"); }),
            "kubeconfig " + file + ": contexts: no entry named \"nope\"");
}

TEST(LoadKubeconfig, AnUnusableServerNamesTheFieldWithoutItsUserinfo) {
  TempDir dir;
  const std::string file = (dir / "config").string();
  auto load_with_server = [&](const std::string& server) {
    write_file(dir / "config", two_contexts("    token: t\n", "    server: '" + server + "'\n"));
    return config_error([&] { load_kubeconfig(dir / "config"); });
  };
  EXPECT_EQ(load_with_server("https://u:secret@bad host"),
            "kubeconfig " + file + ": clusters[0].cluster.server: not an absolute URL: \"https://***@bad host\"");
  EXPECT_EQ(load_with_server("https://u:secret@h:6443"),
            "kubeconfig " + file + ": clusters[0].cluster.server: must not contain user information");
  EXPECT_EQ(load_with_server("ftp://h"),
            "kubeconfig " + file + ": clusters[0].cluster.server: unsupported scheme \"ftp\" (http or https)");
}

TEST(LoadKubeconfig, UnreadableOrMalformedFile) {
  TempDir dir;
  EXPECT_EQ(config_error([&] { load_kubeconfig(dir / "absent"); }),
            "kubeconfig " + (dir / "absent").string() + ": cannot read file");
  write_file(dir / "bad", "clusters: [\n  - {name: x\n");
  EXPECT_NE(config_error([&] { load_kubeconfig(dir / "bad"); }).find(": invalid YAML at line "),
            std::string::npos);
  write_file(dir / "nocontext", "clusters: []\n");
  EXPECT_EQ(config_error([&] { load_kubeconfig(dir / "nocontext"); }),
            "kubeconfig " + (dir / "nocontext").string() +
                ": current-context: not set and no context was given");
}

TEST(InClusterConfig, ReadsServiceAccountFolder) {
  TempDir dir;
  write_file(dir / "token", "sa-token");
  write_file(dir / "ca.crt", "CLUSTER-CA");
  write_file(dir / "namespace", "redraft-system\n");
  RestConfig c = in_cluster_config(dir.path(), "10.0.0.1", "443");
  EXPECT_EQ(c.server, "https://10.0.0.1:443");
  EXPECT_EQ(c.token_file, dir / "token");
  EXPECT_EQ(c.ca_pem, "CLUSTER-CA");
  EXPECT_EQ(c.default_namespace, "redraft-system");
  EXPECT_EQ(in_cluster_config(dir.path(), "fd00::1", "6443").server, "https://[fd00::1]:6443");
}

TEST(InClusterConfig, MissingEnvironmentOrFiles) {
  TempDir dir;
  EXPECT_NE(config_error([&] { in_cluster_config(dir.path(), "", "443"); })
                .find("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set"),
            std::string::npos);
  EXPECT_EQ(config_error([&] { in_cluster_config(dir.path(), "10.0.0.1", "443"); }),
            "in-cluster config: token: cannot read file " + (dir / "token").string());
}

TEST(LoadDefaultConfig, KubeconfigEnvironmentVariable) {
  TempDir dir;
  write_file(dir / "config", two_contexts("    token: t\n", "    server: https://h:1\n"));
  std::string list = (dir / "missing").string() + ":" + (dir / "config").string();
  ::setenv("KUBECONFIG", list.c_str(), 1);
  RestConfig c = load_default_config();
  ::unsetenv("KUBECONFIG");
  EXPECT_EQ(c.server, "https://h:1");
}

TEST(LoadDefaultConfig, HomeKubeConfigThenNothing) {
  TempDir home;
  ::unsetenv("KUBECONFIG");
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::setenv("HOME", home.path().c_str(), 1);
  EXPECT_EQ(config_error([] { load_default_config(); }),
            "no Kubernetes configuration: set KUBECONFIG, create ~/.kube/config, or run in a cluster");
  write_file(home / ".kube/config", two_contexts("    token: t\n", "    server: https://home:1\n"));
  EXPECT_EQ(load_default_config().server, "https://home:1");
  EXPECT_EQ(load_default_config("b").server, "http://127.0.0.1:9");
}

}  // namespace
}  // namespace redraft::runtime
