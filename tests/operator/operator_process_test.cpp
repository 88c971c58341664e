// The redraft-operator binary against a real devserver, observed the way a kubelet, Prometheus
// and a user see it: its stdout ready line, /healthz, /readyz, /metrics over HTTP, the Lease and
// the objects on the server, its exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "exposition_parser.hpp"
#include "http_get.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/config.hpp"
#include "operator/runtime/client/errors.hpp"
#include "operator/runtime/client/resource.hpp"
#include "operator/runtime/leader/lease_record.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

using namespace redraft::runtime;
using redraft::testing::ChildProcess;
using redraft::testing::DevServer;
using redraft::testing::eventually;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

namespace {

const std::string kReady = "redraft-operator ready";

// One redraft-operator process: stdout lines collected (ChildProcess), stderr (the log) in a file.
class Operator {
 public:
  Operator(const std::string& kubeconfig, std::vector<std::string> extra_flags)
      : probe_port_(redraft::fixtures::pick_free_port()),
        metrics_port_(redraft::fixtures::pick_free_port()),
        log_(dir_ / "operator.log") {
    std::vector<std::string> argv = {
        "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>>'" + log_.string() + "'", REDRAFT_OPERATOR_BINARY,
        "--kubeconfig", kubeconfig,
        "--health-probe-bind-address", "127.0.0.1:" + std::to_string(probe_port_),
        "--metrics-bind-address", "127.0.0.1:" + std::to_string(metrics_port_)};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    process_ = std::make_unique<ChildProcess>(argv);
  }

  ChildProcess& process() { return *process_; }
  std::uint16_t probe_port() const { return probe_port_; }
  std::uint16_t metrics_port() const { return metrics_port_; }
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool ready_within(std::chrono::milliseconds timeout) {
    return process_->wait_for_line(kReady, timeout);
  }
  // -1 when nothing answers.
  int get_status(std::uint16_t port, const std::string& target, std::string* body = nullptr) {
    try {
      auto reply = redraft::testing::http_request(port, "GET", target);
      if (body) *body = reply.body;
      return reply.status;
    } catch (const std::exception&) {
      return -1;
    }
  }
  int probe(const std::string& target, std::string* body = nullptr) {
    return get_status(probe_port_, target, body);
  }
  std::string metrics_text() {
    std::string body;
    if (get_status(metrics_port_, "/metrics", &body) != 200) return {};
    return body;
  }
  // SIGTERM, then the exit code (-1 if it did not exit in time or died from a signal).
  int terminate(std::chrono::milliseconds timeout = 60s) {
    process_->signal(SIGTERM);
    return process_->wait_exit(timeout);
  }

