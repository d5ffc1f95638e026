#pragma once
// Structural checks of one file's bytes that YARA cannot express well: invisible Unicode,
// encoded blobs (decoded so the rules can see them), raw-IP URLs, and what kind of file the
// bytes are (text, archive, executable, other binary).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "skills/scanner.h"

namespace chitin::skills {

// 1-based line of `offset` in `text`.
std::size_t line_at(std::string_view text, std::size_t offset);
// The rest of the line at `offset`, escaped and cut to `max_bytes`, for messages.
std::string snippet_at(std::string_view text, std::size_t offset, std::size_t max_bytes = 80);

struct InvisibleText {
  std::vector<Finding> findings;
  std::string visible;  // the text with every invisible character removed
  bool had_invisible = false;
  std::string tag_text;  // ASCII smuggled in Unicode Tag characters, decoded
  std::size_t tag_line = 0;
};
InvisibleText check_invisible(std::string_view file, std::string_view text);

struct DecodedBlob {
  std::string kind;  // "base64", "hex", "\\x escapes", "UTF-16 base64"
  std::size_t line = 0;
  std::string text;
};
// Readable text hidden in base64 runs (>= 40 chars), hex runs (>= 40 digits) and runs of
// \xNN escapes (>= 8); binary results (images, hashes) are dropped.
std::vector<DecodedBlob> decode_blobs(std::string_view text);

// http(s)/ws(s) URLs whose host is a public IPv4 address.
std::vector<Finding> check_raw_ip_urls(std::string_view file, std::string_view text);

enum class FileKind : std::uint8_t { kText, kArchive, kExecutable, kMedia, kOtherBinary };
FileKind classify(std::string_view name, std::string_view content);

// Findings for a bundled archive: always archive.bundled (high), plus
// archive.password_protected (critical) for encrypted zip entries; names nested archives.
std::vector<Finding> check_archive(std::string_view file, std::string_view content);

}  // namespace chitin::skills
