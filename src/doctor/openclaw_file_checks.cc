// Files of an OpenClaw installation: permissions (OpenClaw's fs.* names), state kept in a
// synced folder, and secrets in plaintext: in .env, the config, credential files, transcripts
// and anywhere else under the state directory.

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/ascii.h"
#include "doctor/findings.h"
#include "doctor/openclaw_checks.h"
#include "privacy/detector.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

// A key whose value is a credential by its name ("apiKey", "botToken", "OPENAI_API_KEY"),
// but not one that names where a credential is ("tokenFile", "apiKeyEnv").
bool secret_name(std::string_view key) {
  const std::string name = ascii_lower(key);
  static constexpr std::string_view kWords[] = {
      "apikey",      "api_key",   "token",      "password",   "passwd", "secret",    "privatekey",
      "private_key", "accesskey", "access_key", "credential", "cookie", "passphrase"};
  static constexpr std::string_view kNotValues[] = {"file", "path", "env",    "dir",   "header",
                                                    "mode", "url",  "source", "ref",   "command",
                                                    "id",   "name", "limit",  "count", "type"};
  const bool named = std::any_of(std::begin(kWords), std::end(kWords), [&](std::string_view w) {
    return name.find(w) != std::string::npos;
  });
  const bool pointer = std::any_of(std::begin(kNotValues), std::end(kNotValues),
                                   [&](std::string_view w) { return name.ends_with(w); });
  return named && !pointer && name.find("tokens") == std::string::npos;
}

void find_plaintext_settings(const nlohmann::json& node, const std::string& path,
                             std::vector<std::string>& found) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (value.is_string() && secret_name(key) && !value.get_ref<const std::string&>().empty() &&
          !is_secret_reference(value)) {
        found.push_back(child);
      } else {
        find_plaintext_settings(value, child, found);
      }
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      find_plaintext_settings(node[i], fmt::format("{}[{}]", path, i), found);
    }
  }
}

// Names of .env variables that hold a credential in plaintext.
std::vector<std::string> plaintext_env_names(std::string_view text) {
  std::vector<std::string> names;
  for (const auto& [name, value] : parse_dotenv(text)) {
    if (!value.empty() && !value.starts_with("${") && secret_name(name)) {
      names.push_back(name);
    }
  }
  return names;
}

namespace {

// What an OpenClaw state directory keeps where (research/openclaw.md §1.8).
void check_openclaw_permissions(std::vector<Finding>& out, const OpenClawInstall& install) {
  const std::string& dir = install.dir;
  check_permissions(out, dir, {.id = "fs.state_dir", .directory = true, .merge_readable = true});
  check_permissions(out, install.config_path,
                    {.id = "fs.config", .merge_writable = true, .sensitive = true});
  for (const std::string& include : install.includes) {
    check_permissions(out, include,
                      {.id = "fs.config_include", .merge_writable = true, .sensitive = true});
  }
  const PermissionCheck credentials{.id = "fs.credentials_dir",
                                    .directory = true,
                                    .secret = true,
                                    .merge_writable = true,
                                    .merge_readable = true};
  check_permissions(out, dir + "/credentials", credentials);
  check_permissions(out, dir + "/.env", {.id = "fs.env_file", .secret = true});
  check_permissions(out, dir + "/secrets.json", {.id = "fs.secrets_file", .secret = true});
  check_permissions(out, dir + "/state/openclaw.sqlite",
                    {.id = "fs.state_db", .merge_writable = true, .sensitive = true});
  const std::string log = string_setting(install.settings, "logging.file");
  if (!log.empty()) {
    check_permissions(out, log, {.id = "fs.log_file", .merge_readable = true});
  }
  // Per agent: credentials, and transcripts (sessions).
  auto agents_fd = sys::open_file(dir + "/agents", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!agents_fd) {
    return;
  }
  auto agents = sys::list_directory(agents_fd->get(), 1000);
  if (!agents) {
    return;
  }
  const PermissionCheck auth_profiles{
      .id = "fs.auth_profiles", .secret = true, .merge_writable = true, .merge_readable = true};
  const PermissionCheck sessions{.id = "fs.sessions_store", .merge_readable = true};
  for (const auto& agent : *agents) {
    if (!agent.status.is_directory) {
      continue;
    }
    const std::string base = dir + "/agents/" + agent.name;
    check_permissions(out, base + "/agent/auth-profiles.json", auth_profiles);
    for (const std::string_view suffix : {"", "-wal", "-shm", "-journal"}) {
      check_permissions(out, fmt::format("{}/agent/openclaw-agent.sqlite{}", base, suffix),
                        auth_profiles);
    }
    check_permissions(out, base + "/sessions/sessions.json", sessions);
    check_permissions(out, base + "/sessions",
                      {.id = "fs.sessions_store", .directory = true, .merge_readable = true});
  }
}

void check_synced_folder(std::vector<Finding>& out, const std::string& dir) {
  char buffer[PATH_MAX];
  const std::string real = ::realpath(dir.c_str(), buffer) != nullptr ? buffer : dir;
  static constexpr std::string_view kSynced[] = {"/Dropbox/",      "/Library/Mobile Documents/",
                                                 "/iCloud Drive/", "/iCloudDrive/",
                                                 "/Google Drive/", "/GoogleDrive/",
                                                 "/OneDrive",      "/Nextcloud/",
                                                 "/pCloud",        "/Box/",
                                                 "/Syncthing/",    "/MEGA/"};
  const std::string probe = real + "/";
  for (std::string_view marker : kSynced) {
    if (probe.find(marker) != std::string::npos) {
      out.push_back(finding("fs.synced_dir", Severity::kWarn, kMiitPrivilege,
                            fmt::format("the state directory {} is in a synced folder", real),
                            fmt::format("the path contains '{}'", marker),
                            "move the state directory out of cloud-synced folders: its "
                            "credentials and transcripts are copied to the provider"));
      return;
    }
  }
}

std::string joined(const std::vector<std::string>& items, std::size_t most = 8) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < most; ++i) {
    out += i == 0 ? items[i] : ", " + items[i];
  }
  if (items.size() > most) {
    out += fmt::format(" and {} more", items.size() - most);
  }
  return out;
}

