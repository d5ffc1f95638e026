#pragma once
// `chitin import-openclaw DIR [--dry-run]`: translates an OpenClaw installation into this
// Chitin installation, in two steps so that --dry-run shows exactly what would happen:
//
//   plan   reads the OpenClaw state directory (never changes it) and decides everything:
//          the Chitin config (gateway always loopback + token, models), the secrets to move
//          into the encrypted store (from the config, SecretRefs, .env, auth profiles, and
//          any found inside workspace files, which are copied with placeholders instead),
//          workspace files, skills (to be verified, scanned, quarantined when unsigned), and
//          the channel, tool and exec-approval policy (re-validated; open policies closed,
//          bare interpreters and shells dropped). Every decision is a report line: taken,
//          changed or dropped, and why.
//   apply  stores the secrets, installs the skills, copies the workspace files, writes the
//          policy and then the config (atomically), and audits the import. Existing Chitin
//          secrets, files and skills are kept, never overwritten.
//
// Secret values live only in the plan's memory and the encrypted store: never in the report,
// the config, the policy file or the audit trail.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/log.h"
#include "base/result.h"
#include "config/config.h"
#include "config/state_dir.h"
#include "secrets/store.h"
#include "skills/scanner.h"

namespace chitin::privacy {
class Detector;
}

namespace chitin::doctor {

enum class ImportAction { kTaken, kChanged, kDropped };
std::string_view to_string(ImportAction action);

struct ImportLine {
  ImportAction action = ImportAction::kTaken;
  std::string what;  // "gateway.bind", "secret openai", "skill csv-stats"
  std::string why;   // never a secret value
};

struct ImportFile {
  std::string relative;  // inside the Chitin workspace: "MEMORY.md", "memory/2026-01-01.md"
  std::string content;   // with secrets replaced by chitin-secret://NAME
};

struct ImportSkill {
  std::string name;
  std::string dir;
};

struct ImportPlan {
  std::string source;     // the OpenClaw state directory
  config::Config config;  // the Chitin config after the import
  std::vector<secrets::Secret> secrets;
  std::vector<ImportFile> files;
  std::vector<ImportSkill> skills;
  nlohmann::json policy;  // written to import/openclaw-policy.json (docs/import-openclaw.md)
  std::vector<ImportLine> report;

  [[nodiscard]] nlohmann::json report_json() const;
  [[nodiscard]] std::string report_text() const;
};

struct ImportContext {
  config::Config current;                     // this installation's config
  std::vector<std::string> existing_secrets;  // names already in the store
  const privacy::Detector* shapes = nullptr;  // finds secrets inside workspace files
};

Result<ImportPlan> plan_openclaw_import(const std::string& dir, const ImportContext& context);

struct ImportOutcome {
  std::size_t secrets_stored = 0;
  std::size_t files_written = 0;
  std::size_t skills_installed = 0;
  std::vector<ImportLine> lines;  // what apply itself decided (skills refused, files kept)
};

Result<ImportOutcome> apply_openclaw_import(const ImportPlan& plan, const config::StatePaths& paths,
                                            secrets::Store& store, audit::AuditLog& log,
                                            const skills::Scanner& scanner);

}  // namespace chitin::doctor
