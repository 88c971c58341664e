// The runtime Client authenticating with a TLS client certificate against a real
// redraft-devserver started with --client-cert-auth and no token: the server verifies the
// certificate against its client CA, so these tests fail if the client does not present the
// certificate (kubeconfig data, kubeconfig files, exec plugin) or presents the wrong one.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "devserver_fixture.hpp"
#include "tls_cert.hpp"
#include "operator/runtime/client/client.hpp"
#include "tests/runtime_client/test_support.hpp"

namespace redraft::runtime {
namespace {

using nlohmann::json;
using redraft::devserver::generate_client_ca;
using redraft::devserver::issue_client_certificate;
using redraft::devserver::TlsMaterial;
using redraft::testing::DevServer;
using redraft::testing::DevServerOptions;
using test::api_error_of;

const ResourceType& kCm = resources::kConfigMaps;


// A client certificate for the same user from a CA with the same name as the server's: only
// the signature check can tell them apart.
TlsMaterial foreign_certificate() {
  return issue_client_certificate(generate_client_ca("redraft-devserver-client-ca"),
                                  {"redraft-dev", {"system:masters"}});
}

bool lists_default_namespace(Client& client) {
  const json list = client.list(resources::kNamespaces, "");
  for (const auto& item : list["items"])
    if (item["metadata"]["name"] == "default") return true;
  return false;
}

TEST(MtlsClient, KubeconfigCertificateAuthenticatesTheClient) {
  DevServer server(redraft::testing::client_cert_only_options());
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  // Nothing but the certificate can authenticate these requests.
  ASSERT_TRUE(config.bearer_token.empty());
  ASSERT_TRUE(config.token_file.empty());
  ASSERT_FALSE(config.exec);
  ASSERT_EQ(config.client_cert_pem, server.client_cert_pem());
  ASSERT_EQ(config.client_key_pem, server.client_key_pem());
  Client client(config);
  EXPECT_TRUE(lists_default_namespace(client));
  json created = client.create(kCm, "default", {{"metadata", {{"name", "mtls"}}}, {"data", {{"k", "v"}}}});
  EXPECT_EQ(created["metadata"]["name"], "mtls");
  EXPECT_EQ(client.get(kCm, "default", "mtls")["data"]["k"], "v");
  // Keep-alive connections reuse the authenticated TLS session.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.list(kCm, "default")["items"].size(), 1u);
}

TEST(MtlsClient, CertificateFilesReferencedByTheKubeconfigWork) {
  DevServer server(redraft::testing::client_cert_only_options());
  const std::filesystem::path dir = server.work_dir();  // where kubeconfig_with_user writes
  test::write_file(dir / "pki" / "client.crt", server.client_cert_pem());
  test::write_file(dir / "pki" / "client.key", server.client_key_pem());
  YAML::Node user;
  user["client-certificate"] = "pki/client.crt";  // relative to the kubeconfig's folder
  user["client-key"] = "pki/client.key";
  Client client(load_kubeconfig(server.kubeconfig_with_user(user, "kubeconfig")));
  EXPECT_TRUE(lists_default_namespace(client));
}

TEST(MtlsClient, WithoutTheCertificateTheClientIsUnauthorized) {
  DevServer server(redraft::testing::client_cert_only_options());
  // The server's own kubeconfig minus client-certificate-data/client-key-data.
  YAML::Node user = YAML::Clone(YAML::LoadFile(server.kubeconfig_path())["users"][0]["user"]);
  ASSERT_TRUE(user.remove("client-certificate-data"));
  ASSERT_TRUE(user.remove("client-key-data"));
  RestConfig config = load_kubeconfig(server.kubeconfig_with_user(user, "kubeconfig"));
  ASSERT_TRUE(config.client_cert_pem.empty());
  ApiError error = api_error_of([&] { Client(config).list(kCm, "default"); });
  EXPECT_EQ(error.code(), 401);
  EXPECT_TRUE(is_unauthorized(error));
  EXPECT_EQ(error.status().value("kind", ""), "Status");

  // A token is no substitute on a certificate-only server.
  config.bearer_token = "anything";
  EXPECT_TRUE(is_unauthorized(api_error_of([&] { Client(config).list(kCm, "default"); })));
}

TEST(MtlsClient, CertificateFromAnotherCaIsUnauthorized) {
  DevServer server(redraft::testing::client_cert_only_options());
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  const TlsMaterial foreign = foreign_certificate();
  config.client_cert_pem = foreign.cert_pem;
  config.client_key_pem = foreign.key_pem;
  // The handshake succeeds (certificates are requested, not required); the request is
  // anonymous and refused with 401, as by the apiserver with --client-ca-file.
  ApiError error = api_error_of([&] { Client(config).list(kCm, "default"); });
  EXPECT_EQ(error.code(), 401);
  EXPECT_TRUE(is_unauthorized(error));
  // Nothing of the key leaks into the error.
  EXPECT_EQ(std::string(error.what()).find("PRIVATE KEY"), std::string::npos) << error.what();
}

// A CA the test controls (--client-ca-file): its certificates work until they expire.
TEST(MtlsClient, CertificateOfATrustedCaAuthenticatesUntilItExpires) {
  test::TempDir dir;
  const TlsMaterial team_ca = generate_client_ca("team-ca");
  test::write_file(dir / "team-ca.pem", team_ca.cert_pem);
  DevServerOptions o = redraft::testing::client_cert_only_options();
  o.extra_args = {"--client-ca-file", (dir / "team-ca.pem").string()};
  DevServer server(o);
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  const TlsMaterial alice = issue_client_certificate(team_ca, {"alice", {"team"}});
  config.client_cert_pem = alice.cert_pem;
  config.client_key_pem = alice.key_pem;
  Client client(config);
  EXPECT_TRUE(lists_default_namespace(client));

  const TlsMaterial expired =
      issue_client_certificate(team_ca, {"alice", {"team"}, std::chrono::hours(-48), std::chrono::hours(-24)});
  config.client_cert_pem = expired.cert_pem;
  config.client_key_pem = expired.key_pem;
  EXPECT_TRUE(is_unauthorized(api_error_of([&] { Client(config).list(kCm, "default"); })));
}

// A plugin like the cloud providers' ones: reads PEM files and prints an ExecCredential whose
// status carries clientCertificateData/clientKeyData (no token). Counts its runs.
void write_certificate_plugin(const test::TempDir& dir) {
  test::write_file(dir / "plugin.sh",
                   "#!/bin/sh\n"
                   "echo run >> \"$RUNS_FILE\"\n"
                   "pem() { awk '{printf \"%s\\\\n\", $0}' \"$1\"; }\n"
                   "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                   "\"status\":{\"clientCertificateData\":\"%s\",\"clientKeyData\":\"%s\"}}' "
                   "\"$(pem \"$CERT_FILE\")\" \"$(pem \"$KEY_FILE\")\"\n",
                   true);
}

RestConfig exec_plugin_config(const DevServer& server, const test::TempDir& dir) {
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.client_cert_pem.clear();  // the plugin is the only source of the certificate
  config.client_key_pem.clear();
  ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1";
  exec.command = (dir / "plugin.sh").string();
  exec.env = {{"RUNS_FILE", (dir / "runs").string()},
              {"CERT_FILE", (dir / "client.crt").string()},
              {"KEY_FILE", (dir / "client.key").string()}};
  config.exec = exec;
  return config;
}

TEST(MtlsClient, ExecPluginClientCertificateAuthenticates) {
  DevServer server(redraft::testing::client_cert_only_options());
  test::TempDir dir;
  write_certificate_plugin(dir);
  test::write_file(dir / "client.crt", server.client_cert_pem());
  test::write_file(dir / "client.key", server.client_key_pem());
  Client client(exec_plugin_config(server, dir));
  EXPECT_TRUE(lists_default_namespace(client));
  EXPECT_NO_THROW(client.list(kCm, "default"));
  EXPECT_EQ(test::read_file(dir / "runs"), "run\n");  // the credential is cached
}

TEST(MtlsClient, ExecPluginCertificateFromAnotherCaIsUnauthorizedUntilItRotates) {
  DevServer server(redraft::testing::client_cert_only_options());
  test::TempDir dir;
  write_certificate_plugin(dir);
  const TlsMaterial foreign = foreign_certificate();
  test::write_file(dir / "client.crt", foreign.cert_pem);
  test::write_file(dir / "client.key", foreign.key_pem);
  Client client(exec_plugin_config(server, dir));
  ApiError error = api_error_of([&] { client.list(kCm, "default"); });
  EXPECT_TRUE(is_unauthorized(error)) << error.what();
  EXPECT_EQ(test::read_file(dir / "runs"), "run\nrun\n");  // first try + one refresh on 401

  // The plugin now hands out the right certificate: the next request re-runs it and the new
  // certificate replaces the old one in the TLS context.
  test::write_file(dir / "client.crt", server.client_cert_pem());
  test::write_file(dir / "client.key", server.client_key_pem());
  EXPECT_TRUE(lists_default_namespace(client));
}

}  // namespace
}  // namespace redraft::runtime
