// Per-agent surroundings of an OpenClaw installation: the Docker sandbox settings, model
// hygiene, plugins, skills next to MCP servers, and the exec-approvals document.

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "base/ascii.h"
#include "config/config.h"
#include "doctor/findings.h"
#include "doctor/openclaw_names.h"
#include "doctor/openclaw_scopes.h"
#include "store/sqlite.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

// Longest model id looked at; no real one comes close.
constexpr std::size_t kMaxModelIdBytes = 256;

// Sources no sandbox should see: system trees, the Docker socket, credentials in a home.
bool dangerous_bind_source(const std::string& source) {
  static constexpr std::string_view kBlocked[] = {
      "/etc",     "/private/etc",     "/proc",          "/sys", "/dev", "/root", "/boot", "/run",
      "/var/run", "/private/var/run", "/var/lib/docker"};
  static constexpr std::string_view kHomeSecrets[] = {".aws",   ".cargo",   ".config", ".docker",
                                                      ".gnupg", ".netrc",   ".npm",    ".ssh",
                                                      ".kube",  ".openclaw"};
  std::vector<std::string> blocked(std::begin(kBlocked), std::end(kBlocked));
  for (const char* variable : {"HOME", "OPENCLAW_HOME", "USERPROFILE"}) {
    const char* home = std::getenv(variable);
    if (home != nullptr && *home == '/') {
      for (std::string_view dir : kHomeSecrets) {
        blocked.push_back(fmt::format("{}/{}", home, dir));
      }
    }
  }
  // "/./etc", "//etc" and "/etc/../root" are /etc and /root.
  std::string path = std::filesystem::path(source).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (path == "/" || path.find("docker.sock") != std::string::npos) {
    return true;
  }
  // Equal, inside, or covering (a bind of /home/u covers /home/u/.ssh).
  return std::any_of(blocked.begin(), blocked.end(),
                     [&](const std::string& b) {
                       return path == b || path.starts_with(b + "/") || b.starts_with(path + "/");
                     }) ||
         std::any_of(std::begin(kHomeSecrets), std::end(kHomeSecrets), [&](std::string_view d) {
           return path.find(fmt::format("/{}", d)) != std::string::npos;
         });
}

void check_docker(std::vector<Finding>& out, const nlohmann::json& sandbox,
                  const std::string& where, bool effective_off) {
  const auto* docker = find_setting(sandbox, "docker");
  if (docker == nullptr || docker->is_null()) {
    return;
  }
  if (effective_off) {
    out.push_back(finding("sandbox.docker_config_mode_off", Severity::kWarn, kMiitPrivilege,
                          "Docker sandbox settings exist but the sandbox is off",
                          fmt::format("{}.sandbox.mode is off", where),
                          "set sandbox.mode to \"all\" (or \"non-main\")"));
  }
  for (const std::string& bind : strings_setting(*docker, "binds")) {
    std::string source = bind.substr(0, bind.find(':'));
    if (source.starts_with("~")) {
      const char* home = std::getenv("HOME");
      source = std::string(home != nullptr ? home : "") + source.substr(1);
    }
    if (source.empty() || source.front() != '/') {
      out.push_back(finding("sandbox.bind_mount_non_absolute", Severity::kWarn, kMiitPrivilege,
                            "a sandbox bind mount has a relative source",
                            fmt::format("{}.sandbox.docker.binds: {}", where, bind),
                            "use absolute paths"));
    } else if (dangerous_bind_source(source)) {
      out.push_back(finding("sandbox.dangerous_bind_mount", Severity::kCritical, kMiitPrivilege,
                            "the sandbox mounts a system, credential or Docker-socket path",
                            fmt::format("{}.sandbox.docker.binds: {}", where, bind),
                            "remove the bind; mount only project folders"));
    }
  }
  const std::string network = ascii_lower(string_setting(*docker, "network", "none"));
  if (network == "host" || network.starts_with("container:")) {
    out.push_back(finding("sandbox.dangerous_network_mode", Severity::kCritical, kMiitPrivilege,
                          "the sandbox shares a network namespace it should not",
                          fmt::format("{}.sandbox.docker.network=\"{}\"", where, network),
                          "use \"none\" or a dedicated network"));
  }
  for (const auto& [key, id] :
       {std::pair{"seccompProfile", "sandbox.dangerous_seccomp_profile"},
        std::pair{"apparmorProfile", "sandbox.dangerous_apparmor_profile"}}) {
    if (ascii_lower(string_setting(*docker, key)) == "unconfined") {
      out.push_back(finding(id, Severity::kCritical, kMiitPrivilege,
                            fmt::format("the sandbox runs with {} unconfined", key),
                            fmt::format("{}.sandbox.docker.{}=unconfined", where, key),
                            "remove the setting"));
    }
  }
}

