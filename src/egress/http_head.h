#pragma once
// The request head a client sends to the egress proxy (RFC 9110 §9.3.6 CONNECT, RFC 9112
// §3.2.2 absolute-form). Bounded and strict: anything ambiguous is refused.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace chitin::egress {

inline constexpr std::size_t kMaxHeadBytes = 16 * 1024;
inline constexpr std::size_t kMaxHeaders = 100;

struct ProxyRequest {
  bool connect = false;  // CONNECT host:port, else absolute-form http://
  std::string method;
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;
  std::string origin_target;                                 // absolute-form only: "/path?query"
  std::vector<std::pair<std::string, std::string>> headers;  // absolute-form only
};

// Length of the head (through the blank line) if `buffer` holds a complete one; 0 if more
// bytes are needed; an error when the head is malformed or over kMaxHeadBytes.
Result<std::size_t> head_length(std::string_view buffer);

// Parses a complete head (as returned by head_length).
Result<ProxyRequest> parse_proxy_request(std::string_view head);

// The head to send to the origin server for an absolute-form request: origin-form target,
// Host set from the request, hop-by-hop and Proxy-* headers dropped, Connection: close.
std::string origin_head(const ProxyRequest& request);

}  // namespace chitin::egress
