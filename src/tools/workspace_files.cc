#include "tools/workspace_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "base/ascii.h"
#include "sys/file_ops.h"

namespace chitin::tools {

namespace {

bool persona(std::string_view relative) {
  return std::any_of(std::begin(kPersonaFiles), std::end(kPersonaFiles),
                     [&](std::string_view name) { return ascii_iequals(relative, name); });
}

// The components of a normalised relative path ("a/b/c" -> a, b, c).
std::vector<std::string> components(const std::string& relative) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < relative.size();) {
    const auto slash = std::min(relative.find('/', at), relative.size());
    out.push_back(relative.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

Result<UniqueFd> open_directory(int parent, const std::string& name) {
  return sys::open_beneath(parent, name, O_RDONLY | O_DIRECTORY, 0, true);
}

std::string temporary_name(const std::string& name) {
  std::random_device random;
  return fmt::format(".{}.chitin-{:08x}", name.substr(0, 64), random());
}

}  // namespace

Result<Workspace> Workspace::open(const std::string& root, WorkspaceLimits limits) {
  UniqueFd fd = CHITIN_TRY(sys::open_file(root, O_RDONLY | O_DIRECTORY));
  return Workspace(root, std::move(fd), limits);
}

Result<std::string> Workspace::relative(std::string_view path) const {
  if (path.size() > limits_.max_path_bytes) {
    return fail(ErrorCode::kLimitExceeded, "the path is longer than {} bytes",
                limits_.max_path_bytes);
  }
  if (path.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput, "the path contains a NUL byte");
  }
  std::string text(path);
  if (text.starts_with('/')) {
    // An absolute path is accepted only when it names a place in the workspace.
    const std::string prefix = root_.ends_with('/') ? root_ : root_ + "/";
    if (text != root_ && !text.starts_with(prefix)) {
      return fail(ErrorCode::kPermission,
                  "'{}' is outside the workspace; paths are relative to the workspace", path);
    }
    text = text == root_ ? "." : text.substr(prefix.size());
  }
  std::string normal = std::filesystem::path(text.empty() ? "." : text).lexically_normal().string();
  while (normal.size() > 1 && normal.ends_with('/')) {
    normal.pop_back();
  }
  if (normal == ".." || normal.starts_with("../")) {
    return fail(ErrorCode::kPermission, "'{}' leads out of the workspace", path);
  }
  return normal.empty() ? std::string(".") : normal;
}

Result<ReadResult> Workspace::read(std::string_view path) const {
  const std::string rel = CHITIN_TRY(relative(path));
  UniqueFd fd = CHITIN_TRY(sys::open_beneath(fd_.get(), rel, O_RDONLY | O_NONBLOCK, 0, true));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return errno_fail(fmt::format("cannot stat '{}'", rel));
  }
  if (S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "'{}' is a directory; use list", rel);
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "'{}' is not a regular file", rel);
  }
  if (st.st_nlink > 1) {
    // A hard link can share a file with a place outside the workspace.
    return fail(ErrorCode::kPermission, "'{}' has other hard links; copy it into the workspace",
                rel);
  }
  ReadResult result;
  result.size = static_cast<std::size_t>(st.st_size);
  result.content.resize(limits_.max_read_bytes);
  std::size_t filled = 0;
  while (filled < result.content.size()) {
    const std::size_t n = CHITIN_TRY(sys::read_some(fd.get(), result.content.data() + filled,
                                                    result.content.size() - filled, rel));
    if (n == 0) {
      break;
    }
    filled += n;
  }
  result.content.resize(filled);
  result.truncated = result.size > filled;
  return result;
}

