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
  std::size_t content_length = 0;                            // the body that follows the head
};

// Bodies are read whole to be inspected; 8 MiB keeps a request's inspection (with its decoding
// views) near 100 MiB.
inline constexpr std::size_t kMaxBodyBytes = 8U << 20;

// Length of the head (through the blank line) if `buffer` holds a complete one; 0 if more
// bytes are needed; an error when the head is malformed or over kMaxHeadBytes.
Result<std::size_t> head_length(std::string_view buffer);

// Parses a complete head (as returned by head_length). A body is framed by Content-Length
// only (at most kMaxBodyBytes); Transfer-Encoding is refused.
Result<ProxyRequest> parse_proxy_request(std::string_view head);

// A request read inside an intercepted CONNECT tunnel to host:port: origin-form target
// ("/path?query") only; the host is the tunnel's, whatever the Host header says.
Result<ProxyRequest> parse_tunnelled_request(std::string_view head, std::string_view host,
                                             std::uint16_t port);

// The head to send to the origin server for an absolute-form request: origin-form target,
// Host set from the request, hop-by-hop and Proxy-* headers dropped, Connection: close.
std::string origin_head(const ProxyRequest& request, std::uint16_t default_port = 80);

}  // namespace chitin::egress
