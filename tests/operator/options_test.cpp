// The redraft-operator command line (operator/app/options.hpp) and the pure wiring decisions
// (operator/app/operator_app.hpp, logging.hpp), table-driven.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "operator/app/logging.hpp"
#include "operator/app/operator_app.hpp"
#include "operator/app/options.hpp"

using redraft::app::LogFormat;
using redraft::app::Options;
using redraft::app::ParseResult;
using redraft::app::parse_options;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

ParseResult parse(const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  return parse_options(views);
}

Options defaults_with(const std::function<void(Options&)>& change) {
  Options o;
  change(o);
  return o;
}

struct Accepted {
  std::string name;
  std::vector<std::string> args;
  Options expected;
};

struct Rejected {
  std::string name;
  std::vector<std::string> args;
  std::vector<std::string> message_parts;  // each must appear in the error
};

}  // namespace

TEST(OperatorOptions, DefaultsMatchTheContract) {
  const auto r = parse({});
  ASSERT_EQ(r.outcome, ParseResult::Outcome::Run) << r.error;
  EXPECT_EQ(r.options.kubeconfig, "");
  EXPECT_TRUE(r.options.namespaces.empty());
  EXPECT_FALSE(r.options.leader_elect);
  EXPECT_EQ(r.options.leader_election_namespace, "");
  EXPECT_EQ(r.options.leader_election_id, "redraft-operator");
  EXPECT_EQ(r.options.metrics_bind_address, ":8080");
  EXPECT_EQ(r.options.health_probe_bind_address, ":8081");
  EXPECT_EQ(r.options.executor_image, "redraft/executor:dev");
  EXPECT_EQ(r.options.task_service_account, "");
  EXPECT_EQ(r.options.max_concurrent_reconciles, 2);
  EXPECT_EQ(r.options.pod_start_timeout, 120s);
  EXPECT_EQ(r.options.log_format, LogFormat::Text);
  EXPECT_EQ(r.options.verbosity, 0);
}

TEST(OperatorOptions, AcceptedCommandLines) {
  const std::vector<Accepted> table = {
      {"kubeconfig separate", {"--kubeconfig", "/k/config"},
       defaults_with([](Options& o) { o.kubeconfig = "/k/config"; })},
      {"kubeconfig inline", {"--kubeconfig=/k/config"},
       defaults_with([](Options& o) { o.kubeconfig = "/k/config"; })},
      {"single dash like Go", {"-kubeconfig", "/k"},
       defaults_with([](Options& o) { o.kubeconfig = "/k"; })},
      {"repeated namespace keeps order", {"--namespace", "b", "--namespace=a"},
       defaults_with([](Options& o) { o.namespaces = {"b", "a"}; })},
      {"duplicate namespace once", {"--namespace", "a", "--namespace", "a"},
       defaults_with([](Options& o) { o.namespaces = {"a"}; })},
      {"bool alone", {"--leader-elect"}, defaults_with([](Options& o) { o.leader_elect = true; })},
      {"bool =true", {"--leader-elect=true"},
       defaults_with([](Options& o) { o.leader_elect = true; })},
      {"bool =false", {"--leader-elect", "--leader-elect=false"}, Options{}},
      {"bool Go spelling", {"--leader-elect=T"},
       defaults_with([](Options& o) { o.leader_elect = true; })},
      {"lease namespace and id",
       {"--leader-election-namespace", "ops", "--leader-election-id", "redraft.example.com"},
       defaults_with([](Options& o) {
         o.leader_election_namespace = "ops";
         o.leader_election_id = "redraft.example.com";
       })},
      {"bind addresses", {"--metrics-bind-address", "127.0.0.1:9090", "--health-probe-bind-address=[::1]:0"},
       defaults_with([](Options& o) {
         o.metrics_bind_address = "127.0.0.1:9090";
         o.health_probe_bind_address = "[::1]:0";
       })},
      {"disabled servers", {"--metrics-bind-address=0", "--health-probe-bind-address", "0"},
       defaults_with([](Options& o) {
         o.metrics_bind_address = "0";
         o.health_probe_bind_address = "0";
       })},
      {"images and accounts",
       {"--executor-image", "registry.local:5000/redraft/executor@sha256:abc", "--task-service-account", "runner"},
       defaults_with([](Options& o) {
         o.executor_image = "registry.local:5000/redraft/executor@sha256:abc";
         o.task_service_account = "runner";
       })},
      {"empty service account means none", {"--task-service-account="}, Options{}},
      {"numbers", {"--max-concurrent-reconciles", "8", "--pod-start-timeout=300"},
       defaults_with([](Options& o) {
         o.max_concurrent_reconciles = 8;
         o.pod_start_timeout = 300s;
       })},
      {"log format json", {"--log-format", "json"},
       defaults_with([](Options& o) { o.log_format = LogFormat::Json; })},
      {"verbosity -v N", {"-v", "2"}, defaults_with([](Options& o) { o.verbosity = 2; })},
      {"verbosity -v=N", {"-v=1"}, defaults_with([](Options& o) { o.verbosity = 1; })},
      {"verbosity --v N", {"--v", "3"}, defaults_with([](Options& o) { o.verbosity = 3; })},
      {"last value wins", {"--log-format=json", "--log-format=text"}, Options{}},
      {"double dash ends flags", {"-v", "1", "--"}, defaults_with([](Options& o) { o.verbosity = 1; })},
      {"value that looks like a flag", {"--kubeconfig", "--odd-file-name"},
       defaults_with([](Options& o) { o.kubeconfig = "--odd-file-name"; })},
  };
  for (const auto& row : table) {
    const auto r = parse(row.args);
    ASSERT_EQ(r.outcome, ParseResult::Outcome::Run) << row.name << ": " << r.error;
    EXPECT_EQ(r.options, row.expected) << row.name;
  }
}

