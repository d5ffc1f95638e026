#include "skills/content_checks.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include "base/encoding.h"
#include "base/log.h"

namespace chitin::skills {

namespace {

constexpr std::size_t kMinBase64Run = 40;
constexpr std::size_t kMinHexRun = 40;
constexpr std::size_t kMinEscapes = 8;
constexpr std::size_t kMaxBlobs = 64;

// Decodes the code point at `i` (valid UTF-8 only); returns its length, 0 when invalid.
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& out) {
  const std::size_t length = utf8_sequence_length(text.substr(i, 4));
  if (length == 0) {
    return 0;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(text.data() + i);
  switch (length) {
    case 1:
      out = b[0];
      break;
    case 2:
      out = ((b[0] & 0x1FU) << 6) | (b[1] & 0x3FU);
      break;
    case 3:
      out = ((b[0] & 0x0FU) << 12) | ((b[1] & 0x3FU) << 6) | (b[2] & 0x3FU);
      break;
    default:
      out =
          ((b[0] & 0x07U) << 18) | ((b[1] & 0x3FU) << 12) | ((b[2] & 0x3FU) << 6) | (b[3] & 0x3FU);
  }
  return length;
}

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

bool is_zero_width(char32_t c) {
  return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF || c == 0x180E ||
         (c >= 0x2061 && c <= 0x2064);
}

bool is_tag(char32_t c) { return c >= 0xE0000 && c <= 0xE007F; }

bool is_ascii_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Share of bytes that look like text (printable ASCII, whitespace, or UTF-8 lead/continuation
// bytes of a valid string).
bool looks_like_text(std::string_view bytes) {
  if (bytes.size() < 8) {
    return false;
  }
  if (!is_valid_utf8(bytes)) {
    return false;
  }
  std::size_t good = 0;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t' || c == '\r' || c >= 0x80) {
      ++good;
    }
  }
  return good * 100 >= bytes.size() * 95;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '-' || c == '_';
}

bool is_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<std::string> decode_base64_run(std::string_view run) {
  std::string text(run);
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  if (text.size() % 4 == 1) {
    text.pop_back();
  }
  while (text.size() % 4 != 0) {
    text.push_back('=');
  }
  auto bytes = base64_decode(text);
  if (!bytes) {
    return std::nullopt;
  }
  return std::string(as_chars(*bytes));
}

// PowerShell -EncodedCommand is base64 of UTF-16LE: every second byte is zero.
std::optional<std::string> narrow_utf16le(std::string_view bytes) {
  if (bytes.size() < 16 || bytes.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    if (bytes[i + 1] != '\0') {
      return std::nullopt;
    }
    out.push_back(bytes[i]);
  }
  return out;
}

bool public_ipv4(const std::array<int, 4>& a) {
  if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224) {
    return false;
  }
  if ((a[0] == 169 && a[1] == 254) || (a[0] == 172 && a[1] >= 16 && a[1] <= 31) ||
      (a[0] == 192 && a[1] == 168) || (a[0] == 100 && a[1] >= 64 && a[1] <= 127)) {
    return false;
  }
  return true;
}

bool starts_with_at(std::string_view text, std::size_t i, std::string_view prefix) {
  return i <= text.size() && text.substr(i, prefix.size()) == prefix;
}

std::uint16_t le16(std::string_view s, std::size_t i) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[i]) |
                                    (static_cast<unsigned char>(s[i + 1]) << 8));
}

