#include "egress/http_head.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/ascii.h"
#include "base/parse.h"

namespace chitin::egress {

namespace {

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// "host:port" or "[v6]:port"; `default_port` when absent (0: required).
Result<std::pair<std::string, std::uint16_t>> split_authority(std::string_view authority,
                                                              std::uint16_t default_port) {
  std::string_view host = authority;
  std::string_view port;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "bad authority '{}'", authority);
    }
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') {
        return fail(ErrorCode::kInvalidInput, "bad authority '{}'", authority);
      }
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  // A host is a DNS name (letters, digits, '-', '_', '.') or an IP literal, nothing else:
  // a NUL or other odd byte could make the allow-list check and the resolver see different
  // names (`evil.com\0.allowed.org`).
  const bool bracketed = authority.starts_with('[');
  const auto host_char = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || (bracketed && c == ':');
  };
  if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), host_char)) {
    return fail(ErrorCode::kInvalidInput, "bad host in '{}'", authority);
  }
  std::uint16_t port_number = default_port;
  if (!port.empty() || default_port == 0) {
    auto parsed = parse_integer<std::uint16_t>(port, 1, 65535);
    if (!parsed) {
      return fail(ErrorCode::kInvalidInput, "bad port in '{}'", authority);
    }
    port_number = *parsed;
  }
  return std::make_pair(std::string(host), port_number);
}

}  // namespace

Result<std::size_t> head_length(std::string_view buffer) {
  const auto end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (buffer.size() > kMaxHeadBytes) {
      return fail(ErrorCode::kLimitExceeded, "request head over {} bytes", kMaxHeadBytes);
    }
    return std::size_t{0};
  }
  if (end + 4 > kMaxHeadBytes) {
    return fail(ErrorCode::kLimitExceeded, "request head over {} bytes", kMaxHeadBytes);
  }
  return end + 4;
}

namespace {

// The request line and header fields, checked; the target is returned for the caller.
Result<std::string_view> parse_lines(std::string_view head, ProxyRequest& request) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < head.size()) {
    const auto end = head.find("\r\n", start);
    if (end == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "request head is not CRLF-terminated");
    }
    if (end == start) {
      break;  // the blank line
    }
    lines.push_back(head.substr(start, end - start));
    start = end + 2;
  }
  if (lines.empty() || lines.size() > kMaxHeaders + 1) {
    return fail(ErrorCode::kInvalidInput, "request head has no request line or too many lines");
  }
  // request-line = method SP request-target SP HTTP-version (exactly one space each), all
  // visible ASCII.
  const std::string_view line = lines[0];
  for (char c : line) {
    if (c != ' ' &&
        (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)) {
      return fail(ErrorCode::kInvalidInput, "control or non-ASCII byte in the request line");
    }
  }
  const auto first = line.find(' ');
  const auto second = line.find(' ', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos ||
      line.find(' ', second + 1) != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput, "malformed request line");
  }
  request.method = std::string(line.substr(0, first));
  const std::string_view target = line.substr(first + 1, second - first - 1);
  if (target.empty()) {
    return fail(ErrorCode::kInvalidInput, "empty request target");
  }
  const std::string_view version = line.substr(second + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return fail(ErrorCode::kInvalidInput, "unsupported HTTP version");
  }
  if (request.method.empty() ||
      !std::all_of(request.method.begin(), request.method.end(), is_token_char)) {
    return fail(ErrorCode::kInvalidInput, "malformed method");
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view field = lines[i];
    const auto colon = field.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "malformed header line");
    }
    const std::string_view name = field.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) {
      // Also refuses obsolete line folding and whitespace before the colon (RFC 9112 §5).
      return fail(ErrorCode::kInvalidInput, "malformed header name");
    }
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    for (char c : value) {
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        return fail(ErrorCode::kInvalidInput, "control character in a header value");
      }
    }
    request.headers.emplace_back(std::string(name), std::string(value));
  }
  return target;
}

// Content-Length (one value, or repeated identical values) bounded by kMaxBodyBytes; any
// Transfer-Encoding is refused (no chunked parsing, and no CL/TE smuggling ambiguity).
Result<void> parse_framing(ProxyRequest& request) {
  bool seen = false;
  for (const auto& [name, value] : request.headers) {
    const std::string key = ascii_lower(name);
    if (key == "transfer-encoding") {
      return fail(ErrorCode::kInvalidInput,
                  "chunked (Transfer-Encoding) request bodies are not forwarded; send a "
                  "Content-Length");
    }
    if (key != "content-length") {
      continue;
    }
    auto length = parse_integer<std::uint64_t>(value, 0, kMaxBodyBytes);
    if (!length) {
      return fail(ErrorCode::kLimitExceeded, "Content-Length '{}' is not a number up to {}",
                  value.substr(0, 32), kMaxBodyBytes);
    }
    if (seen && *length != request.content_length) {
      return fail(ErrorCode::kInvalidInput, "conflicting Content-Length headers");
    }
    seen = true;
    request.content_length = static_cast<std::size_t>(*length);
  }
  return {};
}

}  // namespace

Result<ProxyRequest> parse_proxy_request(std::string_view head) {
  ProxyRequest request;
  const std::string_view target = CHITIN_TRY(parse_lines(head, request));
  if (request.method == "CONNECT") {
    request.connect = true;
    auto [host, port] = CHITIN_TRY(split_authority(target, 0));
    request.host = std::move(host);
    request.port = port;
    request.headers.clear();
    return request;
  }
  if (!target.starts_with("http://")) {
    return fail(ErrorCode::kInvalidInput,
                "only CONNECT and absolute-form http:// requests go through the egress proxy");
  }
  std::string_view rest = target.substr(7);
  const auto slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  auto [host, port] = CHITIN_TRY(split_authority(authority, 80));
  request.host = std::move(host);
  request.port = port;
  request.origin_target =
      slash == std::string_view::npos ? std::string("/") : std::string(rest.substr(slash));
  if (request.origin_target.front() == '?') {
    request.origin_target.insert(request.origin_target.begin(), '/');
  }
  CHITIN_RETURN_IF_ERROR(parse_framing(request));
  return request;
}

Result<ProxyRequest> parse_tunnelled_request(std::string_view head, std::string_view host,
                                             std::uint16_t port) {
  ProxyRequest request;
  const std::string_view target = CHITIN_TRY(parse_lines(head, request));
  if (request.method == "CONNECT" || !target.starts_with('/')) {
    return fail(ErrorCode::kInvalidInput,
                "a request inside an inspected tunnel must use an origin-form target (/path)");
  }
  request.host = std::string(host);
  request.port = port;
  request.origin_target = std::string(target);
  CHITIN_RETURN_IF_ERROR(parse_framing(request));
  return request;
}

std::string origin_head(const ProxyRequest& request, std::uint16_t default_port) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\n", request.method, request.origin_target);
  const bool ipv6 = request.host.find(':') != std::string::npos;
  out +=
      fmt::format("Host: {}{}{}{}\r\n", ipv6 ? "[" : "", request.host, ipv6 ? "]" : "",
                  request.port == default_port ? std::string() : fmt::format(":{}", request.port));
  for (const auto& [name, value] : request.headers) {
    const std::string key = ascii_lower(name);
    if (key == "host" || key == "connection" || key == "keep-alive" || key == "te" ||
        key == "upgrade" || key.starts_with("proxy-")) {
      continue;
    }
    out += fmt::format("{}: {}\r\n", name, value);
  }
  out += "Connection: close\r\n\r\n";
  return out;
}

}  // namespace chitin::egress
