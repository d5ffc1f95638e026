#pragma once
// A small RAII layer over SQLite: a connection in WAL mode with a busy timeout (several
// processes share one database: the gateway, `chitin agent --local`, the CLI), and prepared
// statements whose errors come back as Result. Not thread-safe: one Database per thread, or
// a mutex around it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace chitin::store {

class Statement;

// Unix epoch milliseconds, the time unit of every table here.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Database {
 public:
  // Opens or creates `path` (mode 0600), WAL journal, 5 s busy timeout.
  static Result<Database> open(const std::string& path);
  // Opens an existing database read-only, changing nothing (for inspecting another
  // program's state, e.g. an OpenClaw installation's): untrusted schema, values capped at
  // 16 MiB, and its queries stopped two seconds after the open.
  static Result<Database> open_read_only(const std::string& path);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database() = default;

  Result<void> exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // Number of rows the last INSERT/UPDATE/DELETE changed.
  [[nodiscard]] int changes() const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
  friend class Statement;

  // Unix epoch milliseconds, the time unit of every table here.
  inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  ~Statement() = default;

  // Parameters are 1-based, as in SQLite.
  Result<void> bind(int index, std::string_view text);
  Result<void> bind(int index, std::int64_t value);
  // True while a row is available; false when done.
  Result<bool> step();
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] std::int64_t integer(int column) const;
  Result<void> reset();

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const;
  };
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
  friend class Database;
};

}  // namespace chitin::store