std::vector<std::string> model_refs(const nlohmann::json& node) {
  std::vector<std::string> out;
  if (node.is_string()) {
    out.push_back(node.get<std::string>());
  } else if (node.is_object()) {
    const std::string primary = string_setting(node, "primary");
    if (!primary.empty()) {
      out.push_back(primary);
    }
    for (const std::string& fallback : strings_setting(node, "fallbacks")) {
      out.push_back(fallback);
    }
  }
  return out;
}

}  // namespace

void check_sandbox(std::vector<Finding>& out, const nlohmann::json& settings,
                   const std::vector<AgentScope>& scopes, bool open) {
  // Chitin's own: tools that run on the host.
  std::vector<std::string> off;
  for (const AgentScope& scope : scopes) {
    if (scope.sandbox_mode == "off" && (scope.allows("exec") || scope.allows("write"))) {
      off.push_back(scope.label);
    }
  }
  if (!off.empty()) {
    out.push_back(finding("sandbox.mode_off", open ? Severity::kCritical : Severity::kWarn,
                          kMiitPrivilege, "tools run directly on the host: no sandbox",
                          fmt::format("{}", fmt::join(off, ", ")),
                          "set agents.defaults.sandbox.mode to \"all\"; in Chitin every tool "
                          "runs in a kernel sandbox, always"));
  }
  const bool every_off = std::all_of(scopes.begin(), scopes.end(),
                                     [](const AgentScope& s) { return s.sandbox_mode == "off"; });
  if (const auto* sandbox = find_setting(settings, "agents.defaults.sandbox")) {
    check_docker(out, *sandbox, "agents.defaults", every_off);
  }
  for (const AgentEntry& agent : agent_entries(settings)) {
    if (const auto* sandbox = find_setting(*agent.settings, "sandbox")) {
      const std::string id = agent.id;
      const auto scope = std::find_if(scopes.begin(), scopes.end(),
                                      [&id](const AgentScope& s) { return s.id == id; });
      check_docker(out, *sandbox, agent.label,
                   scope != scopes.end() && scope->sandbox_mode == "off");
    }
  }
}

void check_models(std::vector<Finding>& out, const nlohmann::json& settings,
                  const std::vector<AgentScope>& scopes) {
  std::vector<std::string> refs;
  for (const std::string_view key : {"agents.defaults.model", "agents.defaults.imageModel"}) {
    if (const auto* model = find_setting(settings, key)) {
      for (std::string& ref : model_refs(*model)) {
        refs.push_back(std::move(ref));
      }
    }
  }
  for (const AgentEntry& agent : agent_entries(settings)) {
    if (const auto* model = find_setting(*agent.settings, "model")) {
      for (std::string& ref : model_refs(*model)) {
        refs.push_back(std::move(ref));
      }
    }
  }
  const bool web = bool_setting(settings, "tools.web.fetch.enabled", true) ||
                   bool_setting(settings, "tools.web.search.enabled", false) ||
                   bool_setting(settings, "browser.enabled", true);
  const bool sandboxed = std::all_of(scopes.begin(), scopes.end(),
                                     [](const AgentScope& s) { return s.sandbox_mode == "all"; });
  for (const std::string& raw : refs) {
    if (raw.size() > kMaxModelIdBytes) {
      continue;  // no real model id is this long
    }
    const std::string id = ascii_lower(raw);
    if (model_is_legacy(id)) {
      out.push_back(finding("models.legacy", Severity::kWarn, kMiitSocialEngineering,
                            fmt::format("{} is a legacy model", raw),
                            "older models follow injected instructions more readily",
                            "use a current model"));
    } else if (model_is_weak_tier(id)) {
      out.push_back(finding("models.weak_tier", Severity::kWarn, kMiitSocialEngineering,
                            fmt::format("{} is a weak-tier model for tool use", raw),
                            "small or older tiers are easier to steer with prompt injection",
                            "use a frontier model for agents with tools"));
    }
    const int billions = model_parameter_billions(id);
    if (billions > 0 && billions <= 300) {
      out.push_back(finding(
          "models.small_params", web && !sandboxed ? Severity::kCritical : Severity::kInfo,
          kMiitSocialEngineering,
          fmt::format("{} is a small model ({}B parameters)", raw, billions),
          web ? "web or browser tools are available to it" : "no web tools are available to it",
          "use a larger model for agents that read the web, or sandbox them"));
    }
  }
}

