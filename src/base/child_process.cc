#include "base/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;  // NOLINT: POSIX global, read-only here

namespace chitin {

namespace {

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37), so call the syscalls directly.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfd_send_signal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

// posix_spawn_file_actions_t / posix_spawnattr_t with guaranteed destroy.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
 public:
  SpawnAttributes() { posix_spawnattr_init(&attributes_); }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) {
    out.push_back(const_cast<char*>(s.c_str()));  // posix_spawn's signature is not const-correct
  }
  out.push_back(nullptr);
  return out;
}

// Sets up one standard stream of the child. Returns the parent's end for kPipe.
Result<UniqueFd> plan_stdio(FileActions& actions, Stdio mode, int target_fd,
                            std::vector<UniqueFd>& child_ends) {
  switch (mode) {
    case Stdio::kInherit:
      return UniqueFd();
    case Stdio::kNull: {
      const int flags = target_fd == STDIN_FILENO ? O_RDONLY : O_WRONLY;
      if (int rc =
              posix_spawn_file_actions_addopen(actions.get(), target_fd, "/dev/null", flags, 0);
          rc != 0) {
        return errno_fail(rc, "posix_spawn_file_actions_addopen /dev/null");
      }
      return UniqueFd();
    }
    case Stdio::kPipe: {
      Pipe pipe = CHITIN_TRY(make_pipe());
      UniqueFd parent_end;
      UniqueFd child_end;
      if (target_fd == STDIN_FILENO) {
        parent_end = std::move(pipe.write);
        child_end = std::move(pipe.read);
      } else {
        parent_end = std::move(pipe.read);
        child_end = std::move(pipe.write);
      }
      // dup2 onto 0/1/2 clears O_CLOEXEC on the copy; the original closes at exec.
      if (int rc = posix_spawn_file_actions_adddup2(actions.get(), child_end.get(), target_fd);
          rc != 0) {
        return errno_fail(rc, "posix_spawn_file_actions_adddup2");
      }
      child_ends.push_back(std::move(child_end));
      return parent_end;
    }
  }
  return fail(ErrorCode::kInternal, "unknown stdio mode");
}

ExitStatus to_exit_status(const siginfo_t& info) {
  ExitStatus status;
  if (info.si_code == CLD_EXITED) {
    status.exited = true;
    status.code = info.si_status;
  } else {
    status.signal = info.si_status;
  }
  return status;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) {
    return fmt::format("exit code {}", code);
  }
  return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
}

Result<ChildProcess> ChildProcess::spawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return fail(ErrorCode::kInvalidInput, "spawn: argv[0] (the program) is empty");
  }
  FileActions actions;
  std::vector<UniqueFd> child_ends;  // closed in the parent once the child has them
  UniqueFd stdin_end = CHITIN_TRY(plan_stdio(actions, options.stdin_mode, 0, child_ends));
  UniqueFd stdout_end = CHITIN_TRY(plan_stdio(actions, options.stdout_mode, 1, child_ends));
  UniqueFd stderr_end = CHITIN_TRY(plan_stdio(actions, options.stderr_mode, 2, child_ends));
  // Extra fds go through temporary numbers above every fd involved, so that one mapping can
  // never overwrite the source of another, and dup2 always clears O_CLOEXEC (it would not if
  // a source already had its target number).
  int temporary = 3;
  for (const auto& [from, to] : options.extra_fds) {
    temporary = std::max({temporary, from + 1, to + 1});
  }
  for (std::size_t i = 0; i < options.extra_fds.size(); ++i) {
    const int from = options.extra_fds[i].first;
    if (int rc =
            posix_spawn_file_actions_adddup2(actions.get(), from, temporary + static_cast<int>(i));
        rc != 0) {
      return errno_fail(rc, "posix_spawn_file_actions_adddup2");
    }
  }
  for (std::size_t i = 0; i < options.extra_fds.size(); ++i) {
    const int staged = temporary + static_cast<int>(i);
    if (int rc =
            posix_spawn_file_actions_adddup2(actions.get(), staged, options.extra_fds[i].second);
        rc != 0) {
      return errno_fail(rc, "posix_spawn_file_actions_adddup2");
    }
    if (int rc = posix_spawn_file_actions_addclose(actions.get(), staged); rc != 0) {
      return errno_fail(rc, "posix_spawn_file_actions_addclose");
    }
  }
  if (!options.cwd.empty()) {
    if (int rc = posix_spawn_file_actions_addchdir_np(actions.get(), options.cwd.c_str());
        rc != 0) {
      return errno_fail(rc, "posix_spawn_file_actions_addchdir_np");
    }
  }

  // The child starts with no blocked signals and default dispositions, whatever the parent
  // (e.g. a server ignoring SIGPIPE) had.
  SpawnAttributes attributes;
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(attributes.get(), &all_signals);
  posix_spawnattr_setsigmask(attributes.get(), &no_signals);
  posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> argv = c_strings(options.argv);
  std::vector<char*> envp;
  if (options.env) {
    envp = c_strings(*options.env);
  }
  char* const* env = options.env ? envp.data() : environ;

  pid_t pid = -1;
  const int rc =
      options.search_path
          ? posix_spawnp(&pid, argv[0], actions.get(), attributes.get(), argv.data(), env)
          : posix_spawn(&pid, argv[0], actions.get(), attributes.get(), argv.data(), env);
  if (rc != 0) {
    return errno_fail(rc, fmt::format("cannot start '{}'", options.argv[0]));
  }
  // The child is unreaped, so its pid cannot be recycled before pidfd_open.
  UniqueFd pidfd(pidfd_open(pid));
  if (!pidfd) {
    const int saved = errno;
    ::kill(pid, SIGKILL);
    siginfo_t info{};
    waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
    return errno_fail(saved, "pidfd_open");
  }
  ChildProcess child(pid, std::move(pidfd));
  child.stdin_ = std::move(stdin_end);
  child.stdout_ = std::move(stdout_end);
  child.stderr_ = std::move(stderr_end);
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      reaped_(std::exchange(other.reaped_, true)),
      stdin_(std::move(other.stdin_)),
      stdout_(std::move(other.stdout_)),
      stderr_(std::move(other.stderr_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    reaped_ = std::exchange(other.reaped_, true);
    stdin_ = std::move(other.stdin_);
    stdout_ = std::move(other.stdout_);
    stderr_ = std::move(other.stderr_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

void ChildProcess::kill_and_reap() {
  if (reaped_ || !pidfd_) {
    return;
  }
  pidfd_send_signal(pidfd_.get(), SIGKILL);
  siginfo_t info{};
  while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) !=
             0 &&
         errno == EINTR) {
  }
  reaped_ = true;
}

Result<ExitStatus> ChildProcess::wait() {
  if (reaped_ || !pidfd_) {
    return fail(ErrorCode::kInternal, "wait: the child was already reaped or detached");
  }
  siginfo_t info{};
  while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED) !=
         0) {
    if (errno != EINTR) {
      return errno_fail("waitid");
    }
  }
  reaped_ = true;
  return to_exit_status(info);
}

