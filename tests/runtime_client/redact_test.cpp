// redact_url_credentials(): URL userinfo masked in free text, everything else left as it was.
#include "operator/runtime/client/redact.hpp"

#include <gtest/gtest.h>

#include <string>

namespace redraft::runtime {
namespace {

TEST(RedactUrlCredentials, UserAndPassword) {
  EXPECT_EQ(redact_url_credentials("https://user:pw@example.com/r"), "https://***@example.com/r");
  EXPECT_EQ(redact_url_credentials("http://u:p@127.0.0.1:8080"), "http://***@127.0.0.1:8080");
  EXPECT_EQ(redact_url_credentials("git+ssh://u:p@h/x.git"), "git+ssh://***@h/x.git");
}

TEST(RedactUrlCredentials, UserOnlyUserinfoIsATokenToo) {
  EXPECT_EQ(redact_url_credentials("https://ghp_abc123@github.com/o/r.git"),
            "https://***@github.com/o/r.git");
  EXPECT_EQ(redact_url_credentials("ssh://git@github.com/o/r"), "ssh://***@github.com/o/r");
}

TEST(RedactUrlCredentials, InsideA422Message) {
  // The shape a real API server (and the devserver) use for pattern failures.
  const std::string message =
      "AgenticTask.redraft.dev \"t\" is invalid: spec.repo.url: Invalid value: "
      "\"https://user:pw@example.com/r\": spec.repo.url in body should match '^https://'";
  const std::string redacted = redact_url_credentials(message);
  EXPECT_EQ(redacted,
            "AgenticTask.redraft.dev \"t\" is invalid: spec.repo.url: Invalid value: "
            "\"https://***@example.com/r\": spec.repo.url in body should match '^https://'");
  EXPECT_EQ(redacted.find("pw"), std::string::npos);
}

TEST(RedactUrlCredentials, SeveralUrlsInOneMessage) {
  EXPECT_EQ(redact_url_credentials("a https://a:1@h1/x, b http://b:2@h2 c https://h3/ok "
                                   "d 'https://tok@h4?q=1'"),
            "a https://***@h1/x, b http://***@h2 c https://h3/ok d 'https://***@h4?q=1'");
  // JSON text (a dumped object or array value).
  EXPECT_EQ(redact_url_credentials(R"({"url":"https://x:y@h/r","mirrors":["http://z@m"]})"),
            R"({"url":"https://***@h/r","mirrors":["http://***@m"]})");
}

TEST(RedactUrlCredentials, NoUserinfoIsUnchanged) {
  for (const std::string& text : {
           std::string(""),
           std::string("plain text without urls"),
           std::string("https://example.com/r"),
           std::string("https://example.com:6443/api?x=1#f"),
           std::string("https://[::1]:8443/api"),
           std::string("see ://odd and http:// alone"),
           std::string("pods \"x\" not found"),
       }) {
    EXPECT_EQ(redact_url_credentials(text), text);
  }
}

TEST(RedactUrlCredentials, AtSignsThatAreNotUserinfoStay) {
  for (const std::string& text : {
           std::string("https://registry.npmjs.org/@scope/pkg"),
           std::string("https://h/p?by=bob@example.com"),
           std::string("https://h/#me@there"),
           std::string("https://h:8080/a@b"),
           std::string("https://[::1]:8443/users/@me"),
           std::string("contact bob@example.com or https://example.com"),
           std::string("https://example.com and then alice@example.com"),
           std::string("mailto:bob@example.com"),
           // scp-style git remotes: no "://", the user is a fixed account name, no password.
           std::string("git@github.com:org/repo.git"),
       }) {
    EXPECT_EQ(redact_url_credentials(text), text);
  }
}

TEST(RedactUrlCredentials, AwkwardPasswords) {
  // An unencoded '@' in the password: everything up to the last '@' of the authority.
  EXPECT_EQ(redact_url_credentials("https://u:p@ss@h/r"), "https://***@h/r");
  // An unencoded '/' ends the authority early; "u:pa" is not host:port, so it is userinfo.
  EXPECT_EQ(redact_url_credentials("https://u:pa/ss@h/r"), "https://***@h/r");
  // Percent-encoded characters are just characters.
  EXPECT_EQ(redact_url_credentials("https://u%40x:p%2Fw@h"), "https://***@h");
  // IPv6 hosts behind userinfo.
  EXPECT_EQ(redact_url_credentials("https://u:p@[::1]:6443/x"), "https://***@[::1]:6443/x");
}

TEST(RedactUrlCredentials, IsIdempotent) {
  const std::string once = redact_url_credentials("x https://u:p@h/r y http://t@g z");
  EXPECT_EQ(once, "x https://***@h/r y http://***@g z");
  EXPECT_EQ(redact_url_credentials(once), once);
}

}  // namespace
}  // namespace redraft::runtime
