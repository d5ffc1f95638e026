#include "skills/bundle.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/log.h"
#include "base/parse.h"
#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

using Walk = tl::expected<std::vector<BundleFile>, WalkError>;

tl::unexpected<WalkError> walk_fail(WalkProblem problem, Error error) {
  return tl::make_unexpected(WalkError{problem, std::move(error)});
}

tl::unexpected<WalkError> walk_fail(WalkProblem problem, std::string message) {
  return walk_fail(problem, Error{ErrorCode::kIntegrity, 0, std::move(message)});
}

struct Walker {
  const BundleLimits& limits;
  std::vector<BundleFile> files;
  std::uint64_t total = 0;
  std::size_t directories = 0;

  tl::expected<void, WalkError> hash_file(int dir_fd, const std::string& name,
                                          const std::string& path) {
    auto fd = sys::open_at(dir_fd, name, O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!fd) {
      return walk_fail(WalkProblem::kIo, fd.error());
    }
    crypto::Blake2b256 hash;
    std::uint64_t size = 0;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fd->get(), buffer, sizeof(buffer));
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return walk_fail(WalkProblem::kIo, errno_fail("cannot read " + path).value());
      }
      if (n == 0) {
        break;
      }
      size += static_cast<std::uint64_t>(n);
      total += static_cast<std::uint64_t>(n);
      if (size > limits.max_file_bytes) {
        return walk_fail(WalkProblem::kLimit, fmt::format("{} is larger than the limit of {} "
                                                          "bytes per file",
                                                          path, limits.max_file_bytes));
      }
      if (total > limits.max_total_bytes) {
        return walk_fail(WalkProblem::kLimit,
                         fmt::format("the skill is larger than the limit of {} bytes in all",
                                     limits.max_total_bytes));
      }
      hash.update(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
    files.push_back(BundleFile{path, size, hash.finish()});
    return {};
  }

  tl::expected<void, WalkError> walk(int dir_fd, const std::string& prefix, std::size_t depth) {
    if (depth > limits.max_depth) {
      return walk_fail(WalkProblem::kLimit,
                       fmt::format("{} is nested deeper than {} levels", prefix, limits.max_depth));
    }
    auto entries = sys::list_directory(dir_fd, limits.max_files + 1);
    if (!entries) {
      return walk_fail(WalkProblem::kLimit, entries.error());
    }
    for (const sys::DirectoryEntry& entry : *entries) {
      const std::string path = prefix.empty() ? entry.name : prefix + "/" + entry.name;
      // The manifest and its signature are checked on their own; anything else wearing
      // their names (a directory, a symlink) is walked and reported like any other entry.
      if (prefix.empty() && entry.status.is_regular &&
          (entry.name == kManifestFile || entry.name == kSignatureFile)) {
        continue;
      }
      if (auto ok = check_relative_path(path, limits.max_path_bytes); !ok) {
        return walk_fail(WalkProblem::kBadName, ok.error());
      }
      if (entry.status.is_symlink) {
        return walk_fail(WalkProblem::kSymlinkOrSpecial,
                         fmt::format("{} is a symlink; skills may hold only regular files and "
                                     "directories",
                                     path));
      }
      if (entry.status.is_directory) {
        if (++directories > limits.max_files) {
          return walk_fail(WalkProblem::kLimit, fmt::format("the skill has more than {} "
                                                            "directories",
                                                            limits.max_files));
        }
        auto child = sys::open_at(dir_fd, entry.name, O_RDONLY | O_DIRECTORY);
        if (!child) {
          return walk_fail(WalkProblem::kIo, child.error());
        }
        if (auto ok = walk(child->get(), path, depth + 1); !ok) {
          return ok;
        }
        continue;
      }
      if (!entry.status.is_regular) {
        return walk_fail(WalkProblem::kSymlinkOrSpecial,
                         fmt::format("{} is a special file (device, FIFO or socket); skills may "
                                     "hold only regular files and directories",
                                     path));
      }
      if (files.size() >= limits.max_files) {
        return walk_fail(WalkProblem::kLimit,
                         fmt::format("the skill has more than {} files", limits.max_files));
      }
      if (auto ok = hash_file(dir_fd, entry.name, path); !ok) {
        return ok;
      }
    }
    return {};
  }
};

}  // namespace

