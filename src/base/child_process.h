#pragma once
// An owned child process (STYLE.md "Resources and processes"): spawned with posix_spawn,
// tracked by a pidfd, and killed (SIGKILL) and reaped when the object is destroyed, unless
// wait() already reaped it or detach() was called. Never leaves a zombie or an orphan behind
// by accident.
//
// Only the direct child is killed: grandchildren it leaves behind are not tracked here (the
// sandbox contains those with a PID namespace).
//
// Thread safety: one thread at a time per object. Spawning is safe from threaded programs
// (posix_spawn uses vfork semantics; no allocation happens in the child).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin {

enum class Stdio : std::uint8_t {
  kInherit,  // the parent's fd
  kNull,     // /dev/null
  kPipe,     // a pipe the parent holds the other end of
};

struct SpawnOptions {
  // argv[0] is the program: an absolute or relative path, or a bare name looked up in PATH
  // when `search_path` is true.
  std::vector<std::string> argv;
  bool search_path = false;
  // nullopt inherits the parent's environment; otherwise exactly these "NAME=value" entries.
  std::optional<std::vector<std::string>> env;
  // Working directory of the child; empty keeps the parent's.
  std::string cwd;
  Stdio stdin_mode = Stdio::kInherit;
  Stdio stdout_mode = Stdio::kInherit;
  Stdio stderr_mode = Stdio::kInherit;
  // Further fds the child gets: {fd in the parent, fd number in the child}. Everything else
  // the parent has open stays closed in the child (every fd is O_CLOEXEC).
  std::vector<std::pair<int, int>> extra_fds;
};

struct ExitStatus {
  bool exited = false;  // true: normal exit with `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;

  [[nodiscard]] bool success() const { return exited && code == 0; }
  [[nodiscard]] std::string describe() const;  // "exit code 3", "killed by signal 9 (Killed)"
};

class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const SpawnOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int pidfd() const { return pidfd_.get(); }

  // The parent's ends of the pipes requested with Stdio::kPipe (invalid otherwise). Move them
  // out or reset them to close (e.g. close stdin to send EOF).
  UniqueFd& stdin_pipe() { return stdin_; }
  UniqueFd& stdout_pipe() { return stdout_; }
  UniqueFd& stderr_pipe() { return stderr_; }

  // Blocks until the child ends and reaps it.
  Result<ExitStatus> wait();
  // Waits at most `timeout`; nullopt if the child is still running.
  Result<std::optional<ExitStatus>> wait_for(std::chrono::milliseconds timeout);
  // Sends `signal` through the pidfd (never hits a recycled pid).
  Result<void> kill(int signal);
  // Gives up ownership: the destructor will neither kill nor reap.
  void detach();

 private:
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  void kill_and_reap();

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  bool reaped_ = false;
  UniqueFd stdin_;
  UniqueFd stdout_;
  UniqueFd stderr_;
};

struct CapturedRun {
  ExitStatus status;
  std::string out;
  std::string err;
};

// Spawns with stdin, stdout and stderr as pipes, writes `input` to stdin, closes it, and
// collects output until the child exits. Output beyond `max_output_bytes` per stream is an
// error (the child is killed); so is running past `timeout` (the child is killed).
Result<CapturedRun> run_captured(SpawnOptions options, std::string_view input = {},
                                 std::size_t max_output_bytes = 16 << 20,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace chitin
