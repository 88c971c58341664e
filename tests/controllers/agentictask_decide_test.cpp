// decide(): every rule of the AgenticTask lifecycle as a table of (task, resolution, pod) ⇒
// (status, action, events).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/decide.hpp"
#include "operator/runtime/events/k8s_time.hpp"

namespace {

using nlohmann::json;
using namespace redraft;
using namespace redraft::controllers::agentictask;
using namespace std::chrono_literals;

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";
const std::string kNow = "2026-12-04T15:10:00Z";
const std::string kCreated = "2026-12-04T15:09:00Z";  // 60 s before kNow

api::AgenticTask task(const std::string& kind = "code") {
  auto t = api::decode<api::AgenticTask>(R"({
    "metadata": {"name": "t", "namespace": "ns", "uid": "u", "generation": 2},
    "spec": {"kind": "code", "agentRef": {"name": "a"}, "repo": {"url": "https://git.example/r.git"},
             "branch": "feature/x", "prompt": "do it"}})");
  t.spec.kind = kind;
  return t;
}

Resolution ready(const api::AgenticTask& t) {
  Resolution r;
  r.effective = t;
  return r;
}

Resolution waiting_for_agent() {
  Resolution r;
  r.state = Resolution::State::AgentMissing;
  r.reason = "AgentNotFound";
  r.message = R"(spec.agentRef: Agent "a" not found in namespace "ns")";
  return r;
}

DecideContext ctx() {
  DecideContext c;
  c.now = *runtime::parse_time(kNow);
  c.pod_start_timeout = 120s;
  return c;
}

// A Pod built from status JSON (init container and container status lists).
PodView pod(json status, json meta_extra = json::object()) {
  json meta = {{"name", "t-1"}, {"namespace", "ns"}, {"creationTimestamp", kCreated}};
  meta.update(meta_extra);
  return json{{"metadata", meta}, {"status", std::move(status)}}.get<PodView>();
}

json terminated(const std::string& name, int code, const std::string& reason = "",
                const std::string& finished_at = "2026-12-04T15:09:50Z") {
  return {{"name", name},
          {"state", {{"terminated", {{"exitCode", code}, {"reason", reason}, {"finishedAt", finished_at}}}}}};
}
json running(const std::string& name) { return {{"name", name}, {"state", {{"running", {{"startedAt", kCreated}}}}}}; }
json waiting(const std::string& name, const std::string& reason, const std::string& message = "") {
  return {{"name", name}, {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}};
}

Observation at(int attempt, const PodView* p, ResultRead result = {}) {
  Observation o;
  o.attempt = attempt;
  o.pod = p;
  o.result = std::move(result);
  return o;
}

ResultRead found(const std::string& doc) {
  ResultRead r;
  r.kind = ResultRead::Kind::Found;
  r.result = api::decode<api::AgenticTaskStatus>(doc);
  return r;
}

const api::Condition* condition(const api::AgenticTaskStatus& s, const std::string& type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

// A task that has attempt n running (as the controller writes it).
api::AgenticTask with_attempt(api::AgenticTask t, int n) {
  t.status.phase = "Running";
  t.status.attempts = n;
  t.status.podName = "t-" + std::to_string(n);
  t.status.startTime = kCreated;
  t.status.observedGeneration = 2;
  t.status.conditions = {{"Ready", "True", 2, kCreated, "Resolved", R"(Agent "a" found)"}};
  return t;
}

TEST(AgenticTaskDecide, NewTaskCreatesAttemptOne) {
  auto t = task();
  auto a = decide(t, ready(t), at(0, nullptr), ctx());
  EXPECT_EQ(a.create_attempt, 1);
  EXPECT_EQ(a.status.phase, "Pending");
  EXPECT_EQ(a.status.podName, "t-1");
  EXPECT_EQ(a.status.attempts, 1);
  EXPECT_EQ(a.status.startTime, kNow);
  EXPECT_EQ(a.status.observedGeneration, 2);
  ASSERT_TRUE(condition(a.status, "Ready"));
  EXPECT_EQ(condition(a.status, "Ready")->status, "True");
  EXPECT_EQ(condition(a.status, "Ready")->observedGeneration, 2);
  EXPECT_FALSE(a.finished);
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0], (TaskEvent{"Normal", "PodCreated", "created pod t-1 (attempt 1)"}));
}

