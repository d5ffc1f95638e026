#pragma once
// Byte encodings. Decoders are strict: any character outside the alphabet, a wrong length or
// non-canonical padding is an error naming the offending position.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace chitin {

using Bytes = std::vector<std::uint8_t>;

// View the bytes of a string (no copy).
inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lower-case hex.
std::string hex_encode(std::span<const std::uint8_t> bytes);
// The value of one hex digit (either case), or -1.
int hex_value(char c);
// Accepts upper or lower case; the length must be even.
Result<Bytes> hex_decode(std::string_view text);

enum class Base64Variant : std::uint8_t {
  kStandard,     // RFC 4648 §4, with '=' padding
  kUrlNoPadding  // RFC 4648 §5, no padding (tokens, URLs)
};
std::string base64_encode(std::span<const std::uint8_t> bytes,
                          Base64Variant variant = Base64Variant::kStandard);
Result<Bytes> base64_decode(std::string_view text,
                            Base64Variant variant = Base64Variant::kStandard);

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF) at the start of `s`, or 0 when `s` is empty or does not start with one.
std::size_t utf8_sequence_length(std::string_view s);
// True when all of `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);

}  // namespace chitin
