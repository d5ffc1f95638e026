// What an OpenClaw agent may do and who may ask it to: exec security and approvals, elevated
// tools, the sandbox, tool policy, inbound DM and group policies and their combination
// (security.exposure.*), models, plugins and the audit ledger. Conditions follow OpenClaw
// 2026.9.6's audit; where Chitin is stricter the code says so (exec security defaults to
// "full" here because that is what OpenClaw runs with, while its audit assumes "deny").

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>

#include "base/ascii.h"
#include "doctor/findings.h"
#include "doctor/openclaw_checks.h"
#include "doctor/openclaw_scopes.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

std::string exec_security(const nlohmann::json& scope, std::string_view fallback) {
  const std::string mode = string_setting(scope, "tools.exec.mode");
  if (mode == "full" || mode == "deny") {
    return mode;
  }
  if (mode == "ask" || mode == "auto" || mode == "allowlist") {
    return "allowlist";
  }
  return string_setting(scope, "tools.exec.security", fallback);
}

std::vector<AgentScope> agent_scopes(const nlohmann::json& s) {
  AgentScope defaults;
  defaults.id = "main";
  defaults.label = "agents.defaults";
  defaults.exec_security = exec_security(s, "full");
  defaults.exec_ask = string_setting(s, "tools.exec.ask", "off");
  defaults.exec_host = string_setting(s, "tools.exec.host", "auto");
  defaults.sandbox_mode = string_setting(s, "agents.defaults.sandbox.mode", "off");
  defaults.workspace_only = bool_setting(s, "tools.fs.workspaceOnly", false);
  defaults.policy = ToolPolicy::from_settings(s, nullptr);
  defaults.sandbox_tools_configured = find_setting(s, "tools.sandbox.tools") != nullptr;
  std::vector<AgentScope> out = {defaults};
  const auto add = [&](const std::string& id, const nlohmann::json& entry) {
    AgentScope scope = defaults;
    scope.id = id;
    scope.label = "agents.entries." + id;
    scope.exec_security = exec_security(entry, defaults.exec_security);
    scope.exec_ask = string_setting(entry, "tools.exec.ask", defaults.exec_ask);
    scope.exec_host = string_setting(entry, "tools.exec.host", defaults.exec_host);
    scope.sandbox_mode = string_setting(entry, "sandbox.mode", defaults.sandbox_mode);
    scope.workspace_only = bool_setting(entry, "tools.fs.workspaceOnly", defaults.workspace_only);
    scope.policy = ToolPolicy::from_settings(s, &entry);
    scope.profile_override = string_setting(entry, "tools.profile");
    out.push_back(std::move(scope));
  };
  for (const AgentEntry& agent : agent_entries(s)) {
    add(agent.id, *agent.settings);
    out.back().label = agent.label;
  }
  return out;
}

bool exec_enabled(const AgentScope& scope) {
  return scope.exec_security != "deny" && scope.allows("exec");
}

std::vector<std::string> labels_where(const std::vector<AgentScope>& scopes,
                                      const std::function<bool(const AgentScope&)>& test) {
  std::vector<std::string> out;
  for (const AgentScope& scope : scopes) {
    if (test(scope)) {
      out.push_back(scope.label);
    }
  }
  return out;
}

// Every object under channels (defaults, accounts, groups, dms, ...) whose DM or group policy
// is "open": the union of what OpenClaw's exec and exposure scans count.
void open_policies(const nlohmann::json& node, const std::string& path,
                   std::vector<std::string>& out, int depth = 0) {
  if (!node.is_object() || depth > 8) {
    return;
  }
  if (string_setting(node, "groupPolicy") == "open") {
    out.push_back(path + ".groupPolicy");
  }
  if (string_setting(node, "dmPolicy") == "open") {
    out.push_back(path + ".dmPolicy");
  }
  if (string_setting(node, "dm.policy") == "open") {
    out.push_back(path + ".dm.policy");
  }
  for (const auto& [key, value] : node.items()) {
    if (key != "dm") {
      open_policies(value, path + "." + key, out, depth + 1);
    }
  }
}

}  // namespace

