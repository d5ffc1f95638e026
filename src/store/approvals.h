#pragma once
// Approvals shared by every process of an installation ($CHITIN_HOME/state.db, SQLite WAL):
// an agent turn that needs a human decision creates a pending approval bound to the exact
// canonical action; the gateway, the web console and `chitin approvals` list and resolve it;
// the turn sees the decision. An approval expires (a timeout denies) and is resolved once.
// Thread-safe (one connection guarded by a mutex).

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "config/state_dir.h"
#include "store/sqlite.h"

namespace chitin::store {

struct Approval {
  std::string id;         // "ap_<16 hex>"
  std::string status;     // pending | approved | denied | expired
  nlohmann::json action;  // the canonical action (tool, argv, cwd, env names, host, ...)
  std::string requested_by;
  std::int64_t created_ms = 0;  // Unix epoch milliseconds
  std::int64_t expires_ms = 0;
  std::string resolved_by;
  std::int64_t resolved_ms = 0;
};

nlohmann::json to_json(const Approval& approval);

class ApprovalStore {
 public:
  static Result<std::unique_ptr<ApprovalStore>> open(const config::StatePaths& paths);

  Result<Approval> request(const nlohmann::json& action, const std::string& requested_by,
                           std::chrono::seconds ttl);
  // Pending approvals (expired ones are marked so on the way).
  Result<std::vector<Approval>> pending();
  Result<std::optional<Approval>> get(const std::string& id);
  // approve == false denies. A missing, expired or already resolved id is an error saying so.
  Result<Approval> resolve(const std::string& id, bool approve, const std::string& by);

  struct PrivateTag {};
  ApprovalStore(PrivateTag /*tag*/, Database db) : db_(std::move(db)) {}

 private:
  Result<void> expire_locked(std::int64_t now_ms);
  std::mutex mu_;
  Database db_;
};

inline std::string state_database(const config::StatePaths& paths) {
  return paths.home + "/state.db";
}

}  // namespace chitin::store