TEST(OperatorOptions, RejectedCommandLinesNameTheFlag) {
  const std::vector<Rejected> table = {
      {"unknown", {"--bogus"}, {"unknown flag", "--bogus"}},
      {"unknown with value", {"--namespaces=a"}, {"unknown flag", "--namespaces"}},
      {"positional", {"default"}, {"unexpected argument", "\"default\""}},
      {"after double dash", {"--", "x"}, {"unexpected argument", "\"x\""}},
      {"bool does not take next arg", {"--leader-elect", "false"}, {"unexpected argument", "\"false\""}},
      {"bad bool", {"--leader-elect=yes"}, {"--leader-elect", "\"yes\"", "true or false"}},
      {"missing value", {"--namespace"}, {"--namespace", "needs a value"}},
      {"missing -v value", {"-v"}, {"-v", "needs a value"}},
      {"bad namespace", {"--namespace", "Team_A"}, {"--namespace", "\"Team_A\"", "namespace name"}},
      {"empty namespace", {"--namespace="}, {"--namespace", "namespace name"}},
      {"bad lease namespace", {"--leader-election-namespace", "a.b"}, {"--leader-election-namespace", "\"a.b\""}},
      {"bad lease id", {"--leader-election-id", "Redraft"}, {"--leader-election-id", "\"Redraft\"", "Lease name"}},
      {"bad bind address", {"--metrics-bind-address", "8080"}, {"--metrics-bind-address", "\"8080\"", ":port"}},
      {"bad bind port", {"--health-probe-bind-address=:70000"}, {"--health-probe-bind-address", "\":70000\""}},
      {"empty image", {"--executor-image="}, {"--executor-image", "must not be empty"}},
      {"image with space", {"--executor-image", "a b"}, {"--executor-image", "whitespace"}},
      {"bad service account", {"--task-service-account", "Bad!"}, {"--task-service-account", "\"Bad!\""}},
      {"zero workers", {"--max-concurrent-reconciles", "0"}, {"--max-concurrent-reconciles", "\"0\"", "from 1 to 1000"}},
      {"not a number", {"--max-concurrent-reconciles=two"}, {"--max-concurrent-reconciles", "\"two\""}},
      {"trailing junk", {"--pod-start-timeout", "120s"}, {"--pod-start-timeout", "\"120s\"", "whole number"}},
      {"negative timeout", {"--pod-start-timeout=-5"}, {"--pod-start-timeout", "\"-5\""}},
      {"log format", {"--log-format", "yaml"}, {"--log-format", "\"yaml\"", "json or text"}},
      {"negative verbosity", {"-v", "-1"}, {"-v", "\"-1\""}},
      {"empty kubeconfig", {"--kubeconfig="}, {"--kubeconfig", "must not be empty"}},
      {"triple dash", {"---v=1"}, {"bad flag syntax", "---v=1"}},
      {"bare equals", {"--=x"}, {"bad flag syntax"}},
      {"lone dash", {"-"}, {"unexpected argument", "\"-\""}},
  };
  for (const auto& row : table) {
    const auto r = parse(row.args);
    ASSERT_EQ(r.outcome, ParseResult::Outcome::Error) << row.name;
    for (const auto& part : row.message_parts) {
      EXPECT_THAT(r.error, HasSubstr(part)) << row.name;
    }
    EXPECT_EQ(r.error.find('\n'), std::string::npos) << row.name << ": one line";
  }
}

