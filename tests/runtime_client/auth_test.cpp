// Exec credential plugins (real processes from scripts), credential caching and refresh rules,
// RFC 3339 parsing, the token bucket.
#include <gtest/gtest.h>

#include <chrono>

#include "operator/runtime/client/credentials.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/client/exec_credential.hpp"
#include "operator/runtime/client/rate_limiter.hpp"
#include "tests/runtime_client/test_support.hpp"

namespace redraft::runtime {
namespace {

using test::TempDir;
using test::write_file;
using namespace std::chrono_literals;

std::string transport_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const TransportError& e) {
    return e.what();
  }
  return "<no TransportError>";
}

TEST(ParseRfc3339, UtcOffsetsAndFractions) {
  auto t = parse_rfc3339("2026-11-21T11:30:00Z");
  EXPECT_EQ(std::chrono::system_clock::to_time_t(t), 1795260600);
  EXPECT_EQ(parse_rfc3339("2026-11-21T12:30:00+01:00"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-21T11:30:00.123456Z"), t);
  // Beyond the clock's range (year 2262) saturates rather than wrapping into the past.
  EXPECT_EQ(parse_rfc3339("2999-01-01T00:00:00Z"), std::chrono::system_clock::time_point::max());
  EXPECT_THROW(parse_rfc3339("2026-11-21 11:30:00"), std::invalid_argument);
  EXPECT_THROW(parse_rfc3339("2026-11-21T11:30:00"), std::invalid_argument);
  EXPECT_THROW(parse_rfc3339("2026-13-21T11:30:00Z"), std::invalid_argument);
}

TEST(ParseExecCredential, TokenCertificateAndExpiry) {
  auto cred = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"tok","expirationTimestamp":"2026-11-21T11:30:00Z"}})",
      "client.authentication.k8s.io/v1");
  EXPECT_EQ(cred.token, "tok");
  ASSERT_TRUE(cred.expiry.has_value());
  EXPECT_EQ(*cred.expiry, parse_rfc3339("2026-11-21T11:30:00Z"));

  auto certs = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
          "status":{"clientCertificateData":"C","clientKeyData":"K"}})",
      "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(certs.client_cert_pem, "C");
  EXPECT_EQ(certs.client_key_pem, "K");
  EXPECT_FALSE(certs.expiry.has_value());
}

TEST(ParseExecCredential, RejectsWithFieldNamesAndWithoutSecrets) {
  const std::string v1 = "client.authentication.k8s.io/v1";
  EXPECT_EQ(transport_error([&] { parse_exec_credential("not json secret-tok", v1); }),
            "ExecCredential: output is not a JSON object");
  EXPECT_EQ(transport_error([&] {
              parse_exec_credential(
                  R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"secret-tok"}})",
                  v1);
            }),
            "ExecCredential: apiVersion: \"client.authentication.k8s.io/v1beta1\" but the "
            "kubeconfig asks for \"client.authentication.k8s.io/v1\"");
  EXPECT_EQ(transport_error([&] {
              parse_exec_credential(
                  R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})", v1);
            }),
            "ExecCredential: status: needs token or clientCertificateData/clientKeyData");
  std::string bad_expiry = transport_error([&] {
    parse_exec_credential(
        R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"secret-tok","expirationTimestamp":"soon"}})",
        v1);
  });
  EXPECT_NE(bad_expiry.find("status.expirationTimestamp"), std::string::npos);
  EXPECT_EQ(bad_expiry.find("secret-tok"), std::string::npos);
}

TEST(RunExecPlugin, RunsTheCommandWithArgsAndEnvironment) {
  TempDir dir;
  // The plugin proves it saw its args, its env and KUBERNETES_EXEC_INFO by echoing them back.
  write_file(dir / "plugin.sh",
             "#!/bin/sh\n"
             "case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; *) exit 3;; esac\n"
             "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
             "\"status\":{\"token\":\"%s-%s\"}}' \"$1\" \"$REGION\"\n",
             true);
  ExecConfig config;
  config.api_version = "client.authentication.k8s.io/v1";
  config.command = (dir / "plugin.sh").string();
  config.args = {"arg1"};
  config.env = {{"REGION", "eu"}};
  ExecCredential cred = run_exec_plugin(config, "https://127.0.0.1:1", "");
  EXPECT_EQ(cred.token, "arg1-eu");
}

