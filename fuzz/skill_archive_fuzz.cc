// Fuzz target: the skill archive extractor (libarchive behind our checks). Any input must be
// extracted within the limits or refused with an error; nothing may land outside the
// destination (checked: the destination's parent holds nothing but the destination).

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "skills/archive.h"
#include "sys/file_ops.h"
#include "sys/temp_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto scratch = chitin::sys::TempDirectory::create("chitin-archive-fuzz");
  if (!scratch) {
    std::abort();
  }
  const std::string dest = scratch->path() + "/out";
  if (::mkdir(dest.c_str(), 0700) != 0) {
    std::abort();
  }
  chitin::skills::ExtractLimits limits;
  limits.max_total_bytes = 4 << 20;  // keep each run fast
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)chitin::skills::extract_archive(bytes, dest, limits);
  // Only "out" may exist in the scratch directory.
  auto fd = chitin::sys::open_file(scratch->path(), O_RDONLY | O_DIRECTORY);
  if (!fd) {
    std::abort();
  }
  auto entries = chitin::sys::list_directory(fd->get(), 4);
  if (!entries || entries->size() != 1 || (*entries)[0].name != "out") {
    std::abort();
  }
  if (!chitin::sys::remove_tree(dest)) {
    std::abort();
  }
  return 0;
}