bool is_interpreter_name(std::string_view command) {
  static constexpr std::string_view kInterpreters[] = {
      "ash",  "awk",  "bash",       "busybox", "bun",  "cmd",       "cscript", "dash",    "deno",
      "fish", "gawk", "gsed",       "ksh",     "lua",  "mawk",      "nawk",    "node",    "nodejs",
      "perl", "php",  "powershell", "pypy",    "pwsh", "python",    "python2", "python3", "ruby",
      "sed",  "sh",   "toybox",     "wscript", "zsh",  "osascript", "env",     "xargs",   "sudo",
      "su",   "find", "tclsh",      "Rscript", "julia"};
  std::string base = ascii_lower(command.substr(command.rfind('/') + 1));
  for (const std::string_view suffix : {".exe", ".cmd", ".bat", ".com"}) {
    if (base.ends_with(suffix)) {
      base.resize(base.size() - suffix.size());
    }
  }
  // python3.12, node22, ruby3 ...
  const auto versioned = base.find_first_of("0123456789.");
  const std::string stem =
      versioned == std::string::npos || versioned == 0 ? base : base.substr(0, versioned);
  return std::any_of(std::begin(kInterpreters), std::end(kInterpreters),
                     [&](std::string_view i) { return base == ascii_lower(i) || stem == i; });
}

