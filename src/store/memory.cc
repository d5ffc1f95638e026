#include "store/memory.h"

#include <algorithm>

namespace chitin::store {

namespace {

constexpr std::size_t kMaxTerms = 16;

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

// Characters (not bytes) in a UTF-8 term: the trigram tokenizer needs three.
std::size_t characters(std::string_view term) {
  std::size_t n = 0;
  for (unsigned char c : term) {
    n += (c & 0xC0U) != 0x80U ? 1 : 0;
  }
  return n;
}

std::string fts_phrase(std::string_view term) { return "\"" + std::string(term) + "\""; }

}  // namespace

std::vector<std::string> memory_query_terms(std::string_view query) {
  std::vector<std::string> terms;
  std::size_t i = 0;
  while (i < query.size() && terms.size() < kMaxTerms) {
    while (i < query.size() && !is_word_byte(static_cast<unsigned char>(query[i]))) {
      ++i;
    }
    const std::size_t start = i;
    while (i < query.size() && is_word_byte(static_cast<unsigned char>(query[i]))) {
      ++i;
    }
    if (i > start) {
      terms.emplace_back(query.substr(start, i - start));
    }
  }
  return terms;
}

Result<std::unique_ptr<MemoryStore>> MemoryStore::open_path(const std::string& database) {
  Database db = CHITIN_TRY(Database::open(database));
  CHITIN_RETURN_IF_ERROR(db.exec(
      "CREATE TABLE IF NOT EXISTS memory ("
      " id INTEGER PRIMARY KEY, agent TEXT NOT NULL, text TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL);"
      "CREATE INDEX IF NOT EXISTS memory_by_agent ON memory(agent);"
      "CREATE VIRTUAL TABLE IF NOT EXISTS memory_fts USING fts5("
      " text, content='memory', content_rowid='id', tokenize='trigram');"
      "CREATE TRIGGER IF NOT EXISTS memory_fts_insert AFTER INSERT ON memory BEGIN"
      " INSERT INTO memory_fts(rowid, text) VALUES (new.id, new.text); END;"
      "CREATE TRIGGER IF NOT EXISTS memory_fts_delete AFTER DELETE ON memory BEGIN"
      " INSERT INTO memory_fts(memory_fts, rowid, text) VALUES ('delete', old.id, old.text);"
      " END;"));
  return std::make_unique<MemoryStore>(PrivateTag{}, std::move(db));
}

Result<std::int64_t> MemoryStore::write(std::string_view agent, std::string_view text) {
  if (text.empty() || text.size() > kMaxMemoryNoteBytes) {
    return fail(ErrorCode::kInvalidInput, "a memory note is 1-{} bytes (this one is {})",
                kMaxMemoryNoteBytes, text.size());
  }
  std::lock_guard lock(mu_);
  Statement count = CHITIN_TRY(db_.prepare("SELECT count(*) FROM memory WHERE agent = ?1"));
  CHITIN_RETURN_IF_ERROR(count.bind(1, agent));
  CHITIN_TRY(count.step());
  if (static_cast<std::size_t>(count.integer(0)) >= kMaxMemoryNotes) {
    return fail(ErrorCode::kLimitExceeded,
                "the agent's memory holds {} notes, the most it may; remove old ones first",
                kMaxMemoryNotes);
  }
  Statement s =
      CHITIN_TRY(db_.prepare("INSERT INTO memory (agent, text, created_ms) VALUES (?1, ?2, ?3)"));
  CHITIN_RETURN_IF_ERROR(s.bind(1, agent));
  CHITIN_RETURN_IF_ERROR(s.bind(2, text));
  CHITIN_RETURN_IF_ERROR(s.bind(3, now_ms()));
  CHITIN_TRY(s.step());
  Statement id = CHITIN_TRY(db_.prepare("SELECT last_insert_rowid()"));
  CHITIN_TRY(id.step());
  return id.integer(0);
}

Result<std::vector<MemoryNote>> MemoryStore::search(std::string_view agent, std::string_view query,
                                                    std::size_t limit) {
  if (query.size() > kMaxMemoryQueryBytes) {
    return fail(ErrorCode::kInvalidInput, "a memory query is limited to {} bytes",
                kMaxMemoryQueryBytes);
  }
  const std::vector<std::string> terms = memory_query_terms(query);
  if (terms.empty()) {
    return fail(ErrorCode::kInvalidInput, "the memory query has no word to look for");
  }
  // Each term is quoted (FTS5 syntax in a query is never interpreted). Long terms go through
  // the index; short ones (under three characters) through a substring scan of the agent's
  // notes.
  std::string match;
  std::vector<std::string> short_terms;
  for (const std::string& term : terms) {
    if (characters(term) >= 3) {
      match += (match.empty() ? "" : " OR ") + fts_phrase(term);
    } else {
      short_terms.push_back(term);
    }
  }
  std::lock_guard lock(mu_);
  std::vector<MemoryNote> out;
  auto collect = [&](Statement& s) -> Result<void> {
    while (out.size() < limit && CHITIN_TRY(s.step())) {
      const std::int64_t id = s.integer(0);
      if (std::none_of(out.begin(), out.end(), [id](const MemoryNote& n) { return n.id == id; })) {
        out.push_back(MemoryNote{id, s.text(1), s.integer(2)});
      }
    }
    return {};
  };
  if (!match.empty()) {
    Statement s = CHITIN_TRY(
        db_.prepare("SELECT m.id, m.text, m.created_ms FROM memory_fts JOIN memory m"
                    " ON m.id = memory_fts.rowid WHERE memory_fts MATCH ?1 AND m.agent = ?2"
                    " ORDER BY memory_fts.rank LIMIT ?3"));
    CHITIN_RETURN_IF_ERROR(s.bind(1, match));
    CHITIN_RETURN_IF_ERROR(s.bind(2, agent));
    CHITIN_RETURN_IF_ERROR(s.bind(3, static_cast<std::int64_t>(limit)));
    CHITIN_RETURN_IF_ERROR(collect(s));
  }
  for (const std::string& term : short_terms) {
    Statement s = CHITIN_TRY(db_.prepare(
        "SELECT id, text, created_ms FROM memory WHERE agent = ?1 AND instr(text, ?2) > 0"
        " ORDER BY id DESC LIMIT ?3"));
    CHITIN_RETURN_IF_ERROR(s.bind(1, agent));
    CHITIN_RETURN_IF_ERROR(s.bind(2, term));
    CHITIN_RETURN_IF_ERROR(s.bind(3, static_cast<std::int64_t>(limit)));
    CHITIN_RETURN_IF_ERROR(collect(s));
  }
  return out;
}

}  // namespace chitin::store
