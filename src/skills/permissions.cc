#include "skills/permissions.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/parse.h"

namespace chitin::skills {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_visible_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// RFC 1123 host name labels, lower case (rules are compared lower case).
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.') {
    return false;
  }
  std::size_t label = 0;
  char previous = '.';
  for (const char c : host) {
    if (c == '.') {
      if (label == 0 || previous == '-') {
        return false;
      }
      label = 0;
    } else if (is_lower_alnum(c) || c == '-') {
      if (label == 0 && c == '-') {
        return false;
      }
      if (++label > 63) {
        return false;
      }
    } else {
      return false;
    }
    previous = c;
  }
  return previous != '-';
}

struct HostRule {
  std::string host;  // without "*." for wildcards
  bool wildcard = false;
  std::uint16_t port = 0;  // 0: any
};

Result<HostRule> parse_host_rule(std::string_view rule) {
  HostRule parsed;
  std::string_view host = rule;
  if (const auto colon = rule.rfind(':'); colon != std::string_view::npos) {
    auto port = parse_integer<std::uint16_t>(rule.substr(colon + 1), 1, 65535);
    if (!port) {
      return fail(ErrorCode::kInvalidInput, "'{}': the port must be a number 1..65535",
                  rule.substr(colon + 1));
    }
    parsed.port = *port;
    host = rule.substr(0, colon);
  }
  if (host.starts_with("*.")) {
    parsed.wildcard = true;
    host.remove_prefix(2);
  }
  if (!is_host_name(host) || host.find('*') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a host rule: write a lower-case host name such as "
                "'api.example.com', '*.example.com' or 'api.example.com:443'",
                rule);
  }
  if (parsed.wildcard && host.find('.') == std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is too broad: a wildcard must name a domain with at least two labels "
                "('*.example.com')",
                rule);
  }
  parsed.host = std::string(host);
  return parsed;
}

void add_new(std::vector<std::string>& out, std::string_view key,
             const std::vector<std::string>& before, const std::vector<std::string>& after) {
  for (const std::string& entry : after) {
    if (std::find(before.begin(), before.end(), entry) == before.end()) {
      out.push_back(fmt::format("+ {}: {}", key, entry));
    }
  }
}

void raised(std::vector<std::string>& out, std::string_view key,
            const std::optional<std::uint32_t>& before, const std::optional<std::uint32_t>& after,
            std::uint32_t default_value) {
  const std::uint32_t old_value = before.value_or(default_value);
  const std::uint32_t new_value = after.value_or(default_value);
  if (new_value > old_value) {
    out.push_back(fmt::format("{}: {} -> {}", key, old_value, new_value));
  }
}

Result<std::vector<std::string>> string_list(const nlohmann::json& json, std::string_view key) {
  std::vector<std::string> out;
  if (!json.contains(key)) {
    return out;
  }
  const auto& list = json.at(std::string(key));
  if (!list.is_array()) {
    return fail(ErrorCode::kInvalidInput, "permissions '{}' must be a list", key);
  }
  for (const auto& item : list) {
    if (!item.is_string()) {
      return fail(ErrorCode::kInvalidInput, "permissions '{}' must hold strings", key);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

Result<void> check_filesystem_path(std::string_view path) {
  if (path.size() > kMaxPermissionEntryBytes || !is_valid_utf8(path)) {
    return fail(ErrorCode::kInvalidInput, "path is longer than {} bytes or not UTF-8",
                kMaxPermissionEntryBytes);
  }
  std::string_view rest;
  if (path.starts_with("{workspace}")) {
    rest = path.substr(11);
  } else if (path.starts_with("{skill}")) {
    rest = path.substr(7);
  } else {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is outside the allowed roots: a skill may name only paths under "
                "'{{workspace}}' or '{{skill}}' (e.g. '{{workspace}}/reports')",
                path);
  }
  if (rest.empty()) {
    return {};
  }
  if (rest.front() != '/') {
    return fail(ErrorCode::kInvalidInput, "'{}': a '/' must follow the root", path);
  }
  rest.remove_prefix(1);
  // Every component must be a plain name: no "..", ".", empty parts or control bytes.
  std::size_t start = 0;
  while (start <= rest.size()) {
    const std::size_t slash = std::min(rest.find('/', start), rest.size());
    const std::string_view part = rest.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      return fail(ErrorCode::kInvalidInput, "'{}': empty, '.' and '..' components are not allowed",
                  path);
    }
    if (std::any_of(part.begin(), part.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return fail(ErrorCode::kInvalidInput, "'{}' contains control characters", path);
    }
    start = slash + 1;
  }
  return {};
}

Result<void> check_host_rule(std::string_view rule) {
  if (rule.size() > kMaxPermissionEntryBytes || !is_visible_ascii(rule)) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a host rule (visible ASCII, at most {} "
                "bytes)",
                rule.substr(0, 64), kMaxPermissionEntryBytes);
  }
  CHITIN_TRY(parse_host_rule(rule));
  return {};
}

Result<void> check_binary_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
                           c == '-' || c == '+';
                  });
  if (!ok) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a binary name: give a bare name such as 'curl' (no path, at most "
                "64 of A-Z a-z 0-9 . _ - +)",
                name.substr(0, 64));
  }
  return {};
}

