// A stand-in for a node's kubelet endpoint in tests: a plain HTTP/1.1 server on 127.0.0.1 that
// records each request target and answers through a test-supplied function writing raw bytes.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace redraft::testing {

class FakeKubelet {
 public:
  // `respond(target, fd)` writes the whole response to `fd`; the connection is closed after.
  using Responder = std::function<void(const std::string& target, int fd)>;

  explicit FakeKubelet(Responder respond) : respond_(std::move(respond)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("fake kubelet: cannot listen");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeKubelet() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  FakeKubelet(const FakeKubelet&) = delete;
  FakeKubelet& operator=(const FakeKubelet&) = delete;

  int port() const { return port_; }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mu_);
    return targets_;
  }

  static void write_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  static void reply(int fd, int status, const std::string& body, const std::string& type = "text/plain") {
    write_all(fd, "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  }
  static void begin_chunked(int fd) {
    write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  }
  static void chunk(int fd, const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    write_all(fd, std::string(size) + data + "\r\n");
  }
  static void end_chunked(int fd) { write_all(fd, "0\r\n\r\n"); }

 private:
  void serve() {
    while (!stopping_) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      const auto sp1 = request.find(' ');
      const auto sp2 = request.find(' ', sp1 + 1);
      const std::string target = sp1 == std::string::npos || sp2 == std::string::npos
                                     ? ""
                                     : request.substr(sp1 + 1, sp2 - sp1 - 1);
      {
        std::lock_guard lock(mu_);
        targets_.push_back(target);
      }
      respond_(target, fd);
      ::shutdown(fd, SHUT_WR);
      ::close(fd);
    }
  }

  Responder respond_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
};

}  // namespace redraft::testing