void check_config_secrets(std::vector<Finding>& out, const OpenClawInstall& install) {
  std::vector<std::string> found;
  find_plaintext_settings(install.settings, "", found);
  std::vector<std::string> others;
  for (const std::string& path : found) {
    if (path == "gateway.auth.password") {
      out.push_back(finding("config.secrets.gateway_password_in_config", Severity::kWarn,
                            kMiitPrivilege,
                            "the gateway password is in the config file in plaintext", path,
                            "use a SecretRef ({source: \"env\", ...}) or token auth; "
                            "chitin import-openclaw moves it into Chitin's encrypted store"));
    } else if (path == "hooks.token") {
      out.push_back(finding("config.secrets.hooks_token_in_config", Severity::kWarn, kMiitPrivilege,
                            "the hooks token is in the config file in plaintext", path,
                            "keep the config at 0600 and treat the token as a secret, or use "
                            "a SecretRef"));
    } else if (path != "gateway.auth.token" && path != "gateway.remote.token") {
      // The gateway token is like Chitin's own token file: a local secret kept at 0600 (the
      // permission checks cover it).
      others.push_back(path);
    }
  }
  if (!others.empty()) {
    out.push_back(
        finding("config.secrets.plaintext", Severity::kWarn, kMiitPrivilege,
                fmt::format("{} credential(s) sit in the config in plaintext", others.size()),
                fmt::format("settings: {} (values not shown)", joined(others)),
                "replace each with a SecretRef ({source, provider, id}) or ${ENV}; "
                "chitin import-openclaw moves them into Chitin's encrypted store"));
  }
}

// The kinds of credential in `text`: catalog types (OPENAI_API_KEY, PEM_PRIVATE_KEY, ...).
std::set<std::string> credential_kinds(std::string_view text, const privacy::Detector* shapes) {
  std::set<std::string> kinds;
  if (shapes == nullptr) {
    return kinds;
  }
  auto entities = shapes->detect(text.substr(0, std::min(text.size(), privacy::kMaxDetectBytes)));
  if (!entities) {
    return kinds;
  }
  for (const privacy::Entity& entity : *entities) {
    const privacy::EntityType& type = shapes->types()[entity.type];
    if (privacy::is_credential_type(type)) {
      kinds.insert(type.id);
    }
  }
  return kinds;
}

enum class Place { kEnv, kConfig, kCredentials, kTranscripts, kOther };

struct Sighting {
  std::vector<std::string> files;
  std::set<std::string> kinds;
};

Place place_of(const OpenClawInstall& install, const std::string& path) {
  const std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
  if (name == ".env" || name.ends_with(".env")) {
    return Place::kEnv;
  }
  if (path == install.config_path ||
      std::find(install.includes.begin(), install.includes.end(), path) != install.includes.end()) {
    return Place::kConfig;
  }
  const std::string relative = path.substr(install.dir.size());
  if (relative.starts_with("/credentials/") || name == "auth-profiles.json" ||
      name == "secrets.json" || name == "oauth.json" || name == "openclaw-agent.sqlite") {
    return Place::kCredentials;
  }
  if (relative.find("/sessions/") != std::string::npos || name.ends_with(".jsonl")) {
    return Place::kTranscripts;
  }
  return Place::kOther;
}

