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
  constexpr int kPolicyFd = 3;
  constexpr int kLifelineFd = 4;
  SpawnOptions spawn;
  spawn.argv = {helper, "--policy-fd", std::to_string(kPolicyFd), "--lifeline-fd",
                std::to_string(kLifelineFd)};
  spawn.env = std::vector<std::string>{};  // the helper needs nothing from our environment
  spawn.stdin_mode = options.stdin_mode;
  spawn.stdout_mode = options.stdout_mode;
  spawn.stderr_mode = options.stderr_mode;
  spawn.extra_fds = {{memfd.get(), kPolicyFd}, {lifeline.read.get(), kLifelineFd}};
  auto child = ChildProcess::spawn(spawn);
  if (!child) {
    return fail(ErrorCode::kUnavailable, "cannot start the sandbox helper {}: {}", helper,
                child.error().describe());
  }
  return SandboxProcess{std::move(*child), std::move(lifeline.write)};
}

Result<int> run_sandboxed(const SandboxPolicy& policy, const RunOptions& options) {
  SandboxProcess process = CHITIN_TRY(start_sandboxed(policy, options));
  const ExitStatus status = CHITIN_TRY(process.helper.wait());
  if (status.exited) {
    return status.code;
  }
  return 128 + status.signal;
}

}  // namespace chitin::sandbox
