// The informer against a real devserver over HTTP: create/update/delete delivery, watches cut
// every second while objects change, and a forced 410 ⇒ relist without losing an update.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "api/codec.hpp"
#include "operator/runtime/cache/informer.hpp"
#include "operator/runtime/cache/owner_mapping.hpp"
#include "operator/runtime/client/client.hpp"

using namespace redraft::runtime;
using namespace redraft::runtime::cache;
using redraft::testing::DevServer;
using redraft::testing::cm_options;
using redraft::testing::eventually;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const ResourceType& kCM = resources::kConfigMaps;

json configmap(const std::string& name, const std::string& value, json owners = json()) {
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", name}, {"namespace", "default"}}},
             {"data", {{"value", value}}}};
  if (!owners.is_null()) cm["metadata"]["ownerReferences"] = owners;
  return cm;
}

// Records what the handlers saw, per key: the last event type and the last resourceVersion.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> log;                   // "ADD name rv", "UPDATE name oldrv->rv", "DELETE name"
  std::map<std::string, std::string> last_rv;     // from add/update; erased on delete
  void add(const std::shared_ptr<const json>& o) {
    std::lock_guard lock(mu);
    const auto k = key_of(*o).str();
    log.push_back("ADD " + k);
    last_rv[k] = resource_version_of(*o);
  }
  void update(const std::shared_ptr<const json>& old_o, const std::shared_ptr<const json>& o) {
    std::lock_guard lock(mu);
    const auto k = key_of(*o).str();
    log.push_back("UPDATE " + k + " " + (*old_o)["data"]["value"].get<std::string>() + "->" +
                  (*o)["data"]["value"].get<std::string>());
    last_rv[k] = resource_version_of(*o);
  }
  void remove(const std::shared_ptr<const json>& o) {
    std::lock_guard lock(mu);
    const auto k = key_of(*o).str();
    log.push_back("DELETE " + k);
    last_rv.erase(k);
  }
  EventHandlers<json> handlers() {
    return {[this](const auto& o) { add(o); },
            [this](const auto& a, const auto& b) { update(a, b); },
            [this](const auto& o) { remove(o); }};
  }
  bool saw(const std::string& line) {
    std::lock_guard lock(mu);
    return std::find(log.begin(), log.end(), line) != log.end();
  }
  std::map<std::string, std::string> rvs() {
    std::lock_guard lock(mu);
    return last_rv;
  }
};

// name → resourceVersion of everything the server has.
std::map<std::string, std::string> server_state(Client& client) {
  std::map<std::string, std::string> out;
  const json list = client.list_all(kCM, "default");  // named: the loop must not dangle
  for (const auto& item : list["items"]) {
    out[key_of(item).str()] = resource_version_of(item);
  }
  return out;
}

std::map<std::string, std::string> cache_state(const Informer<json>& informer) {
  std::map<std::string, std::string> out;
  for (const auto& obj : informer.store().list()) out[key_of(*obj).str()] = resource_version_of(*obj);
  return out;
}

std::string dump(const std::map<std::string, std::string>& state) {
  std::string out;
  for (const auto& [k, v] : state) out += k + "@" + v + " ";
  return out;
}

std::string describe(const Informer<json>& informer) {
  const auto s = informer.reflector().stats();
  return "lists=" + std::to_string(s.lists) + " watches=" + std::to_string(s.watches) +
         " gone=" + std::to_string(s.gone) + " errors=" + std::to_string(s.errors) +
         " events=" + std::to_string(s.events) + " rv=" + informer.reflector().last_resource_version();
}

}  // namespace

TEST(InformerIntegration, SyncsExistingObjectsThenSeesCreateUpdateDelete) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  client.create(kCM, "default", configmap("before", "0"));

  InformerOptions options = cm_options();
  std::atomic<std::size_t> observed_size{0};
  options.size_observer = [&](std::size_t n) { observed_size = n; };
  Informer<json> informer(client, options);
  Recorder seen;
  informer.add_handlers(seen.handlers());
  EXPECT_FALSE(informer.has_synced());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  EXPECT_TRUE(informer.has_synced());
  EXPECT_TRUE(seen.saw("ADD default/before"));
  ASSERT_NE(informer.store().get("default", "before"), nullptr);
  // Items of a list carry no kind; the reflector fills it in (events need it).
  EXPECT_EQ((*informer.store().get("default", "before"))["kind"], "ConfigMap");

  EXPECT_EQ(observed_size.load(), 1u);
  client.create(kCM, "default", configmap("a", "1"));
  ASSERT_TRUE(eventually([&] { return seen.saw("ADD default/a"); }));
  EXPECT_EQ(observed_size.load(), 2u);
  json a = client.get(kCM, "default", "a");
  a["data"]["value"] = "2";
  client.update(kCM, "default", a);
  ASSERT_TRUE(eventually([&] { return seen.saw("UPDATE default/a 1->2"); }));
  EXPECT_EQ((*informer.store().get("default", "a"))["data"]["value"], "2");
  client.remove(kCM, "default", "a");
  ASSERT_TRUE(eventually([&] { return seen.saw("DELETE default/a"); }));
  EXPECT_EQ(informer.store().get("default", "a"), nullptr);
  EXPECT_EQ(observed_size.load(), 1u);

  // A late subscriber first gets the current content as adds.
  std::atomic<int> late_adds{0};
  informer.add_handlers({[&](const auto&) { ++late_adds; }, nullptr, nullptr});
  EXPECT_EQ(late_adds.load(), 1);
  informer.stop();
}

