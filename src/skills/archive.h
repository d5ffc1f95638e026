#pragma once
// Safe extraction of a skill archive (.zip, .tar.gz, .tgz, .tar) with libarchive. Only
// regular files and directories are extracted; symlinks, hard links, devices, FIFOs,
// absolute paths, ".." components, password-protected entries, duplicates and anything over
// a limit are refused with an error naming the entry. Sizes are counted from the bytes
// actually decompressed, never from the headers. Files are created with O_EXCL|O_NOFOLLOW
// beneath the destination, so nothing lands outside it.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace chitin::skills {

struct ExtractLimits {
  std::uint64_t max_archive_bytes = 64ULL << 20;  // the compressed input
  std::size_t max_entries = 2000;
  std::uint64_t max_total_bytes = 64ULL << 20;  // decompressed, all files
  std::uint64_t max_file_bytes = 32ULL << 20;   // decompressed, one file
  std::size_t max_depth = 16;
  std::size_t max_path_bytes = 512;
};

struct ExtractOutcome {
  std::size_t files = 0;
  std::size_t directories = 0;
  std::uint64_t bytes = 0;
};

// True when `path` names an archive format extract_archive reads (by its extension).
bool is_archive_path(std::string_view path);

// Extracts `archive` (its bytes) into the existing, empty directory `dest`.
Result<ExtractOutcome> extract_archive(std::string_view archive, const std::string& dest,
                                       const ExtractLimits& limits = {});

}  // namespace chitin::skills
