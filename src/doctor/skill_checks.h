#pragma once
// Doctor checks of installed skills: integrity against skills.lock and the trust store, a
// rescan with the current rules, quarantined (unsigned) skills, and folders that bypassed
// `chitin skill install`. Read-only: nothing is audited or changed.

#include <vector>

#include "config/state_dir.h"
#include "doctor/doctor.h"

namespace chitin::doctor {

void check_skills(std::vector<Finding>& out, const config::StatePaths& paths);

}  // namespace chitin::doctor