TEST(InformerIntegration, OwnerMappingEnqueuesTheOwnerOnDependentChanges) {
  // The owner uid "u-1" is made up: keep the server's garbage collector from deleting the
  // dependent (a real Workload owner is not what this test is about).
  redraft::testing::DevServerOptions no_gc;
  no_gc.extra_args = {"--gc-delay-ms", "-1"};
  DevServer server(no_gc);
  Client client(load_kubeconfig(server.kubeconfig_path()));
  Informer<json> informer(client, cm_options());
  std::mutex mu;
  std::vector<std::string> queue;
  OwnerMatch match{"redraft.dev", "Workload", true};
  informer.add_handlers(enqueue_handlers<json>(
      [match](const json& o) { return owner_keys(o, match); },
      [&](const ObjectKey& key) {
        std::lock_guard lock(mu);
        queue.push_back(key.str());
      }));
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  json owners = json::array({{{"apiVersion", "redraft.dev/v1alpha1"},
                              {"kind", "Workload"},
                              {"name", "wl"},
                              {"uid", "u-1"},
                              {"controller", true}}});
  client.create(kCM, "default", configmap("wl-task", "1", owners));
  client.create(kCM, "default", configmap("orphan", "1"));
  ASSERT_TRUE(eventually([&] { return informer.store().get("default", "orphan") != nullptr; }));
  std::lock_guard lock(mu);
  EXPECT_THAT(queue, testing::ElementsAre("default/wl"));
}

TEST(InformerIntegration, WatchCutEverySecondForThirtySecondsStillConverges) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  server.close_watches_after(1);

  Informer<json> informer(client, cm_options());
  Recorder seen;
  informer.add_handlers(seen.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));

  // A writer creates, updates and deletes objects for 30 s while every watch is cut each second.
  std::atomic<bool> done{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    int i = 0;
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < end) {
      const std::string name = "cm-" + std::to_string(i % 20);
      try {
        switch ((i / 20) % 3) {
          case 0: client.create(kCM, "default", configmap(name, std::to_string(i))); break;
          case 1: {
            json cm = client.get(kCM, "default", name);
            cm["data"]["value"] = std::to_string(i);
            client.update(kCM, "default", cm);
            break;
          }
          case 2: client.remove(kCM, "default", name); break;
        }
        ++writes;
      } catch (const std::exception& e) {
        ADD_FAILURE() << "writer: " << e.what();
      }
      ++i;
      std::this_thread::sleep_for(20ms);  // pacing the writer, not synchronisation
    }
    done = true;
  });
  writer.join();
  ASSERT_GT(writes.load(), 100);

  const auto expected = server_state(client);
  EXPECT_TRUE(eventually([&] { return cache_state(informer) == expected; }, 60s))
      << "cache: " << dump(cache_state(informer)) << "\nserver: " << dump(expected) << "\n"
      << describe(informer);
  // Handlers saw the final version of every object, and nothing that is gone.
  EXPECT_TRUE(eventually([&] { return seen.rvs() == expected; }, 30s));
  const auto stats = informer.reflector().stats();
  EXPECT_GE(stats.watches, 15u) << "the watch should have been cut and re-established repeatedly";
  EXPECT_EQ(stats.lists, 1u) << "cuts resume from the last resourceVersion; no relist needed";
  informer.stop();
}

TEST(InformerIntegration, GoneForcesARelistWithoutLosingAnUpdate) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  for (int i = 0; i < 5; ++i) client.create(kCM, "default", configmap("k" + std::to_string(i), "0"));

  Informer<json> informer(client, cm_options());
  Recorder seen;
  informer.add_handlers(seen.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  ASSERT_EQ(informer.size(), 5u);

  // Keep the informer from re-watching (its GETs fail) while objects change and the history
  // is compacted; when GETs work again, its watch from the old resourceVersion gets 410 and
  // only a relist can bring the changes in.
  server.fail_next(100000, 500, "GET", "/configmaps");
  server.close_watches_now();
  ASSERT_TRUE(eventually([&] { return informer.reflector().stats().errors >= 1; }, 60s));
  for (int i = 0; i < 4; ++i) {
    client.patch(kCM, "default", "k" + std::to_string(i), PatchType::Merge,
                 json{{"data", {{"value", "1"}}}});
  }
  client.remove(kCM, "default", "k4");
  client.create(kCM, "default", configmap("k5", "1"));
  server.compact_history();
  server.clear_faults();

  ASSERT_TRUE(eventually([&] { return informer.reflector().stats().gone >= 1; }, 60s))
      << "expected a 410";
  const auto expected = server_state(client);
  EXPECT_TRUE(eventually([&] { return cache_state(informer) == expected; }, 60s))
      << "cache: " << dump(cache_state(informer)) << "\nserver: " << dump(expected) << "\n"
      << describe(informer);
  EXPECT_TRUE(eventually([&] { return seen.rvs() == expected; }, 30s));
  for (const auto& [key, rv] : expected) {
    EXPECT_EQ((*informer.store().get(parse_object_key(key)))["data"]["value"], "1") << key;
  }
  EXPECT_TRUE(seen.saw("DELETE default/k4"));
  EXPECT_GE(informer.reflector().stats().lists, 2u);
  informer.stop();
}

