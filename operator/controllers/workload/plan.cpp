#include "operator/controllers/workload/plan.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "api/defaults.hpp"
#include "api/validation.hpp"
#include "operator/controllers/common/labels.hpp"
#include "operator/runtime/client/redact.hpp"

namespace redraft::controllers::workload {
namespace {

constexpr const char* kNormal = "Normal";
constexpr const char* kWarning = "Warning";

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Free text from task results may quote URLs; never let a credential reach an event or status.
std::string safe_text(std::string_view text) { return runtime::redact_url_credentials(text); }

bool is_terminal(const api::AgenticTask& task) {
  return task.status.phase == api::phase::kSucceeded || task.status.phase == api::phase::kFailed;
}
bool is_terminal_phase(std::string_view phase) {
  return phase == api::phase::kSucceeded || phase == api::phase::kFailed;
}

// One Workload item: an issue number or a spec.tasks[] prompt.
struct Item {
  std::string key;
  std::optional<std::int64_t> issue;
  api::Text prompt;
};

struct Context {
  const api::Workload& workload;  // defaulted copy
  std::string name;
  std::string namespace_;
  std::int64_t max_iterations = 1;
  std::map<std::string_view, const api::AgenticTask*> tasks;  // by name
  std::map<std::string, const api::WorkloadItemStatus*> previous;  // by item key

  const api::AgenticTask* task(const std::string& name) const {
    auto it = tasks.find(name);
    return it == tasks.end() ? nullptr : it->second;
  }
};

// What became of one item in this plan.
struct ItemOutcome {
  api::WorkloadItemStatus status;
  std::string failure_reason;  // when status.phase == Failed
  std::string failure_message;
  std::vector<PlannedEvent> failure_events;  // events that explain the failure (restore, ...)
  std::string success_message;               // when status.phase == Succeeded
  std::vector<TaskToCreate> create;
};

std::string describe_task_failure(const api::AgenticTask& task) {
  std::string text = std::string(task.status.reason.empty() ? "no reason given"
                                                            : task.status.reason.view());
  if (!task.status.message.empty()) text += ": " + std::string(task.status.message.view());
  return text;
}

// The entry `verdicts` shows for a review: its verdict once it has one, else its phase.
std::string verdict_entry(const api::AgenticTask* review) {
  if (review == nullptr) return kVerdictPending;
  if (!review->status.verdict.empty()) return review->status.verdict;
  if (is_terminal(*review)) return review->status.phase;  // Failed without a verdict
  if (review->status.phase == api::phase::kRunning) return kVerdictRunning;
  return kVerdictPending;
}

// Restore outcome of a finished revision as events (DESIGN.md §5). Attached to whatever the
// planner does next with the revision (its first review's creation, or the item's failure), so
// each is recorded once.
std::vector<PlannedEvent> restore_events(const std::string& key, const api::AgenticTask& revision) {
  std::vector<PlannedEvent> out;
  if (!revision.status.restore) return out;
  const auto& restore = *revision.status.restore;
  const std::string name = revision.metadata.name;
  if (restore.outcome == api::restore_outcome::kFallback) {
    out.push_back({kWarning, event_reason::kRestoreFallback,
                   key + ": revision " + name + " found no prior attempt on branch " +
                       std::string(revision.spec.reviseFromBranch.view()) +
                       "; it was rebuilt from the base branch " +
                       std::string(revision.spec.baseBranch.view())});
  } else if (restore.outcome == api::restore_outcome::kRestored &&
             restore.fromSha != revision.spec.expectedRemoteSha) {
    out.push_back({kNormal, event_reason::kPriorAttemptMoved,
                   key + ": branch " + std::string(revision.spec.reviseFromBranch.view()) +
                       " moved from " + std::string(revision.spec.expectedRemoteSha.view()) +
                       " to " + std::string(restore.fromSha.view()) +
                       " since the last iteration; revision " + name +
                       " built on the new tip"});
  }
  return out;
}

class ItemPlanner {
 public:
  ItemPlanner(const Context& ctx, const Item& item, bool can_create)
      : ctx_(ctx), item_(item), can_create_(can_create), spec_(ctx.workload.spec) {
    out_.status.key = item.key;
    out_.status.branch = std::string(spec_.branchPrefix.view()) + item.key;
    out_.status.phase = api::phase::kPending;
  }

