// chitin-sandbox: the single-threaded helper that runs one tool in a fresh sandbox.
//
//   chitin-sandbox --policy-fd N [--lifeline-fd M]
//
// Reads a SandboxPolicy (JSON, size-capped) from fd N, creates the namespaces, and runs the
// tool as the child of a minimal init (PID 1 of the new PID namespace). The helper itself
// stays outside the PID namespace, enforces the wall-clock timeout, and kills the whole
// namespace (by killing its init) on timeout or when fd M reaches EOF, i.e. when its owner
// went away. Exit status: the tool's (128+N if killed by signal N), 124 on timeout, 125 when
// the sandbox could not be set up (the reason on stderr), 126/127 when the command could not
// be run.
//
// It must stay single-threaded: unshare(CLONE_NEWUSER) fails with EINVAL in a threaded
// process.

#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/parse.h"
#include "base/unique_fd.h"
#include "sandbox/bridge.h"
#include "sandbox/cgroup.h"
#include "sandbox/contain.h"
#include "sandbox/policy.h"
#include "sandbox/quarantine.h"
#include "sys/file_ops.h"
#include "sys/landlock.h"

// In sanitizer builds: LeakSanitizer's end-of-process scan stops the world with ptrace, which
// a process that has entered its own user namespace cannot do; it would turn every run into
// a failure. Leaks are still checked in every other binary. (Unused in normal builds.)
extern "C" const char* __asan_default_options();  // NOLINT: sanitizer hook
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

namespace {

using chitin::Error;
using chitin::UniqueFd;

constexpr int kExitTimeout = 124;
constexpr int kExitSetup = 125;

[[noreturn]] void die(std::string_view message) {
  fmt::print(stderr, "chitin-sandbox: {}\n", message);
  std::fflush(stderr);
  _exit(kExitSetup);
}

// One status line from the sandbox to the helper: 'E' set-up failed, 'X' exec failed.
void report(int fd, char kind, const Error& error) {
  const std::string line = fmt::format("{}{}\n", kind, error.describe());
  (void)chitin::sys::write_all(fd, line);
}

[[noreturn]] void run_init(chitin::sandbox::SandboxPolicy policy, UniqueFd status) {
  // If the helper dies, so does this init, and with it the whole PID namespace.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // The bind sources are opened here, inside the new mount namespace: a mount from another
  // namespace cannot be bound (EINVAL), so they cannot be opened before unshare().
  auto prepared_or = chitin::sandbox::prepare(std::move(policy));
  if (!prepared_or) {
    report(status.get(), 'E',
           Error{prepared_or.error().code, prepared_or.error().sys_errno,
                 "prepare: " + prepared_or.error().message});
    _exit(kExitSetup);
  }
  const chitin::sandbox::Prepared& prepared = *prepared_or;
  if (auto contained = chitin::sandbox::contain(prepared); !contained) {
    report(status.get(), 'E', contained.error());
    _exit(kExitSetup);
  }
  if (!prepared.policy.proxy_socket.empty()) {
    // The bridge listens before the tool starts, so the tool's first connection finds it.
    auto listener = chitin::sandbox::listen_bridge();
    if (!listener) {
      report(status.get(), 'E', listener.error());
      _exit(kExitSetup);
    }
    const pid_t bridge = ::fork();
    if (bridge == 0) {
      status.reset();
      chitin::sandbox::run_bridge(std::move(*listener));
    }
    if (bridge < 0) {
      report(status.get(), 'E', Error{chitin::ErrorCode::kIo, errno, "fork the bridge"});
      _exit(kExitSetup);
    }
  }
  chitin::sandbox::ExecPlan plan = chitin::sandbox::plan_exec(prepared.policy);
  auto started = chitin::sandbox::start_tool(plan);
  if (!started) {
    report(status.get(), 'E', started.error());
    _exit(kExitSetup);
  }
  const pid_t tool = *started;
  if (plan.failed_errno != 0) {
    // The tool's process could not exec and has exited (127/126); the loop below reaps it.
    report(status.get(), 'X', chitin::sandbox::exec_failure(plan));
  }
  status.reset();
  // Minimal init: reap everything, leave with the tool's status. Our exit ends the namespace.
  for (;;) {
    int wait_status = 0;
    const pid_t pid = ::waitpid(-1, &wait_status, 0);
    if (pid == tool) {
      _exit(WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status));
    }
    if (pid < 0 && errno == ECHILD) {
      _exit(kExitSetup);
    }
  }
}

