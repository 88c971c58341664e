// The node's kubelet-like HTTP endpoint on 127.0.0.1 (plain HTTP):
//   GET /containerLogs/{namespace}/{pod}/{container}?tailLines=&limitBytes=&timestamps=&previous=&follow=
// answered from the pod's log files under --root. `follow` is answered as a plain (non-follow)
// read of what has been written so far; `timestamps` is ignored (lines are stored without
// them); `previous` is 400, as containers never restart here. 404 for an unknown pod/container.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace redraft::localnode {

struct LogAnswer {
  int status = 200;
  std::string body;  // the log bytes, or an error text
};

// Pure apart from reading the files: answers one request target (path + query).
LogAnswer answer_log_request(const std::filesystem::path& root, std::string_view target);

// The newest pod directory for namespace/name (pods/<ns>_<name>_<uid>), if any.
std::optional<std::filesystem::path> find_pod_dir(const std::filesystem::path& root,
                                                  std::string_view ns, std::string_view name);

class LogServer {
 public:
  explicit LogServer(std::filesystem::path root);
  ~LogServer();
  LogServer(const LogServer&) = delete;
  LogServer& operator=(const LogServer&) = delete;

  // Binds 127.0.0.1:port (0 ⇒ ephemeral), serves on its own thread; returns the port.
  std::uint16_t start(std::uint16_t port = 0);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace redraft::localnode