 private:
  redraft::fixtures::TempDir dir_{"redraft-operator-test"};
  std::uint16_t probe_port_;
  std::uint16_t metrics_port_;
  std::filesystem::path log_;
  std::unique_ptr<ChildProcess> process_;
};

void apply_crds(const DevServer& server) {
  const auto r = server.kubectl({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

[[maybe_unused]] void apply_example(const DevServer& server, const std::string& file, const std::string& ns = "default") {
  const auto r = server.kubectl({"apply", "-n", ns, "-f", std::string(REDRAFT_SOURCE_DIR) + "/examples/" + file});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

redraft::fixtures::CommandOptions quick() {
  redraft::fixtures::CommandOptions options;
  options.timeout = 60s;
  return options;
}

// Sum of every sample of a family (over all label values); 0 when absent.
double family_total(const std::string& metrics_text, const std::string& family) {
  if (metrics_text.empty()) return 0;
  const auto families = redraft::testing::parse_exposition(metrics_text);
  const auto it = families.find(family);
  if (it == families.end()) return 0;
  double total = 0;
  for (const auto& sample : it->second.samples) total += sample.value;
  return total;
}

std::string lease_holder(Client& client, const std::string& ns, const std::string& name) {
  try {
    return leader::lease_record_from(client.get(resources::kLeases, ns, name)).holder_identity;
  } catch (const std::exception& e) {
    if (is_not_found(e)) return "<none>";
    throw;
  }
}

[[maybe_unused]] std::size_t count(Client& client, const ResourceType& type, const std::string& ns) {
  return client.list_all(type, ns).at("items").size();
}

}  // namespace

// Readiness follows the caches: without the CRDs the Workload/AgenticTask/Agent informers cannot
// list, so /readyz fails (and says which) while /healthz passes; once the CRDs exist the caches
// sync, the ready line is printed and /readyz passes, listing one check per informer.
TEST(OperatorProcess, ReadyOnlyAfterCachesSyncWithPerInformerChecks) {
  DevServer server;
  Operator op(server.kubeconfig_path(), {"--log-format", "json"});

  ASSERT_TRUE(eventually([&] { return op.probe("/healthz") == 200; })) << op.log();
  // The Pod informer can list; the CRD-backed ones cannot: wait until the pods check passes.
  std::string verbose;
  ASSERT_TRUE(eventually([&] {
    return op.probe("/readyz?verbose", &verbose) == 500 &&
           verbose.find("[+]informer-pods ok") != std::string::npos;
  })) << verbose << op.log();
  EXPECT_THAT(verbose, HasSubstr("[-]informer-workloads.redraft.dev failed"));
  EXPECT_THAT(verbose, HasSubstr("[-]informer-agentictasks.redraft.dev failed"));
  EXPECT_THAT(verbose, HasSubstr("[-]informer-agents.redraft.dev failed"));
  EXPECT_FALSE(op.process().has_line(kReady));

  apply_crds(server);
  ASSERT_TRUE(op.ready_within(90s)) << op.log();
  EXPECT_EQ(op.probe("/readyz?verbose", &verbose), 200) << verbose;
  for (const char* check : {"[+]informer-workloads.redraft.dev ok", "[+]informer-agentictasks.redraft.dev ok",
                            "[+]informer-agents.redraft.dev ok", "[+]informer-pods ok"}) {
    EXPECT_THAT(verbose, HasSubstr(check));
  }
  EXPECT_EQ(op.probe("/healthz"), 200);

  // The log is JSON lines, and the process logged why it was not ready.
  const std::string log = op.log();
  std::istringstream lines(log);
  std::string line;
  int parsed = 0;
  while (std::getline(lines, line)) {
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
    ++parsed;
  }
  EXPECT_GT(parsed, 0);
  // Exactly one ready line, and nothing else on stdout.
  EXPECT_EQ(op.process().lines(), std::vector<std::string>{kReady});

  EXPECT_EQ(op.terminate(), 0) << op.log();
}

// /metrics: controller-runtime's names (reconciles, work queues, API requests) and every
// redraft_* family, as valid exposition text; SIGTERM exits 0.
TEST(OperatorProcess, MetricsCarryRuntimeAndRedraftFamilies) {
  DevServer server;
  apply_crds(server);
  Operator op(server.kubeconfig_path(), {"--namespace", "default"});
  ASSERT_TRUE(op.ready_within(90s)) << op.log();

  std::string text;
  ASSERT_TRUE(eventually([&] {
    text = op.metrics_text();
    return family_total(text, "rest_client_requests_total") > 0;
  })) << text;
  const auto families = redraft::testing::parse_exposition(text);
  std::vector<std::string> expected = {
      "rest_client_requests_total",   "rest_client_request_duration_seconds",
      "redraft_cache_objects",        "redraft_tasks_total",
      "redraft_item_iterations",      "redraft_restore_total",
      "redraft_lease_rejections_total", "redraft_task_phase_seconds"};
  for (const char* name : {"controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total",
                           "controller_runtime_reconcile_time_seconds", "workqueue_depth",
                           "workqueue_adds_total"}) {
    expected.push_back(name);
  }
  for (const auto& name : expected) {
    EXPECT_TRUE(families.contains(name)) << name << " missing from\n" << text;
  }
  // The probe port does not serve metrics when a separate metrics address is given.
  EXPECT_EQ(op.probe("/metrics"), 404);
  EXPECT_EQ(op.terminate(), 0) << op.log();
}

// One informer set per --namespace: one readiness check per informer and namespace.
TEST(OperatorProcess, OneInformerSetPerNamespace) {
  DevServer server;
  apply_crds(server);
  ASSERT_EQ(server.kubectl({"create", "namespace", "team-a"}).exit_code, 0);
  Operator op(server.kubeconfig_path(), {"--namespace", "team-a", "--namespace", "default", "-v", "1"});
  ASSERT_TRUE(op.ready_within(90s)) << op.log();
  std::string verbose;
  ASSERT_EQ(op.probe("/readyz?verbose", &verbose), 200) << verbose;
  for (const char* ns : {"team-a", "default"}) {
    for (const char* resource : {"workloads.redraft.dev", "agentictasks.redraft.dev", "agents.redraft.dev", "pods"}) {
      EXPECT_THAT(verbose, HasSubstr(std::string("[+]informer-") + resource + "-ns-" + ns + " ok"));
    }
  }
  EXPECT_THAT(verbose, Not(HasSubstr("[+]informer-pods ok")));  // no all-namespaces informer
  EXPECT_EQ(op.terminate(), 0) << op.log();
}

// An API server that refuses connections: alive, live, never ready, no crash; SIGTERM exits 0.
TEST(OperatorProcess, UnreachableApiServerIsNotReadyAndDoesNotCrash) {
  redraft::fixtures::TempDir dir("redraft-operator-unreachable");
  const auto port = redraft::fixtures::pick_free_port();
  const int held = redraft::fixtures::reserve_port(port);  // bound, not listening: refused
  ASSERT_GE(held, 0);
  const auto kubeconfig = dir / "kubeconfig";
  {
    std::ofstream out(kubeconfig);
    out << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:"
        << port << "\nusers:\n- name: u\n  user:\n    token: not-a-real-token\ncontexts:\n- name: x\n"
        << "  context:\n    cluster: c\n    user: u\ncurrent-context: x\n";
  }
  Operator op(kubeconfig.string(), {"--leader-elect"});
  ASSERT_TRUE(eventually([&] { return op.probe("/healthz") == 200; })) << op.log();
  std::string verbose;
  EXPECT_EQ(op.probe("/readyz?verbose", &verbose), 500);
  EXPECT_THAT(verbose, HasSubstr("[-]informer-workloads.redraft.dev failed"));
  // Several list attempts (and election attempts) fail meanwhile; the process stays up.
  ASSERT_TRUE(eventually([&] {
    return family_total(op.metrics_text(), "rest_client_requests_total") >= 8;
  }, 60s)) << op.metrics_text() << op.log();
  EXPECT_EQ(op.probe("/readyz"), 500);
  EXPECT_EQ(op.probe("/healthz"), 200);
  EXPECT_FALSE(op.process().has_line(kReady));
  EXPECT_THAT(op.log(), Not(HasSubstr("not-a-real-token")));
  EXPECT_EQ(op.terminate(), 0) << op.log();
  ::close(held);
}

// With --leader-elect the operator is ready only once it holds the Lease; SIGTERM releases it.
TEST(OperatorProcess, SigtermReleasesTheLeaseAndExitsZero) {
  DevServer server;
  apply_crds(server);
  Client client(load_kubeconfig(server.kubeconfig_path()));
  Operator op(server.kubeconfig_path(), {"--leader-elect", "--leader-election-id", "redraft-test"});
  ASSERT_TRUE(op.ready_within(90s)) << op.log();
  // The Lease is in "default" (no --namespace, not in a cluster), held by this process.
  const std::string holder = lease_holder(client, "default", "redraft-test");
  EXPECT_NE(holder, "<none>");
  EXPECT_FALSE(holder.empty());
  EXPECT_THAT(op.log(), HasSubstr(holder));
  EXPECT_THAT(op.metrics_text(), HasSubstr("leader_election_master_status{name=\"redraft-test\"} 1"));

  EXPECT_EQ(op.terminate(), 0) << op.log();
  EXPECT_EQ(lease_holder(client, "default", "redraft-test"), "");
}

// A second signal while the graceful shutdown is still busy (here: releasing the Lease on an API
// server that answers after 10 s) exits at once with 128+signal.
TEST(OperatorProcess, SecondSignalExitsAtOnce) {
  DevServer server;
  apply_crds(server);
  Operator op(server.kubeconfig_path(), {"--leader-elect", "--leader-election-id", "redraft-impatient"});
  ASSERT_TRUE(op.ready_within(90s)) << op.log();
  server.set_latency_ms(10000);
  const auto signalled_at = std::chrono::steady_clock::now();
  op.process().signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return op.log().find("shutting down") != std::string::npos; }, 30s))
      << op.log();
  op.process().signal(SIGINT);
  EXPECT_EQ(op.process().wait_exit(30s), 130) << op.log();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled_at, 9s) << "did not exit at once";
}

