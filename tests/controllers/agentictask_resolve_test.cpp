// resolve(): the Agent and forkOf checks that come before a task's Pod.
#include <gtest/gtest.h>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/fork_index.hpp"
#include "operator/controllers/agentictask/resolve.hpp"

namespace {

using namespace redraft;
using namespace redraft::controllers::agentictask;
using State = Resolution::State;

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

api::AgenticTask task(const std::string& kind = "code") {
  auto t = api::decode<api::AgenticTask>(R"({
    "metadata": {"name": "t", "namespace": "ns", "uid": "u"},
    "spec": {"kind": "code", "agentRef": {"name": "a"}, "repo": {"url": "https://git.example/r.git"},
             "branch": "feature/x", "prompt": "do it"}})");
  t.spec.kind = kind;
  return t;
}

api::Agent agent(const std::string& role) {
  auto a = api::decode<api::Agent>(R"({"metadata": {"name": "a", "namespace": "ns"},
                                        "spec": {"role": "coder", "image": "busybox:1.36", "command": ["sh"]}})");
  a.spec.role = role;
  return a;
}

api::AgenticTask source(const std::string& phase, const std::string& branch, const std::string& sha) {
  auto s = task();
  s.metadata.name = "src";
  s.status.phase = phase;
  s.status.branch = branch;
  s.status.commitSha = sha;
  return s;
}

TEST(AgenticTaskResolve, AgentMissingWaits) {
  auto r = resolve(task(), nullptr, nullptr);
  EXPECT_EQ(r.state, State::AgentMissing);
  EXPECT_EQ(r.reason, "AgentNotFound");
  EXPECT_EQ(r.message, R"(spec.agentRef: Agent "a" not found in namespace "ns")");
}

TEST(AgenticTaskResolve, RoleMustMatchTheKind) {
  const auto coder = agent("coder");
  const auto reviewer = agent("reviewer");
  struct Case {
    std::string kind;
    const api::Agent* agent;
    State state;
  };
  const Case cases[] = {{"code", &coder, State::Ready},
                        {"review", &reviewer, State::Ready},
                        {"code", &reviewer, State::Invalid},
                        {"review", &coder, State::Invalid}};
  for (const auto& c : cases) {
    auto r = resolve(task(c.kind), c.agent, nullptr);
    EXPECT_EQ(r.state, c.state) << c.kind << " with " << c.agent->spec.role.view();
    if (c.state == State::Invalid) {
      EXPECT_EQ(r.reason, "InvalidSpec");
      EXPECT_TRUE(r.message.starts_with("spec.agentRef: Agent \"a\" has role")) << r.message;
    }
  }
}

TEST(AgenticTaskResolve, SemanticErrorsNameTheField) {
  auto t = task();
  t.spec.branch = "main";
  const auto coder = agent("coder");
  auto r = resolve(t, &coder, nullptr);
  EXPECT_EQ(r.state, State::Invalid);
  EXPECT_NE(r.message.find("spec.branch"), std::string::npos) << r.message;
  auto bad_agent = agent("coder");
  bad_agent.spec.command.clear();
  r = resolve(task(), &bad_agent, nullptr);
  EXPECT_EQ(r.state, State::Invalid);
  EXPECT_NE(r.message.find("spec.agentRef: Agent \"a\" is invalid: spec.command"), std::string::npos) << r.message;
  auto no_image = agent("coder");
  no_image.spec.image = "";
  r = resolve(task(), &no_image, nullptr);
  EXPECT_EQ(r.state, State::Invalid);
  EXPECT_EQ(r.message, "spec.agentRef: Agent \"a\" has no spec.image (the agent container needs one)");
}

