// Watch stream decoding and server URL parsing: pure parts of the transport.
#include <gtest/gtest.h>

#include "tests/runtime_client/test_support.hpp"
#include "operator/runtime/client/transport.hpp"
#include "operator/runtime/client/watch_decoder.hpp"

namespace redraft::runtime {
namespace {

TEST(WatchDecoder, EventsSplitAcrossArbitraryChunks) {
  std::string stream =
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}})" "\n"
      "\n"
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}})" "\r\n";
  // Feed one byte at a time: no event may appear before its newline.
  WatchDecoder decoder;
  std::vector<WatchEvent> events;
  for (char c : stream) {
    for (auto& e : decoder.feed(std::string_view(&c, 1))) events.push_back(std::move(e));
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "ADDED");
  EXPECT_EQ(events[0].object["metadata"]["name"], "a");
  EXPECT_EQ(events[1].type, "BOOKMARK");
  EXPECT_EQ(decoder.pending(), 0u);
}

TEST(WatchDecoder, KeepsAnIncompleteTail) {
  WatchDecoder decoder;
  auto first = decoder.feed(R"({"type":"DELETED","object":{}})" "\n" R"({"type":"MOD)");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].type, "DELETED");
  EXPECT_EQ(decoder.pending(), 12u);
  auto second = decoder.feed(R"(IFIED","object":{"x":1}})" "\n");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].type, "MODIFIED");
  EXPECT_EQ(second[0].object["x"], 1);
}

TEST(WatchDecoder, MalformedLinesAreTransportErrors) {
  WatchDecoder decoder;
  EXPECT_THROW(decoder.feed("{not json}\n"), TransportError);
  EXPECT_THROW(decode_watch_line(R"({"object":{}})"), TransportError);
  EXPECT_THROW(decode_watch_line("[1,2]"), TransportError);
}

TEST(WatchDecoder, AnEndlessLineIsRefusedInsteadOfBuffered) {
  WatchDecoder decoder;
  std::string chunk(1 << 20, 'x');
  std::size_t fed = 0;
  std::string message;
  try {
    while (fed <= WatchDecoder::kMaxEventBytes) {
      decoder.feed(chunk);
      fed += chunk.size();
    }
  } catch (const TransportError& e) {
    message = e.what();
  }
  EXPECT_EQ(message, "watch stream: an event exceeds 64 MiB");
  EXPECT_EQ(decoder.pending(), 0u);
}

TEST(ParseServerUrl, SchemesPortsAndPrefix) {
  Endpoint https = parse_server_url("https://127.0.0.1:6443");
  EXPECT_TRUE(https.tls);
  EXPECT_EQ(https.host, "127.0.0.1");
  EXPECT_EQ(https.port, "6443");
  EXPECT_EQ(https.base_path, "");
  EXPECT_EQ(https.authority, "127.0.0.1:6443");

  Endpoint http = parse_server_url("http://localhost/k8s/clusters/c1/");
  EXPECT_FALSE(http.tls);
  EXPECT_EQ(http.port, "80");
  EXPECT_EQ(http.base_path, "/k8s/clusters/c1");

  Endpoint v6 = parse_server_url("https://[::1]:8443");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.authority, "[::1]:8443");
  EXPECT_EQ(parse_server_url("https://example.com").port, "443");
}

TEST(ParseServerUrl, RejectsUnusableUrls) {
  auto message = [](std::string_view url) {
    return test::what_thrown<ConfigError>([&] { parse_server_url(url); });
  };
  EXPECT_EQ(message(""), "server: must not be empty");
  EXPECT_EQ(message("127.0.0.1:6443"), "server: not an absolute URL: \"127.0.0.1:6443\"");
  EXPECT_EQ(message("ftp://h"), "server: unsupported scheme \"ftp\" (http or https)");
  EXPECT_EQ(message("https://user:pw@h"), "server: must not contain user information");
  EXPECT_EQ(message("not a url"), "server: not an absolute URL: \"not a url\"");
  // Unparseable URLs are quoted without their userinfo.
  EXPECT_EQ(message("https://u:secret@bad host"), "server: not an absolute URL: \"https://***@bad host\"");
  // A password with a space or a '/' in it: everything up to the last '@' goes.
  EXPECT_EQ(message("https://u:sec ret@h"), "server: not an absolute URL: \"https://***@h\"");
  // Parses as scheme "u" without a host: neither the "scheme" nor the password is quoted.
  EXPECT_EQ(message("u:secret@h:6443"), "server: not an absolute URL: \"***@h:6443\"");
  EXPECT_EQ(message("localhost:6443"), "server: not an absolute URL: \"localhost:6443\"");
  // Parseable URLs with userinfo were already refused without quoting them.
  EXPECT_EQ(message("https://u:secret@h"), "server: must not contain user information");
  // Nothing to hide: the value is quoted as it was.
  EXPECT_EQ(message("https://bad host"), "server: not an absolute URL: \"https://bad host\"");
}

}  // namespace
}  // namespace redraft::runtime
