#pragma once
// The gateway server: HTTP/1.1 and WebSocket on one port (Boost.Beast), loopback by default,
// TLS required anywhere else, no auth-less mode. docs/gateway.md describes the routes, the
// WebSocket API and every limit.
//
// Lifetime: create() validates the options and binds; start() runs the I/O threads; stop()
// (any thread, idempotent) closes the listener and every connection; the destructor stops.

#include <memory>
#include <string>

#include "audit/log.h"
#include "base/result.h"
#include "gateway/context.h"

namespace chitin::gateway {

class Server {
 public:
  static Result<std::unique_ptr<Server>> create(GatewayOptions options, audit::AuditLog& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Result<void> start();
  void stop();
  // Blocks until stop() has been called and the threads have finished.
  void wait();

  [[nodiscard]] int port() const;
  [[nodiscard]] GatewayContext& context();

  struct Impl;

 private:
  struct PrivateTag {};

 public:
  // Use create(); the tag keeps the constructor out of reach of everyone else.
  Server(PrivateTag tag, std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// Why a bind/TLS combination is refused; empty when it is acceptable. Exposed for tests and
// for `chitin gateway` to say exactly what to configure.
std::string insecure_bind_reason(const std::string& bind, const config::GatewayConfig& gateway);

}  // namespace chitin::gateway
