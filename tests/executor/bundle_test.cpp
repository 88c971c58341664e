// The self-contained bundles (hack/bundle, issue 9 §1) in an empty root: a chroot holding only
// what `redraft-executor install` wrote, /etc/hosts, /etc/passwd, a CA bundle, the task's files
// and a static scripted agent. No libc, no shell, no /proc. The executor does a real prepare,
// agent and publish there against the test git daemon and the token-protected https
// git http-backend, both reached by a host name that only the root's /etc/hosts knows.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "tests/executor/chroot_probe.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"
#include "tests/fixtures/tls_certs.hpp"
#include "tests/git/scenario_fixture.hpp"

namespace redraft::bundletest {
namespace {

namespace fs = std::filesystem;
using fixtures::CommandResult;
using gittest::kToken;

const fs::path kBundles = fs::path(REDRAFT_BINARY_DIR) / "bundles";
const fs::path kExecutorBundle = kBundles / "redraft-executor";
const fs::path kAgent = REDRAFT_BUNDLE_AGENT_PATH;
constexpr const char* kHost = "git.redraft.test";  // known only to the root's /etc/hosts
constexpr const char* kUser = "65532:65532";       // the images' non-root user
constexpr uid_t kUid = 65532;

CommandResult run(const std::vector<std::string>& argv) {
  fixtures::CommandOptions options;
  options.timeout = std::chrono::seconds(120);
  return fixtures::run_command(argv, options);
}

// Runs argv inside `root` with an empty environment (but HOME), as the non-root user unless
// `as_root`. chroot(8) resolves nothing on the way in: every path in argv is absolute.
CommandResult in_root(const fs::path& root, const std::vector<std::string>& argv, bool as_root = false) {
  std::vector<std::string> cmd{"/usr/bin/env", "-i", "HOME=/work", "/usr/sbin/chroot"};
  if (!as_root) cmd.push_back(std::string("--userspec=") + kUser);
  cmd.push_back(root.string());
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  return run(cmd);
}

void chown_tree(const fs::path& dir) {
  ASSERT_EQ(::chown(dir.c_str(), kUid, kUid), 0) << dir;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    ASSERT_EQ(::lchown(entry.path().c_str(), kUid, kUid), 0) << entry.path();
  }
}

// Every regular file below `dir`, relative path ⇒ size.
std::map<std::string, std::uintmax_t> tree(const fs::path& dir) {
  std::map<std::string, std::uintmax_t> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out[fs::relative(entry.path(), dir).string()] = entry.file_size();
  }
  return out;
}

// The result of one executor phase run inside the root.
struct RootPhase {
  CommandResult process;
  nlohmann::json result;
  api::AgenticTaskStatus status;
  std::string output() const { return process.out + process.err; }
};

class EmptyRoot : public gittest::GitScenario {
 protected:
  void SetUp() override {
    GitScenario::SetUp();
    root_dir_ = std::make_unique<fixtures::TempDir>("redraft-emptyroot");
    certs_ = std::make_unique<fixtures::TempDir>("redraft-emptyroot-certs");
    tls_ = fixtures::make_test_certificates(certs_->path(), kHost);
    http_ = std::make_unique<fixtures::GitHttpServer>(
        remotes_, kToken, fixtures::GitHttpTls{tls_.server_certificate, tls_.server_key});
  }

  void TearDown() override {
    root_dir_.reset();
    GitScenario::TearDown();
  }

  fs::path root() const { return root_dir_->path(); }

