#pragma once
// The agent's `exec`: argv run in a fresh sandbox (chitin-sandbox, the same path as
// `chitin sandbox run`) with the agent's workspace read-write at /workspace as the working
// directory, the [sandbox] limits, no network unless egress.allow names hosts (then only
// through a per-run egress proxy), stdin empty, and stdout and stderr captured up to a cap
// (the rest is drained and counted, never buffered).

#include <memory>
#include <string>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "config/config.h"
#include "egress/rules.h"
#include "sandbox/policy.h"
#include "secrets/leak_scanner.h"

namespace chitin::tools {

inline constexpr std::size_t kDefaultExecOutputBytes = 64 * 1024;

struct ExecSetup {
  std::string workspace;  // absolute
  config::SandboxConfig limits;
  std::vector<egress::Rule> egress;  // empty: no network
  bool allow_private_addresses = false;
  audit::AuditLog* audit = nullptr;  // required when egress is not empty
  std::string actor = "agent";
  std::string session;
  std::string privacy_cache_dir;
  std::shared_ptr<const secrets::LeakScanner> stored_secrets;
  std::size_t max_output_bytes = kDefaultExecOutputBytes;  // per stream
  std::string helper;                                      // empty: sandbox::helper_path()
};

struct ExecOutcome {
  int exit_code = 0;  // the program's; 124 timeout; 125 no sandbox; 126/127 cannot run
  std::string out;
  std::string err;
  std::size_t out_bytes = 0;  // produced, including what was cut
  std::size_t err_bytes = 0;
  std::string limits;
  std::vector<std::string> quarantined;
  std::int64_t duration_ms = 0;

  // What the model reads: status, then each stream (cut ones say how much was dropped).
  [[nodiscard]] std::string render() const;
};

Result<ExecOutcome> run_exec(const std::vector<std::string>& argv, const ExecSetup& setup);

// The policy every agent run starts from: the workspace at /workspace, the sandbox's PATH,
// HOME, LANG and USER and nothing else of the environment, the [sandbox] limits.
sandbox::SandboxPolicy base_policy(const std::string& workspace,
                                   const config::SandboxConfig& limits);

// Runs `policy` with stdin empty and stdout and stderr captured up to `max_output_bytes` each.
Result<ExecOutcome> run_captured(const sandbox::SandboxPolicy& policy, const std::string& helper,
                                 std::size_t max_output_bytes);

}  // namespace chitin::tools
