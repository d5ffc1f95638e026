#pragma once
// Agent turns started over the gateway (WebSocket `chat.send`, `/v1/chat/completions`): each
// runs on a thread of its own (at most kMaxRunningTurns at once) and reports its events to
// the caller's sink as they happen. Turns of one session wait for each other (the agent's
// session lease). `abort` cancels a run (a pending approval is denied); stop() cancels all
// and joins them.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "agent/agent.h"
#include "base/result.h"

namespace chitin::gateway {

inline constexpr std::size_t kMaxRunningTurns = 8;

// Supplies the agent on first use (its privacy detector is large, so an idle gateway does
// not load it); an error says why there is none (e.g. no model configured).
using AgentFactory = std::function<Result<agent::Agent*>()>;

class ChatRunner {
 public:
  explicit ChatRunner(AgentFactory factory) : factory_(std::move(factory)) {}
  ~ChatRunner() { stop(); }
  ChatRunner(const ChatRunner&) = delete;
  ChatRunner& operator=(const ChatRunner&) = delete;

  Result<agent::Agent*> agent();

  using Sink = std::function<void(const std::string& run_id, const agent::TurnEvent& event)>;
  // Starts a turn; returns its run id ("run_<hex>"). `sink` gets the run id and every event,
  // ending with "final" or "error" (with {"message"}), from the turn's thread.
  Result<std::string> start(agent::TurnRequest request, Sink sink);
  // Cancels a run by id; false if there is no such running turn.
  bool abort(const std::string& run_id);
  // Cancels every run of a session; how many.
  std::size_t abort_session(const std::string& session);
  void stop();

 private:
  struct Run {
    std::string session;
    std::shared_ptr<std::atomic<bool>> cancel;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap_locked();

  AgentFactory factory_;
  std::mutex agent_mu_;
  agent::Agent* agent_ = nullptr;  // guarded by agent_mu_ until set
  std::mutex mu_;
  std::unordered_map<std::string, Run> runs_;  // guarded by mu_
  bool stopped_ = false;                       // guarded by mu_
};

}  // namespace chitin::gateway
