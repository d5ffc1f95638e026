#include "tools/web_fetch.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ascii.h"
#include "base/unique_fd.h"
#include "base/version.h"
#include "providers/libcurl.h"
#include "tools/egress_run.h"
#include "tools/proxy_relay.h"

namespace chitin::tools {

namespace {

struct Transfer {
  ProxyRelay* relay = nullptr;
  std::string body;
  std::size_t max_bytes = 0;
  bool truncated = false;
  std::string location;
  std::string content_type;
  bool refused = false;  // the answer came from the egress proxy, not the server
};

// libcurl connects to the relay from a socket we bound first, so the relay knows it is ours.
curl_socket_t open_relay_socket(void* data, curlsocktype /*purpose*/, curl_sockaddr* /*addr*/) {
  auto* transfer = static_cast<Transfer*>(data);
  auto bound = bound_loopback_socket();
  if (!bound) {
    return CURL_SOCKET_BAD;
  }
  transfer->relay->expect_port(bound->second);
  return bound->first.release();
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::size_t room =
      transfer->max_bytes - std::min(transfer->max_bytes, transfer->body.size());
  transfer->body.append(data, std::min(n, room));
  if (n > room) {
    transfer->truncated = true;
    return 0;  // stop reading: what we have is enough
  }
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    const std::string name = ascii_lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    if (name == "location") {
      transfer->location.assign(value.substr(0, 8192));
    } else if (name == "content-type") {
      transfer->content_type.assign(value.substr(0, 256));
    } else if (name == "x-chitin-egress") {
      transfer->refused = true;
    }
  }
  return size * count;
}

// One GET through the proxy, no redirects followed.
Result<int> get(const std::string& url, const std::chrono::seconds timeout, Transfer& transfer) {
  const providers::Libcurl* api = CHITIN_TRY(providers::libcurl());
  std::unique_ptr<CURL, providers::CurlEasyFree> curl(api->easy_init());
  if (!curl) {
    return fail(ErrorCode::kInternal, "cannot initialise libcurl");
  }
  CURL* c = curl.get();
  const std::string agent = fmt::format("Chitin/{} (AI agent runtime; web_fetch tool)", kVersion);
  api->easy_setopt(c, CURLOPT_URL, url.c_str());
  if (api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
    return fail(ErrorCode::kUnavailable, "libcurl cannot restrict protocols to http and https");
  }
  const std::string proxy = fmt::format("http://127.0.0.1:{}", transfer.relay->port());
  api->easy_setopt(c, CURLOPT_PROXY, proxy.c_str());
  api->easy_setopt(c, CURLOPT_NOPROXY, "");  // no_proxy in the environment must not bypass it
  api->easy_setopt(c, CURLOPT_HTTPPROXYTUNNEL, 0L);  // CONNECT for https only (curl's default)
  api->easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_relay_socket);
  api->easy_setopt(c, CURLOPT_OPENSOCKETDATA, &transfer);
  api->easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
  api->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api->easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  api->easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  api->easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  api->easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  api->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  api->easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  const CURLcode code = api->easy_perform(c);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.truncated)) {
    return fail(ErrorCode::kUnavailable,
                "{}: {} (hosts not on the allow-list, private addresses and IP literals are "
                "refused by the egress proxy; see `chitin audit tail --type egress`)",
                url.substr(0, 256), api->easy_strerror(code));
  }
  long status = 0;
  api->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

using Url = FetchUrl;

}  // namespace

Result<FetchUrl> parse_fetch_url(std::string_view url) {
  Url out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.scheme = "http";
    out.port = 80;
    rest = url.substr(7);
  } else {
    return fail(ErrorCode::kInvalidInput, "web_fetch: only http:// and https:// URLs are fetched");
  }
  const std::size_t end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, end);
  std::string_view path = rest.substr(end);
  path = path.substr(0, path.find('#'));
  out.path = path.empty() || path.front() != '/' ? "/" + std::string(path) : std::string(path);
  if (authority.find('@') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "web_fetch: URLs with user names or passwords are refused");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "web_fetch: the URL's IPv6 address has no ']'");
    }
    out.host.assign(authority.substr(1, close - 1));
    if (authority.substr(close + 1).starts_with(':')) {
      port_text = authority.substr(close + 2);
      if (port_text.empty()) {
        return fail(ErrorCode::kInvalidInput, "web_fetch: the URL's port is empty");
      }
    } else if (close + 1 != authority.size()) {
      return fail(ErrorCode::kInvalidInput, "web_fetch: text after the URL's IPv6 address");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return fail(ErrorCode::kInvalidInput, "web_fetch: the URL's port is empty");
      }
    }
  }
  if (!port_text.empty()) {
    std::uint32_t value = 0;
    for (char ch : port_text) {
      if (ch < '0' || ch > '9' || value > 65535) {
        return fail(ErrorCode::kInvalidInput, "web_fetch: the URL's port is not a number 1-65535");
      }
      value = value * 10 + static_cast<std::uint32_t>(ch - '0');
    }
    if (value == 0 || value > 65535) {
      return fail(ErrorCode::kInvalidInput, "web_fetch: the URL's port is not a number 1-65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (out.host.empty()) {
    return fail(ErrorCode::kInvalidInput, "web_fetch: the URL has no host");
  }
  // Letters, digits, '-', '.', '_' and (IPv6) ':': nothing a terminal or a log would
  // interpret (the host is shown to the user in approval prompts).
  for (char c : out.host) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_' || c == ':')) {
      return fail(ErrorCode::kInvalidInput,
                  "web_fetch: the URL's host has a character a host name cannot have");
    }
  }
  out.host = ascii_lower(out.host);
  return out;
}

