#pragma once
// What each OpenClaw agent may do (internal to the doctor): the effective exec settings,
// sandbox mode and tool policy of `agents.defaults` and of every agent entry, evaluated the
// way OpenClaw layers them (profile, allow/alsoAllow/deny globally and per agent, the sandbox
// tool policy). Where the evaluation has to approximate, it errs towards "allowed", so that
// exposure findings are never missed.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "doctor/doctor.h"
#include "doctor/openclaw_checks.h"

namespace chitin::doctor {

class ToolPolicy {
 public:
  // The global policy (`agent` null) or an agent entry's on top of it.
  static ToolPolicy from_settings(const nlohmann::json& settings, const nlohmann::json* agent);
  [[nodiscard]] bool allows(std::string_view tool) const;

 private:
  bool profile_all_ = true;
  std::set<std::string> profile_;
  std::vector<std::set<std::string>> allow_;  // each non-empty list must name the tool
  std::set<std::string> deny_;
  bool deny_all_ = false;
};

struct AgentScope {
  std::string id;     // "main" for agents.defaults
  std::string label;  // "agents.defaults", "agents.entries.<id>"
  std::string exec_security;
  std::string exec_ask;
  std::string exec_host;
  std::string sandbox_mode;
  std::string profile_override;  // the agent's own tools.profile, if any
  bool workspace_only = false;
  bool sandbox_tools_configured = false;  // tools.sandbox.tools overrides the sandbox policy
  ToolPolicy policy;
  [[nodiscard]] bool allows(std::string_view tool) const;
};

// An interpreter or shell (python3.12, bash, node22, env, ...), by the command's base name.
bool is_interpreter_name(std::string_view command);

void check_sandbox(std::vector<Finding>& out, const nlohmann::json& settings,
                   const std::vector<AgentScope>& scopes, bool open);
void check_models(std::vector<Finding>& out, const nlohmann::json& settings,
                  const std::vector<AgentScope>& scopes);
void check_plugins(std::vector<Finding>& out, const OpenClawInstall& install,
                   const std::vector<AgentScope>& scopes);
void check_skill_mcp_boundary(std::vector<Finding>& out, const OpenClawInstall& install,
                              const std::vector<AgentScope>& scopes);
// npm install records of plugins (state/openclaw.sqlite, plugins.installedIndex): unpinned
// specs, missing integrity, files that no longer match.
void check_plugin_installs(std::vector<Finding>& out, const OpenClawInstall& install);
// OpenClaw's exec-approvals document (state/openclaw.sqlite, else the legacy
// exec-approvals.json); null when there is none. `source` (optional) says where it was.
nlohmann::json read_exec_approvals(const OpenClawInstall& install, std::string* source);
// The exec-approvals document: state/openclaw.sqlite (exec_approvals_config) or the legacy
// exec-approvals.json.
void check_exec_approvals(std::vector<Finding>& out, const OpenClawInstall& install);

}  // namespace chitin::doctor
