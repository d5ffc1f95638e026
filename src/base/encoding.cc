#include "base/encoding.h"

#include <array>

namespace chitin {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64Standard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 255 marks characters outside the alphabet.
std::array<std::uint8_t, 256> reverse_table(std::string_view alphabet) {
  std::array<std::uint8_t, 256> table{};
  table.fill(255);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

}  // namespace

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string hex_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0F]);
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return fail(ErrorCode::kInvalidInput, "hex text has odd length {}", text.size());
  }
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = hex_value(text[i]);
    const int low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) {
      return fail(ErrorCode::kInvalidInput, "hex text has a non-hex character at offset {}",
                  high < 0 ? i : i + 1);
    }
    out.push_back(static_cast<std::uint8_t>((high << 4) | low));
  }
  return out;
}

std::string base64_encode(std::span<const std::uint8_t> bytes, Base64Variant variant) {
  const std::string_view alphabet =
      variant == Base64Variant::kStandard ? kBase64Standard : kBase64Url;
  const bool pad = variant == Base64Variant::kStandard;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (pad) {
      out += "==";
    }
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    if (pad) {
      out.push_back('=');
    }
  }
  return out;
}

Result<Bytes> base64_decode(std::string_view text, Base64Variant variant) {
  static const auto kStandardTable = reverse_table(kBase64Standard);
  static const auto kUrlTable = reverse_table(kBase64Url);
  const auto& table = variant == Base64Variant::kStandard ? kStandardTable : kUrlTable;
  std::size_t data_length = text.size();
  if (variant == Base64Variant::kStandard) {
    if (text.size() % 4 != 0) {
      return fail(ErrorCode::kInvalidInput,
                  "base64 text has length {}, which is not a multiple of 4", text.size());
    }
    while (data_length > 0 && text.size() - data_length < 2 && text[data_length - 1] == '=') {
      --data_length;
    }
  } else if (text.size() % 4 == 1) {
    return fail(ErrorCode::kInvalidInput, "base64url text has impossible length {}", text.size());
  }
  Bytes out;
  out.reserve(data_length * 3 / 4);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_length; ++i) {
    const std::uint8_t v = table[static_cast<unsigned char>(text[i])];
    if (v == 255) {
      return fail(ErrorCode::kInvalidInput, "base64 text has an invalid character at offset {}", i);
    }
    accumulator = (accumulator << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((accumulator >> bits) & 0xFF));
    }
  }
  // Canonical form only: the unused low bits of the last character must be zero, so that
  // one byte string has exactly one encoding.
  if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) {
    return fail(ErrorCode::kInvalidInput, "base64 text is not canonical (non-zero pad bits)");
  }
  return out;
}

std::size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) {
    return 0;
  }
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) {
      low = 0xA0;  // no overlongs
    } else if (b0 == 0xED) {
      high = 0x9F;  // no UTF-16 surrogates
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) {
      low = 0x90;
    } else if (b0 == 0xF4) {
      high = 0x8F;  // at most U+10FFFF
    }
  } else {
    return 0;
  }
  if (s.size() < length) {
    return 0;
  }
  const auto b1 = static_cast<unsigned char>(s[1]);
  if (b1 < low || b1 > high) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  return length;
}

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    const std::size_t length = utf8_sequence_length(s);
    if (length == 0) {
      return false;
    }
    s.remove_prefix(length);
  }
  return true;
}

}  // namespace chitin
