#pragma once
// The sandbox set-up, as a flat ordered list of named steps (STYLE.md; nsjail's containProc).
// Runs inside the `chitin-sandbox` helper only: in the child that is PID 1 of the new PID
// namespace, after it entered its own mount namespace. Everything it needs is prepared
// beforehand (Prepared), so the steps only act.

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "sandbox/policy.h"

namespace chitin::sandbox {

// Host-side handles taken before any namespace exists: every bind source is opened O_PATH,
// so later mounts bind exactly what was checked (no path re-resolution, no symlink races).
struct Prepared {
  SandboxPolicy policy;
  UniqueFd workspace;
  struct Source {
    std::string target;  // path inside the sandbox
    UniqueFd fd;         // O_PATH on the host
    bool directory = true;
    bool writable = false;
  };
  std::vector<Source> binds;          // system dirs, /etc files
  std::vector<Source> extra;          // the policy read_only / read_write paths
  std::vector<Source> devices;        // /dev/null and friends, bound after /dev is mounted
  std::vector<std::string> symlinks;  // "target\0link-path": merged-usr links (/bin -> usr/bin)
  std::vector<std::string> protected_paths;  // workspace-relative paths that exist
  struct WorkspaceBind {
    std::string relative;
    UniqueFd fd;  // O_PATH, opened beneath the workspace without following symlinks
    bool directory = true;
    bool writable = false;
  };
  std::vector<WorkspaceBind> workspace_binds;  // policy workspace_read / workspace_write
  std::string etc_passwd;
  std::string etc_group;
};

// Opens everything the steps will need. Fails (the run is refused) if the workspace is not a
// directory, or a protected workspace path is a symlink.
Result<Prepared> prepare(SandboxPolicy policy);

// Writes the uid/gid maps of our fresh user namespace: inside uid/gid 1000 (never root, so
// no writable kernel knobs), outside the caller's ids.
Result<void> map_ids(uid_t outer_uid, gid_t outer_gid);

// Brings up lo and names the host: needs only the new user, network and UTS namespaces, so
// the helper does it beside the init's mount work (one-shot), or a warm helper's supervisor
// before a run arrives.
Result<void> set_up_network_and_name();

// Joins what the init does not make itself: the network, IPC and UTS namespaces the helper
// made while the init mounted, and a cgroup namespace rooted at the leaf the init was put in.
using JoinRun = std::function<Result<void>()>;

// All steps up to and including seccomp, in order; `join_run` is one of them, after the new
// root is entered and before privileges are dropped. On failure the error names the step.
Result<void> contain(const Prepared& prepared, const JoinRun& join_run);

// Everything the tool's process needs between its creation and execve, built beforehand:
// that process shares the init's memory until execve and must not allocate.
struct ExecPlan {
  struct Limit {
    int resource;
    rlim_t value;
    const char* name;
  };
  std::string workdir;
  std::string program;                  // argv[0] as given
  std::string path;                     // the PATH it was looked up in
  std::vector<std::string> candidates;  // files to execve, in order
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;  // into args, null-terminated
  std::vector<char*> envp;  // into env, null-terminated
  std::vector<Limit> limits;
  // Written by the tool's process when it could not exec: errno, and which step failed
  // (-2 chdir, a limit's index, -1 the execve itself).
  int failed_errno = 0;
  int failed_limit = -1;
};

// Resolves argv[0] (PATH from the policy env) into candidate files and prepares argv, envp
// and the rlimits. The plan must not move once argv/envp point into it.
ExecPlan plan_exec(const SandboxPolicy& policy);

// Starts the tool's process: chdir to the workspace, rlimits, execve. Returns once the tool
// has exec'd or failed to; on failure the process has exited (127 not found, 126 otherwise)
// and exec_failure() describes why.
Result<pid_t> start_tool(ExecPlan& plan);
Error exec_failure(const ExecPlan& plan);

inline constexpr uid_t kSandboxUid = 1000;
inline constexpr gid_t kSandboxGid = 1000;
inline constexpr std::string_view kSandboxHome = "/home/sandbox";

}  // namespace chitin::sandbox
