#include "gateway/chat.h"

#include "base/crypto.h"
#include "base/encoding.h"

namespace chitin::gateway {

Result<agent::Agent*> ChatRunner::agent() {
  std::lock_guard lock(agent_mu_);
  if (agent_ == nullptr) {
    if (!factory_) {
      return fail(ErrorCode::kUnavailable, "no agent is available: this gateway runs none");
    }
    auto made = factory_();
    if (!made) {
      return fail(ErrorCode::kUnavailable, "no agent is available: {}", made.error().message);
    }
    agent_ = *made;
  }
  return agent_;
}

void ChatRunner::reap_locked() {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (it->second.done->load()) {
      it->second.thread.join();
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::string> ChatRunner::start(agent::TurnRequest request, Sink sink) {
  agent::Agent* runtime = CHITIN_TRY(agent());
  std::lock_guard lock(mu_);
  reap_locked();
  if (stopped_) {
    return fail(ErrorCode::kUnavailable, "the gateway is stopping");
  }
  if (runs_.size() >= kMaxRunningTurns) {
    return fail(ErrorCode::kLimitExceeded,
                "{} turns are running already, the most this gateway runs at once; try again "
                "when one has finished",
                kMaxRunningTurns);
  }
  const std::string id = "run_" + hex_encode(crypto::random_bytes(8));
  Run run;
  run.session = request.session;
  run.cancel = std::make_shared<std::atomic<bool>>(false);
  run.done = std::make_shared<std::atomic<bool>>(false);
  request.cancel = run.cancel.get();
  run.thread = std::thread([runtime, id, request = std::move(request), sink = std::move(sink),
                            cancel = run.cancel, done = run.done] {
    auto result =
        runtime->run_turn(request, [&](const agent::TurnEvent& event) { sink(id, event); });
    if (!result) {
      sink(id, agent::TurnEvent{"error",
                                {{"message", result.error().message},
                                 {"code", std::string(to_string(result.error().code))}}});
    }
    done->store(true);
  });
  runs_.emplace(id, std::move(run));
  return id;
}

bool ChatRunner::abort(const std::string& run_id) {
  std::lock_guard lock(mu_);
  const auto found = runs_.find(run_id);
  if (found == runs_.end() || found->second.done->load()) {
    return false;
  }
  found->second.cancel->store(true);
  return true;
}

std::size_t ChatRunner::abort_session(const std::string& session) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (auto& [id, run] : runs_) {
    if (run.session == session && !run.done->load()) {
      run.cancel->store(true);
      ++n;
    }
  }
  return n;
}

void ChatRunner::stop() {
  std::unordered_map<std::string, Run> runs;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [id, run] : runs_) {
      run.cancel->store(true);
    }
    runs.swap(runs_);
  }
  for (auto& [id, run] : runs) {
    run.thread.join();
  }
}

}  // namespace chitin::gateway
