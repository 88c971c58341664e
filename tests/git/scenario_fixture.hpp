// A bare "origin" repository served over loopback (git daemon, and optionally the token-checking
// git http-backend server), plus git CLI helpers to play the other pushers.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/fixtures/git_daemon.hpp"
#include "tests/fixtures/git_http_server.hpp"
#include "tests/fixtures/git_repo.hpp"
#include "tests/fixtures/temp_dir.hpp"
#include "tests/git/executor_harness.hpp"

namespace redraft::gittest {

inline constexpr const char* kToken = "s3cr3t-T0KEN-value-91f2";

class GitScenario : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

 public:  // helpers are used by free functions in the tests too

  // Starts the http-backend server (token required) over the same repositories.
  void start_http();

  // Commits `files` (path ⇒ content; empty content deletes) on top of branch `from` of origin and
  // pushes the result to branch `to` (forced). Returns the new SHA.
  std::string push_commit(const std::string& from, const std::string& to,
                          const std::map<std::string, std::string>& files, const std::string& message);

  std::optional<std::string> remote_sha(const std::string& branch) const;
  // `git show <rev>:<path>` in origin; nullopt when the path does not exist there.
  std::optional<std::string> file_at(const std::string& rev, const std::string& path) const;
  std::string rev(const std::string& expr) const;  // rev-parse in origin
  std::string commit_message(const std::string& sha) const;

  std::unique_ptr<fixtures::TempDir> root_;
  std::filesystem::path remotes_;
  std::filesystem::path origin_;
  std::unique_ptr<fixtures::GitDaemon> daemon_;
  std::unique_ptr<fixtures::GitHttpServer> http_;
  std::string url_;  // git:// URL of origin
  std::string main_sha_;
  int pushes_ = 0;
};

}  // namespace redraft::gittest
