#pragma once
// Everything an installation's agent needs, opened once: its audit log (or the caller's),
// the session, approval and memory stores in state.db, the privacy detector (the catalog plus
// the config's user types), the vault key, the model endpoint with its API key from the
// secrets store, and the workspace directory (created 0700 on first use). Used by the
// gateway and by `chitin agent --local`.

#include <memory>
#include <string>

#include "agent/agent.h"
#include "secrets/store.h"

namespace chitin::agent {

struct RuntimeOptions {
  audit::AuditLog* audit = nullptr;       // null: open the installation's log
  const secrets::Store* store = nullptr;  // null: no secrets stored (or none needed)
  std::string privacy_cache_dir;          // empty: $CHITIN_HOME/cache
  std::string sandbox_helper;             // empty: next to the executable
};

struct AgentRuntime {
  std::unique_ptr<audit::AuditLog> own_audit;
  std::unique_ptr<store::SessionStore> sessions;
  std::unique_ptr<store::ApprovalStore> approvals;
  std::unique_ptr<store::MemoryStore> memory;
  std::unique_ptr<privacy::Detector> detector;
  std::unique_ptr<Agent> agent;
};

// The endpoint of `[models.NAME]`; its key from `store`. Errors say how to configure one.
Result<providers::Endpoint> model_endpoint(const config::Config& config, std::string_view name,
                                           const secrets::Store* store);

// The agent's workspace: agent.workspace, else $CHITIN_HOME/workspace.
std::string workspace_path(const config::StatePaths& paths, const config::Config& config);

Result<std::unique_ptr<AgentRuntime>> open_runtime(const config::StatePaths& paths,
                                                   const config::Config& config,
                                                   const RuntimeOptions& options);

}  // namespace chitin::agent
