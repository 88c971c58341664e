// Client-certificate authentication of redraft-devserver (--client-cert-auth), the way a real
// API server does it with --client-ca-file: the pure pieces (authentication decision, flag,
// kubeconfig, certificate issuance), then the real binary over real HTTPS with hand-picked
// credentials, and the real kubectl with the kubeconfig the server writes.
#include "api_server.hpp"
#include "cli_options.hpp"
#include "devserver_fixture.hpp"
#include "encoding.hpp"
#include "kubeconfig.hpp"
#include "tests/fixtures/temp_dir.hpp"
#include "tls_cert.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <memory>

namespace redraft::devserver {
namespace {

using redraft::testing::DevServer;
using redraft::testing::DevServerOptions;
using nlohmann::json;
using namespace std::chrono_literals;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// ---- helpers ---------------------------------------------------------------------------------

using X509Ptr = std::unique_ptr<X509, decltype([](X509* x) { X509_free(x); })>;

X509Ptr parse_cert(const std::string& pem) {
  std::unique_ptr<BIO, decltype([](BIO* b) { BIO_free_all(b); })> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::vector<std::string> subject_entries(X509* cert, int nid) {
  std::vector<std::string> out;
  const X509_NAME* name = X509_get_subject_name(cert);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, nid, i)) >= 0;) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
  }
  return out;
}

struct Credentials {
  std::string token;
  std::string cert_pem, key_pem;
};

struct Reply {
  int status = 0;
  std::string body;
};

// One HTTPS request presenting exactly `creds` (nothing from the fixture), so each test picks
// what the server sees. The server certificate is not checked: these tests are about the client.
Reply https_get(const DevServer& server, const std::string& path, const Credentials& creds) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  if (!creds.cert_pem.empty()) {
    ctx.use_certificate_chain(asio::buffer(creds.cert_pem));
    ctx.use_private_key(asio::buffer(creds.key_pem), asio::ssl::context::pem);
  }
  asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, ctx);
  asio::ip::tcp::resolver resolver(ioc);
  asio::connect(stream.next_layer(), resolver.resolve("127.0.0.1", std::to_string(server.port())));
  timeval tv{60, 0};
  setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  stream.handshake(asio::ssl::stream_base::client);  // throws if the server refuses the handshake
  http::request<http::empty_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::accept, "application/json");
  if (!creds.token.empty()) req.set(http::field::authorization, "Bearer " + creds.token);
  req.keep_alive(false);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

void expect_unauthorized_status(const Reply& r) {
  EXPECT_EQ(r.status, 401) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["kind"], "Status");
  EXPECT_EQ(body["apiVersion"], "v1");
  EXPECT_EQ(body["status"], "Failure");
  EXPECT_EQ(body["reason"], "Unauthorized");
  EXPECT_EQ(body["code"], 401);
}

testing::CommandResult kubectl_with(const DevServer& server, const std::string& kubeconfig,
                                    const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"kubectl", "--kubeconfig", kubeconfig};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_command(argv, {"HOME=" + server.work_dir(), "KUBECACHEDIR=" + server.work_dir() + "/kc2"});
}

// ---- pure pieces -----------------------------------------------------------------------------

TEST(MtlsAuthDecision, TokenOrVerifiedCertificateEitherAuthenticates) {
  const ClientIdentity none;
  const ClientIdentity dev{"redraft-dev", {"system:masters"}};
  const std::string good = "Bearer s3cret", bad = "Bearer nope";
  // Nothing configured: open (the plain-HTTP default).
  EXPECT_TRUE(request_authenticated("", false, "", none));
  // Token only (today's --token): the certificate is not an accepted credential.
  EXPECT_TRUE(request_authenticated("s3cret", false, good, none));
  EXPECT_FALSE(request_authenticated("s3cret", false, bad, none));
  EXPECT_FALSE(request_authenticated("s3cret", false, "", dev));
  // Certificates only: a token header proves nothing.
  EXPECT_TRUE(request_authenticated("", true, "", dev));
  EXPECT_FALSE(request_authenticated("", true, "", none));
  EXPECT_FALSE(request_authenticated("", true, "Bearer ", none));
  EXPECT_FALSE(request_authenticated("", true, bad, none));
  // Both: either suffices; a wrong token does not spoil a good certificate.
  EXPECT_TRUE(request_authenticated("s3cret", true, good, none));
  EXPECT_TRUE(request_authenticated("s3cret", true, "", dev));
  EXPECT_TRUE(request_authenticated("s3cret", true, bad, dev));
  EXPECT_FALSE(request_authenticated("s3cret", true, bad, none));
  EXPECT_FALSE(request_authenticated("s3cret", true, "", none));
}

