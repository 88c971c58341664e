// Helpers for the chart tests: where the chart and helm are, running `helm template`, and
// reading the rendered manifests as JSON objects.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/fixtures/command.hpp"

namespace redraft::chart_test {

std::string source_path(const std::string& relative);  // REDRAFT_SOURCE_DIR/relative
std::string chart_dir();                                // charts/redraft
std::string read_text(const std::string& path);         // "" when unreadable
void write_text(const std::string& path, const std::string& text);

// The helm binary: the repository's .tools/bin/helm, else `helm` on PATH.
std::string helm_binary();

// Runs helm with its cache/config/data homes in a private temporary directory (nothing
// outside it is written).
fixtures::CommandResult run_helm(const std::vector<std::string>& args);

// `helm template rel charts/redraft --namespace redraft-system <extra>`; throws with helm's
// output when it fails.
std::string render(const std::vector<std::string>& extra_args = {});

// Every object in a rendered manifest stream.
std::vector<nlohmann::json> objects(const std::string& manifests);

// The one object of this kind and name (namespace ignored when empty); throws if absent.
nlohmann::json find_object(const std::vector<nlohmann::json>& all, const std::string& kind,
                           const std::string& name, const std::string& ns = "");
std::vector<nlohmann::json> objects_of_kind(const std::vector<nlohmann::json>& all,
                                            const std::string& kind);

// Compares `actual` with tests/chart/golden/<name>; REDRAFT_UPDATE_GOLDEN=1 rewrites the file.
// Returns "" when equal, else a message.
std::string compare_golden(const std::string& name, const std::string& actual);

}  // namespace redraft::chart_test
