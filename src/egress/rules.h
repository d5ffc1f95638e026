#pragma once
// The egress allow-list and the address checks behind it.
//   "host"            the host on ports 80 and 443
//   "host:port"       the host on that port only
//   "*.domain[:port]" any name under domain (not domain itself)
//   "IP:port"         that literal address and port only (the one way to reach a private or
//                     loopback address, e.g. a test server; a name never counts for those)
// Names are matched case-insensitively against lower-case rules; a trailing dot is ignored.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin::egress {

struct Rule {
  std::string host;       // lower-case name, or the IP text for literal rules
  bool wildcard = false;  // "*.domain": host holds "domain"
  bool ip_literal = false;
  std::uint16_t port = 0;  // 0: 80 and 443
};

Result<Rule> parse_rule(std::string_view text);
Result<std::vector<Rule>> parse_rules(const std::vector<std::string>& texts);

// True if `host` (as the client wrote it) and `port` are allowed by some rule.
bool allowed(const std::vector<Rule>& rules, std::string_view host, std::uint16_t port);

// True for loopback, private, link-local (incl. cloud metadata), CGNAT, multicast, reserved,
// documentation and unspecified addresses, and for IPv6 forms that embed such an IPv4.
bool is_non_public(const sockaddr_storage& address);

// Parses an IP literal ("10.0.0.1", "::1", "[::1]" without brackets); false if not one.
bool parse_ip_literal(std::string_view text, sockaddr_storage& out);

std::string address_text(const sockaddr_storage& address);

}  // namespace chitin::egress
