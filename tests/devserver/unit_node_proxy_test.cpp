// The pure pieces of the pods/log proxy: which node endpoint, which container, which URL, and
// how the node's response is framed (chunked bodies fed in every possible split).
#include "api_errors.hpp"
#include "node_proxy.hpp"

#include <gtest/gtest.h>

using namespace redraft::devserver;
using nlohmann::json;

namespace {

json node(json addresses, json port) {
  json n = {{"metadata", {{"name", "n"}}}, {"status", {{"addresses", addresses}}}};
  if (!port.is_null()) n["status"]["daemonEndpoints"] = {{"kubeletEndpoint", {{"Port", port}}}};
  return n;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return std::to_string(e.code()) + " " + e.what();
  }
  return "no error";
}

}  // namespace

TEST(KubeletEndpoint, NeedsAnInternalIpAndAPositivePort) {
  const json internal = {{{"type", "Hostname"}, {"address", "box"}}, {{"type", "InternalIP"}, {"address", "127.0.0.1"}}};
  auto ep = kubelet_endpoint(node(internal, 10250));
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, 10250);
  EXPECT_FALSE(kubelet_endpoint(node(internal, 0)));
  EXPECT_FALSE(kubelet_endpoint(node(internal, nullptr)));
  EXPECT_FALSE(kubelet_endpoint(node(internal, "10250")));
  EXPECT_FALSE(kubelet_endpoint(node(json::array({{{"type", "Hostname"}, {"address", "box"}}}), 10250)));
  EXPECT_FALSE(kubelet_endpoint(json::object()));
}

TEST(LogContainer, DefaultsToTheOnlyContainerAndRefusesUnknownOnes) {
  const json one = {{"metadata", {{"name", "p"}}}, {"spec", {{"containers", {{{"name", "main"}}}}, {"initContainers", {{{"name", "init"}}}}}}};
  EXPECT_EQ(log_container(one, ""), "main");
  EXPECT_EQ(log_container(one, "init"), "init");
  EXPECT_EQ(message_of([&] { log_container(one, "x"); }), "400 container x is not valid for pod p");
  json two = one;
  two["spec"]["containers"].push_back({{"name", "side"}});
  EXPECT_EQ(message_of([&] { log_container(two, ""); }),
            "400 a container name must be specified for pod p, choose one of: [main side] or one of the init containers: [init]");
}

TEST(ContainerLogsTarget, CarriesTheKubeletOptionsEncoded) {
  EXPECT_EQ(container_logs_target("ns", "p", "c", {}), "/containerLogs/ns/p/c");
  EXPECT_EQ(container_logs_target("ns", "p", "c",
                                  {{"container", "c"}, {"follow", "true"}, {"tailLines", "10"}, {"limitBytes", "5"},
                                   {"timestamps", "true"}, {"previous", "false"}, {"pretty", "x"},
                                   {"sinceTime", "2026-01-01T00:00:00Z"}}),
            "/containerLogs/ns/p/c?container=c&follow=true&previous=false&timestamps=true&tailLines=10&limitBytes=5"
            "&sinceTime=2026-01-01T00:00:00Z");
  EXPECT_EQ(container_logs_target("ns", "p", "c", {{"container", "a b&c"}}), "/containerLogs/ns/p/c?container=a%20b%26c");
  EXPECT_EQ(container_logs_target("ns", "p", "c", {{"tailLines", "0"}}), "/containerLogs/ns/p/c?tailLines=0");
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"tailLines", "-1"}, {"tailLines", "x"}, {"limitBytes", "0"}, {"sinceSeconds", "1s"}})
    EXPECT_EQ(message_of([&] { container_logs_target("ns", "p", "c", {{key, value}}); }).substr(0, 12),
              "400 invalid ")
        << key << "=" << value;
}

TEST(ResponseHead, ParsesStatusTypeAndFraming) {
  auto h = parse_response_head("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->content_type, "text/plain");
  EXPECT_TRUE(h->chunked);
  auto l = parse_response_head("HTTP/1.0 404 Not Found\r\ncontent-length:  12 ");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->status, 404);
  EXPECT_EQ(l->content_length, 12u);
  EXPECT_FALSE(parse_response_head("SSH-2.0-OpenSSH"));
  EXPECT_FALSE(parse_response_head("HTTP/1.1 abc"));
}

TEST(BodyDecoder, DecodesChunkedBodiesSplitAnywhere) {
  const std::string wire = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nIGNORED";
  ResponseHead head;
  head.status = 200;
  head.chunked = true;
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    BodyDecoder d(head);
    std::string out;
    ASSERT_TRUE(d.feed(std::string_view(wire).substr(0, split), out));
    ASSERT_TRUE(d.feed(std::string_view(wire).substr(split), out));
    EXPECT_EQ(out, "hello, world") << split;
    EXPECT_TRUE(d.done()) << split;
  }
  BodyDecoder broken(head);
  std::string out;
  EXPECT_FALSE(broken.feed("zz\r\n", out));
  BodyDecoder bad_end(head);
  EXPECT_FALSE(bad_end.feed("1\r\naXY\r\n", out));
}

TEST(BodyDecoder, LengthAndUntilCloseBodies) {
  ResponseHead sized;
  sized.status = 200;
  sized.content_length = 3;
  BodyDecoder d(sized);
  std::string out;
  EXPECT_TRUE(d.feed("abcdef", out));
  EXPECT_EQ(out, "abc");
  EXPECT_TRUE(d.done());
  ResponseHead open;
  open.status = 200;
  BodyDecoder u(open);
  std::string all;
  u.feed("x", all);
  u.feed("y", all);
  EXPECT_EQ(all, "xy");
  EXPECT_FALSE(u.done());
}

TEST(NodeErrorResponse, KeepsTheNodesStatusAndWords) {
  const auto r = node_error_response(404, "no such container\n", "p");
  EXPECT_EQ(r.status, 404);
  const json s = json::parse(r.body);
  EXPECT_EQ(s["reason"], "NotFound");
  EXPECT_EQ(s["message"], "no such container");
  EXPECT_EQ(s["details"]["kind"], "pods/log");
  const json empty = json::parse(node_error_response(503, "", "p").body);
  EXPECT_EQ(empty["message"], "the server is currently unable to handle the request");
}