void check_plugins(std::vector<Finding>& out, const OpenClawInstall& install,
                   const std::vector<AgentScope>& scopes) {
  const nlohmann::json& s = install.settings;
  // Plugins OpenClaw 2026.9.6 bundles (dist/extensions), which plugins.allow may name.
  static constexpr std::string_view kBundled[] = {"a2a",
                                                  "active-memory",
                                                  "admin-http-rpc",
                                                  "alibaba",
                                                  "anthropic",
                                                  "apple-fm",
                                                  "azure-speech",
                                                  "beam",
                                                  "bonjour",
                                                  "browser",
                                                  "canvas",
                                                  "clawrouter",
                                                  "code-mode-quickjs",
                                                  "copilot-proxy",
                                                  "crabbox",
                                                  "cua-computer",
                                                  "deepgram",
                                                  "device-pair",
                                                  "document-extract",
                                                  "elevenlabs",
                                                  "fal",
                                                  "file-transfer",
                                                  "geolocation",
                                                  "github",
                                                  "github-copilot",
                                                  "google",
                                                  "huggingface",
                                                  "image-generation-core",
                                                  "imap",
                                                  "linux-node",
                                                  "litellm",
                                                  "llm-task",
                                                  "lmstudio",
                                                  "logbook",
                                                  "memory-core",
                                                  "memory-wiki",
                                                  "microsoft",
                                                  "microsoft-foundry",
                                                  "migrate-claude",
                                                  "migrate-hermes",
                                                  "minimax",
                                                  "nvidia",
                                                  "oc-path",
                                                  "ollama",
                                                  "onepassword",
                                                  "openai",
                                                  "opencode-go",
                                                  "openrouter",
                                                  "policy",
                                                  "reef",
                                                  "runway",
                                                  "senseaudio",
                                                  "session-share",
                                                  "sglang",
                                                  "talk-voice",
                                                  "telegram",
                                                  "together",
                                                  "tts-local-cli",
                                                  "vault",
                                                  "vllm",
                                                  "web-readability",
                                                  "webhooks",
                                                  "workboard",
                                                  "xai"};
  std::vector<std::string> installed;
  if (auto fd = sys::open_file(install.dir + "/extensions", O_RDONLY | O_DIRECTORY | O_NOFOLLOW)) {
    if (auto entries = sys::list_directory(fd->get(), 1000)) {
      for (const auto& entry : *entries) {
        const std::string& name = entry.name;
        if (entry.status.is_directory && !name.starts_with(".") && name != "node_modules" &&
            !name.ends_with(".bak") && name.find(".backup-") == std::string::npos &&
            name.find(".disabled") == std::string::npos) {
          installed.push_back(name);
        }
      }
    }
  }
  if (installed.empty()) {
    return;
  }
  const auto allow = strings_setting(s, "plugins.allow");
  if (allow.empty()) {
    const auto* telegram = find_setting(s, "channels.telegram");
    const bool native_commands =
        telegram != nullptr && telegram->is_object() && bool_setting(*telegram, "enabled", true);
    out.push_back(finding("plugins.extensions_no_allowlist",
                          native_commands ? Severity::kCritical : Severity::kWarn, kMiitSkills,
                          "installed plugins load without an allow-list",
                          fmt::format("extensions/: {}", fmt::join(installed, ", ")),
                          "set plugins.allow to the plugins you use; Chitin runs no in-process "
                          "plugins (sandboxed MCP servers instead)"));
  }
  for (const std::string& id : allow) {
    if (id != "group:plugins" &&
        std::find(installed.begin(), installed.end(), id) == installed.end() &&
        std::find(std::begin(kBundled), std::end(kBundled), id) == std::end(kBundled)) {
      out.push_back(finding("plugins.allow_phantom_entries", Severity::kWarn, kMiitSkills,
                            "plugins.allow names a plugin that is not installed",
                            fmt::format("plugins.allow has {}", id),
                            "remove the entry so a later install does not load by surprise"));
    }
  }
  const auto deny = strings_setting(s, "plugins.deny");
  const bool enabled = std::any_of(installed.begin(), installed.end(), [&](const std::string& id) {
    return std::find(deny.begin(), deny.end(), id) == deny.end() &&
           (allow.empty() || std::find(allow.begin(), allow.end(), id) != allow.end()) &&
           bool_setting(s, "plugins.entries." + id + ".enabled", true);
  });
  if (enabled && std::any_of(scopes.begin(), scopes.end(), [](const AgentScope& a) {
        return a.allows("an-unknown-plugin-tool");
      })) {
    out.push_back(finding("plugins.tools_reachable_permissive_policy", Severity::kWarn, kMiitSkills,
                          "plugin tools are reachable under a permissive tool policy",
                          "no restrictive tool profile or allow-list",
                          "set tools.profile or tools.allow so plugin tools are opted into"));
  }
}