Result<void> check_secret_name(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
      });
  if (!ok) {
    return fail(ErrorCode::kInvalidInput, "'{}' is not a secret name (1..64 of A-Z a-z 0-9 _ - .)",
                name.substr(0, 64));
  }
  return {};
}

bool host_allowed(const std::vector<std::string>& rules, std::string_view host,
                  std::uint16_t port) {
  for (const std::string& text : rules) {
    auto rule = parse_host_rule(text);
    if (!rule) {
      continue;
    }
    if (rule->port != 0 && port != 0 && rule->port != port) {
      continue;
    }
    if (rule->wildcard) {
      if (host.size() > rule->host.size() + 1 && host.ends_with(rule->host) &&
          host[host.size() - rule->host.size() - 1] == '.') {
        return true;
      }
    } else if (host == rule->host) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> widening(const Permissions& before, const Permissions& after) {
  std::vector<std::string> out;
  add_new(out, "filesystem.read", before.fs_read, after.fs_read);
  add_new(out, "filesystem.write", before.fs_write, after.fs_write);
  add_new(out, "network.hosts", before.hosts, after.hosts);
  add_new(out, "exec", before.exec, after.exec);
  add_new(out, "secrets", before.secrets, after.secrets);
  raised(out, "limits.timeout_s", before.timeout_s, after.timeout_s, 0);
  raised(out, "limits.memory_mb", before.memory_mb, after.memory_mb, 0);
  return out;
}

nlohmann::json to_json(const Permissions& p) {
  nlohmann::json out = {{"declared", p.declared},
                        {"filesystem", {{"read", p.fs_read}, {"write", p.fs_write}}},
                        {"network", {{"hosts", p.hosts}}},
                        {"exec", p.exec},
                        {"secrets", p.secrets},
                        {"limits", nlohmann::json::object()}};
  if (p.timeout_s) {
    out["limits"]["timeout_s"] = *p.timeout_s;
  }
  if (p.memory_mb) {
    out["limits"]["memory_mb"] = *p.memory_mb;
  }
  return out;
}

Result<Permissions> permissions_from_json(const nlohmann::json& json) {
  if (!json.is_object()) {
    return fail(ErrorCode::kInvalidInput, "permissions must be an object");
  }
  Permissions p;
  p.declared = json.value("declared", false);
  const auto empty = nlohmann::json::object();
  const auto& fs = json.contains("filesystem") ? json.at("filesystem") : empty;
  const auto& network = json.contains("network") ? json.at("network") : empty;
  const auto& limits = json.contains("limits") ? json.at("limits") : empty;
  if (!fs.is_object() || !network.is_object() || !limits.is_object()) {
    return fail(ErrorCode::kInvalidInput, "permissions sections must be objects");
  }
  p.fs_read = CHITIN_TRY(string_list(fs, "read"));
  p.fs_write = CHITIN_TRY(string_list(fs, "write"));
  p.hosts = CHITIN_TRY(string_list(network, "hosts"));
  p.exec = CHITIN_TRY(string_list(json, "exec"));
  p.secrets = CHITIN_TRY(string_list(json, "secrets"));
  for (const char* key : {"timeout_s", "memory_mb"}) {
    if (limits.contains(key)) {
      if (!limits.at(key).is_number_unsigned()) {
        return fail(ErrorCode::kInvalidInput, "limits.{} must be a positive number", key);
      }
      (std::string_view(key) == "timeout_s" ? p.timeout_s : p.memory_mb) =
          limits.at(key).get<std::uint32_t>();
    }
  }
  return p;
}

std::vector<std::string> describe(const Permissions& p) {
  std::vector<std::string> lines;
  if (!p.declared) {
    lines.emplace_back(
        "no permissions declared: read its own folder only; no network, no "
        "binaries, no secrets");
    return lines;
  }
  auto list = [&](std::string_view key, const std::vector<std::string>& values) {
    lines.push_back(fmt::format(
        "{:<17} {}", key,
        values.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(values, ", "))));
  };
  list("filesystem.read", p.fs_read);
  list("filesystem.write", p.fs_write);
  list("network.hosts", p.hosts);
  list("exec", p.exec);
  list("secrets", p.secrets);
  lines.push_back(fmt::format("{:<17} timeout {} s, memory {} MB", "limits",
                              p.timeout_s ? std::to_string(*p.timeout_s) : "default",
                              p.memory_mb ? std::to_string(*p.memory_mb) : "default"));
  return lines;
}

}  // namespace chitin::skills
