#include "gateway/http_rules.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "base/encoding.h"
#include "gateway/console_assets.h"

namespace chitin::gateway {

namespace {

std::string decode_lower(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      c = static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

constexpr std::array<std::string_view, 14> kCredentialNames = {
    "token",      "access_token", "accesstoken", "auth",    "authorization", "password", "passwd",
    "gatewayurl", "gateway_url",  "gateway",     "api_key", "apikey",        "bearer",   "session"};

}  // namespace

const std::vector<std::pair<std::string_view, std::string_view>>& security_headers() {
  static const std::vector<std::pair<std::string_view, std::string_view>> headers = {
      {"Content-Security-Policy", kContentSecurityPolicy},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Content-Type-Options", "nosniff"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Cache-Control", "no-store"},
  };
  return headers;
}

std::string credential_in_query(std::string_view target) {
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) {
    return {};
  }
  std::string_view query = target.substr(question + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = std::min(query.find_first_of("&;", start), query.size());
    const std::string_view pair = query.substr(start, end - start);
    const std::string name = decode_lower(pair.substr(0, pair.find('=')));
    if (std::find(kCredentialNames.begin(), kCredentialNames.end(), name) !=
        kCredentialNames.end()) {
      return name;
    }
    start = end + 1;
  }
  return {};
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.size()));
}

const Asset* find_asset(std::string_view path) {
  if (path == "/") {
    path = "/index.html";
  }
  for (const Asset& asset : console_assets()) {
    if (asset.path == path) {
      return &asset;
    }
  }
  return nullptr;
}

}  // namespace chitin::gateway