void check_skill_mcp_boundary(std::vector<Finding>& out, const OpenClawInstall& install,
                              const std::vector<AgentScope>& scopes) {
  const nlohmann::json& s = install.settings;
  std::size_t servers = 0;
  if (const auto* mcp = find_setting(s, "mcp.servers"); mcp && mcp->is_object()) {
    for (const auto& [name, server] : mcp->items()) {
      servers += bool_setting(server, "enabled", true) ? 1 : 0;
    }
  }
  const std::string registry = install.dir + "/skills/config/mcporter.json";
  if (auto status = sys::status_if_exists(registry); status && *status) {
    auto text = sys::read_regular_file(registry, 16U << 20);
    const auto json = text ? parse_bounded_json(*text) : nlohmann::json();
    if (!text || !json.is_object()) {
      out.push_back(
          finding("tools.exec.mcporter_registry_inspection_incomplete", Severity::kWarn,
                  kMiitSkills, "the MCP server registry could not be read",
                  text ? fmt::format("{} is not a JSON object", registry) : text.error().describe(),
                  "fix or remove the file"));
    } else if (const auto* listed = find_setting(json, "mcpServers");
               listed && listed->is_object()) {
      for (const auto& [name, server] : listed->items()) {
        servers += bool_setting(server, "enabled", true) ? 1 : 0;
      }
    }
  }
  const auto* defaults = find_setting(s, "agents.defaults");
  const auto agents = agent_entries(s);
  const bool skills_scoped =
      (defaults != nullptr && defaults->is_object() && defaults->contains("skills")) ||
      std::any_of(agents.begin(), agents.end(),
                  [](const AgentEntry& a) { return a.settings->contains("skills"); });
  const bool host_exec = std::any_of(scopes.begin(), scopes.end(), [](const AgentScope& a) {
    return a.exec_security != "deny" && a.exec_host != "sandbox" &&
           !(a.exec_host == "auto" && a.sandbox_mode != "off");
  });
  if (servers > 0 && skills_scoped && host_exec) {
    out.push_back(finding("tools.exec.agent_skill_mcp_boundary_drift", Severity::kWarn, kMiitSkills,
                          "skill allow-lists do not bound MCP servers reachable through exec",
                          fmt::format("{} MCP server(s) configured", servers),
                          "deny exec or sandbox it; skill lists do not restrict MCP tools"));
  }
}

namespace {

// One value of OpenClaw's machine state (state/openclaw.sqlite, config_machine_state),
// read-only; null when absent or unreadable.
nlohmann::json machine_state(const OpenClawInstall& install, std::string_view key) {
  const std::string database = install.dir + "/state/openclaw.sqlite";
  auto status = sys::status_if_exists(database);
  if (!status || !*status) {
    return nullptr;
  }
  auto db = store::Database::open_read_only(database);
  if (!db) {
    return nullptr;
  }
  auto statement = db->prepare("SELECT value_json FROM config_machine_state WHERE state_key = ?1");
  if (!statement || !statement->bind(1, key)) {
    return nullptr;
  }
  auto row = statement->step();
  if (!row || !*row) {
    return nullptr;
  }
  return parse_bounded_json(statement->text(0));
}

}  // namespace

