#pragma once
// Manifest mismatch: what a bundled script uses (hosts in URLs, network clients, external
// binaries, secret-looking environment variables) compared with the skill's permission
// manifest. Undeclared use is a high finding: at run time the sandbox would refuse it, and a
// skill that needs what it does not declare is either broken or hiding something.

#include <set>
#include <string_view>
#include <vector>

#include "skills/permissions.h"
#include "skills/scanner.h"

namespace chitin::skills {

// Commands every skill may use without declaring them in permissions.exec: shell builtins and
// keywords, and the POSIX utilities (docs/skills.md).
const std::set<std::string_view>& baseline_commands();

// True for files that run: a #! line, or a script extension (.sh .py .js .ps1 ...).
bool is_script(std::string_view name, std::string_view content);

std::vector<Finding> check_script_against_manifest(std::string_view file, std::string_view text,
                                                   const Permissions& permissions);

}  // namespace chitin::skills
