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

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "base/parse.h"
#include "base/unique_fd.h"
#include "sandbox/bridge.h"
#include "sandbox/cgroup.h"
#include "sandbox/contain.h"
#include "sandbox/policy.h"
#include "sandbox/quarantine.h"
#include "sys/fd_passing.h"
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

// One status line from the sandbox to the helper: 'E' set-up failed, 'X' exec failed. The
// text may quote the command (argv[0] comes from the model): its line breaks become spaces,
// so it can never pass for another line, such as the tool's status ("D0").
void report(int fd, char kind, const Error& error) {
  std::string line = std::string(1, kind) + error.describe();
  std::replace_if(
      line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  line.push_back('\n');
  (void)chitin::sys::write_all(fd, line);
}

// Writes one byte to a process that may be gone already (the warm helper, killed by our
// owner; an init whose set-up failed). SIGPIPE is ignored in the whole helper (see main).
bool tell(const UniqueFd& fd, char byte) {
  return chitin::sys::write_all(fd.get(), std::string_view(&byte, 1)).has_value();
}

void tell_warm_helper(const UniqueFd& notify, char byte) { (void)tell(notify, byte); }

// What a warm helper's supervisor set up before its run arrived.
struct Prewarmed {
  chitin::sandbox::RunCgroup cgroup;  // joined, limits not yet written
  uid_t uid;                          // our ids outside any namespace
  gid_t gid;
  // In fresh user, network, IPC and UTS namespaces with the ids mapped, lo up and the
  // hostname set; the mount, PID and cgroup namespaces are made per run.
  bool namespaces = false;
  UniqueFd notify;  // told 'd' once the run is reported (see serve())
};

// The helper's part of the set-up, done while the init mounts (see run_one). The init waits
// for `go` before it joins what the helper made and starts anything.
struct Handoff {
  UniqueFd go;  // one byte once the limits are written (and the network is up)
  // A pidfd of the helper, whose network, IPC and UTS namespaces the init joins; invalid when
  // the init has them already (a warm helper's prepared supervisor).
  UniqueFd helper;
  UniqueFd release;  // EOF once the helper has reported the run (see reap_until_done)
};

// fork() into new user and PID namespaces: the child is PID 1 of the new one. clone3 without
// CLONE_VM, like fork (glibc has no wrapper). Unlike fork it runs no atfork handlers and does
// not update glibc's thread block, which still holds the helper's tid: harmless here, as the
// child is single-threaded, uses no robust or PI mutexes, leaves only through _exit, and
// glibc (2.34+) signals itself by gettid(), not by that cached tid.
pid_t clone_into_namespaces() {
  struct CloneArgs {  // struct clone_args, CLONE_ARGS_SIZE_VER0
    std::uint64_t flags;
    std::uint64_t pidfd;
    std::uint64_t child_tid;
    std::uint64_t parent_tid;
    std::uint64_t exit_signal;
    std::uint64_t stack;
    std::uint64_t stack_size;
    std::uint64_t tls;
  };
  CloneArgs args{};
  args.flags = CLONE_NEWUSER | CLONE_NEWPID;
  args.exit_signal = SIGCHLD;
  const auto pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof(args)));
  if (pid < 0 && errno == ENOSYS) {
    // Seccomp profiles that hide clone3 so that libc falls back to clone (systemd's
    // RestrictNamespaces=, some container runtimes): the same with clone, no new stack.
    return static_cast<pid_t>(
        ::syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, 0));
  }
  return pid;
}

