// Applying an import plan (see openclaw_import.h): secrets first (so nothing that refers to
// them exists before they do), then skills, workspace files, the policy, and the config last,
// atomically; one audit event records what happened, without values.

#include <fmt/format.h>

#include "config/config.h"
#include "doctor/openclaw_import.h"
#include "skills/installer.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

Result<void> write_files(const ImportPlan& plan, const config::StatePaths& paths,
                         ImportOutcome& outcome) {
  const std::string root = paths.workspace_dir();
  CHITIN_TRY(sys::ensure_directory(root, 0700));
  for (const ImportFile& file : plan.files) {
    if (file.relative.find('/') != std::string::npos) {
      CHITIN_TRY(sys::ensure_directory(
          root + "/" + file.relative.substr(0, file.relative.rfind('/')), 0700));
    }
    const bool written = CHITIN_TRY(sys::write_file_atomic(root + "/" + file.relative, file.content,
                                                           0600, sys::WriteMode::kCreateOnly));
    if (written) {
      ++outcome.files_written;
    } else {
      outcome.lines.push_back(ImportLine{ImportAction::kDropped, "workspace " + file.relative,
                                         "Chitin's workspace already has this file; kept it"});
    }
  }
  return {};
}

void install_skills(const ImportPlan& plan, const config::StatePaths& paths, audit::AuditLog& log,
                    const skills::Scanner& scanner, ImportOutcome& outcome) {
  const skills::Installer installer(paths, scanner);
  for (const ImportSkill& skill : plan.skills) {
    skills::StageOptions options;
    options.allow_unsigned = true;  // unsigned skills are installed quarantined
    auto staged = installer.stage(skill.dir, options);
    if (!staged) {
      const skills::StageFailure& failure = staged.error();
      std::string why = failure.error.message;
      if (failure.refusal == skills::Refusal::kScan && !failure.scan.findings.empty()) {
        const skills::Finding& worst = failure.scan.findings.front();
        why = fmt::format("refused by the scanner: {} {}:{} {}", worst.rule, worst.file, worst.line,
                          worst.message);
      }
      outcome.lines.push_back(ImportLine{ImportAction::kDropped, "skill " + skill.name, why});
      continue;
    }
    if (staged->installed) {
      outcome.lines.push_back(ImportLine{ImportAction::kDropped, "skill " + skill.name,
                                         "already installed in Chitin; kept that version"});
      continue;
    }
    const bool quarantined = staged->quarantined();
    auto entry = installer.commit(*staged, log, "import-openclaw");
    if (!entry) {
      outcome.lines.push_back(
          ImportLine{ImportAction::kDropped, "skill " + skill.name, entry.error().describe()});
      continue;
    }
    ++outcome.skills_installed;
    outcome.lines.push_back(ImportLine{
        quarantined ? ImportAction::kChanged : ImportAction::kTaken, "skill " + skill.name,
        quarantined ? "installed quarantined: unsigned, so it runs only after you trust its "
                      "publisher (chitin skill trust) or re-sign it"
                    : "installed: signature verified, scan clean"});
  }
}

}  // namespace

Result<ImportOutcome> apply_openclaw_import(const ImportPlan& plan, const config::StatePaths& paths,
                                            secrets::Store& store, audit::AuditLog& log,
                                            const skills::Scanner& scanner) {
  ImportOutcome outcome;
  // The config must load before anything is changed.
  const std::string config_text = config::render_config(plan.config, true);
  CHITIN_TRY(config::parse_config(config_text, "the imported chitin.toml"));
  for (const secrets::Secret& secret : plan.secrets) {
    if (store.find(secret.name) != nullptr) {
      continue;  // kept; the plan already said so
    }
    CHITIN_RETURN_IF_ERROR(store.put(secret));
    ++outcome.secrets_stored;
  }
  install_skills(plan, paths, log, scanner, outcome);
  CHITIN_RETURN_IF_ERROR(write_files(plan, paths, outcome));
  CHITIN_TRY(sys::ensure_directory(paths.home + "/import", 0700));
  CHITIN_TRY(sys::write_file_atomic(paths.home + "/import/openclaw-policy.json",
                                    plan.policy.dump(2) + "\n", 0600));
  CHITIN_TRY(sys::write_file_atomic(paths.config_file(), config_text, 0600));
  std::size_t dropped = 0;
  for (const ImportLine& line : plan.report) {
    dropped += line.action == ImportAction::kDropped ? 1 : 0;
  }
  CHITIN_TRY((log.append(audit::Event{"config.import_openclaw",
                                      "cli",
                                      "",
                                      {{"source", plan.source},
                                       {"secrets", outcome.secrets_stored},
                                       {"files", outcome.files_written},
                                       {"skills", outcome.skills_installed},
                                       {"dropped", dropped}}})));
  return outcome;
}

}  // namespace chitin::doctor
