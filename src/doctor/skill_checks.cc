#include "doctor/skill_checks.h"

#include <fcntl.h>
#include <fmt/core.h>

#include <set>

#include "skills/installer.h"
#include "skills/lock.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

Finding skill_finding(std::string id, Severity severity, std::string title, std::string evidence,
                      std::string remediation) {
  Finding f;
  f.check_id = std::move(id);
  f.severity = severity;
  f.miit_item = kMiitSkills;
  f.title = std::move(title);
  f.evidence = std::move(evidence);
  f.remediation = std::move(remediation);
  return f;
}

void check_unregistered(std::vector<Finding>& out, const config::StatePaths& paths,
                        const std::set<std::string>& locked) {
  auto fd = sys::open_file(paths.skills_dir(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!fd) {
    return;
  }
  auto entries = sys::list_directory(fd->get(), 10000);
  if (!entries) {
    return;
  }
  for (const auto& entry : *entries) {
    if (entry.name.starts_with(".") || locked.contains(entry.name)) {
      continue;
    }
    out.push_back(skill_finding(
        "skills.unregistered", Severity::kWarn,
        fmt::format("skills/{} was not installed with 'chitin skill install'", entry.name),
        "no entry in skills.lock, so it is never loaded or verified",
        fmt::format("remove it, or install it properly: chitin skill install {}/{}",
                    paths.skills_dir(), entry.name)));
  }
}

}  // namespace

void check_skills(std::vector<Finding>& out, const config::StatePaths& paths) {
  auto lock = skills::load_lock(paths.skills_lock_file());
  if (!lock) {
    out.push_back(skill_finding("skills.lock_unreadable", Severity::kCritical,
                                "skills.lock cannot be read", lock.error().describe(),
                                "restore skills.lock from a backup or reinstall the skills"));
    return;
  }
  if (lock->skills.empty()) {
    // Nothing installed: only folders that bypassed `skill install` can be wrong, and
    // compiling the scanner's rules (memory and time, e.g. at every gateway start) is not
    // needed to find those.
    check_unregistered(out, paths, {});
    return;
  }
  auto scanner = skills::Scanner::create();
  if (!scanner) {
    out.push_back(skill_finding("skills.scanner_unavailable", Severity::kWarn,
                                "the skill scanner cannot start", scanner.error().describe(),
                                "reinstall Chitin"));
    return;
  }
  auto loaded = skills::Installer(paths, *scanner).load(nullptr);
  if (!loaded) {
    out.push_back(skill_finding("skills.lock_unreadable", Severity::kCritical,
                                "installed skills cannot be verified", loaded.error().describe(),
                                "check skills/ and trust/"));
    return;
  }
  std::set<std::string> locked;
  for (const skills::LoadedSkill& skill : *loaded) {
    locked.insert(skill.name);
    if (!skill.ok) {
      out.push_back(skill_finding(
          "skills.integrity_failed", Severity::kCritical,
          fmt::format("skill {} no longer matches what was installed", skill.name), skill.problem,
          fmt::format("it is disabled; find out who changed it, then chitin skill remove {} "
                      "and reinstall it from its publisher",
                      skill.name)));
      continue;
    }
    if (skill.entry.quarantined) {
      out.push_back(
          skill_finding("skills.quarantined", Severity::kWarn,
                        fmt::format("skill {} is unsigned and quarantined", skill.name),
                        fmt::format("installed from {} with --allow-unsigned", skill.entry.source),
                        "ask its publisher for a signed release, or remove it"));
    }
    auto scan = scanner->scan_skill(skill.dir);
    if (scan && scan->at_or_above(skills::Severity::kHigh)) {
      const skills::Finding& worst = scan->findings.front();
      out.push_back(skill_finding(
          "skills.scan_high", Severity::kCritical,
          fmt::format("skill {} now scans {} with the current rules", skill.name,
                      skills::to_string(worst.severity)),
          fmt::format("{} {}:{} {}", worst.rule, worst.file, worst.line, worst.message),
          fmt::format("review it (chitin skill scan {}) and remove it if it is malicious",
                      skill.dir)));
    }
  }
  check_unregistered(out, paths, locked);
}

}  // namespace chitin::doctor