  // The empty root: the installed executor and the few files an image provides.
  void build_root() {
    fs::permissions(root(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);  // mkdtemp made it 0700
    fs::create_directories(root() / "redraft/bin");
    // The bundle installs itself, as the task Pod's install init container does.
    auto install = run({(kExecutorBundle / "redraft-executor").string(), "install", "--to",
                        (root() / "redraft/bin").string()});
    ASSERT_EQ(install.exit_code, 0) << install.err;
    fixtures::write_file(root() / "etc/hosts", "127.0.0.1 localhost\n127.0.0.1 " + std::string(kHost) + "\n");
    fixtures::write_file(root() / "etc/passwd", "root:x:0:0:root:/root:/nonexistent\n"
                                                "redraft:x:65532:65532:redraft:/work:/nonexistent\n");
    fs::create_directories(root() / "etc/ssl/certs");
    fs::copy_file(tls_.ca_certificate, root() / "etc/ssl/certs/ca-certificates.crt");
    fs::create_directories(root() / "agent");
    fs::copy_file(kAgent, root() / "agent/bundle-agent");
    fs::create_directories(root() / "work");
    chown_tree(root() / "work");
  }

  // /work/<name>: task.json, agent.json (the static agent), creds/token.
  void lay_out_task(const std::string& name, const std::string& url, const std::string& branch) {
    const fs::path dir = root() / "work" / name;
    fixtures::write_file(dir / "task.json", gittest::make_task("code", url, branch).dump(2));
    nlohmann::json agent = gittest::make_agent("coder", "/unused");
    agent["spec"]["command"] = {"/agent/bundle-agent", "/work/" + name + "/agent-env.txt"};
    fixtures::write_file(dir / "agent.json", agent.dump(2));
    fixtures::write_file(dir / "creds/token", std::string(kToken) + "\n");
    chown_tree(dir);
  }

  RootPhase phase(const std::string& name, const std::string& command) {
    const std::string dir = "/work/" + name;
    RootPhase out;
    fs::remove(root() / "work" / name / "result.json");
    out.process = in_root(root(), {"/redraft/bin/redraft-executor", command,
                                   "--task-file", dir + "/task.json",
                                   "--agent-file", dir + "/agent.json",
                                   "--workspace", dir + "/workspace",
                                   "--state-dir", dir + "/state",
                                   "--result-file", dir + "/result.json",
                                   "--git-credentials-dir", dir + "/creds"});
    const fs::path result = root() / "work" / name / "result.json";
    if (fs::exists(result)) {
      out.result = nlohmann::json::parse(fixtures::read_file(result));
      api::from_json(out.result, out.status);
    }
    return out;
  }

  void expect_pushed_by_agent(const RootPhase& last, const std::string& branch) {
    EXPECT_EQ(last.status.verdict, "PUSHED") << last.status.message << "\n" << last.output();
    const auto pushed = remote_sha(branch);
    ASSERT_TRUE(pushed.has_value()) << "nothing pushed to " << branch;
    EXPECT_EQ(last.status.commitSha, *pushed);
    EXPECT_EQ(rev(*pushed + "^"), main_sha_);
    EXPECT_EQ(file_at(*pushed, "NOTES.md"), "edited by the static bundle agent\n");
    EXPECT_EQ(file_at(*pushed, "README.md"), "hello\nworld\n");
  }

  void expect_no_token(const std::string& name, const std::vector<const RootPhase*>& phases) {
    for (const RootPhase* p : phases) {
      EXPECT_EQ(p->output().find(kToken), std::string::npos) << p->output();
      EXPECT_EQ(p->result.dump().find(kToken), std::string::npos) << p->result.dump();
    }
    // What reached the agent: no token, and nothing of the bundle's own plumbing.
    const std::string env = fixtures::read_file(root() / "work" / name / "agent-env.txt");
    EXPECT_EQ(env.find(kToken), std::string::npos) << env;
    EXPECT_EQ(env.find("REDRAFT_BUNDLE_DIR"), std::string::npos) << env;
    EXPECT_EQ(env.find("LD_LIBRARY_PATH"), std::string::npos) << env;
    EXPECT_NE(env.find("REDRAFT_RESULT_FILE=/work/" + name + "/state/"), std::string::npos) << env;
    // The workspace's git config does not keep the token either.
    const fs::path config = root() / "work" / name / "workspace/.git/config";
    if (fs::exists(config)) {
      EXPECT_EQ(fixtures::read_file(config).find(kToken), std::string::npos);
    }
  }

  std::unique_ptr<fixtures::TempDir> root_dir_;
  std::unique_ptr<fixtures::TempDir> certs_;
  fixtures::TestCertificates tls_;
};

TEST_F(EmptyRoot, HttpsWithTokenPhaseByPhase) {
  REDRAFT_REQUIRE_CHROOT();
  build_root();
  const std::string url = http_->url_for("origin", kHost);
  ASSERT_EQ(url.rfind("https://git.redraft.test:", 0), 0u) << url;
  lay_out_task("https", url, "redraft/bundle/https");

  // One process per phase, as in the task Pod (init containers, then the agent container).
  RootPhase prepare = phase("https", "prepare");
  ASSERT_EQ(prepare.process.exit_code, 0) << prepare.output();
  ASSERT_NE(prepare.status.phase, "Failed") << prepare.status.message << "\n" << prepare.output();
  EXPECT_EQ(prepare.status.baseSha, main_sha_);
  EXPECT_EQ(fixtures::read_file(root() / "work/https/workspace/README.md"), "hello\nworld\n");

  RootPhase agent = phase("https", "agent");
  ASSERT_EQ(agent.process.exit_code, 0) << agent.output();
  ASSERT_NE(agent.status.phase, "Failed") << agent.status.message << "\n" << agent.output();
  EXPECT_EQ(agent.status.summary, "appended a line to NOTES.md");

  RootPhase publish = phase("https", "publish");
  ASSERT_EQ(publish.process.exit_code, 0) << publish.output();
  expect_pushed_by_agent(publish, "redraft/bundle/https");
  expect_no_token("https", {&prepare, &agent, &publish});
  // The token went over TLS as basic auth (the server only answers with it).
  EXPECT_FALSE(http_->authorization_headers().empty());
}

TEST_F(EmptyRoot, GitDaemonAllPhasesInOneRun) {
  REDRAFT_REQUIRE_CHROOT();
  build_root();
  const std::string url = "git://" + std::string(kHost) + ":" + std::to_string(daemon_->port()) + "/origin.git";
  lay_out_task("daemon", url, "redraft/bundle/daemon");
  RootPhase all = phase("daemon", "run");
  ASSERT_EQ(all.process.exit_code, 0) << all.output();
  expect_pushed_by_agent(all, "redraft/bundle/daemon");
  expect_no_token("daemon", {&all});
}

TEST_F(EmptyRoot, UntrustedCertificateFailsAsAuthWithoutTheToken) {
  REDRAFT_REQUIRE_CHROOT();
  build_root();
  // The root trusts some other CA: verification must fail, naming the certificate problem.
  fixtures::TempDir other("redraft-emptyroot-other");
  const auto other_ca = fixtures::make_test_certificates(other.path(), kHost);
  fs::copy_file(other_ca.ca_certificate, root() / "etc/ssl/certs/ca-certificates.crt",
                fs::copy_options::overwrite_existing);
  lay_out_task("untrusted", http_->url_for("origin", kHost), "redraft/bundle/untrusted");
  RootPhase prepare = phase("untrusted", "prepare");
  ASSERT_EQ(prepare.process.exit_code, 0) << prepare.output();
  EXPECT_EQ(prepare.status.phase, "Failed");
  EXPECT_EQ(prepare.status.reason, "AuthFailed") << prepare.status.message;
  EXPECT_NE(prepare.status.message.find("certificate"), std::string::npos) << prepare.status.message;
  EXPECT_EQ(prepare.output().find(kToken), std::string::npos) << prepare.output();
  EXPECT_EQ(http_->request_count(), 0u) << "no request may pass an unverified TLS handshake";
}

// Both bundles answer --version in a root holding nothing but the bundle, copied to "/".
TEST(BundleVersion, BothBinariesRunInARootHoldingOnlyTheirBundle) {
  REDRAFT_REQUIRE_CHROOT();
  for (const std::string name : {"redraft-executor", "redraft-operator"}) {
    fixtures::TempDir root("redraft-bundle-only");
    fs::copy(kBundles / name, root.path(), fs::copy_options::recursive);
    fs::permissions(root.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);
    auto r = in_root(root.path(), {"/" + name, "--version"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, name + " 0.1.0\n") << r.err;
    // Without /proc the launcher finds its directory from argv[0]: a relative path, or a bare
    // name found in PATH (the executor image sets PATH=/ for the install container's command).
    auto relative = in_root(root.path(), {"./" + name, "--version"});
    EXPECT_EQ(relative.out, name + " 0.1.0\n") << relative.err;
    auto by_path = run({"/usr/bin/env", "-i", "PATH=/", "/usr/sbin/chroot", "--userspec=65532:65532",
                        root.path().string(), name, "--version"});
    EXPECT_EQ(by_path.out, name + " 0.1.0\n") << by_path.err;
  }
}

TEST(BundleVersion, DevBinariesPrintTheSameVersion) {
  for (const std::string name : {"redraft-executor", "redraft-operator"}) {
    const fs::path dev = fs::path(REDRAFT_BINARY_DIR) / (name == "redraft-executor" ? "executor" : "operator") / name;
    auto r = run({dev.string(), "--version"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, name + " " + REDRAFT_PROJECT_VERSION + "\n");
  }
}

// The executor image's layout (the bundle at "/", as hack/build-images.sh makes it): its install
// init container copies the tree into a volume, from which the executor runs.
TEST(BundleInstall, FromABundleAtTheRootIntoAVolume) {
  REDRAFT_REQUIRE_CHROOT();
  fixtures::TempDir root("redraft-bundle-image");
  fs::copy(kExecutorBundle, root.path(), fs::copy_options::recursive);
  fs::create_directories(root / "redraft/bin");
  // Something else in /lib (not in the manifest) stays where it is.
  fixtures::write_file(root / "lib/not-ours.so", "x");
  auto install = in_root(root.path(), {"/redraft-executor", "install", "--to", "/redraft/bin"}, true);
  ASSERT_EQ(install.exit_code, 0) << install.err;
  EXPECT_EQ(install.out, "installed /redraft/bin/redraft-executor (self-contained bundle, " +
                             std::to_string(tree(kExecutorBundle).size()) + " files)\n");
  EXPECT_EQ(tree(root / "redraft/bin"), tree(kExecutorBundle));
  EXPECT_FALSE(fs::exists(root / "redraft/bin/lib/not-ours.so"));
  auto copy = in_root(root.path(), {"/redraft/bin/redraft-executor", "--version"}, true);
  EXPECT_EQ(copy.out, "redraft-executor " REDRAFT_PROJECT_VERSION "\n") << copy.err;
}

// Every library any bundled ELF file needs is in the bundle's lib/, and the entry is static.
TEST(BundleLayout, EveryNeededLibraryIsInsideTheBundle) {
  for (const std::string name : {"redraft-executor", "redraft-operator"}) {
    const fs::path lib = kBundles / name / "lib";
    ASSERT_TRUE(fs::is_regular_file(lib / (name + ".bin"))) << lib;
    ASSERT_TRUE(fs::is_regular_file(lib / "ld.so")) << lib;
    // The manifest install copies by lists exactly the other files of lib/.
    std::set<std::string> listed, present;
    std::istringstream manifest(fixtures::read_file(lib / "redraft-bundle.files"));
    for (std::string line; std::getline(manifest, line);) listed.insert(line);
    for (const auto& file : fs::directory_iterator(lib)) present.insert(file.path().filename().string());
    present.erase("redraft-bundle.files");
    EXPECT_EQ(listed, present) << name;
    auto entry = run({"readelf", "--program-headers", "--wide", (kBundles / name / name).string()});
    ASSERT_EQ(entry.exit_code, 0) << entry.err;
    EXPECT_EQ(entry.out.find("INTERP"), std::string::npos) << name << " entry point is not static";

    for (const auto& file : fs::directory_iterator(lib)) {
      if (file.path().filename() == "redraft-bundle.files") continue;
      auto dynamic = run({"readelf", "--dynamic", "--wide", file.path().string()});
      ASSERT_EQ(dynamic.exit_code, 0) << dynamic.err;
      std::istringstream lines(dynamic.out);
      for (std::string line; std::getline(lines, line);) {
        if (line.find("(NEEDED)") == std::string::npos) continue;
        const auto open = line.find('['), close = line.find(']');
        ASSERT_NE(open, std::string::npos) << line;
        const std::string needed = line.substr(open + 1, close - open - 1);
        const bool loader = needed.rfind("ld-linux", 0) == 0;  // the loader is lib/ld.so
        EXPECT_TRUE(loader || fs::is_regular_file(lib / needed))
            << file.path().filename() << " needs " << needed << ", which is not in " << lib;
      }
    }
  }
}

// install --to from a bundle copies the whole tree, and again over an existing copy.
TEST(BundleInstall, CopiesTheWholeTreeAndCanRepeat) {
  fixtures::TempDir target("redraft-bundle-install");
  const std::string entry = (kExecutorBundle / "redraft-executor").string();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = run({entry, "install", "--to", target.path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("self-contained bundle"), std::string::npos) << r.out;
    EXPECT_EQ(tree(target.path()), tree(kExecutorBundle));
  }
  struct stat st {};
  ASSERT_EQ(::stat((target / "redraft-executor").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((target / "lib/ld.so").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat((target / "lib/libc.so.6").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  auto copy = run({(target / "redraft-executor").string(), "--version"});
  EXPECT_EQ(copy.out, "redraft-executor " REDRAFT_PROJECT_VERSION "\n") << copy.err;
}

TEST(BundleInstall, ABundleDirectoryThatIsNotABundleIsAClearError) {
  fixtures::TempDir target("redraft-bundle-install"), fake("redraft-bundle-fake");
  fixtures::CommandOptions options;
  options.env = {{"REDRAFT_BUNDLE_DIR", fake.path().string()}};
  auto r = fixtures::run_command({(fs::path(REDRAFT_BINARY_DIR) / "executor/redraft-executor").string(),
                                  "install", "--to", target.path().string()},
                                 options);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("REDRAFT_BUNDLE_DIR=" + fake.path().string() +
                       ": not a redraft-executor bundle (no lib/redraft-bundle.files)"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::is_empty(target.path()));
}

}  // namespace
}  // namespace redraft::bundletest