TEST(InformerIntegration, StopIsPromptWhileWatching) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  Informer<json> informer(client, cm_options());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(60s));
  const auto t = std::chrono::steady_clock::now();
  informer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t, 5s);
}

TEST(InformerIntegration, UnreachableServerIsRetriedWithBackoffNotInATightLoop) {
  // The server is stopped before the informer starts: every list fails with a transport error.
  DevServer server;
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  server.stop();
  Client client(config);
  Informer<json> informer(client, cm_options());
  informer.start();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return informer.reflector().stats().errors >= 3; }, 30s));
  // Retries 2 and 3 wait at least 0.8 s and 1.6 s.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2400ms);
  EXPECT_FALSE(informer.has_synced());
  informer.stop();
}

TEST(InformerIntegration, TypedAgenticTasksDecodeAndTheTransformStripsBookkeeping) {
  DevServer server;
  const auto crds = server.kubectl({"apply", "-f", std::string(REDRAFT_SOURCE_DIR) + "/config/crd/"});
  ASSERT_EQ(crds.exit_code, 0) << crds.output;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  ASSERT_TRUE(eventually([&] {
    try {
      client.list(resources::kAgenticTasks, "default");
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }));
  // kubectl apply stores the whole manifest in the last-applied annotation.
  const auto applied = server.kubectl(
      {"apply", "-n", "default", "-f", std::string(REDRAFT_SOURCE_DIR) + "/examples/agentictask.yaml"});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;

  InformerOptions options;
  options.type = resources::kAgenticTasks;
  options.namespace_ = "default";
  Informer<redraft::api::AgenticTask> plain(client, options);
  options.transform = strip_bookkeeping;
  Informer<redraft::api::AgenticTask> stripped(client, options);
  std::atomic<int> updates{0};
  plain.add_handlers({nullptr, [&](const auto&, const auto& now) {
                        if (now->status.phase == "Running") ++updates;
                      },
                      nullptr});
  plain.start();
  stripped.start();
  ASSERT_TRUE(plain.wait_for_sync(60s));
  ASSERT_TRUE(stripped.wait_for_sync(60s));

  const auto task = plain.store().get("default", "fix-issue-42");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->spec.branch, "redraft/manual/issue-42");
  ASSERT_TRUE(task->spec.issue.has_value());
  EXPECT_EQ(task->spec.issue->number, 42);
  EXPECT_FALSE(task->metadata.uid.empty());
  EXPECT_TRUE(task->metadata.annotations.contains(kLastAppliedAnnotation));
  const auto lean = stripped.store().get("default", "fix-issue-42");
  ASSERT_NE(lean, nullptr);
  EXPECT_FALSE(lean->metadata.annotations.contains(kLastAppliedAnnotation));
  EXPECT_EQ(lean->spec, task->spec);

  client.patch(resources::kAgenticTasks, "default", "fix-issue-42", PatchType::Merge,
               json{{"status", {{"phase", "Running"}}}}, /*status=*/true);
  ASSERT_TRUE(eventually([&] { return updates.load() == 1; }));
  EXPECT_EQ(plain.store().get("default", "fix-issue-42")->status.phase, "Running");

  // A second task of the same issue: equal values share one buffer in the cache (interning),
  // and the cached object keeps the content exactly.
  json second = client.get(resources::kAgenticTasks, "default", "fix-issue-42");
  second["metadata"] = {{"name", "fix-issue-42-again"}, {"namespace", "default"}};
  second.erase("status");
  client.create(resources::kAgenticTasks, "default", second);
  ASSERT_TRUE(eventually([&] { return plain.store().get("default", "fix-issue-42-again") != nullptr; }));
  const auto again = plain.store().get("default", "fix-issue-42-again");
  const auto first = plain.store().get("default", "fix-issue-42");
  EXPECT_EQ(again->spec, first->spec);
  EXPECT_TRUE(again->spec.repo.url.shares_buffer_with(first->spec.repo.url));
  EXPECT_TRUE(again->spec.branch.shares_buffer_with(first->spec.branch));
  ASSERT_TRUE(again->spec.issue && first->spec.issue);
  EXPECT_TRUE(again->spec.issue->title.shares_buffer_with(first->spec.issue->title));
  EXPECT_FALSE(again->metadata.uid.shares_buffer_with(first->metadata.uid));
}
