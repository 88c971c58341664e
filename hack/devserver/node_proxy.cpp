#include "node_proxy.hpp"

#include "api_errors.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace redraft::devserver {

using nlohmann::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string percent_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> container_names(const json& spec, const char* field) {
  std::vector<std::string> out;
  auto it = spec.find(field);
  if (it == spec.end() || !it->is_array()) return out;
  for (const auto& c : *it)
    if (c.is_object() && c.contains("name") && c["name"].is_string()) out.push_back(c["name"].get<std::string>());
  return out;
}

std::string bracketed(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out + "]";
}

std::string url_host(const KubeletEndpoint& node) {
  const std::string host = node.host.find(':') != std::string::npos ? "[" + node.host + "]" : node.host;
  return host + ":" + std::to_string(node.port);
}

HttpResponse status_response(int code, const std::string& reason, const std::string& message,
                             json details = json::object()) {
  return HttpResponse{code, "application/json", ApiError(code, reason, message, std::move(details)).to_status().dump(), {}};
}

// Closes the socket on every path out of proxy_get.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Go's net error wording, so the message reads like kube-apiserver's ("connect: connection refused").
std::string errno_text(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Connects with a deadline; "" on success, otherwise why not (Go's dial wording).
std::string connect_with_timeout(Fd& sock, const KubeletEndpoint& node, std::chrono::seconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(node.port);
  if (int rc = ::getaddrinfo(node.host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found)
    return "lookup " + node.host + ": " + ::gai_strerror(rc);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  sock.fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, found->ai_protocol);
  if (sock.fd < 0) return "socket: " + errno_text(errno);
  if (::connect(sock.fd, found->ai_addr, found->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return "connect: " + errno_text(errno);
    pollfd p{sock.fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
    if (ready <= 0) return "i/o timeout";
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return "connect: " + errno_text(err);
  }
  return "";
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 10000) <= 0) return false;
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<KubeletEndpoint> kubelet_endpoint(const json& node) {
  if (!node.is_object() || !node.contains("status") || !node["status"].is_object()) return std::nullopt;
  const json& status = node["status"];
  KubeletEndpoint ep;
  try {
    ep.port = status.at("daemonEndpoints").at("kubeletEndpoint").at("Port").get<int>();
  } catch (const json::exception&) {
    return std::nullopt;
  }
  if (ep.port <= 0 || ep.port > 65535) return std::nullopt;
  for (const auto& a : status.value("addresses", json::array()))
    if (a.is_object() && a.value("type", "") == "InternalIP" && a.contains("address") && a["address"].is_string()) {
      ep.host = a["address"].get<std::string>();
      break;
    }
  if (ep.host.empty()) return std::nullopt;
  return ep;
}

std::string log_container(const json& pod, const std::string& requested) {
  const std::string name = pod["metadata"].value("name", "");
  const json spec = pod.value("spec", json::object());
  const auto containers = container_names(spec, "containers");
  const auto init = container_names(spec, "initContainers");
  const auto ephemeral = container_names(spec, "ephemeralContainers");
  if (requested.empty()) {
    if (containers.size() == 1) return containers.front();
    std::string msg = "a container name must be specified for pod " + name + ", choose one of: " + bracketed(containers);
    if (!init.empty()) msg += " or one of the init containers: " + bracketed(init);
    if (!ephemeral.empty()) msg += " or one of the ephemeral containers: " + bracketed(ephemeral);
    throw bad_request(msg);
  }
  for (const auto* list : {&containers, &init, &ephemeral})
    for (const auto& c : *list)
      if (c == requested) return c;
  throw bad_request("container " + requested + " is not valid for pod " + name);
}

std::string container_logs_target(const std::string& ns, const std::string& pod,
                                  const std::string& container,
                                  const std::map<std::string, std::string>& query) {
  std::string target = "/containerLogs/" + percent_encode(ns) + "/" + percent_encode(pod) + "/" + percent_encode(container);
  std::string q;
  for (const char* key : {"container", "follow", "previous", "timestamps", "tailLines", "limitBytes",
                          "sinceSeconds", "sinceTime"}) {
    auto it = query.find(key);
    if (it == query.end()) continue;
    const std::string k = key;
    if (k == "tailLines" || k == "limitBytes" || k == "sinceSeconds") {
      std::size_t used = 0;
      long v = -1;
      try {
        v = std::stol(it->second, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != it->second.size() || v < 0 || (k != "tailLines" && v == 0))
        throw bad_request("invalid " + k + " \"" + it->second + "\": must be " +
                          (k == "tailLines" ? "a non-negative integer" : "a positive integer"));
    }
    q += (q.empty() ? "?" : "&") + k + "=" + percent_encode(it->second);
  }
  return target + q;
}

std::optional<ResponseHead> parse_response_head(std::string_view head) {
  auto eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return std::nullopt;
  ResponseHead out;
  try {
    out.status = std::stoi(std::string(status_line.substr(9, 3)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (out.status < 100 || out.status > 999) return std::nullopt;
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key = lower(std::string(line.substr(0, colon)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (key == "content-type") out.content_type = std::string(value);
    if (key == "transfer-encoding" && lower(std::string(value)).find("chunked") != std::string::npos) out.chunked = true;
    if (key == "content-length") {
      try {
        out.content_length = static_cast<std::size_t>(std::stoull(std::string(value)));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  if (out.chunked) out.content_length.reset();
  return out;
}

BodyDecoder::BodyDecoder(const ResponseHead& head)
    : state_(head.chunked ? State::kChunkSize : head.content_length ? State::kLength : State::kUntilClose),
      remaining_(head.content_length.value_or(0)) {
  if (state_ == State::kLength && remaining_ == 0) state_ = State::kDone;
  // 1xx, 204 and 304 responses carry no body.
  if (head.status == 204 || head.status == 304 || head.status < 200) state_ = State::kDone;
}

bool BodyDecoder::feed(std::string_view data, std::string& out) {
  while (!data.empty() && state_ != State::kDone) {
    switch (state_) {
      case State::kUntilClose:
        out.append(data);
        return true;
      case State::kLength:
      case State::kChunkData: {
        const std::size_t n = std::min(remaining_, data.size());
        out.append(data.substr(0, n));
        data.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) state_ = state_ == State::kLength ? State::kDone : State::kChunkDataEnd;
        break;
      }
      case State::kChunkSize:
      case State::kChunkDataEnd:
      case State::kTrailer: {
        const auto nl = data.find('\n');
        line_.append(data.substr(0, nl));
        if (nl == std::string_view::npos) {
          if (line_.size() > 4096) return false;
          return true;
        }
        data.remove_prefix(nl + 1);
        std::string line = std::move(line_);
        line_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (state_ == State::kChunkDataEnd) {
          if (!line.empty()) return false;
          state_ = State::kChunkSize;
        } else if (state_ == State::kTrailer) {
          if (line.empty()) state_ = State::kDone;
        } else {
          const std::string size = line.substr(0, line.find(';'));
          std::size_t used = 0;
          try {
            remaining_ = std::stoull(size, &used, 16);
          } catch (const std::exception&) {
            return false;
          }
          if (used == 0) return false;
          state_ = remaining_ == 0 ? State::kTrailer : State::kChunkData;
        }
        break;
      }
      case State::kDone: break;
    }
  }
  return true;
}

HttpResponse node_error_response(int status, const std::string& body, const std::string& pod) {
  std::string reason = "InternalError";
  std::string message = "the server responded with the status code " + std::to_string(status) +
                        " but did not return more information";
  switch (status) {
    case 400: reason = "BadRequest"; message = "the server rejected our request for an unknown reason"; break;
    case 401: reason = "Unauthorized"; message = "the server has asked for the client to provide credentials"; break;
    case 403: reason = "Forbidden"; message = "the server does not allow access to the requested resource"; break;
    case 404: reason = "NotFound"; message = "the server could not find the requested resource"; break;
    case 409: reason = "Conflict"; break;
    case 429: reason = "TooManyRequests"; break;
    case 503: reason = "ServiceUnavailable"; message = "the server is currently unable to handle the request"; break;
    default: break;
  }
  std::string text = body.substr(0, 4096);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  // The node's own words say what is wrong (e.g. which container is unknown); keep them.
  if (!text.empty()) message = text;
  json details = {{"name", pod}, {"kind", "pods/log"}};
  if (!text.empty()) details["causes"] = json::array({{{"reason", "UnexpectedServerResponse"}, {"message", text}}});
  return status_response(status < 400 ? 500 : status, reason, message, details);
}

std::optional<HttpResponse> proxy_get(const KubeletEndpoint& node, const std::string& target,
                                      const std::string& pod, ChunkedWriter& writer,
                                      const std::atomic<bool>& stop, std::chrono::seconds connect_timeout) {
  const std::string url = "http://" + url_host(node) + target;
  auto failed = [&](const std::string& why) {
    return status_response(500, "InternalError", "Get \"" + url + "\": " + why);
  };
  Fd sock;
  if (auto err = connect_with_timeout(sock, node, connect_timeout); !err.empty())
    return failed("dial tcp " + url_host(node) + ": " + err);
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + url_host(node) +
                              "\r\nUser-Agent: redraft-devserver\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  if (!send_all(sock.fd, request)) return failed("write: " + errno_text(errno ? errno : EPIPE));

  std::string head_bytes;
  std::optional<ResponseHead> head;
  std::optional<BodyDecoder> decoder;
  std::string body;         // decoded bytes not yet relayed (or an error body being collected)
  bool relaying = false;    // 2xx: the response has begun towards the client
  const auto header_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  char buf[16384];
  for (;;) {
    if (stop) break;
    pollfd p{sock.fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, 1000);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) {
      if (writer.peer_closed()) break;  // the client went away (e.g. kubectl logs -f ended)
      if (!head && std::chrono::steady_clock::now() > header_deadline)
        return failed("net/http: timeout awaiting response headers");
      continue;
    }
    const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;  // the node closed the connection: until-close bodies end here
    std::string_view data(buf, static_cast<std::size_t>(n));
    if (!head) {
      head_bytes.append(data);
      const auto end = head_bytes.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (head_bytes.size() > 65536) return failed("net/http: response headers too large");
        continue;
      }
      head = parse_response_head(std::string_view(head_bytes).substr(0, end));
      if (!head) return failed("malformed HTTP response");
      decoder.emplace(*head);
      data = std::string_view(head_bytes).substr(end + 4);
      if (head->status >= 200 && head->status < 300) {
        relaying = writer.begin(head->status, head->content_type.empty() ? "text/plain" : head->content_type);
        if (!relaying) return std::nullopt;
      }
    }
    if (!decoder->feed(data, body)) {
      if (!relaying) return failed("malformed chunked encoding");
      break;
    }
    if (relaying && !body.empty()) {
      if (!writer.chunk(body)) return std::nullopt;
      body.clear();
    }
    if (!relaying && body.size() > 65536) break;  // an error body: enough to report
    if (decoder->done()) break;
  }
  if (!head) return failed("EOF");
  if (!relaying) return node_error_response(head->status, body, pod);
  return std::nullopt;
}

}  // namespace redraft::devserver
