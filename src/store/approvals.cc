#include "store/approvals.h"

#include <fmt/core.h>

#include "base/crypto.h"
#include "base/encoding.h"
#include "base/json_depth.h"

namespace chitin::store {

namespace {

constexpr std::size_t kMaxActionBytes = 64 * 1024;
constexpr std::size_t kMaxPending = 1000;

constexpr std::string_view kColumns =
    "id, status, action, requested_by, created_ms, expires_ms, resolved_by, resolved_ms";

Approval row(const Statement& s) {
  Approval a;
  a.id = s.text(0);
  a.status = s.text(1);
  a.action = nlohmann::json::parse(s.text(2), nullptr, false);
  if (a.action.is_discarded()) {
    a.action = nullptr;
  }
  a.requested_by = s.text(3);
  a.created_ms = s.integer(4);
  a.expires_ms = s.integer(5);
  a.resolved_by = s.text(6);
  a.resolved_ms = s.integer(7);
  return a;
}

}  // namespace

nlohmann::json to_json(const Approval& a) {
  return {{"id", a.id},
          {"status", a.status},
          {"action", a.action},
          {"requestedBy", a.requested_by},
          {"createdMs", a.created_ms},
          {"expiresMs", a.expires_ms},
          {"resolvedBy", a.resolved_by},
          {"resolvedMs", a.resolved_ms}};
}

Result<std::unique_ptr<ApprovalStore>> ApprovalStore::open(const config::StatePaths& paths) {
  Database db = CHITIN_TRY(Database::open(state_database(paths)));
  CHITIN_RETURN_IF_ERROR(db.exec(
      "CREATE TABLE IF NOT EXISTS approvals ("
      " id TEXT PRIMARY KEY, status TEXT NOT NULL, action TEXT NOT NULL,"
      " requested_by TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
      " resolved_by TEXT NOT NULL DEFAULT '', resolved_ms INTEGER NOT NULL DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS approvals_status ON approvals(status);"));
  return std::make_unique<ApprovalStore>(PrivateTag{}, std::move(db));
}

Result<void> ApprovalStore::expire_locked(std::int64_t now) {
  Statement s = CHITIN_TRY(db_.prepare(
      "UPDATE approvals SET status = 'expired', resolved_by = 'timeout', resolved_ms = ?1 "
      "WHERE status = 'pending' AND expires_ms <= ?1"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, now));
  CHITIN_TRY(s.step());
  return {};
}

Result<Approval> ApprovalStore::request(const nlohmann::json& action,
                                        const std::string& requested_by, std::chrono::seconds ttl) {
  const std::string text = action.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kMaxActionBytes || json_nesting_depth(text) > 16) {
    return fail(ErrorCode::kLimitExceeded, "an approval's action is limited to {} bytes",
                kMaxActionBytes);
  }
  std::lock_guard lock(mu_);
  const std::int64_t now = now_ms();
  CHITIN_RETURN_IF_ERROR(expire_locked(now));
  Statement count =
      CHITIN_TRY(db_.prepare("SELECT COUNT(*) FROM approvals WHERE status = 'pending'"));
  if (CHITIN_TRY(count.step()) && static_cast<std::size_t>(count.integer(0)) >= kMaxPending) {
    return fail(ErrorCode::kLimitExceeded, "{} approvals are pending already", kMaxPending);
  }
  Approval a;
  a.id = "ap_" + hex_encode(crypto::random_bytes(8));
  a.status = "pending";
  a.action = action;
  a.requested_by = requested_by;
  a.created_ms = now;
  a.expires_ms = now + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  Statement s = CHITIN_TRY(db_.prepare(
      "INSERT INTO approvals (id, status, action, requested_by, created_ms, expires_ms) "
      "VALUES (?1, 'pending', ?2, ?3, ?4, ?5)"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, a.id));
  CHITIN_RETURN_IF_ERROR(s.bind(2, text));
  CHITIN_RETURN_IF_ERROR(s.bind(3, requested_by));
  CHITIN_RETURN_IF_ERROR(s.bind(4, a.created_ms));
  CHITIN_RETURN_IF_ERROR(s.bind(5, a.expires_ms));
  CHITIN_TRY(s.step());
  return a;
}

Result<std::vector<Approval>> ApprovalStore::pending() {
  std::lock_guard lock(mu_);
  CHITIN_RETURN_IF_ERROR(expire_locked(now_ms()));
  Statement s = CHITIN_TRY(db_.prepare(
      fmt::format("SELECT {} FROM approvals WHERE status = 'pending' ORDER BY created_ms LIMIT {}",
                  kColumns, kMaxPending)));
  std::vector<Approval> out;
  while (CHITIN_TRY(s.step())) {
    out.push_back(row(s));
  }
  return out;
}

Result<std::optional<Approval>> ApprovalStore::get(const std::string& id) {
  std::lock_guard lock(mu_);
  CHITIN_RETURN_IF_ERROR(expire_locked(now_ms()));
  Statement s =
      CHITIN_TRY(db_.prepare(fmt::format("SELECT {} FROM approvals WHERE id = ?1", kColumns)));
  CHITIN_RETURN_IF_ERROR(s.bind(1, id));
  if (!CHITIN_TRY(s.step())) {
    return std::optional<Approval>();
  }
  return std::optional<Approval>(row(s));
}

Result<Approval> ApprovalStore::resolve(const std::string& id, bool approve,
                                        const std::string& by) {
  {
    std::lock_guard lock(mu_);
    const std::int64_t now = now_ms();
    CHITIN_RETURN_IF_ERROR(expire_locked(now));
    // One statement, so two resolvers racing cannot both win.
    Statement s = CHITIN_TRY(
        db_.prepare("UPDATE approvals SET status = ?2, resolved_by = ?3, resolved_ms = ?4 "
                    "WHERE id = ?1 AND status = 'pending'"));
    CHITIN_RETURN_IF_ERROR(s.bind(1, id));
    CHITIN_RETURN_IF_ERROR(s.bind(2, std::string(approve ? "approved" : "denied")));
    CHITIN_RETURN_IF_ERROR(s.bind(3, by));
    CHITIN_RETURN_IF_ERROR(s.bind(4, now));
    CHITIN_TRY(s.step());
    if (db_.changes() == 1) {
      Statement read =
          CHITIN_TRY(db_.prepare(fmt::format("SELECT {} FROM approvals WHERE id = ?1", kColumns)));
      CHITIN_RETURN_IF_ERROR(read.bind(1, id));
      CHITIN_TRY(read.step());
      return row(read);
    }
  }
  auto existing = CHITIN_TRY(get(id));
  if (!existing) {
    return fail(ErrorCode::kNotFound, "no approval with id '{}' (see 'chitin approvals list')",
                id.substr(0, 64));
  }
  return fail(ErrorCode::kInvalidInput, "approval {} is already {}", id, existing->status);
}

}  // namespace chitin::store
