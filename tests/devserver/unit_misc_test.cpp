#include "api_errors.hpp"
#include "cli_options.hpp"
#include "discovery.hpp"
#include "encoding.hpp"
#include "faults.hpp"
#include "kubeconfig.hpp"
#include "object_meta.hpp"
#include "protobuf_decode.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

using namespace redraft::devserver;
using nlohmann::json;

TEST(Cli, ParsesFlagsAndRejectsBadValuesByName) {
  const auto o = parse_cli({"--port", "8080", "--tls", "--write-kubeconfig=/tmp/k", "--history-size", "5",
                            "--fault-close-watches-after", "3"});
  EXPECT_EQ(o.port, 8080);
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.kubeconfig_path, "/tmp/k");
  EXPECT_EQ(o.history_size, 5u);
  EXPECT_EQ(o.fault_close_watches_after_seconds, 3);
  try {
    parse_cli({"--port", "70000"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--port: invalid value \"70000\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_cli({"--frobnicate"}), std::invalid_argument);
  EXPECT_THROW(parse_cli({"--token"}), std::invalid_argument);
  EXPECT_THROW(parse_cli({"--token", "a", "--token-file", "b"}), std::invalid_argument);
}

TEST(Faults, MergesConfigAndConsumesFailures) {
  FaultConfig c = merge_fault_config({}, json::parse(R"({"failNext":{"count":2,"code":429,"method":"PUT"},"latencyMs":5})"));
  EXPECT_EQ(c.latency_ms, 5);
  Faults f;
  f.set(c);
  EXPECT_FALSE(f.take_failure("GET", "/api/v1/pods"));
  auto e = f.take_failure("PUT", "/api/v1/pods/x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), 429);
  EXPECT_EQ(e->reason(), "TooManyRequests");
  EXPECT_TRUE(f.take_failure("PUT", "/x"));
  EXPECT_FALSE(f.take_failure("PUT", "/x"));  // only two
  try {
    merge_fault_config({}, json::parse(R"({"failNext":{"count":"lots"}})"));
    FAIL();
  } catch (const ApiError& err) {
    EXPECT_NE(std::string(err.what()).find("failNext.count"), std::string::npos);
  }
  EXPECT_THROW(merge_fault_config({}, json::parse(R"({"surprise":1})")), ApiError);
}

TEST(Encoding, Base64RoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = base64_decode(base64_encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64_decode("not base64!"));
  EXPECT_EQ(random_uid().size(), 36u);
  EXPECT_NE(random_uid(), random_uid());
}

TEST(Kubeconfig, PointsAtServerWithTokenAndCa) {
  const std::string text = render_kubeconfig({"https://127.0.0.1:1234", "PEM", "s3cret"});
  const YAML::Node k = YAML::Load(text);
  EXPECT_EQ(k["clusters"][0]["cluster"]["server"].as<std::string>(), "https://127.0.0.1:1234");
  EXPECT_EQ(k["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>(), base64_encode("PEM"));
  EXPECT_EQ(k["users"][0]["user"]["token"].as<std::string>(), "s3cret");
  EXPECT_EQ(k["current-context"].as<std::string>(), "redraft-devserver");
}

TEST(ApiErrors, InvalidListsEveryCause) {
  const ApiError e = invalid("redraft.dev", "Workload", "wl",
                             {{"FieldValueRequired", "Required value", "spec.repo"},
                              {"FieldValueInvalid", "Invalid value: 1", "spec.x"}});
  EXPECT_EQ(e.code(), 422);
  EXPECT_STREQ(e.what(), "Workload.redraft.dev \"wl\" is invalid: [spec.repo: Required value, spec.x: Invalid value: 1]");
  const json s = e.to_status();
  EXPECT_EQ(s["details"]["causes"][0]["field"], "spec.repo");
  EXPECT_EQ(not_found("apps", "deployments", "d").to_status()["message"], "deployments.apps \"d\" not found");
}

TEST(Discovery, ListsBuiltinsAndCrdResources) {
  ResourceRegistry reg;
  const auto core = api_resource_list(reg, "", "v1");
  ASSERT_TRUE(core);
  bool pods_status = false;
  for (const auto& r : (*core)["resources"]) pods_status = pods_status || r["name"] == "pods/status";
  EXPECT_TRUE(pods_status);
  EXPECT_FALSE(api_resource_list(reg, "redraft.dev", "v1alpha1"));
  reg.apply_crd(json::parse(R"({"metadata":{"name":"things.example.com"},"spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"things","singular":"thing","kind":"Thing","shortNames":["th"]},
      "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}}}]}})"));
  const auto doc = api_resource_list(reg, "example.com", "v1");
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["resources"][0]["shortNames"][0], "th");
  EXPECT_EQ((*doc)["resources"][1]["name"], "things/status");
  const auto groups = api_group_list(reg);
  bool found = false;
  for (const auto& g : groups["groups"]) found = found || g["name"] == "example.com";
  EXPECT_TRUE(found);
  reg.remove_crd("things.example.com");
  EXPECT_FALSE(api_resource_list(reg, "example.com", "v1"));
}

TEST(Protobuf, DecodesAConfigMapEnvelope) {
  // Bytes as kubectl 1.32 sends for `kubectl create configmap cm1 --from-literal=a=b`.
  const unsigned char bytes[] = {0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x09, 0x43, 0x6f, 0x6e,
                                 0x66, 0x69, 0x67, 0x4d, 0x61, 0x70, 0x12, 0x1d, 0x0a, 0x13, 0x0a, 0x03, 0x63, 0x6d, 0x31,
                                 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x12,
                                 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x1a, 0x00, 0x22, 0x00};
  const json obj = decode_kubernetes_protobuf(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  EXPECT_EQ(obj["kind"], "ConfigMap");
  EXPECT_EQ(obj["apiVersion"], "v1");
  EXPECT_EQ(obj["metadata"], (json{{"name", "cm1"}}));
  EXPECT_EQ(obj["data"], (json{{"a", "b"}}));
  EXPECT_THROW(decode_kubernetes_protobuf("not protobuf"), ApiError);
  EXPECT_THROW(decode_kubernetes_protobuf(std::string_view(reinterpret_cast<const char*>(bytes), 20)), ApiError);
}

TEST(ObjectMeta, LabelsAnnotationsOwnersAndFinalizers) {
  EXPECT_TRUE(validate_object_meta(json::parse(R"({"labels":{"redraft.dev/workload":"wl-1","app":""},
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"},
      "ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"o","uid":"u","controller":true}],
      "finalizers":["redraft.dev/cleanup","kubernetes"]})")).empty());
  const std::string long_value(64, 'a');
  const auto causes = validate_object_meta(json{{"labels", {{"redraft.dev/item", long_value}, {"bad key!", "x"}, {"n", 5}}},
                                                {"ownerReferences", {{{"kind", "X"}}}},
                                                {"finalizers", {"-nope"}}});
  std::string all;
  for (const auto& c : causes) all += c.field + ": " + c.message + "\n";
  EXPECT_NE(all.find("metadata.labels: Invalid value: \"" + long_value + "\": must be no more than 63 characters"), std::string::npos) << all;
  EXPECT_NE(all.find("metadata.labels: Invalid value: \"bad key!\": name part must consist of"), std::string::npos) << all;
  EXPECT_NE(all.find("metadata.labels: Invalid value: 5: must be a string"), std::string::npos) << all;
  EXPECT_NE(all.find("metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty"), std::string::npos) << all;
  EXPECT_NE(all.find("metadata.finalizers[0]: Invalid value: \"-nope\""), std::string::npos) << all;
  EXPECT_TRUE(check_qualified_name(std::string(64, 'k')));
  EXPECT_FALSE(check_qualified_name("example.com/" + std::string(63, 'k')));
  EXPECT_TRUE(check_qualified_name("Bad_Prefix/x"));
  EXPECT_FALSE(check_label_value("a.b-c_D"));
  EXPECT_TRUE(check_label_value("ends-with-"));
}
