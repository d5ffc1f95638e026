#include "sandbox/runner.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

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

Result<SandboxProcess> start_sandboxed(const SandboxPolicy& policy, const RunOptions& options) {
  CHITIN_RETURN_IF_ERROR(validate_policy(policy));
  const std::string helper = options.helper.empty() ? CHITIN_TRY(helper_path()) : options.helper;
  // The policy travels in a sealed memfd: no size limit from a pipe buffer, no way for anyone
  // to change it after we wrote it.
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
  Pipe lifeline = CHITIN_TRY(make_pipe());
  Pipe report = CHITIN_TRY(make_pipe());
  constexpr int kPolicyFd = 3;
  constexpr int kLifelineFd = 4;
  constexpr int kReportFd = 5;
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
  return SandboxProcess{std::move(*child), std::move(lifeline.write), std::move(report.read)};
}

Result<RunReport> finish_sandboxed(SandboxProcess& process) {
  const ExitStatus status = CHITIN_TRY(process.helper.wait());
  RunReport report;
  report.exit_code = status.exited ? status.code : 128 + status.signal;
  // Small and written before the helper exited, so this read cannot block for long.
  auto text = sys::read_all(process.report.get(), 64 * 1024, "the sandbox report");
  if (text) {
    std::size_t start = 0;
    while (start < text->size()) {
      const std::size_t newline = std::min(text->find('\n', start), text->size());
      const std::string_view line = std::string_view(*text).substr(start, newline - start);
      if (line.starts_with("limits ")) {
        report.limits = std::string(line.substr(7));
      } else if (line.starts_with("quarantined ")) {
        report.quarantined.emplace_back(line.substr(12));
      }
      start = newline + 1;
    }
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