  ItemOutcome run() {
    std::int64_t k = 0;
    const api::AgenticTask* code = ctx_.task(code_task_name(ctx_.name, item_.key, 0));
    if (code == nullptr) {
      if (can_create_) {
        plan_code_task(0, {});
        out_.status.phase = api::phase::kRunning;
      }
      return std::move(out_);
    }
    while (true) {
      const std::string code_name = code->metadata.name;
      add_task(code_name);
      out_.status.iteration = k;
      out_.status.phase = api::phase::kRunning;
      if (!is_terminal(*code)) return std::move(out_);
      std::vector<PlannedEvent> restored =
          k > 0 ? restore_events(item_.key, *code) : std::vector<PlannedEvent>{};

      const auto& st = code->status;
      if (st.phase == api::phase::kFailed) {
        if (st.reason == api::reason::kLeaseRejected) {
          fail(event_reason::kLeaseRejected,
               item_.key + ": task " + code_name + " was rejected by the push lease (branch " +
                   out_.status.branch.str() + " changed under it); nothing was overwritten",
               std::move(restored));
        } else {
          fail(event_reason::kTaskFailed,
               item_.key + ": task " + code_name + " failed: " + describe_task_failure(*code),
               std::move(restored));
        }
        return std::move(out_);
      }
      if (st.verdict == api::verdict::kNoChanges) {
        if (k == 0) {
          fail(event_reason::kTaskFailed,
               item_.key + ": task " + code_name + " made no changes (NO-CHANGES)", {});
        } else {
          fail(event_reason::kNoProgress,
               item_.key + ": revision " + code_name +
                   " changed nothing relative to the prior attempt (NO-CHANGES); the review is "
                   "not repeated",
               std::move(restored));
        }
        return std::move(out_);
      }
      if (st.verdict != api::verdict::kPushed || st.commitSha.empty()) {
        fail(event_reason::kTaskFailed,
             item_.key + ": task " + code_name + " finished without a pushed commit (verdict " +
                 quote(st.verdict) + ")",
             std::move(restored));
        return std::move(out_);
      }
      out_.status.commitSha = st.commitSha;

      const std::size_t reviewers = spec_.reviewerAgentRefs.size();
      if (ctx_.max_iterations == 0 || reviewers == 0) {
        succeed(item_.key + ": pushed " + st.commitSha.str() + " to " +
                out_.status.branch.str() + " (no review configured)");
        return std::move(out_);
      }

      // Round k reviews.
      std::vector<const api::AgenticTask*> reviews;
      std::vector<api::Text> verdicts;
      bool all_terminal = true;
      for (std::size_t i = 1; i <= reviewers; ++i) {
        const std::string name = review_task_name(ctx_.name, item_.key, k, i);
        const api::AgenticTask* review = ctx_.task(name);
        reviews.push_back(review);
        if (review == nullptr) {
          all_terminal = false;
          if (!can_create_) continue;
          plan_review_task(k, i, name, i == 1 ? std::move(restored) : std::vector<PlannedEvent>{});
        }
        add_task(name);
        verdicts.emplace_back(verdict_entry(review));
        if (review != nullptr && !is_terminal(*review)) all_terminal = false;
      }
      out_.status.verdicts = std::move(verdicts);
      if (!all_terminal) return std::move(out_);

      // Every review of round k is terminal: judge the round.
      std::vector<const api::AgenticTask*> no_go;
      for (const auto* review : reviews) {
        const auto& rs = review->status;
        // Approval needs the verdict and a task that finished: the executor reports Failed + GO
        // when publishing failed after the agent said GO, and that is not an approval.
        if (rs.phase == api::phase::kSucceeded && rs.verdict == api::verdict::kGo) continue;
        if (rs.phase == api::phase::kSucceeded && rs.verdict == api::verdict::kNoGo) {
          no_go.push_back(review);
          continue;
        }
        // Crashed, timed out, no valid result: never a reason to revise.
        fail(event_reason::kReviewIncomplete,
             item_.key + ": review task " + std::string(review->metadata.name.view()) +
                 " did not complete (" + (rs.verdict.empty() ? rs.phase.str() : rs.verdict.str()) +
                 ", " + describe_task_failure(*review) + "); no revision is made",
             {});
        return std::move(out_);
      }
      if (no_go.empty()) {
        succeed(item_.key + ": approved at " + st.commitSha.str() + " on " +
                out_.status.branch.str() + " after " + std::to_string(k) + " revision(s)");
        return std::move(out_);
      }
      if (k >= ctx_.max_iterations) {
        fail(event_reason::kIterationsExhausted,
             item_.key + ": reviewers still say NO-GO after " + std::to_string(k + 1) +
                 " review round(s) (maxReviewIterations " + std::to_string(ctx_.max_iterations) +
                 ")",
             {});
        return std::move(out_);
      }
      const api::AgenticTask* next = ctx_.task(code_task_name(ctx_.name, item_.key, k + 1));
      if (next == nullptr) {
        if (can_create_) {
          plan_revision(k + 1, st.commitSha, no_go);
          out_.status.iteration = k + 1;
        }
        return std::move(out_);
      }
      code = next;
      ++k;
    }
  }

