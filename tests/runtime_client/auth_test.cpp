// Exec credential plugins (real processes from scripts), credential caching and refresh rules,
// RFC 3339 parsing, the token bucket.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "operator/runtime/client/credentials.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/client/exec_credential.hpp"
#include "operator/runtime/client/rate_limiter.hpp"
#include "tests/runtime_client/test_support.hpp"

namespace redraft::runtime {
namespace {

using test::TempDir;
using test::transport_error_of;
using test::write_file;
using namespace std::chrono_literals;

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
  EXPECT_EQ(transport_error_of([&] { parse_exec_credential("not json secret-tok", v1); }),
            "ExecCredential: output is not a JSON object");
  EXPECT_EQ(transport_error_of([&] {
              parse_exec_credential(
                  R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"secret-tok"}})",
                  v1);
            }),
            "ExecCredential: apiVersion: \"client.authentication.k8s.io/v1beta1\" but the "
            "kubeconfig asks for \"client.authentication.k8s.io/v1\"");
  EXPECT_EQ(transport_error_of([&] {
              parse_exec_credential(
                  R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})", v1);
            }),
            "ExecCredential: status: needs token or clientCertificateData/clientKeyData");
  std::string bad_expiry = transport_error_of([&] {
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

TEST(RunExecPlugin, FailuresAreTransportErrorsWithStatusAndHintButNoStderrText) {
  TempDir dir;
  // A chatty plugin: its stderr would put the token into our logs if it were quoted.
  write_file(dir / "fail.sh", "#!/bin/sh\necho 'refresh failed for token sk-secret-123' >&2\nexit 2\n",
             true);
  ExecConfig config;
  config.command = (dir / "fail.sh").string();
  config.install_hint = "see docs";
  const std::string failed = transport_error_of([&] { run_exec_plugin(config, "", ""); });
  EXPECT_EQ(failed, "exec credential plugin \"" + config.command +
                        "\": exited with status 2 (stderr not shown, 39 bytes: it may contain "
                        "credentials) (see docs)");
  EXPECT_EQ(failed.find("sk-secret"), std::string::npos);

  write_file(dir / "quiet.sh", "#!/bin/sh\nexit 5\n", true);
  config.command = (dir / "quiet.sh").string();
  config.install_hint.clear();
  EXPECT_EQ(transport_error_of([&] { run_exec_plugin(config, "", ""); }),
            "exec credential plugin \"" + config.command + "\": exited with status 5");

  config.command = (dir / "does-not-exist").string();
  config.install_hint.clear();
  EXPECT_NE(transport_error_of([&] { run_exec_plugin(config, "", ""); }).find("cannot start"),
            std::string::npos);

  write_file(dir / "slow.sh", "#!/bin/sh\nexec sleep 30\n", true);
  config.command = (dir / "slow.sh").string();
  config.timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(transport_error_of([&] { run_exec_plugin(config, "", ""); }),
            "exec credential plugin \"" + config.command + "\": timed out after 1s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);

  write_file(dir / "garbage.sh", "#!/bin/sh\necho 'token: secret-tok'\n", true);
  config.command = (dir / "garbage.sh").string();
  std::string garbage = transport_error_of([&] { run_exec_plugin(config, "", ""); });
  EXPECT_NE(garbage.find("output is not a JSON object"), std::string::npos);
  EXPECT_EQ(garbage.find("secret-tok"), std::string::npos);
}

// Dead = gone, or a zombie waiting for whoever inherited it (the test cannot reap a grandchild).
bool process_dead(pid_t pid) {
  std::string stat = test::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

bool eventually_dead(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_dead(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

pid_t read_pid(const std::filesystem::path& file) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = test::read_file(file);
    if (!text.empty() && text.back() == '\n') return static_cast<pid_t>(std::stol(text));
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

TEST(RunExecPlugin, TimeoutKillsThePluginsWholeProcessGroup) {
  TempDir dir;
  // The shell's background child inherits our pipes and outlives a SIGKILL of the shell alone.
  write_file(dir / "stuck.sh",
             "#!/bin/sh\nsleep 1000 &\necho $! > \"$PIDS/child.tmp\"\n"
             "mv \"$PIDS/child.tmp\" \"$PIDS/child\"\nwait\n",
             true);
  ExecConfig config;
  config.command = (dir / "stuck.sh").string();
  config.env = {{"PIDS", dir.path().string()}};
  // Long enough for a loaded machine to start the script and write its pid file first.
  config.timeout = 5s;
  EXPECT_EQ(transport_error_of([&] { run_exec_plugin(config, "", ""); }),
            "exec credential plugin \"" + config.command + "\": timed out after 5s");
  const pid_t child = read_pid(dir / "child");
  ASSERT_GT(child, 0) << "the plugin never started its child";
  const bool dead = eventually_dead(child);
  if (!dead) ::kill(child, SIGKILL);  // leave nothing behind even when failing
  EXPECT_TRUE(dead) << "the plugin's child " << child << " survived the timeout";
}

TEST(RunExecPlugin, APluginThatClosesItsOutputAndNeverExitsTimesOut) {
  TempDir dir;
  // Both pipes reach EOF at once, but the process lives on: waiting for it must be bounded.
  write_file(dir / "mute.sh",
             "#!/bin/sh\necho $$ > \"$PIDS/plugin.tmp\"\nmv \"$PIDS/plugin.tmp\" \"$PIDS/plugin\"\n"
             "exec sleep 1000 >/dev/null 2>&1\n",
             true);
  ExecConfig config;
  config.command = (dir / "mute.sh").string();
  config.env = {{"PIDS", dir.path().string()}};
  // Long enough for a loaded machine to start the script and write its pid file first.
  config.timeout = 5s;
  // On a separate thread, so a regression fails the test instead of hanging it.
  auto result = std::make_shared<std::promise<std::string>>();
  std::future<std::string> done = result->get_future();
  std::thread([config, result] {
    result->set_value(transport_error_of([&] { run_exec_plugin(config, "", ""); }));
  }).detach();
  if (done.wait_for(60s) != std::future_status::ready) {
    const pid_t plugin = read_pid(dir / "plugin");
    if (plugin > 0) ::kill(plugin, SIGKILL);  // unblocks the stuck wait so the thread can end
    done.wait();
    FAIL() << "run_exec_plugin did not return within 60 s of a 5 s timeout";
  }
  EXPECT_EQ(done.get(), "exec credential plugin \"" + config.command + "\": timed out after 5s");
  const pid_t plugin = read_pid(dir / "plugin");
  ASSERT_GT(plugin, 0);
  EXPECT_TRUE(eventually_dead(plugin));
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
