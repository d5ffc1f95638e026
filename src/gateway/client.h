#pragma once
// A blocking client of the gateway's WebSocket API, for the CLI (`chitin agent` without
// --local, `chitin chat`): connects to http(s)://HOST:PORT, authenticates with a token in the
// `connect` frame (never in the URL), calls methods and reads pushed events. Over TLS the
// gateway's own certificate (gateway.tls_cert) is the only one trusted.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace chitin::gateway {

class Client {
 public:
  // `url`: "http://127.0.0.1:18790" or "https://host:port" (a path is ignored).
  // `pinned_cert`: PEM file of the certificate to trust for https (required for https).
  static Result<std::unique_ptr<Client>> connect(const std::string& url, const std::string& token,
                                                 const std::string& pinned_cert);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends a request and waits for its response (events arriving meanwhile are queued):
  // the payload, or the error the gateway answered (code and message).
  Result<nlohmann::json> call(const std::string& method, const nlohmann::json& params);
  // The next pushed event frame ({"type":"event",...}); blocks.
  Result<nlohmann::json> next_event();

  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);

 private:
  Result<nlohmann::json> read_frame();
  std::unique_ptr<Impl> impl_;
  std::int64_t next_id_ = 1;
};

// The URL a local client uses for the gateway of this config: 127.0.0.1 / ::1 for a wildcard
// bind, https when TLS is configured.
std::string local_gateway_url(const std::string& bind, std::int64_t port, bool tls);

}  // namespace chitin::gateway