 private:
  void add_task(const std::string& name) {
    auto& names = out_.status.tasks;
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }

  void fail(const char* reason, std::string message, std::vector<PlannedEvent> explaining) {
    out_.status.phase = api::phase::kFailed;
    out_.failure_reason = reason;
    out_.failure_message = safe_text(message);
    out_.failure_events = std::move(explaining);
  }
  void succeed(std::string message) {
    out_.status.phase = api::phase::kSucceeded;
    out_.success_message = std::move(message);
  }

  api::AgenticTask base_task(const std::string& name, const char* kind, const api::Text& agent,
                             std::int64_t iteration) const {
    api::AgenticTask task;
    auto& meta = task.metadata;
    meta.name = name;
    meta.namespace_ = ctx_.namespace_;
    meta.labels.emplace(api::kLabelWorkload, safe_label_value(ctx_.name));
    meta.labels.emplace(api::kLabelItem, safe_label_value(item_.key));
    meta.labels.emplace(api::kLabelIteration, safe_label_value(std::to_string(iteration)));
    api::OwnerReference owner;
    owner.apiVersion = api::kApiVersion;
    owner.kind = "Workload";
    owner.name = ctx_.name;
    owner.uid = ctx_.workload.metadata.uid;
    owner.controller = true;
    owner.blockOwnerDeletion = true;
    meta.ownerReferences.push_back(std::move(owner));

    auto& spec = task.spec;
    spec.kind = kind;
    spec.agentRef.name = agent;
    spec.repo = spec_.repo;
    spec.baseBranch = spec_.baseBranch;
    spec.branch = out_.status.branch;
    if (item_.issue) {
      api::IssueRef issue;
      issue.number = *item_.issue;
      spec.issue = issue;
    } else {
      spec.prompt = item_.prompt;
    }
    spec.intent = spec_.intent;
    return task;
  }

  PlannedEvent task_created(const api::AgenticTask& task, std::string_view what) const {
    return {kNormal, event_reason::kTaskCreated,
            "created " + std::string(what) + " task " + task.metadata.name.str() + " (Agent " +
                task.spec.agentRef.name.str() + ") for " + item_.key};
  }

  void plan_code_task(std::int64_t k, std::vector<PlannedEvent> events) {
    const std::string name = code_task_name(ctx_.name, item_.key, k);
    api::AgenticTask task = base_task(name, api::task_kind::kCode, spec_.coderAgentRef.name, k);
    events.insert(events.begin(), task_created(task, "code"));
    events.push_back({kNormal, event_reason::kIterationStarted,
                      item_.key + ": iteration 0 started (code task " + name + ")"});
    add_task(name);
    out_.create.push_back({std::move(task), std::move(events)});
  }

  void plan_review_task(std::int64_t k, std::size_t reviewer, const std::string& name,
                        std::vector<PlannedEvent> events) {
    api::AgenticTask task = base_task(name, api::task_kind::kReview,
                                      spec_.reviewerAgentRefs[reviewer - 1].name, k);
    events.push_back(task_created(task, "review"));
    out_.create.push_back({std::move(task), std::move(events)});
  }

