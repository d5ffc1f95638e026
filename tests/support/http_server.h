#pragma once
// A minimal HTTP server on 127.0.0.1:<ephemeral port> for tests: answers every request with
// "200 OK" and a fixed body, and keeps the last request it read. Stops when destroyed.

#include <mutex>
#include <string>
#include <thread>

#include "base/unique_fd.h"

namespace chitin::testing {

// A listening TCP socket on 127.0.0.1 with an ephemeral port, written to `port`.
UniqueFd listen_on_loopback(int& port);

class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(std::string body);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string last_request();

 private:
  std::string body_;
  UniqueFd listener_;
  int port_ = 0;
  std::mutex mu_;
  std::string last_request_;
  std::thread thread_;
};

}  // namespace chitin::testing
