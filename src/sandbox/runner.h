#pragma once
// Runs a tool in the sandbox from the (possibly multi-threaded) runtime: spawns the
// single-threaded `chitin-sandbox` helper with the policy in a sealed memfd and a lifeline
// pipe, and returns its outcome. The same path serves `chitin sandbox run` and the agent's
// tools.

#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/result.h"
#include "sandbox/policy.h"

namespace chitin::sandbox {

inline constexpr int kExitTimeout = 124;
inline constexpr int kExitSetupFailed = 125;

// $CHITIN_SANDBOX_HELPER if set, else chitin-sandbox next to the running executable.
Result<std::string> helper_path();

struct RunOptions {
  std::string helper;  // empty: helper_path()
  Stdio stdin_mode = Stdio::kInherit;
  Stdio stdout_mode = Stdio::kInherit;
  Stdio stderr_mode = Stdio::kInherit;
};

// A running sandbox: the helper process. Destroying it kills the sandbox.
struct SandboxProcess {
  ChildProcess helper;
  UniqueFd lifeline;  // our end; the helper kills the sandbox when it sees EOF
  UniqueFd report;    // the helper's report lines (see RunReport)
};

// What a finished run reports besides its exit status, for the audit trail.
struct RunReport {
  int exit_code = 0;
  std::string limits;                    // which limits were in force: cgroup v1/v2 or rlimits
  std::vector<std::string> quarantined;  // protected paths the command created, renamed aside
};

Result<SandboxProcess> start_sandboxed(const SandboxPolicy& policy, const RunOptions& options);
// Waits for the helper to finish and collects its report.
Result<RunReport> finish_sandboxed(SandboxProcess& process);
Result<RunReport> run_sandboxed_with_report(const SandboxPolicy& policy, const RunOptions& options);

// Runs to completion; the exit status follows the helper's convention (the tool's status,
// 124 timeout, 125 set-up failure, 126/127 cannot run the command).
Result<int> run_sandboxed(const SandboxPolicy& policy, const RunOptions& options);

}  // namespace chitin::sandbox
