// Image names and tags have one source, the chart (issue 9 §2): hack/build-images.sh reads
// values.yaml and Chart.yaml, and what it builds must be exactly what `helm template` renders
// (the operator Deployment's image and its --executor-image flag). Chart.yaml appVersion is the
// CMake project version. Also the script's refusals (wrong version, missing bundle).
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/chart/chart_support.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace fs = std::filesystem;
using redraft::fixtures::CommandResult;
using redraft::fixtures::TempDir;
using redraft::fixtures::read_file;
using redraft::fixtures::run_command;
using redraft::fixtures::write_file;

namespace {

const std::string kScript = std::string(REDRAFT_SOURCE_DIR) + "/hack/build-images.sh";

CommandResult run_script(std::vector<std::string> args) {
  args.insert(args.begin(), kScript);
  redraft::fixtures::CommandOptions options;
  options.timeout = std::chrono::seconds(60);
  return run_command(args, options);
}

// "operator REF\nexecutor REF\n" → {operator: REF, executor: REF}
std::map<std::string, std::string> script_refs(const std::string& chart_dir) {
  const CommandResult r = run_script({"--chart", chart_dir, "--print-refs"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> refs;
  std::istringstream lines(r.out);
  std::string name, ref;
  while (lines >> name >> ref) refs[name] = ref;
  return refs;
}

// The operator image and the --executor-image flag of the chart's one Deployment, as rendered.
std::map<std::string, std::string> helm_refs(const std::string& chart_dir) {
  const CommandResult r =
      redraft::chart_test::run_helm({"template", "rel", chart_dir, "--namespace", "redraft-system"});
  if (!r.ok()) {
    throw std::runtime_error("helm template (" + redraft::chart_test::helm_binary() + ") failed, exit " +
                             std::to_string(r.exit_code) + " (-1: not run; hack/install-deps.sh installs helm): " + r.err);
  }
  const auto deployments =
      redraft::chart_test::objects_of_kind(redraft::chart_test::objects(r.out), "Deployment");
  if (deployments.size() != 1) throw std::runtime_error("expected one Deployment in the chart");
  std::map<std::string, std::string> refs;
  for (const auto& c : deployments[0]["spec"]["template"]["spec"]["containers"]) {
    refs["operator"] = c.value("image", "");
    for (const auto& arg : c.value("args", nlohmann::json::array())) {
      const std::string flag = "--executor-image=";
      const std::string a = arg.get<std::string>();
      if (a.rfind(flag, 0) == 0) refs["executor"] = a.substr(flag.size());
    }
  }
  return refs;
}

std::string source_chart() { return std::string(REDRAFT_SOURCE_DIR) + "/charts/redraft"; }

// A copy of the chart whose values.yaml / Chart.yaml get `edits` (exact text replacements).
fs::path chart_copy(const TempDir& dir, const std::vector<std::pair<std::string, std::string>>& values_edits,
                    const std::vector<std::pair<std::string, std::string>>& chart_edits = {}) {
  const fs::path chart = dir / "redraft";
  fs::copy(source_chart(), chart, fs::copy_options::recursive);
  auto edit = [](const fs::path& file, const std::vector<std::pair<std::string, std::string>>& edits) {
    std::string text = read_file(file);
    for (const auto& [from, to] : edits) {
      const auto at = text.find(from);
      if (at == std::string::npos) throw std::runtime_error(file.string() + " has no '" + from + "'");
      text.replace(at, from.size(), to);
    }
    write_file(file, text);
  };
  edit(chart / "values.yaml", values_edits);
  edit(chart / "Chart.yaml", chart_edits);
  return chart;
}

}  // namespace

TEST(ImageNames, CMakeProjectVersionIsTheChartAppVersion) {
  // No std::regex here: GCC 12's -O1 ASan build warns inside it (maybe-uninitialized).
  const std::string cmake = read_file(std::string(REDRAFT_SOURCE_DIR) + "/CMakeLists.txt");
  const std::string key = "project(redraft VERSION ";
  const auto at = cmake.find(key);
  ASSERT_NE(at, std::string::npos) << "CMakeLists.txt has no project(redraft VERSION x.y.z)";
  const auto from = at + key.size();
  const std::string cmake_version = cmake.substr(from, cmake.find_first_not_of("0123456789.", from) - from);
  ASSERT_FALSE(cmake_version.empty());
  const YAML::Node chart = YAML::LoadFile(source_chart() + "/Chart.yaml");
  EXPECT_EQ(chart["appVersion"].as<std::string>(), cmake_version)
      << "charts/redraft/Chart.yaml appVersion must equal the CMake project version (the binaries "
         "report it and the images are tagged with it)";
}

TEST(ImageNames, TheScriptBuildsExactlyTheImagesTheChartRenders) {
  const auto built = script_refs(source_chart());
  ASSERT_EQ(built.size(), 2u);
  EXPECT_EQ(built, helm_refs(source_chart()));
  const YAML::Node chart = YAML::LoadFile(source_chart() + "/Chart.yaml");
  EXPECT_EQ(built.at("operator"), "redraft/operator:" + chart["appVersion"].as<std::string>());
}

// The script's YAML reading against helm's on other spellings: quoted scalars, comments,
// registry hosts with ports, keys of the same name elsewhere, a list of maps before the key.
TEST(ImageNames, OtherValuesSpellingsStillMatchHelm) {
  struct Case {
    std::string what;
    std::vector<std::pair<std::string, std::string>> values, chart;
  };
  const std::vector<Case> cases = {
      {"quoted, commented, registry with a port",
       {{"  repository: redraft/operator", "  repository: \"registry.example:5000/acme/op\"  # mirrored"},
        {"    repository: redraft/executor", "    repository: 'ghcr.io/acme/exe' # ours"}},
       {{"appVersion: \"0.1.0\"", "appVersion: 2.3.4-rc.1 # next"}}},
      {"repository keys under a list item and another map ahead of the real ones",
       {{"tolerations: []", ""},
        {"affinity: {}", ""},
        {"image:\n  repository: redraft/operator",
         "tolerations:\n  - image:\n      repository: decoy/list\n"
         "affinity:\n  image:\n    repository: decoy/nested\n"
         "image:\n  repository: redraft/operator"}},
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir("redraft-image-names");
    const fs::path chart = chart_copy(dir, c.values, c.chart);
    EXPECT_EQ(script_refs(chart.string()), helm_refs(chart.string()));
  }
}

TEST(ImageNames, AValuesTagOtherThanAppVersionIsRefused) {
  TempDir dir("redraft-image-names");
  const fs::path chart = chart_copy(dir, {{"  tag: \"\"", "  tag: \"9.9.9\""}});
  const CommandResult r = run_script({"--chart", chart.string(), "--print-refs"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("image.tag"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("9.9.9"), std::string::npos) << r.err;
}

TEST(ImageNames, AnInvalidRepositoryIsRefusedNamingItsKey) {
  TempDir dir("redraft-image-names");
  const fs::path chart = chart_copy(dir, {{"    repository: redraft/executor", "    repository: redraft/Executor"}});
  const CommandResult r = run_script({"--chart", chart.string(), "--print-refs"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("executor.image.repository 'redraft/Executor'"), std::string::npos) << r.err;
}

TEST(ImageNames, ABundleReportingAnotherVersionIsRefused) {
  TempDir dir("redraft-image-names");
  for (const std::string name : {"redraft-operator", "redraft-executor"}) {
    write_file(dir / name / name, "#!/bin/sh\necho " + name + " 9.9.9\n");
    fs::permissions(dir / name / name, fs::perms::owner_all);
  }
  const CommandResult r = run_script({"--no-build", "--out", (dir / "out").string(), "--operator-bundle",
                                      (dir / "redraft-operator").string(), "--executor-bundle",
                                      (dir / "redraft-executor").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("reports 'redraft-operator 9.9.9'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out" / "redraft-operator.tar"));
}

TEST(ImageNames, AMissingBundleNamesItsCMakeTarget) {
  TempDir dir("redraft-image-names");
  const CommandResult r = run_script({"--no-build", "--build-dir", dir.path().string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("redraft-operator-bundle"), std::string::npos) << r.err;
}