Result<void> check_relative_path(std::string_view path, std::size_t max_bytes) {
  if (path.empty() || path.size() > max_bytes) {
    return fail(ErrorCode::kInvalidInput, "path '{}' is empty or longer than {} bytes",
                path.substr(0, 80), max_bytes);
  }
  if (!is_valid_utf8(path)) {
    return fail(ErrorCode::kInvalidInput, "path is not valid UTF-8");
  }
  if (path.front() == '/') {
    return fail(ErrorCode::kInvalidInput, "'{}' is an absolute path", path);
  }
  for (const char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
      return fail(ErrorCode::kInvalidInput, "path '{}' contains a control character or a backslash",
                  log::escaped(path, 80));
    }
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      return fail(ErrorCode::kInvalidInput, "path '{}' has an empty, '.' or '..' component", path);
    }
    start = slash + 1;
  }
  return {};
}

Walk hash_bundle(const std::string& dir, const BundleLimits& limits) {
  auto fd = sys::open_file(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!fd) {
    return walk_fail(WalkProblem::kIo, fd.error());
  }
  Walker walker{limits, {}, 0, 0};
  if (auto ok = walker.walk(fd->get(), "", 0); !ok) {
    return tl::make_unexpected(ok.error());
  }
  std::sort(walker.files.begin(), walker.files.end(),
            [](const BundleFile& a, const BundleFile& b) { return a.path < b.path; });
  return std::move(walker.files);
}

std::string format_manifest(const std::vector<BundleFile>& files) {
  std::string out;
  for (const BundleFile& file : files) {
    out += fmt::format("{} {} {}\n", hex_encode(file.hash), file.size, file.path);
  }
  return out;
}

Result<std::vector<BundleFile>> parse_manifest(std::string_view text, const BundleLimits& limits) {
  std::vector<BundleFile> files;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return fail(ErrorCode::kInvalidInput, "skill.manifest:{}: the last line has no newline",
                  line_number);
    }
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    if (files.size() >= limits.max_files) {
      return fail(ErrorCode::kLimitExceeded, "skill.manifest lists more than {} files",
                  limits.max_files);
    }
    const std::size_t first = line.find(' ');
    const std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos || first != 64) {
      return fail(ErrorCode::kInvalidInput,
                  "skill.manifest:{}: expected '<blake2b-256 hex> <size> <path>'", line_number);
    }
    BundleFile file;
    auto hash = hex_decode(line.substr(0, 64));
    if (!hash || hex_encode(*hash) != line.substr(0, 64)) {
      return fail(ErrorCode::kInvalidInput, "skill.manifest:{}: the hash is not lower-case hex",
                  line_number);
    }
    std::copy(hash->begin(), hash->end(), file.hash.begin());
    const std::string_view size_text = line.substr(first + 1, second - first - 1);
    auto size = parse_integer<std::uint64_t>(size_text, 0, limits.max_file_bytes);
    if (!size || (size_text.size() > 1 && size_text.front() == '0')) {
      return fail(ErrorCode::kInvalidInput, "skill.manifest:{}: bad size '{}'", line_number,
                  size_text.substr(0, 24));
    }
    file.size = *size;
    file.path = std::string(line.substr(second + 1));
    if (auto ok = check_relative_path(file.path, limits.max_path_bytes); !ok) {
      return fail(ErrorCode::kInvalidInput, "skill.manifest:{}: {}", line_number,
                  ok.error().message);
    }
    if (!files.empty() && files.back().path >= file.path) {
      return fail(ErrorCode::kInvalidInput,
                  "skill.manifest:{}: paths are not sorted or not unique ('{}')", line_number,
                  file.path);
    }
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace chitin::skills