// The init's "join the run's network and cgroup" step.
chitin::Result<void> join_run(Handoff& handoff) {
  char byte = 0;
  if (::read(handoff.go.get(), &byte, 1) != 1) {
    // The helper failed and says why itself; it is about to take us down.
    return chitin::fail(chitin::ErrorCode::kUnavailable, "the helper did not finish its part");
  }
  if (handoff.helper &&
      ::setns(handoff.helper.get(), CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
    return chitin::errno_fail("join the run's network, IPC and UTS namespaces");
  }
  handoff.go.reset();
  handoff.helper.reset();
  // Rooted at the run's leaf, and entered by the init, not the helper: the helper must stay
  // able to move itself out of a leaf it joined and remove it afterwards.
  if (::unshare(CLONE_NEWCGROUP) != 0) {
    return chitin::errno_fail("unshare the cgroup namespace");
  }
  return {};
}

// Minimal init: reaps everything until the tool has exited, then kills what is left in the
// namespace and reaps that too. Once nothing else is left, nothing can touch the workspace
// any more: it tells the helper the tool's status ("D<code>") and waits for the helper to
// report the run before it exits (see `release`).
[[noreturn]] void reap_until_done(pid_t tool, UniqueFd status, UniqueFd release) {
  int code = kExitSetup;
  bool tool_done = false;
  for (;;) {
    int wait_status = 0;
    const pid_t pid = ::waitpid(-1, &wait_status, 0);
    if (pid == tool) {
      code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
      tool_done = true;
      // An orphan reparents to us before its parent's exit can be reaped, so every process
      // still in the namespace is our child from here on, and ECHILD means none is left.
      ::kill(-1, SIGKILL);
    }
    if (pid < 0 && errno == ECHILD) {
      break;
    }
  }
  if (tool_done) {
    (void)chitin::sys::write_all(status.get(), fmt::format("D{}\n", code));
    // Our exit tears down this address space and the namespace; that waits until the helper
    // has reported (it closes `release`), so as not to slow the report down.
    char byte;
    while (::read(release.get(), &byte, 1) > 0) {
    }
  }
  _exit(code);
}

[[noreturn]] void run_init(chitin::sandbox::SandboxPolicy policy, UniqueFd status, Handoff handoff,
                           int report_fd) {
  // If the helper dies, so does this init, and with it the whole PID namespace.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  // Our own mount namespace, made here and not by the helper, so the helper keeps the host's
  // view of the file system (its cgroup work runs beside ours) and our pivot_root moves
  // nobody else's root.
  if (::unshare(CLONE_NEWNS) != 0) {
    report(status.get(), 'E', Error{chitin::ErrorCode::kIo, errno, "unshare the mount namespace"});
    _exit(kExitSetup);
  }
  // The bind sources are opened here, inside the new mount namespace: a mount from another
  // namespace cannot be bound (EINVAL), so they cannot be opened before unshare().
  {
    auto prepared = chitin::sandbox::prepare(std::move(policy));
    if (!prepared) {
      report(status.get(), 'E',
             Error{prepared.error().code, prepared.error().sys_errno,
                   "prepare: " + prepared.error().message});
      _exit(kExitSetup);
    }
    if (auto contained = chitin::sandbox::contain(*prepared, [&] { return join_run(handoff); });
        !contained) {
      report(status.get(), 'E', contained.error());
      _exit(kExitSetup);
    }
    policy = std::move(prepared->policy);
  }  // the bind sources' O_PATH fds (the host's workspace among them) close here
  if (!policy.proxy_socket.empty()) {
    // The bridge listens before the tool starts, so the tool's first connection finds it.
    auto listener = chitin::sandbox::listen_bridge();
    if (!listener) {
      report(status.get(), 'E', listener.error());
      _exit(kExitSetup);
    }
    const pid_t bridge = ::fork();
    if (bridge == 0) {
      // It relays the tool's bytes: it keeps its listener and nothing else.
      const int keep = listener->get();
      if (keep > 3) {
        ::close_range(3, static_cast<unsigned>(keep) - 1, 0);
      }
      ::close_range(static_cast<unsigned>(keep) + 1, ~0U, 0);
      (void)status.release();
      (void)handoff.release.release();
      chitin::sandbox::run_bridge(std::move(*listener));
    }
    if (bridge < 0) {
      report(status.get(), 'E', Error{chitin::ErrorCode::kIo, errno, "fork the bridge"});
      _exit(kExitSetup);
    }
  }
  chitin::sandbox::ExecPlan plan = chitin::sandbox::plan_exec(policy);
  if (report_fd >= 0) {
    // Before the tool can do anything: from here, a supervisor that dies has cut a run short
    // rather than failed to set one up (the runtime reports 137, not 125).
    (void)chitin::sys::write_all(report_fd, "started\n");
    ::close(report_fd);
  }
  auto started = chitin::sandbox::start_tool(plan);
  if (!started) {
    report(status.get(), 'E', started.error());
    _exit(kExitSetup);
  }
  if (plan.failed_errno != 0) {
    // The tool's process could not exec and has exited (127/126); it is reaped below.
    report(status.get(), 'X', chitin::sandbox::exec_failure(plan));
  }
  // The tool's stdio is the tool's: whoever reads it sees EOF when the tool and what it
  // started are done, not when the init is.
  ::close_range(0, 2, 0);
  reap_until_done(*started, std::move(status), std::move(handoff.release));
}

int parse_fd_argument(std::string_view value) {
  auto fd = chitin::parse_integer<int>(value, 3, 1 << 20);
  if (!fd) {
    die(fmt::format("bad fd '{}': {}", value, fd.error().message));
  }
  return *fd;
}

// Runs one tool: the whole life of a sandbox, from reading the policy to its exit status. A
// warm helper's supervisor (see serve()) comes `prewarmed`.
//
// The set-up is split over two processes, which run on two cores. Once the policy is read
// and checked, the init is created in new user and PID namespaces; it maps its ids, makes
// its mount namespace and builds the sandbox's file system, the longest part. Meanwhile the
// helper writes the cgroup limits (a one-shot helper makes the leaves and moves the init
// in), notes the absent protected paths and, unless a supervisor made them beforehand,
// makes the network, IPC and UTS namespaces. The init waits for that hand-off before it
// joins them and starts anything. If the helper's part fails instead, it kills the init,
// removes the leaves and reports its reason (or the init's, if the init failed first).
//
// The status is reported as an "exit N" line once the workspace is final and the tool's
// stdio is released, so that the runtime need not wait for the init's exit, the namespaces'
// teardown or the cgroup cleanup.
int run_one(int policy_fd, int lifeline_fd, int report_fd, std::optional<Prewarmed> prewarmed) {
  const bool warm = prewarmed.has_value();
  const uid_t uid = warm ? prewarmed->uid : ::geteuid();
  const gid_t gid = warm ? prewarmed->gid : ::getegid();
  const bool namespaces_ready = warm && prewarmed->namespaces;
  UniqueFd policy_file(policy_fd);
  UniqueFd lifeline(lifeline_fd);
  // Report lines for the runtime's audit trail ("limits ...", "quarantined ..."), sent with
  // the final "exit N" in one write. A warm run's init also sends "started" (see run_init).
  UniqueFd report_out(report_fd);
  std::string report_text;
  const auto report_line = [&](std::string_view line) {
    report_text.append(line);
    report_text.push_back('\n');
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
  // Opened before anything is made, so that a missing workspace fails the run at once.
  auto host_workspace = chitin::sys::open_file(policy->workspace, O_PATH | O_DIRECTORY);
  if (!host_workspace) {
    die(fmt::format("workspace: {}", host_workspace.error().describe()));
  }
  // A warm helper's supervisor made the user, network, IPC and UTS namespaces beforehand. A
  // one-shot helper clones the init straight into new user and PID namespaces and stays in
  // the host's itself, with the caller's credentials for the cgroup leaves and the protected
  // paths; it enters the user namespace only afterwards, to make the others beside the init.
  // The init makes its mount namespace and enters a cgroup namespace itself.
  if (namespaces_ready && ::unshare(CLONE_NEWPID) != 0) {
    die(fmt::format("cannot create the PID namespace: {}", std::strerror(errno)));
  }
  auto status = chitin::make_pipe();
  auto go = chitin::make_pipe();
  auto release = chitin::make_pipe();
  if (!status || !go || !release) {
    die(fmt::format("pipe: {}", std::strerror(errno)));
  }
  UniqueFd self;
  if (!namespaces_ready) {
    self = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)));
    if (!self) {
      die(fmt::format("pidfd_open: {}", std::strerror(errno)));
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t init = namespaces_ready ? ::fork() : clone_into_namespaces();
  if (init < 0) {
    die(
        fmt::format("cannot create namespaces ({}); user namespaces may be disabled: check "
                    "sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone",
                    std::strerror(errno)));
  }
  if (init == 0) {
    status->read.reset();
    go->write.reset();
    release->write.reset();
    // Nothing works in a user namespace before its ids are mapped.
    if (auto mapped =
            namespaces_ready ? chitin::Result<void>{} : chitin::sandbox::map_ids(uid, gid);
        !mapped) {
      report(status->write.get(), 'E', mapped.error());
      _exit(kExitSetup);
    }
    // The init needs none of the runtime's pipes (a warm run's init says "started" on the
    // report pipe, and closes it then).
    lifeline.reset();
    if (!warm) {
      report_out.reset();
    }
    run_init(std::move(*policy), std::move(status->write),
             Handoff{std::move(go->read), std::move(self), std::move(release->read)},
             report_out ? report_out.release() : -1);
  }
  status->write.reset();
  go->read.reset();
  release->read.reset();
  self.reset();
  UniqueFd init_fd(static_cast<int>(::syscall(SYS_pidfd_open, init, 0)));
  if (!init_fd) {
    ::kill(init, SIGKILL);
    die(fmt::format("pidfd_open: {}", std::strerror(errno)));
  }

  std::string pending;  // the status pipe's incomplete line
  std::string message;  // its 'E' and 'X' lines
  std::optional<int> tool_code;
  const auto take_status = [&](std::string_view chunk) {
    pending.append(chunk);
    std::size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (line.starts_with('D')) {
        tool_code = chitin::parse_integer<int>(line.substr(1), 0, 255).value_or(kExitSetup);
      } else if (message.size() < 16384) {
        message += line + "\n";
      }
    }
  };
  // The helper's part, beside the init's. A failure here stops the run (the init is killed)
  // after the cgroup leaves are removed, unless the init failed first: then its own reason,
  // on the status pipe, is the one reported.
  const std::uint64_t timeout_ms = policy->timeout_ms;
  std::optional<chitin::sandbox::RunCgroup> cgroup;
  std::vector<std::string> absent;
  const auto helper_part = [&]() -> std::optional<std::string> {
    cgroup.emplace(warm ? std::move(prewarmed->cgroup)
                        : chitin::sandbox::RunCgroup::create_for(init));
    cgroup->limit(policy->pids_max, policy->memory_mb);
    if (!cgroup->pids_limited() && uid == 0) {
      // RLIMIT_NPROC does not bind a caller whose host uid is root: without the pids cgroup
      // a fork bomb would be unbounded. Refuse rather than run unlimited.
      return "cannot limit the number of processes: no writable pids cgroup, and RLIMIT_NPROC "
             "does not bind root; run Chitin as an ordinary user, or give it a writable cgroup "
             "(v2 delegation or the v1 pids hierarchy); the command was not run";
    }
    report_line("limits " + cgroup->enforcement() + ", plus rlimits");
    // Which protected paths the run may not create (checked again, and quarantined, after
    // it), in the host's view. A warm supervisor is in its user namespace already, where
    // root's capabilities only cover files it owns; a path it cannot look at counts as
    // absent.
    absent =
        chitin::sandbox::absent_protected_paths(host_workspace->get(), policy->protected_paths);
    if (!namespaces_ready) {
      if (::setns(init_fd.get(), CLONE_NEWUSER) != 0) {
        return fmt::format("cannot enter the sandbox's user namespace: {}", std::strerror(errno));
      }
      if (::unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
        return fmt::format("cannot create the network, IPC and UTS namespaces: {}",
                           std::strerror(errno));
      }
      if (auto up = chitin::sandbox::set_up_network_and_name(); !up) {
        return up.error().describe();
      }
    }
    return std::nullopt;
  };
  if (const auto failed = helper_part(); failed) {
    ::syscall(SYS_pidfd_send_signal, init_fd.get(), SIGKILL, nullptr, 0);
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(init_fd.get()), &info, WEXITED);
    // An init that failed first (our part may have failed only because it was gone) said why
    // on the status pipe before it exited; with the init reaped, the pipe is complete.
    if (auto said = chitin::sys::read_all(status->read.get(), 16384, "the init's status"); said) {
      take_status(*said);
    }
    if (message.starts_with('E')) {
      fmt::print(stderr, "chitin-sandbox: set-up failed: {}\n",
                 std::string_view(message).substr(1, message.find('\n') - 1));
    } else {
      fmt::print(stderr, "chitin-sandbox: {}\n", *failed);
    }
    if (warm) {
      tell_warm_helper(prewarmed->notify, 'd');
    }
    return kExitSetup;
  }
  // If the init is gone, its set-up failed; the status pipe says why.
  (void)tell(go->write, 'g');
  go->write.reset();

  bool init_exited = false;
  bool timed_out = false;
  while (!init_exited && !tool_code) {
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
      // Nothing can be watched any more (no timeout, no lifeline): end the sandbox now.
      ::syscall(SYS_pidfd_send_signal, init_fd.get(), SIGKILL, nullptr, 0);
      break;
    }
    if (fds[1].revents != 0) {
      char buffer[4096];
      const ssize_t n = ::read(status->read.get(), buffer, sizeof(buffer));
      if (n > 0) {
        take_status(std::string_view(buffer, static_cast<std::size_t>(n)));
      } else {
        status->read.reset();  // EOF: the init is gone
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
      init_exited = true;
    }
  }
  if (timed_out) {
    ::syscall(SYS_pidfd_send_signal, init_fd.get(), SIGKILL, nullptr, 0);
  }
  siginfo_t info{};
  if (!tool_code) {
    release->write.reset();  // an init that reported after all must not wait for us
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(init_fd.get()), &info, WEXITED);
    // Drain what is left of the status (set-up errors are written before init exits).
    char buffer[4096];
    ssize_t n;
    while (status->read && (n = ::read(status->read.get(), buffer, sizeof(buffer))) > 0) {
      take_status(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }
  // The tool and everything it started are gone (the init said so, or is gone itself), so
  // the workspace is final.
  for (const std::string& line :
       chitin::sandbox::quarantine_created(host_workspace->get(), absent)) {
    fmt::print(stderr, "chitin-sandbox: {}\n", line);
    report_line("quarantined " + line);
  }
  int code = 0;
  if (timed_out) {
    fmt::print(stderr, "chitin-sandbox: timed out after {} ms; the sandbox was killed\n",
               timeout_ms);
    code = kExitTimeout;
  } else {
    bool setup_failed = false;
    if (!message.empty()) {
      message.pop_back();
      const char kind = message.front();
      fmt::print(stderr, "chitin-sandbox: {}{}\n",
                 kind == 'X' ? "" : "set-up failed: ", message.substr(1));
      setup_failed = kind == 'E';
    }
    code = setup_failed                 ? kExitSetup
           : tool_code                  ? *tool_code
           : info.si_code == CLD_EXITED ? info.si_status
                                        : 128 + info.si_status;
  }
  // Let go of the caller's stdio (its pipes reach EOF now), then say how the run ended: the
  // runtime returns on that line, and the teardown that follows (the init's exit, the
  // namespaces, the cgroup leaves) is ours alone.
  std::fflush(stderr);
  if (auto null = chitin::sys::open_file("/dev/null", O_RDWR); null) {
    for (int fd = 0; fd <= 2; ++fd) {
      ::dup2(null->get(), fd);
    }
  }
  report_line(fmt::format("exit {}", code));
  if (report_out) {
    (void)chitin::sys::write_all(report_out.get(), report_text);
  }
  if (warm) {
    tell_warm_helper(prewarmed->notify, 'd');
  }
  release->write.reset();
  if (tool_code) {
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(init_fd.get()), &info, WEXITED);
  }
  return code;
}

