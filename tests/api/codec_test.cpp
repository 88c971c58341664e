// Codecs: exact round trips, unset fields omitted, unknown fields tolerated, errors naming the
// field path, and JSON/YAML document loading.
#include "api/codec.hpp"

#include <gtest/gtest.h>

namespace redraft::api {
namespace {

using nlohmann::json;

template <typename T>
json round_trip(const json& input) {
  T value = input.get<T>();
  return json(value);
}

const json kFullTask = json::parse(R"({
  "apiVersion": "redraft.dev/v1alpha1",
  "kind": "AgenticTask",
  "metadata": {
    "name": "wl-12-code-r1", "namespace": "team-a", "uid": "u-1", "resourceVersion": "42",
    "generation": 3, "creationTimestamp": "2026-01-01T00:00:00Z",
    "labels": {"redraft.dev/workload": "wl", "redraft.dev/item": "12"},
    "annotations": {"note": "x"},
    "ownerReferences": [{"apiVersion": "redraft.dev/v1alpha1", "kind": "Workload", "name": "wl",
                         "uid": "u-0", "controller": true, "blockOwnerDeletion": true}],
    "finalizers": ["redraft.dev/cleanup"]
  },
  "spec": {
    "kind": "code", "agentRef": {"name": "coder"},
    "repo": {"url": "https://example.com/r.git", "pushUrl": "https://example.com/fork.git",
             "credentialsSecretRef": {"name": "git-creds"}},
    "baseBranch": "develop", "branch": "redraft/wl/12",
    "issue": {"number": 12, "title": "Fix it", "body": "Details"},
    "prompt": "p", "promptPrefix": "pp", "intent": "keep it small",
    "reviseFromBranch": "redraft/wl/12", "branchStrategy": "rebase", "allowOverwrite": false,
    "expectedRemoteSha": "0123456789abcdef0123456789abcdef01234567",
    "feedback": [{"severity": "major", "file": "a.c", "line": 0, "message": "m",
                  "suggestion": "s", "reviewer": "rev"}],
    "forkOf": {"name": "other"}, "author": {"name": "A", "email": "a@b"},
    "timeoutSeconds": 60, "backoffLimit": 0
  },
  "status": {
    "phase": "Succeeded", "verdict": "PUSHED", "reason": "RestoreFallback", "message": "ok",
    "branch": "redraft/wl/12", "commitSha": "c", "baseSha": "b",
    "restore": {"outcome": "fallback", "fromSha": "f"},
    "findings": [{"message": "x"}], "summary": "done", "podName": "pod", "attempts": 1,
    "startTime": "t0", "completionTime": "t1",
    "timings": {"prepareSeconds": 1.5, "agentSeconds": 2, "publishSeconds": 0.25},
    "forkedFrom": {"name": "other", "branch": "b", "commitSha": "c"},
    "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 3,
                    "lastTransitionTime": "t", "reason": "R", "message": "M"}],
    "observedGeneration": 3
  }
})");

TEST(Codec, AgenticTaskRoundTripIsExact) {
  EXPECT_EQ(round_trip<AgenticTask>(kFullTask), kFullTask);
}

TEST(Codec, NamespaceKeyMapsToNamespaceMember) {
  auto task = kFullTask.get<AgenticTask>();
  EXPECT_EQ(task.metadata.namespace_, "team-a");
  EXPECT_EQ(json(task)["metadata"]["namespace"], "team-a");
  EXPECT_FALSE(json(task)["metadata"].contains("namespace_"));
}

TEST(Codec, AgentRoundTripIsExact) {
  const json agent = json::parse(R"({
    "apiVersion": "redraft.dev/v1alpha1", "kind": "Agent", "metadata": {"name": "coder"},
    "spec": {"role": "coder", "image": "img:1", "command": ["sh", "-c"], "args": ["run"],
             "promptVia": "stdin", "instructions": "be nice", "instructionsPath": ".redraft/c.md",
             "env": [{"name": "EMPTY", "value": ""},
                     {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": true}}},
                     {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
                     {"name": "NS", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}}],
             "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "500m"}},
             "timeoutSeconds": 900},
    "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True"}]}
  })");
  EXPECT_EQ(round_trip<Agent>(agent), agent);
}

