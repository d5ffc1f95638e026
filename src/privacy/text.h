#pragma once
// Byte-level text helpers of the privacy filter. Offsets are UTF-8 byte offsets; nothing here
// assumes the input is valid UTF-8 (invalid bytes are treated as opaque non-letters).

#include <cstddef>
#include <string>
#include <string_view>

namespace chitin::privacy {

// Fullwidth ASCII forms (U+FF01..U+FF5E) become ASCII, U+3000 becomes a space; all else is
// copied. Used to canonicalise values and to read placeholders an LLM rewrote in fullwidth.
std::string fold_width(std::string_view text);

inline bool is_ascii_digit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool is_ascii_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ascii_alnum(unsigned char c) { return is_ascii_digit(c) || is_ascii_alpha(c); }
inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string ascii_lowercase(std::string_view text);

// Inline: the name scans ask these of nearly every byte of Chinese text.
// A CJK unified ideograph (U+3400..U+9FFF) starts at `at`: its byte length (3), else 0.
inline std::size_t han_length_at(std::string_view text, std::size_t at) {
  if (at + 3 > text.size()) {
    return 0;
  }
  const auto b0 = static_cast<unsigned char>(text[at]);
  const auto b1 = static_cast<unsigned char>(text[at + 1]);
  const auto b2 = static_cast<unsigned char>(text[at + 2]);
  if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) {
    return 0;
  }
  // U+3400..U+3FFF: E3 90..BF; U+4000..U+9FFF: E4..E9.
  return (b0 >= 0xE4 && b0 <= 0xE9) || (b0 == 0xE3 && b1 >= 0x90) ? 3 : 0;
}
// The first offset from `at` whose byte could start a Han character (E3..E9), or the size:
// the name scans skip Latin text, digits and other scripts with it.
inline std::size_t next_han_lead(std::string_view text, std::size_t at) {
  while (at < text.size() && static_cast<unsigned char>(text[at] - '\xE3') > 6) {
    ++at;
  }
  return at;
}
// Han characters U+3400..U+9FFF (three UTF-8 bytes each) as dense indexes 0..kHanCount-1, for
// per-character tables; -1 when `at` does not start one.
inline constexpr std::size_t kHanCount = 0x9FFF - 0x3400 + 1;
inline int han_index(std::string_view text, std::size_t at) {
  if (han_length_at(text, at) == 0) {
    return -1;
  }
  const auto b0 = static_cast<unsigned char>(text[at]);
  const auto b1 = static_cast<unsigned char>(text[at + 1]);
  const auto b2 = static_cast<unsigned char>(text[at + 2]);
  const int code = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
  return code - 0x3400;
}
// The Han character ending at `end` (exclusive): its byte length (3), else 0.
inline std::size_t han_length_before(std::string_view text, std::size_t end) {
  return end >= 3 ? han_length_at(text, end - 3) : 0;
}
// Number of consecutive Han characters starting at `at`, at most `limit`.
inline std::size_t han_run_at(std::string_view text, std::size_t at, std::size_t limit) {
  std::size_t count = 0;
  while (count < limit && han_length_at(text, at + 3 * count) != 0) {
    ++count;
  }
  return count;
}

// Start of the UTF-8 character containing byte `at` (steps back over continuation bytes,
// at most 3).
std::size_t utf8_char_start(std::string_view text, std::size_t at);

// Where `word` occurs in `text`, ASCII letters compared case-insensitively, as a word: an edge
// of `word` that is an ASCII letter touches no other letter, except a plural s ("id" is in
// "ID:", "IDs" and "身份id", not in "video"). The first occurrence, or the last with `last`;
// npos when there is none.
std::size_t find_word_folded(std::string_view text, std::string_view word, bool last);

}  // namespace chitin::privacy