// Two operators, one Lease: only the leader reconciles; the standby is synced (ready for
// probes) but prints no ready line; after the leader's SIGTERM the standby takes over well
// before the 15 s lease would have expired (the lease was released).
TEST(OperatorProcess, OnlyTheLeaderReconcilesAndTheStandbyTakesOver) {
  DevServer server;
  apply_crds(server);
  Client client(load_kubeconfig(server.kubeconfig_path()));
  const std::vector<std::string> flags = {"--leader-elect", "--leader-election-id", "redraft-ha",
                                          "--namespace", "default"};
  Operator first(server.kubeconfig_path(), flags);
  ASSERT_TRUE(first.ready_within(90s)) << first.log();
  const std::string first_id = lease_holder(client, "default", "redraft-ha");

  Operator second(server.kubeconfig_path(), flags);
  ASSERT_TRUE(eventually([&] { return second.probe("/readyz") == 200; })) << second.log();
  // The standby has tried the Lease at least once (its informers synced after its first attempt
  // started) and sees the first as leader.
  ASSERT_TRUE(eventually([&] { return second.log().find("leader is " + first_id) != std::string::npos; }))
      << second.log();
  EXPECT_FALSE(second.process().has_line(kReady));
  EXPECT_EQ(lease_holder(client, "default", "redraft-ha"), first_id);

  // Work arrives: the leader plans tasks and creates their Pods; the standby reconciles nothing.
  apply_example(server, "agent-coder.yaml");
  apply_example(server, "agent-reviewer.yaml");
  apply_example(server, "workload.yaml");
  ASSERT_TRUE(eventually([&] { return count(client, resources::kAgenticTasks, "default") > 0; }, 60s))
      << first.log();
  ASSERT_TRUE(eventually([&] { return count(client, resources::kPods, "default") > 0; }, 60s))
      << first.log();
  EXPECT_GT(family_total(first.metrics_text(), "controller_runtime_reconcile_total"), 0);
  EXPECT_EQ(family_total(second.metrics_text(), "controller_runtime_reconcile_total"), 0)
      << second.metrics_text();

  const auto stopped_at = std::chrono::steady_clock::now();
  EXPECT_EQ(first.terminate(), 0) << first.log();
  ASSERT_TRUE(second.ready_within(60s)) << second.log();
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 14s) << "took over by expiry, not release";
  const std::string second_id = lease_holder(client, "default", "redraft-ha");
  EXPECT_NE(second_id, first_id);
  EXPECT_FALSE(second_id.empty());
  // The new leader resumes from the caches: it reconciles the existing objects.
  EXPECT_TRUE(eventually([&] {
    return family_total(second.metrics_text(), "controller_runtime_reconcile_total") > 0;
  }, 60s));
  EXPECT_EQ(second.terminate(), 0) << second.log();
}