TEST(Codec, WorkloadRoundTripIsExact) {
  const json workload = json::parse(R"({
    "apiVersion": "redraft.dev/v1alpha1", "kind": "Workload", "metadata": {"name": "wl"},
    "spec": {"repo": {"url": "git://127.0.0.1/r.git"}, "baseBranch": "main", "issues": [1, 2],
             "tasks": [{"name": "docs", "prompt": "write docs"}], "intent": "i",
             "coderAgentRef": {"name": "c"}, "reviewerAgentRefs": [{"name": "r1"}, {"name": "r2"}],
             "revisionCoderAgentRef": {"name": "rc"}, "maxReviewIterations": 0,
             "branchStrategy": "reset", "allowOverwrite": true, "parallelism": 2,
             "branchPrefix": "bots/"},
    "status": {"phase": "Running",
               "items": [{"key": "1", "iteration": 0, "phase": "Running", "branch": "bots/1",
                          "commitSha": "abc", "verdicts": ["GO", "NO-GO"], "tasks": ["wl-1-code"]}],
               "counts": {"total": 3, "pending": 1, "running": 1, "succeeded": 1, "failed": 0},
               "reviewIterations": 1, "conditions": [{"type": "Ready", "status": "False"}],
               "observedGeneration": 2}
  })");
  EXPECT_EQ(round_trip<Workload>(workload), workload);
}

TEST(Codec, UnsetFieldsAreOmitted) {
  AgenticTask task;
  task.metadata.name = "t";
  task.spec.kind = "code";
  json j = task;
  EXPECT_EQ(j, json::parse(R"({"apiVersion": "redraft.dev/v1alpha1", "kind": "AgenticTask",
                               "metadata": {"name": "t"}, "spec": {"kind": "code"}})"));
}

TEST(Codec, PresentButEmptyOptionalsSurvive) {
  // allowOverwrite=false and an explicit empty env value are meaningful, not "unset".
  auto task =
      json::parse(R"({"spec": {"allowOverwrite": false, "backoffLimit": 0}})").get<AgenticTask>();
  ASSERT_TRUE(task.spec.allowOverwrite.has_value());
  EXPECT_FALSE(*task.spec.allowOverwrite);
  EXPECT_EQ(task.spec.backoffLimit, 0);
  auto var = json::parse(R"({"name": "X", "value": ""})").get<EnvVar>();
  ASSERT_TRUE(var.value.has_value());
  EXPECT_EQ(json(var), json::parse(R"({"name": "X", "value": ""})"));
}

TEST(Codec, UnknownFieldsAreTolerated) {
  auto task = json::parse(R"({"kind": "AgenticTask", "futureField": 1,
      "metadata": {"name": "t", "managedFields": [{"manager": "kubectl"}]},
      "spec": {"branch": "b", "somethingNew": {"deep": [1, 2]}},
      "status": {"extra": true}})")
                  .get<AgenticTask>();
  EXPECT_EQ(task.metadata.name, "t");
  EXPECT_EQ(task.spec.branch, "b");
}

TEST(Codec, NullMeansUnset) {
  auto task = json::parse(R"({"spec": {"branch": null, "issue": null, "timeoutSeconds": null}})")
                  .get<AgenticTask>();
  EXPECT_TRUE(task.spec.branch.empty());
  EXPECT_FALSE(task.spec.issue.has_value());
  EXPECT_FALSE(task.spec.timeoutSeconds.has_value());
}

