// A loopback TCP server that answers with hand-written bytes, for transport behaviour no real
// API server produces on demand: a body cut mid-stream, a keep-alive connection closed while
// pooled, an answer that never comes. Kubernetes semantics are tested against the devserver.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace redraft::runtime::test {

class CannedServer {
 public:
  // `script(fd, n)` serves the n-th accepted connection (0-based); the fd is closed afterwards.
  explicit CannedServer(std::function<void(CannedServer&, int fd, int n)> script)
      : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 8) != 0) {
      throw std::runtime_error("CannedServer: cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CannedServer() {
    stopping_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  bool stopping() const { return stopping_.load(); }

  // Reads one request head (up to the blank line); returns it, or "" if the peer closed.
  std::string read_request(int fd) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (!wait_readable(fd)) return {};
      if (::read(fd, &c, 1) != 1) return {};
      head += c;
    }
    std::lock_guard lock(mutex_);
    requests_.push_back(head);
    return head;
  }
  static void write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  // Blocks until the test ends (for answers that never come).
  void hold() {
    while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  bool wait_readable(int fd) {
    while (!stopping_) {
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, 50);
      if (n > 0) return true;
      if (n < 0) return false;
    }
    return false;
  }
  void serve() {
    for (int n = 0; !stopping_;) {
      if (!wait_readable(listen_fd_)) break;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_++;
      script_(*this, fd, n++);
      ::close(fd);
    }
  }

  std::function<void(CannedServer&, int, int)> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

inline std::string http_json(int status, const std::string& body, bool keep_alive = true) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + "\r\n" + body;
}

}  // namespace redraft::runtime::test