  void plan_revision(std::int64_t k, const api::Text& last_pushed,
                     const std::vector<const api::AgenticTask*>& no_go) {
    const std::string name = code_task_name(ctx_.name, item_.key, k);
    const bool own_profile =
        spec_.revisionCoderAgentRef && !spec_.revisionCoderAgentRef->name.empty();
    const api::Text agent =
        own_profile ? spec_.revisionCoderAgentRef->name : spec_.coderAgentRef.name;
    api::AgenticTask task = base_task(name, api::task_kind::kCode, agent, k);
    auto& spec = task.spec;
    spec.reviseFromBranch = out_.status.branch;
    spec.expectedRemoteSha = last_pushed;
    spec.branchStrategy = spec_.branchStrategy;
    spec.allowOverwrite = spec_.allowOverwrite.value_or(true);
    std::size_t findings = 0;
    std::string reviewers;
    for (const auto* review : no_go) {
      const api::Text reviewer = review->spec.agentRef.name;
      reviewers += (reviewers.empty() ? "" : ", ") + reviewer.str();
      if (review->status.findings.empty()) {
        // A NO-GO without findings still carries a request: hand over its summary.
        api::Finding finding;
        finding.severity = "error";
        finding.message = review->status.summary.empty()
                              ? api::Text("the reviewer said NO-GO without findings")
                              : review->status.summary;
        finding.reviewer = reviewer;
        spec.feedback.push_back(std::move(finding));
        ++findings;
        continue;
      }
      for (auto finding : review->status.findings) {
        finding.reviewer = reviewer;
        spec.feedback.push_back(std::move(finding));
        ++findings;
      }
    }
    std::vector<PlannedEvent> events;
    events.push_back(task_created(task, "revision"));
    events.push_back({kNormal, event_reason::kIterationStarted,
                      item_.key + ": review iteration " + std::to_string(k) + " of " +
                          std::to_string(ctx_.max_iterations) + " started after NO-GO from " +
                          reviewers + " (" + std::to_string(findings) + " finding(s)); revision " +
                          name});
    if (!own_profile) {
      events.push_back({kWarning, event_reason::kRevisionUnderIssueFixProfile,
                        item_.key + ": spec.revisionCoderAgentRef is not set; revision " + name +
                            " runs under the coder Agent " + quote(agent) +
                            " (the issue-fix profile)"});
    }
    add_task(name);
    out_.create.push_back({std::move(task), std::move(events)});
  }

