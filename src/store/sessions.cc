#include "store/sessions.h"

#include "store/approvals.h"

namespace chitin::store {

namespace {

constexpr std::string_view kSchema =
    "CREATE TABLE IF NOT EXISTS sessions ("
    " id TEXT PRIMARY KEY, agent TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, vault TEXT NOT NULL DEFAULT '',"
    " lease_holder TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS transcript ("
    " session TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, PRIMARY KEY (session, seq));"
    "CREATE TABLE IF NOT EXISTS turns (session TEXT NOT NULL, started_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS turns_by_session ON turns(session, started_ms);"
    "CREATE TABLE IF NOT EXISTS token_usage ("
    " agent TEXT NOT NULL, day TEXT NOT NULL, tokens INTEGER NOT NULL,"
    " PRIMARY KEY (agent, day));";

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '@' || c == '-';
}

}  // namespace

Result<void> check_session_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxSessionIdBytes) {
    return fail(ErrorCode::kInvalidInput, "a session id is 1-{} characters", kMaxSessionIdBytes);
  }
  for (char c : id) {
    if (!is_id_char(c)) {
      return fail(ErrorCode::kInvalidInput,
                  "a session id uses letters, digits and _ . : @ - (e.g. cli:main); '{}' "
                  "has another character",
                  id.substr(0, 64));
    }
  }
  return {};
}

Result<std::unique_ptr<SessionStore>> SessionStore::open(const config::StatePaths& paths) {
  return open_path(state_database(paths));
}

Result<std::unique_ptr<SessionStore>> SessionStore::open_path(const std::string& database) {
  Database db = CHITIN_TRY(Database::open(database));
  CHITIN_RETURN_IF_ERROR(db.exec(kSchema));
  return std::make_unique<SessionStore>(PrivateTag{}, std::move(db));
}

Result<void> SessionStore::ensure(std::string_view id, std::string_view agent) {
  CHITIN_RETURN_IF_ERROR(check_session_id(id));
  std::lock_guard lock(mu_);
  Statement s =
      CHITIN_TRY(db_.prepare("INSERT OR IGNORE INTO sessions (id, agent, created_ms, updated_ms) "
                             "VALUES (?1, ?2, ?3, ?3)"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, id));
  CHITIN_RETURN_IF_ERROR(s.bind(2, agent));
  CHITIN_RETURN_IF_ERROR(s.bind(3, now_ms()));
  CHITIN_TRY(s.step());
  return {};
}

Result<std::vector<SessionSummary>> SessionStore::list(std::size_t limit) {
  std::lock_guard lock(mu_);
  Statement s =
      CHITIN_TRY(db_.prepare("SELECT id, agent, created_ms, updated_ms,"
                             " (SELECT count(*) FROM transcript t WHERE t.session = sessions.id)"
                             " FROM sessions ORDER BY updated_ms DESC LIMIT ?1"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, static_cast<std::int64_t>(limit)));
  std::vector<SessionSummary> out;
  while (CHITIN_TRY(s.step())) {
    out.push_back(SessionSummary{s.text(0), s.text(1), s.integer(2), s.integer(3), s.integer(4)});
  }
  return out;
}

Result<std::int64_t> SessionStore::append(std::string_view session, std::string_view role,
                                          std::string_view content) {
  if (content.size() > kMaxTranscriptEntryBytes) {
    return fail(ErrorCode::kLimitExceeded, "a transcript entry is limited to {} bytes",
                kMaxTranscriptEntryBytes);
  }
  std::lock_guard lock(mu_);
  CHITIN_RETURN_IF_ERROR(db_.exec("BEGIN IMMEDIATE"));
  auto inserted = [&]() -> Result<std::int64_t> {
    Statement next = CHITIN_TRY(
        db_.prepare("SELECT coalesce(max(seq), 0) + 1 FROM transcript WHERE session = ?1"));
    CHITIN_RETURN_IF_ERROR(next.bind(1, session));
    CHITIN_TRY(next.step());
    const std::int64_t seq = next.integer(0);
    const std::int64_t now = now_ms();
    Statement s =
        CHITIN_TRY(db_.prepare("INSERT INTO transcript (session, seq, role, content, created_ms) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)"));
    CHITIN_RETURN_IF_ERROR(s.bind(1, session));
    CHITIN_RETURN_IF_ERROR(s.bind(2, seq));
    CHITIN_RETURN_IF_ERROR(s.bind(3, role));
    CHITIN_RETURN_IF_ERROR(s.bind(4, content));
    CHITIN_RETURN_IF_ERROR(s.bind(5, now));
    CHITIN_TRY(s.step());
    Statement touch = CHITIN_TRY(db_.prepare("UPDATE sessions SET updated_ms = ?2 WHERE id = ?1"));
    CHITIN_RETURN_IF_ERROR(touch.bind(1, session));
    CHITIN_RETURN_IF_ERROR(touch.bind(2, now));
    CHITIN_TRY(touch.step());
    return seq;
  }();
  if (!inserted) {
    (void)db_.exec("ROLLBACK");
    return inserted;
  }
  CHITIN_RETURN_IF_ERROR(db_.exec("COMMIT"));
  return inserted;
}

