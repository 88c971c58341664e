// The executor's CA choice for https remotes (executor/git/tls_trust.hpp): the pure rules, and
// the real executor honouring SSL_CERT_FILE against the https git http-backend.
#include <set>

#include <gtest/gtest.h>

#include "executor/git/tls_trust.hpp"
#include "tests/fixtures/temp_dir.hpp"
#include "tests/fixtures/tls_certs.hpp"
#include "tests/git/scenario_fixture.hpp"

namespace redraft::executor::git {
namespace {

TEST(ChooseCaLocations, Table) {
  const std::set<std::string_view> files{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                         "/custom/ca.pem"};
  const std::set<std::string_view> dirs{"/custom/certs"};
  auto is_file = [&](std::string_view p) { return files.count(p) > 0; };
  auto is_dir = [&](std::string_view p) { return dirs.count(p) > 0; };
  auto no_file = [](std::string_view) { return false; };
  auto fedora = [](std::string_view p) { return p == "/etc/pki/tls/certs/ca-bundle.crt"; };
  using Opt = std::optional<std::string_view>;
  struct Case {
    const char* name;
    Opt file, dir;
    std::function<bool(std::string_view)> files;
    std::optional<CaLocations> want;
    std::vector<std::string> warnings;
  };
  const Case cases[] = {
      {"nothing set: the Debian bundle", std::nullopt, std::nullopt, is_file,
       CaLocations{"/etc/ssl/certs/ca-certificates.crt", "", "default"}, {}},
      {"nothing set on Fedora", std::nullopt, std::nullopt, fedora,
       CaLocations{"/etc/pki/tls/certs/ca-bundle.crt", "", "default"}, {}},
      {"nothing anywhere: libgit2's default", std::nullopt, std::nullopt, no_file, std::nullopt, {}},
      {"SSL_CERT_FILE wins over the defaults", "/custom/ca.pem", std::nullopt, is_file,
       CaLocations{"/custom/ca.pem", "", "SSL_CERT_FILE"}, {}},
      {"SSL_CERT_DIR alone", std::nullopt, "/custom/certs", is_file,
       CaLocations{"", "/custom/certs", "SSL_CERT_DIR"}, {}},
      {"both", "/custom/ca.pem", "/custom/certs", is_file,
       CaLocations{"/custom/ca.pem", "/custom/certs", "SSL_CERT_FILE and SSL_CERT_DIR"}, {}},
      {"empty values count as unset", "", "", is_file,
       CaLocations{"/etc/ssl/certs/ca-certificates.crt", "", "default"}, {}},
      {"a missing SSL_CERT_DIR does not cost a good SSL_CERT_FILE", "/custom/ca.pem", "/nope", is_file,
       CaLocations{"/custom/ca.pem", "", "SSL_CERT_FILE"},
       {"SSL_CERT_DIR=/nope is not a directory; ignored"}},
      {"a missing SSL_CERT_FILE falls back to the defaults, with a warning", "/nope.pem", std::nullopt,
       is_file, CaLocations{"/etc/ssl/certs/ca-certificates.crt", "", "default"},
       {"SSL_CERT_FILE=/nope.pem is not a file; ignored"}},
      {"a directory is not a file", "/custom/certs", std::nullopt, no_file, std::nullopt,
       {"SSL_CERT_FILE=/custom/certs is not a file; ignored"}},
  };
  for (const auto& c : cases) {
    CaChoice got = choose_ca_locations(c.file, c.dir, c.files, is_dir);
    EXPECT_EQ(got.locations, c.want) << c.name;
    EXPECT_EQ(got.warnings, c.warnings) << c.name;
  }
}

// The real executor over https: it trusts exactly what SSL_CERT_FILE names.
class ExecutorTlsTrust : public gittest::GitScenario {
 protected:
  void SetUp() override {
    GitScenario::SetUp();
    certs_ = std::make_unique<fixtures::TempDir>("redraft-tls-trust");
    // mbedTLS (libgit2's TLS here) matches DNS names only, so the URL uses localhost.
    tls_ = fixtures::make_test_certificates(certs_->path(), "localhost");
    http_ = std::make_unique<fixtures::GitHttpServer>(
        remotes_, gittest::kToken, fixtures::GitHttpTls{tls_.server_certificate, tls_.server_key});
    url_ = http_->url_for("origin", "localhost");
  }
  gittest::PhaseRun prepare(const std::string& branch, const std::string& ca_file) {
    auto task = gittest::make_task("code", url_, branch);
    gittest::ExecutorRun run(task, gittest::make_agent("coder", "/unused"));
    run.set_credentials({{"token", gittest::kToken}});
    run.set_env("SSL_CERT_FILE", ca_file);
    run.set_env("SSL_CERT_DIR", "");
    return run.phase("prepare");
  }
  std::unique_ptr<fixtures::TempDir> certs_;
  fixtures::TestCertificates tls_;
  std::string url_;
};

TEST_F(ExecutorTlsTrust, SslCertFileIsTrusted) {
  auto r = prepare("redraft/tls/1", tls_.ca_certificate.string());
  EXPECT_EQ(r.process.exit_code, 0) << r.all_output();
  EXPECT_NE(r.status.phase, "Failed") << r.status.message << "\n" << r.all_output();
  EXPECT_EQ(r.status.baseSha, main_sha_);
  EXPECT_EQ(r.all_output().find(gittest::kToken), std::string::npos);
}

TEST_F(ExecutorTlsTrust, AnotherCaIsNotTrustedAndTheTokenIsNeverSent) {
  fixtures::TempDir other("redraft-tls-other");
  auto other_ca = fixtures::make_test_certificates(other.path(), "localhost");
  auto r = prepare("redraft/tls/2", other_ca.ca_certificate.string());
  EXPECT_EQ(r.status.phase, "Failed");
  EXPECT_EQ(r.status.reason, "AuthFailed") << r.status.message;
  EXPECT_NE(r.status.message.find("certificate"), std::string::npos) << r.status.message;
  EXPECT_EQ(r.all_output().find(gittest::kToken), std::string::npos) << r.all_output();
  EXPECT_EQ(http_->request_count(), 0u);
}

TEST_F(ExecutorTlsTrust, AMissingSslCertFileIsNamedInTheLog) {
  auto r = prepare("redraft/tls/3", "/nonexistent/ca.pem");
  // Falls back to the machine's bundle, which does not hold the test CA.
  EXPECT_EQ(r.status.phase, "Failed");
  EXPECT_NE(r.all_output().find("SSL_CERT_FILE=/nonexistent/ca.pem is not a file; ignored"), std::string::npos)
      << r.all_output();
}

}  // namespace
}  // namespace redraft::executor::git
