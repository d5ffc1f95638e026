#pragma once
// A private (0700) scratch directory under $TMPDIR (else /tmp), removed with its contents when
// the object is destroyed. Move-only.

#include <string>

#include "base/result.h"

namespace chitin::sys {

class TempDirectory {
 public:
  static Result<TempDirectory> create(const std::string& prefix);
  TempDirectory(TempDirectory&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TempDirectory& operator=(TempDirectory&& other) noexcept;
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  ~TempDirectory();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  explicit TempDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace chitin::sys