bool has_archive_name(std::string_view name) {
  for (const std::string_view ext : {".zip", ".tar", ".tgz", ".gz", ".7z", ".rar", ".xz", ".bz2",
                                     ".zst", ".jar", ".cab", ".dmg", ".iso", ".pkg", ".msi"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::size_t line_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(
                 text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::string snippet_at(std::string_view text, std::size_t offset, std::size_t max_bytes) {
  offset = std::min(offset, text.size());
  const std::size_t end = std::min(text.find('\n', offset), text.size());
  return log::escaped(text.substr(offset, end - offset), max_bytes);
}

InvisibleText check_invisible(std::string_view file, std::string_view text) {
  InvisibleText out;
  out.visible.reserve(text.size());
  std::size_t bidi = 0;
  std::size_t bidi_offset = 0;
  std::size_t zero_width = 0;
  std::size_t zero_width_offset = 0;
  std::size_t tags = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t c = 0;
    const std::size_t length = decode_utf8(text, i, c);
    if (length == 0) {
      out.visible.push_back(text[i]);
      ++i;
      continue;
    }
    const bool bom = c == 0xFEFF && i == 0;
    if (is_bidi_control(c)) {
      bidi_offset = bidi++ == 0 ? i : bidi_offset;
    } else if (is_tag(c)) {
      if (tags++ == 0) {
        out.tag_line = line_at(text, i);
      }
      const char32_t ascii = c - 0xE0000;
      if (ascii >= 0x20 && ascii < 0x7F && out.tag_text.size() < 4096) {
        out.tag_text.push_back(static_cast<char>(ascii));
      }
    } else if (is_zero_width(c) && !bom) {
      // ZWJ/ZWNJ between non-ASCII characters join emoji and shape scripts (Persian, Indic);
      // only count them where they split ASCII words or stand between spaces.
      const char before = i > 0 ? text[i - 1] : ' ';
      const char after = i + length < text.size() ? text[i + length] : ' ';
      const bool joins_non_ascii =
          (c == 0x200D || c == 0x200C) &&
          (static_cast<unsigned char>(before) >= 0x80 || static_cast<unsigned char>(after) >= 0x80);
      if (!joins_non_ascii) {
        zero_width_offset = zero_width++ == 0 ? i : zero_width_offset;
      }
    } else {
      out.visible.append(text.substr(i, length));
      i += length;
      continue;
    }
    out.had_invisible = true;
    i += length;
  }
  const std::string name(file);
  if (bidi > 0) {
    out.findings.push_back(
        Finding{"unicode.hidden", Severity::kHigh, name, line_at(text, bidi_offset),
                fmt::format("{} bidirectional control character(s) (U+202A-202E, "
                            "U+2066-2069): text shown to reviewers differs "
                            "from what runs or what the agent reads",
                            bidi)});
  }
  if (tags > 0) {
    out.findings.push_back(
        Finding{"unicode.hidden", Severity::kCritical, name, out.tag_line,
                fmt::format("{} invisible Unicode Tag character(s) smuggle text: \"{}\"", tags,
                            log::escaped(out.tag_text, 120))});
  }
  if (zero_width > 0) {
    out.findings.push_back(Finding{
        "unicode.hidden", zero_width >= 3 ? Severity::kHigh : Severity::kLow, name,
        line_at(text, zero_width_offset),
        fmt::format("{} zero-width character(s) inside text (U+200B/200C/200D/2060/FEFF): they "
                    "split words so filters miss them",
                    zero_width)});
  }
  return out;
}

std::vector<DecodedBlob> decode_blobs(std::string_view text) {
  std::vector<DecodedBlob> blobs;
  auto add = [&](std::string kind, std::size_t offset, std::string decoded) {
    if (blobs.size() < kMaxBlobs && looks_like_text(decoded)) {
      blobs.push_back(DecodedBlob{std::move(kind), line_at(text, offset), std::move(decoded)});
    }
  };
  std::size_t i = 0;
  while (i < text.size() && blobs.size() < kMaxBlobs) {
    // \xNN escape runs (shell $'...', Python, JS strings).
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x' && is_hex_char(text[i + 2]) &&
        is_hex_char(text[i + 3])) {
      const std::size_t start = i;
      std::string decoded;
      while (i + 3 < text.size() && text[i] == '\\' && text[i + 1] == 'x' &&
             is_hex_char(text[i + 2]) && is_hex_char(text[i + 3])) {
        auto byte = hex_decode(text.substr(i + 2, 2));
        decoded.push_back(static_cast<char>((*byte)[0]));
        i += 4;
      }
      if (decoded.size() >= kMinEscapes) {
        add("\\x escapes", start, std::move(decoded));
      }
      continue;
    }
    if (!is_base64_char(text[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    bool all_hex = true;
    while (i < text.size() && is_base64_char(text[i])) {
      all_hex = all_hex && is_hex_char(text[i]);
      ++i;
    }
    std::size_t end = i;
    while (i < text.size() && text[i] == '=' && i - end < 2) {
      ++i;
    }
    const std::string_view run = text.substr(start, end - start);
    if (all_hex && run.size() >= kMinHexRun && run.size() % 2 == 0) {
      if (auto bytes = hex_decode(run)) {
        add("hex", start, std::string(as_chars(*bytes)));
      }
    } else if (run.size() >= kMinBase64Run) {
      if (auto decoded = decode_base64_run(run)) {
        if (auto narrow = narrow_utf16le(*decoded)) {
          add("UTF-16 base64", start, std::move(*narrow));
        } else {
          add("base64", start, std::move(*decoded));
        }
      }
    }
  }
  return blobs;
}

std::vector<Finding> check_raw_ip_urls(std::string_view file, std::string_view text) {
  std::vector<Finding> findings;
  std::size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string_view::npos && findings.size() < 8) {
    const std::size_t host_start = pos + 3;
    pos = host_start;
    // Only http(s) and ws(s) schemes.
    const std::string_view before = text.substr(0, host_start - 3);
    if (!before.ends_with("http") && !before.ends_with("https") && !before.ends_with("ws") &&
        !before.ends_with("wss") && !before.ends_with("HTTP") && !before.ends_with("HTTPS")) {
      continue;
    }
    std::array<int, 4> octets{};
    std::size_t i = host_start;
    bool ok = true;
    for (int part = 0; part < 4 && ok; ++part) {
      int value = 0;
      std::size_t digits = 0;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
        value = value * 10 + (text[i] - '0');
        ++i;
        ++digits;
      }
      ok = digits > 0 && digits <= 3 && value <= 255;
      octets[static_cast<std::size_t>(part)] = value;
      if (part < 3) {
        ok = ok && i < text.size() && text[i] == '.';
        ++i;
      }
    }
    if (!ok || (i < text.size() && (is_ascii_word(text[i]) || text[i] == '.'))) {
      continue;
    }
    if (public_ipv4(octets)) {
      findings.push_back(Finding{
          "exfil.raw_ip_url", Severity::kHigh, std::string(file), line_at(text, host_start),
          fmt::format("URL with a raw public IP address ({}); malware uses these to skip DNS "
                      "and domain reputation",
                      snippet_at(text, host_start, 48))});
    }
  }
  return findings;
}

FileKind classify(std::string_view name, std::string_view c) {
  auto magic = [&](std::string_view m, std::size_t at = 0) { return starts_with_at(c, at, m); };
  if (magic("PK\x03\x04") || magic("PK\x05\x06") || magic("\x1F\x8B") || magic("BZh") ||
      magic("\xFD"
            "7zXZ") ||
      magic("7z\xBC\xAF\x27\x1C") || magic("Rar!\x1A\x07") || magic("\x28\xB5\x2F\xFD") ||
      magic("MSCF") || magic("ustar", 257)) {
    return FileKind::kArchive;
  }
  if (magic("\x7F"
            "ELF") ||
      magic("MZ") || magic("\xFE\xED\xFA\xCE") || magic("\xFE\xED\xFA\xCF") ||
      magic("\xCE\xFA\xED\xFE") || magic("\xCF\xFA\xED\xFE") || magic("\xCA\xFE\xBA\xBE") ||
      magic(std::string_view("\0asm", 4))) {
    return FileKind::kExecutable;
  }
  if (magic("\x89PNG") || magic("\xFF\xD8\xFF") || magic("GIF8") || magic("%PDF") ||
      (magic("RIFF") && starts_with_at(c, 8, "WEBP")) || magic(std::string_view("\0\0\1\0", 4))) {
    return FileKind::kMedia;
  }
  const std::string_view head = c.substr(0, 8192);
  if (head.find('\0') != std::string_view::npos) {
    return has_archive_name(name) ? FileKind::kArchive : FileKind::kOtherBinary;
  }
  return FileKind::kText;
}

std::vector<Finding> check_archive(std::string_view file, std::string_view c) {
  std::vector<Finding> findings;
  std::vector<std::string> nested;
  bool encrypted = false;
  // Zip local file headers (APPNOTE 4.3.7): flags at +6 (bit 0: encrypted), name length at
  // +26, extra length at +28, name at +30. Central directory headers (4.3.12): flags at +8.
  std::size_t pos = 0;
  while ((pos = c.find("PK\x03\x04", pos)) != std::string_view::npos && pos + 30 <= c.size()) {
    encrypted = encrypted || (le16(c, pos + 6) & 1U) != 0;
    const std::size_t name_length = le16(c, pos + 26);
    if (pos + 30 + name_length <= c.size()) {
      const std::string_view entry = c.substr(pos + 30, name_length);
      if (has_archive_name(entry) && nested.size() < 8) {
        nested.push_back(log::escaped(entry, 80));
      }
    }
    pos += 4;
  }
  pos = 0;
  while ((pos = c.find("PK\x01\x02", pos)) != std::string_view::npos && pos + 10 <= c.size()) {
    encrypted = encrypted || (le16(c, pos + 8) & 1U) != 0;
    pos += 4;
  }
  const std::string name(file);
  std::string message =
      "bundled archive: its contents cannot be reviewed, scanned or verified file by file; "
      "ship the files unpacked";
  if (!nested.empty()) {
    message += fmt::format(" (it nests further archives: {})", fmt::join(nested, ", "));
  }
  findings.push_back(Finding{"archive.bundled", Severity::kHigh, name, 0, message});
  if (encrypted) {
    findings.push_back(Finding{"archive.password_protected", Severity::kCritical, name, 0,
                               "password-protected (encrypted) archive: a classic way to hide "
                               "malware from scanners"});
  }
  return findings;
}

}  // namespace chitin::skills
