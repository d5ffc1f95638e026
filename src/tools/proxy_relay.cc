#include "tools/proxy_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox/bridge.h"

namespace chitin::tools {

Result<std::pair<UniqueFd, std::uint16_t>> bound_loopback_socket() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return errno_fail("socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return errno_fail("bind a loopback socket");
  }
  return std::pair<UniqueFd, std::uint16_t>(std::move(fd), ntohs(address.sin_port));
}

Result<std::unique_ptr<ProxyRelay>> ProxyRelay::start(std::string proxy_socket) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) {
    return errno_fail("relay socket");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener.get(), 8) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return errno_fail("relay listen on 127.0.0.1");
  }
  Pipe stop = CHITIN_TRY(make_pipe());
  auto relay =
      std::make_unique<ProxyRelay>(PrivateTag{}, std::move(proxy_socket), std::move(listener),
                                   std::move(stop), ntohs(address.sin_port));
  relay->thread_ = std::thread([raw = relay.get()] { raw->run(); });
  return relay;
}

ProxyRelay::ProxyRelay(PrivateTag /*tag*/, std::string proxy_socket, UniqueFd listener, Pipe stop,
                       std::uint16_t port)
    : proxy_socket_(std::move(proxy_socket)),
      listener_(std::move(listener)),
      stop_(std::move(stop)),
      port_(port) {}

ProxyRelay::~ProxyRelay() {
  const char byte = 0;
  (void)!::write(stop_.write.get(), &byte, 1);
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ProxyRelay::expect_port(std::uint16_t port) {
  std::lock_guard lock(mu_);
  expected_.insert(port);
}

void ProxyRelay::run() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_.read.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      continue;
    }
    if (fds[1].revents != 0) {
      return;
    }
    sockaddr_in peer{};
    socklen_t length = sizeof(peer);
    UniqueFd client(
        ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC));
    if (!client) {
      continue;
    }
    bool expected = false;
    {
      std::lock_guard lock(mu_);
      expected = expected_.erase(ntohs(peer.sin_port)) == 1;
    }
    if (expected && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
      relay(std::move(client));
    }
  }
}

void ProxyRelay::relay(UniqueFd client) {
  UniqueFd upstream(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (!upstream || proxy_socket_.size() >= sizeof(address.sun_path)) {
    return;
  }
  proxy_socket_.copy(address.sun_path, sizeof(address.sun_path) - 1);
  if (::connect(upstream.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return;
  }
  bool client_open = true;
  bool upstream_open = true;
  while (client_open || upstream_open) {
    pollfd fds[3] = {{client_open ? client.get() : -1, POLLIN, 0},
                     {upstream_open ? upstream.get() : -1, POLLIN, 0},
                     {stop_.read.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      continue;
    }
    if (fds[2].revents != 0) {
      return;
    }
    if (fds[0].revents != 0 && client_open) {
      client_open = sandbox::forward(client.get(), upstream.get());
    }
    if (fds[1].revents != 0 && upstream_open) {
      upstream_open = sandbox::forward(upstream.get(), client.get());
      if (!upstream_open) {
        return;  // the proxy finished: the response is complete
      }
    }
  }
}

}  // namespace chitin::tools