namespace {

std::string origin_of(const Url& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", url.scheme, v6 ? "[" : "", url.host, v6 ? "]" : "",
                     url.port);
}

// A Location made absolute against `base`.
std::string resolve_location(const Url& base, std::string_view location) {
  if (location.starts_with("http://") || location.starts_with("https://")) {
    return std::string(location);
  }
  if (location.starts_with("//")) {
    return base.scheme + ":" + std::string(location);
  }
  if (location.starts_with('/')) {
    return origin_of(base) + std::string(location);
  }
  const std::string directory = base.path.substr(0, base.path.find('?'));
  return origin_of(base) + directory.substr(0, directory.rfind('/') + 1) + std::string(location);
}

bool is_html(std::string_view content_type) {
  return ascii_lower(content_type).find("html") != std::string::npos;
}

}  // namespace

bool robots_allows(std::string_view robots, std::string_view path) {
  // Groups: consecutive User-agent lines, then rules. The "chitin" group wins over "*".
  struct Rule {
    bool allow;
    std::string prefix;
  };
  std::vector<Rule> ours;
  std::vector<Rule> star;
  bool have_ours = false;
  bool in_ours = false;
  bool in_star = false;
  bool last_was_agent = false;
  std::size_t start = 0;
  while (start < robots.size()) {
    const std::size_t end = std::min(robots.find('\n', start), robots.size());
    std::string_view line = robots.substr(start, end - start);
    start = end + 1;
    line = line.substr(0, line.find('#'));
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string key = ascii_lower(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == ' ' || value.back() == '\r' || value.back() == '\t')) {
      value.remove_suffix(1);
    }
    const auto trimmed = [](std::string_view k) {
      std::string out(k);
      while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
        out.pop_back();
      }
      return out;
    };
    const std::string name = trimmed(key);
    if (name == "user-agent") {
      if (!last_was_agent) {
        in_ours = false;
        in_star = false;
      }
      const std::string agent = ascii_lower(value);
      if (agent == "*") {
        in_star = true;
      } else if (agent.find("chitin") != std::string::npos) {
        in_ours = true;
        have_ours = true;
      }
      last_was_agent = true;
      continue;
    }
    last_was_agent = false;
    if (name != "allow" && name != "disallow") {
      continue;
    }
    if (value.empty()) {
      continue;  // "Disallow:" allows everything
    }
    const Rule rule{name == "allow", std::string(value)};
    if (in_ours) {
      ours.push_back(rule);
    }
    if (in_star) {
      star.push_back(rule);
    }
  }
  const std::vector<Rule>& rules = have_ours ? ours : star;
  std::size_t best = 0;
  bool allowed = true;
  for (const Rule& rule : rules) {
    std::string_view prefix = rule.prefix;
    const bool anchored = prefix.ends_with('$');
    if (anchored) {
      prefix.remove_suffix(1);
    }
    // '*' in a rule: the part before it must match (a simple, conservative reading).
    const std::size_t star_at = prefix.find('*');
    const std::string_view head = prefix.substr(0, star_at);
    const bool matches = star_at != std::string_view::npos
                             ? path.starts_with(head)
                             : (anchored ? path == prefix : path.starts_with(prefix));
    if (matches && (prefix.size() > best || (prefix.size() == best && rule.allow))) {
      best = prefix.size();
      allowed = rule.allow;
    }
  }
  return allowed;
}

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  std::size_t i = 0;
  bool space = false;
  auto emit = [&](char c) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      return;
    }
    if (space && !out.empty()) {
      out.push_back(out.back() == '\n' ? '\n' : ' ');
    }
    space = false;
    out.push_back(c);
  };
  while (i < html.size()) {
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (html[i] == '<') {
      const std::size_t end = html.find('>', i);
      if (end == std::string_view::npos) {
        break;
      }
      const std::string tag =
          ascii_lower(html.substr(i + 1, std::min<std::size_t>(end - i - 1, 16)));
      i = end + 1;
      for (const char* skipped : {"script", "style", "noscript", "template"}) {
        if (tag.starts_with(skipped)) {
          const std::string close = std::string("</") + skipped;
          std::size_t at = i;
          while (at < html.size() && ascii_lower(html.substr(at, close.size())) != close) {
            at = html.find('<', at + 1);
            if (at == std::string_view::npos) {
              at = html.size();
            }
          }
          i = at;
          break;
        }
      }
      for (const char* block :
           {"p", "/p", "br", "div", "/div", "li", "h1", "h2", "h3", "tr", "/tr"}) {
        if (tag == block || tag.starts_with(std::string(block) + " ") ||
            tag.starts_with(std::string(block) + "/")) {
          if (!out.empty() && out.back() != '\n') {
            out.push_back('\n');
          }
          space = false;
          break;
        }
      }
      continue;
    }
    if (html[i] == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},  {"&quot;", '"'},
          {"&#39;", '\''}, {"&apos;", '\''}, {"&nbsp;", ' '}};
      bool decoded = false;
      for (const auto& [entity, ch] : kEntities) {
        if (html.compare(i, entity.size(), entity) == 0) {
          emit(ch);
          i += entity.size();
          decoded = true;
          break;
        }
      }
      if (decoded) {
        continue;
      }
    }
    emit(html[i]);
    ++i;
  }
  return out;
}

