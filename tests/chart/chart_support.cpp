#include "tests/chart/chart_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/codec.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace redraft::chart_test {

using nlohmann::json;

std::string source_path(const std::string& relative) {
  return std::string(REDRAFT_SOURCE_DIR) + "/" + relative;
}

std::string chart_dir() { return source_path("charts/redraft"); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

std::string helm_binary() {
  const std::string tools = source_path(".tools/bin/helm");
  return access(tools.c_str(), X_OK) == 0 ? tools : "helm";
}

fixtures::CommandResult run_helm(const std::vector<std::string>& args) {
  fixtures::TempDir home("redraft-chart-helm");
  fixtures::CommandOptions options;
  options.env = {{"HOME", home.path().string()},
                 {"HELM_CACHE_HOME", (home / "cache").string()},
                 {"HELM_CONFIG_HOME", (home / "config").string()},
                 {"HELM_DATA_HOME", (home / "data").string()},
                 // No cluster is involved in template/lint; make sure none is reached by accident.
                 {"KUBECONFIG", (home / "no-kubeconfig").string()}};
  options.timeout = std::chrono::seconds(120);
  std::vector<std::string> argv = {helm_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return fixtures::run_command(argv, options);
}

std::string render(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"template", "rel", chart_dir(), "--namespace", "redraft-system"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto result = run_helm(args);
  if (!result.ok()) throw std::runtime_error("helm template failed: " + result.out + result.err);
  return result.out;
}

std::vector<json> objects(const std::string& manifests) {
  std::vector<json> out;
  for (auto& doc : api::parse_documents(manifests)) {
    if (doc.is_object() && doc.contains("kind")) out.push_back(std::move(doc));
  }
  return out;
}

json find_object(const std::vector<json>& all, const std::string& kind, const std::string& name,
                 const std::string& ns) {
  for (const auto& o : all) {
    if (o.value("kind", "") != kind) continue;
    const auto& meta = o.at("metadata");
    if (meta.value("name", "") != name) continue;
    if (!ns.empty() && meta.value("namespace", "") != ns) continue;
    return o;
  }
  throw std::runtime_error("no " + kind + " " + (ns.empty() ? "" : ns + "/") + name +
                           " in the rendered chart");
}

std::vector<json> objects_of_kind(const std::vector<json>& all, const std::string& kind) {
  std::vector<json> out;
  for (const auto& o : all) {
    if (o.value("kind", "") == kind) out.push_back(o);
  }
  return out;
}

std::string compare_golden(const std::string& name, const std::string& actual) {
  const std::string path = source_path("tests/chart/golden/" + name);
  if (std::getenv("REDRAFT_UPDATE_GOLDEN") != nullptr) {
    write_text(path, actual);
    return "";
  }
  const std::string expected = read_text(path);
  if (expected == actual) return "";
  // Point at the first differing line rather than dumping both files.
  std::istringstream a(expected), b(actual);
  std::string la, lb;
  int line = 0;
  while (true) {
    ++line;
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) break;
    if (!more_a || !more_b || la != lb) {
      return path + " differs from the rendered chart at line " + std::to_string(line) +
             "\n  golden:   " + (more_a ? la : "<end of file>") +
             "\n  rendered: " + (more_b ? lb : "<end of output>") +
             "\nIf the change is intended, regenerate: REDRAFT_UPDATE_GOLDEN=1 ctest -R chart_render";
    }
  }
  return path + " differs from the rendered chart (line endings?)";
}

}  // namespace redraft::chart_test
