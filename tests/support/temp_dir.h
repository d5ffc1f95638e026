#pragma once
// A fresh directory under $TMPDIR (or /tmp) for one test, removed with its contents at the end.

#include <string>

namespace chitin::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `content` to `path` (test setup only; aborts the test binary on failure).
void write_text(const std::string& path, const std::string& content);
std::string read_text(const std::string& path);

}  // namespace chitin::testing