std::string decode_error(const std::string& text, bool as_workload = false) {
  try {
    if (as_workload) {
      decode<Workload>(text);
    } else {
      decode<AgenticTask>(text);
    }
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Codec, ErrorsNameTheFieldPath) {
  EXPECT_EQ(decode_error(R"({"spec": {"issue": {"number": "twelve"}}})"),
            "spec.issue.number: expected integer, got string");
  EXPECT_EQ(decode_error(R"({"spec": {"branch": 5}})"),
            "spec.branch: expected string, got integer");
  EXPECT_EQ(decode_error(R"({"spec": {"allowOverwrite": "yes"}})"),
            "spec.allowOverwrite: expected boolean, got string");
  EXPECT_EQ(decode_error(R"({"spec": {"feedback": [{"line": 1}, {"line": 1.5}]}})"),
            "spec.feedback[1].line: expected integer, got number");
  EXPECT_EQ(decode_error(R"({"metadata": {"labels": {"a": 1}}})"),
            "metadata.labels.a: expected string, got integer");
  EXPECT_EQ(decode_error(R"({"spec": []})"), "spec: expected object, got array");
  EXPECT_EQ(decode_error(R"({"spec": {"issues": [1, "x"]}})", true),
            "spec.issues[1]: expected integer, got string");
  EXPECT_EQ(decode_error(R"({"status": {"items": [{"key": "k", "iteration": true}]}})", true),
            "status.items[0].iteration: expected integer, got boolean");
  EXPECT_EQ(decode_error(R"(["not", "an", "object"])"), "expected object, got array");
}

TEST(Codec, WrongKindIsNamed) {
  EXPECT_EQ(decode_error(R"({"kind": "Workload"})"),
            "kind: expected \"AgenticTask\", got \"Workload\"");
}

TEST(Codec, IntegralFloatsAreAcceptedAsIntegers) {
  auto task = json::parse(R"({"spec": {"timeoutSeconds": 60.0}})").get<AgenticTask>();
  EXPECT_EQ(task.spec.timeoutSeconds, 60);
}

TEST(Codec, NumericQuantitiesKeepTheirText) {
  auto agent = decode<Agent>("spec:\n  resources:\n    limits:\n      cpu: 2\n      memory: 1Gi\n");
  ASSERT_TRUE(agent.spec.resources.has_value());
  EXPECT_EQ(agent.spec.resources->limits.at("cpu"), "2");
  EXPECT_EQ(agent.spec.resources->limits.at("memory"), "1Gi");
}

// ---- documents ----

TEST(Document, YamlScalarsResolveLikeJson) {
  json doc = parse_document(
      "int: 12\nneg: -3\nhex: 0x1f\nfloat: 1.5\nbool: true\nnull1: null\nnull2: ~\nempty:\n"
      "quoted: \"12\"\nsingle: 'true'\nliteral: |\n  line\nplain: hello world\nversion: 1.2.3\n"
      "list: [1, a]\nmap: {}\n");
  EXPECT_EQ(doc["int"], 12);
  EXPECT_EQ(doc["neg"], -3);
  EXPECT_EQ(doc["hex"], 31);
  EXPECT_EQ(doc["float"], 1.5);
  EXPECT_EQ(doc["bool"], true);
  EXPECT_TRUE(doc["null1"].is_null());
  EXPECT_TRUE(doc["null2"].is_null());
  EXPECT_TRUE(doc["empty"].is_null());
  EXPECT_EQ(doc["quoted"], "12");
  EXPECT_EQ(doc["single"], "true");
  EXPECT_EQ(doc["literal"], "line\n");
  EXPECT_EQ(doc["plain"], "hello world");
  EXPECT_EQ(doc["version"], "1.2.3");
  EXPECT_EQ(doc["list"], json::parse(R"([1, "a"])"));
  EXPECT_EQ(doc["map"], json::object());
}

TEST(Document, JsonTextIsParsedAsJson) {
  EXPECT_EQ(parse_document(R"( {"a": [1, 2.5, "x"]} )"), json::parse(R"({"a": [1, 2.5, "x"]})"));
}

std::string parse_error(const std::string& text) {
  try {
    parse_document(text);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Document, BadInputGivesClearErrors) {
  EXPECT_EQ(parse_error(""), "empty document");
  EXPECT_EQ(parse_error("  \n"), "empty document");
  EXPECT_NE(parse_error("a: [1,\n").find("invalid YAML at line"), std::string::npos);
  EXPECT_EQ(parse_error("a: 1\na: 2\n"), "a: duplicate key");
  EXPECT_EQ(parse_error("a: 1\n---\nb: 2\n"), "expected one YAML document, got 2");
  EXPECT_NE(parse_error(R"({"a": )").find("invalid JSON"), std::string::npos);
}

TEST(Document, JsonErrorsDoNotEchoTheText) {
  std::string message = parse_error(R"({"token": "s3cr3t-value" oops})");
  EXPECT_NE(message.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(message.find("s3cr3t"), std::string::npos) << message;
}

TEST(Document, AliasBombIsRejectedNotExpanded) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev +
            ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev +
            ", " + prev + ", " + prev + "]\n";
  }
  EXPECT_NE(parse_error(text).find("too large"), std::string::npos);
}

TEST(Document, InvalidUtf8IsRejectedWithItsPath) {
  EXPECT_EQ(parse_error("spec:\n  prompt: \"a\xff\"\n"), "spec.prompt: invalid UTF-8");
  EXPECT_EQ(parse_error("spec:\n  prompt: caf\xc3\n"), "spec.prompt: invalid UTF-8");
  EXPECT_EQ(parse_error("spec:\n  prompt: \xed\xa0\x80\n"),
            "spec.prompt: invalid UTF-8");                                              // surrogate
  EXPECT_EQ(parse_error("spec:\n  prompt: \xc0\xaf\n"), "spec.prompt: invalid UTF-8");  // overlong
  EXPECT_EQ(parse_document("a: caf\xc3\xa9 \xf0\x9f\x99\x82\n")["a"],
            "caf\xc3\xa9 \xf0\x9f\x99\x82");
  // Whatever parse_document returns can be serialized again.
  EXPECT_NO_THROW(parse_document("a: caf\xc3\xa9\n").dump());
}

TEST(Document, MultiDocumentStreams) {
  auto docs = parse_documents("---\na: 1\n---\n---\nb: x\n...\n");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0], json::parse(R"({"a": 1})"));
  EXPECT_EQ(docs[1], json::parse(R"({"b": "x"})"));
  EXPECT_TRUE(parse_documents("  \n").empty());
  EXPECT_EQ(parse_documents(R"({"a": 1})").size(), 1u);
  try {
    parse_documents("a: 1\n---\nb: 1\nb: 2\n");
    FAIL() << "duplicate key accepted";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "document 2: b: duplicate key");
  }
}

