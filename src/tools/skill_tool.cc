#include "tools/skill_tool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "base/log.h"
#include "skills/installer.h"
#include "skills/script_check.h"
#include "sys/file_ops.h"
#include "tools/egress_run.h"
#include "tools/workspace_files.h"

namespace chitin::tools {

namespace {

constexpr std::string_view kWorkspaceRoot = "{workspace}";
constexpr std::string_view kPath = "/usr/local/bin:/usr/bin:/bin";
// Interpreters of a skill's own scripts, always runnable (the scanner accepts them too).
constexpr std::string_view kShells[] = {"sh", "bash", "dash"};

// `name` looked up in the sandbox's PATH (the same files on the host: /usr is bound).
std::string resolve_program(std::string_view name) {
  std::size_t start = 0;
  while (start <= kPath.size()) {
    const std::size_t colon = std::min(kPath.find(':', start), kPath.size());
    const std::string candidate = fmt::format("{}/{}", kPath.substr(start, colon - start), name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = colon + 1;
  }
  return {};
}

// The names the skill may run: the baseline, the shells, its declared programs.
std::set<std::string, std::less<>> runnable_names(const skills::Permissions& permissions) {
  std::set<std::string, std::less<>> names;
  for (std::string_view name : skills::baseline_commands()) {
    names.emplace(name);
  }
  for (std::string_view shell : kShells) {
    names.emplace(shell);
  }
  names.insert(permissions.exec.begin(), permissions.exec.end());
  return names;
}

Result<void> check_program(const AgentSkill& skill, const std::string& program,
                           const std::set<std::string, std::less<>>& names,
                           const std::vector<std::string>& executables) {
  const std::string skill_prefix = std::string(sandbox::kSkillMount) + "/";
  const bool dotted = program.find("/../") != std::string::npos || program.ends_with("/..") ||
                      program.find("/./") != std::string::npos;
  if ((program.starts_with(skill_prefix) && !dotted) ||
      std::find(executables.begin(), executables.end(), program) != executables.end() ||
      (program.find('/') == std::string::npos && names.contains(program))) {
    return {};
  }
  std::string declared;
  for (const std::string& name : skill.permissions.exec) {
    declared += (declared.empty() ? "" : ", ") + name;
  }
  return fail(ErrorCode::kPermission,
              "skill '{}' may run only its own files ({}...), the POSIX baseline, sh/bash and "
              "the programs it declares in permissions.exec ({}); '{}' is none of these",
              skill.name, skill_prefix, declared.empty() ? "none" : declared,
              log::escaped(program, 128));
}

// Maps the manifest's {workspace} paths onto the policy; creates declared writable
// directories that do not exist yet (beneath the workspace, never through a symlink).
Result<void> map_workspace(const skills::Permissions& permissions, const std::string& workspace,
                           sandbox::SandboxPolicy& policy) {
  policy.workspace_access = sandbox::WorkspaceAccess::kNone;
  const auto relative = [](const std::string& path) -> std::optional<std::string> {
    if (path == kWorkspaceRoot) {
      return std::string();
    }
    if (path.starts_with(std::string(kWorkspaceRoot) + "/")) {
      return path.substr(kWorkspaceRoot.size() + 1);
    }
    return std::nullopt;  // {skill}/...: the folder is bound read-only as a whole
  };
  for (const std::string& path : permissions.fs_read) {
    if (const auto rel = relative(path)) {
      if (rel->empty()) {
        if (policy.workspace_access == sandbox::WorkspaceAccess::kNone) {
          policy.workspace_access = sandbox::WorkspaceAccess::kReadOnly;
        }
      } else {
        policy.workspace_read.push_back(*rel);
      }
    }
  }
  std::optional<Workspace> files;
  UniqueFd root;
  for (const std::string& path : permissions.fs_write) {
    const auto rel = relative(path);
    if (!rel) {
      continue;
    }
    if (rel->empty()) {
      policy.workspace_access = sandbox::WorkspaceAccess::kReadWrite;
      continue;
    }
    policy.workspace_write.push_back(*rel);
    if (!files) {
      files = CHITIN_TRY(Workspace::open(workspace));
      root = CHITIN_TRY(sys::open_file(workspace, O_PATH | O_DIRECTORY));
    }
    auto existing = sys::open_beneath(root.get(), *rel, O_PATH, 0, true);
    if (!existing && existing.error().sys_errno == ENOENT) {
      CHITIN_RETURN_IF_ERROR(files->make_directories(*rel));
    }
  }
  return {};
}

}  // namespace

Result<std::vector<AgentSkill>> load_agent_skills(const config::StatePaths& paths,
                                                  audit::AuditLog* log) {
  std::vector<AgentSkill> out;
  for (skills::LoadedSkill& loaded : CHITIN_TRY(skills::load_installed(paths, log))) {
    if (!loaded.ok || !loaded.document || loaded.document->disable_model_invocation) {
      continue;
    }
    AgentSkill skill;
    skill.name = loaded.name;
    skill.description = loaded.document->description;
    skill.dir = loaded.dir;
    skill.folder = loaded.folder;
    skill.manifest = loaded.entry.manifest;
    skill.quarantined = loaded.entry.quarantined;
    skill.permissions = loaded.document->permissions;
    out.push_back(std::move(skill));
  }
  return out;
}

std::string skills_prompt(const std::vector<AgentSkill>& skills) {
  if (skills.empty()) {
    return {};
  }
  std::string text =
      "# Skills\n\nInstalled skills. When one fits the task, read its instructions with "
      "skill_read first, then follow them; run its commands with skill_exec (its folder is "
      "/skill, the workspace /workspace; it can use only what it declares).\n\n";
  for (const AgentSkill& skill : skills) {
    if (skill.quarantined) {
      // Its description is unsigned text: it stays out of the prompt, where it would steer the
      // turn without tainting it.
      text += fmt::format(
          "- {}: (quarantined: installed unsigned; description withheld; its "
          "files are untrusted and each use needs the user's approval)\n",
          skill.name);
      continue;
    }
    std::string description = skill.description.substr(0, kMaxSkillDescriptionBytes);
    std::replace(description.begin(), description.end(), '\n', ' ');
    text += fmt::format("- {}: {}\n", skill.name, description);
  }
  return text;
}

const AgentSkill* find_skill(const std::vector<AgentSkill>& skills, std::string_view name) {
  const auto it = std::find_if(skills.begin(), skills.end(),
                               [&](const AgentSkill& skill) { return skill.name == name; });
  return it == skills.end() ? nullptr : &*it;
}

Result<std::string> read_skill_file(const AgentSkill& skill, std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "skill_read: 'path' is a file in the skill's folder, relative (e.g. SKILL.md)");
  }
  if (!skill.folder) {
    return fail(ErrorCode::kUnavailable, "skill '{}' was not loaded through the verifier",
                skill.name);
  }
  auto fd =
      sys::open_beneath(skill.folder->get(), std::string(path), O_RDONLY | O_NONBLOCK, 0, true);
  if (!fd) {
    return fail(ErrorCode::kNotFound, "skill_read: skill '{}' has no file '{}'", skill.name,
                log::escaped(path, 256));
  }
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "skill_read: '{}' is not a regular file",
                log::escaped(path, 256));
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxSkillFileBytes) {
    return fail(ErrorCode::kLimitExceeded, "skill_read: '{}' is {} bytes; at most {} are read",
                log::escaped(path, 256), st.st_size, kMaxSkillFileBytes);
  }
  std::string text = CHITIN_TRY(sys::read_all(fd->get(), kMaxSkillFileBytes, path));
  // OpenClaw's {baseDir}, and the manifest's own {skill} and {workspace}.
  const std::pair<std::string_view, std::string_view> placeholders[] = {
      {"{baseDir}", sandbox::kSkillMount},
      {"{skill}", sandbox::kSkillMount},
      {"{workspace}", sandbox::kWorkspaceMount}};
  for (const auto& [placeholder, value] : placeholders) {
    for (std::size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

Result<sandbox::SandboxPolicy> skill_policy(const AgentSkill& skill,
                                            const std::vector<std::string>& argv,
                                            const SkillRunSetup& setup) {
  if (argv.empty()) {
    return fail(ErrorCode::kInvalidInput, "skill_exec: argv is empty");
  }
  // The sandbox binds the folder by path: it must still be the one verified.
  struct stat pinned {};
  struct stat now {};
  if (!skill.folder || ::fstat(skill.folder->get(), &pinned) != 0 ||
      ::lstat(skill.dir.c_str(), &now) != 0 || pinned.st_dev != now.st_dev ||
      pinned.st_ino != now.st_ino) {
    return fail(ErrorCode::kUnavailable,
                "skill '{}' changed since this turn verified it (reinstalled or removed); it "
                "is verified again at the next turn",
                skill.name);
  }
  const skills::Permissions& permissions = skill.permissions;
  sandbox::SandboxPolicy policy = base_policy(setup.exec.workspace, setup.exec.limits);
  policy.argv = argv;
  policy.skill_dir = skill.dir;
  policy.env.push_back(fmt::format("CHITIN_SKILL_DIR={}", sandbox::kSkillMount));
  if (permissions.timeout_s) {
    policy.timeout_ms = std::uint64_t{*permissions.timeout_s} * 1000;
  }
  if (permissions.memory_mb) {
    // Never above the operator's [sandbox] memory limit.
    policy.memory_mb = std::min<std::uint64_t>(*permissions.memory_mb, policy.memory_mb);
  }
  const auto names = runnable_names(permissions);
  for (const std::string& name : names) {
    if (std::string path = resolve_program(name); !path.empty()) {
      policy.executables.push_back(std::move(path));
    }
  }
  if (policy.executables.empty()) {
    return fail(ErrorCode::kUnavailable,
                "none of the programs skill '{}' may run was found on this machine", skill.name);
  }
  CHITIN_RETURN_IF_ERROR(check_program(skill, argv.front(), names, policy.executables));
  CHITIN_RETURN_IF_ERROR(map_workspace(permissions, setup.exec.workspace, policy));
  CHITIN_RETURN_IF_ERROR(sandbox::validate_policy(policy));
  return policy;
}

Result<ExecOutcome> run_skill(const AgentSkill& skill, const std::vector<std::string>& argv,
                              const SkillRunSetup& setup) {
  sandbox::SandboxPolicy policy = CHITIN_TRY(skill_policy(skill, argv, setup));
  std::vector<egress::GrantedSecret> grants;
  if (!skill.permissions.secrets.empty()) {
    if (setup.store == nullptr) {
      return fail(ErrorCode::kUnavailable,
                  "skill '{}' declares secrets ({}...) but no secrets store is open; store them "
                  "with 'chitin secrets set NAME --hosts HOST'",
                  skill.name, skill.permissions.secrets.front());
    }
    grants = CHITIN_TRY(grant_secrets(*setup.store, skill.permissions.secrets,
                                      fmt::format("skill '{}': secret", skill.name)));
    add_secret_placeholders(grants, policy);
  }
  std::unique_ptr<EgressRun> egress;
  if (!skill.permissions.hosts.empty()) {
    EgressRunOptions options;
    options.rules = CHITIN_TRY(egress::parse_rules(skill.permissions.hosts));
    options.allow_private_addresses = setup.exec.allow_private_addresses;
    options.audit = setup.exec.audit;
    options.actor = fmt::format("skill:{}", skill.name);
    options.session = setup.exec.session;
    options.stored_secrets = setup.exec.stored_secrets;
    options.privacy_cache_dir = setup.exec.privacy_cache_dir;
    options.secrets = std::move(grants);
    options.keys_dir = setup.keys_dir;
    egress = CHITIN_TRY(EgressRun::start(std::move(options)));
    egress->apply_to(policy);
  }
  return run_captured(policy, setup.exec.helper, setup.exec.max_output_bytes);
}

}  // namespace chitin::tools