TEST(MtlsCli, ClientCertAuthIsAFlagThatNeedsTls) {
  EXPECT_FALSE(parse_cli({"--tls"}).client_cert_auth);
  EXPECT_TRUE(parse_cli({"--tls", "--client-cert-auth"}).client_cert_auth);
  try {
    parse_cli({"--client-cert-auth"});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--client-cert-auth needs --tls"), std::string::npos) << e.what();
  }
  EXPECT_NE(cli_usage().find("--client-cert-auth"), std::string::npos);
  EXPECT_EQ(parse_cli({"--tls", "--client-cert-auth", "--client-ca-file", "/x"}).client_ca_file, "/x");
  try {
    parse_cli({"--tls", "--client-ca-file", "/x"});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--client-ca-file needs --client-cert-auth");
  }
}

TEST(MtlsKubeconfig, CarriesTheClientCertificateAndKeyAsData) {
  const std::string text = render_kubeconfig({"https://127.0.0.1:1", "CA-PEM", "", "CERT-PEM", "KEY-PEM"});
  const YAML::Node user = YAML::Load(text)["users"][0]["user"];
  EXPECT_EQ(user["client-certificate-data"].as<std::string>(), base64_encode("CERT-PEM"));
  EXPECT_EQ(user["client-key-data"].as<std::string>(), base64_encode("KEY-PEM"));
  EXPECT_FALSE(user["token"]) << text;
  // Without a certificate nothing certificate-related is written (the default stays as it was).
  const YAML::Node plain = YAML::Load(render_kubeconfig({"https://127.0.0.1:1", "CA", "tok"}))["users"][0]["user"];
  EXPECT_FALSE(plain["client-certificate-data"]);
  EXPECT_FALSE(plain["client-key-data"]);
  EXPECT_EQ(plain["token"].as<std::string>(), "tok");
}