TEST(AgenticTaskResolve, ForkOfTable) {
  const auto coder = agent("coder");
  const auto pushed_failed = source("Failed", "redraft/src", kSha);
  const auto running = source("Running", "", "");
  const auto never_pushed = source("Failed", "redraft/src", "");
  struct Case {
    const char* name;
    const api::AgenticTask* source;
    State state;
    std::string message;
  };
  const Case cases[] = {
      {"failed source that pushed", &pushed_failed, State::Ready, ""},
      {"source still running", &running, State::ForkSourcePending,
       R"(spec.forkOf.name: waiting for AgenticTask "src" to finish)"},
      {"source never pushed", &never_pushed, State::Invalid,
       R"(spec.forkOf.name: AgenticTask "src" finished (Failed) without pushing a branch; there is nothing to fork)"},
      {"source missing", nullptr, State::Invalid, R"(spec.forkOf.name: AgenticTask "src" not found)"},
  };
  for (const auto& c : cases) {
    auto t = task();
    t.spec.forkOf = api::LocalObjectReference{"src"};
    const auto before = t;
    auto r = resolve(t, &coder, c.source);
    EXPECT_EQ(r.state, c.state) << c.name;
    EXPECT_EQ(r.message, c.message) << c.name;
    EXPECT_EQ(t, before) << c.name;  // the user's object is not rewritten
    if (c.state == State::Ready) {
      EXPECT_EQ(r.effective.spec.reviseFromBranch, "redraft/src");
      EXPECT_EQ(r.effective.spec.expectedRemoteSha, kSha);
      EXPECT_EQ(r.effective.spec.branch, "feature/x");
      ASSERT_TRUE(r.forked_from);
      EXPECT_EQ(*r.forked_from, (api::ForkedFrom{"src", "redraft/src", kSha}));
    }
  }
}

TEST(AgenticTaskResolve, ForkChecksComeBeforeTheAgent) {
  auto t = task();
  t.spec.forkOf = api::LocalObjectReference{"src"};
  const auto never_pushed = source("Succeeded", "", "");
  EXPECT_EQ(resolve(t, nullptr, &never_pushed).state, State::Invalid);
}

TEST(AgenticTaskResolve, RecordedForkIsStable) {
  // Once status.forkedFrom is written, retries use it even when the source is gone.
  auto t = task();
  t.spec.forkOf = api::LocalObjectReference{"src"};
  t.status.forkedFrom = api::ForkedFrom{"src", "redraft/src", kSha};
  const auto coder = agent("coder");
  auto r = resolve(t, &coder, nullptr);
  ASSERT_EQ(r.state, State::Ready);
  EXPECT_EQ(r.effective.spec.reviseFromBranch, "redraft/src");
  EXPECT_EQ(r.effective.spec.expectedRemoteSha, kSha);
}

TEST(AgenticTaskResolve, OnlyCodeTasksFork) {
  auto t = task("review");
  t.spec.forkOf = api::LocalObjectReference{"src"};
  const auto src = source("Succeeded", "redraft/src", kSha);
  const auto reviewer = agent("reviewer");
  auto r = resolve(t, &reviewer, &src);
  EXPECT_EQ(r.state, State::Invalid);
  EXPECT_TRUE(r.message.starts_with("spec.forkOf:")) << r.message;
}

// The fork index behind "a finished source wakes its forks": only unfinished forks are listed,
// and it follows renames of forkOf, finishes and deletes (so it does not grow).
TEST(AgenticTaskForkIndex, TracksUnfinishedForksBySource) {
  auto fork = [](const std::string& ns, const std::string& name, const std::string& source) {
    api::AgenticTask t;
    t.metadata.namespace_ = ns;
    t.metadata.name = name;
    if (!source.empty()) {
      t.spec.forkOf.emplace();
      t.spec.forkOf->name = source;
    }
    return t;
  };
  ForkIndex index;
  const auto f1 = fork("ns", "f1", "src");
  const auto f2 = fork("ns", "f2", "src");
  const auto other_ns = fork("other", "f3", "src");
  const auto plain = fork("ns", "plain", "");
  index.upsert(nullptr, f1, false);
  index.upsert(nullptr, f2, false);
  index.upsert(nullptr, other_ns, false);
  index.upsert(nullptr, plain, false);
  index.upsert(nullptr, fork("ns", "done", "src"), true);  // finished already: nothing to wake
  EXPECT_EQ(index.forks_of("ns", "src"), (std::vector<std::string>{"ns/f1", "ns/f2"}));
  EXPECT_EQ(index.forks_of("other", "src"), (std::vector<std::string>{"other/f3"}));
  EXPECT_TRUE(index.forks_of("ns", "plain").empty());
  EXPECT_TRUE(index.forks_of("ns", "nothing").empty());

  const auto f1_moved = fork("ns", "f1", "src2");  // forkOf edited
  index.upsert(&f1, f1_moved, false);
  EXPECT_EQ(index.forks_of("ns", "src"), (std::vector<std::string>{"ns/f2"}));
  EXPECT_EQ(index.forks_of("ns", "src2"), (std::vector<std::string>{"ns/f1"}));
  index.upsert(&f2, f2, true);  // f2 finished
  EXPECT_TRUE(index.forks_of("ns", "src").empty());
  index.erase(f1_moved);
  index.erase(other_ns);
  EXPECT_EQ(index.sources(), 0u);
}

}  // namespace