TEST(Document, DeepNestingIsRejected) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "- ";
  EXPECT_EQ(parse_error(deep + "x\n"), "document nested more than 200 levels deep");
  std::string fine;
  for (int i = 0; i < 50; ++i) fine += "- ";
  EXPECT_NO_THROW(parse_document(fine + "x\n"));
}

TEST(Document, ToYamlRoundTripsThroughParse) {
  const json value = json::parse(R"({
    "plain": "hello", "spaces": "two words", "num_string": "12", "bool_string": "yes",
    "null_string": "null", "empty": "", "colon": "a: b", "hash": "a #b", "lead": "-x",
    "multi": "line1\nline2", "quote": "say \"hi\"", "unicode": "caf\u00e9", "int": 7,
    "float": 0.5, "t": true, "n": null, "emptyObj": {}, "emptyArr": [],
    "nested": {"list": [{"a": 1, "b": [1, 2]}, [3, [4]], "s"]},
    "key with: colon": 1, "trailing ": "x "
  })");
  std::string yaml = to_yaml(value);
  EXPECT_EQ(parse_document(yaml), value) << yaml;
}

TEST(Document, ToYamlIsBlockStyle) {
  EXPECT_EQ(to_yaml(json::parse(R"({"a": {"b": [1, {"c": "d", "e": "f"}]}, "g": "yes"})")),
            "a:\n  b:\n  - 1\n  - c: d\n    e: f\ng: \"yes\"\n");
}

}  // namespace
}  // namespace redraft::api
