#include "skills/libarchive.h"

#include "base/shared_library.h"

namespace chitin::skills {

namespace {

// The soname of the headers we compile against: every libarchive 3.x is ABI 13.
static_assert(ARCHIVE_VERSION_NUMBER >= 3000000 && ARCHIVE_VERSION_NUMBER < 4000000,
              "these headers are not libarchive.so.13's; update kArchiveSoname");
constexpr const char* kArchiveSoname = "libarchive.so.13";
constexpr std::string_view kArchivePackage = "libarchive13";

Result<Libarchive> load_libarchive() {
  void* library = CHITIN_TRY(open_shared_library(kArchiveSoname, kArchivePackage));
  Libarchive api;
  const bool bound =
      bind_symbol(library, "archive_read_new", api.read_new) &&
      bind_symbol(library, "archive_read_free", api.read_free) &&
      bind_symbol(library, "archive_read_support_format_zip", api.read_support_format_zip) &&
      bind_symbol(library, "archive_read_support_format_tar", api.read_support_format_tar) &&
      bind_symbol(library, "archive_read_support_filter_gzip", api.read_support_filter_gzip) &&
      bind_symbol(library, "archive_read_open_memory", api.read_open_memory) &&
      bind_symbol(library, "archive_read_next_header", api.read_next_header) &&
      bind_symbol(library, "archive_read_data", api.read_data) &&
      bind_symbol(library, "archive_error_string", api.error_string) &&
      bind_symbol(library, "archive_entry_pathname", api.entry_pathname) &&
      bind_symbol(library, "archive_entry_filetype", api.entry_filetype) &&
      bind_symbol(library, "archive_entry_hardlink", api.entry_hardlink) &&
      bind_symbol(library, "archive_entry_is_encrypted", api.entry_is_encrypted) &&
      bind_symbol(library, "archive_entry_perm", api.entry_perm);
  if (!bound) {
    return fail(missing_symbol_error(kArchiveSoname, kArchivePackage));
  }
  return api;
}

}  // namespace

Result<const Libarchive*> libarchive() { return load_once<Libarchive, load_libarchive>(); }

}  // namespace chitin::skills
