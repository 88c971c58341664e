// The git core below the phases: pure branch/lease/ref rules, and the libgit2 wrappers against
// real servers on 127.0.0.1 (the exact-lease compare-and-swap, probe vs transport failure).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "executor/git/branch_rules.hpp"
#include "executor/git/credentials.hpp"
#include "executor/git/git_error.hpp"
#include "executor/git/known_hosts.hpp"
#include "executor/git/ref_rules.hpp"
#include "executor/git/remote.hpp"
#include "executor/git/workspace.hpp"
#include "executor/phases/cli.hpp"
#include "executor/phases/commit_message.hpp"
#include "executor/phases/state.hpp"
#include "executor/phases/task_checks.hpp"
#include "executor/phases/watchdog.hpp"
#include "executor/support/redact.hpp"
#include "tests/git/scenario_fixture.hpp"

namespace redraft::gittest {
namespace {

namespace fs = std::filesystem;
using namespace redraft::executor;
using git::branch_problem;

TEST(BranchRules, AcceptsOrdinaryBranchNames) {
  for (const char* ok : {"main", "redraft/wl/issue-12", "feature_x", "a.b", "v1.2/x", "UPPER"}) {
    EXPECT_EQ(branch_problem(ok), std::nullopt) << ok;
  }
}

TEST(BranchRules, RejectsHostileNamesWithoutEchoingThem) {
  for (const char* bad : {"-x", "--upload-pack=x", "a..b", "a b", "a\nb", "refs/heads/../x", "", "a~1",
                          "a^", "a:b", "a?", "a*", "a[", "a\\b", "a@{1}", "@", "HEAD", "/a", "a/",
                          "a//b", "a.", ".a", "a/.b", "x.lock", "a/b.lock/c", "refs/heads/x", "a\x7f",
                          "tab\there"}) {
    auto p = branch_problem(bad);
    ASSERT_TRUE(p.has_value()) << "accepted: " << bad;
    if (std::string(bad).size() > 4) {  // short ones ("HEAD") are named by the rule itself
      EXPECT_EQ(p->find(bad), std::string::npos) << *p;
    }
  }
  EXPECT_EQ(*branch_problem("-x"), "must not start with '-'");
  EXPECT_EQ(*branch_problem("a..b"), "must not contain '..'");
  EXPECT_EQ(*branch_problem(std::string(201, 'a')), "must be at most 200 characters");
}

TEST(BranchRules, PlanStart) {
  using git::StartFrom;
  EXPECT_EQ(git::plan_start("", "", false).from, StartFrom::kBase);
  EXPECT_EQ(git::plan_start("", "", false).restore_outcome, "none");
  EXPECT_EQ(git::plan_start("restore", "b", true).from, StartFrom::kPrior);
  EXPECT_EQ(git::plan_start("", "b", true).restore_outcome, "restored");  // default is restore
  EXPECT_EQ(git::plan_start("rebase", "b", true).from, StartFrom::kPriorRebased);
  EXPECT_EQ(git::plan_start("restore", "b", false).restore_outcome, "fallback");
  EXPECT_EQ(git::plan_start("rebase", "b", false).from, StartFrom::kBase);
  EXPECT_EQ(git::plan_start("reset", "b", true).from, StartFrom::kBase);
  EXPECT_EQ(git::plan_start("reset", "b", true).restore_outcome, "none");
  EXPECT_FALSE(git::wants_prior("reset", "b"));
  EXPECT_FALSE(git::wants_prior("restore", ""));
}

TEST(BranchRules, DecidePush) {
  using git::PushDecision;
  EXPECT_EQ(git::decide_push(std::nullopt, false, false), PushDecision::kPush);  // create
  EXPECT_EQ(git::decide_push(std::string("a"), true, false), PushDecision::kPush);  // fast-forward
  EXPECT_EQ(git::decide_push(std::string("a"), false, false), PushDecision::kNonFastForward);
  EXPECT_EQ(git::decide_push(std::string("a"), false, true), PushDecision::kPush);  // allowed rewrite
}

TEST(RemoteUrl, HostExtraction) {
  EXPECT_EQ(git::url_host("https://u:p@Example.com:8443/x.git"), "example.com");
  EXPECT_EQ(git::url_host("git://127.0.0.1:9418/r.git"), "127.0.0.1");
  EXPECT_EQ(git::url_host("git@github.com:o/r.git"), "github.com");
  EXPECT_EQ(git::url_host("ssh://git@[::1]:22/r"), "::1");
  EXPECT_EQ(git::url_host("/srv/repo.git"), "");
  EXPECT_EQ(git::url_host("./a:b"), "");
}

TEST(KnownHosts, Base64MatchesTheStandardEncoding) {
  auto enc = [](std::string_view s) { return git::base64(reinterpret_cast<const unsigned char*>(s.data()), s.size()); };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
  const unsigned char high[] = {0xff, 0xfe, 0x00};
  EXPECT_EQ(git::base64(high, 3), "//4A");
}

TEST(KnownHosts, AcceptsOnlyTheListedKeyForTheHost) {
  const std::string kh =
      "# comment\n"
      "github.com,140.82.121.4 ssh-ed25519 AAAAKEY1\n"
      "[git.example.com]:2222 ssh-rsa AAAAKEY2 comment\n"
      "@revoked evil.example ssh-rsa AAAAKEY3\n";
  EXPECT_TRUE(git::known_hosts_accepts(kh, "github.com", "AAAAKEY1"));
  EXPECT_TRUE(git::known_hosts_accepts(kh, "GitHub.com", "AAAAKEY1"));
  EXPECT_TRUE(git::known_hosts_accepts(kh, "140.82.121.4", "AAAAKEY1"));
  EXPECT_TRUE(git::known_hosts_accepts(kh, "git.example.com", "AAAAKEY2"));
  EXPECT_FALSE(git::known_hosts_accepts(kh, "github.com", "AAAAKEY2"));   // wrong key
  EXPECT_FALSE(git::known_hosts_accepts(kh, "gitlab.com", "AAAAKEY1"));   // unknown host
  EXPECT_FALSE(git::known_hosts_accepts(kh, "evil.example", "AAAAKEY3")); // markers never accept
  EXPECT_FALSE(git::known_hosts_accepts(kh, "", "AAAAKEY1"));
  EXPECT_FALSE(git::known_hosts_accepts("", "github.com", "AAAAKEY1"));
}

TEST(Credentials, LoadsEachLayoutAndRegistersSecretsForRedaction) {
  fixtures::TempDir dir("redraft-creds");
  fixtures::write_file(dir / "token", "tok-abcdef-123\n");
  auto c = git::load_credentials(dir.path());
  EXPECT_EQ(c.password, "tok-abcdef-123");  // trailing newline trimmed
  EXPECT_FALSE(c.username.empty());
  EXPECT_TRUE(c.has_userpass());
  EXPECT_EQ(redacted("x tok-abcdef-123 y"), "x *** y");

  fixtures::TempDir up("redraft-creds");
  fixtures::write_file(up / "username", "alice\n");
  fixtures::write_file(up / "password", "pw-0987654321\n");
  c = git::load_credentials(up.path());
  EXPECT_EQ(c.username, "alice");
  EXPECT_EQ(c.password, "pw-0987654321");

  fixtures::TempDir ssh("redraft-creds");
  fixtures::write_file(ssh / "ssh-privatekey", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
  fixtures::write_file(ssh / "known_hosts", "h ssh-ed25519 AAAA\n");
  c = git::load_credentials(ssh.path());
  EXPECT_TRUE(c.has_ssh_key());
  EXPECT_FALSE(c.has_userpass());
  EXPECT_EQ(c.known_hosts, "h ssh-ed25519 AAAA\n");

  fixtures::TempDir empty("redraft-creds");
  EXPECT_TRUE(git::load_credentials(empty.path()).empty());
  try {
    git::load_credentials(empty / "missing");
    FAIL() << "a missing credentials dir was accepted";
  } catch (const git::GitError& e) {
    EXPECT_EQ(e.failure(), git::Failure::kInvalid);
    EXPECT_NE(std::string(e.what()).find("--git-credentials-dir"), std::string::npos) << e.what();
  }
}

TEST(RemoteErrors, RecognisesHttpAuthStatusOnlyAsAPhrase) {
  EXPECT_TRUE(git::is_http_auth_status("unexpected http status code: 403"));
  EXPECT_TRUE(git::is_http_auth_status("x: unexpected http status code: 401 (y)"));
  EXPECT_FALSE(git::is_http_auth_status("unexpected http status code: 4031"));
  EXPECT_FALSE(git::is_http_auth_status("failed to connect to 127.0.0.1:40131"));
  EXPECT_FALSE(git::is_http_auth_status("unexpected http status code: 500"));
}

TEST(Cli, ParsesTheContract) {
  auto p = parse_cli({"publish", "--task-file", "t", "--agent-file=a", "--workspace", "w", "--state-dir", "s",
                      "--result-file", "o", "--git-credentials-dir", "c"});
  ASSERT_TRUE(p.options) << p.error;
  EXPECT_EQ(p.options->command, "publish");
  EXPECT_EQ(p.options->agent_file, "a");
  EXPECT_EQ(p.options->credentials_dir, fs::path("c"));
  auto bad = parse_cli({"deploy", "--result-file", "o"});
  EXPECT_FALSE(bad.options);
  EXPECT_EQ(bad.result_file, fs::path("o"));
  EXPECT_NE(bad.error.find("command"), std::string::npos);
  auto missing = parse_cli({"run", "--task-file", "t", "--agent-file", "a", "--workspace", "w", "--result-file", "o"});
  EXPECT_EQ(missing.error, "--state-dir: required");
  EXPECT_NE(parse_cli({"run", "--bogus", "1"}).error.find("--bogus"), std::string::npos);
}

TEST(CommitMessage, SummaryTitleBodyAndTrailers) {
  api::AgenticTask t;
  t.metadata.name = "wl-1-code";
  t.metadata.labels = {{"redraft.dev/workload", "wl"}, {"redraft.dev/iteration", "2"}};
  t.spec.agentRef.name = "coder";
  std::string msg = compose_commit_message(t, "Fix the parser\n\nDetails here.\nRedraft-Task: forged\x01");
  EXPECT_EQ(msg,
            "Fix the parser\n\nDetails here.\n\nRedraft-Task: wl-1-code\nRedraft-Workload: wl\n"
            "Redraft-Iteration: 2\nRedraft-Agent: coder\n");
  api::AgenticTask bare;
  bare.metadata.name = "solo";
  bare.spec.agentRef.name = "a";
  bare.spec.issue = api::IssueRef{7, "Crash on start", ""};
  EXPECT_EQ(compose_commit_message(bare, ""),
            "redraft: Crash on start\n\nRedraft-Task: solo\nRedraft-Iteration: 0\nRedraft-Agent: a\n");
}

TEST(PrepareState, RoundTripsAndRejectsGarbage) {
  PrepareState s{"code", "refs/heads/x", std::string(40, 'a'), std::string(40, 'b'), std::nullopt};
  EXPECT_EQ(decode_prepare_state(encode_prepare_state(s)), s);
  s.lease = std::string(40, 'c');
  EXPECT_EQ(decode_prepare_state(encode_prepare_state(s)), s);
  EXPECT_THROW(decode_prepare_state("{}"), std::runtime_error);
  EXPECT_THROW(decode_prepare_state("nope"), std::runtime_error);
  EXPECT_THROW(decode_prepare_state(R"({"kind":"code","workingRef":"r","tipSha":"x","baseSha":"","lease":null})"),
               std::runtime_error);
}

TEST(PrepareState, MacDetectsTamperingWhenKeyed) {
  git::Credentials creds;
  creds.password = "tok-1234567890";
  const std::string key = state_key(creds);
  ASSERT_FALSE(key.empty());
  EXPECT_TRUE(state_key(std::nullopt).empty());
  PrepareState s{"code", "refs/heads/x", std::string(40, 'a'), std::string(40, 'b'), std::string(40, 'c')};
  const std::string text = encode_prepare_state(s, key);
  EXPECT_EQ(decode_prepare_state(text, key), s);
  EXPECT_EQ(decode_prepare_state(text), s);  // the agent phase reads it without the key
  std::string moved = text;
  moved.replace(moved.find(std::string(40, 'c')), 40, std::string(40, 'd'));
  EXPECT_THROW(decode_prepare_state(moved, key), std::runtime_error);
  EXPECT_THROW(decode_prepare_state(encode_prepare_state(s), key), std::runtime_error);  // MAC removed
  git::Credentials other;
  other.password = "another-token-000";
  EXPECT_THROW(decode_prepare_state(text, state_key(other)), std::runtime_error);
}

TEST(TaskChecks, NamesEachBadField) {
  api::AgenticTask t;
  t.spec.kind = "deploy";
  t.spec.branch = "-x";
  t.spec.baseBranch = "main";
  t.spec.reviseFromBranch = "a..b";
  t.spec.branchStrategy = "merge";
  t.spec.expectedRemoteSha = "not-a-sha";  // only the API rules know this one
  auto problems = executor_spec_problems(t);
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_NE(all.find("spec.kind"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.repo.url: required"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.branch: must not start with '-'"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.reviseFromBranch: must not contain '..'"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.branchStrategy"), std::string::npos) << all;
  EXPECT_NE(all.find("spec.expectedRemoteSha"), std::string::npos) << all;
  // A field both checks cover is reported once.
  EXPECT_EQ(all.find("spec.branch:"), all.rfind("spec.branch:")) << all;
}

TEST(GitDeadline, ParsesTheEnvironmentValue) {
  EXPECT_EQ(git_timeout_from(std::nullopt), std::chrono::seconds(kDefaultGitTimeoutSeconds));
  EXPECT_EQ(git_timeout_from(""), std::chrono::seconds(kDefaultGitTimeoutSeconds));
  EXPECT_EQ(git_timeout_from("45"), std::chrono::seconds(45));
  EXPECT_EQ(git_timeout_from("0"), std::chrono::seconds(kDefaultGitTimeoutSeconds));
  EXPECT_EQ(git_timeout_from("-3"), std::chrono::seconds(kDefaultGitTimeoutSeconds));
  EXPECT_EQ(git_timeout_from("10s"), std::chrono::seconds(kDefaultGitTimeoutSeconds));
}

TEST(GitDeadline, FiresOnlyWhenNotCancelled) {
  std::atomic<int> fired{0};
  { Watchdog cancelled(std::chrono::seconds(30), [&] { ++fired; }); }
  EXPECT_EQ(fired.load(), 0);
  {
    Watchdog dog(std::chrono::milliseconds(10), [&] { ++fired; });
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (fired.load() == 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  }
  EXPECT_EQ(fired.load(), 1);
}

// ---- libgit2 wrappers against real servers ----

class RemoteCore : public GitScenario {
 protected:
  void SetUp() override {
    GitScenario::SetUp();
    dir_ = std::make_unique<fixtures::TempDir>("redraft-core");
  }
  std::unique_ptr<fixtures::TempDir> dir_;
  git::LibGit2 lib_;
};

TEST_F(RemoteCore, ProbeDistinguishesMissingRefFromUnreachableRemote) {
  auto ws = git::Workspace::create(dir_->path() / "ws");
  git::Remote remote(ws.raw(), url_, nullptr, git::Remote::Direction::kFetch);
  const auto& refs = remote.connect();
  EXPECT_EQ(refs.at("refs/heads/main"), main_sha_);
  EXPECT_EQ(refs.count("refs/heads/missing"), 0u);

  daemon_->stop();
  git::Remote down(ws.raw(), url_, nullptr, git::Remote::Direction::kFetch);
  try {
    down.connect();
    FAIL() << "connect to a stopped daemon succeeded";
  } catch (const git::GitError& e) {
    EXPECT_EQ(e.failure(), git::Failure::kTransport) << e.what();
  }
}

TEST_F(RemoteCore, ErrorsNeverCarryUrlUserinfo) {
  auto ws = git::Workspace::create(dir_->path() / "ws");
  const std::string url = "http://user:" + std::string(kToken) + "@127.0.0.1:" +
                          std::to_string(fixtures::pick_free_port()) + "/origin.git";
  git::Remote remote(ws.raw(), url, nullptr, git::Remote::Direction::kFetch);
  try {
    remote.connect();
    FAIL() << "connect to a closed port succeeded";
  } catch (const git::GitError& e) {
    EXPECT_EQ(e.failure(), git::Failure::kTransport) << e.what();
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("http://***@127.0.0.1"), std::string::npos) << e.what();
  }
}

// The lease is exact: the value advertised on the push connection is what the server compares
// against, so a push that lands between our ls and our upload is never overwritten.
void expect_cas_protects_window(GitScenario& s, git::Workspace& ws, const std::string& url,
                                const git::Credentials* creds, const std::function<std::string()>& foreign_push) {
  git::Remote fetch(ws.raw(), url, creds, git::Remote::Direction::kFetch);
  const std::string lease = fetch.connect().at("refs/heads/race");
  fetch.download({"refs/heads/race"});
  ws.checkout_branch("refs/heads/race", lease);
  fixtures::write_file(ws.dir() / "mine.txt", "mine\n");
  auto commit = ws.commit_worktree(lease, {"T", "t@example.com"}, "mine\n");
  ASSERT_TRUE(commit);
  ws.set_ref("refs/redraft/publish", *commit);

  git::Remote push(ws.raw(), url, creds, git::Remote::Direction::kPush);
  EXPECT_EQ(push.connect().at("refs/heads/race"), lease);  // advertised == lease: our check passes
  const std::string foreign = foreign_push();                // ...then someone pushes
  auto out = push.push_with_lease("refs/redraft/publish", "refs/heads/race", lease);
  EXPECT_NE(out.status, git::PushStatus::kPushed);
  EXPECT_EQ(s.remote_sha("race"), foreign);
}

TEST_F(RemoteCore, LeaseCompareAndSwapOverGitDaemon) {
  push_commit("main", "race", {{"r.txt", "r\n"}}, "race base");
  auto ws = git::Workspace::create(dir_->path() / "ws");
  expect_cas_protects_window(*this, ws, url_, nullptr, [&] {
    return push_commit("race", "race", {{"f.txt", "foreign\n"}}, "foreign in the window");
  });
}

TEST_F(RemoteCore, LeaseCompareAndSwapOverHttp) {
  start_http();
  push_commit("main", "race", {{"r.txt", "r\n"}}, "race base");
  auto ws = git::Workspace::create(dir_->path() / "ws");
  git::Credentials creds;
  creds.username = "x";
  creds.password = kToken;
  expect_cas_protects_window(*this, ws, http_->url_for("origin"), &creds, [&] {
    return push_commit("race", "race", {{"f.txt", "foreign\n"}}, "foreign in the window");
  });
}

TEST_F(RemoteCore, PushWithMatchingLeaseUpdatesAndAbsentLeaseCreates) {
  auto ws = git::Workspace::create(dir_->path() / "ws");
  git::Remote fetch(ws.raw(), url_, nullptr, git::Remote::Direction::kFetch);
  fetch.connect();
  fetch.download({"refs/heads/main"});
  ws.checkout_branch("refs/heads/new", main_sha_);
  fixtures::write_file(ws.dir() / "n.txt", "n\n");
  auto commit = ws.commit_worktree(main_sha_, {"T", "t@example.com"}, "n\n");
  ASSERT_TRUE(commit);
  ws.set_ref("refs/redraft/publish", *commit);
  {
    git::Remote push(ws.raw(), url_, nullptr, git::Remote::Direction::kPush);
    // Wrong lease (claims the branch exists): refused before anything is sent.
    auto out = push.push_with_lease("refs/redraft/publish", "refs/heads/new", main_sha_);
    EXPECT_EQ(out.status, git::PushStatus::kLeaseRejected);
    EXPECT_EQ(out.observed, std::nullopt);
  }
  EXPECT_FALSE(remote_sha("new"));
  git::Remote push(ws.raw(), url_, nullptr, git::Remote::Direction::kPush);
  auto out = push.push_with_lease("refs/redraft/publish", "refs/heads/new", std::nullopt);
  EXPECT_EQ(out.status, git::PushStatus::kPushed);
  EXPECT_EQ(remote_sha("new"), *commit);
}

// Fetches main and `branch` of origin into a fresh workspace.
git::Workspace fetched(const fs::path& dir, const std::string& url, const std::string& branch) {
  auto ws = git::Workspace::create(dir);
  git::Remote fetch(ws.raw(), url, nullptr, git::Remote::Direction::kFetch);
  fetch.connect();
  fetch.download({"refs/heads/main", "refs/heads/" + branch});
  return ws;
}

TEST_F(RemoteCore, RebaseDropsCommitsAlreadyInTheBaseAndReportsConflictPaths) {
  push_commit("main", "dup", {{"same.txt", "same\n"}}, "on the branch");
  const std::string kept = push_commit("dup", "dup", {{"kept.txt", "kept\n"}}, "second on the branch");
  const std::string base = push_commit("main", "main", {{"same.txt", "same\n"}}, "same change upstream");
  auto ws = fetched(dir_->path() / "ws", url_, "dup");
  auto rb = ws.rebase(kept, base, {"T", "t@example.com"});
  ASSERT_FALSE(rb.conflict);
  EXPECT_TRUE(ws.is_ancestor(base, rb.tip));
  // Only the commit not already upstream was replayed.
  EXPECT_EQ(ws.changed_paths(base, rb.tip), std::vector<std::string>{"kept.txt"});

  const std::string theirs = push_commit("main", "main", {{"README.md", "upstream\n"}}, "upstream readme");
  const std::string ours = push_commit("dup", "dup", {{"README.md", "ours\n"}}, "our readme");
  auto ws2 = fetched(dir_->path() / "ws2", url_, "dup");
  auto conflict = ws2.rebase(ours, theirs, {"T", "t@example.com"});
  EXPECT_TRUE(conflict.conflict);
  EXPECT_EQ(conflict.conflicted, std::vector<std::string>{"README.md"});
}

TEST_F(RemoteCore, CommitWorktreeReportsNoChanges) {
  auto ws = git::Workspace::create(dir_->path() / "ws");
  git::Remote fetch(ws.raw(), url_, nullptr, git::Remote::Direction::kFetch);
  fetch.connect();
  fetch.download({"refs/heads/main"});
  ws.checkout_branch("refs/heads/main", main_sha_);
  EXPECT_EQ(ws.commit_worktree(main_sha_, {"T", "t@example.com"}, "m\n"), std::nullopt);
  fixtures::write_file(ws.dir() / "x.log", "ignored\n");
  EXPECT_EQ(ws.commit_worktree(main_sha_, {"T", "t@example.com"}, "m\n"), std::nullopt);
  fixtures::write_file(ws.dir() / "README.md", "changed\n");
  auto c = ws.commit_worktree(main_sha_, {"T", "t@example.com"}, "m\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(ws.changed_paths(main_sha_, *c), std::vector<std::string>{"README.md"});
}

}  // namespace
}  // namespace redraft::gittest
