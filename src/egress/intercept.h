#pragma once
// One intercepted CONNECT tunnel (docs/secrets.md): the proxy ends the client's TLS with a
// certificate from the installation's local CA, reads one request, has it inspected, and
// sends the result over its own verified TLS connection to the server, relaying the response
// back. One request per tunnel (Connection: close); clients reconnect for the next one.

#include <openssl/ssl.h>

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "egress/http_head.h"
#include "egress/inspect.h"
#include "egress/local_ca.h"

namespace chitin::egress {

struct InterceptParams {
  int client = -1;  // after "200 Connection established"; nothing read from it yet
  // Connects to the checked address; called only after the request was let through.
  std::function<Result<UniqueFd>()> connect;
  int stop_fd = -1;
  std::string host;  // the CONNECT host (name or IP literal)
  std::uint16_t port = 0;
  LocalCa* ca = nullptr;
  SSL_CTX* upstream = nullptr;                   // verifying client context
  const secrets::LeakScanner* stored = nullptr;  // masked out of the response
  std::function<Result<Inspection>(const ProxyRequest&, std::string_view body)> inspect;
};

struct InterceptOutcome {
  std::string problem;   // empty when the request went through
  bool blocked = false;  // the inspection refused it (see inspection)
  Inspection inspection;
  std::string method;
  std::uint64_t up = 0;
  std::uint64_t down = 0;
};

InterceptOutcome intercept_tunnel(const InterceptParams& params);

// The verifying client context the proxy uses towards servers (system trust store, or
// SSL_CERT_FILE / SSL_CERT_DIR when set), TLS 1.2 or later.
Result<SSL_CTX*> new_upstream_context();

}  // namespace chitin::egress
