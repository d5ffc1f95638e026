#pragma once
// libarchive, loaded when the first skill bundle is opened instead of at program start
// (base/shared_library.h says why): with libxml2, ICU and its compression libraries it is
// eight libraries that only `skill install` and `skill pack` call.

#include <archive.h>
#include <archive_entry.h>

#include "base/result.h"

namespace chitin::skills {

struct Libarchive {
  decltype(&::archive_read_new) read_new = nullptr;
  decltype(&::archive_read_free) read_free = nullptr;
  decltype(&::archive_read_support_format_zip) read_support_format_zip = nullptr;
  decltype(&::archive_read_support_format_tar) read_support_format_tar = nullptr;
  decltype(&::archive_read_support_filter_gzip) read_support_filter_gzip = nullptr;
  decltype(&::archive_read_open_memory) read_open_memory = nullptr;
  decltype(&::archive_read_next_header) read_next_header = nullptr;
  decltype(&::archive_read_data) read_data = nullptr;
  decltype(&::archive_error_string) error_string = nullptr;
  decltype(&::archive_entry_pathname) entry_pathname = nullptr;
  decltype(&::archive_entry_filetype) entry_filetype = nullptr;
  decltype(&::archive_entry_hardlink) entry_hardlink = nullptr;
  decltype(&::archive_entry_is_encrypted) entry_is_encrypted = nullptr;
  decltype(&::archive_entry_perm) entry_perm = nullptr;
};

// libarchive.so.13, loaded once (thread-safe); every later call returns the same answer.
Result<const Libarchive*> libarchive();

}  // namespace chitin::skills
