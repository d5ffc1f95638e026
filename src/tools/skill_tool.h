#pragma once
// Skills at run time (docs/skills.md "At run time"). Installed skills that verify at this load
// are offered to the model by name and description, as OpenClaw does; `skill_read` loads a
// file of a skill's folder (SKILL.md by default) and `skill_exec` runs a program in a sandbox
// built from exactly the skill's permission manifest:
//   - its folder, read-only at /skill (writing would break its signature);
//   - of the workspace only what it declares: `{workspace}` whole (read-only, or read-write
//     when under filesystem.write), or `{workspace}/PATH` bound alone (never through a
//     symlink; declared writable directories are created when missing);
//   - execve only of its declared programs, the POSIX baseline and the shells (Landlock);
//   - network only to its declared hosts, through a per-run egress proxy; its declared
//     secrets as placeholders, swapped by the proxy on the way to each secret's own hosts;
//   - its limits (timeout_s, memory_mb), else the [sandbox] ones.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "config/state_dir.h"
#include "sandbox/policy.h"
#include "secrets/store.h"
#include "skills/permissions.h"
#include "tools/exec_tool.h"

namespace chitin::tools {

inline constexpr std::size_t kMaxSkillFileBytes = 256 * 1024;
inline constexpr std::size_t kMaxSkillDescriptionBytes = 512;

struct AgentSkill {
  std::string name;
  std::string description;
  std::string dir;                         // $CHITIN_HOME/skills/NAME
  std::shared_ptr<const UniqueFd> folder;  // the folder as verified (O_PATH); see LoadedSkill
  std::string manifest;  // hash of its skill.manifest (approvals bind to the version)
  bool quarantined = false;
  skills::Permissions permissions;
};

// The installed skills that verify now and that the model may invoke (those with
// disable-model-invocation are left out; those that fail verification are audited as
// skill.integrity_failed by the loader and left out).
Result<std::vector<AgentSkill>> load_agent_skills(const config::StatePaths& paths,
                                                  audit::AuditLog* log);

// The system-prompt section that lists them; empty when there are none.
std::string skills_prompt(const std::vector<AgentSkill>& skills);

const AgentSkill* find_skill(const std::vector<AgentSkill>& skills, std::string_view name);

// A file of the skill's folder as verified (a relative path, never through a symlink), with
// OpenClaw's `{baseDir}` replaced by where the folder is inside the sandbox.
Result<std::string> read_skill_file(const AgentSkill& skill, std::string_view path);

struct SkillRunSetup {
  ExecSetup exec;  // workspace, [sandbox] limits, audit, session, helper, stored secrets
  const secrets::Store* store = nullptr;  // needed when the skill declares secrets
  std::string keys_dir;                   // the local egress CA, for runs with secrets
};

// The sandbox policy of one run (argv[0] checked against what the skill may run). Refused
// when the folder at `dir` is no longer the one verified (a new version was installed since):
// the next turn verifies and offers the new one.
Result<sandbox::SandboxPolicy> skill_policy(const AgentSkill& skill,
                                            const std::vector<std::string>& argv,
                                            const SkillRunSetup& setup);

Result<ExecOutcome> run_skill(const AgentSkill& skill, const std::vector<std::string>& argv,
                              const SkillRunSetup& setup);

}  // namespace chitin::tools
