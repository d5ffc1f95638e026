#include "egress/inspect.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>

#include "base/ascii.h"
#include "base/crypto.h"
#include "secrets/store.h"

namespace chitin::egress {

namespace {

using secrets::kNameChars;

// The secret names of every placeholder in `text`, also when percent-encoded.
std::vector<std::string> placeholders_in(std::string_view text) {
  std::string decoded;
  if (text.find('%') != std::string_view::npos) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
          hex_value(text[i + 2]) >= 0) {
        decoded.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
        i += 2;
      } else {
        decoded.push_back(text[i]);
      }
    }
  }
  std::vector<std::string> names;
  for (const std::string_view view : {text, std::string_view(decoded)}) {
    for (auto at = view.find(secrets::kPlaceholderScheme); at != std::string_view::npos;
         at = view.find(secrets::kPlaceholderScheme, at + 1)) {
      const std::string_view rest = view.substr(at + secrets::kPlaceholderScheme.size());
      std::string name(rest.substr(0, std::min(rest.find_first_not_of(kNameChars), rest.size())));
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(std::move(name));
      }
    }
  }
  return names;
}

std::string percent_encode(std::string_view value) {
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

// Replaces every exact placeholder of `secret` in `text`; true if any was.
bool substitute(std::string& text, const GrantedSecret& secret, bool url) {
  const std::string placeholder = secrets::placeholder(secret.name);
  const std::string value = url ? percent_encode(secret.value) : secret.value;
  bool any = false;
  std::size_t at = 0;
  while ((at = text.find(placeholder, at)) != std::string::npos) {
    // "chitin-secret://open" must not eat the start of "chitin-secret://openai".
    const std::size_t end = at + placeholder.size();
    if (end < text.size() && kNameChars.find(text[end]) != std::string_view::npos) {
      at = end;
      continue;
    }
    text.replace(at, placeholder.size(), value);
    at += value.size();
    any = true;
  }
  return any;
}

// 127.0.0.0/8 or ::1, written as a literal (a name could resolve anywhere).
bool is_loopback_literal(std::string_view host) {
  sockaddr_storage address{};
  if (!parse_ip_literal(host, address)) {
    return false;
  }
  if (address.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr) >> 24) == 127;
  }
  const in6_addr& v6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
  return IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace

bool bound_to(const GrantedSecret& secret, std::string_view host, std::uint16_t port) {
  return allowed(secret.hosts, host, port);
}

Result<Inspection> inspect_request(const ProxyRequest& request, std::string_view body,
                                   std::uint16_t default_port, const SecretScan& scan) {
  Inspection result;
  const auto block = [&](std::string secret, std::string encoding, std::string reason) {
    result.blocked = true;
    result.secret = std::move(secret);
    result.encoding = std::move(encoding);
    result.reason = std::move(reason);
    return result;
  };
  const std::string where = fmt::format("{}:{}", request.host, request.port);
  if (request.method == "TRACE") {
    return block("", "trace", "TRACE echoes the request (and any injected key) back; refused");
  }
  const bool clear_text_ok = scan.encrypted || is_loopback_literal(request.host);
  // What the client sent, as the scanners see it: target, headers, body.
  // Everything the client chose goes out: the method and host too (a value can hide there).
  std::string seen = request.method + " " + request.host + " " + request.origin_target + "\n";
  for (const auto& [name, value] : request.headers) {
    seen += name + ": " + value + "\n";
  }
  seen.append(body);

  // 1. Placeholders: only to hosts their secret is bound to, and only granted ones.
  for (const std::string& name : placeholders_in(seen)) {
    const GrantedSecret* grant = nullptr;
    for (const GrantedSecret& candidate : *scan.granted) {
      grant = candidate.name == name ? &candidate : grant;
    }
    if (grant == nullptr) {
      return block(name, "placeholder",
                   fmt::format("the placeholder of secret '{}' was sent to {}, but this run was "
                               "not granted that secret",
                               name, where));
    }
    if (!bound_to(*grant, request.host, request.port)) {
      return block(name, "placeholder",
                   fmt::format("the placeholder of secret '{}' was sent to {}, which the secret "
                               "is not bound to",
                               name, where));
    }
    if (!clear_text_ok) {
      return block(name, "plain-http",
                   fmt::format("secret '{}' would cross the network unencrypted to {}; use "
                               "https:// (plain HTTP carries secrets to loopback addresses only)",
                               name, where));
    }
  }
  // 2. Stored values, in any encoding the scanner knows: never from inside the sandbox.
  if (scan.stored != nullptr) {
    if (const auto hit = scan.stored->find(seen)) {
      return block(hit->name, hit->encoding,
                   fmt::format("the value of secret '{}' ({}) was in a request to {}", hit->name,
                               hit->encoding, where));
    }
  }
  // 3. Secret-shaped strings: keys the store does not know are still keys.
  if (scan.shapes != nullptr) {
    auto entities = CHITIN_TRY(scan.shapes->detect(seen));
    for (const privacy::Entity& entity : entities) {
      const privacy::EntityType& type = scan.shapes->types()[entity.type];
      if (privacy::is_credential_type(type)) {
        return block(
            type.id, "shape",
            fmt::format("a secret-shaped string ({}) was in a request to {}", type.id, where));
      }
    }
  }
  crypto::wipe(seen);

  // 4. Substitution, then header-only injection.
  ProxyRequest out = request;
  std::string out_body(body);
  for (const GrantedSecret& grant : *scan.granted) {
    if (!bound_to(grant, request.host, request.port)) {
      continue;
    }
    bool used = substitute(out.origin_target, grant, true);
    for (auto& [name, value] : out.headers) {
      used = substitute(value, grant, false) || used;
    }
    if (grant.body) {
      used = substitute(out_body, grant, false) || used;
    }
    if (!grant.header.empty() && !clear_text_ok) {
      return block(grant.name, "plain-http",
                   fmt::format("secret '{}' would be added to a request that crosses the network "
                               "unencrypted to {}; use https://",
                               grant.name, where));
    }
    if (!grant.header.empty()) {
      const std::string key = ascii_lower(grant.header);
      const bool present = std::any_of(out.headers.begin(), out.headers.end(),
                                       [&](const auto& h) { return ascii_lower(h.first) == key; });
      if (!present) {
        std::string value = grant.format;
        value.replace(value.find("{}"), 2, grant.value);
        out.headers.emplace_back(grant.header, std::move(value));
        used = true;
      }
    }
    if (used) {
      result.used.push_back(grant.name);
    }
  }
  // Responses are masked for stored values, which compression would hide: ask for none.
  if (scan.stored != nullptr && !scan.stored->empty()) {
    std::erase_if(out.headers,
                  [](const auto& h) { return ascii_lower(h.first) == "accept-encoding"; });
    out.headers.emplace_back("Accept-Encoding", "identity");
  }
  // The body length may have changed; Content-Length is rewritten to match.
  std::erase_if(out.headers,
                [](const auto& h) { return ascii_lower(h.first) == "content-length"; });
  if (!out_body.empty() || request.content_length != 0) {
    out.headers.emplace_back("Content-Length", std::to_string(out_body.size()));
  }
  result.outbound = origin_head(out, default_port) + out_body;
  crypto::wipe(out_body);
  for (auto& [name, value] : out.headers) {
    crypto::wipe(value);
  }
  crypto::wipe(out.origin_target);
  return result;
}

}  // namespace chitin::egress
