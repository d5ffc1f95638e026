#pragma once
// The agent's file tools — read, write, edit, list — confined to its workspace. Every path is
// resolved with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) from a
// descriptor of the workspace, one component at a time for writes, so ".." and absolute
// paths, symlinks (planted before or during the call) and /proc magic links cannot lead out.
// Persona files (AGENTS.md, SOUL.md, ...) are read-only to the agent; MEMORY.md and memory/
// stay writable. Writes are atomic (temporary file, fsync, rename in the same directory).
// Reads are capped, and what is cut is said.
//
// Not thread-safe per instance; cheap to create per turn.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::tools {

struct WorkspaceLimits {
  std::size_t max_read_bytes = 256U << 10;  // longer files are returned cut, with a note
  std::size_t max_write_bytes = 4U << 20;   // larger content is refused
  std::size_t max_list_entries = 1000;      // longer listings are cut, with a note
  std::size_t max_path_bytes = 1024;
};

// Files the agent may read but never change (OpenClaw's persona files).
inline constexpr std::string_view kPersonaFiles[] = {
    "AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md", "TOOLS.md", "BOOT.md", "BOOTSTRAP.md"};

struct ReadResult {
  std::string content;
  std::size_t size = 0;    // of the whole file
  bool truncated = false;  // content holds the first max_read_bytes
};

struct ListEntry {
  std::string name;
  char kind = '?';  // 'f' file, 'd' directory, 'l' symlink (never followed), '?' other
  std::size_t size = 0;
};

struct ListResult {
  std::vector<ListEntry> entries;  // sorted by name
  bool truncated = false;
};

class Workspace {
 public:
  // `root` must be an existing directory; it is opened once and every path is taken from it.
  static Result<Workspace> open(const std::string& root, WorkspaceLimits limits = {});

  Result<ReadResult> read(std::string_view path) const;
  // Creates parent directories as needed (0700); replaces the file atomically (0600).
  Result<std::size_t> write(std::string_view path, std::string_view content) const;
  // Replaces exactly one occurrence of `old` (refused when absent or ambiguous).
  Result<void> edit(std::string_view path, std::string_view old,
                    std::string_view replacement) const;
  Result<ListResult> list(std::string_view path) const;
  // Creates the directory and its parents (0700), never through a symlink.
  Result<void> make_directories(std::string_view path) const;

  [[nodiscard]] const std::string& root() const { return root_; }

 private:
  Workspace(std::string root, UniqueFd fd, WorkspaceLimits limits)
      : root_(std::move(root)), fd_(std::move(fd)), limits_(limits) {}
  // The workspace-relative form of a tool's path, or an error saying why it is refused.
  Result<std::string> relative(std::string_view path) const;

  std::string root_;
  UniqueFd fd_;
  WorkspaceLimits limits_;
};

}  // namespace chitin::tools
