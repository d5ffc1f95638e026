#pragma once
// A minimal HTTPS server on 127.0.0.1:<ephemeral port> for tests, with a certificate from a
// test CA of its own (made with egress::LocalCa, written to `ca_file` for whoever must trust
// it). Reads one request per connection (head and Content-Length body), keeps the last one,
// and answers "200 OK" with a fixed body, or with the request itself when echoing.

#include <openssl/ssl.h>

#include <mutex>
#include <string>
#include <thread>

#include "base/unique_fd.h"

namespace chitin::testing {

class TlsHttpServer {
 public:
  TlsHttpServer(const std::string& dir, std::string body, bool echo = false);
  ~TlsHttpServer();
  TlsHttpServer(const TlsHttpServer&) = delete;
  TlsHttpServer& operator=(const TlsHttpServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& ca_file() const { return ca_file_; }
  [[nodiscard]] std::string last_request();
  [[nodiscard]] int requests();

 private:
  std::string body_;
  bool echo_;
  std::string ca_file_;
  SSL_CTX* context_ = nullptr;
  UniqueFd listener_;
  int port_ = 0;
  std::mutex mu_;
  std::string last_request_;
  int requests_ = 0;
  std::thread thread_;
};

}  // namespace chitin::testing