TEST(AgenticTaskDecide, MissingAgentWaitsWithOneWarning) {
  auto t = task();
  auto a = decide(t, waiting_for_agent(), at(0, nullptr), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.status.phase, "Pending");
  EXPECT_EQ(a.status.reason, "AgentNotFound");
  EXPECT_EQ(condition(a.status, "Ready")->status, "False");
  EXPECT_EQ(condition(a.status, "Ready")->reason, "AgentNotFound");
  EXPECT_EQ(a.requeue_after, 0s);  // the Agent informer wakes the task, no polling
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].type, "Warning");
  EXPECT_EQ(a.events[0].reason, "AgentNotFound");
  // Reconciling again: the same status (no write) and no second event.
  t.status = a.status;
  auto again = decide(t, waiting_for_agent(), at(0, nullptr), ctx());
  EXPECT_EQ(again.status, t.status);
  EXPECT_TRUE(again.events.empty());
  // The Agent appears: the Pod is created, Ready turns True.
  auto go = decide(t, ready(t), at(0, nullptr), ctx());
  EXPECT_EQ(go.create_attempt, 1);
  EXPECT_EQ(go.status.reason, "");
  EXPECT_EQ(go.status.message, "");
  EXPECT_EQ(condition(go.status, "Ready")->status, "True");
}

TEST(AgenticTaskDecide, InvalidSpecFailsAtOnce) {
  auto t = task();
  Resolution r;
  r.state = Resolution::State::Invalid;
  r.reason = "InvalidSpec";
  r.message = "spec.agentRef: Agent \"a\" has role \"reviewer\", a code task needs a coder";
  auto a = decide(t, r, at(0, nullptr), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.status.phase, "Failed");
  EXPECT_EQ(a.status.reason, "InvalidSpec");
  EXPECT_EQ(a.status.message, r.message);
  EXPECT_EQ(a.status.completionTime, kNow);
  EXPECT_TRUE(a.finished);
  EXPECT_EQ(condition(a.status, "Failed")->status, "True");
  EXPECT_EQ(condition(a.status, "Failed")->reason, "InvalidSpec");
  EXPECT_EQ(condition(a.status, "Complete")->status, "False");
  EXPECT_EQ(condition(a.status, "Ready")->status, "False");
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].reason, "TaskFailed");
}

TEST(AgenticTaskDecide, ForkSourcePendingPolls) {
  auto t = task();
  Resolution r;
  r.state = Resolution::State::ForkSourcePending;
  r.reason = kReasonForkSourcePending;
  r.message = "spec.forkOf.name: waiting";
  auto a = decide(t, r, at(0, nullptr), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.status.phase, "Pending");
  EXPECT_EQ(a.status.reason, kReasonForkSourcePending);
  EXPECT_EQ(a.requeue_after, 30s);
  EXPECT_TRUE(a.events.empty());
}

TEST(AgenticTaskDecide, ForkRecordsLineage) {
  auto t = task();
  t.spec.forkOf = api::LocalObjectReference{"src"};
  Resolution r = ready(t);
  r.forked_from = api::ForkedFrom{"src", "redraft/src", kSha};
  auto a = decide(t, r, at(0, nullptr), ctx());
  EXPECT_EQ(a.create_attempt, 1);
  EXPECT_EQ(a.status.forkedFrom, r.forked_from);
}

TEST(AgenticTaskDecide, PodProgress) {
  struct Case {
    const char* name;
    json status;
    const char* phase;
  };
  const Case cases[] = {
      {"not scheduled yet", json::object(), "Running"},  // the task was Running already (with_attempt)
      {"install running", {{"phase", "Pending"}, {"initContainerStatuses", {running("install")}}}, "Running"},
      {"publish running", {{"phase", "Running"}, {"containerStatuses", {running("publish")}}}, "Running"},
  };
  for (const auto& c : cases) {
    auto t = with_attempt(task(), 1);
    PodView p = pod(c.status);
    auto a = decide(t, ready(t), at(1, &p), ctx());
    EXPECT_EQ(a.create_attempt, 0) << c.name;
    EXPECT_EQ(a.status.phase, c.phase) << c.name;
    EXPECT_EQ(a.status, t.status) << c.name << ": nothing to write";
    EXPECT_TRUE(a.events.empty()) << c.name;
  }
  // A Pending task whose Pod starts becomes Running.
  auto fresh = task();
  fresh.status = decide(fresh, ready(fresh), at(0, nullptr), ctx()).status;
  PodView p = pod({{"initContainerStatuses", {running("install")}}});
  EXPECT_EQ(decide(fresh, ready(fresh), at(1, &p), ctx()).status.phase, "Running");
  PodView unstarted = pod(json::object());
  EXPECT_EQ(decide(fresh, ready(fresh), at(1, &unstarted), ctx()).status.phase, "Pending");
}

