#include "tests/git/scenario_fixture.hpp"

namespace redraft::gittest {

namespace fs = std::filesystem;

void GitScenario::SetUp() {
  root_ = std::make_unique<fixtures::TempDir>("redraft-gitscn");
  remotes_ = root_->path() / "remotes";
  fs::create_directories(remotes_);
  origin_ = fixtures::make_bare_repo(remotes_, "origin",
                                     {{"README.md", "hello\nworld\n"}, {".gitignore", "*.log\n"}});
  daemon_ = std::make_unique<fixtures::GitDaemon>(remotes_);
  url_ = daemon_->url_for("origin");
  main_sha_ = *fixtures::remote_ref_sha(origin_.string(), "refs/heads/main");
}

void GitScenario::TearDown() {
  http_.reset();
  daemon_.reset();
  root_.reset();
}

void GitScenario::start_http() { http_ = std::make_unique<fixtures::GitHttpServer>(remotes_, kToken); }

std::string GitScenario::push_commit(const std::string& from, const std::string& to,
                                     const std::map<std::string, std::string>& files,
                                     const std::string& message) {
  fs::path work = root_->path() / ("pusher-" + std::to_string(pushes_++));
  fixtures::git({"clone", "--quiet", "--branch", from, origin_.string(), work.string()});
  for (const auto& [path, content] : files) {
    if (content.empty()) {
      fixtures::git({"rm", "--quiet", "--", path}, work);
    } else {
      fixtures::write_file(work / path, content);
      fixtures::git({"add", "--", path}, work);
    }
  }
  fixtures::git({"commit", "--quiet", "-m", message}, work);
  fixtures::git({"push", "--quiet", "--force", "origin", "HEAD:refs/heads/" + to}, work);
  return fixtures::rev_parse(work);
}

std::optional<std::string> GitScenario::remote_sha(const std::string& branch) const {
  return fixtures::remote_ref_sha(origin_.string(), "refs/heads/" + branch);
}

std::optional<std::string> GitScenario::file_at(const std::string& rev, const std::string& path) const {
  auto r = fixtures::try_git({"--git-dir", origin_.string(), "show", rev + ":" + path});
  if (!r.ok()) return std::nullopt;
  return r.out;
}

std::string GitScenario::rev(const std::string& expr) const {
  auto out = fixtures::git({"--git-dir", origin_.string(), "rev-parse", "--verify", expr});
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string GitScenario::commit_message(const std::string& sha) const {
  return fixtures::git({"--git-dir", origin_.string(), "log", "-1", "--format=%B", sha});
}

}  // namespace redraft::gittest
