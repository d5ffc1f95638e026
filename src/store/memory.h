#pragma once
// The agent's long-term memory: notes it wrote with `memory_write`, found again with
// `memory_search` (SQLite FTS5 with the trigram tokenizer, so substrings match in any script,
// Chinese included; terms shorter than three characters fall back to a substring scan).
// Per agent, in $CHITIN_HOME/state.db. Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/sqlite.h"

namespace chitin::store {

inline constexpr std::size_t kMaxMemoryNoteBytes = 16 * 1024;
inline constexpr std::size_t kMaxMemoryQueryBytes = 1024;
inline constexpr std::size_t kMaxMemoryNotes = 100'000;  // per agent

struct MemoryNote {
  std::int64_t id = 0;
  std::string text;
  std::int64_t created_ms = 0;
};

class MemoryStore {
 public:
  static Result<std::unique_ptr<MemoryStore>> open_path(const std::string& database);

  Result<std::int64_t> write(std::string_view agent, std::string_view text);
  // Best matches first (FTS5 rank), at most `limit`. Every word of the query may match; a
  // query with no word is an error.
  Result<std::vector<MemoryNote>> search(std::string_view agent, std::string_view query,
                                         std::size_t limit);

  struct PrivateTag {};
  MemoryStore(PrivateTag /*tag*/, Database db) : db_(std::move(db)) {}

 private:
  std::mutex mu_;
  Database db_;
};

// The query's words (runs of letters, digits and non-ASCII characters), at most 16.
std::vector<std::string> memory_query_terms(std::string_view query);

}  // namespace chitin::store