// Someone else takes the Lease (the leader cannot renew): the leader exits 1 with a log line
// instead of reconciling alongside the new holder.
TEST(OperatorProcess, LosingLeadershipExits) {
  DevServer server;
  apply_crds(server);
  Client client(load_kubeconfig(server.kubeconfig_path()));
  Operator op(server.kubeconfig_path(), {"--leader-elect", "--leader-election-id", "redraft-lost"});
  ASSERT_TRUE(op.ready_within(90s)) << op.log();
  // Overwrite the holder, as a leader that won after a partition would.
  ASSERT_TRUE(eventually([&] {
    try {
      auto lease = client.get(resources::kLeases, "default", "redraft-lost");
      lease["spec"]["holderIdentity"] = "someone-else";
      lease["spec"]["leaseDurationSeconds"] = 3600;
      client.update(resources::kLeases, "default", lease);
      return true;
    } catch (const std::exception& e) {
      if (is_conflict(e)) return false;  // the leader renewed in between: read again
      throw;
    }
  }));
  EXPECT_EQ(op.process().wait_exit(60s), 1) << op.log();
  EXPECT_THAT(op.log(), HasSubstr("leader election lost"));
}

TEST(OperatorProcess, BadFlagExitsTwoNamingIt) {
  struct Row {
    std::vector<std::string> args;
    std::string names;
  };
  for (const auto& row : std::vector<Row>{{{"--bogus"}, "--bogus"},
                                          {{"--max-concurrent-reconciles", "0"}, "--max-concurrent-reconciles"},
                                          {{"--log-format=xml"}, "--log-format"},
                                          {{"--namespace"}, "--namespace"}}) {
    std::vector<std::string> argv = {REDRAFT_OPERATOR_BINARY};
    argv.insert(argv.end(), row.args.begin(), row.args.end());
    const auto r = redraft::fixtures::run_command(argv, quick());
    EXPECT_EQ(r.exit_code, 2) << row.names << r.err;
    EXPECT_THAT(r.err, HasSubstr(row.names));
    EXPECT_THAT(r.err, HasSubstr("--help"));
    EXPECT_EQ(r.out, "");
  }
  const auto help = redraft::fixtures::run_command({REDRAFT_OPERATOR_BINARY, "--help"}, quick());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--leader-election-id NAME"));
}

// An unusable kubeconfig is a startup failure (exit 1) naming the file, not a hang.
TEST(OperatorProcess, MissingKubeconfigExitsOne) {
  const auto r = redraft::fixtures::run_command(
      {REDRAFT_OPERATOR_BINARY, "--kubeconfig", "/nonexistent/kubeconfig", "--health-probe-bind-address=0",
       "--metrics-bind-address=0"},
      quick());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/kubeconfig"));
}