TEST(AgenticTaskDecide, ResultEndsTheTask) {
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Succeeded"}, {"containerStatuses", {terminated("publish", 0)}}});
  auto a = decide(t, ready(t), at(1, &p, found(R"({"phase":"Succeeded","verdict":"PUSHED","branch":"feature/x",
      "commitSha":")" + kSha + R"(","baseSha":")" + kSha + R"(","summary":"did it",
      "restore":{"outcome":"restored","fromSha":")" + kSha + R"("},"timings":{"agentSeconds":3.5}})")), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_TRUE(a.finished);
  EXPECT_EQ(a.status.phase, "Succeeded");
  EXPECT_EQ(a.status.verdict, "PUSHED");
  EXPECT_EQ(a.status.commitSha, kSha);
  EXPECT_EQ(a.status.baseSha, kSha);
  EXPECT_EQ(a.status.summary, "did it");
  EXPECT_EQ(a.status.restore->outcome, "restored");
  EXPECT_EQ(a.status.timings->agentSeconds, 3.5);
  EXPECT_EQ(a.status.completionTime, "2026-12-04T15:09:50Z");  // publish finishedAt
  EXPECT_EQ(a.status.podName, "t-1");
  EXPECT_EQ(a.status.attempts, 1);
  EXPECT_EQ(a.status.startTime, kCreated);
  EXPECT_EQ(condition(a.status, "Complete")->status, "True");
  EXPECT_EQ(condition(a.status, "Complete")->observedGeneration, 2);
  EXPECT_EQ(condition(a.status, "Failed")->status, "False");
  EXPECT_EQ(condition(a.status, "Ready")->status, "True");
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].reason, "Succeeded");
  // Once terminal, nothing changes any more.
  auto after = t;
  after.status = a.status;
  auto again = decide(after, ready(after), at(1, &p, found(R"({"phase":"Failed"})")), ctx());
  EXPECT_EQ(again.status, after.status);
  EXPECT_FALSE(again.finished);
}

TEST(AgenticTaskDecide, ModelOutcomesNeverRetry) {
  const char* results[] = {
      R"({"phase":"Succeeded","verdict":"NO-GO","findings":[{"severity":"major","message":"no"}]})",
      R"({"phase":"Succeeded","verdict":"NO-CHANGES"})",
      R"({"phase":"Failed","reason":"LeaseRejected","message":"remote moved"})",
      R"({"phase":"Failed","reason":"RebaseConflict"})",
      R"({"phase":"Failed","verdict":"INCOMPLETE","reason":"AgentTimeout"})",
      R"({"phase":"Failed","reason":"CloneFailed"})",
  };
  for (const char* doc : results) {
    auto t = with_attempt(task(), 1);
    PodView p = pod({{"phase", "Succeeded"}, {"containerStatuses", {terminated("publish", 0)}}});
    auto a = decide(t, ready(t), at(1, &p, found(doc)), ctx());
    const auto expected = api::decode<api::AgenticTaskStatus>(doc);
    EXPECT_EQ(a.create_attempt, 0) << doc;
    EXPECT_TRUE(a.finished) << doc;
    EXPECT_EQ(a.status.phase, expected.phase) << doc;
    EXPECT_EQ(a.status.verdict, expected.verdict) << doc;
    EXPECT_EQ(a.status.reason, expected.reason) << doc;
    EXPECT_EQ(a.status.findings, expected.findings) << doc;
    if (expected.phase == "Failed") {
      EXPECT_EQ(condition(a.status, "Failed")->reason, expected.reason) << doc;
      EXPECT_EQ(a.events.at(0).reason, "TaskFailed");
    }
  }
}

struct InfraCase {
  const char* name;
  json status;
  json meta;
  ResultRead result;
  bool gone;
  std::string why;
};