Result<FetchResult> web_fetch(const std::string& url, const FetchSetup& setup) {
  if (setup.audit == nullptr) {
    return fail(ErrorCode::kInvalidInput, "web_fetch needs the audit log");
  }
  EgressRunOptions options;
  options.rules = setup.rules;
  options.allow_private_addresses = setup.allow_private_addresses;
  options.audit = setup.audit;
  options.actor = setup.actor;
  options.session = setup.session;
  options.stored_secrets = setup.stored_secrets;
  options.privacy_cache_dir = setup.privacy_cache_dir;
  std::unique_ptr<EgressRun> proxy = CHITIN_TRY(EgressRun::start(std::move(options)));
  std::unique_ptr<ProxyRelay> relay = CHITIN_TRY(ProxyRelay::start(proxy->socket_path()));

  std::string current = url;
  std::string robots_checked_for;
  for (int hop = 0;; ++hop) {
    const Url parts = CHITIN_TRY(parse_fetch_url(current));
    if (!egress::allowed(setup.rules, parts.host, parts.port)) {
      (void)proxy->finish();
      return fail(ErrorCode::kPermission,
                  "{}:{} is not allowed for this fetch{}; call web_fetch on that URL to ask for it",
                  parts.host, parts.port, hop > 0 ? " (a redirect led there)" : "");
    }
    if (setup.honour_robots && robots_checked_for != origin_of(parts)) {
      robots_checked_for = origin_of(parts);
      Transfer robots;
      robots.relay = relay.get();
      robots.max_bytes = 512 * 1024;
      auto status = get(origin_of(parts) + "/robots.txt", setup.timeout, robots);
      if (status && *status == 200 && !robots_allows(robots.body, parts.path)) {
        (void)proxy->finish();
        return fail(ErrorCode::kPermission,
                    "{}'s robots.txt does not allow fetching {} (Chitin honours robots.txt)",
                    parts.host, parts.path.substr(0, 256));
      }
    }
    Transfer transfer;
    transfer.relay = relay.get();
    transfer.max_bytes = setup.max_bytes;
    const int status = CHITIN_TRY(get(current, setup.timeout, transfer));
    if (transfer.refused) {
      (void)proxy->finish();
      std::string reason = transfer.body.substr(0, 512);
      while (!reason.empty() && reason.back() == '\n') {
        reason.pop_back();
      }
      return fail(ErrorCode::kPermission, "{}: refused by the egress proxy ({})",
                  current.substr(0, 256), reason);
    }
    if (status >= 300 && status < 400 && !transfer.location.empty()) {
      if (hop >= kMaxRedirects) {
        (void)proxy->finish();
        return fail(ErrorCode::kLimitExceeded, "{} redirected more than {} times",
                    url.substr(0, 256), kMaxRedirects);
      }
      current = resolve_location(parts, transfer.location);
      continue;
    }
    (void)proxy->finish();
    FetchResult result;
    result.status = status;
    result.url = current;
    result.content_type = transfer.content_type;
    result.truncated = transfer.truncated;
    result.text = is_html(transfer.content_type) ? html_to_text(transfer.body) : transfer.body;
    return result;
  }
}

}  // namespace chitin::tools
