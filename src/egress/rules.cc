#include "egress/rules.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "base/ascii.h"
#include "base/parse.h"
#include "config/schema.h"

namespace chitin::egress {

namespace {

// Lower case without the root's trailing dot: "Example.COM." and "example.com" are one host.
std::string canonical_host(std::string_view text) {
  std::string out = ascii_lower(text);
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

bool in_v4(std::uint32_t address, std::uint32_t network, int prefix) {
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (address & mask) == (network & mask);
}

bool v4_non_public(std::uint32_t a) {
  struct Range {
    std::uint32_t network;
    int prefix;
  };
  static constexpr Range kRanges[] = {
      {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},  {0xA9FE0000, 16},
      {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
      {0xC6336400, 24}, {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
  };
  for (const Range& r : kRanges) {
    if (in_v4(a, r.network, r.prefix)) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Rule> parse_rule(std::string_view text) {
  CHITIN_RETURN_IF_ERROR(config::check_host_pattern(text));
  Rule rule;
  std::string_view host = text;
  std::string_view port;
  if (host.front() == '[') {
    const auto close = host.find(']');
    port = close + 1 < host.size() ? host.substr(close + 2) : std::string_view();
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (!port.empty()) {
    rule.port = CHITIN_TRY(parse_integer<std::uint16_t>(port, 1, 65535));
  }
  if (host.starts_with("*.")) {
    rule.wildcard = true;
    host.remove_prefix(2);
  }
  sockaddr_storage ignored{};
  rule.ip_literal = parse_ip_literal(host, ignored);
  if (rule.ip_literal && rule.port == 0) {
    return fail(ErrorCode::kInvalidInput,
                "egress rule '{}': an IP address must be allowed with its port (IP:port)", text);
  }
  rule.host = canonical_host(host);
  return rule;
}

Result<std::vector<Rule>> parse_rules(const std::vector<std::string>& texts) {
  std::vector<Rule> rules;
  for (const std::string& text : texts) {
    rules.push_back(CHITIN_TRY(parse_rule(text)));
  }
  return rules;
}

bool allowed(const std::vector<Rule>& rules, std::string_view host_text, std::uint16_t port) {
  const std::string host = canonical_host(host_text);
  for (const Rule& rule : rules) {
    const bool port_ok = rule.port == 0 ? (port == 80 || port == 443) : rule.port == port;
    if (!port_ok) {
      continue;
    }
    if (rule.wildcard) {
      if (host.size() > rule.host.size() + 1 && host.ends_with("." + rule.host)) {
        return true;
      }
    } else if (host == rule.host) {
      return true;
    }
  }
  return false;
}

bool is_non_public(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    return v4_non_public(ntohl(v4.sin_addr.s_addr));
  }
  if (address.ss_family != AF_INET6) {
    return true;
  }
  const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
  const std::uint8_t* b = v6.sin6_addr.s6_addr;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr std::uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) {
    const std::uint32_t embedded = (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                                   (std::uint32_t{b[14]} << 8) | b[15];
    return v4_non_public(embedded);
  }
  if (IN6_IS_ADDR_UNSPECIFIED(&v6.sin6_addr) || IN6_IS_ADDR_LOOPBACK(&v6.sin6_addr) ||
      IN6_IS_ADDR_MULTICAST(&v6.sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&v6.sin6_addr) ||
      IN6_IS_ADDR_SITELOCAL(&v6.sin6_addr) || IN6_IS_ADDR_V4COMPAT(&v6.sin6_addr)) {
    return true;
  }
  if ((b[0] & 0xfe) == 0xfc) {  // fc00::/7 unique local (includes fd00:ec2::254 metadata)
    return true;
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {  // 2001:db8::/32
    return true;
  }
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {  // 2001::/32 Teredo
    return true;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {  // 2002::/16 6to4: the IPv4 address is in bytes 2..5
    const std::uint32_t embedded = (std::uint32_t{b[2]} << 24) | (std::uint32_t{b[3]} << 16) |
                                   (std::uint32_t{b[4]} << 8) | b[5];
    return v4_non_public(embedded);
  }
  static constexpr std::uint8_t kLocalNat64[6] = {0, 0x64, 0xff, 0x9b, 0, 0x01};  // /48
  if (std::memcmp(b, kLocalNat64, 6) == 0) {
    return true;
  }
  static constexpr std::uint8_t kDiscard[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};  // 100::/64
  if (std::memcmp(b, kDiscard, 8) == 0) {
    return true;
  }
  return false;
}

bool parse_ip_literal(std::string_view text, sockaddr_storage& out) {
  std::string host(text);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out = {};
  auto& v4 = reinterpret_cast<sockaddr_in&>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    return true;
  }
  auto& v6 = reinterpret_cast<sockaddr_in6&>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    return true;
  }
  return false;
}

std::string address_text(const sockaddr_storage& address) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, buffer,
              sizeof(buffer));
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, buffer,
              sizeof(buffer));
  }
  return buffer;
}

}  // namespace chitin::egress
