#pragma once
// A loopback TCP front for the egress proxy's Unix socket, for host-side HTTP clients that
// can only speak to an HTTP proxy over TCP (libcurl 7.88 cannot use a Unix-socket proxy).
// It accepts a connection only from a source port the client registered beforehand
// (expect_port: the client binds its socket first), so no other local process can use it.
// One connection at a time; stopped and joined by the destructor.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::tools {

class ProxyRelay {
 public:
  static Result<std::unique_ptr<ProxyRelay>> start(std::string proxy_socket);
  ~ProxyRelay();
  ProxyRelay(const ProxyRelay&) = delete;
  ProxyRelay& operator=(const ProxyRelay&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void expect_port(std::uint16_t port);

  struct PrivateTag {};
  ProxyRelay(PrivateTag tag, std::string proxy_socket, UniqueFd listener, Pipe stop,
             std::uint16_t port);

 private:
  void run();
  void relay(UniqueFd client);
  std::string proxy_socket_;
  UniqueFd listener_;
  Pipe stop_;
  std::uint16_t port_;
  std::mutex mu_;
  std::set<std::uint16_t> expected_;  // guarded by mu_
  std::thread thread_;
};

// A TCP socket bound to 127.0.0.1 on an ephemeral port (not yet connected); its port.
Result<std::pair<UniqueFd, std::uint16_t>> bound_loopback_socket();

}  // namespace chitin::tools
