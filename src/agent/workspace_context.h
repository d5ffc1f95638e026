#pragma once
// The workspace files that go into an agent's context (OpenClaw's semantics, research/
// openclaw.md §1.7): AGENTS.md, SOUL.md, IDENTITY.md, USER.md and TOOLS.md in every session;
// MEMORY.md only in the main private session (never in groups). memory/YYYY-MM-DD.md is
// reached through the memory tools, not injected. Budgets: 20,000 characters per file,
// 4,000 for USER.md, 60,000 in all; what is cut is said, at a UTF-8 boundary. Files are read
// through the workspace's confined file tools (no symlink, no path out).
//
// MEMORY.md is agent-writable, so it is marked as content the agent wrote (a persistence
// vector for injected instructions), unlike the persona files only the user edits.

#include <cstddef>
#include <string>
#include <vector>

#include "base/result.h"
#include "tools/workspace_files.h"

namespace chitin::agent {

struct ContextBudget {
  std::size_t per_file = 20000;
  std::size_t user_file = 4000;
  std::size_t total = 60000;
};

struct ContextFile {
  std::string name;
  std::string content;
  std::size_t size = 0;  // of the file, in bytes
  bool truncated = false;
  bool agent_written = false;  // MEMORY.md: the agent can change it
};

struct WorkspaceContext {
  std::vector<ContextFile> files;  // in injection order
  std::vector<std::string> notes;  // files skipped and why ("SOUL.md: is a directory")
  [[nodiscard]] std::size_t bytes() const;
  // The files as one block for the system prompt, each under its own heading.
  [[nodiscard]] std::string render() const;
};

// `main_session`: the private main session (MEMORY.md is loaded) rather than a group or
// another peer's session. Missing files are simply absent; unreadable ones become notes.
Result<WorkspaceContext> load_workspace_context(const tools::Workspace& workspace,
                                                bool main_session, ContextBudget budget = {});

}  // namespace chitin::agent
