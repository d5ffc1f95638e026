#pragma once
// `chitin doctor --openclaw [DIR]`: audits an OpenClaw installation offline (the state
// directory, ~/.openclaw by default) without running any of it: openclaw.json (JSON5) and its
// includes, file permissions, plaintext secrets in .env, credentials, transcripts and the
// config, installed skills (Chitin's scanner), gateway exposure, hooks, tools and exec
// approvals, sandboxing, inbound DM/group policies, discovery, plugins and dangerous flags.
//
// Its findings are a superset of `openclaw security audit` (non-deep) for the same files:
// OpenClaw's checkIds where the concept is the same, at the same or a higher severity, plus
// Chitin's own. Same report shape as `chitin doctor`.

#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "doctor/doctor.h"

namespace chitin::doctor {

struct OpenClawOptions {
  bool scan_skills = true;
  bool scan_secrets = true;
  // Where the privacy filter caches its compiled patterns (the secret-shape detector); empty:
  // compiled each time.
  std::string privacy_cache_dir;
};

// Every checkId the audit can emit; "<x>" stands for one variable segment (a channel, an
// elevated provider, a credential kind). The tests hold the checks and this list to each
// other: each id has a failing fixture, and nothing outside the list is emitted.
std::span<const std::string_view> openclaw_check_ids();

// Fails only when `dir` is not a readable directory; a broken config is a finding.
Result<Report> audit_openclaw(const std::string& dir, const OpenClawOptions& options);

}  // namespace chitin::doctor