// Takes the copy-on-write faults of a fresh fork before a run arrives rather than during it:
// the stack a run uses, and the heap and code of policy parsing (a freed heap stays mapped:
// glibc trims only above 128 KiB).
void warm_up() {
  volatile char stack[64 * 1024];
  for (std::size_t i = 0; i < sizeof(stack); i += 4096) {
    stack[i] = 0;
  }
  const auto policy = chitin::sandbox::policy_from_json(
      chitin::sandbox::policy_to_json(chitin::sandbox::default_policy()).dump());
  (void)policy;
}

// A supervisor-in-waiting of the warm helper: prepares what no policy decides, takes the next
// run from the socket and runs it, telling the warm helper 't' (took a run), 'd' (done: the
// run was reported), 'q' (the runtime closed the socket) or 'e' (the socket failed).
[[noreturn]] void supervise_next(int socket_fd, UniqueFd notify) {
  // Joined before the run arrives: mkdir and the move are off the run's critical path. The
  // limits are written once the policy is known, before anything starts inside.
  std::optional<Prewarmed> prewarmed(
      Prewarmed{chitin::sandbox::RunCgroup::create(), ::geteuid(), ::getegid(), false, UniqueFd()});
  // The namespaces that do not depend on the policy or on the host's mount table; the
  // network namespace alone takes ~0.35 ms to make.
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) == 0) {
    // Half-made namespaces are no use to a run: start over in a fresh supervisor.
    if (!chitin::sandbox::map_ids(prewarmed->uid, prewarmed->gid) ||
        !chitin::sandbox::set_up_network_and_name()) {
      prewarmed.reset();
      _exit(kExitSetup);
    }
    prewarmed->namespaces = true;
  }
  // Else the run unshares everything itself and reports what the kernel refused.
  warm_up();
  auto message = chitin::sys::receive_with_fds(socket_fd, 16, 6);
  ::close(socket_fd);
  if (message && message->payload.empty()) {
    tell_warm_helper(notify, 'q');
    prewarmed.reset();  // removes the leaves; _exit runs no destructors
    _exit(0);
  }
  if (!message && message.error().code != chitin::ErrorCode::kLimitExceeded) {
    // The socket itself failed: no run was taken, and the next supervisor would fail alike.
    fmt::print(stderr, "chitin-sandbox: warm helper: {}\n", message.error().describe());
    tell_warm_helper(notify, 'e');
    prewarmed.reset();
    _exit(kExitSetup);
  }
  tell_warm_helper(notify, 't');
  if (!message || message->payload != "run" || message->fds.size() != 6) {
    // The runtime sees its report pipe close without an "exit" line: a set-up failure.
    fmt::print(stderr, "chitin-sandbox: warm helper: {}\n",
               message ? "malformed request" : message.error().describe());
    tell_warm_helper(notify, 'd');
    _exit(kExitSetup);
  }
  auto& fds = message->fds;
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup2(fds[static_cast<std::size_t>(fd) + 1].get(), fd) < 0) {
      tell_warm_helper(notify, 'd');
      _exit(kExitSetup);
    }
    fds[static_cast<std::size_t>(fd) + 1].reset();
  }
  prewarmed->notify = std::move(notify);
  const int code =
      run_one(fds[0].release(), fds[4].release(), fds[5].release(), std::move(prewarmed));
  std::fflush(nullptr);
  _exit(code);
}

