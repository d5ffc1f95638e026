#include "sandbox/selftest.h"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sandbox/cgroup.h"
#include "sys/file_ops.h"
#include "sys/landlock.h"

namespace chitin::sandbox {

namespace {

struct Probe {
  const char* name;
  const char* script;  // POSIX sh; exit 0 means the probe passed
};

// Each probe is a small sh script run as the tool. "blocked" probes pass when the action
// fails; "works" probes pass when the legitimate action succeeds.
constexpr Probe kProbes[] = {
    {"workspace is writable",
     "echo ok > /workspace/.chitin-selftest && rm /workspace/.chitin-selftest"},
    {"host /root and /home are absent", "! ls /root/.ssh /home/*/.ssh 2>/dev/null | grep -q ."},
    {"/usr is read-only", "! touch /usr/.chitin-probe 2>/dev/null"},
    {"/ is read-only", "! touch /.chitin-probe 2>/dev/null"},
    {"/sys is absent", "! ls /sys 2>/dev/null | grep -q ."},
    {"no host shadow file", "! cat /etc/shadow 2>/dev/null"},
    {"runs as a non-root uid", "test \"$(id -u)\" = 1000"},
    {"no capabilities", "grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/self/status"},
    {"no_new_privs is set", "grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/self/status"},
    {"seccomp filter is on", "grep -q '^Seccomp:[[:space:]]*2$' /proc/self/status"},
    {"only stdio fds are open", "test \"$(ls /proc/self/fd | wc -l)\" -le 4"},
    {"only loopback network",
     "test \"$(ls /proc/net/dev >/dev/null && grep -c : /proc/net/dev)\" = 1"},
    {"own PID namespace", "test \"$(ls -d /proc/[0-9]* | wc -l)\" -le 6"},
    {"unshare is refused", "! unshare -U true 2>/dev/null"},
};

}  // namespace

bool SelftestReport::ok() const {
  if (tier != "T1") {
    return false;
  }
  for (const ProbeResult& probe : probes) {
    if (!probe.passed) {
      return false;
    }
  }
  return true;
}

nlohmann::json SelftestReport::to_json() const {
  nlohmann::json probes_json = nlohmann::json::array();
  for (const ProbeResult& probe : probes) {
    probes_json.push_back(
        {{"name", probe.name}, {"passed", probe.passed}, {"detail", probe.detail}});
  }
  return {{"ok", ok()},
          {"tier", tier},
          {"user_namespaces", user_namespaces},
          {"user_namespaces_detail", user_namespaces_detail},
          {"landlock_abi", landlock_abi},
          {"seccomp", seccomp},
          {"cgroup", cgroup},
          {"probes", probes_json}};
}

std::string SelftestReport::to_text() const {
  std::string out = fmt::format(
      "sandbox tier: {}\n  user namespaces: {}{}\n  Landlock ABI: {}\n  seccomp: {}\n"
      "  limits: {}\n",
      tier, user_namespaces ? "yes" : "no",
      user_namespaces_detail.empty() ? "" : " (" + user_namespaces_detail + ")",
      landlock_abi == 0 ? std::string("unavailable") : std::to_string(landlock_abi),
      seccomp ? "yes" : "no", cgroup);
  if (!probes.empty()) {
    out += "escape probes:\n";
    for (const ProbeResult& probe : probes) {
      out += fmt::format("  [{}] {}{}\n", probe.passed ? "pass" : "FAIL", probe.name,
                         probe.detail.empty() ? "" : ": " + probe.detail);
    }
  }
  const std::string missing = required_features_missing(*this);
  if (!missing.empty()) {
    out += "tool execution is refused: " + missing + "\n";
  }
  return out;
}

std::string required_features_missing(const SelftestReport& report) {
  std::vector<std::string> missing;
  if (!report.user_namespaces) {
    missing.push_back(
        "user namespaces (enable with sysctl user.max_user_namespaces=10000 and, on Debian/"
        "Ubuntu, kernel.unprivileged_userns_clone=1 / "
        "kernel.apparmor_restrict_unprivileged_userns=0)");
  }
  if (report.landlock_abi < 4) {
    missing.push_back(fmt::format(
        "Landlock ABI 4 or later (have {}; needs Linux 6.7+ with 'landlock' in the lsm= boot "
        "parameter)",
        report.landlock_abi));
  }
  if (!report.seccomp) {
    missing.push_back("seccomp filters (CONFIG_SECCOMP_FILTER)");
  }
  return fmt::format("{}", fmt::join(missing, "; "));
}

Result<SelftestReport> run_selftest(const RunOptions& options) {
  SelftestReport report;
  report.landlock_abi = sys::landlock::abi_version();
  auto actions = sys::read_file("/proc/sys/kernel/seccomp/actions_avail", 4096);
  report.seccomp = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && actions &&
                   actions->find("errno") != std::string::npos &&
                   actions->find("kill_process") != std::string::npos;
  {
    // Creating the cgroup leaves briefly moves this process in and out again.
    const RunCgroup probe = RunCgroup::create(64, 256);
    report.cgroup = probe.enforcement();
  }
  // Workspace for the probes: a private temporary directory.
  std::string workspace = "/tmp/chitin-selftest-XXXXXX";
  if (::mkdtemp(workspace.data()) == nullptr) {
    return errno_fail("mkdtemp for the selftest workspace");
  }
  SandboxPolicy policy = default_policy();
  policy.workspace = workspace;
  policy.env = {"PATH=/usr/bin:/bin", "HOME=/home/sandbox", "LANG=C.UTF-8"};
  policy.timeout_ms = 20000;
  policy.argv = {"/bin/true"};
  RunOptions quiet = options;
  quiet.stdout_mode = Stdio::kNull;
  quiet.stderr_mode = Stdio::kNull;
  auto base = run_sandboxed(policy, quiet);
  report.user_namespaces = base && *base == 0;
  if (!report.user_namespaces) {
    report.user_namespaces_detail =
        base ? fmt::format("the sandbox helper exited {}", *base) : base.error().describe();
  }
  if (report.user_namespaces && report.landlock_abi >= 4 && report.seccomp) {
    report.tier = "T1";
  } else if (report.landlock_abi >= 4 && report.seccomp) {
    report.tier = "T2";
  } else {
    report.tier = "none";
  }
  if (report.user_namespaces) {
    for (const Probe& probe : kProbes) {
      policy.argv = {"/bin/sh", "-c", probe.script};
      auto result = run_sandboxed(policy, quiet);
      ProbeResult outcome{probe.name, result && *result == 0, ""};
      if (!result) {
        outcome.detail = result.error().describe();
      } else if (*result != 0) {
        outcome.detail = fmt::format("exit {}", *result);
      }
      report.probes.push_back(std::move(outcome));
    }
  }
  ::rmdir(workspace.c_str());
  return report;
}

}  // namespace chitin::sandbox
