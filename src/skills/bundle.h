#pragma once
// The files of a skill folder and their canonical manifest (docs/skills.md):
//
//   <blake2b-256 hex> <size> <path>\n      one line per regular file, sorted by path (bytes)
//
// Paths are relative, '/'-separated, valid UTF-8 without control characters. The manifest and
// its signature (skill.manifest, skill.manifest.minisig at the top) are not listed. The walk
// never follows a symlink: a symlink, device, FIFO or socket anywhere in the folder is an
// error naming it, as is going over any limit.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"

namespace chitin::skills {

inline constexpr std::string_view kManifestFile = "skill.manifest";
inline constexpr std::string_view kSignatureFile = "skill.manifest.minisig";

struct BundleLimits {
  std::size_t max_files = 2000;
  std::uint64_t max_total_bytes = 64ULL << 20;
  std::uint64_t max_file_bytes = 32ULL << 20;
  std::size_t max_depth = 16;
  std::size_t max_path_bytes = 512;
};

struct BundleFile {
  std::string path;
  std::uint64_t size = 0;
  crypto::Blake2b256Digest hash{};
  bool operator==(const BundleFile&) const = default;
};

// Why a walk failed, so verify can name the reason (symlink vs. anything else).
enum class WalkProblem : std::uint8_t { kNone, kSymlinkOrSpecial, kLimit, kBadName, kIo };

struct WalkError {
  WalkProblem problem = WalkProblem::kNone;
  Error error;
};

// Hashes every regular file under `dir` (skipping the manifest and signature at the top).
tl::expected<std::vector<BundleFile>, WalkError> hash_bundle(const std::string& dir,
                                                             const BundleLimits& limits = {});

std::string format_manifest(const std::vector<BundleFile>& files);
// Strict: sorted, unique, canonical hex and sizes, valid paths; at most limits.max_files.
Result<std::vector<BundleFile>> parse_manifest(std::string_view text,
                                               const BundleLimits& limits = {});

// A path as it may appear in a manifest or an archive: relative, no "." / ".." / empty
// components, UTF-8, no control characters or backslashes, at most `max_bytes`.
Result<void> check_relative_path(std::string_view path, std::size_t max_bytes);

}  // namespace chitin::skills
