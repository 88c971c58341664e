// What kube-apiserver's pod registry does beyond generic storage: the `pods/binding`
// subresource and graceful deletion. Pure decisions (no store, no clock), so they carry the
// table-driven tests; ResourceStore applies them under its lock.
#pragma once

#include "api_errors.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace redraft::devserver {

// Default grace period of a pod without spec.terminationGracePeriodSeconds (as in Kubernetes).
inline constexpr long kDefaultPodGracePeriodSeconds = 30;

// Applies a v1 Binding to `pod` (POST pods/{name}/binding or POST bindings): returns the pod
// with spec.nodeName set, the binding's annotations merged and condition PodScheduled=True.
// `url_name` is the pod name from the URL ("" for POST .../bindings, where the Binding's
// metadata.name names the pod). Throws ApiError shaped like kube-apiserver's: 400 when the
// names disagree, 422 for a bad target (kind other than Node, no name), 409 Conflict when the
// pod is already bound or is being deleted, 409 when metadata.uid is set and differs.
nlohmann::json bind_pod(const nlohmann::json& pod, const nlohmann::json& binding,
                        const std::string& url_name, const std::string& now_rfc3339);

// The pod a Binding names: `url_name` when given, else the Binding's metadata.name. Throws 400
// when the two disagree or neither is set.
std::string binding_pod_name(const nlohmann::json& binding, const std::string& url_name);

// The grace period a DELETE gives a pod that is not yet terminating, like the pod strategy's
// CheckGracefulDelete: the request's gracePeriodSeconds, else spec.terminationGracePeriodSeconds,
// else 30; 0 (removed at once) for pods not bound to a node and for Succeeded/Failed pods; a
// negative value becomes 1.
long pod_grace_period(const nlohmann::json& pod, std::optional<long> requested);

// What a DELETE does to an object, before finalizers are looked at.
struct GracefulDeletion {
  enum class Action {
    kProceed,  // no (more) grace: remove now, or mark if finalizers hold it
    kMark,     // store `object` (deletionTimestamp/deletionGracePeriodSeconds set); not removed
    kPending,  // already terminating with at least this grace: nothing changes
  };
  Action action = Action::kProceed;
  nlohmann::json object;  // kMark: the object to store; kProceed: the object to delete
};

// kube-apiserver's BeforeDelete for graceful kinds. `grace_for_new` is the grace a not yet
// terminating object gets (pod_grace_period for pods, 0 for everything else). An object already
// terminating with a grace period can only have it shortened: deletionTimestamp moves back by
// the difference; shortened to 0 it proceeds (marked with grace 0 first, so finalizer-held
// objects show it).
GracefulDeletion decide_graceful_deletion(const nlohmann::json& object, long grace_for_new,
                                          std::optional<long> requested,
                                          std::chrono::system_clock::time_point now);

// RFC 3339 (seconds, UTC) <-> time point; nullopt when `text` does not parse.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

}  // namespace redraft::devserver
