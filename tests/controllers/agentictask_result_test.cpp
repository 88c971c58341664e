// PodView decoding and reading the executor's result from a Pod (termination message, else the
// last REDRAFT-RESULT line of the publish log).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/codec.hpp"
#include "operator/controllers/agentictask/result.hpp"

namespace {

using nlohmann::json;
using namespace redraft;
using namespace redraft::controllers::agentictask;

PodView pod_with_publish(const std::string& message, std::int64_t exit_code = 0) {
  json pod = {{"metadata", {{"name", "t-1"}, {"namespace", "ns"}}},
              {"status",
               {{"phase", exit_code == 0 ? "Succeeded" : "Failed"},
                {"containerStatuses",
                 {{{"name", "publish"},
                   {"state",
                    {{"terminated",
                      {{"exitCode", exit_code},
                       {"reason", exit_code == 0 ? "Completed" : "Error"},
                       {"message", message},
                       {"finishedAt", "2026-12-04T15:00:00Z"}}}}}}}}}}};
  return pod.get<PodView>();
}

const std::string kResult =
    R"({"phase":"Succeeded","verdict":"PUSHED","branch":"redraft/wl/issue-1","commitSha":"0123456789abcdef0123456789abcdef01234567","summary":"done"})";

LogFetcher no_log_expected() {
  return []() -> std::optional<std::string> {
    ADD_FAILURE() << "the log was fetched although the termination message held the result";
    return std::nullopt;
  };
}

TEST(AgenticTaskPodView, DecodesStatusOfAllContainers) {
  json pod = json::parse(R"({
    "metadata": {"name": "t-1", "namespace": "ns", "uid": "u", "creationTimestamp": "2026-12-04T15:00:00Z",
                 "deletionTimestamp": "2026-12-04T15:01:00Z",
                 "ownerReferences": [{"apiVersion": "redraft.dev/v1alpha1", "kind": "AgenticTask", "name": "t", "uid": "tu", "controller": true}]},
    "spec": {"nodeName": "local", "containers": [{"name": "publish", "image": "x"}]},
    "status": {"phase": "Pending", "reason": "DeadlineExceeded", "message": "too slow", "startTime": "2026-12-04T15:00:01Z",
      "initContainerStatuses": [
        {"name": "install", "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "a", "finishedAt": "b"}}},
        {"name": "prepare", "state": {"running": {"startedAt": "c"}}},
        {"name": "agent", "state": {"waiting": {"reason": "ErrImagePull", "message": "no such image"}}}],
      "containerStatuses": [{"name": "publish", "state": {}}]}
  })");
  PodView v = pod.get<PodView>();
  EXPECT_EQ(v.metadata.name, "t-1");
  EXPECT_EQ(v.metadata.deletionTimestamp, "2026-12-04T15:01:00Z");
  EXPECT_EQ(v.metadata.ownerReferences.at(0).uid, "tu");
  EXPECT_EQ(v.nodeName, "local");
  EXPECT_EQ(v.phase, "Pending");
  EXPECT_EQ(v.reason, "DeadlineExceeded");
  EXPECT_EQ(v.message, "too slow");
  EXPECT_EQ(v.startTime, "2026-12-04T15:00:01Z");
  ASSERT_EQ(v.initContainers.size(), 3u);
  EXPECT_EQ(v.initContainers[0].state, "terminated");
  EXPECT_EQ(v.initContainers[0].exitCode, 0);
  EXPECT_EQ(v.initContainers[0].finishedAt, "b");
  EXPECT_EQ(v.initContainers[1].state, "running");
  EXPECT_EQ(v.initContainers[1].startedAt, "c");
  EXPECT_EQ(v.initContainers[2].state, "waiting");
  EXPECT_EQ(v.initContainers[2].reason, "ErrImagePull");
  EXPECT_EQ(v.initContainers[2].message, "no such image");
  ASSERT_EQ(v.containers.size(), 1u);
  EXPECT_EQ(v.containers[0].state, "");
}

TEST(AgenticTaskPodView, BadFieldsNameThePath) {
  struct Case {
    const char* pod;
    const char* error;
  };
  const Case cases[] = {
      {R"({"status": {"phase": 3}})", "status.phase: expected string"},
      {R"({"status": {"initContainerStatuses": {}}})", "status.initContainerStatuses: expected array"},
      {R"({"status": {"containerStatuses": [{"name": "p", "state": {"terminated": {"exitCode": "1"}}}]}})",
       "status.containerStatuses[0].state.terminated.exitCode: expected integer"},
      {R"({"spec": []})", "spec: expected object"},
      {R"([])", "pod: expected object"},
  };
  for (const auto& c : cases) {
    try {
      json::parse(c.pod).get<PodView>();
      ADD_FAILURE() << "no error for " << c.pod;
    } catch (const api::DecodeError& e) {
      EXPECT_EQ(std::string(e.what()), c.error);
    }
  }
  EXPECT_THROW(json::parse(R"({"metadata": {"name": 1}})").get<PodView>(), api::DecodeError);
}

TEST(AgenticTaskParseResult, AcceptsOnlyFinishedResultDocuments) {
  EXPECT_TRUE(parse_result(kResult));
  EXPECT_EQ(parse_result(kResult)->verdict, "PUSHED");
  EXPECT_FALSE(parse_result(kResult.substr(0, kResult.size() - 5)));  // cut
  EXPECT_FALSE(parse_result(""));
  EXPECT_FALSE(parse_result("[]"));
  EXPECT_FALSE(parse_result(R"({"phase":"Running"})"));
  EXPECT_FALSE(parse_result(R"({"phase":"Succeeded","attempts":"x"})"));
  EXPECT_FALSE(parse_result("panic: something"));
}

TEST(AgenticTaskLastResultLine, TakesTheLastParsableLine) {
  const std::string old = R"(REDRAFT-RESULT {"phase":"Failed","reason":"AgentFailed"})";
  EXPECT_EQ(last_result_line("noise\n" + old + "\nREDRAFT-RESULT " + kResult + "\n")->verdict, "PUSHED");
  EXPECT_EQ(last_result_line("REDRAFT-RESULT " + kResult + "\r\n")->verdict, "PUSHED");
  EXPECT_EQ(last_result_line("REDRAFT-RESULT " + kResult)->verdict, "PUSHED");  // no final newline
  // A garbled last line falls back to the previous result line.
  EXPECT_EQ(last_result_line(old + "\nREDRAFT-RESULT {\"pha")->reason, "AgentFailed");
  EXPECT_FALSE(last_result_line(""));
  EXPECT_FALSE(last_result_line("\n\n"));
  EXPECT_FALSE(last_result_line("  REDRAFT-RESULT " + kResult));  // must start the line
}

TEST(AgenticTaskReadResult, FromTheTerminationMessage) {
  auto read = read_result(pod_with_publish(kResult), no_log_expected());
  ASSERT_EQ(read.kind, ResultRead::Kind::Found);
  EXPECT_EQ(read.source, "termination message");
  EXPECT_EQ(read.result.commitSha, "0123456789abcdef0123456789abcdef01234567");
}

TEST(AgenticTaskReadResult, CutMessageFallsBackToTheLog) {
  int fetched = 0;
  auto read = read_result(pod_with_publish(kResult.substr(0, 40)), [&]() -> std::optional<std::string> {
    ++fetched;
    return "publishing\nREDRAFT-RESULT " + kResult + "\n";
  });
  EXPECT_EQ(fetched, 1);
  ASSERT_EQ(read.kind, ResultRead::Kind::Found);
  EXPECT_EQ(read.source, "log");
  EXPECT_EQ(read.result.summary, "done");
}

TEST(AgenticTaskReadResult, FallbackToLogsMessageWithAResultLine) {
  // Exit 1 (result file not writable): the kubelet put the log tail into the message.
  auto read = read_result(pod_with_publish("error: cannot write\nREDRAFT-RESULT " + kResult + "\n", 1), no_log_expected());
  ASSERT_EQ(read.kind, ResultRead::Kind::Found);
  EXPECT_EQ(read.result.verdict, "PUSHED");
}

TEST(AgenticTaskReadResult, NoResultAnywhereIsMissing) {
  auto read = read_result(pod_with_publish("segfault", 139), [] { return std::optional<std::string>("segfault\n"); });
  EXPECT_EQ(read.kind, ResultRead::Kind::Missing);
  EXPECT_EQ(read.problem, "container publish terminated (exit code 139, Error) without a result");
}

TEST(AgenticTaskReadResult, UnreadableLog) {
  auto read = read_result(pod_with_publish(kResult.substr(0, 40)), [] { return std::optional<std::string>(); });
  EXPECT_EQ(read.kind, ResultRead::Kind::LogUnavailable);
}

TEST(AgenticTaskReadResult, PublishNotFinished) {
  json pod = {{"status", {{"containerStatuses", {{{"name", "publish"}, {"state", {{"running", json::object()}}}}}}}}};
  EXPECT_EQ(read_result(pod.get<PodView>(), no_log_expected()).kind, ResultRead::Kind::NotFinished);
  EXPECT_EQ(read_result(PodView{}, no_log_expected()).kind, ResultRead::Kind::NotFinished);
}

}  // namespace