std::vector<InfraCase> infra_cases() {
  ResultRead missing;
  missing.kind = ResultRead::Kind::Missing;
  missing.problem = "container publish terminated (exit code 2, Error) without a result";
  ResultRead unreadable;
  unreadable.kind = ResultRead::Kind::LogUnavailable;
  unreadable.problem = "the publish container's log could not be read";
  return {
      {"init container failed", {{"phase", "Failed"}, {"initContainerStatuses", {terminated("install", 0), terminated("prepare", 137, "OOMKilled")}}},
       json::object(), {}, false, "container prepare exited with code 137 (OOMKilled)"},
      {"deadline exceeded", {{"phase", "Failed"}, {"reason", "DeadlineExceeded"}, {"message", "Pod was active too long"}},
       json::object(), {}, false, "the pod exceeded its activeDeadlineSeconds: Pod was active too long"},
      {"evicted", {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", "low memory"}}, json::object(), {}, false,
       "the pod ended (Failed, Evicted) without a result: low memory"},
      {"publish without result", {{"phase", "Failed"}, {"containerStatuses", {terminated("publish", 2, "Error")}}},
       json::object(), missing, false, missing.problem},
      {"result unreadable long after",
       {{"phase", "Succeeded"}, {"containerStatuses", {terminated("publish", 0, "Completed", "2026-12-04T15:00:00Z")}}},
       json::object(), unreadable, false, "the result in the termination message was cut and " + unreadable.problem},
      {"pod deleted", json::object(), json::object(), {}, true, "pod t-1 was deleted before it finished"},
      {"pod being deleted", {{"phase", "Running"}}, {{"deletionTimestamp", kNow}}, {}, false,
       "pod t-1 was deleted before it finished"},
      {"missing secret", {{"phase", "Pending"}, {"initContainerStatuses", {waiting("install", "CreateContainerConfigError", "secret \"git\" not found")}}},
       {{"creationTimestamp", "2026-12-04T15:00:00Z"}}, {}, false,
       "container install could not start for 120s: CreateContainerConfigError: secret \"git\" not found"},
      {"image pull", {{"phase", "Pending"}, {"initContainerStatuses", {terminated("install", 0), terminated("prepare", 0), waiting("agent", "ImagePullBackOff")}}},
       {{"creationTimestamp", "2026-12-04T15:00:00Z"}}, {}, false, "container agent could not start for 120s: ImagePullBackOff"},
  };
}

TEST(AgenticTaskDecide, InfrastructureFailureStartsTheNextAttempt) {
  for (const auto& c : infra_cases()) {
    auto t = with_attempt(task(), 1);
    PodView p = pod(c.status, c.meta);
    auto a = decide(t, ready(t), at(1, c.gone ? nullptr : &p, c.result), ctx());
    EXPECT_EQ(a.create_attempt, 2) << c.name;
    EXPECT_FALSE(a.finished) << c.name;
    EXPECT_EQ(a.status.phase, "Pending") << c.name;
    EXPECT_EQ(a.status.attempts, 2) << c.name;
    EXPECT_EQ(a.status.podName, "t-2") << c.name;
    EXPECT_EQ(a.status.startTime, kCreated) << c.name << ": the task's start, not the attempt's";
    EXPECT_EQ(a.status.message, "attempt 1 failed: " + c.why) << c.name;
    ASSERT_EQ(a.events.size(), 2u) << c.name;
    EXPECT_EQ(a.events[0], (TaskEvent{"Warning", "AttemptFailed", "attempt 1 failed: " + c.why + "; starting attempt 2 of 2"}))
        << c.name;
    EXPECT_EQ(a.events[1].reason, "PodCreated") << c.name;
  }
}

TEST(AgenticTaskDecide, InfrastructureFailureOfTheLastAttemptFailsTheTask) {
  for (const auto& c : infra_cases()) {
    for (const std::string kind : {"code", "review"}) {
      auto t = with_attempt(task(kind), 2);
      PodView p = pod(c.status, c.meta);
      auto a = decide(t, ready(t), at(2, c.gone ? nullptr : &p, c.result), ctx());
      EXPECT_EQ(a.create_attempt, 0) << c.name;
      EXPECT_TRUE(a.finished) << c.name;
      EXPECT_EQ(a.status.phase, "Failed") << c.name;
      EXPECT_EQ(a.status.reason, "PodFailed") << c.name;
      EXPECT_EQ(a.status.verdict, kind == "review" ? "INCOMPLETE" : "") << c.name;
      std::string why = c.why;
      if (auto at = why.find("pod t-1"); at != std::string::npos) why.replace(at, 7, "pod t-2");
      EXPECT_EQ(a.status.message, why + " (attempt 2 of 2)") << c.name;
      EXPECT_EQ(a.status.completionTime, kNow) << c.name;
      EXPECT_EQ(condition(a.status, "Failed")->reason, "PodFailed") << c.name;
    }
  }
}

TEST(AgenticTaskDecide, BackoffLimitBoundsAttempts) {
  auto t = with_attempt(task(), 1);
  t.spec.backoffLimit = 0;
  EXPECT_EQ(max_attempts(t), 1);
  auto a = decide(t, ready(t), at(1, nullptr), ctx());
  EXPECT_EQ(a.status.phase, "Failed");
  EXPECT_EQ(a.status.message, "pod t-1 was deleted before it finished (attempt 1 of 1)");
  t = with_attempt(task(), 3);
  t.spec.backoffLimit = 3;
  EXPECT_EQ(decide(t, ready(t), at(3, nullptr), ctx()).create_attempt, 4);
  EXPECT_EQ(max_attempts(task()), 2);  // default backoffLimit 1
}

TEST(AgenticTaskDecide, StartFailureWithinTheTimeoutWaits) {
  auto t = with_attempt(task(), 1);
  // Created 60 s ago, timeout 120 s: look again in 61 s.
  PodView p = pod({{"phase", "Pending"}, {"initContainerStatuses", {waiting("install", "ErrImagePull", "not found")}}});
  auto a = decide(t, ready(t), at(1, &p), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_FALSE(a.finished);
  EXPECT_EQ(a.requeue_after, 61s);
  EXPECT_EQ(a.status, t.status);
  // An ordinary wait (ContainerCreating, PodInitializing) never times out here.
  PodView creating = pod({{"phase", "Pending"}, {"initContainerStatuses", {waiting("install", "PodInitializing")}}},
                         {{"creationTimestamp", "2026-12-04T14:00:00Z"}});
  a = decide(t, ready(t), at(1, &creating), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.requeue_after, 0s);
}

TEST(AgenticTaskDecide, UnreadableLogOfAFreshResultIsRetriedSoon) {
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Succeeded"}, {"containerStatuses", {terminated("publish", 0)}}});  // 10 s ago
  ResultRead unreadable;
  unreadable.kind = ResultRead::Kind::LogUnavailable;
  auto a = decide(t, ready(t), at(1, &p, unreadable), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_FALSE(a.finished);
  EXPECT_EQ(a.requeue_after, 5s);
}

TEST(AgenticTaskDecide, RetryWaitsForAMissingAgent) {
  auto t = with_attempt(task(), 1);
  auto a = decide(t, waiting_for_agent(), at(1, nullptr), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.status.reason, "AgentNotFound");
  EXPECT_EQ(condition(a.status, "Ready")->status, "False");
}

TEST(AgenticTaskDecide, ARunningPodNeedsNoAgent) {
  // The Agent is only needed to create a Pod; one deleted mid-run does not disturb the attempt.
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Running"}, {"containerStatuses", {running("publish")}}});
  auto a = decide(t, waiting_for_agent(), at(1, &p), ctx());
  EXPECT_EQ(a.status, t.status);
}

TEST(AgenticTaskDecide, StatusCatchesUpWithRecoveredAttempts) {
  // The operator created t-2 and stopped before writing status.attempts = 2.
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Running"}, {"containerStatuses", {running("publish")}}}, {{"name", "t-2"}});
  auto a = decide(t, ready(t), at(2, &p), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.status.attempts, 2);
  EXPECT_EQ(a.status.podName, "t-2");
  // And a brand-new status (the first write was lost) gets Ready, podName and startTime.
  auto fresh = task();
  a = decide(fresh, ready(fresh), at(1, &p), ctx());
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_EQ(a.status.podName, "t-1");
  EXPECT_EQ(a.status.startTime, kNow);
  EXPECT_EQ(condition(a.status, "Ready")->status, "True");
  EXPECT_EQ(a.status.phase, "Running");
}

TEST(AgenticTaskDecide, DeletingTaskIsLeftAlone) {
  auto t = with_attempt(task(), 1);
  t.metadata.deletionTimestamp = kNow;
  auto a = decide(t, ready(t), at(1, nullptr), ctx());
  EXPECT_EQ(a.status, t.status);
  EXPECT_EQ(a.create_attempt, 0);
}

TEST(AgenticTaskDecide, FailTaskReplacesThePlannedAttempt) {
  auto t = task("review");
  auto a = decide(t, ready(t), at(0, nullptr), ctx());
  ASSERT_EQ(a.create_attempt, 1);
  fail_task(a, t, "PodFailed", "the API server rejected pod t-1: invalid", ctx().now);
  EXPECT_EQ(a.create_attempt, 0);
  EXPECT_TRUE(a.finished);
  EXPECT_EQ(a.status.phase, "Failed");
  EXPECT_EQ(a.status.verdict, "INCOMPLETE");
  EXPECT_EQ(a.status.reason, "PodFailed");
  EXPECT_EQ(a.status.completionTime, kNow);
  EXPECT_EQ(condition(a.status, "Failed")->status, "True");
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].reason, "TaskFailed");
}

TEST(AgenticTaskDecide, StartFailureReasons) {
  for (const char* r : {"CreateContainerConfigError", "ErrImagePull", "ImagePullBackOff", "InvalidImageName"}) {
    EXPECT_TRUE(is_start_failure(r)) << r;
  }
  for (const char* r : {"ContainerCreating", "PodInitializing", ""}) EXPECT_FALSE(is_start_failure(r)) << r;
}

}  // namespace

