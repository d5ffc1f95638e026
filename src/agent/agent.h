#pragma once
// The agent: one turn at a time per session (DESIGN.md "One turn"). A message comes in; the
// context is built (system prompt, workspace files, history); the privacy filter redacts it;
// the model is called (streaming, restored as it arrives); each tool call is read strictly,
// decided by the policy, approved by a human when needed (persisted, so any process can
// answer), run (sandboxed / confined), capped and marked untrusted; the loop continues until
// the model answers without tools, a budget stops it, or it is cancelled. Every decision is
// an audit record; the transcript (local, restored text with stored secrets removed) is kept
// in SQLite.
//
// Thread-safe: turns of different sessions run in parallel; turns of one session wait for
// each other (also across processes, through the session lease).

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "audit/log.h"
#include "base/result.h"
#include "config/config.h"
#include "config/state_dir.h"
#include "policy/tool_policy.h"
#include "privacy/detector.h"
#include "privacy/vault.h"
#include "providers/client.h"
#include "secrets/leak_scanner.h"
#include "secrets/store.h"
#include "store/approvals.h"
#include "store/memory.h"
#include "store/sessions.h"
#include "tools/skill_tool.h"

namespace chitin::agent {

inline constexpr std::size_t kMaxUserMessageBytes = 256 * 1024;
inline constexpr std::size_t kHistoryEntries = 200;
inline constexpr int kMaxModelCallsPerTurn = 64;

// Everything a turn uses; owned by the caller (the gateway or `chitin agent --local`).
struct AgentServices {
  config::Config config;
  config::StatePaths paths;
  std::string agent = "main";
  std::string workspace;  // absolute
  audit::AuditLog* audit = nullptr;
  store::SessionStore* sessions = nullptr;
  store::ApprovalStore* approvals = nullptr;
  store::MemoryStore* memory = nullptr;
  const privacy::Detector* detector = nullptr;  // null only when the filter is disabled
  std::shared_ptr<const secrets::LeakScanner> stored_secrets;
  const secrets::Store* store = nullptr;  // skills' declared secrets; null: none stored
  privacy::VaultKey vault_key{};
  providers::Endpoint endpoint;
  std::string sandbox_helper;  // empty: next to the executable
  std::chrono::milliseconds approval_poll{100};
};

// One event of a turn, as `chitin agent --json` prints it (docs/agent.md "Events").
struct TurnEvent {
  std::string type;  // text, tool_call, approval_pending, approval_resolved, tool_result,
                     // notice, final
  nlohmann::json data;
};
using EventSink = std::function<void(const TurnEvent&)>;

struct TurnRequest {
  std::string session = "cli:main";
  std::string text;
  std::string origin = "cli";  // who sent it, for the audit trail
  bool untrusted = false;      // e.g. a group message: the turn starts tainted
  bool main_session = true;    // MEMORY.md is loaded only in the main private session
  const std::atomic<bool>* cancel = nullptr;
};

struct TurnResult {
  std::string answer;
  std::string stop = "done";  // done | budget | loop | cancelled
  std::string reason;         // why it stopped, when not done
  std::int64_t tool_calls = 0;
  providers::Usage usage;
};

class Agent {
 public:
  explicit Agent(AgentServices services);
  Result<TurnResult> run_turn(const TurnRequest& request, const EventSink& sink);
  [[nodiscard]] const AgentServices& services() const { return services_; }

 private:
  struct Turn;
  Result<void> check_budgets(const TurnRequest& request);
  Result<std::string> system_prompt(const TurnRequest& request,
                                    const std::vector<tools::AgentSkill>& skills) const;
  Result<void> wait_for_lease(const TurnRequest& request, const std::string& holder);
  Result<void> handle_call(Turn& turn, const providers::ToolCall& call);
  Result<bool> approve(Turn& turn, const policy::Action& action, const std::string& reason);
  void record(const std::string& type, const std::string& session, nlohmann::json details);
  // The message as the transcript keeps it: stored secret values removed from each field.
  [[nodiscard]] std::string for_transcript(const providers::Message& message) const;
  [[nodiscard]] std::chrono::milliseconds lease_ttl() const;

  AgentServices services_;
  policy::ToolPolicy policy_;
};

}  // namespace chitin::agent