void scan_plaintext(std::vector<Finding>& out, const OpenClawInstall& install,
                    const privacy::Detector* shapes) {
  std::map<Place, Sighting> seen;
  std::vector<std::string> env_names;
  const auto prune = [&](const std::string& path) {
    const std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
    // Code and skills are scanned by the skill scanner, not for credentials.
    return name == "node_modules" || name == ".git" || path == install.dir + "/skills";
  };
  WalkLimits limits;
  limits.max_file_bytes = 16U << 20;
  limits.max_bytes = std::size_t{128} << 20;
  const auto outcome = walk_files(
      install.dir, prune,
      [&](const std::string& path, std::string_view text) {
        const Place place = place_of(install, path);
        auto kinds = credential_kinds(text, shapes);
        auto names = place == Place::kEnv ? plaintext_env_names(text) : std::vector<std::string>();
        if (kinds.empty() && names.empty()) {
          return;
        }
        env_names.insert(env_names.end(), names.begin(), names.end());
        Sighting& sighting = seen[place];
        sighting.files.push_back(path);
        sighting.kinds.insert(kinds.begin(), kinds.end());
      },
      limits);
  const auto kinds_text = [](const Sighting& s) {
    return joined(std::vector<std::string>(s.kinds.begin(), s.kinds.end()));
  };
  for (const auto& [place, sighting] : seen) {
    switch (place) {
      case Place::kEnv:
        out.push_back(finding(
            "secrets.plaintext_env_file", Severity::kWarn, kMiitPrivilege,
            "credentials sit in plaintext in .env files",
            fmt::format("{}: {}{}", joined(sighting.files), joined(env_names),
                        sighting.kinds.empty() ? "" : " (" + kinds_text(sighting) + ")"),
            "store them with chitin secrets set (or chitin import-openclaw, which moves them) "
            "and remove them from .env"));
        break;
      case Place::kConfig:
        out.push_back(finding(
            "config.secrets.plaintext", Severity::kWarn, kMiitPrivilege,
            "the config holds credential-shaped strings in plaintext",
            fmt::format("{}: {}", joined(sighting.files), kinds_text(sighting)),
            "replace each with a SecretRef or ${ENV}; chitin import-openclaw moves them into "
            "Chitin's encrypted store"));
        break;
      case Place::kCredentials:
        out.push_back(finding(
            "secrets.plaintext_credentials", Severity::kWarn, kMiitPrivilege,
            "credential files hold keys in plaintext (OpenClaw's default storage)",
            fmt::format("{}: {}", joined(sighting.files), kinds_text(sighting)),
            "keep them at 0600; chitin import-openclaw moves API keys into an encrypted store"));
        break;
      case Place::kTranscripts:
        out.push_back(
            finding("secrets.plaintext_in_transcripts", Severity::kCritical, kMiitPrivilege,
                    "transcripts contain credentials: they were shown to the model provider",
                    fmt::format("{}: {}", joined(sighting.files), kinds_text(sighting)),
                    "rotate those credentials now, then delete or redact the transcripts"));
        break;
      case Place::kOther:
        out.push_back(finding(
            "secrets.plaintext_in_state_dir", Severity::kCritical, kMiitPrivilege,
            "files in the state directory hold credentials in plaintext",
            fmt::format("{}: {}", joined(sighting.files), kinds_text(sighting)),
            "move the values into a secrets store, delete them here, and rotate them if the "
            "files were ever shared or synced"));
        break;
    }
  }
  if (outcome.truncated || outcome.skipped_large > 0) {
    out.push_back(finding(
        "secrets.scan_truncated", Severity::kWarn, kMiitPrivilege,
        "the plaintext-secret scan did not read every file",
        fmt::format("{} file(s), {} bytes read; {} larger than {} MiB skipped{}", outcome.files,
                    outcome.bytes, outcome.skipped_large, limits.max_file_bytes >> 20,
                    outcome.truncated ? "; the walk stopped at its limits" : ""),
        "review the remaining files by hand"));
  }
}

}  // namespace

void check_openclaw_files(std::vector<Finding>& out, const OpenClawInstall& install,
                          const privacy::Detector* shapes) {
  check_openclaw_permissions(out, install);
  check_synced_folder(out, install.dir);
  check_config_secrets(out, install);
  scan_plaintext(out, install, shapes);
}

}  // namespace chitin::doctor
