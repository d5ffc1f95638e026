#include "sys/temp_directory.h"

#include <stdlib.h>

#include <cstdlib>
#include <vector>

#include "base/log.h"
#include "sys/file_ops.h"

namespace chitin::sys {

Result<TempDirectory> TempDirectory::create(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = (tmp != nullptr && tmp[0] == '/' ? std::string(tmp) : std::string("/tmp")) +
                        "/" + prefix + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return errno_fail("cannot create a temporary directory from " + pattern);
  }
  return TempDirectory(std::string(buffer.data()));
}

TempDirectory& TempDirectory::operator=(TempDirectory&& other) noexcept {
  if (this != &other) {
    TempDirectory doomed(std::move(path_));
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDirectory::~TempDirectory() {
  if (path_.empty()) {
    return;
  }
  if (auto removed = remove_tree(path_); !removed) {
    CHITIN_LOG(kWarn, "cannot remove temporary directory {}: {}", path_,
               removed.error().describe());
  }
}

}  // namespace chitin::sys
