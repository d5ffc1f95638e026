#include "store/sqlite.h"

#include <fmt/core.h>
#include <sys/stat.h>

#include <chrono>

#include <sqlite3.h>

namespace chitin::store {

namespace {

tl::unexpected<Error> sqlite_fail(sqlite3* db, std::string_view what) {
  return fail(ErrorCode::kIo, "{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

}  // namespace

void Database::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void Statement::Finalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

Result<Database> Database::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int status = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  Database db(raw);
  if (status != SQLITE_OK) {
    return sqlite_fail(raw, fmt::format("cannot open {}", path));
  }
  ::chmod(path.c_str(), 0600);
  sqlite3_busy_timeout(raw, 5000);
  CHITIN_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  return db;
}

namespace {
// When the queries of the last read-only connection opened on this thread must end.
thread_local std::chrono::steady_clock::time_point read_only_deadline;
}  // namespace

Result<Database> Database::open_read_only(const std::string& path) {
  sqlite3* raw = nullptr;
  const int status =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, nullptr);
  Database db(raw);
  if (status != SQLITE_OK) {
    return sqlite_fail(raw, fmt::format("cannot open {}", path));
  }
  sqlite3_busy_timeout(raw, 2000);
  // Another program's database may be hostile: no functions or virtual tables from its
  // schema, no writes through defensive gaps, values of bounded size, and no query may run
  // for long (a view over a recursive CTE would otherwise spin forever).
  sqlite3_db_config(raw, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(raw, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, 16 << 20);
  read_only_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  sqlite3_progress_handler(
      raw, 1000,
      [](void*) -> int { return std::chrono::steady_clock::now() > read_only_deadline ? 1 : 0; },
      nullptr);
  return db;
}

Result<void> Database::exec(std::string_view sql) {
  char* message = nullptr;
  const int status = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
  if (status != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return fail(ErrorCode::kIo, "database error: {}", text);
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &statement,
                         nullptr) != SQLITE_OK) {
    return sqlite_fail(db_.get(), "cannot prepare a statement");
  }
  return Statement(db_.get(), statement);
}

int Database::changes() const { return sqlite3_changes(db_.get()); }

Result<void> Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    return sqlite_fail(db_, "cannot bind a value");
  }
  return {};
}

Result<void> Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_.get(), index, value) != SQLITE_OK) {
    return sqlite_fail(db_, "cannot bind a value");
  }
  return {};
}

Result<bool> Statement::step() {
  const int status = sqlite3_step(statement_.get());
  if (status == SQLITE_ROW) {
    return true;
  }
  if (status == SQLITE_DONE) {
    return false;
  }
  return sqlite_fail(db_, "database error");
}

std::string Statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  return bytes == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

Result<void> Statement::reset() {
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
  return {};
}

}  // namespace chitin::store
