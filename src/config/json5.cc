#include "config/json5.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "base/encoding.h"
#include "config/toml.h"

namespace chitin::config {

namespace {

constexpr std::size_t kMaxStringBytes = 1U << 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_identifier_part(char c) { return is_identifier_start(c) || is_digit(c); }

class Json5Parser {
 public:
  Json5Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<nlohmann::json> document() {
    if (text_.starts_with("\xEF\xBB\xBF")) {
      at_ = 3;
    }
    CHITIN_RETURN_IF_ERROR(skip_blank());
    nlohmann::json value = CHITIN_TRY(parse_value(0));
    CHITIN_RETURN_IF_ERROR(skip_blank());
    if (at_ != text_.size()) {
      return error("unexpected text after the value");
    }
    return value;
  }

 private:
  tl::unexpected<Error> error(std::string_view what) const {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < at_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return fail(ErrorCode::kInvalidInput, "{}:{}:{}: {}", source_, line, column, what);
  }

  [[nodiscard]] bool more() const { return at_ < text_.size(); }
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return at_ + ahead < text_.size() ? text_[at_ + ahead] : '\0';
  }
  [[nodiscard]] bool looking_at(std::string_view word) const {
    return text_.substr(at_).starts_with(word);
  }

  // Whitespace (ASCII, NBSP, BOM, line and paragraph separators) and comments.
  Result<void> skip_blank() {
    while (more()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        ++at_;
      } else if (looking_at("\xC2\xA0")) {
        at_ += 2;
      } else if (looking_at("\xEF\xBB\xBF") || looking_at("\xE2\x80\xA8") ||
                 looking_at("\xE2\x80\xA9")) {
        at_ += 3;
      } else if (looking_at("//")) {
        while (more() && peek() != '\n') {
          ++at_;
        }
      } else if (looking_at("/*")) {
        const auto end = text_.find("*/", at_ + 2);
        if (end == std::string_view::npos) {
          return error("unterminated /* comment");
        }
        at_ = end + 2;
      } else {
        break;
      }
    }
    return {};
  }

