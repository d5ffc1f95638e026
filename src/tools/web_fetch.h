#pragma once
// The agent's `web_fetch`: a GET through the egress proxy only (a per-call EgressProxy with
// the allowed hosts; the proxy's checks apply: no IP literals unless named, no private or
// metadata addresses, pinned DNS, SNI must match, audit events). libcurl talks to the proxy's
// Unix socket as if it were an HTTP proxy (CONNECT for https). It identifies itself
// truthfully as "Chitin/<version>", honours robots.txt (for "Chitin" or "*") unless told not
// to, follows at most kMaxRedirects redirects and checks each new host against the rules
// (a host not allowed ends the fetch and says so), and caps size and time. HTML is reduced to
// its text.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "egress/rules.h"
#include "secrets/leak_scanner.h"

namespace chitin::tools {

inline constexpr int kMaxRedirects = 5;

struct FetchSetup {
  std::vector<egress::Rule> rules;  // hosts this fetch may reach
  bool allow_private_addresses = false;
  bool honour_robots = true;
  audit::AuditLog* audit = nullptr;  // required (the proxy refuses to run unaudited)
  std::string actor = "agent";
  std::string session;
  std::string privacy_cache_dir;
  std::shared_ptr<const secrets::LeakScanner> stored_secrets;
  std::size_t max_bytes = 2U << 20;
  std::chrono::seconds timeout{30};
};

struct FetchResult {
  int status = 0;
  std::string url;  // the final URL, after redirects
  std::string content_type;
  std::string text;  // the body (HTML reduced to text), cut at max_bytes
  bool truncated = false;
};

struct FetchUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string path;  // from the first '/', query included, fragment dropped; "/" when empty
};
// http(s) URLs only; no user info; port 1-65535.
Result<FetchUrl> parse_fetch_url(std::string_view url);

Result<FetchResult> web_fetch(const std::string& url, const FetchSetup& setup);

// robots.txt: true if `path` may be fetched by user agent "Chitin" under `robots` (the
// group for "chitin" if any, else "*"; the longest matching Allow/Disallow wins).
bool robots_allows(std::string_view robots, std::string_view path);

// The visible text of an HTML document: tags, scripts, styles and comments dropped, common
// entities decoded, whitespace collapsed.
std::string html_to_text(std::string_view html);

}  // namespace chitin::tools
