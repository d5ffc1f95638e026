#pragma once
// Protected workspace paths that did not exist when a run started cannot be bound read-only
// (there is nothing to bind), so a tool could create them: a fresh .git with hooks, an
// .envrc, editor tasks. After the run, any of them that now exists is renamed aside
// ("NAME.chitin-quarantine-<time>") so that no host tool picks it up, and reported.

#include <string>
#include <vector>

#include "base/result.h"

namespace chitin::sandbox {

// The protected paths absent beneath `workspace_fd` (host view; symlinks never followed).
std::vector<std::string> absent_protected_paths(int workspace_fd,
                                                const std::vector<std::string>& paths);

// Renames each path of `absent` that exists now; returns one line per path quarantined.
std::vector<std::string> quarantine_created(int workspace_fd,
                                            const std::vector<std::string>& absent);

}  // namespace chitin::sandbox