Result<void> Workspace::make_directories(std::string_view path) const {
  const std::string rel = CHITIN_TRY(relative(path));
  UniqueFd dir = CHITIN_TRY(open_directory(fd_.get(), "."));
  if (rel == ".") {
    return {};
  }
  for (const std::string& part : components(rel)) {
    if (::mkdirat(dir.get(), part.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_fail(fmt::format("cannot create directory '{}'", part));
    }
    dir = CHITIN_TRY(open_directory(dir.get(), part));
  }
  return {};
}

Result<std::size_t> Workspace::write(std::string_view path, std::string_view content) const {
  const std::string rel = CHITIN_TRY(relative(path));
  if (rel == ".") {
    return fail(ErrorCode::kInvalidInput, "write needs a file path");
  }
  if (persona(rel)) {
    return fail(ErrorCode::kPermission,
                "'{}' is a persona file: the agent may read it but not change it (edit it "
                "yourself in {})",
                rel, root_);
  }
  if (content.size() > limits_.max_write_bytes) {
    return fail(ErrorCode::kLimitExceeded, "the content is {} bytes; at most {} can be written",
                content.size(), limits_.max_write_bytes);
  }
  const std::vector<std::string> parts = components(rel);
  UniqueFd dir = CHITIN_TRY(open_directory(fd_.get(), "."));
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (::mkdirat(dir.get(), parts[i].c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_fail(fmt::format("cannot create directory '{}'", parts[i]));
    }
    dir = CHITIN_TRY(open_directory(dir.get(), parts[i]));
  }
  const std::string& name = parts.back();
  struct stat existing {};
  if (::fstatat(dir.get(), name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISDIR(existing.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "'{}' is a directory", rel);
  }
  const std::string temporary = temporary_name(name);
  {
    UniqueFd file = CHITIN_TRY(
        sys::open_beneath(dir.get(), temporary, O_WRONLY | O_CREAT | O_EXCL, 0600, true));
    auto written = sys::write_all(file.get(), content);
    if (!written || ::fsync(file.get()) != 0) {
      ::unlinkat(dir.get(), temporary.c_str(), 0);
      return written ? errno_fail(fmt::format("cannot write '{}'", rel)) : fail(written.error());
    }
  }
  // rename(2) replaces a symlink at `name` itself, never what it points to.
  if (::renameat(dir.get(), temporary.c_str(), dir.get(), name.c_str()) != 0) {
    const int error = errno;
    ::unlinkat(dir.get(), temporary.c_str(), 0);
    return errno_fail(error, fmt::format("cannot replace '{}'", rel));
  }
  ::fsync(dir.get());
  return content.size();
}

Result<void> Workspace::edit(std::string_view path, std::string_view old,
                             std::string_view replacement) const {
  if (old.empty()) {
    return fail(ErrorCode::kInvalidInput, "edit needs the text to replace ('old')");
  }
  const std::string rel = CHITIN_TRY(relative(path));
  if (persona(rel)) {
    return fail(ErrorCode::kPermission,
                "'{}' is a persona file: the agent may read it but not change it", rel);
  }
  Workspace whole(root_, CHITIN_TRY(open_directory(fd_.get(), ".")), limits_);
  whole.limits_.max_read_bytes = limits_.max_write_bytes;
  ReadResult current = CHITIN_TRY(whole.read(rel));
  if (current.truncated) {
    return fail(ErrorCode::kLimitExceeded, "'{}' is larger than {} bytes; edit refuses it", rel,
                limits_.max_write_bytes);
  }
  const auto first = current.content.find(old);
  if (first == std::string::npos) {
    return fail(ErrorCode::kNotFound, "'{}' does not contain the text to replace", rel);
  }
  if (current.content.find(old, first + 1) != std::string::npos) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' contains the text to replace more than once; include more context", rel);
  }
  current.content.replace(first, old.size(), replacement);
  CHITIN_TRY(write(rel, current.content));
  return {};
}

Result<ListResult> Workspace::list(std::string_view path) const {
  const std::string rel = CHITIN_TRY(relative(path));
  UniqueFd dir = CHITIN_TRY(open_directory(fd_.get(), rel));
  auto entries = CHITIN_TRY(sys::list_directory(dir.get(), 100000));
  ListResult result;
  for (const auto& entry : entries) {
    if (result.entries.size() == limits_.max_list_entries) {
      result.truncated = true;
      break;
    }
    const char kind = entry.status.is_symlink     ? 'l'
                      : entry.status.is_directory ? 'd'
                      : entry.status.is_regular   ? 'f'
                                                  : '?';
    result.entries.push_back(
        ListEntry{entry.name, kind, static_cast<std::size_t>(entry.status.size)});
  }
  return result;
}

}  // namespace chitin::tools
