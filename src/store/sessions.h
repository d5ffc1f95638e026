#pragma once
// Agent sessions shared by every process of an installation ($CHITIN_HOME/state.db, SQLite
// WAL): one row per session (keyed per channel and peer), its transcript, its sealed privacy
// vault, the lease that serialises its turns across processes, and the counters behind the
// agent's budgets. Thread-safe (one connection guarded by a mutex).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/state_dir.h"
#include "store/sqlite.h"

namespace chitin::store {

inline constexpr std::size_t kMaxSessionIdBytes = 128;
inline constexpr std::size_t kMaxTranscriptEntryBytes = 4U << 20;

struct TranscriptEntry {
  std::int64_t seq = 0;
  std::string role;     // system | user | assistant | tool
  std::string content;  // the message as JSON (the agent's format)
  std::int64_t created_ms = 0;
};

struct SessionSummary {
  std::string id;
  std::string agent;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t entries = 0;
};

// Session ids: 1..128 of [A-Za-z0-9_.:@-] ("cli:main", "telegram:12345").
Result<void> check_session_id(std::string_view id);

class SessionStore {
 public:
  static Result<std::unique_ptr<SessionStore>> open(const config::StatePaths& paths);
  // For tests and for a database the caller already chose.
  static Result<std::unique_ptr<SessionStore>> open_path(const std::string& database);

  // Creates the session on first use.
  Result<void> ensure(std::string_view id, std::string_view agent);
  Result<std::vector<SessionSummary>> list(std::size_t limit);

  Result<std::int64_t> append(std::string_view session, std::string_view role,
                              std::string_view content);
  // The last `max_entries` entries, oldest first.
  Result<std::vector<TranscriptEntry>> history(std::string_view session, std::size_t max_entries);
  Result<void> clear(std::string_view session);

  // The session's privacy vault, sealed (empty: none yet).
  Result<std::string> vault(std::string_view session);
  Result<void> save_vault(std::string_view session, std::string_view sealed);

  // The turn lease: one holder at a time per session, across processes. try_lease succeeds
  // when the session is free, its lease expired, or `holder` already holds it (renewal).
  Result<bool> try_lease(std::string_view session, std::string_view holder,
                         std::chrono::milliseconds ttl);
  Result<void> release(std::string_view session, std::string_view holder);

  // Budget counters. Turns started in a session since `since_ms`; tokens an agent used on a
  // UTC day ("2026-12-07").
  Result<void> record_turn(std::string_view session);
  Result<std::int64_t> turns_since(std::string_view session, std::int64_t since_ms);
  Result<void> add_tokens(std::string_view agent, std::string_view day, std::int64_t tokens);
  Result<std::int64_t> tokens_on(std::string_view agent, std::string_view day);

  struct PrivateTag {};
  SessionStore(PrivateTag /*tag*/, Database db) : db_(std::move(db)) {}

 private:
  Result<std::int64_t> single_integer(std::string_view sql, std::string_view a, std::string_view b,
                                      std::int64_t c);
  std::mutex mu_;
  Database db_;
};

}  // namespace chitin::store
