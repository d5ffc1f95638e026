#include "support/http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include "base/check.h"

namespace chitin::testing {

UniqueFd listen_on_loopback(int& port) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHITIN_CHECK(
      ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
          ::listen(listener.get(), 16) == 0,
      "test server cannot listen");
  socklen_t length = sizeof(address);
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return listener;
}

LoopbackHttpServer::LoopbackHttpServer(std::string body) : body_(std::move(body)) {
  listener_ = listen_on_loopback(port_);
  thread_ = std::thread([this] {
    for (;;) {
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) {
        return;  // shut down
      }
      char buffer[4096];
      const ssize_t n = ::recv(client.get(), buffer, sizeof(buffer), 0);
      if (n > 0) {
        std::lock_guard lock(mu_);
        last_request_.assign(buffer, static_cast<std::size_t>(n));
      }
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_.size()) + "\r\n\r\n" + body_;
      (void)!::send(client.get(), response.data(), response.size(), MSG_NOSIGNAL);
    }
  });
}

LoopbackHttpServer::~LoopbackHttpServer() {
  ::shutdown(listener_.get(), SHUT_RDWR);
  thread_.join();
}

std::string LoopbackHttpServer::last_request() {
  std::lock_guard lock(mu_);
  return last_request_;
}

}  // namespace chitin::testing