TEST(OperatorOptions, HelpWinsWhereverItIs) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"-help"}, {"--namespace", "a", "--help"}}) {
    EXPECT_EQ(parse(args).outcome, ParseResult::Outcome::Help) << args.front();
  }
  // A bad flag before --help is still reported.
  EXPECT_EQ(parse({"--bogus", "--help"}).outcome, ParseResult::Outcome::Error);
}

TEST(OperatorOptions, UsageListsEveryFlagWithItsDefault) {
  const std::string text = redraft::app::usage("redraft-operator");
  for (const char* flag :
       {"--kubeconfig PATH", "--namespace NS", "--leader-elect", "--leader-election-namespace NS",
        "--leader-election-id NAME", "--metrics-bind-address ADDR", "--health-probe-bind-address ADDR",
        "--executor-image IMG", "--task-service-account NAME", "--max-concurrent-reconciles N",
        "--pod-start-timeout SECONDS", "--log-format json|text", "-v N", "--help", "--version"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
  for (const char* value : {"(default redraft-operator)", "(default :8080)", "(default :8081)",
                            "(default redraft/executor:dev)", "(default 2)", "(default 120)",
                            "(default text)", "(default false)", "redraft-operator ready"}) {
    EXPECT_THAT(text, HasSubstr(value));
  }
}

TEST(OperatorWiring, InformerNamespaces) {
  EXPECT_EQ(redraft::app::informer_namespaces(Options{}), std::vector<std::string>{""});
  Options o;
  o.namespaces = {"b", "a"};
  EXPECT_EQ(redraft::app::informer_namespaces(o), (std::vector<std::string>{"b", "a"}));
}

TEST(OperatorWiring, LeaderElectionNamespace) {
  struct Row {
    std::string flag;
    std::vector<std::string> namespaces;
    std::string in_cluster;
    std::string expected;
  };
  const std::vector<Row> table = {
      {"ops", {"a"}, "pod-ns", "ops"},
      {"", {"a", "b"}, "pod-ns", "a"},
      {"", {}, "pod-ns", "pod-ns"},
      {"", {}, "", "default"},
  };
  for (const auto& row : table) {
    Options o;
    o.leader_election_namespace = row.flag;
    o.namespaces = row.namespaces;
    EXPECT_EQ(redraft::app::leader_election_namespace(o, row.in_cluster), row.expected)
        << row.flag << "/" << row.in_cluster;
  }
}

TEST(OperatorWiring, KubeconfigFlagWinsAndNamesTheFile) {
  Options o;
  o.kubeconfig = "/nonexistent/redraft-kubeconfig";
  try {
    (void)redraft::app::resolve_rest_config(o);
    FAIL() << "expected ConfigError";
  } catch (const redraft::runtime::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/redraft-kubeconfig"));
  }
}

TEST(OperatorLogging, VerbosityLevels) {
  EXPECT_EQ(redraft::app::level_for_verbosity(0), spdlog::level::info);
  EXPECT_EQ(redraft::app::level_for_verbosity(1), spdlog::level::debug);
  EXPECT_EQ(redraft::app::level_for_verbosity(2), spdlog::level::trace);
  EXPECT_EQ(redraft::app::level_for_verbosity(9), spdlog::level::trace);
}

TEST(OperatorLogging, JsonLinesParseEvenWithQuotesControlsAndBadUtf8) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_formatter(std::make_unique<redraft::app::JsonFormatter>());
  spdlog::logger logger("redraft-operator", sink);
  logger.warn("say \"hi\"\n\tand \x01 then {}", std::string("\xff\xfe"));
  logger.info("second");
  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(parsed.size(), 2u) << out.str();
  EXPECT_EQ(parsed[0]["level"], "warning");
  EXPECT_EQ(parsed[0]["logger"], "redraft-operator");
  EXPECT_THAT(parsed[0]["msg"].get<std::string>(), HasSubstr("say \"hi\"\n\tand \x01 then"));
  EXPECT_EQ(parsed[1]["msg"], "second");
  EXPECT_EQ(parsed[1]["level"], "info");
  // RFC 3339 UTC with microseconds: 2026-12-04T15:04:05.123456Z
  EXPECT_THAT(parsed[1]["ts"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z"));
}
