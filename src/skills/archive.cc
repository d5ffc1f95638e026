#include "skills/archive.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>

#include <memory>

#include "base/log.h"
#include "skills/bundle.h"
#include "skills/libarchive.h"
#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

// Frees a reader through the loaded library (which loaded, or there would be no reader).
struct ArchiveCloser {
  void operator()(struct archive* a) const { (*libarchive())->read_free(a); }
};

std::string entry_name(std::string_view path) { return log::escaped(path, 120); }

tl::unexpected<Error> entry_fail(std::string_view path, std::string_view why) {
  return fail(ErrorCode::kInvalidInput, "archive entry '{}': {}", entry_name(path), why);
}

// Opens (creating as needed) the directory `relative` beneath `root_fd`, one component at a
// time with O_NOFOLLOW, so a component can never be a symlink.
Result<UniqueFd> open_directory_path(int root_fd, std::string_view relative, std::size_t& created) {
  UniqueFd current = CHITIN_TRY(sys::open_at(root_fd, ".", O_RDONLY | O_DIRECTORY));
  std::size_t start = 0;
  while (start < relative.size()) {
    const std::size_t slash = std::min(relative.find('/', start), relative.size());
    const std::string part(relative.substr(start, slash - start));
    auto made = sys::make_directory_at(current.get(), part, 0755);
    if (made) {
      ++created;
    } else if (made.error().sys_errno != EEXIST) {
      return fail(made.error());
    }
    auto next = sys::open_at(current.get(), part, O_RDONLY | O_DIRECTORY);
    if (!next) {
      return fail(ErrorCode::kInvalidInput, "'{}' is not a directory in the archive",
                  entry_name(relative.substr(0, slash)));
    }
    current = std::move(*next);
    start = slash + 1;
  }
  return current;
}

}  // namespace

bool is_archive_path(std::string_view path) {
  return path.ends_with(".zip") || path.ends_with(".tar.gz") || path.ends_with(".tgz") ||
         path.ends_with(".tar");
}

Result<ExtractOutcome> extract_archive(std::string_view bytes, const std::string& dest,
                                       const ExtractLimits& limits) {
  if (bytes.size() > limits.max_archive_bytes) {
    return fail(ErrorCode::kLimitExceeded, "the archive is larger than {} bytes",
                limits.max_archive_bytes);
  }
  const Libarchive* api = CHITIN_TRY(libarchive());
  std::unique_ptr<struct archive, ArchiveCloser> reader(api->read_new());
  if (!reader) {
    return fail(ErrorCode::kInternal, "cannot create an archive reader (out of memory)");
  }
  api->read_support_format_zip(reader.get());
  api->read_support_format_tar(reader.get());
  api->read_support_filter_gzip(reader.get());
  if (api->read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return fail(ErrorCode::kInvalidInput, "not a readable .zip, .tar.gz or .tar archive: {}",
                log::escaped(api->error_string(reader.get()) ? api->error_string(reader.get())
                                                             : "unknown format"));
  }
  UniqueFd root = CHITIN_TRY(sys::open_file(dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  ExtractOutcome out;
  std::size_t entries = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    const int status = api->read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) {
      break;
    }
    if (status != ARCHIVE_OK) {
      const char* why = api->error_string(reader.get());
      return fail(ErrorCode::kInvalidInput, "the archive is damaged or unsupported: {}",
                  log::escaped(why ? why : "unreadable header"));
    }
    if (++entries > limits.max_entries) {
      return fail(ErrorCode::kLimitExceeded, "the archive has more than {} entries",
                  limits.max_entries);
    }
    const char* raw_name = api->entry_pathname(entry);
    std::string_view path = raw_name ? raw_name : "";
    while (path.starts_with("./")) {
      path.remove_prefix(2);
    }
    const bool is_dir_name = path.ends_with('/');
    while (path.ends_with('/')) {
      path.remove_suffix(1);
    }
    if (path.empty() || path == ".") {
      // The archive's own root: fine as a directory; any other type under that name would
      // be decompressed without being counted, so it is refused.
      if (api->entry_filetype(entry) == AE_IFDIR) {
        continue;
      }
      return entry_fail(raw_name ? raw_name : "", "an entry without a name is not allowed");
    }
    if (auto ok = check_relative_path(path, limits.max_path_bytes); !ok) {
      return entry_fail(path, ok.error().message);
    }
    if (static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) >= limits.max_depth) {
      return entry_fail(path, fmt::format("nested deeper than {} levels", limits.max_depth));
    }
    if (api->entry_hardlink(entry) != nullptr) {
      return entry_fail(path, "hard links are not allowed in skills");
    }
    if (api->entry_is_encrypted(entry) != 0) {
      return entry_fail(path,
                        "password-protected (encrypted) entries are refused: their "
                        "contents cannot be scanned");
    }
    const auto type = api->entry_filetype(entry);
    if (type == AE_IFLNK) {
      return entry_fail(path, "symlinks are not allowed in skills");
    }
    if (type == AE_IFDIR || (type == 0 && is_dir_name)) {
      std::size_t created = 0;
      CHITIN_TRY(open_directory_path(root.get(), path, created));
      out.directories += created;
      continue;
    }
    if (type != AE_IFREG) {
      return entry_fail(path, "devices, FIFOs and sockets are not allowed in skills");
    }
    const std::size_t slash = path.rfind('/');
    std::size_t created = 0;
    UniqueFd dir = CHITIN_TRY(open_directory_path(
        root.get(), slash == std::string_view::npos ? std::string_view() : path.substr(0, slash),
        created));
    out.directories += created;
    const std::string leaf(slash == std::string_view::npos ? path : path.substr(slash + 1));
    const mode_t mode = (api->entry_perm(entry) & 0100) != 0 ? 0755 : 0644;
    auto file = sys::open_at(dir.get(), leaf, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (!file) {
      return entry_fail(path, file.error().sys_errno == EEXIST
                                  ? "appears twice (or collides with a directory)"
                                  : file.error().describe());
    }
    std::uint64_t size = 0;
    char buffer[65536];
    for (;;) {
      const la_ssize_t n = api->read_data(reader.get(), buffer, sizeof(buffer));
      if (n < 0) {
        const char* why = api->error_string(reader.get());
        return entry_fail(
            path, fmt::format("cannot be read: {}", log::escaped(why ? why : "damaged data")));
      }
      if (n == 0) {
        break;
      }
      size += static_cast<std::uint64_t>(n);
      out.bytes += static_cast<std::uint64_t>(n);
      if (size > limits.max_file_bytes) {
        return entry_fail(path, fmt::format("larger than {} bytes", limits.max_file_bytes));
      }
      if (out.bytes > limits.max_total_bytes) {
        return fail(ErrorCode::kLimitExceeded,
                    "the archive unpacks to more than {} bytes (a decompression bomb?)",
                    limits.max_total_bytes);
      }
      CHITIN_RETURN_IF_ERROR(
          sys::write_all(file->get(), std::string_view(buffer, static_cast<std::size_t>(n))));
    }
    if (::fchmod(file->get(), mode) != 0) {
      return errno_fail("cannot set the mode of an extracted file");
    }
    ++out.files;
  }
  return out;
}

}  // namespace chitin::skills
