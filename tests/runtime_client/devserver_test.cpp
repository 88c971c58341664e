// The client against a real redraft-devserver process over loopback HTTP(S): CRUD, typed errors,
// paging, watches (events, stop flag, idle timeout, server close, 410), TLS verification, token
// and exec-plugin authentication, the request observer. Nothing is mocked.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "devserver_fixture.hpp"
#include "tls_cert.hpp"
#include "operator/runtime/client/client.hpp"
#include "tests/runtime_client/test_support.hpp"

namespace redraft::runtime {
namespace {

using nlohmann::json;
using redraft::testing::DevServer;
using redraft::testing::DevServerOptions;
using test::api_error_of;
using test::transport_error_of;
using namespace std::chrono_literals;

const ResourceType& kCm = resources::kConfigMaps;

json config_map(const std::string& name, const std::string& value,
                const std::map<std::string, std::string>& labels = {}) {
  json cm = {{"metadata", {{"name", name}}}, {"data", {{"key", value}}}};
  if (!labels.empty()) cm["metadata"]["labels"] = labels;
  return cm;
}

template <class F>
std::exception_ptr capture(F&& fn) {
  try {
    fn();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}


class ClientAgainstDevServer : public ::testing::Test {
 protected:
  DevServer server;
  Client client{load_kubeconfig(server.kubeconfig_path())};
};

TEST_F(ClientAgainstDevServer, CrudRoundTrip) {
  json created = client.create(kCm, "default", config_map("crud", "v1"));
  EXPECT_EQ(created["metadata"]["name"], "crud");
  EXPECT_EQ(created["metadata"]["namespace"], "default");
  EXPECT_FALSE(created["metadata"].value("resourceVersion", "").empty());
  EXPECT_EQ(created["kind"], "ConfigMap");

  json got = client.get(kCm, "default", "crud");
  EXPECT_EQ(got["data"]["key"], "v1");
  EXPECT_EQ(got["metadata"]["uid"], created["metadata"]["uid"]);

  got["data"]["key"] = "v2";
  json updated = client.update(kCm, "default", got);
  EXPECT_EQ(updated["data"]["key"], "v2");
  EXPECT_NE(updated["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);

  json merged = client.patch(kCm, "default", "crud", PatchType::Merge,
                             {{"metadata", {{"labels", {{"team", "a"}}}}}, {"data", {{"extra", "x"}}}});
  EXPECT_EQ(merged["metadata"]["labels"]["team"], "a");
  EXPECT_EQ(merged["data"]["key"], "v2");
  EXPECT_EQ(merged["data"]["extra"], "x");

  json patched = client.patch(kCm, "default", "crud", PatchType::JsonPatch,
                              json::array({{{"op", "replace"}, {"path", "/data/key"}, {"value", "v3"}},
                                           {{"op", "remove"}, {"path", "/data/extra"}}}));
  EXPECT_EQ(patched["data"]["key"], "v3");
  EXPECT_FALSE(patched["data"].contains("extra"));

  ListOptions by_label;
  by_label.label_selector = "team=a";
  json list = client.list(kCm, "default", by_label);
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["metadata"]["name"], "crud");
  by_label.label_selector = "team=b";
  EXPECT_TRUE(client.list(kCm, "default", by_label)["items"].empty());

  client.remove(kCm, "default", "crud");
  EXPECT_TRUE(is_not_found(api_error_of([&] { client.get(kCm, "default", "crud"); })));
}

TEST_F(ClientAgainstDevServer, StatusSubresourceIsSeparateFromSpec) {
  json pod = {{"metadata", {{"name", "p1"}}},
              {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}}};
  json created = client.create(resources::kPods, "default", pod);
  created["status"] = {{"phase", "Running"}};
  json with_status = client.update_status(resources::kPods, "default", created);
  EXPECT_EQ(with_status["status"]["phase"], "Running");
  json patched = client.patch(resources::kPods, "default", "p1", PatchType::Merge,
                              {{"status", {{"phase", "Succeeded"}}}}, /*status=*/true);
  EXPECT_EQ(patched["status"]["phase"], "Succeeded");
  EXPECT_EQ(client.get(resources::kPods, "default", "p1")["status"]["phase"], "Succeeded");
}

TEST_F(ClientAgainstDevServer, PodLogAndDeleteCollection) {
  const std::string log = "cloning\nREDRAFT-RESULT {\"verdict\":\"GO\"}\n";
  json pod = {{"metadata", {{"name", "logged"}, {"labels", {{"batch", "x"}}},
                            {"annotations", {{"devserver.redraft.dev/log", log}}}}},
              {"spec", {{"containers", json::array({{{"name", "publish"}, {"image", "i"}}})}}}};
  client.create(resources::kPods, "default", pod);
  PodLogOptions options;
  options.container = "publish";
  EXPECT_EQ(client.pod_log("default", "logged", options), log);
  EXPECT_TRUE(is_not_found(api_error_of([&] { client.pod_log("default", "absent"); })));

  client.create(kCm, "default", config_map("keep", "x"));
  client.create(kCm, "default", config_map("drop-1", "x", {{"batch", "x"}}));
  client.create(kCm, "default", config_map("drop-2", "x", {{"batch", "x"}}));
  ListOptions selection;
  selection.label_selector = "batch=x";
  client.remove_collection(kCm, "default", selection);
  json left = client.list_all(kCm, "default");
  ASSERT_EQ(left["items"].size(), 1u);
  EXPECT_EQ(left["items"][0]["metadata"]["name"], "keep");
}

TEST_F(ClientAgainstDevServer, TypedErrors) {
  ApiError missing = api_error_of([&] { client.get(kCm, "default", "absent"); });
  EXPECT_EQ(missing.code(), 404);
  EXPECT_TRUE(is_not_found(missing));
  EXPECT_EQ(missing.status()["kind"], "Status");

  json first = client.create(kCm, "default", config_map("dup", "a"));
  ApiError exists = api_error_of([&] { client.create(kCm, "default", config_map("dup", "b")); });
  EXPECT_EQ(exists.code(), 409);
  EXPECT_TRUE(is_already_exists(exists));
  EXPECT_FALSE(is_conflict(exists));

  client.patch(kCm, "default", "dup", PatchType::Merge, {{"data", {{"key", "moved"}}}});
  json stale = first;  // carries the old resourceVersion
  stale["data"]["key"] = "lost update";
  ApiError conflict = api_error_of([&] { client.update(kCm, "default", stale); });
  EXPECT_EQ(conflict.code(), 409);
  EXPECT_TRUE(is_conflict(conflict));

  ApiError invalid = api_error_of([&] { client.create(kCm, "default", config_map("Not_Valid", "x")); });
  EXPECT_EQ(invalid.code(), 422);
  EXPECT_TRUE(is_invalid(invalid));
  EXPECT_NE(invalid.message().find("Not_Valid"), std::string::npos) << invalid.message();

  // Injected server errors decode the same way.
  server.fail_next(1, 429, "GET");
  ApiError throttled = api_error_of([&] { client.get(kCm, "default", "dup"); });
  EXPECT_TRUE(is_too_many_requests(throttled));
  EXPECT_TRUE(is_retryable(throttled));
  EXPECT_EQ(client.get(kCm, "default", "dup")["data"]["key"], "moved");  // once only
}

TEST_F(ClientAgainstDevServer, ListAllFollowsContinueTokens) {
  for (int i = 0; i < 7; ++i) {
    client.create(kCm, "default", config_map("page-" + std::to_string(i), "x", {{"set", "paged"}}));
  }
  client.create(kCm, "default", config_map("other", "x"));
  ListOptions options;
  options.label_selector = "set=paged";
  options.limit = 3;
  json first_page = client.list(kCm, "default", options);
  EXPECT_EQ(first_page["items"].size(), 3u);
  EXPECT_FALSE(first_page["metadata"].value("continue", "").empty());

  json all = client.list_all(kCm, "default", options);
  ASSERT_EQ(all["items"].size(), 7u);
  std::set<std::string> names;
  for (const auto& item : all["items"]) names.insert(item["metadata"]["name"].get<std::string>());
  EXPECT_EQ(names.size(), 7u);
  EXPECT_FALSE(all["metadata"].contains("continue"));
  EXPECT_FALSE(all["metadata"].value("resourceVersion", "").empty());
}

struct TypedConfigMap {
  std::string name;
  std::string value;
};
void to_json(json& j, const TypedConfigMap& c) {
  j = {{"metadata", {{"name", c.name}}}, {"data", {{"key", c.value}}}};
}
void from_json(const json& j, TypedConfigMap& c) {
  c.name = j.at("metadata").at("name").get<std::string>();
  c.value = j.at("data").at("key").get<std::string>();
}

TEST_F(ClientAgainstDevServer, TypedHelpersUseTheTypesCodecs) {
  TypedConfigMap created = client.create_as(kCm, "default", TypedConfigMap{"typed", "one"});
  EXPECT_EQ(created.value, "one");
  EXPECT_EQ(client.get_as<TypedConfigMap>(kCm, "default", "typed").value, "one");
  auto all = client.list_as<TypedConfigMap>(kCm, "default");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "typed");
}

TEST_F(ClientAgainstDevServer, WatchDeliversAddedModifiedDeleted) {
  std::string rv = client.list(kCm, "default")["metadata"]["resourceVersion"];
  // Mutations happen before the watch opens: the server replays from `rv`, so no race.
  client.create(kCm, "default", config_map("w", "1"));
  client.patch(kCm, "default", "w", PatchType::Merge, {{"data", {{"key", "2"}}}});
  client.remove(kCm, "default", "w");

  std::vector<std::string> seen;
  ListOptions options;
  options.resource_version = rv;
  WatchResult result = client.watch(
      kCm, "default", options,
      [&](WatchEvent&& event) {
        seen.push_back(event.type + ":" + event.object["metadata"]["name"].get<std::string>());
        return event.type != "DELETED";
      },
      30s);
  EXPECT_EQ(result.end, WatchResult::End::HandlerDone);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED:w", "MODIFIED:w", "DELETED:w"}));
  EXPECT_EQ(result.events, 3u);
  EXPECT_FALSE(result.resource_version.empty());
  EXPECT_NE(result.resource_version, rv);
}

TEST(ClientWatch, LiveChangesAfterABookmark) {
  DevServer server(DevServerOptions{.tls = false, .token = "", .extra_args = {"--bookmark-interval-ms", "200"}});
  Client client(load_kubeconfig(server.kubeconfig_path()));
  ListOptions options;
  options.resource_version = client.list(kCm, "default")["metadata"]["resourceVersion"];
  options.allow_watch_bookmarks = true;
  std::vector<std::string> types;
  std::string created_rv;
  // The first BOOKMARK proves the stream is established; the change made then must arrive live.
  // The handler may use the client: the watch holds its own connection and no lock.
  WatchResult result = client.watch(
      kCm, "default", options,
      [&](WatchEvent&& event) {
        types.push_back(event.type);
        if (event.type == "BOOKMARK" && created_rv.empty()) {
          created_rv = client.create(kCm, "default", config_map("live", "1"))["metadata"]["resourceVersion"];
        }
        return event.type != "ADDED";
      },
      30s);
  EXPECT_EQ(result.end, WatchResult::End::HandlerDone);
  ASSERT_GE(types.size(), 2u);
  EXPECT_EQ(types.front(), "BOOKMARK");
  EXPECT_EQ(types.back(), "ADDED");
  EXPECT_EQ(result.resource_version, created_rv);
}

TEST(ClientWatch, ServerShutdownEndsTheWatchPromptly) {
  DevServer server(DevServerOptions{.tls = false, .token = "", .extra_args = {"--bookmark-interval-ms", "200"}});
  Client client(load_kubeconfig(server.kubeconfig_path()));
  ListOptions options;
  options.resource_version = client.list(kCm, "default")["metadata"]["resourceVersion"];
  options.allow_watch_bookmarks = true;
  // Stop the server (SIGTERM) while the stream is open, after the first BOOKMARK. The devserver
  // usually finishes open watches (Closed: re-watch) but may exit before the final chunk
  // (TransportError "stream cut": re-watch after backoff). Either way the watch must end at once
  // instead of waiting for the idle timeout. (A cut alone is tested in transport_test.cpp.)
  auto start = std::chrono::steady_clock::now();
  std::optional<WatchResult> result;
  std::string cut;
  try {
    result = client.watch(
        kCm, "default", options,
        [&](WatchEvent&&) {
          server.stop();
          return true;
        },
        60s);
  } catch (const TransportError& e) {
    cut = e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  if (result) {
    EXPECT_EQ(result->end, WatchResult::End::Closed);
  } else {
    EXPECT_NE(cut.find("stream cut"), std::string::npos) << cut;
  }
}

TEST_F(ClientAgainstDevServer, WatchStopsWhenTheFlagIsSet) {
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);  // let the watch block first; the flag is what's tested
    stop = true;
  });
  auto start = std::chrono::steady_clock::now();
  WatchResult result = client.watch(
      kCm, "default", {}, [](WatchEvent&&) { return true; }, 60s, &stop);
  stopper.join();
  EXPECT_EQ(result.end, WatchResult::End::Stopped);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST_F(ClientAgainstDevServer, WatchIdleTimeout) {
  auto start = std::chrono::steady_clock::now();
  WatchResult result = client.watch(
      kCm, "default", {}, [](WatchEvent&&) { return true; }, 1s);
  EXPECT_EQ(result.end, WatchResult::End::IdleTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(ClientAgainstDevServer, WatchEndsWhenTheServerClosesIt) {
  server.close_watches_after(1);
  WatchResult result = client.watch(
      kCm, "default", {}, [](WatchEvent&&) { return true; }, 60s);
  EXPECT_EQ(result.end, WatchResult::End::Closed);
}

TEST_F(ClientAgainstDevServer, WatchFromCompactedResourceVersionIsGone) {
  std::string old_rv = client.create(kCm, "default", config_map("g", "1"))["metadata"]["resourceVersion"];
  client.patch(kCm, "default", "g", PatchType::Merge, {{"data", {{"key", "2"}}}});
  server.compact_history();
  ListOptions options;
  options.resource_version = old_rv;
  bool delivered = false;
  WatchResult result = client.watch(
      kCm, "default", options, [&](WatchEvent&&) { delivered = true; return true; }, 30s);
  EXPECT_EQ(result.end, WatchResult::End::Gone);
  EXPECT_FALSE(delivered);
}

TEST_F(ClientAgainstDevServer, ObserverSeesEveryRequestIncludingTransportFailures) {
  struct Call {
    std::string method, host;
    int code;
  };
  std::mutex mu;
  std::vector<Call> calls;
  client.set_request_observer([&](std::string_view method, std::string_view host, int code, double seconds) {
    EXPECT_GE(seconds, 0.0);
    std::lock_guard lock(mu);
    calls.push_back({std::string(method), std::string(host), code});
  });
  client.create(kCm, "default", config_map("obs", "x"));
  EXPECT_THROW(client.get(kCm, "default", "missing"), ApiError);
  server.stop();
  EXPECT_THROW(client.get(kCm, "default", "obs"), TransportError);
  std::lock_guard lock(mu);
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].method, "POST");
  EXPECT_EQ(calls[0].code, 201);
  EXPECT_EQ(calls[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(calls[1].method, "GET");
  EXPECT_EQ(calls[1].code, 404);
  EXPECT_EQ(calls[2].code, 0);
}

// Client-side TCP sockets (any state, TIME_WAIT included) whose remote port is `port`.
int client_sockets_to(int port) {
  std::ifstream tcp("/proc/self/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  int count = 0;
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote;
    fields >> slot >> local >> remote;
    auto colon = remote.find(':');
    if (colon != std::string::npos && std::stoi(remote.substr(colon + 1), nullptr, 16) == port) ++count;
  }
  return count;
}

TEST_F(ClientAgainstDevServer, SequentialRequestsReuseOneKeepAliveConnection) {
  for (int i = 0; i < 10; ++i) client.list(kCm, "default");
  client.create(kCm, "default", config_map("reuse", "x"));
  client.get(kCm, "default", "reuse");
  // Without reuse there would be a dozen sockets (open or in TIME_WAIT) towards the server.
  EXPECT_EQ(client_sockets_to(server.port()), 1);
}

TEST_F(ClientAgainstDevServer, ConcurrentRequestsFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string name = "c-" + std::to_string(t) + "-" + std::to_string(i);
        client.create(kCm, "default", config_map(name, "x"));
        if (client.get(kCm, "default", name)["metadata"]["name"] == name) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(client.list_all(kCm, "default")["items"].size(), 40u);
}

// --- TLS and authentication ---------------------------------------------------------------

constexpr const char* kToken = "s3cr3t-T0KEN-do-not-print";

TEST(ClientTls, VerifiesTheServerWithTheKubeconfigCaAndAcceptsTheToken) {
  DevServer server(DevServerOptions{.tls = true, .token = kToken, .extra_args = {}});
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  ASSERT_EQ(config.server.rfind("https://", 0), 0u);
  ASSERT_FALSE(config.ca_pem.empty());
  Client client(config);
  EXPECT_EQ(client.get(resources::kNamespaces, "", "default")["metadata"]["name"], "default");
  // Keep-alive connections are reused across requests (the observer sees them all succeed).
  for (int i = 0; i < 5; ++i) client.list(kCm, "default");
}

TEST(ClientTls, RefusesAServerSignedByAnotherCa) {
  DevServer server(DevServerOptions{.tls = true, .token = kToken, .extra_args = {}});
  DevServer other(DevServerOptions{.tls = true, .token = "", .extra_args = {}});
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.ca_pem = load_kubeconfig(other.kubeconfig_path()).ca_pem;
  Client client(config);
  std::string message = transport_error_of([&] { client.get(kCm, "default", "x"); });
  EXPECT_NE(message.find("TLS handshake"), std::string::npos) << message;
  EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
  EXPECT_EQ(message.find(kToken), std::string::npos);
}

TEST(ClientTls, ChecksTheHostName) {
  DevServer server(DevServerOptions{.tls = true, .token = kToken, .extra_args = {}});
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.tls_server_name = "not-the-server.example";
  Client client(config);
  std::string message = transport_error_of([&] { client.get(kCm, "default", "x"); });
  EXPECT_NE(message.find("certificate verify failed"), std::string::npos) << message;
  // "localhost" is in the certificate: the same override with a matching name works.
  config.tls_server_name = "localhost";
  Client matching(config);
  EXPECT_NO_THROW(matching.list(kCm, "default"));
}

TEST(ClientTls, InsecureSkipVerifyNeedsNoCa) {
  DevServer server(DevServerOptions{.tls = true, .token = kToken, .extra_args = {}});
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.ca_pem.clear();
  config.insecure_skip_tls_verify = true;
  EXPECT_NO_THROW(Client(config).list(kCm, "default"));
}

TEST(ClientAuth, WrongTokenIsUnauthorizedAndNeverPrinted) {
  DevServer server(DevServerOptions{.tls = true, .token = kToken, .extra_args = {}});
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.bearer_token = "wrong-T0KEN-also-secret";
  Client client(config);
  ApiError error = api_error_of([&] { client.get(kCm, "default", "x"); });
  EXPECT_EQ(error.code(), 401);
  EXPECT_TRUE(is_unauthorized(error));
  EXPECT_EQ(std::string(error.what()).find("T0KEN"), std::string::npos) << error.what();
  EXPECT_EQ(error.status().dump().find("T0KEN"), std::string::npos);

  config.bearer_token.clear();  // anonymous
  EXPECT_TRUE(is_unauthorized(api_error_of([&] { Client(config).list(kCm, "default"); })));
}

TEST(ClientAuth, TokenFileIsReReadAfterA401) {
  DevServer server(DevServerOptions{.tls = false, .token = kToken, .extra_args = {}});
  test::TempDir dir;
  test::write_file(dir / "token", "stale-token\n");
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.bearer_token.clear();
  config.token_file = dir / "token";
  Client client(config);
  std::vector<int> codes;
  client.set_request_observer([&](std::string_view, std::string_view, int code, double) { codes.push_back(code); });
  EXPECT_TRUE(is_unauthorized(api_error_of([&] { client.list(kCm, "default"); })));
  // The kubelet rotates the projected token: the next 401 makes the client re-read it.
  test::write_file(dir / "token", std::string(kToken) + "\n");
  EXPECT_NO_THROW(client.list(kCm, "default"));
  EXPECT_EQ(codes, (std::vector<int>{401, 401, 401, 200}));
}

TEST(ClientAuth, ExecPluginTokenIsCachedAndRefreshedOn401) {
  DevServer server(DevServerOptions{.tls = true, .token = kToken, .extra_args = {}});
  test::TempDir dir;
  // Counts its runs; prints the token found in a file so the test can "rotate" it.
  test::write_file(dir / "token", kToken);
  test::write_file(dir / "plugin.sh",
                   "#!/bin/sh\n"
                   "echo run >> \"$RUNS_FILE\"\n"
                   "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                   "\"status\":{\"token\":\"%s\",\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}' "
                   "\"$(cat \"$TOKEN_FILE\")\"\n",
                   true);
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.bearer_token.clear();
  ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1";
  exec.command = (dir / "plugin.sh").string();
  exec.env = {{"RUNS_FILE", (dir / "runs").string()}, {"TOKEN_FILE", (dir / "token").string()}};
  config.exec = exec;
  Client client(config);
  for (int i = 0; i < 3; ++i) client.list(kCm, "default");
  EXPECT_EQ(test::read_file(dir / "runs"), "run\n");  // cached until expiry

  // The server-side token does not change, so make the cached one wrong by restarting with a
  // new client whose plugin first prints a bad token: a 401 must re-run the plugin.
  test::write_file(dir / "token", "bad");
  test::write_file(dir / "runs", "");
  Client fresh(config);
  EXPECT_TRUE(is_unauthorized(api_error_of([&] { fresh.list(kCm, "default"); })));
  EXPECT_EQ(test::read_file(dir / "runs"), "run\nrun\n");  // first try + one refresh
  test::write_file(dir / "token", kToken);
  EXPECT_NO_THROW(fresh.list(kCm, "default"));
}

TEST(ClientAuth, ExecPluginClientCertificateIsLoadedIntoTheTlsContext) {
  // Certificates are the only credential this server accepts (no token), so a list succeeds
  // only if the plugin's certificate was really presented and verified.
  DevServer server(DevServerOptions{.tls = true, .token = {}, .extra_args = {}, .client_cert_auth = true});
  test::TempDir dir;
  test::write_file(dir / "credential.json",
                   json{{"apiVersion", "client.authentication.k8s.io/v1beta1"},
                        {"kind", "ExecCredential"},
                        {"status", {{"clientCertificateData", server.client_cert_pem()},
                                    {"clientKeyData", server.client_key_pem()}}}}
                       .dump());
  test::write_file(dir / "plugin.sh", "#!/bin/sh\ncat \"$1\"\n", true);
  RestConfig config = load_kubeconfig(server.kubeconfig_path());
  config.bearer_token.clear();
  config.client_cert_pem.clear();
  config.client_key_pem.clear();
  {
    Client without(config);
    EXPECT_THROW(without.list(kCm, "default"), std::exception) << "no credential at all must be refused";
  }
  ExecConfig exec;
  exec.api_version = "client.authentication.k8s.io/v1beta1";
  exec.command = (dir / "plugin.sh").string();
  exec.args = {(dir / "credential.json").string()};
  config.exec = exec;
  Client client(config);
  EXPECT_NO_THROW(client.list(kCm, "default"));
  EXPECT_NO_THROW(client.list(kCm, "default"));
  auto cert = redraft::devserver::generate_self_signed_certificate();

  // A plugin certificate whose key does not match is refused before anything is sent.
  auto other = redraft::devserver::generate_self_signed_certificate();
  test::write_file(dir / "credential.json",
                   json{{"apiVersion", "client.authentication.k8s.io/v1beta1"},
                        {"kind", "ExecCredential"},
                        {"status", {{"clientCertificateData", cert.cert_pem}, {"clientKeyData", other.key_pem}}}}
                       .dump());
  Client mismatched(config);
  EXPECT_THROW(mismatched.list(kCm, "default"), ConfigError);
}

TEST(ClientTransport, ConnectionRefusedIsATransportError) {
  int port;
  {
    DevServer server;
    port = server.port();
  }  // stopped: nothing listens on the port any more
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(port);
  config.bearer_token = kToken;
  Client client(config);
  std::string message = transport_error_of([&] { client.list(kCm, "default"); });
  EXPECT_NE(message.find("connect"), std::string::npos) << message;
  EXPECT_EQ(message.find(kToken), std::string::npos);
}

TEST(ClientConfig, UnusableTlsMaterialIsAConfigErrorNamingTheField) {
  RestConfig config;
  config.server = "https://127.0.0.1:1";
  config.ca_pem = "not a certificate";
  try {
    Client client(config);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "certificate-authority: not a valid PEM certificate");
  }
}

TEST(ClientConfig, ClientCertificateAndKeyMustBeValidAndMatch) {
  auto a = redraft::devserver::generate_self_signed_certificate();
  auto b = redraft::devserver::generate_self_signed_certificate();
  RestConfig config;
  config.server = "https://127.0.0.1:1";
  config.client_cert_pem = a.cert_pem;
  config.client_key_pem = a.key_pem;
  EXPECT_NO_THROW(Client{config});
  auto config_error = [](const RestConfig& c) {
    try {
      Client client(c);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("<no ConfigError>");
  };
  config.client_key_pem = b.key_pem;
  EXPECT_EQ(config_error(config), "client-key: does not match client-certificate");
  config.client_key_pem = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n";
  std::string garbage = config_error(config);
  EXPECT_EQ(garbage, "client-key: not a valid PEM private key");
  config.client_key_pem.clear();
  EXPECT_EQ(config_error(config), "client-certificate/client-key: both are needed");
}

}  // namespace
}  // namespace redraft::runtime
