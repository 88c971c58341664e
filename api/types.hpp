// The redraft.dev/v1alpha1 API as C++ values: Agent, AgenticTask and Workload (DESIGN.md §4).
//
// Conventions, so codecs, defaulting and validation agree:
// - Enumerated fields are plain strings (constants below), so a bad value survives decoding and
//   validation can name it ("spec.role: Unsupported value: \"x\"").
// - Empty strings, empty lists and empty maps mean "unset" and are omitted on encode, like Go's
//   `omitempty`. Fields whose absence means something different from their zero value (defaults,
//   booleans, numbers) are std::optional.
// - Cached objects are these structs, never JSON documents (operator memory). Strings are
//   api::Text (8 bytes, shared, internable) and maps are StringMap, for the same reason.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/text.hpp"

namespace redraft::api {

inline constexpr const char* kGroup = "redraft.dev";
inline constexpr const char* kVersion = "v1alpha1";
inline constexpr const char* kApiVersion = "redraft.dev/v1alpha1";

// Label keys the operator puts on AgenticTasks (values made label-safe, see DESIGN.md §5).
inline constexpr const char* kLabelWorkload = "redraft.dev/workload";
inline constexpr const char* kLabelItem = "redraft.dev/item";
inline constexpr const char* kLabelIteration = "redraft.dev/iteration";
inline constexpr const char* kLabelForkOf = "redraft.dev/fork-of";

namespace role {
inline constexpr const char* kCoder = "coder";
inline constexpr const char* kReviewer = "reviewer";
}  // namespace role

namespace prompt_via {
inline constexpr const char* kFile = "file";
inline constexpr const char* kStdin = "stdin";
inline constexpr const char* kArg = "arg";
}  // namespace prompt_via

namespace task_kind {
inline constexpr const char* kCode = "code";
inline constexpr const char* kReview = "review";
}  // namespace task_kind

namespace strategy {
inline constexpr const char* kRestore = "restore";
inline constexpr const char* kRebase = "rebase";
inline constexpr const char* kReset = "reset";
}  // namespace strategy

namespace phase {
inline constexpr const char* kPending = "Pending";
inline constexpr const char* kRunning = "Running";
inline constexpr const char* kSucceeded = "Succeeded";
inline constexpr const char* kFailed = "Failed";
}  // namespace phase

namespace verdict {
inline constexpr const char* kPushed = "PUSHED";
inline constexpr const char* kNoChanges = "NO-CHANGES";
inline constexpr const char* kGo = "GO";
inline constexpr const char* kNoGo = "NO-GO";
inline constexpr const char* kIncomplete = "INCOMPLETE";
// Only in an agent's result file: the agent itself reports it could not do the job.
inline constexpr const char* kError = "ERROR";
}  // namespace verdict

namespace restore_outcome {
inline constexpr const char* kRestored = "restored";
inline constexpr const char* kFallback = "fallback";
inline constexpr const char* kNone = "none";
}  // namespace restore_outcome

// Machine reasons of AgenticTask status (API: tests and users match on them).
namespace reason {
inline constexpr const char* kRestoreFallback = "RestoreFallback";
inline constexpr const char* kLeaseRejected = "LeaseRejected";
inline constexpr const char* kNonFastForward = "NonFastForward";
inline constexpr const char* kRebaseConflict = "RebaseConflict";
inline constexpr const char* kAgentTimeout = "AgentTimeout";
inline constexpr const char* kAgentFailed = "AgentFailed";
inline constexpr const char* kResultMissing = "ResultMissing";
inline constexpr const char* kAuthFailed = "AuthFailed";
inline constexpr const char* kCloneFailed = "CloneFailed";
inline constexpr const char* kPushFailed = "PushFailed";
inline constexpr const char* kBranchNotFound = "BranchNotFound";
inline constexpr const char* kInvalidSpec = "InvalidSpec";
inline constexpr const char* kAgentNotFound = "AgentNotFound";
inline constexpr const char* kPodFailed = "PodFailed";
inline constexpr const char* kInternalError = "InternalError";
}  // namespace reason

// ---- shared building blocks (Kubernetes shapes) ----

// labels, annotations, resource quantities. std::less<> finds by any string-like key.
using StringMap = std::map<Text, Text, std::less<>>;

struct OwnerReference {
  Text apiVersion;
  Text kind;
  Text name;
  Text uid;
  std::optional<bool> controller;
  std::optional<bool> blockOwnerDeletion;
  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  Text name;
  Text generateName;
  Text namespace_;  // JSON "namespace"
  Text uid;
  Text resourceVersion;
  std::optional<std::int64_t> generation;
  Text creationTimestamp;
  Text deletionTimestamp;
  StringMap labels;
  StringMap annotations;
  std::vector<OwnerReference> ownerReferences;
  std::vector<Text> finalizers;
  bool operator==(const ObjectMeta&) const = default;
};

// metav1.Condition.
struct Condition {
  Text type;
  Text status;  // "True" | "False" | "Unknown"
  std::optional<std::int64_t> observedGeneration;
  Text lastTransitionTime;
  Text reason;
  Text message;
  bool operator==(const Condition&) const = default;
};

struct LocalObjectReference {
  Text name;
  bool operator==(const LocalObjectReference&) const = default;
};

struct KeySelector {  // secretKeyRef / configMapKeyRef
  Text name;
  Text key;
  std::optional<bool> optional;
  bool operator==(const KeySelector&) const = default;
};

struct FieldSelector {  // fieldRef
  Text apiVersion;
  Text fieldPath;
  bool operator==(const FieldSelector&) const = default;
};

struct EnvVarSource {
  std::optional<KeySelector> secretKeyRef;
  std::optional<KeySelector> configMapKeyRef;
  std::optional<FieldSelector> fieldRef;
  bool operator==(const EnvVarSource&) const = default;
};

struct EnvVar {
  Text name;
  std::optional<Text> value;  // "" is a legitimate value, so optional
  std::optional<EnvVarSource> valueFrom;
  bool operator==(const EnvVar&) const = default;
};

struct ResourceRequirements {
  StringMap limits;    // quantities as written ("500m", "1Gi")
  StringMap requests;
  bool operator==(const ResourceRequirements&) const = default;
};

// A reviewer finding (agent result contract). `reviewer` is set by the operator when findings
// are handed to a revision as feedback, so the coder knows whose request each one is.
struct Finding {
  Text severity;
  Text file;
  std::optional<std::int64_t> line;
  Text message;
  Text suggestion;
  Text reviewer;
  bool operator==(const Finding&) const = default;
};

struct RepoSpec {
  Text url;
  Text pushUrl;  // unset ⇒ url
  LocalObjectReference credentialsSecretRef;
  bool operator==(const RepoSpec&) const = default;
};

// ---- Agent ----

struct AgentSpec {
  Text role;  // role::
  Text image;
  std::vector<Text> command;
  std::vector<Text> args;
  Text promptVia;  // prompt_via::, default file
  Text instructions;
  Text instructionsPath;
  std::vector<EnvVar> env;
  std::optional<ResourceRequirements> resources;
  std::optional<std::int64_t> timeoutSeconds;  // default 1800
  bool operator==(const AgentSpec&) const = default;
};

struct AgentStatus {
  std::optional<std::int64_t> observedGeneration;
  std::vector<Condition> conditions;
  bool operator==(const AgentStatus&) const = default;
};

struct Agent {
  ObjectMeta metadata;
  AgentSpec spec;
  AgentStatus status;
  bool operator==(const Agent&) const = default;
};

// ---- AgenticTask ----

struct IssueRef {
  std::int64_t number = 0;
  Text title;
  Text body;
  bool operator==(const IssueRef&) const = default;
};

struct Person {  // commit author/committer
  Text name;
  Text email;
  bool operator==(const Person&) const = default;
};

struct AgenticTaskSpec {
  Text kind;  // task_kind::
  LocalObjectReference agentRef;
  RepoSpec repo;
  Text baseBranch;  // default "main"
  Text branch;      // working branch (required)
  std::optional<IssueRef> issue;
  Text prompt;
  Text promptPrefix;
  // The Workload's intent, copied onto each task so the executor needs nothing but the task.
  Text intent;
  Text reviseFromBranch;
  Text branchStrategy;  // strategy::, default restore
  std::optional<bool> allowOverwrite;  // default false
  Text expectedRemoteSha;
  std::vector<Finding> feedback;
  std::optional<LocalObjectReference> forkOf;
  std::optional<Person> author;  // default Redraft <redraft@redraft.dev>
  std::optional<std::int64_t> timeoutSeconds;
  std::optional<std::int64_t> backoffLimit;  // default 1
  bool operator==(const AgenticTaskSpec&) const = default;
};

struct RestoreStatus {
  Text outcome;  // restore_outcome::
  Text fromSha;
  bool operator==(const RestoreStatus&) const = default;
};

struct PhaseTimings {
  std::optional<double> prepareSeconds;
  std::optional<double> agentSeconds;
  std::optional<double> publishSeconds;
  bool operator==(const PhaseTimings&) const = default;
};

struct ForkedFrom {
  Text name;
  Text branch;
  Text commitSha;
  bool operator==(const ForkedFrom&) const = default;
};

// Also the executor's result document (the fields the executor knows are filled by it).
struct AgenticTaskStatus {
  Text phase;    // phase::
  Text verdict;  // verdict::
  Text reason;   // reason::
  Text message;
  Text branch;
  Text commitSha;
  Text baseSha;
  std::optional<RestoreStatus> restore;
  std::vector<Finding> findings;
  Text summary;
  Text podName;
  std::optional<std::int64_t> attempts;
  Text startTime;
  Text completionTime;
  std::optional<PhaseTimings> timings;
  std::optional<ForkedFrom> forkedFrom;
  std::vector<Condition> conditions;
  std::optional<std::int64_t> observedGeneration;
  bool operator==(const AgenticTaskStatus&) const = default;
};

struct AgenticTask {
  ObjectMeta metadata;
  AgenticTaskSpec spec;
  AgenticTaskStatus status;
  bool operator==(const AgenticTask&) const = default;
};

// ---- Workload ----

struct WorkloadTask {  // a prompt-defined item instead of an issue number
  Text name;
  Text prompt;
  bool operator==(const WorkloadTask&) const = default;
};

struct WorkloadSpec {
  RepoSpec repo;
  Text baseBranch;  // default "main"
  std::vector<std::int64_t> issues;
  std::vector<WorkloadTask> tasks;
  Text intent;
  LocalObjectReference coderAgentRef;
  std::vector<LocalObjectReference> reviewerAgentRefs;
  std::optional<LocalObjectReference> revisionCoderAgentRef;
  std::optional<std::int64_t> maxReviewIterations;  // unset ⇒ 1; 0 disables review rounds
  Text branchStrategy;                       // for revisions, default rebase
  std::optional<bool> allowOverwrite;               // default true (revisions push with a lease)
  std::optional<std::int64_t> parallelism;          // max items in flight
  Text branchPrefix;                         // default "redraft/<workload>/"
  bool operator==(const WorkloadSpec&) const = default;
};

struct WorkloadItemStatus {
  Text key;
  std::int64_t iteration = 0;
  Text phase;
  Text branch;
  Text commitSha;
  std::vector<Text> verdicts;
  std::vector<Text> tasks;
  bool operator==(const WorkloadItemStatus&) const = default;
};

struct WorkloadCounts {
  std::int64_t total = 0;
  std::int64_t pending = 0;
  std::int64_t running = 0;
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;
  bool operator==(const WorkloadCounts&) const = default;
};

struct WorkloadStatus {
  Text phase;
  std::vector<WorkloadItemStatus> items;
  std::optional<WorkloadCounts> counts;
  std::optional<std::int64_t> reviewIterations;
  std::vector<Condition> conditions;
  std::optional<std::int64_t> observedGeneration;
  bool operator==(const WorkloadStatus&) const = default;
};

struct Workload {
  ObjectMeta metadata;
  WorkloadSpec spec;
  WorkloadStatus status;
  bool operator==(const Workload&) const = default;
};

}  // namespace redraft::api
