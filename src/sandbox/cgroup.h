#pragma once
// Per-run cgroup limits (pids, memory). RLIMIT_NPROC does not bind a process whose host uid
// is root, so the pids limit needs the cgroup pids controller: a delegated cgroup v2 subtree
// when there is one, else the v1 hierarchies, else only rlimits (and the run says so).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::sandbox {

class RunCgroup {
 public:
  // Creates leaf cgroups for this process and moves it (and so its future children) in, then
  // sets the limits. Never fails the run: controllers that cannot be used are left out and
  // named in `enforcement()`.
  static RunCgroup create(std::uint64_t pids_max, std::uint64_t memory_mb);
  // The two halves, for a warm helper's supervisor that joins its cgroups before it knows
  // the policy: nothing may start in the leaves before limit() set the limits.
  static RunCgroup create();
  // For a one-shot helper, which makes the leaves while its sandbox's init is already being
  // set up: moves `member` (init) in instead of this process. The leaves are still named
  // after this process, which removes them.
  static RunCgroup create_for(pid_t member);
  void limit(std::uint64_t pids_max, std::uint64_t memory_mb);
  RunCgroup(RunCgroup&& other) noexcept;
  RunCgroup& operator=(RunCgroup&&) = delete;
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;
  // Moves this process back out (if it joined) and removes the leaves.
  ~RunCgroup();

  // "pids: cgroup v1, memory: cgroup v1" or "pids: rlimit only (...)".
  [[nodiscard]] std::string enforcement() const { return enforcement_; }
  [[nodiscard]] bool pids_limited() const { return pids_limited_; }

 private:
  RunCgroup() = default;
  struct Leaf {
    std::string dir;         // the leaf we created
    std::string parent;      // where we were before
    std::string controller;  // v1: "pids" or "memory"; v2: empty
    UniqueFd limit;          // pids.max, memory.limit_in_bytes (v1) or pids.max (v2)
    UniqueFd second_limit;   // v2: memory.max
    // The parent directory, held open: init's pivot_root moves our root too (we share its
    // mount namespace), so the paths above no longer resolve when the run is over.
    UniqueFd parent_dir;
    std::string name;  // the leaf's name in parent_dir
  };
  std::vector<Leaf> leaves_;
  std::string enforcement_;
  bool pids_limited_ = false;
  bool joined_ = false;  // this process is in the leaves (create())
};

}  // namespace chitin::sandbox
