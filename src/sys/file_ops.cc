#include "sys/file_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>

#include <linux/openat2.h>

#include "base/crypto.h"

namespace chitin::sys {

namespace {

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

FileStatus status_from(const struct stat& st) {
  FileStatus status;
  status.mode = st.st_mode & 07777;
  status.owner = st.st_uid;
  status.is_directory = S_ISDIR(st.st_mode);
  status.is_regular = S_ISREG(st.st_mode);
  status.is_symlink = S_ISLNK(st.st_mode);
  status.size = st.st_size;
  return status;
}

std::string basename_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<UniqueFd> open_file(const std::string& path, int flags, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, mode));
  if (!fd) {
    return errno_fail(fmt::format("cannot open {}", path));
  }
  return fd;
}

Result<std::string> read_all(int fd, std::size_t max_bytes, std::string_view what) {
  std::string out;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_fail(fmt::format("cannot read {}", what));
    }
    if (n == 0) {
      return out;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(ErrorCode::kLimitExceeded, "{} is larger than the limit of {} bytes", what,
                  max_bytes);
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

Result<std::size_t> read_some(int fd, char* buffer, std::size_t size, std::string_view what) {
  for (;;) {
    const ssize_t n = ::read(fd, buffer, size);
    if (n >= 0) {
      return static_cast<std::size_t>(n);
    }
    if (errno != EINTR) {
      return errno_fail(fmt::format("cannot read {}", what));
    }
  }
}

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  UniqueFd fd = CHITIN_TRY(open_file(path, O_RDONLY | O_NOCTTY));
  return read_all(fd.get(), max_bytes, path);
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes) {
  UniqueFd fd = CHITIN_TRY(open_file(path, O_RDONLY | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return errno_fail(fmt::format("cannot stat {}", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "{} is not a regular file", path);
  }
  return read_all(fd.get(), max_bytes, path);
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_fail("write");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<bool> write_file_atomic(const std::string& path, std::string_view data, mode_t mode,
                               WriteMode write_mode) {
  const std::string directory = directory_of(path);
  const std::string temp =
      fmt::format("{}/.{}.tmp-{}", directory, basename_of(path), crypto::random_token("", 6));
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) {
    return errno_fail(fmt::format("cannot create a temporary file in {}", directory));
  }
  auto cleanup_and_fail = [&](Error error) -> Result<bool> {
    fd.reset();
    ::unlink(temp.c_str());
    return fail(std::move(error));
  };
  if (::fchmod(fd.get(), mode) != 0) {
    return cleanup_and_fail(errno_fail(fmt::format("cannot chmod {}", temp)).value());
  }
  if (auto written = write_all(fd.get(), data); !written) {
    written.error().message = fmt::format("cannot write {}", temp);
    return cleanup_and_fail(written.error());
  }
  if (::fsync(fd.get()) != 0) {
    return cleanup_and_fail(errno_fail(fmt::format("cannot fsync {}", temp)).value());
  }
  if (auto closed = fd.close(); !closed) {
    return cleanup_and_fail(closed.error());
  }
  const unsigned flags = write_mode == WriteMode::kCreateOnly ? RENAME_NOREPLACE : 0;
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), flags) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    if (saved == EEXIST && write_mode == WriteMode::kCreateOnly) {
      return false;
    }
    return errno_fail(saved, fmt::format("cannot rename {} to {}", temp, path));
  }
  CHITIN_RETURN_IF_ERROR(fsync_directory(directory));
  return true;
}

Result<bool> ensure_directory(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0) {
    // mkdir applies the umask; set the exact mode asked for.
    if (::chmod(path.c_str(), mode) != 0) {
      return errno_fail(fmt::format("cannot chmod {}", path));
    }
    return true;
  }
  if (errno != EEXIST) {
    return errno_fail(fmt::format("cannot create directory {}", path));
  }
  const FileStatus status = CHITIN_TRY(status_of(path));
  if (!status.is_directory) {
    return fail(ErrorCode::kAlreadyExists, "{} exists but is not a directory; move it away", path);
  }
  return false;
}

Result<FileStatus> status_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return errno_fail(fmt::format("cannot stat {}", path));
  }
  return status_from(st);
}

Result<std::optional<FileStatus>> status_if_exists(const std::string& path) {
  auto status = status_of(path);
  if (!status) {
    if (status.error().sys_errno == ENOENT) {
      return std::optional<FileStatus>();
    }
    return fail(status.error());
  }
  return std::optional<FileStatus>(*status);
}