  Result<nlohmann::json> parse_value(std::size_t depth) {
    if (!more()) {
      return error("expected a value, found the end of the input");
    }
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth >= kMaxJson5Depth) {
        return error(fmt::format("nested deeper than {} levels", kMaxJson5Depth));
      }
      return c == '{' ? parse_object(depth + 1) : parse_array(depth + 1);
    }
    if (c == '"' || c == '\'') {
      return nlohmann::json(CHITIN_TRY(parse_string()));
    }
    for (const auto& [word, value] : {std::pair<std::string_view, nlohmann::json>{"true", true},
                                      {"false", false},
                                      {"null", nullptr}}) {
      if (looking_at(word) && !is_identifier_part(peek(word.size()))) {
        at_ += word.size();
        return value;
      }
    }
    if (is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'I' || c == 'N') {
      return parse_number();
    }
    return error(fmt::format("unexpected character '{}'", c));
  }

  Result<nlohmann::json> parse_object(std::size_t depth) {
    ++at_;  // {
    nlohmann::json object = nlohmann::json::object();
    for (;;) {
      CHITIN_RETURN_IF_ERROR(skip_blank());
      if (peek() == '}') {
        ++at_;
        return object;
      }
      std::string key;
      if (peek() == '"' || peek() == '\'') {
        key = CHITIN_TRY(parse_string());
      } else if (is_identifier_start(peek())) {
        const std::size_t start = at_;
        while (more() && is_identifier_part(peek())) {
          ++at_;
        }
        key = std::string(text_.substr(start, at_ - start));
        if (!is_valid_utf8(key)) {
          return error("a key is not valid UTF-8");
        }
      } else {
        return error(more() ? "expected a key or '}'" : "unterminated object: expected '}'");
      }
      CHITIN_RETURN_IF_ERROR(skip_blank());
      if (peek() != ':') {
        return error(fmt::format("expected ':' after key '{}'", key.substr(0, 64)));
      }
      ++at_;
      CHITIN_RETURN_IF_ERROR(skip_blank());
      object[key] = CHITIN_TRY(parse_value(depth));
      CHITIN_RETURN_IF_ERROR(skip_blank());
      if (peek() == ',') {
        ++at_;
      } else if (peek() != '}') {
        return error(more() ? "expected ',' or '}'" : "unterminated object: expected '}'");
      }
    }
  }

  Result<nlohmann::json> parse_array(std::size_t depth) {
    ++at_;  // [
    nlohmann::json array = nlohmann::json::array();
    for (;;) {
      CHITIN_RETURN_IF_ERROR(skip_blank());
      if (peek() == ']') {
        ++at_;
        return array;
      }
      if (!more()) {
        return error("unterminated array: expected ']'");
      }
      array.push_back(CHITIN_TRY(parse_value(depth)));
      CHITIN_RETURN_IF_ERROR(skip_blank());
      if (peek() == ',') {
        ++at_;
      } else if (peek() != ']') {
        return error(more() ? "expected ',' or ']'" : "unterminated array: expected ']'");
      }
    }
  }

  Result<std::uint32_t> hex_digits(std::size_t count) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const int digit = hex_value(peek());
      if (digit < 0) {
        return error("bad hexadecimal escape");
      }
      value = value * 16 + static_cast<std::uint32_t>(digit);
      ++at_;
    }
    return value;
  }

  Result<std::string> parse_string() {
    const char quote = peek();
    ++at_;
    std::string out;
    for (;;) {
      if (!more()) {
        return error("unterminated string");
      }
      if (out.size() > kMaxStringBytes) {
        return error(fmt::format("a string is longer than {} bytes", kMaxStringBytes));
      }
      const char c = peek();
      if (c == quote) {
        ++at_;
        break;
      }
      if (c == '\n' || c == '\r') {
        return error("line break inside a string (end the line with '\\' to continue it)");
      }
      if (c != '\\') {
        out.push_back(c);
        ++at_;
        continue;
      }
      ++at_;
      if (!more()) {
        return error("unterminated string");
      }
      const char e = peek();
      ++at_;
      switch (e) {
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case '0':
          if (is_digit(peek())) {
            return error("octal escapes are not allowed");
          }
          out.push_back('\0');
          break;
        case 'x':
          toml::append_utf8(out, CHITIN_TRY(hex_digits(2)));
          break;
        case 'u': {
          std::uint32_t code = CHITIN_TRY(hex_digits(4));
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (peek() != '\\' || peek(1) != 'u') {
              return error("a lone UTF-16 surrogate in a \\u escape");
            }
            at_ += 2;
            const std::uint32_t low = CHITIN_TRY(hex_digits(4));
            if (low < 0xDC00 || low > 0xDFFF) {
              return error("a lone UTF-16 surrogate in a \\u escape");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return error("a lone UTF-16 surrogate in a \\u escape");
          }
          toml::append_utf8(out, code);
          break;
        }
        case '\r':
          if (peek() == '\n') {
            ++at_;
          }
          break;  // line continuation
        case '\n':
          break;
        default:
          if (is_digit(e)) {
            return error("digits cannot be escaped");
          }
          // \', \", \\ and any other character stand for themselves, as do the line and
          // paragraph separators (continuations).
          if (static_cast<unsigned char>(e) >= 0x80) {
            --at_;
            if (looking_at("\xE2\x80\xA8") || looking_at("\xE2\x80\xA9")) {
              at_ += 3;
              break;
            }
            ++at_;
          }
          out.push_back(e);
      }
    }
    if (!is_valid_utf8(out)) {
      return error("a string is not valid UTF-8");
    }
    return out;
  }

  Result<nlohmann::json> parse_number() {
    const std::size_t start = at_;
    bool negative = false;
    if (peek() == '+' || peek() == '-') {
      negative = peek() == '-';
      ++at_;
    }
    if (looking_at("Infinity")) {
      at_ += 8;
      return nlohmann::json(negative ? "-Infinity" : "Infinity");
    }
    if (looking_at("NaN")) {
      at_ += 3;
      return nlohmann::json("NaN");
    }
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      at_ += 2;
      std::uint64_t value = 0;
      const std::size_t digits_start = at_;
      while (hex_value(peek()) >= 0) {
        if (value >> 60 != 0) {
          return error("hexadecimal number too large");
        }
        value = value * 16 + static_cast<std::uint64_t>(hex_value(peek()));
        ++at_;
      }
      if (at_ == digits_start) {
        return error("expected hexadecimal digits after 0x");
      }
      if (negative) {
        return nlohmann::json(-static_cast<std::int64_t>(value));
      }
      return nlohmann::json(value);
    }
    const std::size_t digits = at_;
    while (is_digit(peek())) {
      ++at_;
    }
    const std::size_t integer_digits = at_ - digits;
    if (integer_digits > 1 && text_[digits] == '0') {
      return error("numbers cannot have leading zeros");
    }
    bool fraction = false;
    if (peek() == '.') {
      fraction = true;
      ++at_;
      while (is_digit(peek())) {
        ++at_;
      }
    }
    if (integer_digits == 0 && at_ - digits <= 1) {
      return error("expected a number");
    }
    if (peek() == 'e' || peek() == 'E') {
      fraction = true;
      ++at_;
      if (peek() == '+' || peek() == '-') {
        ++at_;
      }
      if (!is_digit(peek())) {
        return error("expected digits in the exponent");
      }
      while (is_digit(peek())) {
        ++at_;
      }
    }
    if (is_identifier_part(peek())) {
      return error("unexpected character after a number");
    }
    std::string number(text_.substr(digits, at_ - digits));
    if (number.starts_with('.')) {
      number.insert(number.begin(), '0');
    }
    if (number.ends_with('.')) {
      number.push_back('0');
    }
    if (!fraction) {
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
      if (ec == std::errc() && end == number.data() + number.size()) {
        return nlohmann::json(negative ? -value : value);
      }
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value)) {
      at_ = start;
      return error("number out of range");
    }
    return nlohmann::json(negative ? -value : value);
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t at_ = 0;
};

}  // namespace

Result<nlohmann::json> parse_json5(std::string_view text, std::string_view source) {
  if (text.size() > kMaxJson5Bytes) {
    return fail(ErrorCode::kLimitExceeded, "{}: larger than {} bytes", source, kMaxJson5Bytes);
  }
  return Json5Parser(text, source).document();
}

}  // namespace chitin::config
