#include "config/toml.h"

#include <fmt/format.h>

#include <charconv>

#include "base/encoding.h"

namespace chitin::config::toml {

namespace {

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Value make_value(Value::Kind kind, Position position, std::string text = {}) {
  Value value;
  value.kind = kind;
  value.position = position;
  value.string = std::move(text);
  return value;
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<Document> run() {
    Document document;
    document.tables.push_back(Table{});
    std::size_t entries = 0;
    while (!at_end()) {
      skip_blank();
      if (at_end()) {
        break;
      }
      if (peek() == '\n' || peek() == '\r' || peek() == '#') {
        CHITIN_RETURN_IF_ERROR(end_of_line());
        continue;
      }
      if (peek() == '[') {
        Table table = CHITIN_TRY(table_header());
        if (document.tables.size() > kMaxTables) {
          return error(table.position, fmt::format("more than {} tables", kMaxTables));
        }
        for (const Table& existing : document.tables) {
          if (!existing.name.empty() && existing.name == table.name) {
            return error(table.position, fmt::format("table [{}] is defined twice (first on line "
                                                     "{}); merge the two",
                                                     table.name, existing.position.line));
          }
        }
        document.tables.push_back(std::move(table));
        continue;
      }
      Entry entry = CHITIN_TRY(key_value());
      Table& table = document.tables.back();
      for (const Entry& existing : table.entries) {
        if (existing.key == entry.key) {
          return error(entry.key_position,
                       fmt::format("key '{}' is defined twice (first on line {}); keep one",
                                   entry.key, existing.key_position.line));
        }
      }
      if (++entries > kMaxEntries) {
        return error(entry.key_position, fmt::format("more than {} keys", kMaxEntries));
      }
      table.entries.push_back(std::move(entry));
    }
    return document;
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  [[nodiscard]] Position here() const { return Position{line_, column_}; }

  void advance(std::size_t count = 1) {
    for (std::size_t i = 0; i < count && pos_ < text_.size(); ++i) {
      if (text_[pos_] == '\n') {
        ++line_;
        column_ = 1;
      } else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
        ++column_;  // columns count characters, not UTF-8 continuation bytes
      }
      ++pos_;
    }
  }

  tl::unexpected<Error> error(Position at, std::string_view what) const {
    return fail(ErrorCode::kInvalidInput, "{}:{}:{}: TOML syntax error: {}", source_, at.line,
                at.column, what);
  }

  void skip_blank() {
    while (peek() == ' ' || peek() == '\t') {
      advance();
    }
  }

  // Optional comment, then a newline or the end of the text.
  Result<void> end_of_line() {
    skip_blank();
    if (peek() == '#') {
      while (!at_end() && peek() != '\n') {
        advance();
      }
    }
    if (peek() == '\r' && peek(1) == '\n') {
      advance(2);
      return {};
    }
    if (peek() == '\n') {
      advance();
      return {};
    }
    if (at_end()) {
      return {};
    }
    return error(here(),
                 fmt::format("unexpected '{}' after the value; start a new line", describe_char()));
  }

  std::string describe_char() const {
    const char c = peek();
    if (static_cast<unsigned char>(c) < 0x20) {
      return fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    const std::size_t length = std::max<std::size_t>(1, utf8_sequence_length(text_.substr(pos_)));
    return std::string(text_.substr(pos_, length));
  }

  Result<std::string> simple_key() {
    const Position start = here();
    if (peek() == '"') {
      Value value = CHITIN_TRY(basic_string());
      return value.string;
    }
    if (peek() == '\'') {
      Value value = CHITIN_TRY(literal_string());
      return value.string;
    }
    std::string key;
    while (is_bare_key_char(peek())) {
      key.push_back(peek());
      advance();
    }
    if (key.empty()) {
      return error(start, at_end() ? std::string("expected a key, found the end of the file")
                                   : fmt::format("expected a key, found '{}'", describe_char()));
    }
    return key;
  }

  Result<Table> table_header() {
    advance();  // '['
    if (peek() == '[') {
      return error(here(), "arrays of tables ([[...]]) are not used in chitin.toml");
    }
    skip_blank();
    Table table;
    table.position = here();
    for (;;) {
      std::string part = CHITIN_TRY(simple_key());
      table.name += part;
      skip_blank();
      if (peek() != '.') {
        break;
      }
      table.name.push_back('.');
      advance();
      skip_blank();
    }
    if (peek() != ']') {
      return error(here(), "expected ']' to close the table name");
    }
    advance();
    CHITIN_RETURN_IF_ERROR(end_of_line());
    return table;
  }

  Result<Entry> key_value() {
    Entry entry;
    entry.key_position = here();
    entry.key = CHITIN_TRY(simple_key());
    skip_blank();
    if (peek() == '.') {
      return error(here(),
                   "dotted keys (a.b = ...) are not used in chitin.toml; write a "
                   "[section] instead");
    }
    if (peek() != '=') {
      return error(here(), fmt::format("expected '=' after the key '{}'", entry.key));
    }
    advance();
    skip_blank();
    entry.value = CHITIN_TRY(value(0));
    CHITIN_RETURN_IF_ERROR(end_of_line());
    return entry;
  }

  Result<Value> value(int depth) {
    const char c = peek();
    if (c == '"') {
      if (peek(1) == '"' && peek(2) == '"') {
        return error(here(), "multi-line strings (\"\"\") are not used in chitin.toml");
      }
      return basic_string();
    }
    if (c == '\'') {
      if (peek(1) == '\'' && peek(2) == '\'') {
        return error(here(), "multi-line strings (''') are not used in chitin.toml");
      }
      return literal_string();
    }
    if (c == '[') {
      return array(depth);
    }
    if (c == '{') {
      return error(here(),
                   "inline tables ({...}) are not used in chitin.toml; write a "
                   "[section] instead");
    }
    if (text_.substr(pos_).starts_with("true") && !is_bare_key_char(peek(4))) {
      Value v = make_value(Value::Kind::kBoolean, here());
      v.boolean = true;
      advance(4);
      return v;
    }
    if (text_.substr(pos_).starts_with("false") && !is_bare_key_char(peek(5))) {
      Value v = make_value(Value::Kind::kBoolean, here());
      advance(5);
      return v;
    }
    if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n') {
      return number_or_date();
    }
    if (at_end() || c == '\n' || c == '\r' || c == '#') {
      return error(here(), "expected a value after '='");
    }
    return error(here(),
                 fmt::format("'{}' does not start a value (strings need quotes)", describe_char()));
  }

  Result<Value> basic_string() {
    Value v = make_value(Value::Kind::kString, here());
    advance();  // '"'
    for (;;) {
      if (at_end() || peek() == '\n' || peek() == '\r') {
        return error(v.position, "string is not closed with '\"' on the same line");
      }
      const char c = peek();
      if (c == '"') {
        advance();
        return v;
      }
      if (v.string.size() > kMaxStringBytes) {
        return error(v.position, fmt::format("string longer than {} bytes", kMaxStringBytes));
      }
      if (c != '\\') {
        const std::size_t length = utf8_sequence_length(text_.substr(pos_));
        if (length == 0) {
          return error(here(), "invalid UTF-8 in a string");
        }
        v.string.append(text_.substr(pos_, length));
        advance(length);
        continue;
      }
      const Position escape_at = here();
      advance();
      const char e = peek();
      advance();
      switch (e) {
        case 'b':
          v.string.push_back('\b');
          break;
        case 't':
          v.string.push_back('\t');
          break;
        case 'n':
          v.string.push_back('\n');
          break;
        case 'f':
          v.string.push_back('\f');
          break;
        case 'r':
          v.string.push_back('\r');
          break;
        case '"':
          v.string.push_back('"');
          break;
        case '\\':
          v.string.push_back('\\');
          break;
        case 'u':
        case 'U': {
          const std::size_t digits = e == 'u' ? 4 : 8;
          const std::string_view hex = text_.substr(pos_, digits);
          std::uint32_t cp = 0;
          const auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
          if (hex.size() != digits || ec != std::errc() || end != hex.data() + hex.size() ||
              cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return error(escape_at, fmt::format("\\{} needs {} hex digits of a Unicode scalar "
                                                "value",
                                                e, digits));
          }
          append_utf8(v.string, static_cast<char32_t>(cp));
          advance(digits);
          break;
        }
        default:
          return error(escape_at, "unknown escape in a string; write \\\\ for a backslash");
      }
    }
  }

  Result<Value> literal_string() {
    Value v = make_value(Value::Kind::kString, here());
    advance();  // '\''
    for (;;) {
      if (at_end() || peek() == '\n' || peek() == '\r') {
        return error(v.position, "string is not closed with ' on the same line");
      }
      if (peek() == '\'') {
        advance();
        return v;
      }
      if (v.string.size() > kMaxStringBytes) {
        return error(v.position, fmt::format("string longer than {} bytes", kMaxStringBytes));
      }
      const std::size_t length = utf8_sequence_length(text_.substr(pos_));
      if (length == 0) {
        return error(here(), "invalid UTF-8 in a string");
      }
      v.string.append(text_.substr(pos_, length));
      advance(length);
    }
  }

  Result<Value> number_or_date() {
    const Position start = here();
    std::string token;
    // Take the whole token; what it is is decided below.
    while (!at_end()) {
      const char c = peek();
      if (is_bare_key_char(c) || c == '+' || c == '.' || c == ':') {
        token.push_back(c);
        advance();
      } else {
        break;
      }
    }
    if (token.size() >= 5 && is_digit(token[0]) && is_digit(token[1]) && is_digit(token[2]) &&
        is_digit(token[3]) && token[4] == '-') {
      return make_value(Value::Kind::kDateTime, start, token);
    }
    if (token.size() >= 3 && is_digit(token[0]) && is_digit(token[1]) && token[2] == ':') {
      return make_value(Value::Kind::kDateTime, start, token);
    }
    const std::string_view unsigned_part =
        std::string_view(token).substr(token[0] == '+' || token[0] == '-' ? 1 : 0);
    if (unsigned_part == "inf" || unsigned_part == "nan") {
      return make_value(Value::Kind::kFloat, start, token);
    }
    if (unsigned_part.starts_with("0x") || unsigned_part.starts_with("0o") ||
        unsigned_part.starts_with("0b")) {
      return error(start, "only decimal integers are used in chitin.toml");
    }
    // Digits with single underscores between them (TOML 1.0 §Integer).
    std::string digits;
    bool is_float = false;
    char previous = '\0';
    for (char c : unsigned_part) {
      if (c == '_') {
        if (!is_digit(previous)) {
          return error(start, fmt::format("'{}' is not a number", token));
        }
      } else if (is_digit(c)) {
        digits.push_back(c);
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        is_float = true;
        digits.push_back(c);
      } else {
        return error(start, fmt::format("'{}' is not a number", token));
      }
      previous = c;
    }
    if (digits.empty() || previous == '_' || !is_digit(digits.front())) {
      return error(start, fmt::format("'{}' is not a number", token));
    }
    if (is_float) {
      double ignored = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ignored);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.back() == '.') {
        return error(start, fmt::format("'{}' is not a number", token));
      }
      return make_value(Value::Kind::kFloat, start, token);
    }
    if (digits.size() > 1 && digits[0] == '0') {
      return error(start, fmt::format("'{}': leading zeros are not allowed", token));
    }
    if (token[0] == '-') {
      digits.insert(digits.begin(), '-');
    }
    Value v = make_value(Value::Kind::kInteger, start);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v.integer);
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      return error(start, fmt::format("'{}' does not fit in a 64-bit integer", token));
    }
    return v;
  }

  // Whitespace, newlines and comments are allowed anywhere between array elements.
  void skip_array_space() {
    for (;;) {
      skip_blank();
      if (peek() == '#') {
        while (!at_end() && peek() != '\n') {
          advance();
        }
      } else if (peek() == '\n') {
        advance();
      } else if (peek() == '\r' && peek(1) == '\n') {
        advance(2);
      } else {
        return;
      }
    }
  }

  Result<Value> array(int depth) {
    Value v = make_value(Value::Kind::kArray, here());
    if (depth >= kMaxArrayDepth) {
      return error(here(), fmt::format("arrays nested deeper than {}", kMaxArrayDepth));
    }
    advance();  // '['
    for (;;) {
      skip_array_space();
      if (peek() == ']') {
        advance();
        return v;
      }
      if (at_end()) {
        return error(v.position, "array is not closed with ']'");
      }
      if (v.items.size() >= kMaxArrayItems) {
        return error(v.position, fmt::format("array has more than {} items", kMaxArrayItems));
      }
      v.items.push_back(CHITIN_TRY(value(depth + 1)));
      skip_array_space();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']') {
        advance();
        return v;
      }
      return error(here(), at_end() ? std::string("array is not closed with ']'")
                                    : fmt::format("expected ',' or ']' in the array, found '{}'",
                                                  describe_char()));
    }
  }

  std::string_view text_;
  std::string source_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string_view kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kString:
      return "a string";
    case Value::Kind::kInteger:
      return "an integer";
    case Value::Kind::kFloat:
      return "a floating-point number";
    case Value::Kind::kBoolean:
      return "a boolean";
    case Value::Kind::kDateTime:
      return "a date/time";
    case Value::Kind::kArray:
      return "an array";
  }
  return "a value";
}

Result<Document> parse(std::string_view text, std::string_view source) {
  return Parser(text, source).run();
}

}  // namespace chitin::config::toml
