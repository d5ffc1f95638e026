#pragma once
// Installing, listing, loading and removing skills in $CHITIN_HOME/skills (docs/skills.md).
//
// Install is two-phase so the caller can show what it is about to approve: stage() copies or
// safely extracts the source into a private staging directory, parses SKILL.md, verifies the
// signature against the trust store and scans it; the caller shows the result (permissions,
// widening against the installed version, findings) and asks for confirmation; commit()
// records the install in the audit log (durably), moves the skill into place atomically and
// updates skills.lock. Nothing in SKILL.md's install[] is ever run.
//
// Not thread-safe; one installer at a time per state directory (the CLI is one process).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "config/state_dir.h"
#include "skills/lock.h"
#include "skills/scanner.h"
#include "skills/signing.h"
#include "skills/skill_md.h"

namespace chitin::skills {

struct StageOptions {
  bool allow_unsigned = false;
  Severity refuse_at = Severity::kHigh;  // scan findings at or above this refuse the install
};

// Why stage() refused, for the audit trail and the exit code.
enum class Refusal : std::uint8_t { kNone, kUnsafeSource, kSignature, kUnsigned, kScan };

class StagedSkill {
 public:
  StagedSkill(const StagedSkill&) = delete;
  StagedSkill& operator=(const StagedSkill&) = delete;
  StagedSkill(StagedSkill&&) noexcept = default;
  StagedSkill& operator=(StagedSkill&&) noexcept = default;
  ~StagedSkill();  // removes the staging directory unless committed

  SkillDocument document;
  VerifyOutcome signature;  // kValid, or kUnsigned when allowed (quarantined)
  ScanReport scan;
  std::optional<LockEntry> installed;  // the version being replaced, if any
  std::vector<std::string> widening;   // what this version grants beyond `installed`
  std::string source;

  [[nodiscard]] bool quarantined() const { return signature.status != VerifyStatus::kValid; }
  [[nodiscard]] const std::string& staged_dir() const { return skill_dir_; }

 private:
  friend class Installer;
  StagedSkill() = default;
  std::string staging_root_;  // removed on destruction
  std::string skill_dir_;     // the skill inside it
};

struct StageFailure {
  Refusal refusal = Refusal::kUnsafeSource;
  Error error;
  ScanReport scan;  // for kScan
};

struct LoadedSkill {
  std::string name;
  LockEntry entry;
  std::string dir;
  // The folder as verified (O_PATH): opened first, then verified and read through it, so a
  // folder renamed into `dir` afterwards (a new install) is not what was checked.
  std::shared_ptr<const UniqueFd> folder;
  bool ok = false;
  std::string problem;  // why it is disabled, when !ok
  std::optional<SkillDocument> document;
};

// Re-verifies every installed skill against skills.lock and the trust store (what
// Installer::load does; the agent loads skills this way, without the scanner).
Result<std::vector<LoadedSkill>> load_installed(const config::StatePaths& paths,
                                                audit::AuditLog* log);

class Installer {
 public:
  Installer(config::StatePaths paths, const Scanner& scanner)
      : paths_(std::move(paths)), scanner_(scanner) {}

  tl::expected<StagedSkill, StageFailure> stage(const std::string& source,
                                                const StageOptions& options) const;
  // Audits skill.install (durable before anything moves), then installs. `approved_by` says
  // how the user confirmed ("--yes", "prompt").
  Result<LockEntry> commit(StagedSkill& staged, audit::AuditLog& log,
                           const std::string& approved_by) const;

  // Re-verifies every installed skill against skills.lock and the trust store. A skill whose
  // files, signature or manifest no longer match is returned disabled (ok == false) and a
  // skill.integrity_failed event is appended to `log`.
  Result<std::vector<LoadedSkill>> load(audit::AuditLog* log) const;

  Result<void> remove(const std::string& name, audit::AuditLog& log) const;

  [[nodiscard]] const config::StatePaths& paths() const { return paths_; }

 private:
  config::StatePaths paths_;
  const Scanner& scanner_;
};

}  // namespace chitin::skills
