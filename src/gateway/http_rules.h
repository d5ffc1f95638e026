#pragma once
// Request rules that need no socket: credentials in URLs, static asset lookup and the
// security headers every response carries.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chitin::gateway {

// The Content-Security-Policy of every response: no inline script, no eval, only this origin.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// (name, value) pairs added to every response, errors included.
const std::vector<std::pair<std::string_view, std::string_view>>& security_headers();

// The name of a query parameter that carries a credential or a gateway address ("token",
// "gatewayUrl", ...; names are percent-decoded and compared case-insensitively), or empty.
// Such requests are refused: URLs end up in logs, history and Referer headers
// (CVE-2026-25253 took the token from one).
std::string credential_in_query(std::string_view target);

// The path of a request target, without the query.
std::string_view target_path(std::string_view target);

struct Asset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};
// Embedded console files; "/" is "/index.html". Exact match only: no file system access.
const Asset* find_asset(std::string_view path);

}  // namespace chitin::gateway
