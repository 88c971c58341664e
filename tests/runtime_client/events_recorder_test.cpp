// The event recorder against a real devserver: identical repeats aggregate into one Event with
// a growing count that kubectl describe shows; the rate limit holds back a flood.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cache_test_support.hpp"
#include "devserver_fixture.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/events/event_recorder.hpp"

using namespace redraft::runtime;
using namespace redraft::runtime::events;
using redraft::testing::DevServer;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
json configmap_events(Client& client, const std::string& name) {
  ListOptions options;
  options.field_selector = "involvedObject.kind=ConfigMap,involvedObject.name=" + name;
  return client.list_all(resources::kEvents, "default", options)["items"];
}
}  // namespace

TEST(EventRecorderIntegration, RepeatsAggregateIntoOneEventWithCountShownByDescribe) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  const json cm = client.create(resources::kConfigMaps, "default",
                                json{{"apiVersion", "v1"},
                                     {"kind", "ConfigMap"},
                                     {"metadata", {{"name", "target"}, {"namespace", "default"}}}});
  RecorderOptions options;
  options.component = "redraft-test";
  options.instance = "i-1";
  EventRecorder recorder(client, options);
  const ObjectReference ref = reference_to(cm);
  for (int i = 0; i < 5; ++i) recorder.warning(ref, "TaskFailed", "agent exited with code 3");
  recorder.normal(ref, "TaskCreated", "created wl-1-code");
  ASSERT_TRUE(recorder.flush(60s));

  const json events = configmap_events(client, "target");
  ASSERT_EQ(events.size(), 2u) << events.dump(2);
  const json* failed = nullptr;
  for (const auto& e : events) {
    if (e["reason"] == "TaskFailed") failed = &e;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ((*failed)["count"], 5);
  EXPECT_EQ((*failed)["type"], "Warning");
  EXPECT_EQ((*failed)["involvedObject"]["uid"], cm["metadata"]["uid"]);
  EXPECT_EQ((*failed)["involvedObject"]["kind"], "ConfigMap");
  EXPECT_EQ((*failed)["involvedObject"]["apiVersion"], "v1");
  EXPECT_EQ((*failed)["source"]["component"], "redraft-test");
  EXPECT_EQ(recorder.stats().created, 2u);
  EXPECT_EQ(recorder.stats().patched, 4u);

  const auto describe = server.kubectl({"describe", "configmap", "target", "-n", "default"});
  EXPECT_EQ(describe.exit_code, 0) << describe.output;
  EXPECT_THAT(describe.output, testing::HasSubstr("TaskFailed"));
  EXPECT_THAT(describe.output, testing::HasSubstr("agent exited with code 3"));
  EXPECT_THAT(describe.output, testing::ContainsRegex("x5 over"));
  EXPECT_THAT(describe.output, testing::HasSubstr("TaskCreated"));
}

TEST(EventRecorderIntegration, FloodIsRateLimitedPerObject) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  const json cm = client.create(resources::kConfigMaps, "default",
                                json{{"apiVersion", "v1"},
                                     {"kind", "ConfigMap"},
                                     {"metadata", {{"name", "noisy"}, {"namespace", "default"}}}});
  RecorderOptions options;
  options.correlator.burst = 10;
  EventRecorder recorder(client, options);
  for (int i = 0; i < 40; ++i) {
    recorder.normal(reference_to(cm), "Step", "step " + std::to_string(i));
  }
  ASSERT_TRUE(recorder.flush(60s));
  EXPECT_EQ(configmap_events(client, "noisy").size(), 10u);
  EXPECT_EQ(recorder.stats().rate_limited, 30u);
}

TEST(EventRecorderIntegration, ADeletedAggregateIsRecreatedAndWriteFailuresDoNotBlock) {
  DevServer server;
  Client client(load_kubeconfig(server.kubeconfig_path()));
  const json cm = client.create(resources::kConfigMaps, "default",
                                json{{"apiVersion", "v1"},
                                     {"kind", "ConfigMap"},
                                     {"metadata", {{"name", "c"}, {"namespace", "default"}}}});
  EventRecorder recorder(client);
  recorder.warning(reference_to(cm), "R", "m");
  ASSERT_TRUE(recorder.flush(60s));
  const json first = configmap_events(client, "c");
  ASSERT_EQ(first.size(), 1u);
  client.remove(resources::kEvents, "default", first[0]["metadata"]["name"].get<std::string>());

  recorder.warning(reference_to(cm), "R", "m");
  ASSERT_TRUE(recorder.flush(60s));
  const json second = configmap_events(client, "c");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["count"], 2);
  EXPECT_NE(second[0]["metadata"]["name"], first[0]["metadata"]["name"]);

  // Every event write fails: record() still returns at once, the failure is counted.
  server.fail_next(1000, 403, "", "/events");
  const auto t = std::chrono::steady_clock::now();
  recorder.warning(reference_to(cm), "Other", "m");
  EXPECT_LT(std::chrono::steady_clock::now() - t, 1s);
  ASSERT_TRUE(recorder.flush(60s));
  EXPECT_EQ(recorder.stats().failed, 1u);
}