TEST(MtlsCertificates, IssuedCertificateIsAClientCertificateSignedByTheCa) {
  const TlsMaterial ca = generate_client_ca("test-ca");
  const TlsMaterial other_ca = generate_client_ca("test-ca");  // same name, different key
  const TlsMaterial cert = issue_client_certificate(ca, {"alice", {"dev", "ops"}});
  X509Ptr x = parse_cert(cert.cert_pem), ca_x = parse_cert(ca.cert_pem), other_x = parse_cert(other_ca.cert_pem);
  ASSERT_TRUE(x && ca_x && other_x);
  EXPECT_EQ(subject_entries(x.get(), NID_commonName), std::vector<std::string>{"alice"});
  EXPECT_EQ(subject_entries(x.get(), NID_organizationName), (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(X509_verify(x.get(), X509_get0_pubkey(ca_x.get())), 1);
  EXPECT_NE(X509_verify(x.get(), X509_get0_pubkey(other_x.get())), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(x.get()) & XKU_SSL_CLIENT);
  EXPECT_FALSE(X509_get_extended_key_usage(x.get()) & XKU_SSL_SERVER);
  EXPECT_EQ(X509_check_ca(x.get()), 0);
  EXPECT_NE(X509_check_ca(ca_x.get()), 0);

  // A CA key that does not belong to the CA certificate is refused, naming the problem.
  try {
    issue_client_certificate({ca.cert_pem, other_ca.key_pem}, {"alice", {}});
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a valid matching PEM pair"), std::string::npos) << e.what();
  }
  EXPECT_THROW(issue_client_certificate(ca, {"", {}}), std::invalid_argument);
}

// ---- the real server over HTTPS --------------------------------------------------------------

TEST(MtlsServer, WritesAKubeconfigWithTheCertificateAndNoToken) {
  DevServer server(testing::client_cert_only_options());
  const YAML::Node user = YAML::LoadFile(server.kubeconfig_path())["users"][0]["user"];
  EXPECT_FALSE(user["token"]) << "a client-cert-auth server must not hand out a generated token";
  X509Ptr cert = parse_cert(server.client_cert_pem());
  ASSERT_TRUE(cert);
  EXPECT_EQ(subject_entries(cert.get(), NID_commonName), std::vector<std::string>{"redraft-dev"});
  EXPECT_EQ(subject_entries(cert.get(), NID_organizationName), std::vector<std::string>{"system:masters"});
  EXPECT_NE(server.client_key_pem().find("PRIVATE KEY"), std::string::npos);
}

TEST(MtlsServer, TheWrittenCertificateAuthenticatesAndNothingElseDoes) {
  DevServer server(testing::client_cert_only_options());
  const Credentials good{"", server.client_cert_pem(), server.client_key_pem()};
  const Reply ok = https_get(server, "/api/v1/namespaces", good);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["kind"], "NamespaceList");

  // No certificate: anonymous, 401 with a Kubernetes Status body.
  expect_unauthorized_status(https_get(server, "/api/v1/namespaces", {}));
  // A bearer token is no credential on a certificate-only server.
  expect_unauthorized_status(https_get(server, "/api/v1/namespaces", {"some-token", "", ""}));
  // The admin endpoints are behind the same check.
  expect_unauthorized_status(https_get(server, "/admin/stats", {}));
  EXPECT_EQ(https_get(server, "/admin/stats", good).status, 200);
  // Probes stay open, as before.
  EXPECT_EQ(https_get(server, "/healthz", {}).status, 200);
}

// Like the apiserver with --client-ca-file (Go's tls.RequestClientCert): the handshake succeeds
// with an unverifiable certificate, the request is anonymous, so it gets 401.
TEST(MtlsServer, CertificatesTheCaDoesNotVerifyAreUnauthorized) {
  DevServer server(testing::client_cert_only_options());
  const TlsMaterial foreign_ca = generate_client_ca("redraft-devserver-client-ca");  // same name
  const TlsMaterial foreign = issue_client_certificate(foreign_ca, {"redraft-dev", {"system:masters"}});
  expect_unauthorized_status(https_get(server, "/api/v1/namespaces", {"", foreign.cert_pem, foreign.key_pem}));

  // A self-signed certificate is no better.
  const TlsMaterial self_signed = generate_self_signed_certificate();
  expect_unauthorized_status(
      https_get(server, "/api/v1/namespaces", {"", self_signed.cert_pem, self_signed.key_pem}));

  // The server's own generated certificate cannot be minted by the test, so prove that it is
  // the verification (not the name) that matters: the foreign CA's certificate for the same
  // user failed above while the server's one passes.
  EXPECT_EQ(https_get(server, "/api/v1/namespaces", {"", server.client_cert_pem(), server.client_key_pem()}).status,
            200);
}

TEST(MtlsServer, TokenAndCertificateTogetherEitherOneAuthenticates) {
  DevServerOptions o = testing::client_cert_only_options();
  o.token = "mtls-and-token";
  DevServer server(o);
  const YAML::Node user = YAML::LoadFile(server.kubeconfig_path())["users"][0]["user"];
  EXPECT_EQ(user["token"].as<std::string>(""), "mtls-and-token");
  EXPECT_TRUE(user["client-certificate-data"]);
  const std::string cert = server.client_cert_pem(), key = server.client_key_pem();
  EXPECT_EQ(https_get(server, "/api/v1/namespaces", {"mtls-and-token", "", ""}).status, 200);
  EXPECT_EQ(https_get(server, "/api/v1/namespaces", {"", cert, key}).status, 200);
  EXPECT_EQ(https_get(server, "/api/v1/namespaces", {"wrong", cert, key}).status, 200);
  expect_unauthorized_status(https_get(server, "/api/v1/namespaces", {"wrong", "", ""}));
  expect_unauthorized_status(https_get(server, "/api/v1/namespaces", {}));
}

TEST(MtlsServer, WithoutTheFlagACertificateIsNoCredential) {
  DevServer server(DevServerOptions{.tls = true, .token = "only-token", .extra_args = {}});
  EXPECT_TRUE(server.client_cert_pem().empty());
  const TlsMaterial ca = generate_client_ca("any");
  const TlsMaterial cert = issue_client_certificate(ca, {"redraft-dev", {}});
  expect_unauthorized_status(https_get(server, "/api/v1/namespaces", {"", cert.cert_pem, cert.key_pem}));
  EXPECT_EQ(https_get(server, "/api/v1/namespaces", {"only-token", "", ""}).status, 200);
}

TEST(MtlsServer, FixtureHelpersPresentTheCertificate) {
  DevServer server(testing::client_cert_only_options());
  EXPECT_TRUE(server.token().empty());
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/default").status, 200);
  server.fail_next(1, 429, "GET", "/api/v1/namespaces/kube-system");  // /admin over mTLS
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/kube-system").status, 429);
  EXPECT_EQ(server.request("GET", "/api/v1/namespaces/kube-system").status, 200);
}

// A private temporary folder (the shared fixture) plus a file writer returning the path.
class TempDir : public redraft::fixtures::TempDir {
 public:
  TempDir() : redraft::fixtures::TempDir("redraft-mtls") {}
  std::string file(const std::string& name, const std::string& content) const {
    const std::string file_path = (path() / name).string();
    std::ofstream(file_path) << content;
    return file_path;
  }
};

// With --client-ca-file the server trusts CAs the test controls, so the test can mint
// certificates the real verification must refuse although their CA is trusted.
TEST(MtlsServer, ClientCaFileAddsTrustedCasAndValidityAndUsageAreChecked) {
  TempDir dir;
  const TlsMaterial team_ca = generate_client_ca("team-ca");
  // A self-signed serverAuth certificate, trusted as an anchor but not usable by a client.
  const TlsMaterial server_only = generate_self_signed_certificate();
  DevServerOptions o = testing::client_cert_only_options();
  o.extra_args = {"--client-ca-file", dir.file("cas.pem", team_ca.cert_pem + server_only.cert_pem)};
  DevServer server(o);
  auto status_with = [&](const TlsMaterial& cert) {
    return https_get(server, "/api/v1/namespaces", {"", cert.cert_pem, cert.key_pem}).status;
  };
  EXPECT_EQ(status_with(issue_client_certificate(team_ca, {"alice", {"team"}})), 200);
  EXPECT_EQ(status_with({server.client_cert_pem(), server.client_key_pem()}), 200);  // generated CA too
  EXPECT_EQ(status_with(issue_client_certificate(team_ca, {"alice", {}, -48h, -24h})), 401);  // expired
  EXPECT_EQ(status_with(issue_client_certificate(team_ca, {"alice", {}, 24h, 48h})), 401);    // not yet valid
  EXPECT_EQ(status_with(server_only), 401);                                                // no clientAuth
  EXPECT_EQ(status_with(issue_client_certificate(generate_client_ca("team-ca"), {"alice", {}})), 401);
}

TEST(MtlsServer, BadClientCaFileStopsTheServerNamingTheFlag) {
  TempDir dir;
  const std::string bin = DevServer::binary_path();
  auto missing = testing::run_command({bin, "--tls", "--client-cert-auth", "--client-ca-file", "/nonexistent/ca.pem"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("--client-ca-file: cannot read \"/nonexistent/ca.pem\""), std::string::npos)
      << missing.output;
  auto empty = testing::run_command({bin, "--tls", "--client-cert-auth", "--client-ca-file", dir.file("x.pem", "junk")});
  EXPECT_EQ(empty.exit_code, 2) << empty.output;
  EXPECT_NE(empty.output.find("holds no PEM certificate"), std::string::npos) << empty.output;
  auto corrupt = testing::run_command(
      {bin, "--tls", "--client-cert-auth", "--client-ca-file",
       dir.file("y.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")});
  EXPECT_EQ(corrupt.exit_code, 1) << corrupt.output;
  EXPECT_NE(corrupt.output.find("not a valid PEM certificate bundle"), std::string::npos) << corrupt.output;
}

// ---- the real kubectl ------------------------------------------------------------------------

TEST(MtlsKubectl, WrittenKubeconfigWorksWithTheCertificateAlone) {
  DevServer server(testing::client_cert_only_options());
  auto ns = server.kubectl({"get", "ns", "-o", "name"});
  ASSERT_EQ(ns.exit_code, 0) << ns.output << server.server_log();
  EXPECT_NE(ns.output.find("namespace/default"), std::string::npos) << ns.output;
  auto create = server.kubectl({"create", "configmap", "mtls", "--from-literal=k=v"});
  ASSERT_EQ(create.exit_code, 0) << create.output;
  auto get = server.kubectl({"get", "configmap", "mtls", "-o", "jsonpath={.data.k}"});
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, "v");
}

TEST(MtlsKubectl, CertificateFromAnotherCaIsUnauthorized) {
  DevServer server(testing::client_cert_only_options());
  const TlsMaterial foreign_ca = generate_client_ca("redraft-devserver-client-ca");
  const TlsMaterial foreign = issue_client_certificate(foreign_ca, {"redraft-dev", {"system:masters"}});
  YAML::Node user;
  user["client-certificate-data"] = base64_encode(foreign.cert_pem);
  user["client-key-data"] = base64_encode(foreign.key_pem);
  const std::string kubeconfig = server.kubeconfig_with_user(user, "foreign.kubeconfig");
  auto r = kubectl_with(server, kubeconfig, {"get", "ns"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("You must be logged in to the server"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("namespace/default"), std::string::npos) << r.output;
}

// kubectl's own exec-plugin support, returning the certificate in ExecCredential status.
TEST(MtlsKubectl, ExecPluginClientCertificateAuthenticatesKubectl) {
  DevServer server(testing::client_cert_only_options());
  const std::string dir = server.work_dir();
  std::ofstream(dir + "/client.crt") << server.client_cert_pem();
  std::ofstream(dir + "/client.key") << server.client_key_pem();
  const std::string plugin = dir + "/cert-plugin.sh";
  {
    std::ofstream out(plugin);
    // PEM → a JSON string: newlines become \n (PEM has no quotes or backslashes).
    out << "#!/bin/sh\n"
           "pem() { awk '{printf \"%s\\\\n\", $0}' \"$1\"; }\n"
           "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
           "\"status\":{\"clientCertificateData\":\"%s\",\"clientKeyData\":\"%s\"}}' "
           "\"$(pem \"$CERT_FILE\")\" \"$(pem \"$KEY_FILE\")\"\n";
  }
  ASSERT_EQ(::chmod(plugin.c_str(), 0755), 0);
  YAML::Node user;
  user["exec"]["apiVersion"] = "client.authentication.k8s.io/v1";
  user["exec"]["command"] = plugin;
  user["exec"]["interactiveMode"] = "Never";
  user["exec"]["env"][0]["name"] = "CERT_FILE";
  user["exec"]["env"][0]["value"] = dir + "/client.crt";
  user["exec"]["env"][1]["name"] = "KEY_FILE";
  user["exec"]["env"][1]["value"] = dir + "/client.key";
  const std::string kubeconfig = server.kubeconfig_with_user(user, "exec.kubeconfig");
  auto r = kubectl_with(server, kubeconfig, {"get", "ns", "-o", "name"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("namespace/default"), std::string::npos) << r.output;

  // The same plugin handing out a certificate from another CA: refused.
  const TlsMaterial foreign =
      issue_client_certificate(generate_client_ca("redraft-devserver-client-ca"), {"redraft-dev", {}});
  std::ofstream(dir + "/client.crt") << foreign.cert_pem;
  std::ofstream(dir + "/client.key") << foreign.key_pem;
  auto refused = kubectl_with(server, kubeconfig, {"get", "ns", "-o", "name"});
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("You must be logged in to the server"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace redraft::devserver
