#include "http_get.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace redraft::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(socket, asio::buffer(bytes));
  std::string answer;
  boost::system::error_code ec;
  asio::read(socket, asio::dynamic_buffer(answer), ec);  // until the server closes
  if (ec && ec != asio::error::eof && ec != asio::error::connection_reset) {
    throw std::runtime_error("read failed: " + ec.message());
  }
  return answer;
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target) {
  const std::string answer = raw_exchange(
      port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  HttpReply result;
  const auto head_end = answer.find("\r\n\r\n");
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) {
    throw std::runtime_error("not an HTTP answer: " + answer.substr(0, 80));
  }
  result.status = std::stoi(answer.substr(9, 3));
  std::size_t pos = answer.find("\r\n") + 2;
  while (pos < head_end) {
    const auto end = answer.find("\r\n", pos);
    const auto line = answer.substr(pos, end - pos);
    const auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    result.headers[name] = value;
    pos = end + 2;
  }
  result.body = answer.substr(head_end + 4);
  return result;
}

}  // namespace redraft::testing
