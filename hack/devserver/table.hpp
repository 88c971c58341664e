// meta.k8s.io/v1 Table responses (what `kubectl get` prints): Name + Age for built-ins, the
// additionalPrinterColumns for custom resources.
#pragma once

#include "resource_registry.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace redraft::devserver {

// Kubernetes' duration.HumanDuration: "45s", "3m20s", "5h", "2d3h", "400d".
std::string human_duration(std::chrono::seconds d);
// Seconds since an RFC 3339 timestamp ("" when it does not parse).
std::string age_since(const std::string& rfc3339, std::chrono::system_clock::time_point now);

struct TableOptions {
  std::string resource_version;
  std::string continue_token;
  bool include_object = false;  // includeObject=Object; otherwise PartialObjectMetadata rows
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

nlohmann::json render_table(const ResourceInfo& info, const std::vector<nlohmann::json>& objects,
                            const TableOptions& options);

}  // namespace redraft::devserver
