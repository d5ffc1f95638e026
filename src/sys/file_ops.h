#pragma once
// File-system calls that return Result and hand out UniqueFd. Every fd is O_CLOEXEC; every
// write that replaces a file is atomic (temp file, fsync, rename, fsync of the directory), so a
// crash leaves either the old or the new content, never a mix.

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::sys {

// open(2) with O_CLOEXEC always added.
Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode = 0);

// Reads a whole file; more than `max_bytes` is a kLimitExceeded error naming the path.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes);
Result<std::string> read_all(int fd, std::size_t max_bytes, std::string_view what);
// Like read_file, for paths an attacker may have replaced: the final component is not
// followed if it is a symlink, a FIFO cannot block the open, and anything but a regular file
// is an error naming the path.
Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes);

// One read(2) into `buffer`, retrying EINTR: the byte count, 0 at end of input.
Result<std::size_t> read_some(int fd, char* buffer, std::size_t size, std::string_view what);

// Writes all of `data`, retrying short writes and EINTR.
Result<void> write_all(int fd, std::string_view data);

enum class WriteMode : std::uint8_t {
  kReplace,     // atomically replace whatever is there
  kCreateOnly,  // never replace: if the path exists, leave it untouched
};

// Writes `data` to `path` with permission bits `mode` (not subject to the umask).
// Returns true if the file was written, false if kCreateOnly found it already present.
Result<bool> write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                               WriteMode write_mode = WriteMode::kReplace);

// Creates a directory with exactly `mode`. Returns true if created, false if a directory
// already existed there (its mode is left alone). A non-directory there is an error.
Result<bool> ensure_directory(const std::string& path, mode_t mode);

struct FileStatus {
  mode_t mode = 0;  // permission bits only (07777)
  uid_t owner = 0;
  bool is_directory = false;
  bool is_regular = false;
  bool is_symlink = false;
  off_t size = 0;
};
// lstat(2): symlinks are reported, not followed.
Result<FileStatus> status_of(const std::string& path);
// nullopt when the path does not exist.
Result<std::optional<FileStatus>> status_if_exists(const std::string& path);

Result<void> fsync_directory(const std::string& path);

// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `relative` cannot leave `dir_fd`
// through "..", an absolute path or a symlink. `no_symlinks` also refuses every symlink.
Result<UniqueFd> open_beneath(int dir_fd, const std::string& relative, int flags, mode_t mode = 0,
                              bool no_symlinks = false);

// One entry of a directory, as lstat-like facts taken relative to the directory fd (symlinks
// are reported, never followed).
struct DirectoryEntry {
  std::string name;
  FileStatus status;
};
// Lists `dir_fd` (not "." or ".."), sorted by name, at most `max_entries` (more is an error).
Result<std::vector<DirectoryEntry>> list_directory(int dir_fd, std::size_t max_entries);

// openat(2) of one name inside `dir_fd` with O_NOFOLLOW and O_CLOEXEC added: the final
// component is never a symlink that gets followed.
Result<UniqueFd> open_at(int dir_fd, const std::string& name, int flags, mode_t mode = 0);
// mkdirat(2) with exactly `mode` (fchmod after, not subject to the umask).
Result<void> make_directory_at(int dir_fd, const std::string& name, mode_t mode);

// Removes `path` and everything under it without following symlinks. A missing path is fine.
Result<void> remove_tree(const std::string& path);

}  // namespace chitin::sys
