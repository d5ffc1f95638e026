#pragma once
// Installs a skill written by a test: its folder (SKILL.md and files) is created, signed with
// a fresh key that the state directory's trust store accepts as "test-<folder name>" (unless the
// skill is to be quarantined), staged, scanned and committed like `chitin skill install`.

#include <string>
#include <vector>

#include "audit/log.h"
#include "base/result.h"
#include "config/state_dir.h"

namespace chitin::testing {

struct SkillFile {
  std::string path;  // relative to the skill folder
  std::string content;
  unsigned mode = 0644;
};

struct TestSkill {
  std::string source_dir;  // where the folder is written before install
  std::string skill_md;
  std::vector<SkillFile> files;
  bool sign = true;  // false: installed quarantined (--allow-unsigned)
};

Result<void> install_test_skill(const config::StatePaths& paths, audit::AuditLog& log,
                                const TestSkill& skill);

}  // namespace chitin::testing
