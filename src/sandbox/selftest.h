#pragma once
// `chitin sandbox selftest`: what this kernel offers and which sandbox tier follows.
//   T1  user namespaces + Landlock ABI >= 4 + seccomp: full isolation (Chitin runs tools here)
//   T2  Landlock >= 4 + seccomp without user namespaces (detected; Chitin does not run tools in
//       T2 yet, so tool execution is refused there)
//   none  tool execution is refused
// Also runs built-in escape probes inside a real sandbox and reports each result.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sandbox/runner.h"

namespace chitin::sandbox {

struct ProbeResult {
  std::string name;
  bool passed = false;  // the escape was blocked (or the legitimate action worked)
  std::string detail;
};

struct SelftestReport {
  bool user_namespaces = false;
  std::string user_namespaces_detail;
  int landlock_abi = 0;
  bool seccomp = false;
  std::string cgroup;  // which limits are enforced how
  std::string tier;    // "T1", "T2", "none"
  std::vector<ProbeResult> probes;

  [[nodiscard]] bool ok() const;  // T1 and every probe passed
  [[nodiscard]] nlohmann::json to_json() const;
  [[nodiscard]] std::string to_text() const;
};

Result<SelftestReport> run_selftest(const RunOptions& options);

// The tier the kernel supports, without running probes (used before every tool run).
std::string required_features_missing(const SelftestReport& report);

}  // namespace chitin::sandbox
