#include "doctor/openclaw_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "base/json_depth.h"
#include "config/openclaw_config.h"
#include "doctor/findings.h"
#include "doctor/openclaw_checks.h"
#include "privacy/detector.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

const nlohmann::json* find_setting(const nlohmann::json& root, std::string_view dotted) {
  const nlohmann::json* node = &root;
  while (!dotted.empty()) {
    const auto dot = dotted.find('.');
    const std::string_view key = dotted.substr(0, dot);
    if (!node->is_object()) {
      return nullptr;
    }
    const auto it = node->find(key);
    if (it == node->end()) {
      return nullptr;
    }
    node = &*it;
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  return node;
}

std::string string_setting(const nlohmann::json& root, std::string_view dotted,
                           std::string_view fallback) {
  const nlohmann::json* value = find_setting(root, dotted);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string(fallback);
}

bool bool_setting(const nlohmann::json& root, std::string_view dotted, bool fallback) {
  const nlohmann::json* value = find_setting(root, dotted);
  return value != nullptr && value->is_boolean() ? value->get<bool>() : fallback;
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::vector<std::pair<std::string, std::string>> parse_dotenv(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto end = std::min(text.find('\n'), text.size());
    std::string line = trimmed(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (line.starts_with("export ")) {
      line = trimmed(std::string_view(line).substr(7));
    }
    const auto equals = line.find('=');
    if (line.empty() || line.front() == '#' || equals == std::string::npos) {
      continue;
    }
    std::string value = trimmed(std::string_view(line).substr(equals + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out.emplace_back(trimmed(std::string_view(line).substr(0, equals)), std::move(value));
  }
  return out;
}

nlohmann::json parse_bounded_json(std::string_view text) {
  constexpr std::size_t kMaxBytes = 8U << 20;
  constexpr std::size_t kMaxDepth = 64;
  if (text.size() > kMaxBytes || json_nesting_depth(text) > kMaxDepth) {
    return nullptr;
  }
  auto value = nlohmann::json::parse(text, nullptr, false);
  return value.is_discarded() ? nlohmann::json(nullptr) : value;
}

bool is_secret_reference(const nlohmann::json& value) {
  if (value.is_object()) {
    const auto source = value.find("source");
    return source != value.end() && source->is_string() && value.contains("id");
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    return text.starts_with("${") && text.ends_with("}") && text.find('}') == text.size() - 1;
  }
  return false;
}

std::vector<std::string> strings_setting(const nlohmann::json& root, std::string_view dotted) {
  std::vector<std::string> out;
  const auto* list = find_setting(root, dotted);
  if (list != nullptr && list->is_array()) {
    for (const auto& item : *list) {
      if (item.is_string()) {
        out.push_back(item.get<std::string>());
      }
    }
  }
  return out;
}

std::vector<AgentEntry> agent_entries(const nlohmann::json& settings) {
  std::vector<AgentEntry> out;
  if (const auto* entries = find_setting(settings, "agents.entries");
      entries != nullptr && entries->is_object()) {
    for (const auto& [id, entry] : entries->items()) {
      if (entry.is_object()) {
        out.push_back(AgentEntry{id, "agents.entries." + id, &entry});
      }
    }
  }
  if (const auto* list = find_setting(settings, "agents.list");
      list != nullptr && list->is_array()) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const nlohmann::json& entry = (*list)[i];
      if (entry.is_object()) {
        out.push_back(AgentEntry{string_setting(entry, "id", "main"),
                                 fmt::format("agents.list[{}]", i), &entry});
      }
    }
  }
  return out;
}

bool loopback_bind(const nlohmann::json& settings) {
  return string_setting(settings, "gateway.bind", "loopback") == "loopback";
}

bool remotely_exposed(const nlohmann::json& settings) {
  const std::string tailscale = string_setting(settings, "gateway.tailscale.mode", "off");
  return !loopback_bind(settings) || tailscale == "serve" || tailscale == "funnel";
}

namespace {

bool env_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// Substitutes every ${VAR}; false when one is not known.
bool substitute_env(std::string_view text, const std::map<std::string, std::string>& env,
                    std::string& out) {
  out.clear();
  std::size_t at = 0;
  while (at < text.size()) {
    const auto open = text.find("${", at);
    if (open == std::string_view::npos) {
      out.append(text.substr(at));
      break;
    }
    const auto close = text.find('}', open);
    if (close == std::string_view::npos) {
      out.append(text.substr(at));
      break;
    }
    out.append(text.substr(at, open - at));
    const auto found = env.find(std::string(text.substr(open + 2, close - open - 2)));
    if (found == env.end() || found->second.empty()) {
      return false;
    }
    out += found->second;
    at = close + 1;
  }
  return true;
}

}  // namespace

Credential credential_at(const OpenClawInstall& install, std::string_view dotted) {
  Credential credential;
  const nlohmann::json* value = find_setting(install.settings, dotted);
  if (value == nullptr) {
    return credential;
  }
  if (value->is_object()) {
    if (is_secret_reference(*value)) {
      credential.form = CredentialForm::kSecretRef;
      if (string_setting(*value, "source") == "env") {
        const auto found = install.env.find(string_setting(*value, "id"));
        credential.value = found != install.env.end() ? found->second : std::string();
      }
    }
    return credential;
  }
  if (!value->is_string()) {
    return credential;
  }
  const std::string text = trimmed(value->get_ref<const std::string&>());
  if (text.empty()) {
    return credential;
  }
  credential.value = text;
  if (text.size() > 1 && text.front() == '$' && text[1] != '{' &&
      std::all_of(text.begin() + 1, text.end(), env_name_char)) {
    credential.form = CredentialForm::kShorthand;
  } else if (text.find("${") != std::string::npos) {
    std::string resolved;
    if (substitute_env(text, install.env, resolved)) {
      credential.form = CredentialForm::kEnvResolved;
      credential.value = resolved;
    } else {
      credential.form = CredentialForm::kEnvUnresolved;
    }
  } else {
    credential.form = CredentialForm::kLiteral;
  }
  return credential;
}

namespace {

// dir/.env (KEY=VALUE, optional export and quotes) and the config's env block (direct string
// keys and env.vars).
std::map<std::string, std::string> daemon_env(const std::string& dir,
                                              const nlohmann::json& settings) {
  std::map<std::string, std::string> env;
  if (auto text = sys::read_regular_file(dir + "/.env", 1 << 20)) {
    for (auto& [name, value] : parse_dotenv(*text)) {
      env[name] = std::move(value);
    }
  }
  for (const std::string_view block : {"env", "env.vars"}) {
    const auto* vars = find_setting(settings, block);
    if (vars != nullptr && vars->is_object()) {
      for (const auto& [key, value] : vars->items()) {
        if (value.is_string()) {
          env[key] = value.get<std::string>();
        }
      }
    }
  }
  return env;
}

// OpenClaw's roll-up of what is reachable, so that a reader sees the whole surface at once.
Finding attack_surface(const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  int open_groups = 0;
  int allowlist_groups = 0;
  int open_dms = 0;
  if (const auto* channels = find_setting(s, "channels"); channels && channels->is_object()) {
    for (const auto& [name, channel] : channels->items()) {
      const std::string group = string_setting(channel, "groupPolicy", "allowlist");
      open_groups += group == "open" ? 1 : 0;
      allowlist_groups += group == "allowlist" ? 1 : 0;
      open_dms += string_setting(channel, "dmPolicy") == "open" ? 1 : 0;
    }
  }
  return finding(
      "summary.attack_surface", Severity::kInfo, 0, "Attack surface summary",
      fmt::format("gateway.bind: {}; auth: {}; DMs open: {}; groups open={}, allowlist={}; "
                  "tools.elevated: {}; hooks: {}; sandbox: {}; exec security: {}",
                  string_setting(s, "gateway.bind", "loopback"),
                  string_setting(s, "gateway.auth.mode", "token"), open_dms, open_groups,
                  allowlist_groups,
                  bool_setting(s, "tools.elevated.enabled", true) ? "enabled" : "disabled",
                  bool_setting(s, "hooks.enabled", false) ? "enabled" : "disabled",
                  string_setting(s, "agents.defaults.sandbox.mode", "off"),
                  string_setting(s, "tools.exec.security", "full")),
      "work through the critical findings first: open surfaces with tools, then exposure");
}

void check_suppressions(std::vector<Finding>& out, const nlohmann::json& settings) {
  const auto* suppressions = find_setting(settings, "security.audit.suppressions");
  if (suppressions == nullptr || !suppressions->is_array() || suppressions->empty()) {
    return;
  }
  std::string ids;
  for (const auto& entry : *suppressions) {
    const std::string id = string_setting(entry, "checkId", "?");
    ids += ids.empty() ? id : ", " + id;
  }
  out.push_back(
      finding("security.audit.suppressions.active", Severity::kInfo, kMiitAudit,
              fmt::format("{} audit suppression(s) are configured", suppressions->size()),
              fmt::format("security.audit.suppressions: {}", ids),
              "Chitin reports suppressed findings anyway; remove suppressions you no longer need"));
  out.push_back(
      finding("config.insecure_or_dangerous_flags", Severity::kWarn, kMiitAudit,
              fmt::format("security.audit.suppressions configured ({})", suppressions->size()),
              "suppressed findings disappear from OpenClaw's own audit",
              "review each suppression's reason"));
}

}  // namespace

std::span<const std::string_view> openclaw_check_ids() {
  static constexpr std::string_view kIds[] = {
      // Configuration and its files.
      "config.unreadable", "config.include_outside_root", "config.insecure_or_dangerous_flags",
      "config.secrets.gateway_password_in_config", "config.secrets.hooks_token_in_config",
      "config.secrets.plaintext", "security.audit.suppressions.active", "summary.attack_surface",
      // Permissions: OpenClaw's names where it has them (fs.config.perms_writable,
      // fs.state_dir.perms_readable, ...), Chitin's for the files OpenClaw does not check.
      "fs.<x>.symlink", "fs.state_dir.perms_<x>", "fs.config.perms_<x>",
      "fs.config_include.perms_<x>", "fs.credentials_dir.perms_<x>", "fs.auth_profiles.perms_<x>",
      "fs.sessions_store.perms_<x>", "fs.log_file.perms_<x>", "fs.env_file.perms_<x>",
      "fs.secrets_file.perms_<x>", "fs.state_db.perms_<x>", "fs.synced_dir",
      // Plaintext secrets.
      "secrets.plaintext_env_file", "secrets.plaintext_credentials",
      "secrets.plaintext_in_transcripts", "secrets.plaintext_in_state_dir",
      "secrets.scan_truncated", "secrets.scanner_unavailable",
      // Gateway and exposure.
      "gateway.bind_no_auth", "gateway.loopback_no_auth", "gateway.http.no_auth",
      "gateway.bind_no_tls", "gateway.trusted_proxies_missing", "gateway.auth_no_rate_limit",
      "gateway.<x>_placeholder_value", "gateway.<x>_too_short", "gateway.trusted_proxy_auth",
      "gateway.trusted_proxy_no_proxies", "gateway.trusted_proxy_no_user_header",
      "gateway.trusted_proxy_no_allowlist", "gateway.trusted_proxy_allow_loopback",
      "gateway.trusted_proxy_device_auto_approve",
      "gateway.trusted_proxy_device_auto_approve_admin",
      "gateway.control_ui.allowed_origins_wildcard", "gateway.control_ui.allowed_origins_required",
      "gateway.control_ui.host_header_origin_fallback", "gateway.real_ip_fallback_enabled",
      "gateway.tailscale_funnel", "gateway.tailscale_serve",
      "gateway.tools_invoke_http.dangerous_allow", "gateway.nodes.allow_commands_dangerous",
      "gateway.nodes.deny_commands_ineffective", "gateway.http.session_key_override_enabled",
      "discovery.mdns_full_mode", "mcp.apps.enabled",
      // Hooks and browser.
      "hooks.token_too_short", "hooks.token_reuse_gateway_token", "hooks.path_root",
      "hooks.default_session_key_unset", "hooks.allowed_agent_ids_unrestricted",
      "hooks.request_session_key_enabled", "hooks.request_session_key_prefixes_missing",
      "browser.extension_relay_legacy_auth", "browser.remote_cdp_http",
      // Tools, exec and sandbox.
      "tools.exec.security_full_configured", "tools.exec.ask_off",
      "tools.exec.host_sandbox_no_sandbox_defaults", "tools.exec.host_sandbox_no_sandbox_agents",
      "tools.exec.fs_tools_disabled_but_exec_enabled",
      "tools.exec.safe_bins_interpreter_unprofiled", "tools.exec.safe_bins_broad_behavior",
      "tools.exec.safe_bin_trusted_dirs_risky", "tools.exec.auto_allow_skills_enabled",
      "tools.exec.allowlist_interpreter_without_strict_inline_eval",
      "tools.exec.agent_skill_mcp_boundary_drift",
      "tools.exec.mcporter_registry_inspection_incomplete", "tools.elevated.allowFrom.<x>.wildcard",
      "tools.elevated.allowFrom.<x>.large", "tools.elevated.enabled",
      "tools.profile_minimal_overridden", "sandbox.mode_off", "sandbox.docker_config_mode_off",
      "sandbox.bind_mount_non_absolute", "sandbox.dangerous_bind_mount",
      "sandbox.dangerous_network_mode", "sandbox.dangerous_seccomp_profile",
      "sandbox.dangerous_apparmor_profile",
      // Who can reach the agent.
      "security.exposure.open_channels_with_exec", "security.exposure.open_groups_with_elevated",
      "security.exposure.open_groups_with_runtime_or_fs",
      "security.exposure.open_groups_with_control_plane_tools",
      "security.trust_model.multi_user_heuristic", "security.trust_model.group_scope_main",
      "security.trust_model.cross_agent_session_access_default", "channels.<x>.dm.open",
      "channels.<x>.dm.open_invalid", "channels.<x>.dm.scope_main_multiuser",
      "channels.<x>.groups.open", "channels.<x>.allowFrom.dangerous_name_matching_enabled",
      // Models, plugins, skills, logging.
      "models.legacy", "models.weak_tier", "models.small_params", "plugins.extensions_no_allowlist",
      "plugins.allow_phantom_entries", "plugins.tools_reachable_permissive_policy",
      "plugins.installs_unpinned_npm_specs", "plugins.installs_missing_integrity",
      "plugins.installs_version_drift", "skills.code_safety", "skills.code_safety.scan_failed",
      "skills.workspace.symlink_escape", "skills.unsigned", "logging.audit_disabled"};
  return kIds;
}

Result<LoadedInstall> load_openclaw_install(const std::string& dir) {
  auto status = CHITIN_TRY(sys::status_if_exists(dir));
  if (!status || !(status->is_directory || status->is_symlink)) {
    return fail(ErrorCode::kNotFound,
                "{} is not an OpenClaw state directory (give its path; the default is "
                "~/.openclaw)",
                dir);
  }
  LoadedInstall loaded;
  OpenClawInstall& install = loaded.install;
  install.dir = dir;
  install.config_path = dir + "/openclaw.json";
  auto config_status = CHITIN_TRY(sys::status_if_exists(install.config_path));
  install.config_present = config_status.has_value();
  if (install.config_present) {
    std::vector<std::string> roots;
    if (const char* extra = std::getenv("OPENCLAW_INCLUDE_ROOTS"); extra != nullptr) {
      for (std::string_view rest = extra; !rest.empty();) {
        const auto colon = std::min(rest.find(':'), rest.size());
        if (colon > 0) {
          roots.emplace_back(rest.substr(0, colon));
        }
        rest.remove_prefix(std::min(colon + 1, rest.size()));
      }
    }
    auto config = config::read_openclaw_config(install.config_path, roots);
    if (config) {
      install.settings = std::move(config->settings);
      install.includes = std::move(config->includes);
      install.skipped_includes = std::move(config->skipped);
    } else {
      loaded.config_error = config.error().describe();
    }
  }
  install.env = daemon_env(dir, install.settings);
  return loaded;
}

Result<Report> audit_openclaw(const std::string& dir, const OpenClawOptions& options) {
  auto loaded = CHITIN_TRY(load_openclaw_install(dir));
  OpenClawInstall& install = loaded.install;
  Report report;
  auto& out = report.findings;
  if (!loaded.config_error.empty()) {
    out.push_back(finding("config.unreadable", Severity::kCritical, 0,
                          "openclaw.json cannot be read, so its settings were not audited",
                          loaded.config_error,
                          "fix the file (openclaw doctor shows the same problem), then audit "
                          "again"));
  }
  for (const std::string& skipped : install.skipped_includes) {
    out.push_back(finding("config.include_outside_root", Severity::kWarn, 0,
                          fmt::format("an $include leaves the config's directory: {}", skipped),
                          "OpenClaw refuses to load a config whose includes escape its "
                          "directory (and OPENCLAW_INCLUDE_ROOTS); the rest was audited "
                          "without that file",
                          "move the file next to openclaw.json or remove the $include"));
  }
  out.push_back(attack_surface(install));
  check_suppressions(out, install.settings);
  check_openclaw_gateway(out, install);
  check_openclaw_tools(out, install);
  std::unique_ptr<privacy::Detector> shapes;
  if (options.scan_secrets) {
    privacy::DetectorOptions detector_options;
    detector_options.cache_dir = options.privacy_cache_dir;
    auto detector = privacy::Detector::create(std::move(detector_options));
    if (detector) {
      shapes = std::move(*detector);
    } else {
      out.push_back(finding("secrets.scanner_unavailable", Severity::kWarn, 0,
                            "the secret-shape detector cannot start; only credentials named "
                            "as such (.env and config keys) are found",
                            detector.error().describe(), "reinstall Chitin"));
    }
  }
  check_openclaw_files(out, install, shapes.get());
  if (options.scan_skills) {
    check_openclaw_skills(out, install);
  }
  return report;
}

}  // namespace chitin::doctor