Result<std::optional<ExitStatus>> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  if (reaped_ || !pidfd_) {
    return fail(ErrorCode::kInternal, "wait_for: the child was already reaped or detached");
  }
  pollfd p{pidfd_.get(), POLLIN, 0};
  int rc;
  do {
    rc = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    return errno_fail("poll on pidfd");
  }
  if (rc == 0) {
    return std::optional<ExitStatus>();
  }
  return std::optional<ExitStatus>(CHITIN_TRY(wait()));
}

Result<void> ChildProcess::kill(int signal) {
  if (reaped_ || !pidfd_) {
    return fail(ErrorCode::kInternal, "kill: the child was already reaped or detached");
  }
  if (pidfd_send_signal(pidfd_.get(), signal) != 0) {
    return errno_fail("pidfd_send_signal");
  }
  return {};
}

void ChildProcess::detach() {
  reaped_ = true;
  pidfd_.reset();
}

namespace {

// Writes to a pipe whose reader may be gone without dying of SIGPIPE: the signal is blocked
// for this thread during the write and a pending one is consumed (the EPIPE is the report).
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set;
  sigset_t old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  const ssize_t n = ::write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

Result<void> set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return errno_fail("fcntl O_NONBLOCK");
  }
  return {};
}

}  // namespace

Result<CapturedRun> run_captured(SpawnOptions options, std::string_view input,
                                 std::size_t max_output_bytes, std::chrono::milliseconds timeout) {
  options.stdin_mode = Stdio::kPipe;
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kPipe;
  ChildProcess child = CHITIN_TRY(ChildProcess::spawn(options));
  CHITIN_RETURN_IF_ERROR(set_nonblocking(child.stdin_pipe().get()));
  if (input.empty()) {
    child.stdin_pipe().reset();
  }
  CapturedRun run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string* sinks[2] = {&run.out, &run.err};
  UniqueFd* sources[2] = {&child.stdout_pipe(), &child.stderr_pipe()};
  char buffer[16384];
  while (sources[0]->valid() || sources[1]->valid()) {
    pollfd fds[3];
    nfds_t count = 0;
    int which[3];
    for (int i = 0; i < 2; ++i) {
      if (sources[i]->valid()) {
        fds[count] = {sources[i]->get(), POLLIN, 0};
        which[count++] = i;
      }
    }
    if (child.stdin_pipe().valid()) {
      fds[count] = {child.stdin_pipe().get(), POLLOUT, 0};
      which[count++] = 2;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(ErrorCode::kLimitExceeded, "'{}' did not finish within {} ms; it was killed",
                  options.argv[0], timeout.count());
    }
    const int rc = poll(fds, count, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) {
      return errno_fail("poll");
    }
    for (nfds_t k = 0; rc > 0 && k < count; ++k) {
      if (fds[k].revents == 0) {
        continue;
      }
      if (which[k] == 2) {
        const ssize_t n = write_without_sigpipe(fds[k].fd, input.data(), input.size());
        if (n > 0) {
          input.remove_prefix(static_cast<std::size_t>(n));
        }
        if (input.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          child.stdin_pipe().reset();  // done, or the child stopped reading
        }
        continue;
      }
      const ssize_t n = ::read(fds[k].fd, buffer, sizeof(buffer));
      if (n > 0) {
        std::string& sink = *sinks[which[k]];
        if (sink.size() + static_cast<std::size_t>(n) > max_output_bytes) {
          return fail(ErrorCode::kLimitExceeded,
                      "'{}' wrote more than {} bytes of output; it was killed", options.argv[0],
                      max_output_bytes);
        }
        sink.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        sources[which[k]]->reset();
      }
    }
  }
  child.stdin_pipe().reset();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  auto status = CHITIN_TRY(child.wait_for(std::max(left, std::chrono::milliseconds(0))));
  if (!status) {
    return fail(ErrorCode::kLimitExceeded, "'{}' did not finish within {} ms; it was killed",
                options.argv[0], timeout.count());
  }
  run.status = *status;
  return run;
}

}  // namespace chitin
