#pragma once
// Runs a tool in the sandbox from the (possibly multi-threaded) runtime: hands the
// single-threaded `chitin-sandbox` helper the policy in a sealed memfd, a lifeline pipe and a
// report pipe, and returns the outcome. The helper is either spawned for the run (one-shot:
// `chitin sandbox run`) or a warm helper this process started once and reuses (the agent's
// tools in the gateway): it forks a supervisor per run, which then does exactly what a
// one-shot helper does. The sandbox is the same either way.

#include <optional>
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
  // Hand the run to this process's warm helper (started on first use, restarted if it died)
  // instead of spawning a helper for it: ~1.5 ms less per run (bench/sandbox_spawn). For
  // processes that run many tools; a one-off run is faster one-shot.
  bool warm_helper = false;
};

// A running sandbox. Destroying it kills the sandbox.
struct SandboxProcess {
  std::optional<ChildProcess> helper;  // the one-shot helper; empty for a warm helper's run
  // Our ends of the tool's stdio, for the streams RunOptions asked to be Stdio::kPipe.
  UniqueFd stdin_pipe;
  UniqueFd stdout_pipe;
  UniqueFd stderr_pipe;
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
// Waits for the run to finish and collects its report: until its "exit N" report line (sent
// once the workspace is final), not until the helper or supervisor itself has exited.
Result<RunReport> finish_sandboxed(SandboxProcess& process);
Result<RunReport> run_sandboxed_with_report(const SandboxPolicy& policy, const RunOptions& options);

// A one-shot helper reports its run before it tears the sandbox down (the init's exit, the
// namespaces, the cgroup leaves), so finish_sandboxed() does not wait for that: the helper is
// reaped by a later run. This waits until every such teardown is over (for tests that look
// for what a run left behind).
void wait_for_teardown();

// The pid of this process's warm helper, if it started one (for diagnostics and tests).
std::optional<pid_t> warm_helper_pid();

// Runs to completion; the exit status follows the helper's convention (the tool's status,
// 124 timeout, 125 set-up failure, 126/127 cannot run the command).
Result<int> run_sandboxed(const SandboxPolicy& policy, const RunOptions& options);

}  // namespace chitin::sandbox