namespace {

// Every byte of a valid UTF-8 string: no character cut in half.
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

TEST(AgenticTaskDecide, SafeMessageCutsOnACharacterBoundaryAndRedacts) {
  EXPECT_EQ(safe_message("short", 10), "short");
  EXPECT_EQ(safe_message("0123456789", 10), "0123456789");
  EXPECT_EQ(safe_message("0123456789a", 10), "0123456...");
  // "é" is two bytes: a cut between them backs up to before it.
  const std::string accented = "abcdé" + std::string(20, 'x');  // a b c d 0xC3 0xA9 x...
  EXPECT_EQ(safe_message(accented, 8), "abcd...");
  EXPECT_EQ(safe_message(accented, 9), "abcdé...");
  EXPECT_EQ(safe_message("push to https://user:tok3n@git.example/r.git failed", 1000),
            "push to https://***@git.example/r.git failed");
}

// A 100 KiB executor message would make every status write a 422 (condition messages are capped
// at 32768 by the CRD): the conditions, the event and status.message are cut.
TEST(AgenticTaskDecide, HugeResultMessageIsCut) {
  std::string huge;
  while (huge.size() < 100 * 1024) huge += "ünïcödé error line; ";
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Succeeded"}, {"containerStatuses", {terminated("publish", 0)}}});
  auto a = decide(t, ready(t), at(1, &p, found(json{{"phase", "Failed"}, {"reason", "AgentFailed"},
                                                     {"message", huge}}.dump())), ctx());
  ASSERT_TRUE(a.finished);
  EXPECT_LE(a.status.message.size(), kMaxStatusMessageBytes);
  EXPECT_TRUE(valid_utf8(a.status.message.str()));
  EXPECT_EQ(a.status.message.str().substr(0, 100), huge.substr(0, 100));
  for (const auto& c : a.status.conditions) {
    EXPECT_LE(c.message.size(), kMaxConditionMessageBytes) << c.type;
    EXPECT_LT(c.message.size(), 32768u) << c.type;
    EXPECT_TRUE(valid_utf8(c.message.str())) << c.type;
  }
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_LE(a.events[0].message.size(), kMaxConditionMessageBytes);
  EXPECT_TRUE(valid_utf8(a.events[0].message));
}

TEST(AgenticTaskDecide, CredentialsInTheResultAreRedacted) {
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Succeeded"}, {"containerStatuses", {terminated("publish", 0)}}});
  auto a = decide(t, ready(t), at(1, &p, found(R"({"phase":"Failed","reason":"LeaseRejected",
      "message":"push to https://bot:ghp_s3cret@git.example/r.git rejected",
      "summary":"cloned https://bot:ghp_s3cret@git.example/r.git"})")), ctx());
  ASSERT_TRUE(a.finished);
  EXPECT_EQ(a.status.message, "push to https://***@git.example/r.git rejected");
  EXPECT_EQ(a.status.summary, "cloned https://***@git.example/r.git");
  for (const auto& c : a.status.conditions) EXPECT_EQ(c.message.str().find("s3cret"), std::string::npos) << c.type;
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_EQ(a.events[0].message.find("s3cret"), std::string::npos);
  EXPECT_NE(a.events[0].message.find("https://***@git.example"), std::string::npos);
}

TEST(AgenticTaskDecide, CredentialsInAPodFailureAreRedacted) {
  auto t = with_attempt(task(), 1);
  PodView p = pod({{"phase", "Failed"}, {"reason", "Evicted"},
                   {"message", "fetching https://u:tok@git.example/r.git"}});
  auto a = decide(t, ready(t), at(1, &p), ctx());
  ASSERT_EQ(a.create_attempt, 2);
  EXPECT_EQ(a.status.message.str().find("tok@"), std::string::npos);
  for (const auto& e : a.events) EXPECT_EQ(e.message.find("tok@"), std::string::npos) << e.reason;
}
