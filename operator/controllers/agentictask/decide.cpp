#include "operator/controllers/agentictask/decide.hpp"

#include <algorithm>

#include "api/defaults.hpp"
#include "operator/controllers/agentictask/build_pod.hpp"
#include "operator/runtime/client/redact.hpp"
#include "operator/runtime/events/k8s_time.hpp"

namespace redraft::controllers::agentictask {
namespace {

using Clock = std::chrono::system_clock;

// Re-read a finished publish container whose log could not be fetched.
constexpr std::chrono::seconds kLogRetryDelay{5};

// metav1.Condition reasons are CamelCase identifiers; status reasons of results are, but be safe.
bool is_condition_reason(std::string_view r) {
  if (r.empty() || !((r[0] >= 'A' && r[0] <= 'Z') || (r[0] >= 'a' && r[0] <= 'z'))) return false;
  for (char c : r) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == ',' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// Sets one condition; lastTransitionTime changes only when the status does (so an unchanged
// decision yields an equal status and no write).
void set_condition(api::AgenticTaskStatus& status, std::string_view type, bool value, std::string_view reason,
                   std::string_view message, std::optional<std::int64_t> generation, const std::string& now) {
  api::Condition c;
  c.type = type;
  c.status = value ? "True" : "False";
  c.reason = reason;
  c.message = safe_message(message, kMaxConditionMessageBytes);
  c.observedGeneration = generation;
  c.lastTransitionTime = now;
  for (auto& existing : status.conditions) {
    if (existing.type != type) continue;
    if (existing.status == c.status) c.lastTransitionTime = existing.lastTransitionTime;
    existing = std::move(c);
    return;
  }
  status.conditions.push_back(std::move(c));
}

const api::Condition* find_condition(const api::AgenticTaskStatus& status, std::string_view type) {
  for (const auto& c : status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::string container_phrase(const ContainerView& c) {
  std::string s = "container " + c.name.str();
  if (c.exitCode) s += " exited with code " + std::to_string(*c.exitCode);
  if (!c.reason.empty()) s += " (" + c.reason.str() + ")";
  return s;
}

bool started(const PodView& pod) {
  if (pod.phase == "Running") return true;
  for (const auto* list : {&pod.initContainers, &pod.containers}) {
    for (const auto& c : *list) {
      if (c.state == "running" || c.state == "terminated") return true;
    }
  }
  return false;
}

// Why a Pod that ended (or is ending) without a result failed, for the status message.
std::string pod_failure(const PodView& pod) {
  if (pod.reason == "DeadlineExceeded") {
    return "the pod exceeded its activeDeadlineSeconds" + (pod.message.empty() ? "" : ": " + pod.message.str());
  }
  for (const auto* list : {&pod.initContainers, &pod.containers}) {
    for (const auto& c : *list) {
      if (c.state == "terminated" && c.exitCode && *c.exitCode != 0) return container_phrase(c);
    }
  }
  std::string s = "the pod ended (" + (pod.phase.empty() ? std::string("no phase") : pod.phase.str());
  if (!pod.reason.empty()) s += ", " + pod.reason.str();
  s += ") without a result";
  if (!pod.message.empty()) s += ": " + pod.message.str();
  return s;
}

// The first container stuck in a start failure, or nullptr.
const ContainerView* start_failure(const PodView& pod) {
  for (const auto* list : {&pod.initContainers, &pod.containers}) {
    for (const auto& c : *list) {
      if (c.state == "waiting" && is_start_failure(c.reason.view())) return &c;
    }
  }
  return nullptr;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// What happened to the current attempt.
struct AttemptState {
  enum class Kind { None, Waiting, Running, Result, Failed } kind = Kind::None;
  std::string why;                        // Failed
  std::chrono::seconds requeue_after{0};  // Waiting/Running: look again after this long
};

AttemptState evaluate(const api::AgenticTask& task, const Observation& o, const DecideContext& ctx) {
  AttemptState s;
  if (o.attempt == 0) return s;
  const std::string pod = pod_name(task.metadata.name.view(), o.attempt);
  if (o.pod == nullptr) {
    s.kind = AttemptState::Kind::Failed;
    s.why = "pod " + pod + " was deleted before it finished";
    return s;
  }
  switch (o.result.kind) {
    case ResultRead::Kind::Found:
      s.kind = AttemptState::Kind::Result;
      return s;
    case ResultRead::Kind::Missing:
      s.kind = AttemptState::Kind::Failed;
      s.why = o.result.problem;
      return s;
    case ResultRead::Kind::LogUnavailable: {
      // A cut message and no log: the node may be back soon; give it pod_start_timeout.
      const ContainerView* publish = publish_status(*o.pod);
      auto finished = publish ? runtime::parse_time(publish->finishedAt.view()) : std::nullopt;
      if (finished && ctx.now - *finished < ctx.pod_start_timeout) {
        s.kind = AttemptState::Kind::Running;
        s.requeue_after = kLogRetryDelay;
        return s;
      }
      s.kind = AttemptState::Kind::Failed;
      s.why = "the result in the termination message was cut and " + o.result.problem;
      return s;
    }
    case ResultRead::Kind::NotFinished:
      break;
  }
  const PodView& p = *o.pod;
  if (!p.metadata.deletionTimestamp.empty()) {
    s.kind = AttemptState::Kind::Failed;
    s.why = "pod " + pod + " was deleted before it finished";
    return s;
  }
  if (p.phase == "Failed" || p.phase == "Succeeded" || p.reason == "DeadlineExceeded") {
    s.kind = AttemptState::Kind::Failed;
    s.why = pod_failure(p);
    return s;
  }
  if (const ContainerView* stuck = start_failure(p)) {
    auto created = runtime::parse_time(p.metadata.creationTimestamp.view());
    const auto age = created ? ctx.now - *created : Clock::duration::max();
    if (age >= ctx.pod_start_timeout) {
      s.kind = AttemptState::Kind::Failed;
      s.why = "container " + stuck->name.str() + " could not start for " +
              std::to_string(ctx.pod_start_timeout.count()) + "s: " + stuck->reason.str() +
              (stuck->message.empty() ? "" : ": " + stuck->message.str());
      return s;
    }
    s.requeue_after = std::chrono::ceil<std::chrono::seconds>(ctx.pod_start_timeout - age) + std::chrono::seconds(1);
  }
  s.kind = started(p) ? AttemptState::Kind::Running : AttemptState::Kind::Waiting;
  return s;
}

void finish(Action& a, const api::AgenticTask& task, const std::string& now, std::string_view completion) {
  const auto gen = task.metadata.generation;
  auto& st = a.status;
  if (!st.message.empty()) st.message = safe_message(st.message.view(), kMaxStatusMessageBytes);
  const bool ok = st.phase == api::phase::kSucceeded;
  st.completionTime = completion.empty() ? now : std::string(completion);
  st.observedGeneration = gen;
  std::string summary = st.verdict.empty() ? st.phase.str() : st.verdict.str();
  if (!st.reason.empty()) summary += " (" + st.reason.str() + ")";
  if (!st.message.empty()) summary += ": " + st.message.str();
  summary = safe_message(summary, kMaxConditionMessageBytes);
  set_condition(st, kConditionComplete, ok, ok ? "Succeeded" : "Failed", summary, gen, now);
  const std::string failed_reason = is_condition_reason(st.reason.view()) ? st.reason.str() : "Failed";
  set_condition(st, kConditionFailed, !ok, ok ? "Succeeded" : std::string_view(failed_reason), summary, gen, now);
  a.finished = true;
  a.events.push_back(ok ? TaskEvent{"Normal", kEventSucceeded, summary} : TaskEvent{"Warning", kEventTaskFailed, summary});
}

}  // namespace

std::string safe_message(std::string_view text, std::size_t max_bytes) {
  return bounded_message(runtime::redact_url_credentials(text), max_bytes);
}

bool is_start_failure(std::string_view r) {
  return r == "CreateContainerConfigError" || r == "CreateContainerError" || r == "ErrImagePull" ||
         r == "ImagePullBackOff" || r == "InvalidImageName" || r == "ErrImageNeverPull";
}

bool is_terminal(const api::AgenticTaskStatus& status) {
  return status.phase == api::phase::kSucceeded || status.phase == api::phase::kFailed;
}

int max_attempts(const api::AgenticTask& task) {
  const std::int64_t limit = std::clamp<std::int64_t>(task.spec.backoffLimit.value_or(api::kDefaultBackoffLimit), 0, 1000);
  return static_cast<int>(limit) + 1;
}

Action decide(const api::AgenticTask& task, const Resolution& resolution, const Observation& observed,
              const DecideContext& ctx) {
  Action a;
  a.status = task.status;
  if (is_terminal(task.status) || !task.metadata.deletionTimestamp.empty()) return a;
  const auto gen = task.metadata.generation;
  const std::string now = runtime::format_time(ctx.now);
  auto& st = a.status;
  st.observedGeneration = gen;
  if (observed.attempt > 0) {
    // Also repairs a status that lags the Pods (the operator stopped before writing it).
    st.attempts = observed.attempt;
    st.podName = pod_name(task.metadata.name.view(), observed.attempt);
    if (st.startTime.empty()) st.startTime = now;
    if (find_condition(st, kConditionReady) == nullptr) {
      set_condition(st, kConditionReady, true, kReasonResolved,
                    "Agent " + quoted(task.spec.agentRef.name.view()) + " found", gen, now);
    }
  }

  const AttemptState attempt = evaluate(task, observed, ctx);
  switch (attempt.kind) {
    case AttemptState::Kind::Result: {
      const api::AgenticTaskStatus& r = observed.result.result;
      st.phase = r.phase;
      st.verdict = r.verdict;
      st.reason = r.reason;
      st.message = safe_message(r.message.view(), kMaxStatusMessageBytes);
      st.branch = r.branch;
      st.commitSha = r.commitSha;
      st.baseSha = r.baseSha;
      st.restore = r.restore;
      st.findings = r.findings;
      st.summary = runtime::redact_url_credentials(r.summary.view());
      st.timings = r.timings;
      const ContainerView* publish = publish_status(*observed.pod);
      finish(a, task, now, publish ? publish->finishedAt.view() : std::string_view());
      return a;
    }
    case AttemptState::Kind::Running:
    case AttemptState::Kind::Waiting:
      if (attempt.kind == AttemptState::Kind::Running) st.phase = api::phase::kRunning;
      if (st.phase.empty()) st.phase = api::phase::kPending;
      a.requeue_after = attempt.requeue_after;
      return a;
    case AttemptState::Kind::Failed:
      if (observed.attempt >= max_attempts(task)) {
        st.phase = api::phase::kFailed;
        st.verdict = task.spec.kind == api::task_kind::kReview ? api::verdict::kIncomplete : "";
        st.reason = api::reason::kPodFailed;
        st.message = attempt.why + " (attempt " + std::to_string(observed.attempt) + " of " +
                     std::to_string(max_attempts(task)) + ")";
        finish(a, task, now, "");
        return a;
      }
      break;
    case AttemptState::Kind::None:
      break;
  }

  // A new attempt is due (the first, or a retry): it needs the Agent and the fork resolved.
  const int next = observed.attempt + 1;
  switch (resolution.state) {
    case Resolution::State::Invalid:
      st.phase = api::phase::kFailed;
      st.reason = api::reason::kInvalidSpec;
      st.message = resolution.message;
      set_condition(st, kConditionReady, false, api::reason::kInvalidSpec, resolution.message, gen, now);
      finish(a, task, now, "");
      return a;
    case Resolution::State::AgentMissing:
    case Resolution::State::ForkSourcePending: {
      if (st.phase.empty() || observed.attempt == 0) st.phase = api::phase::kPending;
      st.reason = resolution.reason;
      st.message = resolution.message;
      const api::Condition* ready = find_condition(task.status, kConditionReady);
      const bool already = ready != nullptr && ready->status == "False" && ready->reason == resolution.reason;
      set_condition(st, kConditionReady, false, resolution.reason, resolution.message, gen, now);
      if (!already && resolution.state == Resolution::State::AgentMissing) {
        a.events.push_back({"Warning", api::reason::kAgentNotFound, resolution.message});
      }
      // The Agent informer enqueues the task when the Agent appears; a fork source's progress
      // is polled as well as mapped (a source finishing enqueues its forks).
      if (resolution.state == Resolution::State::ForkSourcePending) a.requeue_after = std::chrono::seconds(30);
      return a;
    }
    case Resolution::State::Ready:
      break;
  }
  a.create_attempt = next;
  const std::string pod = pod_name(task.metadata.name.view(), next);
  st.phase = api::phase::kPending;
  st.podName = pod;
  st.attempts = next;
  if (st.startTime.empty()) st.startTime = now;
  if (resolution.forked_from) st.forkedFrom = resolution.forked_from;
  if (attempt.kind == AttemptState::Kind::Failed) {
    st.reason.clear();
    const std::string failed = "attempt " + std::to_string(observed.attempt) + " failed: " + attempt.why;
    st.message = safe_message(failed, kMaxStatusMessageBytes);
    a.events.push_back({"Warning", kEventAttemptFailed,
                        safe_message(failed + "; starting attempt " + std::to_string(next) + " of " +
                                         std::to_string(max_attempts(task)),
                                     kMaxConditionMessageBytes)});
  } else {
    st.reason.clear();
    st.message.clear();
  }
  set_condition(st, kConditionReady, true, kReasonResolved,
                "Agent " + quoted(task.spec.agentRef.name.view()) + " found", gen, now);
  a.events.push_back({"Normal", kEventPodCreated, "created pod " + pod + " (attempt " + std::to_string(next) + ")"});
  return a;
}

void fail_task(Action& action, const api::AgenticTask& task, std::string_view reason, std::string_view message,
               std::chrono::system_clock::time_point now) {
  action.create_attempt = 0;
  action.requeue_after = std::chrono::seconds(0);
  action.events.clear();
  action.status.phase = api::phase::kFailed;
  action.status.verdict = task.spec.kind == api::task_kind::kReview ? api::verdict::kIncomplete : "";
  action.status.reason = reason;
  action.status.message = message;
  finish(action, task, runtime::format_time(now), "");
}

}  // namespace redraft::controllers::agentictask