// A warm helper: started once by a long-lived runtime (the gateway), it keeps a supervisor
// forked, prepared and waiting on `socket_fd`, so a run costs neither the exec and start-up
// of a fresh helper nor a fork, its cgroups or its network namespace. Each message is "run"
// with six fds: the policy memfd, the tool's stdin, stdout and stderr, the lifeline and the
// report pipe. Ends when the runtime closes its end. Stays single-threaded, like the
// one-shot helper.
//
// The next supervisor is forked when a run is done rather than when it starts, so its
// preparation (~1 ms of cgroup and namespace work, which takes kernel locks the running
// sandbox needs too) does not slow that run down; if another request is already waiting, it
// is forked at once, so concurrent runs are not serialised.
int serve(int socket_fd) {
  auto notify = chitin::make_pipe();
  if (!notify) {
    die(notify.error().describe());
  }
  bool need_waiter = true;
  UniqueFd waiter;  // pidfd of the supervisor waiting for a run, if any
  bool have_waiter = false;
  int failures = 0;
  for (;;) {
    // Supervisors report on their own pipes; we only reap them. Reaping here, and not by
    // ignoring SIGCHLD, keeps a supervisor's pid ours until its pidfd is open.
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (need_waiter && !have_waiter) {
      const pid_t supervisor = ::fork();
      if (supervisor == 0) {
        notify->read.reset();
        supervise_next(socket_fd, std::move(notify->write));
      }
      if (supervisor < 0) {
        die(fmt::format("warm helper: fork: {}", std::strerror(errno)));
      }
      waiter.reset(static_cast<int>(::syscall(SYS_pidfd_open, supervisor, 0)));
      if (!waiter) {
        // Without it we could not tell that it died, and runs would wait for nobody.
        ::kill(supervisor, SIGKILL);
        die(fmt::format("warm helper: pidfd_open: {}", std::strerror(errno)));
      }
      have_waiter = true;
      need_waiter = false;
    }
    // With no supervisor waiting, a pending request (or the runtime closing) needs one.
    pollfd fds[3] = {{notify->read.get(), POLLIN, 0},
                     {have_waiter ? waiter.get() : -1, POLLIN, 0},
                     {have_waiter ? -1 : socket_fd, POLLIN, 0}};
    // The timeout only reaps supervisors that finished while nothing else happened.
    if (::poll(fds, 3, 1000) < 0) {
      if (errno == EINTR) {
        continue;
      }
      die(fmt::format("warm helper: poll: {}", std::strerror(errno)));
    }
    if ((fds[0].revents & POLLIN) != 0) {
      char bytes[64];
      const ssize_t n = ::read(notify->read.get(), bytes, sizeof(bytes));
      for (ssize_t i = 0; i < n; ++i) {
        if (bytes[i] == 'q') {
          return 0;
        }
        if (bytes[i] == 't') {
          have_waiter = false;
          waiter.reset();
          failures = 0;
        } else if (bytes[i] == 'd') {
          need_waiter = true;
        } else if (bytes[i] == 'e') {
          // It could not read the socket: another may, but not forever.
          have_waiter = false;
          waiter.reset();
          need_waiter = true;
          if (++failures >= 3) {
            die("warm helper: the socket keeps failing");
          }
        }
      }
    }
    if (have_waiter && (fds[1].revents & POLLIN) != 0) {
      // It died before taking a run (killed, out of memory): another, but not forever.
      have_waiter = false;
      waiter.reset();
      need_waiter = true;
      if (++failures >= 3) {
        die("warm helper: supervisors keep dying before taking a run");
      }
    }
    if (!have_waiter && fds[2].revents != 0) {
      need_waiter = true;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that went away (the runtime, the warm helper, a failed init) must not kill us
  // before we clean up: EPIPE instead. The tool gets default dispositions (exec_planned).
  ::signal(SIGPIPE, SIG_IGN);
  int policy_fd = -1;
  int lifeline_fd = -1;
  int report_fd = -1;
  int serve_fd = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--policy-fd" && i + 1 < argc) {
      policy_fd = parse_fd_argument(argv[++i]);
    } else if (arg == "--lifeline-fd" && i + 1 < argc) {
      lifeline_fd = parse_fd_argument(argv[++i]);
    } else if (arg == "--report-fd" && i + 1 < argc) {
      report_fd = parse_fd_argument(argv[++i]);
    } else if (arg == "--serve-fd" && i + 1 < argc) {
      serve_fd = parse_fd_argument(argv[++i]);
    } else {
      die(
          fmt::format("unknown argument '{}'; usage: chitin-sandbox --policy-fd N "
                      "[--lifeline-fd M] [--report-fd R], or --serve-fd S (run by chitin, "
                      "not by hand)",
                      arg));
    }
  }
  if (serve_fd >= 0) {
    return serve(serve_fd);
  }
  if (policy_fd < 0) {
    die("missing --policy-fd or --serve-fd");
  }
  return run_one(policy_fd, lifeline_fd, report_fd, std::nullopt);
}
