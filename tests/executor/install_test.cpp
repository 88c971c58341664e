// redraft-executor install --to DIR: the task Pod's first init container (DESIGN.md §6).
#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "executor/phases/install.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace {

using redraft::executor::parse_install;
using redraft::fixtures::CommandResult;
using redraft::fixtures::run_command;
using redraft::fixtures::TempDir;

const std::filesystem::path kExecutor = std::filesystem::path(REDRAFT_BINARY_DIR) / "executor/redraft-executor";

CommandResult run(const std::vector<std::string>& argv) {
  redraft::fixtures::CommandOptions options;
  options.timeout = std::chrono::seconds(60);
  return run_command(argv, options);
}

TEST(ExecutorInstallCli, AcceptsToInBothForms) {
  EXPECT_EQ(parse_install({"--to", "/x"}).to, std::filesystem::path("/x"));
  EXPECT_EQ(parse_install({"--to=/y"}).to, std::filesystem::path("/y"));
}

TEST(ExecutorInstallCli, BadCommandLinesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const Case cases[] = {
      {{}, "--to: required"},
      {{"--to"}, "--to: missing value"},
      {{"--to="}, "--to: empty"},
      {{"--to", "/a", "--to", "/b"}, "--to: given more than once"},
      {{"--from", "/a"}, "--from: unknown flag (install takes only --to DIR)"},
      {{"/a"}, "unexpected argument (install takes only --to DIR)"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_install(c.args);
    EXPECT_FALSE(parsed.to);
    EXPECT_EQ(parsed.error, c.error);
  }
}

TEST(BundleManifest, Table) {
  using redraft::executor::parse_bundle_manifest;
  struct Case {
    std::string text;
    std::vector<std::string> files;
    std::string error;
  };
  const Case cases[] = {
      {"ld.so\nlibc.so.6\nredraft-executor.bin\n", {"ld.so", "libc.so.6", "redraft-executor.bin"}, ""},
      {"\nld.so\n\nredraft-executor.bin", {"ld.so", "redraft-executor.bin"}, ""},
      {"ld.so\n../etc/passwd\nredraft-executor.bin\n", {}, "line 2: not a plain file name"},
      {"ld.so\n..\nredraft-executor.bin\n", {}, "line 2: not a plain file name"},
      {"/lib/libc.so.6\n", {}, "line 1: not a plain file name"},
      {"libc.so.6\nredraft-executor.bin\n", {}, "does not list ld.so"},
      {"ld.so\nlibc.so.6\n", {}, "does not list redraft-executor.bin"},
      {"", {}, "does not list ld.so"},
  };
  for (const auto& c : cases) {
    auto got = parse_bundle_manifest(c.text);
    EXPECT_EQ(got.files, c.files) << c.text;
    EXPECT_EQ(got.error, c.error) << c.text;
  }
}

TEST(ExecutorInstall, CopiesTheRunningBinaryAndTheCopyRuns) {
  TempDir dir("redraft-install");
  auto r = run({kExecutor.string(), "install", "--to", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto copy = dir / "redraft-executor";
  EXPECT_NE(r.out.find(copy.string()), std::string::npos) << r.out;
  ASSERT_TRUE(std::filesystem::is_regular_file(copy));
  EXPECT_EQ(std::filesystem::file_size(copy), std::filesystem::file_size(kExecutor));
  struct stat st {};
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  // Nothing but the binary is left behind (the temporary name was renamed).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);

  // The copy is the executor: without arguments it prints its usage and exits 2.
  auto usage = run({copy.string()});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("usage: redraft-executor"), std::string::npos) << usage.err;
  EXPECT_NE(usage.err.find("install --to DIR"), std::string::npos) << usage.err;

  // Installing again over an existing copy (a restarted init container) works.
  auto again = run({kExecutor.string(), "install", "--to=" + dir.path().string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST(ExecutorInstall, MissingDirectoryIsAClearError) {
  TempDir dir("redraft-install");
  const auto missing = dir / "nope";
  auto r = run({kExecutor.string(), "install", "--to", missing.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to " + missing.string() + ": No such file or directory"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(ExecutorInstall, FileInsteadOfDirectoryIsAClearError) {
  TempDir dir("redraft-install");
  const auto file = dir / "file";
  redraft::fixtures::write_file(file, "x");
  auto r = run({kExecutor.string(), "install", "--to", file.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to " + file.string() + ": not a directory"), std::string::npos) << r.err;
}

TEST(ExecutorInstall, ReadOnlyDirectoryIsAClearError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  TempDir dir("redraft-install");
  const auto ro = dir / "ro";
  std::filesystem::create_directories(ro);
  std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto r = run({kExecutor.string(), "install", "--to", ro.string()});
  std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to " + ro.string() + ": cannot create"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::is_empty(ro));
}

TEST(ExecutorInstall, MissingFlagPrintsUsage) {
  auto r = run({kExecutor.string(), "install"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--to: required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: redraft-executor"), std::string::npos) << r.err;
}

}  // namespace
