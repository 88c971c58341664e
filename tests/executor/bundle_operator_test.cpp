// The redraft-operator bundle (hack/bundle) in an empty root: the bundle, /etc/hosts,
// /etc/passwd, a kubeconfig without certificate-authority-data, and the API server's CA as the
// image's CA bundle at /etc/ssl/certs/ca-certificates.crt — "nothing from its image but CA
// certificates". It reaches the https devserver by host name and gets ready; without the CA
// bundle it reports the verification failure and never gets ready.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "devserver_fixture.hpp"
#include "tests/executor/chroot_probe.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::bundletest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kOperatorBundle = fs::path(REDRAFT_BINARY_DIR) / "bundles/redraft-operator";
constexpr const char* kReadyLine = "redraft-operator ready";

// A process whose stdout and stderr go to one log file; SIGKILLed and reaped when destroyed.
class LoggedProcess {
 public:
  LoggedProcess(const std::vector<std::string>& argv, fs::path log) : log_(std::move(log)) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string log_path = log_.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(126);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    if (pid_ < 0) throw std::runtime_error("fork failed");
  }
  ~LoggedProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  LoggedProcess(const LoggedProcess&) = delete;
  LoggedProcess& operator=(const LoggedProcess&) = delete;

  std::string log() const { return fs::exists(log_) ? fixtures::read_file(log_) : std::string(); }

  // Polls the log until it contains `text`, the process exits, or `timeout` passes.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (log().find(text) != std::string::npos) return true;
      if (pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) {
        pid_ = -1;
        return log().find(text) != std::string::npos;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // SIGTERM and the exit code (-1 when it did not exit in time or died from a signal).
  int terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int status_ = 0;
};

class OperatorEmptyRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    REDRAFT_REQUIRE_CHROOT();
    redraft::testing::DevServerOptions options;
    options.tls = true;
    server_ = std::make_unique<redraft::testing::DevServer>(options);
    const auto crds = server_->kubectl({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
    ASSERT_EQ(crds.exit_code, 0) << crds.output;

    // The kubeconfig names the server by host name and carries no CA: trust must come from the
    // image's CA bundle.
    YAML::Node config = YAML::LoadFile(server_->kubeconfig_path());
    YAML::Node cluster = config["clusters"][0]["cluster"];
    const auto ca = YAML::DecodeBase64(cluster["certificate-authority-data"].as<std::string>());
    ca_pem_.assign(ca.begin(), ca.end());
    ASSERT_NE(ca_pem_.find("BEGIN CERTIFICATE"), std::string::npos);
    cluster.remove("certificate-authority-data");
    cluster["server"] = "https://localhost:" + std::to_string(server_->port());
    token_ = config["users"][0]["user"]["token"].as<std::string>("");
    ASSERT_FALSE(token_.empty()) << "a --tls devserver hands out a token through the kubeconfig";
    YAML::Emitter out;
    out << config;

    fs::permissions(root(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    fs::copy(kOperatorBundle, root(), fs::copy_options::recursive);
    fixtures::write_file(root() / "etc/hosts", "127.0.0.1 localhost\n");
    fixtures::write_file(root() / "etc/passwd", "redraft:x:65532:65532:redraft:/:/nonexistent\n");
    fixtures::write_file(root() / "work/kubeconfig", std::string(out.c_str()) + "\n");
    ASSERT_EQ(::chown((root() / "work/kubeconfig").c_str(), 65532, 65532), 0);
  }

  fs::path root() const { return root_.path(); }

  std::unique_ptr<LoggedProcess> start_operator() {
    return std::make_unique<LoggedProcess>(
        std::vector<std::string>{"/usr/bin/env", "-i", "/usr/sbin/chroot", "--userspec=65532:65532",
                                 root().string(), "/redraft-operator", "--kubeconfig", "/work/kubeconfig",
                                 "--health-probe-bind-address=0", "--metrics-bind-address=0"},
        logs_.path() / "operator.log");
  }

  fixtures::TempDir root_{"redraft-operator-root"};
  fixtures::TempDir logs_{"redraft-operator-root-log"};
  std::unique_ptr<redraft::testing::DevServer> server_;
  std::string ca_pem_;
  std::string token_;
};

TEST_F(OperatorEmptyRoot, TrustsTheImagesCaBundleAndGetsReady) {
  fixtures::write_file(root() / "etc/ssl/certs/ca-certificates.crt", ca_pem_);
  auto op = start_operator();
  ASSERT_TRUE(op->wait_for_log(kReadyLine, 120s)) << op->log();
  EXPECT_EQ(op->terminate(60s), 0) << op->log();
  EXPECT_EQ(op->log().find(token_), std::string::npos);
}

TEST_F(OperatorEmptyRoot, WithoutACaBundleVerificationFailsAndItIsNotReady) {
  auto op = start_operator();
  ASSERT_TRUE(op->wait_for_log("certificate verify failed", 120s)) << op->log();
  EXPECT_EQ(op->log().find(kReadyLine), std::string::npos) << op->log();
  EXPECT_EQ(op->log().find(token_), std::string::npos);
}

}  // namespace
}  // namespace redraft::bundletest
