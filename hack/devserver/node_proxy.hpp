// pods/log the way kube-apiserver serves it: a proxy to the node's kubelet endpoint
// (GET http://<InternalIP>:<kubeletEndpoint.Port>/containerLogs/{ns}/{pod}/{container}), with the
// status and body passed through and follow streams relayed as they come. The decisions
// (which endpoint, which container, which URL, how the response is framed) are pure functions;
// proxy_get() is the one piece of I/O.
#pragma once

#include "http_types.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace redraft::devserver {

struct KubeletEndpoint {
  std::string host;  // the node's InternalIP address
  int port = 0;
};

// The node's kubelet endpoint: status.addresses[type=InternalIP].address and
// status.daemonEndpoints.kubeletEndpoint.Port (> 0); nullopt when either is missing.
std::optional<KubeletEndpoint> kubelet_endpoint(const nlohmann::json& node);

// The container a log request is for, as kube-apiserver decides it: `requested` when it names
// one of the pod's (init/ephemeral) containers; with none requested, the pod's only container.
// Throws ApiError 400 with kube-apiserver's message otherwise.
std::string log_container(const nlohmann::json& pod, const std::string& requested);

// "/containerLogs/{ns}/{pod}/{container}?..." carrying the log options of `query` that a
// kubelet understands (container, follow, previous, timestamps, tailLines, limitBytes,
// sinceSeconds, sinceTime), percent-encoded. Integer options are checked (400 naming them).
std::string container_logs_target(const std::string& ns, const std::string& pod,
                                  const std::string& container,
                                  const std::map<std::string, std::string>& query);

// The status line and headers of an HTTP/1.x response.
struct ResponseHead {
  int status = 0;
  std::string content_type;
  bool chunked = false;
  std::optional<std::size_t> content_length;  // neither chunked nor a length: until close
};
// Parses everything before the blank line; nullopt when it is not an HTTP/1.x response head.
std::optional<ResponseHead> parse_response_head(std::string_view head);

// Turns the bytes after the response head into body bytes (chunked, Content-Length or
// until-close framing), fed in whatever pieces the socket delivers.
class BodyDecoder {
 public:
  explicit BodyDecoder(const ResponseHead& head);
  // Appends the body bytes found in `data` to `out`; false when the chunked framing is broken.
  bool feed(std::string_view data, std::string& out);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kUntilClose, kLength, kChunkSize, kChunkData, kChunkDataEnd, kTrailer, kDone };
  State state_;
  std::size_t remaining_ = 0;
  std::string line_;
};

// A Status for a node that answered `status` with `body` (kube-apiserver's generic server
// response: reason from the code; the node's own text as the message when it sent one).
HttpResponse node_error_response(int status, const std::string& body, const std::string& pod);

// GET http://host:port<target>, relayed through `writer` (status, Content-Type, body as it
// arrives) until the node ends the response, the client goes away or `stop` is set. Returns
// nullopt when it streamed; a 500 Status when the node cannot be reached or answers garbage
// before anything was relayed (message like kube-apiserver's: `Get "<url>": dial tcp ...`);
// node errors (non-2xx) become a Status via node_error_response.
std::optional<HttpResponse> proxy_get(const KubeletEndpoint& node, const std::string& target,
                                      const std::string& pod, ChunkedWriter& writer,
                                      const std::atomic<bool>& stop,
                                      std::chrono::seconds connect_timeout = std::chrono::seconds(10));

}  // namespace redraft::devserver
