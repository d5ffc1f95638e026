// Skills of an OpenClaw installation, scanned with Chitin's skill scanner (the rules that
// refuse "prerequisite" downloaders, password prompts and archive droppers) wherever OpenClaw
// loads them from: the shared skills folder, each workspace's skills and extra load dirs.

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <stdlib.h>

#include "doctor/findings.h"
#include "doctor/openclaw_checks.h"
#include "skills/scanner.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

std::string expand_home(const std::string& path) {
  if (path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : "") + path.substr(1);
  }
  return path;
}

// OpenClaw's discovery roots (research/openclaw.md §8.2), this installation's only.
std::vector<std::string> skill_roots(const OpenClawInstall& install) {
  const nlohmann::json& s = install.settings;
  std::vector<std::string> roots = {install.dir + "/skills"};
  std::vector<std::string> workspaces = {
      expand_home(string_setting(s, "agents.defaults.workspace", install.dir + "/workspace"))};
  for (const AgentEntry& agent : agent_entries(s)) {
    const std::string workspace = string_setting(*agent.settings, "workspace");
    workspaces.push_back(workspace.empty() ? install.dir + "/workspace-" + agent.id
                                           : expand_home(workspace));
  }
  for (const std::string& workspace : workspaces) {
    roots.push_back(workspace + "/skills");
    roots.push_back(workspace + "/.agents/skills");
  }
  if (const auto* extra = find_setting(s, "skills.load.extraDirs"); extra && extra->is_array()) {
    for (const auto& dir : *extra) {
      if (dir.is_string()) {
        roots.push_back(expand_home(dir.get<std::string>()));
      }
    }
  }
  return roots;
}

bool has_skill_md(const std::string& dir) {
  auto status = sys::status_if_exists(dir + "/SKILL.md");
  return status && *status;
}

std::string real_path(const std::string& path) {
  char buffer[PATH_MAX];
  return ::realpath(path.c_str(), buffer) != nullptr ? std::string(buffer) : std::string();
}

}  // namespace

std::string openclaw_workspace(const OpenClawInstall& install) {
  return expand_home(
      string_setting(install.settings, "agents.defaults.workspace", install.dir + "/workspace"));
}

SkillDirs openclaw_skill_dirs(const OpenClawInstall& install) {
  SkillDirs found;
  for (const std::string& root : skill_roots(install)) {
    auto fd = sys::open_file(root, O_RDONLY | O_DIRECTORY);
    if (!fd) {
      continue;
    }
    auto entries = sys::list_directory(fd->get(), 10000);
    if (!entries) {
      continue;
    }
    const std::string real_root = real_path(root);
    // A symlinked folder OpenClaw follows: a skill when it stays inside the root (scanned
    // where it really is), an escape when it leaves it.
    const auto linked = [&](const std::string& name, const std::string& dir) {
      const std::string target = real_path(dir);
      if (!target.empty() && target.starts_with(real_root + "/") && has_skill_md(target)) {
        found.skills.emplace_back(name, target);
      } else {
        found.escapes.emplace_back(dir, target);
      }
    };
    for (const auto& entry : *entries) {
      const std::string dir = root + "/" + entry.name;
      if (entry.status.is_symlink) {
        linked(entry.name, dir);
        continue;
      }
      if (!entry.status.is_directory) {
        continue;
      }
      if (has_skill_md(dir)) {
        found.skills.emplace_back(entry.name, dir);
        continue;
      }
      // A folder of skills (a "pack"): one level deeper.
      auto pack_fd = sys::open_file(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      auto pack =
          pack_fd ? sys::list_directory(pack_fd->get(), 1000)
                  : Result<std::vector<sys::DirectoryEntry>>(std::vector<sys::DirectoryEntry>{});
      for (const auto& inner : pack ? *pack : std::vector<sys::DirectoryEntry>{}) {
        const std::string inner_dir = dir + "/" + inner.name;
        if (inner.status.is_symlink) {
          linked(entry.name + "/" + inner.name, inner_dir);
        } else if (inner.status.is_directory && has_skill_md(inner_dir)) {
          found.skills.emplace_back(entry.name + "/" + inner.name, inner_dir);
        }
      }
    }
  }
  return found;
}

void check_openclaw_skills(std::vector<Finding>& out, const OpenClawInstall& install) {
  const SkillDirs found = openclaw_skill_dirs(install);
  for (const auto& [dir, target] : found.escapes) {
    out.push_back(finding("skills.workspace.symlink_escape", Severity::kWarn, kMiitSkills,
                          fmt::format("skill folder {} links outside its root", dir),
                          fmt::format("-> {}", target.empty() ? "(dangling)" : target),
                          "copy the skill in, or remove the link"));
  }
  const auto& skills = found.skills;
  if (skills.empty()) {
    return;
  }
  auto scanner = skills::Scanner::create();
  if (!scanner) {
    out.push_back(finding("skills.code_safety.scan_failed", Severity::kWarn, kMiitSkills,
                          "the skill scanner cannot start", scanner.error().describe(),
                          "reinstall Chitin"));
    return;
  }
  for (const auto& [name, dir] : skills) {
    auto scan = scanner->scan_skill(dir);
    if (!scan) {
      out.push_back(finding("skills.code_safety.scan_failed", Severity::kWarn, kMiitSkills,
                            fmt::format("skill {} could not be scanned", name),
                            scan.error().describe(), "inspect it by hand"));
      continue;
    }
    if (!scan->at_or_above(skills::Severity::kMedium)) {
      continue;
    }
    const skills::Finding& worst = scan->findings.front();
    const bool high = scan->at_or_above(skills::Severity::kHigh);
    out.push_back(
        finding("skills.code_safety", high ? Severity::kCritical : Severity::kWarn, kMiitSkills,
                fmt::format("skill {} scans {}", name, skills::to_string(worst.severity)),
                fmt::format("{}: {} {}:{} {} ({} finding(s) in all)", dir, worst.rule, worst.file,
                            worst.line, worst.message, scan->findings.size()),
                high ? fmt::format("remove it (rm -r {}) unless you have read every file; chitin "
                                   "skill scan {} shows all findings",
                                   dir, dir)
                     : fmt::format("review it: chitin skill scan {}", dir)));
  }
  out.push_back(finding("skills.unsigned", Severity::kInfo, kMiitSkills,
                        fmt::format("{} skill(s) carry no publisher signature", skills.size()),
                        "OpenClaw skills are not signed",
                        "chitin import-openclaw quarantines unsigned skills until a publisher "
                        "key is trusted"));
}

}  // namespace chitin::doctor