TEST(RunExecPlugin, FailuresAreTransportErrorsWithStderrAndHint) {
  TempDir dir;
  write_file(dir / "fail.sh", "#!/bin/sh\necho 'login required' >&2\nexit 2\n", true);
  ExecConfig config;
  config.command = (dir / "fail.sh").string();
  config.install_hint = "see docs";
  EXPECT_EQ(transport_error([&] { run_exec_plugin(config, "", ""); }),
            "exec credential plugin \"" + config.command +
                "\": exited with status 2: login required (see docs)");

  config.command = (dir / "does-not-exist").string();
  config.install_hint.clear();
  EXPECT_NE(transport_error([&] { run_exec_plugin(config, "", ""); }).find("cannot start"),
            std::string::npos);

  write_file(dir / "slow.sh", "#!/bin/sh\nexec sleep 30\n", true);
  config.command = (dir / "slow.sh").string();
  config.timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(transport_error([&] { run_exec_plugin(config, "", ""); }),
            "exec credential plugin \"" + config.command + "\": timed out after 1s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);

  write_file(dir / "garbage.sh", "#!/bin/sh\necho 'token: secret-tok'\n", true);
  config.command = (dir / "garbage.sh").string();
  std::string garbage = transport_error([&] { run_exec_plugin(config, "", ""); });
  EXPECT_NE(garbage.find("output is not a JSON object"), std::string::npos);
  EXPECT_EQ(garbage.find("secret-tok"), std::string::npos);
}

ExecCredential token_credential(const std::string& token,
                                std::optional<std::chrono::system_clock::time_point> expiry) {
  ExecCredential c;
  c.token = token;
  c.expiry = expiry;
  return c;
}

TEST(Credentials, StaticTokenAndBasicAuth) {
  RestConfig config;
  config.bearer_token = "abc";
  EXPECT_EQ(Credentials(config).current().authorization, "Bearer abc");
  RestConfig basic;
  basic.username = "admin";
  basic.password = "pw";
  EXPECT_EQ(Credentials(basic).current().authorization, "Basic YWRtaW46cHc=");
  EXPECT_FALSE(Credentials(basic).invalidate());  // nothing could change: no retry on 401
  EXPECT_EQ(Credentials(RestConfig{}).current().authorization, "");
}

TEST(Credentials, ExecCachedUntilExpiryAndRerunAfterInvalidate) {
  RestConfig config;
  config.exec = ExecConfig{};
  int runs = 0;
  auto far = std::chrono::system_clock::now() + 1h;
  Credentials creds(config, [&](const ExecConfig&) {
    ++runs;
    return token_credential("t" + std::to_string(runs), far);
  });
  EXPECT_EQ(creds.current().authorization, "Bearer t1");
  EXPECT_EQ(creds.current().authorization, "Bearer t1");
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(creds.invalidate());
  EXPECT_EQ(creds.current().authorization, "Bearer t2");
  EXPECT_EQ(runs, 2);
}

TEST(Credentials, ExpiredExecCredentialIsRefreshed) {
  RestConfig config;
  config.exec = ExecConfig{};
  int runs = 0;
  Credentials creds(config, [&](const ExecConfig&) {
    ++runs;
    return token_credential("t", std::chrono::system_clock::now() - 1s);
  });
  creds.current();
  creds.current();
  EXPECT_EQ(runs, 2);
}

TEST(Credentials, TokenFileIsReReadAfterInvalidate) {
  TempDir dir;
  write_file(dir / "token", "old\n");
  RestConfig config;
  config.token_file = dir / "token";
  config.bearer_token = "static-fallback";
  Credentials creds(config);
  EXPECT_EQ(creds.current().authorization, "Bearer old");
  write_file(dir / "token", "new");
  EXPECT_EQ(creds.current().authorization, "Bearer old");  // cached for a minute
  EXPECT_TRUE(creds.invalidate());
  EXPECT_EQ(creds.current().authorization, "Bearer new");
}

TEST(RateLimiter, BurstThenSpacedByQps) {
  RateLimiter limiter(10, 2);
  auto t0 = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.reserve(t0), RateLimiter::Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(t0), RateLimiter::Clock::duration::zero());
  auto wait = limiter.reserve(t0);
  EXPECT_NEAR(std::chrono::duration<double>(wait).count(), 0.1, 1e-6);
  // One second later the bucket is full again (capped at burst).
  EXPECT_EQ(limiter.reserve(t0 + 1s), RateLimiter::Clock::duration::zero());
  RateLimiter unlimited(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(unlimited.reserve(t0), RateLimiter::Clock::duration::zero());
}

}  // namespace
}  // namespace redraft::runtime
