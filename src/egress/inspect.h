#pragma once
// What the egress proxy does with a request it can read (plain HTTP, or HTTPS inside an
// intercepted tunnel): refuse a secret placeholder sent to a host its secret is not bound
// to, refuse any stored secret value (in any encoding the leak scanner knows) and any
// secret-shaped string (the privacy catalog's key formats), and only then substitute the
// run's granted secrets for their placeholders: raw in headers (and in bodies when the secret
// allows it), percent-encoded in the URL. Header-only secrets are added as their header.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "egress/http_head.h"
#include "egress/rules.h"
#include "privacy/detector.h"
#include "secrets/leak_scanner.h"

namespace chitin::egress {

struct GrantedSecret {
  std::string name;
  std::string value;
  std::vector<Rule> hosts;
  std::string header;  // header-only injection when set
  std::string format = "{}";
  bool body = false;
};

struct SecretScan {
  const std::vector<GrantedSecret>* granted = nullptr;
  const secrets::LeakScanner* stored = nullptr;  // every stored value, granted or not
  const privacy::Detector* shapes = nullptr;     // the catalog; only secret types count
  // The request goes out over TLS that the proxy verifies (an intercepted tunnel). Over
  // plain HTTP, values are substituted only for loopback IP literals: anywhere else the key
  // would cross the network in clear text to whoever answers for the name.
  bool encrypted = false;
};

struct Inspection {
  bool blocked = false;
  std::string reason;             // for the client and the audit log; never a value
  std::string secret;             // the secret's name, or the privacy type id of a shape
  std::string encoding;           // how a stored value appeared ("raw", "base64", ...)
  std::vector<std::string> used;  // granted secrets substituted into the request
  std::string outbound;           // head and body to send, when not blocked
};

// True when `name` is bound to host:port.
bool bound_to(const GrantedSecret& secret, std::string_view host, std::uint16_t port);

// `request` was parsed from the client; `body` is its Content-Length body.
Result<Inspection> inspect_request(const ProxyRequest& request, std::string_view body,
                                   std::uint16_t default_port, const SecretScan& scan);

}  // namespace chitin::egress
