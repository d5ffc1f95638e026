#pragma once
// What one sandboxed run may do. The runtime builds a SandboxPolicy, serialises it to JSON
// and hands it to the `chitin-sandbox` helper through a pipe; the helper parses it again with
// the same bounded, strict parser (it trusts nothing it is given).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace chitin::sandbox {

inline constexpr std::size_t kMaxPolicyBytes = 1 << 20;
inline constexpr std::size_t kMaxArgs = 4096;
inline constexpr std::size_t kMaxArgBytes = 128 * 1024;
inline constexpr std::size_t kMaxEnv = 256;
inline constexpr std::size_t kMaxPaths = 64;
inline constexpr std::size_t kMaxPathBytes = 4096;
inline constexpr std::size_t kMaxExecutables = 512;

// Where the workspace appears inside the sandbox.
inline constexpr std::string_view kWorkspaceMount = "/workspace";

// Workspace paths re-bound read-only inside the sandbox when they exist: a tool must not be
// able to plant code that the host runs later (git hooks and config — all of .git, since git
// also reads commondir, modules/*/config and worktrees/* — direnv, editor tasks, persona).
// Those that do not exist when the run starts and exist after it are quarantined (renamed).
inline constexpr std::string_view kDefaultProtectedPaths[] = {
    ".git",     ".envrc",      ".vscode", ".idea",        "AGENTS.md", "SOUL.md", "USER.md",
    "TOOLS.md", "IDENTITY.md", "BOOT.md", "BOOTSTRAP.md", "MEMORY.md", ".chitin",
};

// How the workspace itself appears at /workspace. kNone: an empty read-only directory, into
// which only `workspace_read` / `workspace_write` are bound (a skill's declared paths).
enum class WorkspaceAccess : std::uint8_t { kReadWrite, kReadOnly, kNone };

// Where a skill's verified folder appears inside the sandbox (always read-only: writing to it
// would break its signature).
inline constexpr std::string_view kSkillMount = "/skill";

struct SandboxPolicy {
  std::vector<std::string> argv;        // argv[0]: absolute, or looked up in the PATH of `env`
  std::vector<std::string> env;         // exactly the tool's environment, NAME=VALUE
  std::string workspace;                // absolute host path, mounted read-write at /workspace
  std::vector<std::string> read_only;   // absolute host paths, bound read-only at the same path
  std::vector<std::string> read_write;  // absolute host paths, bound read-write at the same path
  std::vector<std::string> protected_paths;  // workspace-relative, re-bound read-only
  WorkspaceAccess workspace_access = WorkspaceAccess::kReadWrite;
  // Workspace-relative paths bound on top of the workspace (read-only / read-write), each
  // opened beneath it without following any symlink; those that do not exist are skipped. A
  // writable one that is, or lies inside, a protected path stays read-only.
  std::vector<std::string> workspace_read;
  std::vector<std::string> workspace_write;
  // Absolute host path of a directory bound read-only at kSkillMount; empty: none.
  std::string skill_dir;
  // When not empty, the only files execve may run (absolute paths, the same inside the
  // sandbox as on the host; the dynamic loader and anything under kSkillMount are added):
  // Landlock then grants execute nowhere else, /tmp, HOME, /dev/shm and the workspace are
  // mounted noexec (so nothing copied there can be mapped executable either), and
  // memfd_create and execveat are refused.
  std::vector<std::string> executables;
  std::uint64_t timeout_ms = 120000;
  std::uint64_t memory_mb = 1024;
  std::uint64_t pids_max = 256;
  std::uint64_t tmp_mb = 64;
  std::uint64_t nofile = 1024;
  std::uint64_t cpu_seconds = 600;
  std::uint64_t file_size_mb = 1024;
  // Tier T1 needs Landlock ABI 4 (TCP rules). Raising it makes the run refuse on kernels that
  // offer less; it can never be lowered below 4 (tests raise it to force the refusal path).
  std::uint64_t min_landlock_abi = 4;
  // Absolute host path of the egress proxy's Unix socket; empty: no network at all. When set,
  // it is bound at kProxySocketInSandbox and a bridge listens on 127.0.0.1:kProxyBridgePort.
  std::string proxy_socket;
  // Absolute host path of a PEM CA bundle bound read-only at kCaBundleInSandbox (the run's
  // tools are pointed at it with SSL_CERT_FILE and friends): set when the egress proxy
  // intercepts TLS for the run (secrets granted), so only this sandbox trusts the local CA.
  std::string ca_bundle;
};

inline constexpr std::string_view kCaBundleInSandbox = "/run/chitin/ca-bundle.pem";

inline constexpr std::string_view kProxySocketInSandbox = "/run/chitin/egress.sock";
inline constexpr std::uint16_t kProxyBridgePort = 3128;

SandboxPolicy default_policy();

std::string_view to_string(WorkspaceAccess access);
nlohmann::json policy_to_json(const SandboxPolicy& policy);
// Strict: unknown keys, wrong types, relative or ".." paths, bad env names, out-of-range
// limits and oversize input are errors naming the field.
Result<SandboxPolicy> policy_from_json(std::string_view text);
Result<void> validate_policy(const SandboxPolicy& policy);

}  // namespace chitin::sandbox