  const Context& ctx_;
  const Item& item_;
  bool can_create_;
  const api::WorkloadSpec& spec_;
  ItemOutcome out_;
};

// One item's plan, with two guards around the rules: an item that finished before stays
// finished (a deleted task is not a reason to redo the work), and a task the API server refused
// for good fails its item instead of being planned again.
ItemOutcome plan_item(const Context& ctx, const Item& item, bool can_create,
                      const std::vector<RejectedTask>& rejected) {
  auto prev = ctx.previous.find(item.key);
  const bool finished_before =
      prev != ctx.previous.end() && is_terminal_phase(prev->second->phase);
  ItemOutcome out = ItemPlanner(ctx, item, can_create && !finished_before).run();
  if (finished_before && !is_terminal_phase(out.status.phase)) {
    // Derived from fewer tasks than before: keep what was observed.
    ItemOutcome kept;
    kept.status = *prev->second;
    std::string gone;
    for (const auto& name : kept.status.tasks) {
      if (ctx.task(name) == nullptr) {
        gone = name;
        break;
      }
    }
    if (kept.status.phase == api::phase::kFailed) {
      kept.failure_message = safe_text(
          item.key + ": failed earlier" +
          (gone.empty() ? std::string() : "; task " + gone + " no longer exists") +
          " (deleted, or never admitted by the API server); the item is not re-run");
    } else {
      kept.success_message = item.key + ": succeeded earlier";
    }
    return kept;
  }
  for (const auto& r : rejected) {
    const bool planned = std::any_of(out.create.begin(), out.create.end(), [&](const auto& c) {
      return c.task.metadata.name == r.name;
    });
    if (!planned) continue;
    out.create.clear();
    out.status.phase = api::phase::kFailed;
    out.failure_reason = event_reason::kTaskFailed;
    out.failure_message = bounded_message(
        safe_text(item.key + ": the API server rejected task " + r.name + ": " + r.message), 1024);
    out.failure_events.clear();
    break;
  }
  return out;
}

struct Resolution {
  bool ready = true;
  bool spec_invalid = false;  // the Workload itself is invalid: items cannot be derived
  std::string reason = condition_reason::kAgentsResolved;
  std::string message = "spec is valid and every referenced Agent was found";
};

std::vector<Item> items_of(const api::WorkloadSpec& spec) {
  std::vector<Item> items;
  for (auto number : spec.issues) items.push_back({issue_item_key(number), number, {}});
  for (const auto& task : spec.tasks) items.push_back({task.name, std::nullopt, task.prompt});
  return items;
}

// What makes an Agent unusable for a task: its validation errors, and no image (the CRD leaves
// spec.image optional, but the agent container cannot run without one).
std::vector<api::FieldError> agent_problems(const api::Agent& agent) {
  std::vector<api::FieldError> errors;
  if (agent.spec.image.empty()) errors.push_back({"spec.image", "Required value"});
  for (auto& e : api::validate(agent)) errors.push_back(std::move(e));
  return errors;
}

Resolution resolve(const api::Workload& workload, const std::vector<api::Agent>& agents) {
  Resolution out;
  std::vector<api::FieldError> errors = api::validate(workload);
  // An issue and a spec.tasks[] entry named "issue-<N>" would share names and branches.
  std::set<std::string> keys;
  for (const auto n : workload.spec.issues) keys.insert(issue_item_key(n));
  for (std::size_t i = 0; i < workload.spec.tasks.size(); ++i) {
    const std::string name = workload.spec.tasks[i].name;
    if (name.starts_with("issue-") && keys.contains(name)) {
      errors.push_back({"spec.tasks[" + std::to_string(i) + "].name",
                        "Duplicate value: " + quote(name) + " is also the key of an issue item"});
    }
  }
  if (!errors.empty()) {
    out.ready = false;
    out.spec_invalid = true;
    out.reason = event_reason::kInvalidSpec;
    out.message = safe_text(api::join_errors(errors));
    return out;
  }
  struct Ref {
    std::string field;
    std::string name;
    const char* role;
  };
  const auto& spec = workload.spec;
  std::vector<Ref> refs;
  refs.push_back({"spec.coderAgentRef", spec.coderAgentRef.name, api::role::kCoder});
  for (std::size_t i = 0; i < spec.reviewerAgentRefs.size(); ++i) {
    refs.push_back({"spec.reviewerAgentRefs[" + std::to_string(i) + "]",
                    spec.reviewerAgentRefs[i].name, api::role::kReviewer});
  }
  if (spec.revisionCoderAgentRef && !spec.revisionCoderAgentRef->name.empty()) {
    refs.push_back(
        {"spec.revisionCoderAgentRef", spec.revisionCoderAgentRef->name, api::role::kCoder});
  }
  std::vector<std::string> missing;
  std::vector<std::string> wrong_role;
  for (const auto& ref : refs) {
    const api::Agent* found = nullptr;
    for (const auto& agent : agents) {
      if (agent.metadata.name == ref.name &&
          (agent.metadata.namespace_.empty() || workload.metadata.namespace_.empty() ||
           agent.metadata.namespace_ == workload.metadata.namespace_)) {
        found = &agent;
        break;
      }
    }
    if (found == nullptr) {
      missing.push_back(ref.field + ": Agent " + quote(ref.name) + " not found");
    } else if (found->spec.role != ref.role) {
      wrong_role.push_back(ref.field + ": Agent " + quote(ref.name) + " has role " +
                           quote(found->spec.role) + ", want " + quote(ref.role));
    } else if (const auto agent_errors = agent_problems(*found); !agent_errors.empty()) {
      // Tasks under an invalid Agent could only fail (or never be admitted): create none.
      const std::string text = "Agent " + ref.name + ": " + api::join_errors(agent_errors);
      if (std::find(wrong_role.begin(), wrong_role.end(), text) == wrong_role.end()) {
        wrong_role.push_back(text);  // one Agent may be referenced twice
      }
    }
  }
  auto join = [](const std::vector<std::string>& parts) {
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : "; ") + p;
    return text;
  };
  if (!missing.empty()) {
    out.ready = false;
    out.reason = event_reason::kAgentNotFound;
    out.message = join(missing);
  } else if (!wrong_role.empty()) {
    out.ready = false;
    out.reason = event_reason::kInvalidSpec;
    out.message = safe_text(join(wrong_role));
  }
  return out;
}

const api::Condition* find_condition(const api::WorkloadStatus& status, std::string_view type) {
  for (const auto& c : status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

api::Condition make_condition(const api::WorkloadStatus& previous, const char* type, bool status,
                              std::string reason, std::string message,
                              std::optional<std::int64_t> generation, std::string_view now) {
  api::Condition c;
  c.type = type;
  c.status = status ? "True" : "False";
  c.observedGeneration = generation;
  c.reason = reason;
  c.message = bounded_message(std::move(message));
  const api::Condition* old = find_condition(previous, type);
  // metav1.Condition: lastTransitionTime moves only when the status does.
  c.lastTransitionTime =
      (old != nullptr && old->status == c.status && !old->lastTransitionTime.empty())
          ? old->lastTransitionTime
          : api::Text(now);
  return c;
}

}  // namespace


std::string issue_item_key(std::int64_t number) { return "issue-" + std::to_string(number); }

std::string bounded_task_name(std::string name) {
  return bounded_object_name(name, kMaxTaskNameLength);
}

std::string code_task_name(std::string_view workload, std::string_view key,
                           std::int64_t iteration) {
  std::string name = std::string(workload) + "-" + std::string(key) + "-code";
  if (iteration > 0) name += "-r" + std::to_string(iteration);
  return bounded_task_name(std::move(name));
}

std::string review_task_name(std::string_view workload, std::string_view key,
                             std::int64_t iteration, std::size_t reviewer) {
  std::string name = std::string(workload) + "-" + std::string(key);
  if (iteration > 0) name += "-r" + std::to_string(iteration);
  name += "-review-" + std::to_string(reviewer);
  return bounded_task_name(std::move(name));
}

Plan plan(const api::Workload& original, const std::vector<api::Agent>& agents,
          const std::vector<api::AgenticTask>& tasks, std::string_view now,
          const std::vector<RejectedTask>& rejected) {
  Plan out;
  const api::WorkloadStatus& previous = original.status;
  out.status = previous;
  // A terminating Workload is never re-planned: its tasks go with it.
  if (!original.metadata.deletionTimestamp.empty()) return out;

  api::Workload workload = original;
  api::apply_defaults(workload);
  const auto& spec = workload.spec;
  const auto generation = workload.metadata.generation;

  Context ctx{workload, workload.metadata.name, workload.metadata.namespace_,
              spec.maxReviewIterations.value_or(api::kDefaultMaxReviewIterations), {}, {}};
  for (const auto& task : tasks) ctx.tasks.emplace(task.metadata.name.view(), &task);
  for (const auto& item : previous.items) ctx.previous.emplace(item.key, &item);

  const std::vector<Item> items = items_of(spec);
  const Resolution resolution = resolve(workload, agents);

  api::WorkloadStatus status;
  std::vector<ItemOutcome> outcomes;
  if (resolution.spec_invalid) {
    // Items cannot be trusted (duplicates, bad keys): keep what was observed before.
    status.items = previous.items;
  } else {
    // Pass 1: items already started (their first code task exists) continue; they hold the
    // parallelism slots. Pass 2: not-yet-started items start, in spec order, while slots last.
    const std::int64_t parallelism =
        spec.parallelism.value_or(std::numeric_limits<std::int64_t>::max());
    outcomes.resize(items.size());
    std::vector<bool> started(items.size());
    std::int64_t in_flight = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      started[i] = ctx.task(code_task_name(ctx.name, items[i].key, 0)) != nullptr;
      if (!started[i]) continue;
      outcomes[i] = plan_item(ctx, items[i], resolution.ready, rejected);
      if (!is_terminal_phase(outcomes[i].status.phase)) ++in_flight;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (started[i]) continue;
      const bool slot = in_flight < parallelism;
      outcomes[i] = plan_item(ctx, items[i], resolution.ready && slot, rejected);
      if (!outcomes[i].create.empty()) ++in_flight;
    }
    for (auto& outcome : outcomes) {
      status.items.push_back(outcome.status);
      for (auto& create : outcome.create) out.create.push_back(std::move(create));
    }
  }

  // Counts and phase.
  api::WorkloadCounts counts;
  std::int64_t iterations = 0;
  for (const auto& item : status.items) {
    ++counts.total;
    iterations += item.iteration;
    if (item.phase == api::phase::kSucceeded) {
      ++counts.succeeded;
    } else if (item.phase == api::phase::kFailed) {
      ++counts.failed;
    } else if (item.phase == api::phase::kRunning) {
      ++counts.running;
    } else {
      ++counts.pending;
    }
  }
  status.counts = counts;
  status.reviewIterations = iterations;
  status.observedGeneration = generation;
  const bool all_terminal = counts.total > 0 && counts.succeeded + counts.failed == counts.total;
  if (all_terminal && counts.failed == 0) {
    status.phase = api::phase::kSucceeded;
  } else if (all_terminal) {
    status.phase = api::phase::kFailed;
  } else if (counts.running > 0 || counts.succeeded + counts.failed > 0) {
    status.phase = api::phase::kRunning;
  } else {
    status.phase = api::phase::kPending;
  }

  // Conditions: Ready (spec valid, Agents found), Complete (every item Succeeded), Failed (every
  // item finished and at least one Failed; reason: the first failed item's reason).
  status.conditions.push_back(make_condition(previous, condition_type::kReady, resolution.ready,
                                             resolution.reason, resolution.message, generation,
                                             now));
  const std::string progress = std::to_string(counts.succeeded) + " of " +
                               std::to_string(counts.total) + " item(s) succeeded, " +
                               std::to_string(counts.failed) + " failed";
  if (status.phase == api::phase::kSucceeded) {
    status.conditions.push_back(make_condition(previous, condition_type::kComplete, true,
                                               condition_reason::kAllItemsSucceeded, progress,
                                               generation, now));
  } else {
    status.conditions.push_back(make_condition(
        previous, condition_type::kComplete, false,
        status.phase == api::phase::kFailed ? condition_reason::kItemsFailed
                                            : condition_reason::kInProgress,
        progress, generation, now));
  }
  if (status.phase == api::phase::kFailed) {
    std::string reason;
    std::string message;
    std::size_t failed = 0;
    const api::Condition* old_failed = find_condition(previous, condition_type::kFailed);
    for (const auto& outcome : outcomes) {
      if (outcome.status.phase != api::phase::kFailed) continue;
      if (reason.empty()) reason = outcome.failure_reason;
      // Each failure message quotes its task's message: list a few, count the rest.
      if (++failed <= kMaxListedFailedItems) {
        message += (message.empty() ? "" : "; ") + outcome.failure_message;
      }
    }
    if (failed > kMaxListedFailedItems) {
      message += "; and " + std::to_string(failed - kMaxListedFailedItems) +
                 " more failed item(s)";
    }
    if (outcomes.empty()) {  // items kept from a previous status (spec now invalid)
      reason = condition_reason::kItemsFailed;
      message = progress;
    } else if (reason.empty()) {  // every failed item was kept from the previous status
      reason = old_failed != nullptr && old_failed->status == "True" && !old_failed->reason.empty()
                   ? old_failed->reason.str()
                   : std::string(condition_reason::kItemsFailed);
    }
    status.conditions.push_back(make_condition(previous, condition_type::kFailed, true, reason,
                                               message, generation, now));
  } else {
    status.conditions.push_back(make_condition(
        previous, condition_type::kFailed, false,
        status.phase == api::phase::kSucceeded ? condition_reason::kAllItemsSucceeded
                                               : condition_reason::kInProgress,
        progress, generation, now));
  }

  // Transition events.
  const api::Condition* old_ready = find_condition(previous, condition_type::kReady);
  if (!resolution.ready &&
      (old_ready == nullptr || old_ready->status != "False" || old_ready->reason != resolution.reason)) {
    out.events.push_back({kWarning, resolution.reason, resolution.message});
  }
  for (const auto& outcome : outcomes) {
    const auto& item = outcome.status;
    if (!is_terminal_phase(item.phase)) continue;
    auto prev = ctx.previous.find(item.key.str());
    if (prev != ctx.previous.end() && prev->second->phase == item.phase) continue;
    out.finished.push_back({item.key, item.phase, item.iteration});
    if (item.phase == api::phase::kSucceeded) {
      out.events.push_back({kNormal, event_reason::kSucceeded, outcome.success_message});
    } else {
      for (const auto& e : outcome.failure_events) out.events.push_back(e);
      out.events.push_back({kWarning, outcome.failure_reason, outcome.failure_message});
    }
  }

  out.status_changed = !(status == previous);
  out.status = std::move(status);
  return out;
}

}  // namespace redraft::controllers::workload
