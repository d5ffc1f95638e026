#include "config/state_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "config/config.h"
#include "sys/file_ops.h"

namespace chitin::config {

namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

constexpr std::string_view kConfigHeader =
    "# Chitin configuration, written by `chitin init` with the secure defaults.\n"
    "# Every key is documented below and in docs/config.md; unknown keys are errors.\n"
    "# Secrets never go here: the gateway token is in gateway.token, keys in keys/,\n"
    "# and API keys in the encrypted secrets store.\n\n";

Result<void> check_home_is_safe(const std::string& home) {
  auto status = CHITIN_TRY(sys::status_if_exists(home));
  if (!status) {
    return {};
  }
  if (status->is_symlink) {
    return fail(ErrorCode::kPermission,
                "{} is a symlink; set CHITIN_HOME to the real directory instead", home);
  }
  if (!status->is_directory) {
    return fail(ErrorCode::kAlreadyExists,
                "{} exists and is not a directory; move it away or choose another CHITIN_HOME",
                home);
  }
  if (status->owner != ::geteuid()) {
    return fail(ErrorCode::kPermission,
                "{} is owned by uid {}, not by you (uid {}); use a directory you own", home,
                status->owner, ::geteuid());
  }
  return {};
}

// Narrows a directory or file we own to `mode` if it grants more. Returns true if changed.
Result<bool> tighten(const std::string& path, mode_t mode) {
  const sys::FileStatus status = CHITIN_TRY(sys::status_of(path));
  if ((status.mode & ~mode) == 0) {
    return false;
  }
  if (::chmod(path.c_str(), status.mode & mode) != 0) {
    return errno_fail(fmt::format("cannot chmod {}", path));
  }
  return true;
}

}  // namespace

std::string format_key_file(std::string_view header, std::span<const std::uint8_t> key) {
  return fmt::format("{}\n{}\n", header, base64_encode(key));
}

Result<Bytes> read_key_file(const std::string& path, std::string_view header,
                            std::size_t key_bytes) {
  std::string text = CHITIN_TRY(sys::read_file(path, kMaxKeyFileBytes));
  const std::string expected_start = fmt::format("{}\n", header);
  if (!text.starts_with(expected_start) || !text.ends_with("\n")) {
    crypto::wipe(text);
    return fail(ErrorCode::kInvalidInput, "{} is not a Chitin key file (expected first line '{}')",
                path, header);
  }
  const std::string_view body =
      std::string_view(text).substr(expected_start.size(), text.size() - expected_start.size() - 1);
  auto decoded = base64_decode(body);
  crypto::wipe(text);
  if (!decoded || decoded->size() != key_bytes) {
    return fail(ErrorCode::kInvalidInput, "{} is damaged: its key is not {} bytes of base64", path,
                key_bytes);
  }
  return std::move(*decoded);
}

Result<StatePaths> resolve_state_paths(const std::optional<std::string>& override_home) {
  std::string home;
  std::string_view origin;
  if (override_home && !override_home->empty()) {
    home = *override_home;
    origin = "--home";
  } else if (const char* env = std::getenv("CHITIN_HOME"); env != nullptr && *env != '\0') {
    home = env;
    origin = "CHITIN_HOME";
  } else if (const char* user_home = std::getenv("HOME"); user_home != nullptr && *user_home) {
    home = std::string(user_home) + "/.chitin";
    origin = "HOME";
  } else {
    return fail(ErrorCode::kInvalidInput,
                "cannot find the state directory: set CHITIN_HOME (or HOME) or pass --home");
  }
  if (home.front() != '/') {
    return fail(ErrorCode::kInvalidInput, "{} is '{}', which is not an absolute path", origin,
                home);
  }
  while (home.size() > 1 && home.back() == '/') {
    home.pop_back();
  }
  return StatePaths{home};
}

