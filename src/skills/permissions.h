#pragma once
// Chitin's permission manifest for a skill: `metadata.openclaw.permissions` in SKILL.md. It is
// what the skill's scripts may touch at run time (the sandbox and the egress proxy enforce it)
// and what the scanner compares a skill's bundled scripts against. A skill without the block
// gets nothing: its own folder read-only, no network, no binaries, no secrets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace chitin::skills {

// Bounds of the manifest (each list, each entry, each limit).
inline constexpr std::size_t kMaxPermissionEntries = 32;
inline constexpr std::size_t kMaxPermissionEntryBytes = 256;
inline constexpr std::uint32_t kMaxTimeoutSeconds = 3600;
inline constexpr std::uint32_t kMinMemoryMb = 16;
inline constexpr std::uint32_t kMaxMemoryMb = 65536;

struct Permissions {
  bool declared = false;              // the block was present
  std::vector<std::string> fs_read;   // "{workspace}/..." or "{skill}/..."
  std::vector<std::string> fs_write;  // same roots
  std::vector<std::string> hosts;     // "host[:port]" or "*.domain[:port]"
  std::vector<std::string> exec;      // binary names
  std::vector<std::string> secrets;   // secret names
  std::optional<std::uint32_t> timeout_s;
  std::optional<std::uint32_t> memory_mb;
};

// Each check returns a message fragment for the caller to place (file:line, key).
Result<void> check_filesystem_path(std::string_view path);
Result<void> check_host_rule(std::string_view rule);
Result<void> check_binary_name(std::string_view name);
Result<void> check_secret_name(std::string_view name);

// True when `host` (lower-case, no port) is allowed by one of `rules` for `port`
// (0 = any port the rule allows).
bool host_allowed(const std::vector<std::string>& rules, std::string_view host, std::uint16_t port);

// What `after` grants that `before` did not: added entries and raised limits, one line each
// ("+ network.hosts: api.example.com", "limits.timeout_s: 60 -> 300"). Empty: not wider.
std::vector<std::string> widening(const Permissions& before, const Permissions& after);

nlohmann::json to_json(const Permissions& permissions);
Result<Permissions> permissions_from_json(const nlohmann::json& json);

// Human-readable lines for the install screen.
std::vector<std::string> describe(const Permissions& permissions);

}  // namespace chitin::skills
