#include "sandbox/runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <span>

#include "base/parse.h"
#include "sys/fd_passing.h"
#include "sys/file_ops.h"

namespace chitin::sandbox {

Result<std::string> helper_path() {
  if (const char* env = std::getenv("CHITIN_SANDBOX_HELPER"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    return errno_fail("readlink /proc/self/exe");
  }
  std::string path(self, static_cast<std::size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "chitin-sandbox";
}

namespace {

constexpr int kPolicyFd = 3;
constexpr int kLifelineFd = 4;
constexpr int kReportFd = 5;
constexpr int kServeFd = 3;

// The policy travels in a sealed memfd: no size limit from a pipe buffer, no way for anyone
// to change it after we wrote it.
Result<UniqueFd> policy_memfd(const SandboxPolicy& policy) {
  UniqueFd memfd(::memfd_create("chitin-sandbox-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!memfd) {
    return errno_fail("memfd_create");
  }
  CHITIN_RETURN_IF_ERROR(sys::write_all(memfd.get(), policy_to_json(policy).dump()));
  if (::lseek(memfd.get(), 0, SEEK_SET) != 0 ||
      ::fcntl(memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
          0) {
    return errno_fail("seal the policy memfd");
  }
  return memfd;
}

// This process's warm helper: one `chitin-sandbox --serve-fd` child, shared by all threads.
class WarmHelper {
 public:
  // Hands one run to the helper, starting it first if needed and once more if it had died.
  Result<void> submit(const std::string& helper, std::span<const int> fds) {
    const std::lock_guard lock(mutex_);
    // A helper that died (killed, out of memory) is replaced rather than written to: its
    // waiting supervisor might still take one run, but nobody would fork the next.
    if (process_) {
      auto exited = process_->wait_for(std::chrono::milliseconds(0));
      if (!exited || exited->has_value()) {
        socket_.reset();
      }
    }
    Result<void> sent = fail(ErrorCode::kUnavailable, "no warm sandbox helper yet");
    if (socket_ && helper == path_) {
      sent = sys::send_with_fds(socket_.get(), "run", fds);
      const int error = sent ? 0 : sent.error().sys_errno;
      if (sent || (error != EPIPE && error != ECONNRESET && error != ENOTCONN)) {
        // Sent, or refused for this message alone (too many fds in flight, no buffers): the
        // helper and the runs it holds stay; only a helper that is gone is replaced.
        return sent;
      }
    }
    CHITIN_RETURN_IF_ERROR(start(helper));
    sent = sys::send_with_fds(socket_.get(), "run", fds);
    if (!sent) {
      return fail(ErrorCode::kUnavailable, "the warm sandbox helper {} does not take runs: {}",
                  helper, sent.error().describe());
    }
    return {};
  }

  std::optional<pid_t> pid() {
    const std::lock_guard lock(mutex_);
    return process_ ? std::optional<pid_t>(process_->pid()) : std::nullopt;
  }

  // A child of ours that forked without exec'ing must not kill our helper on its way out.
  ~WarmHelper() {
    if (process_ && ::getpid() != owner_) {
      process_->detach();
    }
  }

 private:
  Result<void> start(const std::string& helper) {
    socket_.reset();
    process_.reset();  // kills and reaps a previous helper
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
      return errno_fail("socketpair for the warm sandbox helper");
    }
    UniqueFd ours(pair[0]);
    UniqueFd theirs(pair[1]);
    SpawnOptions spawn;
    spawn.argv = {helper, "--serve-fd", std::to_string(kServeFd)};
    spawn.env = std::vector<std::string>{};
    spawn.stdin_mode = Stdio::kNull;
    spawn.stdout_mode = Stdio::kNull;
    spawn.stderr_mode = Stdio::kInherit;  // its own complaints, if any
    spawn.extra_fds = {{theirs.get(), kServeFd}};
    auto child = ChildProcess::spawn(spawn);
    if (!child) {
      return fail(ErrorCode::kUnavailable, "cannot start the sandbox helper {}: {}", helper,
                  child.error().describe());
    }
    process_.emplace(std::move(*child));
    socket_ = std::move(ours);
    path_ = helper;
    return {};
  }

  std::mutex mutex_;
  std::optional<ChildProcess> process_;  // killed and reaped when this process exits
  UniqueFd socket_;
  std::string path_;
  pid_t owner_ = ::getpid();
};

WarmHelper& warm_helper() {
  static WarmHelper helper;
  return helper;
}

// The fd the tool gets for one stdio stream, and our end when it is a pipe.
struct StdioEnd {
  UniqueFd owned;  // /dev/null or the tool's end of a pipe
  int fd = -1;     // what to pass: `owned`, or our own 0/1/2 for Stdio::kInherit
  UniqueFd ours;   // our end of the pipe
};

Result<StdioEnd> stdio_end(Stdio mode, int inherited, bool tool_reads) {
  StdioEnd end;
  switch (mode) {
    case Stdio::kInherit:
      end.fd = inherited;
      break;
    case Stdio::kNull:
      end.owned = CHITIN_TRY(sys::open_file("/dev/null", O_RDWR));
      end.fd = end.owned.get();
      break;
    case Stdio::kPipe: {
      Pipe pipe = CHITIN_TRY(make_pipe());
      end.owned = std::move(tool_reads ? pipe.read : pipe.write);
      end.ours = std::move(tool_reads ? pipe.write : pipe.read);
      end.fd = end.owned.get();
      break;
    }
  }
  return end;
}

Result<SandboxProcess> start_warm(const std::string& helper, UniqueFd memfd,
                                  const RunOptions& options) {
  Pipe lifeline = CHITIN_TRY(make_pipe());
  Pipe report = CHITIN_TRY(make_pipe());
  StdioEnd in = CHITIN_TRY(stdio_end(options.stdin_mode, STDIN_FILENO, true));
  StdioEnd out = CHITIN_TRY(stdio_end(options.stdout_mode, STDOUT_FILENO, false));
  StdioEnd err = CHITIN_TRY(stdio_end(options.stderr_mode, STDERR_FILENO, false));
  const int fds[] = {memfd.get(), in.fd, out.fd, err.fd, lifeline.read.get(), report.write.get()};
  CHITIN_RETURN_IF_ERROR(warm_helper().submit(helper, fds));
  // Our copies of the tool's ends close here, so EOF on a pipe means the run let go of it.
  SandboxProcess process;
  process.stdin_pipe = std::move(in.ours);
  process.stdout_pipe = std::move(out.ours);
  process.stderr_pipe = std::move(err.ours);
  process.lifeline = std::move(lifeline.write);
  process.report = std::move(report.read);
  return process;
}

// Applies one report line; true for the final "exit N" line.
bool apply_report_line(std::string_view line, RunReport& report, bool& started) {
  if (line == "started") {
    started = true;
  } else if (line.starts_with("limits ")) {
    report.limits = std::string(line.substr(7));
  } else if (line.starts_with("quarantined ")) {
    report.quarantined.emplace_back(line.substr(12));
  } else if (line.starts_with("exit ")) {
    if (auto code = parse_integer<int>(line.substr(5), 0, 255); code) {
      report.exit_code = *code;
      return true;
    }
  }
  return false;
}

// One-shot helpers that reported their run and are still tearing its sandbox down (the
// init's exit, the namespaces, the cgroup leaves): reaped on later runs, or waited for.
class TearingDown {
 public:
  void add(ChildProcess helper) {
    const std::lock_guard lock(mutex_);
    helpers_.push_back(std::move(helper));
  }
  void reap(bool block) {
    const std::lock_guard lock(mutex_);
    std::erase_if(helpers_, [&](ChildProcess& helper) {
      if (block) {
        (void)helper.wait();
        return true;
      }
      auto done = helper.wait_for(std::chrono::milliseconds(0));
      return !done || done->has_value();
    });
  }
  // At exit, leave those still running to finish on their own rather than kill them in the
  // middle of removing their leaves.
  ~TearingDown() {
    for (ChildProcess& helper : helpers_) {
      helper.detach();
    }
  }

 private:
  std::mutex mutex_;
  std::vector<ChildProcess> helpers_;
};

TearingDown& tearing_down() {
  static TearingDown helpers;
  return helpers;
}

}  // namespace

void wait_for_teardown() { tearing_down().reap(true); }

std::optional<pid_t> warm_helper_pid() { return warm_helper().pid(); }

Result<SandboxProcess> start_sandboxed(const SandboxPolicy& policy, const RunOptions& options) {
  CHITIN_RETURN_IF_ERROR(validate_policy(policy));
  const std::string helper = options.helper.empty() ? CHITIN_TRY(helper_path()) : options.helper;
  UniqueFd memfd = CHITIN_TRY(policy_memfd(policy));
  if (options.warm_helper) {
    return start_warm(helper, std::move(memfd), options);
  }
  tearing_down().reap(false);
  Pipe lifeline = CHITIN_TRY(make_pipe());
  Pipe report = CHITIN_TRY(make_pipe());
  SpawnOptions spawn;
  spawn.argv = {helper,
                "--policy-fd",
                std::to_string(kPolicyFd),
                "--lifeline-fd",
                std::to_string(kLifelineFd),
                "--report-fd",
                std::to_string(kReportFd)};
  spawn.env = std::vector<std::string>{};  // the helper needs nothing from our environment
  spawn.stdin_mode = options.stdin_mode;
  spawn.stdout_mode = options.stdout_mode;
  spawn.stderr_mode = options.stderr_mode;
  spawn.extra_fds = {{memfd.get(), kPolicyFd},
                     {lifeline.read.get(), kLifelineFd},
                     {report.write.get(), kReportFd}};
  auto child = ChildProcess::spawn(spawn);
  if (!child) {
    return fail(ErrorCode::kUnavailable, "cannot start the sandbox helper {}: {}", helper,
                child.error().describe());
  }
  SandboxProcess process;
  process.stdin_pipe = std::move(child->stdin_pipe());
  process.stdout_pipe = std::move(child->stdout_pipe());
  process.stderr_pipe = std::move(child->stderr_pipe());
  process.helper.emplace(std::move(*child));
  process.lifeline = std::move(lifeline.write);
  process.report = std::move(report.read);
  return process;
}

Result<RunReport> finish_sandboxed(SandboxProcess& process) {
  RunReport report;
  // The helper (one-shot or a warm helper's supervisor) sends "exit N" when the run is over
  // and the workspace final, and only then tears the sandbox down. EOF without that line
  // means it died: before the tool started, a set-up failure (it said why on the tool's
  // stderr; a one-shot helper's own status says 125); after, the run was cut short, and the
  // sandbox with it (SIGKILL).
  std::string pending;
  bool ended = false;
  bool started = false;
  char buffer[4096];
  while (!ended && pending.size() < 64 * 1024) {
    auto n = sys::read_some(process.report.get(), buffer, sizeof(buffer), "the sandbox report");
    if (!n || *n == 0) {
      break;
    }
    pending.append(buffer, *n);
    std::size_t newline;
    while (!ended && (newline = pending.find('\n')) != std::string::npos) {
      ended = apply_report_line(std::string_view(pending).substr(0, newline), report, started);
      pending.erase(0, newline + 1);
    }
  }
  if (ended) {
    if (process.helper) {
      tearing_down().add(std::move(*process.helper));
      process.helper.reset();
    }
  } else if (process.helper) {
    const ExitStatus status = CHITIN_TRY(process.helper->wait());
    report.exit_code = status.exited ? status.code : 128 + status.signal;
  } else {
    report.exit_code = started ? 128 + SIGKILL : kExitSetupFailed;
  }
  return report;
}

Result<RunReport> run_sandboxed_with_report(const SandboxPolicy& policy,
                                            const RunOptions& options) {
  SandboxProcess process = CHITIN_TRY(start_sandboxed(policy, options));
  return finish_sandboxed(process);
}

Result<int> run_sandboxed(const SandboxPolicy& policy, const RunOptions& options) {
  const RunReport report = CHITIN_TRY(run_sandboxed_with_report(policy, options));
  return report.exit_code;
}

}  // namespace chitin::sandbox