Result<void> fsync_directory(const std::string& path) {
  UniqueFd fd = CHITIN_TRY(open_file(path, O_RDONLY | O_DIRECTORY));
  if (::fsync(fd.get()) != 0) {
    return errno_fail(fmt::format("cannot fsync directory {}", path));
  }
  return {};
}

Result<UniqueFd> open_beneath(int dir_fd, const std::string& relative, int flags, mode_t mode,
                              bool no_symlinks) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  if (no_symlinks) {
    how.resolve |= RESOLVE_NO_SYMLINKS;
  }
  long fd;
  int attempts = 0;
  do {
    fd = ::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof(how));
    // man 2 openat2: EAGAIN when a concurrent rename raced the lookup; retry a few times.
  } while (fd < 0 && errno == EAGAIN && ++attempts < 8);
  if (fd < 0) {
    if (errno == EXDEV || errno == ELOOP) {
      return errno_fail(fmt::format("'{}' escapes its base directory", relative));
    }
    return errno_fail(fmt::format("cannot open '{}'", relative));
  }
  return UniqueFd(static_cast<int>(fd));
}

}  // namespace chitin::sys

namespace chitin::sys {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

}  // namespace

Result<std::vector<DirectoryEntry>> list_directory(int dir_fd, std::size_t max_entries) {
  // fdopendir takes ownership of the fd it is given, so hand it a duplicate.
  const int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    return errno_fail("cannot duplicate a directory fd");
  }
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(copy));
  if (!dir) {
    const int saved = errno;
    ::close(copy);
    return errno_fail(saved, "cannot read directory");
  }
  ::rewinddir(dir.get());
  std::vector<DirectoryEntry> entries;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) {
        return errno_fail("cannot read directory");
      }
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    if (entries.size() >= max_entries) {
      return fail(ErrorCode::kLimitExceeded, "directory has more than {} entries", max_entries);
    }
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return errno_fail(fmt::format("cannot stat '{}'", name));
    }
    entries.push_back(DirectoryEntry{std::string(name), status_from(st)});
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  return entries;
}

Result<UniqueFd> open_at(int dir_fd, const std::string& name, int flags, mode_t mode) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) {
    return errno_fail(fmt::format("cannot open '{}'", name));
  }
  return fd;
}

Result<void> make_directory_at(int dir_fd, const std::string& name, mode_t mode) {
  if (::mkdirat(dir_fd, name.c_str(), mode) != 0) {
    return errno_fail(fmt::format("cannot create directory '{}'", name));
  }
  UniqueFd fd = CHITIN_TRY(open_at(dir_fd, name, O_RDONLY | O_DIRECTORY));
  if (::fchmod(fd.get(), mode) != 0) {
    return errno_fail(fmt::format("cannot chmod '{}'", name));
  }
  return {};
}

namespace {

// Empties the directory open at `dir_fd`; depth-bounded so a hostile tree cannot exhaust the
// stack.
Result<void> remove_contents(int dir_fd, int depth) {
  if (depth > 64) {
    return fail(ErrorCode::kLimitExceeded, "directory tree deeper than 64 levels");
  }
  const auto entries = CHITIN_TRY(list_directory(dir_fd, 1'000'000));
  for (const DirectoryEntry& entry : entries) {
    if (entry.status.is_directory) {
      UniqueFd child = CHITIN_TRY(open_at(dir_fd, entry.name, O_RDONLY | O_DIRECTORY));
      CHITIN_RETURN_IF_ERROR(remove_contents(child.get(), depth + 1));
      if (::unlinkat(dir_fd, entry.name.c_str(), AT_REMOVEDIR) != 0) {
        return errno_fail(fmt::format("cannot remove directory '{}'", entry.name));
      }
    } else if (::unlinkat(dir_fd, entry.name.c_str(), 0) != 0) {
      return errno_fail(fmt::format("cannot remove '{}'", entry.name));
    }
  }
  return {};
}

}  // namespace

Result<void> remove_tree(const std::string& path) {
  auto status = CHITIN_TRY(status_if_exists(path));
  if (!status) {
    return {};
  }
  if (!status->is_directory) {
    if (::unlink(path.c_str()) != 0) {
      return errno_fail(fmt::format("cannot remove {}", path));
    }
    return {};
  }
  {
    UniqueFd fd = CHITIN_TRY(open_file(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    CHITIN_RETURN_IF_ERROR(remove_contents(fd.get(), 0));
  }
  if (::rmdir(path.c_str()) != 0) {
    return errno_fail(fmt::format("cannot remove directory {}", path));
  }
  return {};
}

}  // namespace chitin::sys