namespace {

void check_exec(std::vector<Finding>& out, const nlohmann::json& s,
                const std::vector<AgentScope>& scopes, bool open) {
  const auto full = labels_where(
      scopes, [](const AgentScope& a) { return a.exec_security == "full" && exec_enabled(a); });
  if (!full.empty()) {
    out.push_back(
        finding("tools.exec.security_full_configured", open ? Severity::kCritical : Severity::kWarn,
                kMiitPrivilege, "host exec runs any command without an allow-list (security=full)",
                fmt::format("{}{}", fmt::join(full, ", "),
                            find_setting(s, "tools.exec.security") == nullptr &&
                                    find_setting(s, "tools.exec.mode") == nullptr
                                ? " (OpenClaw's default on gateway hosts)"
                                : ""),
                "set tools.exec.security to \"allowlist\" (or \"deny\") and ask to \"always\"; in "
                "Chitin every exec runs in the kernel sandbox"));
  }
  // Chitin's own: nobody is asked before a host command runs.
  const auto no_ask = labels_where(scopes, [](const AgentScope& a) {
    return a.exec_ask == "off" && exec_enabled(a) && a.sandbox_mode != "all";
  });
  if (!no_ask.empty()) {
    out.push_back(finding("tools.exec.ask_off", open ? Severity::kCritical : Severity::kWarn,
                          kMiitPrivilege, "host commands run without asking anyone (ask=off)",
                          fmt::format("{}", fmt::join(no_ask, ", ")),
                          "set tools.exec.ask to \"on-miss\" or \"always\""));
  }
  if (scopes.front().exec_host == "sandbox" && scopes.front().sandbox_mode == "off") {
    out.push_back(finding("tools.exec.host_sandbox_no_sandbox_defaults", Severity::kWarn,
                          kMiitPrivilege, "exec is routed to a sandbox that is off",
                          "tools.exec.host=\"sandbox\", agents.defaults.sandbox.mode=\"off\"",
                          "turn the sandbox on (agents.defaults.sandbox.mode)"));
  }
  const auto routed = labels_where(
      std::vector<AgentScope>(scopes.begin() + 1, scopes.end()),
      [](const AgentScope& a) { return a.exec_host == "sandbox" && a.sandbox_mode == "off"; });
  if (!routed.empty()) {
    out.push_back(finding("tools.exec.host_sandbox_no_sandbox_agents", Severity::kWarn,
                          kMiitPrivilege, "agents route exec to a sandbox that is off",
                          fmt::format("{}", fmt::join(routed, ", ")), "turn their sandbox on"));
  }
  const auto fs_off_exec_on = labels_where(scopes, [](const AgentScope& a) {
    return exec_enabled(a) && (!a.allows("write") || !a.allows("edit") || !a.allows("apply_patch"));
  });
  if (!fs_off_exec_on.empty()) {
    out.push_back(finding("tools.exec.fs_tools_disabled_but_exec_enabled", Severity::kWarn,
                          kMiitPrivilege, "file tools are denied but exec can still write files",
                          fmt::format("{}", fmt::join(fs_off_exec_on, ", ")),
                          "deny exec too (group:runtime), or sandbox it"));
  }
}

void check_safe_bins(std::vector<Finding>& out, const nlohmann::json& s) {
  std::vector<std::string> bins = strings_setting(s, "tools.exec.safeBins");
  std::vector<std::string> dirs = strings_setting(s, "tools.exec.safeBinTrustedDirs");
  for (const AgentEntry& agent : agent_entries(s)) {
    for (const std::string& bin : strings_setting(*agent.settings, "tools.exec.safeBins")) {
      bins.push_back(bin);
    }
    for (const std::string& dir :
         strings_setting(*agent.settings, "tools.exec.safeBinTrustedDirs")) {
      dirs.push_back(dir);
    }
  }
  const auto* profiles = find_setting(s, "tools.exec.safeBinProfiles");
  std::vector<std::string> interpreters;
  std::vector<std::string> broad;
  for (const std::string& bin : bins) {
    const std::string base = ascii_lower(bin.substr(bin.rfind('/') + 1));
    if (is_interpreter_name(bin) &&
        (profiles == nullptr || !profiles->is_object() || !profiles->contains(base))) {
      interpreters.push_back(bin);
    }
    if (base == "jq" || base == "awk" || base == "gawk" || base == "mawk" || base == "nawk" ||
        base == "sed" || base == "gsed") {
      broad.push_back(bin);
    }
  }
  if (!interpreters.empty()) {
    out.push_back(finding("tools.exec.safe_bins_interpreter_unprofiled", Severity::kWarn,
                          kMiitPrivilege, "interpreters are listed as safe stdin filters",
                          fmt::format("tools.exec.safeBins: {}", fmt::join(interpreters, ", ")),
                          "remove them: an interpreter runs whatever it is given"));
  }
  if (!broad.empty()) {
    out.push_back(finding("tools.exec.safe_bins_broad_behavior", Severity::kWarn, kMiitPrivilege,
                          "safe bins that can write files or run commands",
                          fmt::format("tools.exec.safeBins: {}", fmt::join(broad, ", ")),
                          "remove them from safeBins"));
  }
  for (const std::string& dir : dirs) {
    const std::string lower = ascii_lower(dir);
    const bool risky = dir.empty() || dir.front() != '/' || lower.starts_with("/tmp") ||
                       lower.starts_with("/var/tmp") || lower.starts_with("/private/tmp") ||
                       lower == "/usr/local/bin" || lower == "/opt/homebrew/bin" ||
                       lower == "/opt/local/bin" || lower == "/home/linuxbrew/.linuxbrew/bin" ||
                       lower.starts_with("/users/") || lower.starts_with("/home/") ||
                       lower.find("/.local/bin") != std::string::npos;
    if (risky) {
      out.push_back(finding("tools.exec.safe_bin_trusted_dirs_risky", Severity::kWarn,
                            kMiitPrivilege, "a safe-bin directory is writable by ordinary users",
                            fmt::format("tools.exec.safeBinTrustedDirs has {}", dir),
                            "trust only root-owned system directories (/bin, /usr/bin)"));
    }
  }
}

void check_elevated(std::vector<Finding>& out, const nlohmann::json& s, bool open) {
  if (!bool_setting(s, "tools.elevated.enabled", true)) {
    return;
  }
  const auto* allow = find_setting(s, "tools.elevated.allowFrom");
  if (allow == nullptr || !allow->is_object()) {
    return;
  }
  for (const auto& [provider, list] : allow->items()) {
    std::vector<std::string> entries;
    if (list.is_array()) {
      for (const auto& e : list) {
        if (e.is_string() && !trimmed(e.get<std::string>()).empty()) {
          entries.push_back(trimmed(e.get<std::string>()));
        }
      }
    }
    if (std::find(entries.begin(), entries.end(), "*") != entries.end()) {
      out.push_back(finding(fmt::format("tools.elevated.allowFrom.{}.wildcard", provider),
                            Severity::kCritical, kMiitPrivilege,
                            "anyone on the channel may run elevated (unsandboxed) commands",
                            fmt::format("tools.elevated.allowFrom.{} includes \"*\"", provider),
                            "list the few people who may elevate, or disable tools.elevated"));
    } else if (entries.size() > 25) {
      out.push_back(finding(fmt::format("tools.elevated.allowFrom.{}.large", provider),
                            Severity::kWarn, kMiitPrivilege,
                            "many senders may run elevated commands",
                            fmt::format("{} entries", entries.size()), "trim the list"));
    }
  }
  if (!allow->empty()) {
    // Chitin's own: there is no sandbox bypass in Chitin, so any use of it is worth a look.
    out.push_back(finding("tools.elevated.enabled", open ? Severity::kCritical : Severity::kWarn,
                          kMiitPrivilege,
                          "elevated mode lets chat senders run commands outside any sandbox",
                          "tools.elevated is enabled with allowFrom entries",
                          "disable tools.elevated; Chitin replaces it with per-action approval"));
  }
}

void check_exposure(std::vector<Finding>& out, const nlohmann::json& s,
                    const std::vector<AgentScope>& scopes, const std::vector<std::string>& open) {
  if (open.empty()) {
    return;
  }
  const std::string where = fmt::format("open inbound policy at {}", fmt::join(open, ", "));
  const bool any_full = std::any_of(scopes.begin(), scopes.end(), [](const AgentScope& a) {
    return a.exec_security == "full" && exec_enabled(a);
  });
  if (std::any_of(scopes.begin(), scopes.end(),
                  [](const AgentScope& a) { return a.exec_security != "deny"; })) {
    out.push_back(finding("security.exposure.open_channels_with_exec",
                          any_full ? Severity::kCritical : Severity::kWarn, kMiitPrivilege,
                          "anyone in an open channel can reach exec", where,
                          "restrict dmPolicy/groupPolicy to pairing or allowlist, and deny exec "
                          "in shared rooms"));
  }
  if (bool_setting(s, "tools.elevated.enabled", true)) {
    out.push_back(finding("security.exposure.open_groups_with_elevated", Severity::kCritical,
                          kMiitPrivilege,
                          "open rooms plus elevated tools: prompt injection becomes host "
                          "command execution",
                          where + "; tools.elevated is not disabled",
                          "set tools.elevated.enabled: false or close the rooms"));
  }
  const auto runtime = labels_where(scopes, [](const AgentScope& a) {
    return (a.allows("exec") || a.allows("process")) && a.sandbox_mode != "all";
  });
  const auto files = labels_where(scopes, [](const AgentScope& a) {
    return (a.allows("read") || a.allows("write") || a.allows("edit") || a.allows("apply_patch")) &&
           a.sandbox_mode != "all" && !a.workspace_only;
  });
  if (!runtime.empty() || !files.empty()) {
    out.push_back(
        finding("security.exposure.open_groups_with_runtime_or_fs",
                runtime.empty() ? Severity::kWarn : Severity::kCritical, kMiitPrivilege,
                "open rooms reach runtime or file tools outside a sandbox",
                fmt::format("{}; {}", where, fmt::join(runtime.empty() ? files : runtime, ", ")),
                "deny group:runtime and group:fs for shared rooms, or sandbox all"));
  }
  const auto control = labels_where(scopes, [](const AgentScope& a) {
    return a.sandbox_mode != "all" &&
           (a.allows("automations") || a.allows("gateway") || a.allows("plugins"));
  });
  if (!control.empty()) {
    out.push_back(finding("security.exposure.open_groups_with_control_plane_tools",
                          Severity::kCritical, kMiitPrivilege,
                          "open rooms reach control-plane tools (gateway, automations, plugins)",
                          fmt::format("{}; {}", where, fmt::join(control, ", ")),
                          "deny group:automation for shared rooms"));
  }
}

void check_trust_model(std::vector<Finding>& out, const nlohmann::json& s,
                       const std::vector<AgentScope>& scopes) {
  std::vector<std::string> signals;
  const auto look = [&](const nlohmann::json& node, const std::string& path) {
    const std::string group = string_setting(node, "groupPolicy");
    if (group == "open" || string_setting(node, "dmPolicy") == "open" ||
        string_setting(node, "dm.policy") == "open") {
      signals.push_back(path + " is open");
    }
    if (group == "allowlist") {
      for (const std::string_view key : {"groups", "guilds", "channels", "rooms"}) {
        const auto* list = find_setting(node, key);
        if (list != nullptr && list->is_object() && !list->empty()) {
          signals.push_back(fmt::format("{}.{} lists rooms", path, key));
        }
      }
    }
    for (const std::string_view key : {"allowFrom", "groupAllowFrom", "dm.allowFrom"}) {
      const auto list = strings_setting(node, key);
      if (std::find(list.begin(), list.end(), "*") != list.end()) {
        signals.push_back(fmt::format("{}.{} has \"*\"", path, key));
      }
    }
  };
  if (const auto* channels = find_setting(s, "channels"); channels && channels->is_object()) {
    for (const auto& [name, channel] : channels->items()) {
      look(channel, "channels." + name);
      if (const auto* accounts = find_setting(channel, "accounts");
          accounts && accounts->is_object()) {
        for (const auto& [account, settings] : accounts->items()) {
          look(settings, fmt::format("channels.{}.accounts.{}", name, account));
        }
      }
    }
  }
  if (!signals.empty()) {
    out.push_back(finding("security.trust_model.multi_user_heuristic", Severity::kWarn,
                          kMiitSocialEngineering, "this gateway looks reachable by several people",
                          fmt::format("{}", fmt::join(signals, "; ")),
                          "OpenClaw is one trusted operator per gateway: run one gateway per "
                          "person or team"));
  }
  if (string_setting(s, "session.groupScope") == "main") {
    out.push_back(finding("security.trust_model.group_scope_main", Severity::kWarn, kMiitPrivilege,
                          "group chats share the main session and its memory",
                          "session.groupScope=\"main\"", "use a per-group scope"));
  }
  const std::size_t agents = scopes.size() - 1;
  if (agents >= 2 && string_setting(s, "tools.sessions.visibility", "all") == "all" &&
      bool_setting(s, "tools.agentToAgent.enabled", true) &&
      find_setting(s, "tools.agentToAgent.allow") == nullptr) {
    out.push_back(finding("security.trust_model.cross_agent_session_access_default",
                          Severity::kWarn, kMiitPrivilege,
                          "every agent can read and message every other agent's sessions",
                          fmt::format("{} agents, tools.sessions.visibility=\"all\"", agents),
                          "set tools.sessions.visibility or tools.agentToAgent.allow"));
  }
  const std::string profile = string_setting(s, "tools.profile");
  if (profile == "minimal") {
    for (const AgentScope& scope : scopes) {
      if (!scope.profile_override.empty() && scope.profile_override != "minimal") {
        out.push_back(
            finding("tools.profile_minimal_overridden", Severity::kWarn, kMiitPrivilege,
                    "an agent widens the global minimal tool profile",
                    fmt::format("{}.tools.profile=\"{}\"", scope.label, scope.profile_override),
                    "keep agents on the minimal profile or justify the change"));
      }
    }
  }
}

void check_channels(std::vector<Finding>& out, const nlohmann::json& s) {
  // Chitin's own per-channel findings (OpenClaw emits these only with the channel's full
  // plugin loaded, which its CLI audit does not do).
  const auto* channels = find_setting(s, "channels");
  if (channels == nullptr || !channels->is_object()) {
    return;
  }
  const bool main_scope = string_setting(s, "session.dmScope", "main") == "main";
  for (const auto& [name, channel] : channels->items()) {
    if (!channel.is_object() || name == "defaults") {
      continue;
    }
    const std::string dm =
        string_setting(channel, "dmPolicy", string_setting(channel, "dm.policy", "pairing"));
    const auto allow = strings_setting(channel, "allowFrom");
    if (dm == "open") {
      out.push_back(finding(fmt::format("channels.{}.dm.open", name), Severity::kCritical,
                            kMiitSocialEngineering,
                            fmt::format("anyone may DM the agent on {}", name),
                            fmt::format("channels.{}.dmPolicy=\"open\"", name),
                            "use dmPolicy \"pairing\" (the default) or \"allowlist\""));
      if (std::find(allow.begin(), allow.end(), "*") == allow.end()) {
        out.push_back(finding(fmt::format("channels.{}.dm.open_invalid", name), Severity::kWarn,
                              kMiitSocialEngineering, "dmPolicy open without \"*\" in allowFrom",
                              fmt::format("channels.{}.allowFrom lacks \"*\"", name),
                              "pick pairing or allowlist; open needs allowFrom [\"*\"]"));
      }
    }
    if (main_scope && (dm == "open" || allow.size() > 1)) {
      out.push_back(
          finding(fmt::format("channels.{}.dm.scope_main_multiuser", name), Severity::kWarn,
                  kMiitPrivilege, "several senders share one main session (and its memory)",
                  "session.dmScope is \"main\"", "set session.dmScope to \"per-channel-peer\""));
    }
    if (string_setting(channel, "groupPolicy", "allowlist") == "open") {
      out.push_back(finding(fmt::format("channels.{}.groups.open", name), Severity::kWarn,
                            kMiitSocialEngineering,
                            fmt::format("any group on {} may use the agent", name),
                            fmt::format("channels.{}.groupPolicy=\"open\"", name),
                            "use groupPolicy \"allowlist\" with requireMention"));
    }
    if (bool_setting(channel, "dangerouslyAllowNameMatching", false)) {
      out.push_back(finding(
          fmt::format("channels.{}.allowFrom.dangerous_name_matching_enabled", name),
          Severity::kInfo, kMiitSocialEngineering, "senders are matched by display name or e-mail",
          fmt::format("channels.{}.dangerouslyAllowNameMatching=true", name),
          "match by stable ids only"));
    }
  }
}

void check_logging(std::vector<Finding>& out, const nlohmann::json& s) {
  // Chitin's own: MIIT asks for detailed audit logging that stays on.
  if (!bool_setting(s, "logging.audit.enabled", true)) {
    out.push_back(finding("logging.audit_disabled", Severity::kCritical, kMiitAudit,
                          "the audit ledger is switched off", "logging.audit.enabled=false",
                          "turn it on; Chitin's audit trail cannot be switched off and is "
                          "tamper-evident"));
  }
}

}  // namespace

void check_openclaw_tools(std::vector<Finding>& out, const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  const auto scopes = agent_scopes(s);
  std::vector<std::string> open;
  if (const auto* channels = find_setting(s, "channels"); channels != nullptr) {
    open_policies(*channels, "channels", open);
  }
  check_exec(out, s, scopes, !open.empty());
  check_safe_bins(out, s);
  check_exec_approvals(out, install);
  check_elevated(out, s, !open.empty());
  check_sandbox(out, s, scopes, !open.empty());
  check_exposure(out, s, scopes, open);
  check_trust_model(out, s, scopes);
  check_channels(out, s);
  check_models(out, s, scopes);
  check_plugins(out, install, scopes);
  check_plugin_installs(out, install);
  check_skill_mcp_boundary(out, install, scopes);
  check_logging(out, s);
}

}  // namespace chitin::doctor
