#include "doctor/openclaw_audit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

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
  if (auto text = sys::read_file(dir + "/.env", 1 << 20)) {
    std::string_view rest = *text;
    while (!rest.empty()) {
      const auto end = std::min(rest.find('\n'), rest.size());
      std::string line = trimmed(rest.substr(0, end));
      rest.remove_prefix(std::min(end + 1, rest.size()));
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
      env[trimmed(std::string_view(line).substr(0, equals))] = value;
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
      finding("security.audit.suppressions.active", Severity::kInfo, 6,
              fmt::format("{} audit suppression(s) are configured", suppressions->size()),
              fmt::format("security.audit.suppressions: {}", ids),
              "Chitin reports suppressed findings anyway; remove suppressions you no longer need"));
  out.push_back(
      finding("config.insecure_or_dangerous_flags", Severity::kWarn, 6,
              fmt::format("security.audit.suppressions configured ({})", suppressions->size()),
              "suppressed findings disappear from OpenClaw's own audit",
              "review each suppression's reason"));
}

}  // namespace

Result<Report> audit_openclaw(const std::string& dir, const OpenClawOptions& options) {
  auto status = CHITIN_TRY(sys::status_if_exists(dir));
  if (!status || !(status->is_directory || status->is_symlink)) {
    return fail(ErrorCode::kNotFound,
                "{} is not an OpenClaw state directory (give its path: chitin doctor --openclaw "
                "DIR; the default is ~/.openclaw)",
                dir);
  }
  OpenClawInstall install;
  install.dir = dir;
  install.config_path = dir + "/openclaw.json";
  Report report;
  auto& out = report.findings;
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
      out.push_back(finding("config.unreadable", Severity::kCritical, 0,
                            "openclaw.json cannot be read, so its settings were not audited",
                            config.error().describe(),
                            "fix the file (openclaw doctor shows the same problem), then audit "
                            "again"));
    }
  }
  install.env = daemon_env(dir, install.settings);
  for (const std::string& skipped : install.skipped_includes) {
    out.push_back(
        finding("config.include_outside_root", Severity::kWarn, 0,
                fmt::format("an $include outside the config's directory is ignored: {}", skipped),
                "OpenClaw loads includes only from the config's directory and "
                "OPENCLAW_INCLUDE_ROOTS, so these settings are not in effect",
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
                            "the secret-shape detector cannot start; only known marks are "
                            "looked for",
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
