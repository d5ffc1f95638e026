#include "sandbox/bridge.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "sandbox/policy.h"

namespace chitin::sandbox {

namespace {

constexpr std::size_t kMaxPairs = 256;

struct Pair {
  UniqueFd tcp;
  UniqueFd unix_socket;
  bool tcp_open = true;
  bool unix_open = true;
};

UniqueFd connect_proxy() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, kProxySocketInSandbox.data(), kProxySocketInSandbox.size());
  if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return UniqueFd();
  }
  return fd;
}

}  // namespace

bool forward(int from, int to) {
  char buffer[32768];
  const ssize_t n = ::recv(from, buffer, sizeof(buffer), 0);
  if (n <= 0) {
    ::shutdown(to, SHUT_WR);
    return false;
  }
  std::size_t sent = 0;
  while (sent < static_cast<std::size_t>(n)) {
    const ssize_t m = ::send(to, buffer + sent, static_cast<std::size_t>(n) - sent, MSG_NOSIGNAL);
    if (m <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(m);
  }
  return true;
}

Result<UniqueFd> listen_bridge() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    return errno_fail("bridge socket");
  }
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(kProxyBridgePort);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd.get(), 64) != 0) {
    return errno_fail("bridge listen on 127.0.0.1:3128");
  }
  return fd;
}

void run_bridge(UniqueFd listener) {
  std::vector<Pair> pairs;
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({listener.get(), POLLIN, 0});
    // A finished side is left out (fd -1): its HUP/ERR must not wake the loop forever.
    for (const Pair& pair : pairs) {
      fds.push_back({pair.tcp_open ? pair.tcp.get() : -1, POLLIN, 0});
      fds.push_back({pair.unix_open ? pair.unix_socket.get() : -1, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      continue;
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      Pair& pair = pairs[i];
      if (fds[1 + 2 * i].revents != 0 && pair.tcp_open) {
        pair.tcp_open = forward(pair.tcp.get(), pair.unix_socket.get());
      }
      if (fds[2 + 2 * i].revents != 0 && pair.unix_open) {
        pair.unix_open = forward(pair.unix_socket.get(), pair.tcp.get());
      }
    }
    std::erase_if(pairs, [](const Pair& p) { return !p.tcp_open && !p.unix_open; });
    if (fds[0].revents != 0) {
      UniqueFd client(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client && pairs.size() < kMaxPairs) {
        UniqueFd upstream = connect_proxy();
        if (upstream) {
          pairs.push_back(Pair{std::move(client), std::move(upstream)});
        }
      }
    }
  }
}

}  // namespace chitin::sandbox
