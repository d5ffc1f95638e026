#pragma once
// A strict, bounded parser for the subset of TOML 1.0 that chitin.toml uses: [tables] (dotted
// names allowed), key = value, comments, basic and literal strings, decimal integers, booleans
// and arrays (multi-line, trailing comma). Floats and date-times are recognised (so the schema
// can say "expected an integer, got a floating-point number") but not interpreted. Inline
// tables, arrays of tables, dotted keys, multi-line strings and non-decimal integers are
// refused with an error saying so.
//
// Why not toml++: Debian's toml++ 3.3 asserts, or reaches __builtin_unreachable, on malformed
// input (found by fuzz/config_fuzz within minutes; the inputs are in the corpus). A config
// parser must turn every input into a value or an error, so this one is ours, and fuzzed.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin::config::toml {

inline constexpr std::size_t kMaxStringBytes = 64 * 1024;
inline constexpr std::size_t kMaxArrayItems = 4096;
inline constexpr std::size_t kMaxEntries = 10000;
inline constexpr std::size_t kMaxTables = 1000;
inline constexpr int kMaxArrayDepth = 8;

struct Position {
  int line = 1;
  int column = 1;
};

struct Value {
  enum class Kind : std::uint8_t { kString, kInteger, kFloat, kBoolean, kDateTime, kArray };
  Kind kind = Kind::kString;
  Position position;
  std::string string;  // kString: the decoded text; kFloat/kDateTime: the source text
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<Value> items;  // kArray
};

std::string_view kind_name(Value::Kind kind);  // "a string", "an integer", ...

struct Entry {
  std::string key;
  Position key_position;
  Value value;
};

struct Table {
  std::string name;  // "gateway", "models.default"; "" for the root (keys before any [table])
  Position position;
  std::vector<Entry> entries;
};

// tables[0] is always the root table.
struct Document {
  std::vector<Table> tables;
};

// Errors read "source:line:column: TOML syntax error: what; how to fix".
Result<Document> parse(std::string_view text, std::string_view source);

// Appends the UTF-8 encoding of a code point (a scalar value; callers reject surrogates).
// Shared with the JSON5 reader.
void append_utf8(std::string& out, char32_t cp);

}  // namespace chitin::config::toml
