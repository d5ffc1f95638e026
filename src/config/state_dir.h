#pragma once
// The state directory ($CHITIN_HOME, default ~/.chitin): its layout, and `chitin init`, which
// creates it with secure defaults. See docs/state-dir.md for the layout and file formats.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"

namespace chitin::config {

// Paths inside one state directory. `home` is absolute.
struct StatePaths {
  std::string home;

  [[nodiscard]] std::string config_file() const { return home + "/chitin.toml"; }
  [[nodiscard]] std::string gateway_token_file() const { return home + "/gateway.token"; }
  [[nodiscard]] std::string keys_dir() const { return home + "/keys"; }
  [[nodiscard]] std::string audit_secret_key_file() const { return keys_dir() + "/audit.key"; }
  [[nodiscard]] std::string audit_public_key_file() const { return keys_dir() + "/audit.pub"; }
  [[nodiscard]] std::string audit_dir() const { return home + "/audit"; }
  [[nodiscard]] std::string secrets_dir() const { return home + "/secrets"; }
  [[nodiscard]] std::string skills_dir() const { return home + "/skills"; }
  [[nodiscard]] std::string skills_lock_file() const { return home + "/skills.lock"; }
  [[nodiscard]] std::string skill_trust_dir() const { return home + "/trust"; }
  [[nodiscard]] std::string workspace_dir() const { return home + "/workspace"; }
};

// `override_home` (from --home) wins, then $CHITIN_HOME, then $HOME/.chitin. The result must
// be an absolute path.
Result<StatePaths> resolve_state_paths(const std::optional<std::string>& override_home);

struct InitReport {
  std::vector<std::string> created;    // paths created by this run
  std::vector<std::string> tightened;  // paths whose permissions this run narrowed
  [[nodiscard]] bool changed() const { return !created.empty() || !tightened.empty(); }
};

// Creates whatever is missing: the directory (0700), its subdirectories (0700), chitin.toml
// with the secure defaults (0600), a 256-bit gateway token (0600) and the Ed25519 audit key
// pair (0600). Never overwrites an existing file, so a second run changes nothing. Refuses a
// home that is a symlink, not owned by the current user, or writable by others.
Result<InitReport> init_state_dir(const StatePaths& paths);

// Checks that the state directory exists and was initialised; the error says to run init.
Result<void> require_initialised(const StatePaths& paths);

Result<std::string> load_gateway_token(const StatePaths& paths);
Result<crypto::Ed25519SecretKey> load_audit_secret_key(const StatePaths& paths);
Result<crypto::Ed25519PublicKey> load_audit_public_key(const StatePaths& paths);

// Key files (docs/state-dir.md): one header line, then base64 of the raw key. Reading checks
// the header and the exact key length; the text is wiped after use.
std::string format_key_file(std::string_view header, std::span<const std::uint8_t> key);
Result<Bytes> read_key_file(const std::string& path, std::string_view header,
                            std::size_t key_bytes);

// File formats (docs/state-dir.md): one header line, then base64 of the raw key.
inline constexpr std::string_view kAuditSecretKeyHeader = "chitin audit key v1: ed25519 secret";
inline constexpr std::string_view kAuditPublicKeyHeader = "chitin audit key v1: ed25519 public";
inline constexpr std::string_view kGatewayTokenPrefix = "chtn_gw_";

}  // namespace chitin::config
