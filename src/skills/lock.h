#pragma once
// $CHITIN_HOME/skills.lock: what was installed, from whom, and the hash of its manifest, so
// the loader can tell at every load whether a skill still is what was approved. JSON,
// replaced atomically (docs/skills.md "skills.lock").

#include <map>
#include <string>

#include "base/result.h"
#include "skills/permissions.h"

namespace chitin::skills {

struct LockEntry {
  std::string version;
  std::string signer;        // trusted key name; empty when unsigned
  std::string key_id;        // hex; empty when unsigned
  std::string manifest;      // blake2b-256 hex of skill.manifest
  bool quarantined = false;  // unsigned: usable only with per-use approval
  std::string source;        // what `install` was given
  std::string installed_at;  // RFC 3339 UTC
  Permissions permissions;
};

struct SkillsLock {
  std::map<std::string, LockEntry> skills;
};

inline constexpr std::size_t kMaxLockBytes = 4 << 20;

// A missing file is an empty lock; a damaged one is an error naming the file.
Result<SkillsLock> load_lock(const std::string& path);
Result<void> save_lock(const std::string& path, const SkillsLock& lock);

}  // namespace chitin::skills
