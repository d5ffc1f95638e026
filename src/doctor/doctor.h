#pragma once
// `chitin doctor`: audits this Chitin installation and reports findings, each with a checkId
// (OpenClaw's names where the concept is the same, so dashboards and runbooks carry over),
// a severity, the MIIT "six dos and six don'ts" item it maps to, evidence and a remediation.
// `--fix` applies only safe, reversible fixes (permissions), recording the previous state.
// Checks of later features (gateway tokens, skills, secrets) join as those land.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "config/state_dir.h"

namespace chitin::doctor {

enum class Severity { kInfo, kWarn, kCritical };
std::string_view to_string(Severity severity);

struct Finding {
  std::string check_id;
  Severity severity = Severity::kInfo;
  int miit_item = 0;  // 1..6, see kMiitItems; 0 when none applies
  std::string title;
  std::string evidence;
  std::string remediation;
  // A safe, reversible fix: set `path` to mode `fix_mode`.
  std::string fix_path;
  unsigned fix_mode = 0;
};

// The MIIT guidance items, in the numbering Chitin uses in findings.
inline constexpr std::string_view kMiitItems[] = {
    "",
    "1. Use official, up-to-date builds",
    "2. Keep it off the public internet",
    "3. Least privilege and isolation; never run as administrator",
    "4. Vet skills; refuse ones that ask for archives, scripts or passwords",
    "5. Guard against social engineering and browser hijacking",
    "6. Keep detailed audit logging on",
};

// The items by name, for findings.
inline constexpr int kMiitOfficialBuilds = 1;
inline constexpr int kMiitExposure = 2;
inline constexpr int kMiitPrivilege = 3;
inline constexpr int kMiitSkills = 4;
inline constexpr int kMiitSocialEngineering = 5;  // includes browser hijacking
inline constexpr int kMiitAudit = 6;

struct Report {
  std::vector<Finding> findings;
  [[nodiscard]] int count(Severity severity) const;
  [[nodiscard]] bool has_critical() const { return count(Severity::kCritical) > 0; }
  [[nodiscard]] nlohmann::json to_json() const;
  [[nodiscard]] std::string to_text() const;
};

struct Options {
  bool run_sandbox_selftest = true;  // spawns sandboxes; tests may turn it off
  std::string version;               // reported as an info finding
  // Where a passing selftest is remembered (keyed by kernel, boot and helper binary, for a
  // day), so that the gateway's start-up gate does not spawn sandboxes each time; empty: none.
  std::string selftest_cache;
};

Result<Report> run_doctor(const config::StatePaths& paths, const Options& options);

struct FixOutcome {
  std::vector<std::string> fixed;    // "path: 0755 -> 0700"
  std::vector<std::string> skipped;  // "path: why it was left alone"
  std::string backup_file;           // where the previous modes were recorded
};
// Applies every fixable finding; the previous modes go first to a JSON backup in
// `backup_dir` (the state directory audited), so every fix can be undone. Only paths inside
// `backup_dir` are changed, never through a symlink (opened O_NOFOLLOW, then fchmod), and
// only regular files and directories.
Result<FixOutcome> apply_fixes(const std::string& backup_dir, const Report& report);

}  // namespace chitin::doctor
