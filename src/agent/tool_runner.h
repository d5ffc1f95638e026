#pragma once
// Runs one tool call the policy let through: exec in the sandbox, the file tools on the
// confined workspace, memory in SQLite. The output is capped; failures become error results
// the model can read (they never end the turn).

#include <string>

#include <nlohmann/json.hpp>

#include "policy/tool_policy.h"
#include "store/memory.h"
#include "tools/exec_tool.h"
#include "tools/skill_tool.h"
#include "tools/web_fetch.h"
#include "tools/workspace_files.h"

namespace chitin::agent {

inline constexpr std::size_t kMaxToolOutputBytes = 64 * 1024;

struct ToolEnvironment {
  const tools::Workspace* workspace = nullptr;
  tools::ExecSetup exec;
  store::MemoryStore* memory = nullptr;
  std::string agent = "main";
  tools::FetchSetup fetch;  // rules: egress.allow (an approved host is added per call)
  const std::vector<tools::AgentSkill>* skills = nullptr;  // verified at this turn's start
  const secrets::Store* store = nullptr;                   // for skills that declare secrets
  std::string keys_dir;                                    // the local egress CA
};

struct ToolOutput {
  std::string text;
  bool is_error = false;
  nlohmann::json audit;  // what the audit record says about the run (never file contents)
};

// `approved`: a human approved this exact action (web_fetch may then reach its host even
// when egress.allow does not name it).
ToolOutput run_tool(const policy::Action& action, const nlohmann::json& arguments,
                    const ToolEnvironment& environment, bool approved);

}  // namespace chitin::agent
