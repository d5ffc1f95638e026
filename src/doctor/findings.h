#pragma once
// Helpers shared by the doctor's checks of Chitin and of OpenClaw installations (internal to
// the doctor module).

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "doctor/doctor.h"

namespace chitin::doctor {

Finding finding(std::string id, Severity severity, int miit, std::string title,
                std::string evidence, std::string remediation);

std::string mode_text(unsigned mode);

// How permission findings of one path are named and weighed. OpenClaw folds some cases into
// one name (fs.config.perms_writable for "group or others can write"); Chitin reuses its
// names where the concept is the same.
struct PermissionCheck {
  std::string_view id;  // "fs.config"
  bool directory = false;
  bool secret = false;          // holds keys or credentials: any read access is critical
  bool merge_writable = false;  // "<id>.perms_writable" instead of world_/group_writable
  bool merge_readable = false;  // "<id>.perms_readable" instead of world_/group_readable
  bool sensitive = false;       // config-like: world-readable or group-writable is critical
};

// Up to two findings for `path` (one for write access by others, one for read access), each
// fixable by removing the group and other bits (0700 directories, 0600 files). A symlink is
// reported as "<id>.symlink" and not followed. A missing path gives nothing.
void check_permissions(std::vector<Finding>& out, const std::string& path,
                       const PermissionCheck& check);

struct WalkLimits {
  std::size_t max_files = 10000;
  std::size_t max_bytes = std::size_t{256} << 20;  // read in total
  std::size_t max_file_bytes = 1 << 20;            // larger files are skipped
};
struct WalkOutcome {
  std::size_t files = 0;
  std::size_t bytes = 0;
  std::size_t skipped_large = 0;
  bool truncated = false;  // a limit stopped the walk before every file was read
};

// Reads the regular files under `root` and hands each to `visit`. Symlinks are never
// followed; directories for which `prune` says true are not entered. Bounded by `limits`.
WalkOutcome walk_files(const std::string& root,
                       const std::function<bool(const std::string&)>& prune,
                       const std::function<void(const std::string&, std::string_view)>& visit,
                       const WalkLimits& limits);

}  // namespace chitin::doctor