Result<InitReport> init_state_dir(const StatePaths& paths) {
  InitReport report;
  CHITIN_RETURN_IF_ERROR(check_home_is_safe(paths.home));
  if (CHITIN_TRY(sys::ensure_directory(paths.home, 0700))) {
    report.created.push_back(paths.home);
  } else if (CHITIN_TRY(tighten(paths.home, 0700))) {
    report.tightened.push_back(paths.home);
  }
  for (const std::string& dir : {paths.keys_dir(), paths.audit_dir(), paths.secrets_dir(),
                                 paths.skills_dir(), paths.workspace_dir()}) {
    if (CHITIN_TRY(sys::ensure_directory(dir, 0700))) {
      report.created.push_back(dir);
    }
  }

  const std::string config_text = std::string(kConfigHeader) + render_config(Config{}, true);
  if (CHITIN_TRY(sys::write_file_atomic(paths.config_file(), config_text, 0600,
                                        sys::WriteMode::kCreateOnly))) {
    report.created.push_back(paths.config_file());
  }

  std::string token = crypto::random_token(kGatewayTokenPrefix, 32) + "\n";
  auto wrote_token =
      sys::write_file_atomic(paths.gateway_token_file(), token, 0600, sys::WriteMode::kCreateOnly);
  crypto::wipe(token);
  if (CHITIN_TRY(std::move(wrote_token))) {
    report.created.push_back(paths.gateway_token_file());
  }

  // The key pair is created only as a pair: a lone public or secret key is an error the user
  // must resolve, because silently replacing either would orphan existing signatures.
  const auto secret_status = CHITIN_TRY(sys::status_if_exists(paths.audit_secret_key_file()));
  const auto public_status = CHITIN_TRY(sys::status_if_exists(paths.audit_public_key_file()));
  if (secret_status.has_value() != public_status.has_value()) {
    return fail(ErrorCode::kIntegrity,
                "only one half of the audit key pair exists in {}; restore the missing file "
                "from a backup (init never replaces audit keys)",
                paths.keys_dir());
  }
  if (!secret_status) {
    crypto::Ed25519KeyPair pair = crypto::ed25519_generate();
    std::string secret_text = format_key_file(kAuditSecretKeyHeader, pair.secret_key.bytes());
    auto wrote_secret = sys::write_file_atomic(paths.audit_secret_key_file(), secret_text, 0600,
                                               sys::WriteMode::kCreateOnly);
    crypto::wipe(secret_text);
    if (!CHITIN_TRY(std::move(wrote_secret))) {
      return fail(ErrorCode::kAlreadyExists, "{} appeared while init was running; run init again",
                  paths.audit_secret_key_file());
    }
    CHITIN_TRY(sys::write_file_atomic(paths.audit_public_key_file(),
                                      format_key_file(kAuditPublicKeyHeader, pair.public_key), 0600,
                                      sys::WriteMode::kCreateOnly));
    report.created.push_back(paths.audit_secret_key_file());
    report.created.push_back(paths.audit_public_key_file());
  }
  return report;
}

Result<void> require_initialised(const StatePaths& paths) {
  auto status = CHITIN_TRY(sys::status_if_exists(paths.config_file()));
  if (!status) {
    return fail(ErrorCode::kNotFound,
                "{} has no chitin.toml: run 'chitin init' first (or point CHITIN_HOME at your "
                "state directory)",
                paths.home);
  }
  return {};
}

Result<std::string> load_gateway_token(const StatePaths& paths) {
  std::string text = CHITIN_TRY(sys::read_file(paths.gateway_token_file(), kMaxKeyFileBytes));
  if (text.ends_with('\n')) {
    text.pop_back();
  }
  if (!text.starts_with(kGatewayTokenPrefix) || text.size() < kGatewayTokenPrefix.size() + 43) {
    crypto::wipe(text);
    return fail(ErrorCode::kInvalidInput,
                "{} does not hold a gateway token; delete it and run 'chitin init' for a new one",
                paths.gateway_token_file());
  }
  return text;
}

Result<crypto::Ed25519SecretKey> load_audit_secret_key(const StatePaths& paths) {
  Bytes raw = CHITIN_TRY(read_key_file(paths.audit_secret_key_file(), kAuditSecretKeyHeader,
                                       crypto::kEd25519SecretKeyBytes));
  auto key = crypto::Ed25519SecretKey::from_bytes(raw);
  crypto::wipe(raw);
  return key;
}

Result<crypto::Ed25519PublicKey> load_audit_public_key(const StatePaths& paths) {
  const Bytes raw = CHITIN_TRY(read_key_file(paths.audit_public_key_file(), kAuditPublicKeyHeader,
                                             crypto::kEd25519PublicKeyBytes));
  crypto::Ed25519PublicKey key{};
  std::copy(raw.begin(), raw.end(), key.begin());
  return key;
}

}  // namespace chitin::config
