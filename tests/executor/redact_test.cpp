#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "executor/support/redact.hpp"
#include "executor/support/redacting_sink.hpp"

namespace redraft::executor {
namespace {

TEST(HideSecrets, ReplacesEveryOccurrenceIncludingBoundaries) {
  std::vector<std::string> secrets{"tok123"};
  EXPECT_EQ(hide_secrets("tok123", secrets), "***");
  EXPECT_EQ(hide_secrets("tok123 middle tok123", secrets), "*** middle ***");
  EXPECT_EQ(hide_secrets("xtok123y", secrets), "x***y");
  EXPECT_EQ(hide_secrets("tok123tok123", secrets), "***");  // adjacent: one run
  EXPECT_EQ(hide_secrets("tok12", secrets), "tok12");       // partial: untouched
  EXPECT_EQ(hide_secrets("", secrets), "");
}

TEST(HideSecrets, OverlappingAndNestedSecretsLeaveNoFragment) {
  std::vector<std::string> secrets{"abcdef", "defghi"};
  EXPECT_EQ(hide_secrets("xxabcdefghixx", secrets), "xx***xx");
  std::vector<std::string> nested{"secret", "cre"};
  EXPECT_EQ(hide_secrets("a secret and cre", nested), "a *** and ***");
  // Self-overlapping occurrences ("aa" in "aaa").
  EXPECT_EQ(hide_secrets("baaab", {"aa"}), "b***b");
}

TEST(StripUrlUserinfo, HidesUserAndPassword) {
  EXPECT_EQ(strip_url_userinfo("https://user:pass@example.com/repo.git"),
            "https://***@example.com/repo.git");
  EXPECT_EQ(strip_url_userinfo("fatal: unable to access 'http://x:y@127.0.0.1:8080/r.git/': 401"),
            "fatal: unable to access 'http://***@127.0.0.1:8080/r.git/': 401");
  EXPECT_EQ(strip_url_userinfo("https://TOKEN@github.com/a/b"), "https://***@github.com/a/b");
  // Two URLs, an '@' in the password, and one without userinfo.
  EXPECT_EQ(strip_url_userinfo("a https://u:p@ss@h/x b git://h2/y c ssh://git@h3:22/z"),
            "a https://***@h/x b git://h2/y c ssh://***@h3:22/z");
  // '@' after the path is not userinfo.
  EXPECT_EQ(strip_url_userinfo("https://host/path@v1"), "https://host/path@v1");
  EXPECT_EQ(strip_url_userinfo("no url here user:pass@host"), "no url here user:pass@host");
  EXPECT_EQ(strip_url_userinfo("://x@y"), "://x@y");
  EXPECT_EQ(strip_url_userinfo("https://u:p@"), "https://***@");
}

TEST(Redactor, CombinesSecretsAndUrls) {
  Redactor r;
  r.add_secret("");  // ignored
  r.add_secret("ghp_supersecret");
  r.add_secret("ghp_supersecret");  // duplicate ignored
  EXPECT_EQ(r.secret_count(), 1u);
  EXPECT_EQ(r.redact("token ghp_supersecret in https://x:other@h/r"),
            "token *** in https://***@h/r");
  EXPECT_EQ(r.secrets(), std::vector<std::string>{"ghp_supersecret"});
}

TEST(Redactor, MultiLineSecretsAreHiddenLineByLine) {
  Redactor r;
  r.add_secret("-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\r\nshort\n-----END KEY-----\n");
  EXPECT_EQ(r.redact("bad line: AAAAB3NzaC1yc2EAAAADAQAB"), "bad line: ***");
  EXPECT_EQ(r.redact("word short stays"), "word short stays");  // under kMinSecretLineBytes
  EXPECT_EQ(r.redact("-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\r\nshort\n-----END KEY-----\n"),
            "***");
}

TEST(Redactor, ThreadSafeUnderConcurrentUse) {
  Redactor r;
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) r.add_secret("secret-" + std::to_string(i));
  });
  for (int i = 0; i < 200; ++i) {
    std::string out = r.redact("secret-0 and more");
    EXPECT_TRUE(out == "secret-0 and more" || out == "*** and more") << out;
  }
  writer.join();
  EXPECT_EQ(r.redact("secret-199"), "***");
}

TEST(RedactingSink, LoggerOutputNeverContainsTheSecret) {
  Redactor r;
  r.add_secret("hunter2");
  std::ostringstream stream;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream);
  auto logger = make_redacting_logger("redact-test", {inner}, r);
  logger->set_pattern("%v");
  logger->info("password is {} and url {}", "hunter2", "https://a:hunter2@h/x");
  logger->flush();
  EXPECT_EQ(stream.str(), "password is *** and url https://***@h/x\n");
}

TEST(RedactingSink, DefaultLoggerIsWrappedWithGlobalRedactor) {
  std::ostringstream stream;
  auto inner = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("default-test", inner));
  global_redactor().add_secret("glob-secret-42");
  install_redacting_default_logger();
  spdlog::set_pattern("%v");
  spdlog::info("value glob-secret-42 here");
  spdlog::default_logger()->flush();
  EXPECT_EQ(stream.str(), "value *** here\n");
  EXPECT_EQ(redacted("x glob-secret-42"), "x ***");
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace redraft::executor
