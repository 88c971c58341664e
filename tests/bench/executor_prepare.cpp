// Benchmark: `redraft-executor prepare` (libgit2 clone + restore of a prior-attempt branch) vs the
// git CLI doing the same (git clone, git fetch <branch>, git checkout -B) on one repository
// served by git daemon over loopback. Rounds alternate so machine load hits both alike; prints
// each round, both medians and the ratio (goal: executor / git ≤ 1.1). Not a pass/fail test.
//
//   cmake --build build --target executor_prepare -j2 && build/tests/bench/executor_prepare
//   executor_prepare [--commits N] [--files N] [--rounds N] [--executor PATH]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fixtures/command.hpp"
#include "tests/fixtures/git_daemon.hpp"
#include "tests/fixtures/git_repo.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace fx = redraft::fixtures;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBranch = "redraft/bench/issue-1";

void data_block(std::string& out, const std::string& text) {
  out += "data " + std::to_string(text.size()) + "\n" + text + "\n";
}

std::string file_path(int i) {
  return "src/d" + std::to_string(i % 50) + "/file" + std::to_string(i) + ".txt";
}

std::string file_content(int i, int version) {
  std::string s;
  for (int line = 0; line < 12; ++line) {
    s += "file " + std::to_string(i) + " line " + std::to_string(line) + " version " +
         std::to_string(version) + " lorem ipsum dolor sit amet consectetur\n";
  }
  return s;
}

// A git fast-import stream: one commit adding `files` files, then commits touching one file each,
// then a few commits on the prior-attempt branch.
std::string fast_import_stream(int commits, int files) {
  std::string out;
  out.reserve(static_cast<std::size_t>(files) * 900 + static_cast<std::size_t>(commits) * 1200);
  long when = 1700000000;
  for (int c = 1; c <= commits; ++c) {
    out += "commit refs/heads/main\nmark :" + std::to_string(c) + "\n";
    out += "committer Bench <bench@redraft.invalid> " + std::to_string(when + c) + " +0000\n";
    data_block(out, "commit " + std::to_string(c));
    if (c > 1) out += "from :" + std::to_string(c - 1) + "\n";
    if (c == 1) {
      for (int f = 0; f < files; ++f) {
        out += "M 100644 inline " + file_path(f) + "\n";
        data_block(out, file_content(f, 0));
      }
    } else {
      int f = (c * 7919) % files;
      out += "M 100644 inline " + file_path(f) + "\n";
      data_block(out, file_content(f, c));
    }
  }
  for (int c = 1; c <= 3; ++c) {
    out += std::string("commit refs/heads/") + kBranch + "\n";
    out += "committer Bench <bench@redraft.invalid> " + std::to_string(when + commits + c) + " +0000\n";
    data_block(out, "attempt " + std::to_string(c));
    if (c == 1) out += "from :" + std::to_string(commits) + "\n";  // later ones continue the branch
    out += "M 100644 inline attempt.txt\n";
    data_block(out, "attempt " + std::to_string(c) + "\n");
  }
  return out;
}

