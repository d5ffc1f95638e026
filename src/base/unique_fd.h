#pragma once
// A move-only owner of one file descriptor. Every fd in Chitin lives in one of these and was
// opened with O_CLOEXEC / SOCK_CLOEXEC (STYLE.md "Resources and processes").
// Not thread-safe; an instance is used by one thread at a time.

#include <utility>

#include "base/result.h"

namespace chitin {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  // Closes and ignores errors; write paths call close() to see them.
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing.
  [[nodiscard]] int release() { return std::exchange(fd_, -1); }
  // Closes the current fd (errors ignored) and takes `fd`.
  void reset(int fd = -1);
  // Closes and reports the error (e.g. EIO from a deferred write). Leaves the object empty.
  Result<void> close();

 private:
  int fd_ = -1;
};

// A pipe whose ends are both O_CLOEXEC.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};
Result<Pipe> make_pipe();

}  // namespace chitin