int parse_fd_argument(std::string_view value) {
  auto fd = chitin::parse_integer<int>(value, 3, 1 << 20);
  if (!fd) {
    die(fmt::format("bad fd '{}': {}", value, fd.error().message));
  }
  return *fd;
}

}  // namespace

int main(int argc, char** argv) {
  int policy_fd = -1;
  int lifeline_fd = -1;
  int report_fd = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--policy-fd" && i + 1 < argc) {
      policy_fd = parse_fd_argument(argv[++i]);
    } else if (arg == "--lifeline-fd" && i + 1 < argc) {
      lifeline_fd = parse_fd_argument(argv[++i]);
    } else if (arg == "--report-fd" && i + 1 < argc) {
      report_fd = parse_fd_argument(argv[++i]);
    } else {
      die(
          fmt::format("unknown argument '{}'; usage: chitin-sandbox --policy-fd N "
                      "[--lifeline-fd M] (run by chitin, not by hand)",
                      arg));
    }
  }
  if (policy_fd < 0) {
    die("missing --policy-fd");
  }
  UniqueFd policy_file(policy_fd);
  UniqueFd lifeline(lifeline_fd);
  // Report lines for the runtime's audit trail: "limits ..." and "quarantined ...".
  UniqueFd report_out(report_fd);
  const auto report_line = [&](std::string_view line) {
    if (report_out) {
      (void)chitin::sys::write_all(report_out.get(), fmt::format("{}\n", line));
    }
  };
  auto text = chitin::sys::read_all(policy_file.get(), chitin::sandbox::kMaxPolicyBytes,
                                    "the sandbox policy");
  if (!text) {
    die(text.error().describe());
  }
  policy_file.reset();
  auto policy = chitin::sandbox::policy_from_json(*text);
  if (!policy) {
    die(policy.error().describe());
  }
  // Fail closed: below tier T1 nothing runs, and the error names what the kernel lacks.
  const int abi = chitin::sys::landlock::abi_version();
  if (static_cast<std::uint64_t>(abi) < policy->min_landlock_abi) {
    die(
        fmt::format("tier T1 needs Landlock ABI {} or later and this kernel offers {}; use "
                    "Linux 6.7+ with 'landlock' in the lsm= boot parameter (see 'chitin sandbox "
                    "selftest'); the command was not run",
                    policy->min_landlock_abi, abi == 0 ? "none" : std::to_string(abi)));
  }
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
    die("tier T1 needs seccomp filters (CONFIG_SECCOMP_FILTER); the command was not run");
  }
  const std::uint64_t timeout_ms = policy->timeout_ms;
  const auto cgroup = chitin::sandbox::RunCgroup::create(policy->pids_max, policy->memory_mb);
  if (!cgroup.pids_limited() && ::geteuid() == 0) {
    // RLIMIT_NPROC does not bind a caller whose host uid is root: without the pids cgroup a
    // fork bomb would be unbounded. Refuse rather than run unlimited.
    die("cannot limit the number of processes: no writable pids cgroup, and RLIMIT_NPROC does "
        "not bind root; run Chitin as an ordinary user, or give it a writable cgroup (v2 "
        "delegation or the v1 pids hierarchy); the command was not run");
  }
  report_line("limits " + cgroup.enforcement() + ", plus rlimits");
  auto status = chitin::make_pipe();
  if (!status) {
    die(status.error().describe());
  }
  // Taken in the host's view, before any namespace: which protected paths the run may not
  // create (checked again, and quarantined, after it).
  auto host_workspace = chitin::sys::open_file(policy->workspace, O_PATH | O_DIRECTORY);
  if (!host_workspace) {
    die(fmt::format("workspace: {}", host_workspace.error().describe()));
  }
  const std::vector<std::string> absent =
      chitin::sandbox::absent_protected_paths(host_workspace->get(), policy->protected_paths);
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                CLONE_NEWUTS | CLONE_NEWCGROUP) != 0) {
    die(
        fmt::format("cannot create namespaces ({}); user namespaces may be disabled: check "
                    "sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone",
                    std::strerror(errno)));
  }
  if (auto mapped = chitin::sandbox::map_ids(uid, gid); !mapped) {
    die(fmt::format("map ids: {}", mapped.error().describe()));
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t init = ::fork();
  if (init < 0) {
    die(fmt::format("fork: {}", std::strerror(errno)));
  }
  if (init == 0) {
    status->read.reset();
    run_init(std::move(*policy), std::move(status->write));
  }
  status->write.reset();
  UniqueFd init_fd(static_cast<int>(::syscall(SYS_pidfd_open, init, 0)));
  if (!init_fd) {
    ::kill(init, SIGKILL);
    die(fmt::format("pidfd_open: {}", std::strerror(errno)));
  }

  std::string message;
  bool exited = false;
  bool timed_out = false;
  while (!exited) {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    const auto left = static_cast<std::int64_t>(timeout_ms) - elapsed;
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[3] = {
        {init_fd.get(), POLLIN, 0}, {status->read.get(), POLLIN, 0}, {lifeline.get(), POLLIN, 0}};
    const int count = ::poll(fds, 3, static_cast<int>(std::min<std::int64_t>(left, 1 << 30)));
    if (count < 0 && errno != EINTR) {
      break;
    }
    if (fds[1].revents != 0) {
      char buffer[4096];
      const ssize_t n = ::read(status->read.get(), buffer, sizeof(buffer));
      if (n > 0 && message.size() < 16384) {
        message.append(buffer, static_cast<std::size_t>(n));
      } else if (n <= 0) {
        status->read.reset();  // EOF: the tool was exec'd (or set-up ended)
      }
    }
    if (fds[2].revents != 0) {
      char byte;
      if (::read(lifeline.get(), &byte, 1) <= 0) {
        // Our owner is gone: nobody will read the result. Take the sandbox down with us.
        ::syscall(SYS_pidfd_send_signal, init_fd.get(), SIGKILL, nullptr, 0);
        lifeline.reset();
      }
    }
    if (fds[0].revents != 0) {
      exited = true;
    }
  }
  if (timed_out) {
    ::syscall(SYS_pidfd_send_signal, init_fd.get(), SIGKILL, nullptr, 0);
  }
  siginfo_t info{};
  ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(init_fd.get()), &info, WEXITED);
  // Drain what is left of the status (set-up errors are written before init exits).
  if (status->read) {
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(status->read.get(), buffer, sizeof(buffer))) > 0 && message.size() < 16384) {
      message.append(buffer, static_cast<std::size_t>(n));
    }
  }
  for (const std::string& line :
       chitin::sandbox::quarantine_created(host_workspace->get(), absent)) {
    fmt::print(stderr, "chitin-sandbox: {}\n", line);
    report_line("quarantined " + line);
  }
  report_out.reset();
  if (timed_out) {
    fmt::print(stderr, "chitin-sandbox: timed out after {} ms; the sandbox was killed\n",
               timeout_ms);
    return kExitTimeout;
  }
  if (!message.empty()) {
    if (message.back() == '\n') {
      message.pop_back();
    }
    const char kind = message.front();
    fmt::print(stderr, "chitin-sandbox: {}{}\n",
               kind == 'X' ? "" : "set-up failed: ", message.substr(1));
    if (kind == 'E') {
      return kExitSetup;
    }
  }
  if (info.si_code == CLD_EXITED) {
    return info.si_status;
  }
  return 128 + info.si_status;
}