// CPU seconds (user + system) of reaped children so far: the client side of a run, including
// processes it spawned (git's index-pack), excluding the server (git daemon is reaped last).
double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void must(const fx::CommandResult& r, const std::string& what) {
  if (!r.ok()) {
    std::cerr << what << " failed (exit " << r.exit_code << "):\n" << r.out << r.err << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int commits = 5000, files = 2000, rounds = 5;
  std::string executor = REDRAFT_EXECUTOR_PATH;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--commits") commits = std::atoi(argv[i + 1]);
    else if (flag == "--files") files = std::atoi(argv[i + 1]);
    else if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (flag == "--executor") executor = argv[i + 1];
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (commits < 2 || files < 1 || rounds < 1) {
    std::cerr << "--commits must be ≥ 2, --files ≥ 1, --rounds ≥ 1\n";
    return 2;
  }

  fx::TempDir root("redraft-bench");
  fs::path bare = fx::make_bare_repo(root.path(), "bench");
  auto start = std::chrono::steady_clock::now();
  fx::CommandOptions import;
  import.cwd = bare;
  import.stdin_data = fast_import_stream(commits, files);
  import.env = fx::git_env();
  must(fx::run_command({"git", "fast-import", "--quiet"}, import), "git fast-import");
  // Served like a real forge: one pack with a reachability bitmap, so the server side of a clone
  // is cheap and the numbers are about the client.
  fx::git({"repack", "-a", "-d", "-b", "-q"}, bare);
  std::printf("repository: %d commits, %d files on main + 3 commits on %s (generated in %.1fs)\n",
              commits, files, kBranch, seconds_since(start));

  fx::GitDaemon daemon(root.path());
  const std::string url = daemon.url_for("bench");
  const std::string tip = *fx::remote_ref_sha(url, kBranch);

  // The task the executor prepares: a revision restoring the prior attempt from the remote.
  fs::path task_file = root / "task.json";
  fx::write_file(task_file, R"({"apiVersion":"redraft.dev/v1alpha1","kind":"AgenticTask",
    "metadata":{"name":"bench-issue-1-code-r1","namespace":"default"},
    "spec":{"kind":"code","agentRef":{"name":"demo-coder"},"repo":{"url":")" + url + R"("},
      "baseBranch":"main","branch":")" + kBranch + R"(","reviseFromBranch":")" + kBranch + R"(",
      "branchStrategy":"restore","allowOverwrite":true,"expectedRemoteSha":")" + tip + R"(",
      "prompt":"benchmark"}})");
  const std::string agent_file = std::string(REDRAFT_SOURCE_DIR) + "/examples/agents/demo-coder.yaml";

  std::vector<double> exec_times, git_times, exec_cpu, git_cpu;
  for (int round = 0; round < rounds; ++round) {
    fs::path dir = root / ("round" + std::to_string(round));
    fs::create_directories(dir);
    // Alternate which goes first so caches and load favour neither side.
    for (int turn = 0; turn < 2; ++turn) {
      bool executor_turn = (turn == 0) == (round % 2 == 0);
      if (executor_turn) {
        auto t0 = std::chrono::steady_clock::now();
        double c0 = children_cpu_seconds();
        must(fx::run_command({executor, "prepare", "--task-file", task_file.string(), "--agent-file",
                              agent_file, "--workspace", (dir / "exec-ws").string(), "--state-dir",
                              (dir / "exec-state").string(), "--result-file",
                              (dir / "exec-result.json").string()}),
             "redraft-executor prepare");
        exec_times.push_back(seconds_since(t0));
        exec_cpu.push_back(children_cpu_seconds() - c0);
        if (fx::rev_parse(dir / "exec-ws") != tip) {
          std::cerr << "executor workspace HEAD is not the restored tip\n";
          return 1;
        }
      } else {
        fs::path ws = dir / "git-ws";
        auto t0 = std::chrono::steady_clock::now();
        double c0 = children_cpu_seconds();
        must(fx::try_git({"clone", "--quiet", url, ws.string()}), "git clone");
        must(fx::try_git({"fetch", "--quiet", "origin", kBranch}, ws), "git fetch");
        must(fx::try_git({"checkout", "--quiet", "-B", kBranch, "FETCH_HEAD"}, ws), "git checkout");
        git_times.push_back(seconds_since(t0));
        git_cpu.push_back(children_cpu_seconds() - c0);
        if (fx::rev_parse(ws) != tip) {
          std::cerr << "git workspace HEAD is not the restored tip\n";
          return 1;
        }
      }
    }
    std::printf("round %d: executor prepare %.3fs (cpu %.3fs)   git CLI %.3fs (cpu %.3fs)\n",
                round + 1, exec_times.back(), exec_cpu.back(), git_times.back(), git_cpu.back());
    fs::remove_all(dir);
  }
  double e = median(exec_times), g = median(git_times);
  double ec = median(exec_cpu), gc = median(git_cpu);
  std::printf("median wall: executor prepare %.3fs   git CLI %.3fs   ratio executor/git %.2f (goal <= 1.10)\n",
              e, g, e / g);
  std::printf("median cpu:  executor prepare %.3fs   git CLI %.3fs   ratio executor/git %.2f (client side only)\n",
              ec, gc, ec / gc);
  return 0;
}