void check_plugin_installs(std::vector<Finding>& out, const OpenClawInstall& install) {
  const nlohmann::json index = machine_state(install, "plugins.installedIndex");
  const auto* records = find_setting(index, "index.installRecords");
  if (records == nullptr || !records->is_object()) {
    return;
  }
  std::vector<std::string> unpinned;
  std::vector<std::string> no_integrity;
  std::vector<std::string> drift;
  for (const auto& [id, record] : records->items()) {
    if (string_setting(record, "source") != "npm") {
      continue;
    }
    const std::string spec = string_setting(record, "spec");
    if (!npm_spec_pinned(spec)) {
      unpinned.push_back(fmt::format("{} ({})", id, config::redact_url(spec)));
    }
    if (trimmed(string_setting(record, "integrity")).empty()) {
      no_integrity.push_back(id);
    }
    const std::string recorded =
        string_setting(record, "resolvedVersion", string_setting(record, "version"));
    const std::string path =
        string_setting(record, "installPath", install.dir + "/extensions/" + id);
    if (auto text = sys::read_regular_file(path + "/package.json", 1 << 20)) {
      const auto package = parse_bounded_json(*text);
      const std::string installed = string_setting(package, "version");
      if (!recorded.empty() && !installed.empty() && installed != recorded) {
        drift.push_back(fmt::format("{} (recorded {}, installed {})", id, recorded, installed));
      }
    }
  }
  if (!unpinned.empty()) {
    out.push_back(finding("plugins.installs_unpinned_npm_specs", Severity::kWarn, kMiitSkills,
                          "plugins were installed from npm without a pinned version",
                          fmt::format("{}", fmt::join(unpinned, ", ")),
                          "reinstall them as name@x.y.z so updates are deliberate"));
  }
  if (!no_integrity.empty()) {
    out.push_back(finding("plugins.installs_missing_integrity", Severity::kWarn, kMiitSkills,
                          "plugin install records carry no integrity hash",
                          fmt::format("{}", fmt::join(no_integrity, ", ")),
                          "reinstall them so the package hash is recorded and checked"));
  }
  if (!drift.empty()) {
    out.push_back(finding("plugins.installs_version_drift", Severity::kWarn, kMiitSkills,
                          "installed plugin files differ from their install records",
                          fmt::format("{}", fmt::join(drift, ", ")),
                          "find out who changed them; reinstall from the registry"));
  }
}

nlohmann::json read_exec_approvals(const OpenClawInstall& install, std::string* source) {
  const std::string database = install.dir + "/state/openclaw.sqlite";
  if (auto status = sys::status_if_exists(database); status && *status) {
    if (auto db = store::Database::open_read_only(database)) {
      if (auto statement = db->prepare(
              "SELECT raw_json FROM exec_approvals_config WHERE config_key = 'current'")) {
        if (auto row = statement->step(); row && *row) {
          if (source != nullptr) {
            *source = database + "#exec_approvals_config";
          }
          auto document = parse_bounded_json(statement->text(0));
          return document.is_object() ? std::move(document) : nlohmann::json(nullptr);
        }
      }
    }
  }
  const std::string legacy = install.dir + "/exec-approvals.json";
  if (auto text = sys::read_regular_file(legacy, 8U << 20)) {
    if (source != nullptr) {
      *source = legacy;
    }
    auto document = parse_bounded_json(*text);
    return document.is_object() ? std::move(document) : nlohmann::json(nullptr);
  }
  return nullptr;
}

void check_exec_approvals(std::vector<Finding>& out, const OpenClawInstall& install) {
  std::string source;
  const nlohmann::json document = read_exec_approvals(install, &source);
  if (!document.is_object()) {
    return;
  }
  const nlohmann::json& s = install.settings;
  bool auto_allow = bool_setting(document, "defaults.autoAllowSkills", false);
  std::vector<std::string> interpreters;
  if (const auto* agents = find_setting(document, "agents"); agents && agents->is_object()) {
    for (const auto& [id, agent] : agents->items()) {
      auto_allow = auto_allow || bool_setting(agent, "autoAllowSkills", false);
      bool strict = bool_setting(s, "tools.exec.strictInlineEval", false);
      for (const AgentEntry& entry : agent_entries(s)) {
        if (entry.id == id) {
          strict = bool_setting(*entry.settings, "tools.exec.strictInlineEval", strict);
        }
      }
      const auto* list = find_setting(agent, "allowlist");
      if (strict || list == nullptr || !list->is_array()) {
        continue;
      }
      for (const auto& entry : *list) {
        const std::string pattern = string_setting(entry, "pattern");
        const std::string base = pattern.substr(pattern.rfind('/') + 1);
        if (is_interpreter_name(base)) {
          interpreters.push_back(fmt::format("{}: {}", id, pattern));
        }
      }
    }
  }
  if (auto_allow) {
    out.push_back(finding("tools.exec.auto_allow_skills_enabled", Severity::kWarn, kMiitSkills,
                          "every skill's binaries are trusted automatically",
                          fmt::format("autoAllowSkills in {}", source),
                          "approve skill binaries one by one"));
  }
  if (!interpreters.empty()) {
    out.push_back(finding("tools.exec.allowlist_interpreter_without_strict_inline_eval",
                          Severity::kWarn, kMiitPrivilege,
                          "approved interpreters may evaluate inline code without approval",
                          fmt::format("{} ({})", fmt::join(interpreters, ", "), source),
                          "set tools.exec.strictInlineEval: true; chitin import-openclaw drops "
                          "bare interpreters and shells from approvals"));
  }
}

}  // namespace chitin::doctor
