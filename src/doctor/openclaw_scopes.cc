#include "doctor/openclaw_scopes.h"

#include <algorithm>

#include "base/ascii.h"

namespace chitin::doctor {

namespace {

// OpenClaw's tool groups and aliases (research/openclaw.md §3.5).
std::set<std::string> expand(std::string_view raw) {
  const std::string name = ascii_lower(trimmed(raw));
  if (name == "group:fs") {
    return {"ls", "read", "write", "edit", "apply_patch"};
  }
  if (name == "group:runtime") {
    return {"exec", "process", "code_execution", "secrets"};
  }
  if (name == "group:web") {
    return {"web_search", "web_fetch", "x_search"};
  }
  if (name == "group:automation") {
    return {"heartbeat_respond", "automations", "gateway", "plugins", "openclaw"};
  }
  if (name == "group:sessions") {
    return {"sessions_list",  "sessions_history", "sessions_send",
            "sessions_spawn", "sessions_search",  "session_status"};
  }
  if (name == "bash") {
    return {"exec"};
  }
  if (name == "apply-patch") {
    return {"apply_patch"};
  }
  if (name == "cron") {
    return {"automations"};
  }
  return {name};
}

void add_all(std::set<std::string>& into, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const auto expanded = expand(name);
    into.insert(expanded.begin(), expanded.end());
  }
}

}  // namespace

ToolPolicy ToolPolicy::from_settings(const nlohmann::json& settings, const nlohmann::json* agent) {
  ToolPolicy policy;
  const std::string profile =
      agent != nullptr
          ? string_setting(*agent, "tools.profile", string_setting(settings, "tools.profile"))
          : string_setting(settings, "tools.profile");
  if (profile == "minimal") {
    policy.profile_all_ = false;
    policy.profile_ = {"session_status", "gateway"};
  } else if (profile == "messaging") {
    policy.profile_all_ = false;
    policy.profile_ = {"sessions_list",   "sessions_history", "sessions_send", "sessions_spawn",
                       "sessions_search", "session_status",   "message",       "gateway"};
  }
  // "coding", "full" and anything else: no restriction from the profile (errs towards allowed).
  for (const nlohmann::json* scope : {&settings, agent}) {
    if (scope == nullptr) {
      continue;
    }
    add_all(policy.profile_, strings_setting(*scope, "tools.alsoAllow"));
    std::set<std::string> allow;
    add_all(allow, strings_setting(*scope, "tools.allow"));
    if (!allow.empty()) {
      policy.allow_.push_back(std::move(allow));
    }
    const auto deny = strings_setting(*scope, "tools.deny");
    policy.deny_all_ = policy.deny_all_ || std::find(deny.begin(), deny.end(), "*") != deny.end();
    add_all(policy.deny_, deny);
  }
  return policy;
}

bool ToolPolicy::allows(std::string_view tool) const {
  const std::string name(tool);
  if (deny_all_ || deny_.contains(name)) {
    return false;
  }
  if (!profile_all_ && !profile_.contains(name)) {
    return false;
  }
  return std::all_of(allow_.begin(), allow_.end(), [&](const std::set<std::string>& list) {
    return list.contains(name) || list.contains("*");
  });
}

bool AgentScope::allows(std::string_view tool) const {
  if (!policy.allows(tool)) {
    return false;
  }
  if (sandbox_mode == "all" && !sandbox_tools_configured) {
    // The sandbox's default tool policy: its own allow list.
    static const std::set<std::string> kSandboxAllowed = {"exec",           "process",
                                                          "read",           "ls",
                                                          "write",          "edit",
                                                          "apply_patch",    "view_image",
                                                          "sessions_list",  "sessions_history",
                                                          "sessions_send",  "sessions_spawn",
                                                          "session_status", "subagents"};
    return kSandboxAllowed.contains(std::string(tool));
  }
  return true;
}

}  // namespace chitin::doctor
