#pragma once
// Server Name Indication from a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3), so the proxy
// can check that a CONNECT tunnel talks TLS to the host it named.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chitin::egress {

enum class SniStatus { kNeedMore, kNotTls, kNoSni, kFound };

struct SniResult {
  SniStatus status = SniStatus::kNeedMore;
  std::string name;  // lower-case when kFound
};

// Looks at the first bytes a client sent in a tunnel. Bounded: reads only the first TLS
// record (at most 16 KiB + 5); malformed handshakes are reported as kNotTls.
SniResult extract_sni(std::string_view bytes);

// True when a TLS SNI names the CONNECT host: compared case-insensitively, and a host written
// with a trailing dot ("example.com.") is the same name (SNI never carries the dot).
bool sni_names_host(std::string_view sni, std::string_view host);

}  // namespace chitin::egress
