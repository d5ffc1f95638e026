#include "sandbox/quarantine.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include "sys/file_ops.h"

namespace chitin::sandbox {

namespace {

// The directory holding `relative` and the last component. A top-level name's directory is
// the workspace itself, so most protected paths need no open at all.
struct Location {
  UniqueFd owned;  // the parent, opened beneath the workspace, for a nested path
  int parent = -1;
  std::string name;
};

std::optional<Location> locate(int workspace_fd, const std::string& relative) {
  const auto slash = relative.rfind('/');
  if (slash == std::string::npos) {
    return Location{UniqueFd(), workspace_fd, relative};
  }
  auto fd =
      sys::open_beneath(workspace_fd, relative.substr(0, slash), O_PATH | O_DIRECTORY, 0, true);
  if (!fd) {
    return std::nullopt;
  }
  const int parent = fd->get();
  return Location{std::move(*fd), parent, relative.substr(slash + 1)};
}

bool exists(const Location& location) {
  struct stat st {};
  return ::fstatat(location.parent, location.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

}  // namespace

std::vector<std::string> absent_protected_paths(int workspace_fd,
                                                const std::vector<std::string>& paths) {
  std::vector<std::string> absent;
  for (const std::string& relative : paths) {
    auto location = locate(workspace_fd, relative);
    if (!location || !exists(*location)) {
      absent.push_back(relative);
    }
  }
  return absent;
}

std::vector<std::string> quarantine_created(int workspace_fd,
                                            const std::vector<std::string>& absent) {
  std::vector<std::string> lines;
  for (const std::string& relative : absent) {
    auto location = locate(workspace_fd, relative);
    if (!location || !exists(*location)) {
      continue;
    }
    const std::string aside = fmt::format("{}.chitin-quarantine-{}", location->name,
                                          static_cast<long>(std::time(nullptr)));
    if (::renameat2(location->parent, location->name.c_str(), location->parent, aside.c_str(),
                    RENAME_NOREPLACE) == 0) {
      lines.push_back(fmt::format(
          "the command created the protected path '{}'; it was renamed to '{}' so that no host "
          "tool runs it — inspect it before use",
          relative, aside));
    } else {
      lines.push_back(fmt::format(
          "the command created the protected path '{}' and it could not be renamed aside ({}); "
          "inspect it before running git, direnv or an editor in this workspace",
          relative, std::strerror(errno)));
    }
  }
  return lines;
}

}  // namespace chitin::sandbox