Result<std::vector<TranscriptEntry>> SessionStore::history(std::string_view session,
                                                           std::size_t max_entries) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(db_.prepare(
      "SELECT seq, role, content, created_ms FROM (SELECT * FROM transcript WHERE session = ?1"
      " ORDER BY seq DESC LIMIT ?2) ORDER BY seq"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  CHITIN_RETURN_IF_ERROR(s.bind(2, static_cast<std::int64_t>(max_entries)));
  std::vector<TranscriptEntry> out;
  while (CHITIN_TRY(s.step())) {
    out.push_back(TranscriptEntry{s.integer(0), s.text(1), s.text(2), s.integer(3)});
  }
  return out;
}

Result<void> SessionStore::clear(std::string_view session) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(db_.prepare("DELETE FROM transcript WHERE session = ?1"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  CHITIN_TRY(s.step());
  return {};
}

Result<std::string> SessionStore::vault(std::string_view session) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(db_.prepare("SELECT vault FROM sessions WHERE id = ?1"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  if (!CHITIN_TRY(s.step())) {
    return std::string();
  }
  return s.text(0);
}

Result<void> SessionStore::save_vault(std::string_view session, std::string_view sealed) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(db_.prepare("UPDATE sessions SET vault = ?2 WHERE id = ?1"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  CHITIN_RETURN_IF_ERROR(s.bind(2, sealed));
  CHITIN_TRY(s.step());
  return {};
}

Result<bool> SessionStore::try_lease(std::string_view session, std::string_view holder,
                                     std::chrono::milliseconds ttl) {
  std::lock_guard lock(mu_);
  const std::int64_t now = now_ms();
  Statement s = CHITIN_TRY(
      db_.prepare("UPDATE sessions SET lease_holder = ?2, lease_until = ?3 WHERE id = ?1 AND"
                  " (lease_holder = '' OR lease_holder = ?2 OR lease_until <= ?4)"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  CHITIN_RETURN_IF_ERROR(s.bind(2, holder));
  CHITIN_RETURN_IF_ERROR(s.bind(3, now + ttl.count()));
  CHITIN_RETURN_IF_ERROR(s.bind(4, now));
  CHITIN_TRY(s.step());
  return db_.changes() == 1;
}

Result<void> SessionStore::release(std::string_view session, std::string_view holder) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(
      db_.prepare("UPDATE sessions SET lease_holder = '', lease_until = 0 WHERE id = ?1 AND "
                  "lease_holder = ?2"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  CHITIN_RETURN_IF_ERROR(s.bind(2, holder));
  CHITIN_TRY(s.step());
  return {};
}

Result<void> SessionStore::record_turn(std::string_view session) {
  std::lock_guard lock(mu_);
  const std::int64_t now = now_ms();
  // Rows older than a day no budget looks at any more.
  Statement prune = CHITIN_TRY(db_.prepare("DELETE FROM turns WHERE started_ms < ?1"));
  CHITIN_RETURN_IF_ERROR(prune.bind(1, now - 86'400'000));
  CHITIN_TRY(prune.step());
  Statement s = CHITIN_TRY(db_.prepare("INSERT INTO turns (session, started_ms) VALUES (?1, ?2)"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, session));
  CHITIN_RETURN_IF_ERROR(s.bind(2, now));
  CHITIN_TRY(s.step());
  return {};
}

Result<std::int64_t> SessionStore::single_integer(std::string_view sql, std::string_view a,
                                                  std::string_view b, std::int64_t c) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(db_.prepare(sql));
  CHITIN_RETURN_IF_ERROR(s.bind(1, a));
  if (!b.empty()) {
    CHITIN_RETURN_IF_ERROR(s.bind(2, b));
  } else {
    CHITIN_RETURN_IF_ERROR(s.bind(2, c));
  }
  if (!CHITIN_TRY(s.step())) {
    return 0;
  }
  return s.integer(0);
}

Result<std::int64_t> SessionStore::turns_since(std::string_view session, std::int64_t since_ms) {
  return single_integer("SELECT count(*) FROM turns WHERE session = ?1 AND started_ms >= ?2",
                        session, {}, since_ms);
}

Result<void> SessionStore::add_tokens(std::string_view agent, std::string_view day,
                                      std::int64_t tokens) {
  std::lock_guard lock(mu_);
  Statement s = CHITIN_TRY(
      db_.prepare("INSERT INTO token_usage (agent, day, tokens) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT(agent, day) DO UPDATE SET tokens = tokens + excluded.tokens"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, agent));
  CHITIN_RETURN_IF_ERROR(s.bind(2, day));
  CHITIN_RETURN_IF_ERROR(s.bind(3, tokens));
  CHITIN_TRY(s.step());
  return {};
}

Result<std::int64_t> SessionStore::tokens_on(std::string_view agent, std::string_view day) {
  return single_integer("SELECT tokens FROM token_usage WHERE agent = ?1 AND day = ?2", agent, day,
                        0);
}

}  // namespace chitin::store
