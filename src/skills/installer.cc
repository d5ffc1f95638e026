#include "skills/installer.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <stdio.h>
#include <sys/stat.h>

#include "audit/record.h"
#include "base/crypto.h"
#include "base/log.h"
#include "skills/archive.h"
#include "skills/trust_store.h"
#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

constexpr std::size_t kMaxCopyFiles = 2000;
constexpr std::uint64_t kMaxCopyBytes = 64ULL << 20;
constexpr std::size_t kMaxCopyDepth = 16;

tl::unexpected<StageFailure> refuse(Refusal refusal, Error error, ScanReport scan = {}) {
  return tl::make_unexpected(StageFailure{refusal, std::move(error), std::move(scan)});
}

tl::unexpected<StageFailure> refuse(Refusal refusal, std::string message) {
  return refuse(refusal, Error{ErrorCode::kInvalidInput, 0, std::move(message)});
}

// Copies a source folder: regular files and directories only (a symlink or special file is an
// error, as in a signed manifest), within the same limits as archives.
struct TreeCopy {
  std::size_t files = 0;
  std::size_t directories = 0;
  std::uint64_t bytes = 0;

  Result<void> copy(int from_fd, int to_fd, const std::string& prefix, std::size_t depth) {
    if (depth > kMaxCopyDepth) {
      return fail(ErrorCode::kLimitExceeded, "{} is nested deeper than {} levels", prefix,
                  kMaxCopyDepth);
    }
    for (const auto& entry : CHITIN_TRY(sys::list_directory(from_fd, kMaxCopyFiles + 1))) {
      const std::string path = prefix.empty() ? entry.name : prefix + "/" + entry.name;
      CHITIN_RETURN_IF_ERROR(check_relative_path(path, BundleLimits{}.max_path_bytes));
      if (entry.status.is_symlink || (!entry.status.is_directory && !entry.status.is_regular)) {
        return fail(ErrorCode::kInvalidInput,
                    "{} is a symlink or special file; skills may hold only regular files and "
                    "directories",
                    path);
      }
      if (entry.status.is_directory) {
        if (++directories > kMaxCopyFiles) {
          return fail(ErrorCode::kLimitExceeded, "the skill has more than {} directories",
                      kMaxCopyFiles);
        }
        CHITIN_RETURN_IF_ERROR(sys::make_directory_at(to_fd, entry.name, 0755));
        UniqueFd from = CHITIN_TRY(sys::open_at(from_fd, entry.name, O_RDONLY | O_DIRECTORY));
        UniqueFd to = CHITIN_TRY(sys::open_at(to_fd, entry.name, O_RDONLY | O_DIRECTORY));
        CHITIN_RETURN_IF_ERROR(copy(from.get(), to.get(), path, depth + 1));
        continue;
      }
      if (++files > kMaxCopyFiles) {
        return fail(ErrorCode::kLimitExceeded, "the skill has more than {} files", kMaxCopyFiles);
      }
      UniqueFd from = CHITIN_TRY(sys::open_at(from_fd, entry.name, O_RDONLY | O_NONBLOCK));
      const std::string content = CHITIN_TRY(sys::read_all(from.get(), kMaxCopyBytes, path));
      bytes += content.size();
      if (bytes > kMaxCopyBytes) {
        return fail(ErrorCode::kLimitExceeded, "the skill is larger than {} bytes", kMaxCopyBytes);
      }
      const mode_t mode = (entry.status.mode & 0100) != 0 ? 0755 : 0644;
      UniqueFd to = CHITIN_TRY(sys::open_at(to_fd, entry.name, O_WRONLY | O_CREAT | O_EXCL, mode));
      CHITIN_RETURN_IF_ERROR(sys::write_all(to.get(), content));
      if (::fchmod(to.get(), mode) != 0) {
        return errno_fail("cannot set the mode of " + path);
      }
    }
    return {};
  }
};

Result<void> copy_source(const std::string& source, const std::string& into) {
  const sys::FileStatus status = CHITIN_TRY(sys::status_of(source));
  if (status.is_symlink) {
    return fail(ErrorCode::kInvalidInput, "{} is a symlink; give the path it points to", source);
  }
  if (status.is_directory) {
    UniqueFd from = CHITIN_TRY(sys::open_file(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    UniqueFd to = CHITIN_TRY(sys::open_file(into, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
    TreeCopy copy;
    return copy.copy(from.get(), to.get(), "", 0);
  }
  if (status.is_regular && is_archive_path(source)) {
    const ExtractLimits limits;
    const std::string bytes = CHITIN_TRY(sys::read_file(source, limits.max_archive_bytes));
    CHITIN_TRY(extract_archive(bytes, into, limits));
    return {};
  }
  return fail(ErrorCode::kInvalidInput,
              "{} is neither a directory nor a .zip, .tar.gz, .tgz or .tar archive", source);
}

// The skill inside what was unpacked: SKILL.md at the top, or in a single top-level folder.
Result<std::string> find_skill_root(const std::string& unpacked) {
  if (CHITIN_TRY(sys::status_if_exists(unpacked + "/SKILL.md"))) {
    return unpacked;
  }
  UniqueFd fd = CHITIN_TRY(sys::open_file(unpacked, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  const auto entries = CHITIN_TRY(sys::list_directory(fd.get(), 2));
  if (entries.size() == 1 && entries[0].status.is_directory) {
    const std::string inner = unpacked + "/" + entries[0].name;
    if (CHITIN_TRY(sys::status_if_exists(inner + "/SKILL.md"))) {
      return inner;
    }
  }
  return fail(ErrorCode::kInvalidInput,
              "no SKILL.md at the top of the source or in its single top-level folder");
}

// The signed trusted comment must name this skill; version= and manifest=, when present, must
// match too (they are signed, so a mismatch means the comment was made for something else).
Result<void> check_trusted_comment(const VerifyOutcome& signature, const SkillDocument& doc) {
  const std::string& comment = signature.trusted_comment;
  auto field = [&comment](std::string_view key) -> std::optional<std::string> {
    std::size_t start = 0;
    while (start < comment.size()) {
      const std::size_t end = std::min(comment.find_first_of(" \t", start), comment.size());
      const std::string_view token = std::string_view(comment).substr(start, end - start);
      if (token.size() > key.size() && token.starts_with(key) && token[key.size()] == '=') {
        return std::string(token.substr(key.size() + 1));
      }
      start = end + 1;
    }
    return std::nullopt;
  };
  const auto name = field("skill");
  const auto version = field("version");
  const auto manifest = field("manifest");
  const std::string expected_version = doc.version.empty() ? "unversioned" : doc.version;
  if (!name || *name != doc.name || (version && *version != expected_version) ||
      (manifest && *manifest != signature.manifest_hash)) {
    return fail(ErrorCode::kIntegrity,
                "the signature's trusted comment '{}' does not match skill '{}' version '{}' "
                "(sign with 'chitin skill sign', or with minisign -t 'skill=NAME version=VERSION "
                "manifest=HASH' as 'chitin skill manifest' prints it)",
                log::escaped(comment, 160), doc.name, expected_version);
  }
  return {};
}

nlohmann::json install_details(const StagedSkill& staged, const LockEntry& entry,
                               const std::string& approved_by) {
  const auto max = staged.scan.max_severity();
  return {
      {"name", staged.document.name},
      {"version", entry.version},
      {"signer", entry.signer},
      {"key_id", entry.key_id},
      {"manifest", entry.manifest},
      {"quarantined", entry.quarantined},
      {"source", entry.source},
      {"approved_by", approved_by},
      {"replaces", staged.installed ? nlohmann::json(staged.installed->version) : nlohmann::json()},
      {"widening", staged.widening},
      {"scan_max_severity", max ? nlohmann::json(to_string(*max)) : nlohmann::json()},
      {"permissions", to_json(entry.permissions)}};
}

}  // namespace

StagedSkill::~StagedSkill() {
  if (!staging_root_.empty()) {
    if (auto removed = sys::remove_tree(staging_root_); !removed) {
      CHITIN_LOG(kWarn, "cannot remove the staging directory {}: {}", staging_root_,
                 removed.error().describe());
    }
  }
}

tl::expected<StagedSkill, StageFailure> Installer::stage(const std::string& source,
                                                         const StageOptions& options) const {
  if (auto made = sys::ensure_directory(paths_.skills_dir(), 0700); !made) {
    return refuse(Refusal::kUnsafeSource, made.error());
  }
  StagedSkill staged;
  staged.source = source;
  staged.staging_root_ = paths_.skills_dir() + "/.staging-" + crypto::random_token("", 9);
  if (auto made = sys::ensure_directory(staged.staging_root_, 0700); !made) {
    staged.staging_root_.clear();
    return refuse(Refusal::kUnsafeSource, made.error());
  }
  const std::string unpacked = staged.staging_root_ + "/skill";
  if (auto made = sys::ensure_directory(unpacked, 0755); !made) {
    return refuse(Refusal::kUnsafeSource, made.error());
  }
  if (auto copied = copy_source(source, unpacked); !copied) {
    return refuse(Refusal::kUnsafeSource, copied.error());
  }
  auto root = find_skill_root(unpacked);
  if (!root) {
    return refuse(Refusal::kUnsafeSource, root.error());
  }
  staged.skill_dir_ = *root;
  auto text = sys::read_regular_file(staged.skill_dir_ + "/SKILL.md", kMaxSkillMdBytes);
  if (!text) {
    return refuse(Refusal::kUnsafeSource, text.error());
  }
  auto document = parse_skill_md(*text, "SKILL.md");
  if (!document) {
    return refuse(Refusal::kUnsafeSource, document.error());
  }
  staged.document = std::move(*document);

  auto keys = TrustStore(paths_.skill_trust_dir()).list();
  if (!keys) {
    return refuse(Refusal::kSignature, keys.error());
  }
  staged.signature = verify_skill(staged.skill_dir_, *keys);
  if (staged.signature.status == VerifyStatus::kUnsigned) {
    if (!options.allow_unsigned) {
      return refuse(Refusal::kUnsigned,
                    fmt::format("skill '{}' is unsigned; install only skills signed by a "
                                "publisher you trust, or pass --allow-unsigned to install it "
                                "quarantined (every use then needs your approval)",
                                staged.document.name));
    }
  } else if (!staged.signature.ok()) {
    return refuse(
        Refusal::kSignature,
        fmt::format("skill '{}' failed signature verification ({}): {}", staged.document.name,
                    to_string(staged.signature.status), staged.signature.detail));
  } else if (auto comment = check_trusted_comment(staged.signature, staged.document); !comment) {
    return refuse(Refusal::kSignature, comment.error());
  }

  auto scan = scanner_.scan_skill(staged.skill_dir_);
  if (!scan) {
    return refuse(Refusal::kScan, scan.error());
  }
  staged.scan = std::move(*scan);
  if (staged.scan.at_or_above(options.refuse_at)) {
    return refuse(Refusal::kScan,
                  Error{ErrorCode::kPermission, 0,
                        fmt::format("skill '{}' was refused: the scanner found {} issue(s) at "
                                    "or above {}",
                                    staged.document.name, staged.scan.findings.size(),
                                    to_string(options.refuse_at))},
                  staged.scan);
  }
  auto lock = load_lock(paths_.skills_lock_file());
  if (!lock) {
    return refuse(Refusal::kUnsafeSource, lock.error());
  }
  if (const auto it = lock->skills.find(staged.document.name); it != lock->skills.end()) {
    staged.installed = it->second;
    staged.widening = widening(it->second.permissions, staged.document.permissions);
  }
  return staged;
}

Result<LockEntry> Installer::commit(StagedSkill& staged, audit::AuditLog& log,
                                    const std::string& approved_by) const {
  if (staged.skill_dir_.empty()) {
    return fail(ErrorCode::kInternal, "this staged skill was already committed");
  }
  LockEntry entry;
  entry.version = staged.document.version;
  entry.quarantined = staged.quarantined();
  entry.source = staged.source;
  entry.installed_at = audit::now_rfc3339();
  entry.permissions = staged.document.permissions;
  if (entry.quarantined) {
    // Chitin writes the manifest itself so that later changes are still detected.
    entry.manifest = CHITIN_TRY(write_local_manifest(staged.skill_dir_));
    CHITIN_RETURN_IF_ERROR(sys::remove_tree(staged.skill_dir_ + "/" + std::string(kSignatureFile)));
  } else {
    entry.signer = staged.signature.signer;
    entry.key_id = staged.signature.key_id;
    entry.manifest = staged.signature.manifest_hash;
  }
  CHITIN_TRY(log.append(
      audit::Event{"skill.install", "cli", "", install_details(staged, entry, approved_by)}));

  const std::string target = paths_.skills_dir() + "/" + staged.document.name;
  const std::string previous = staged.staging_root_ + "/previous";
  const bool replacing = CHITIN_TRY(sys::status_if_exists(target)).has_value();
  if (replacing && ::rename(target.c_str(), previous.c_str()) != 0) {
    return errno_fail(fmt::format("cannot move the installed {} aside", target));
  }
  if (::rename(staged.skill_dir_.c_str(), target.c_str()) != 0) {
    const auto error = errno_fail(fmt::format("cannot move the skill into {}", target));
    if (replacing) {
      ::rename(previous.c_str(), target.c_str());  // put the old version back
    }
    return error;
  }
  staged.skill_dir_.clear();
  CHITIN_RETURN_IF_ERROR(sys::fsync_directory(paths_.skills_dir()));
  SkillsLock lock = CHITIN_TRY(load_lock(paths_.skills_lock_file()));
  lock.skills[staged.document.name] = entry;
  CHITIN_RETURN_IF_ERROR(save_lock(paths_.skills_lock_file(), lock));
  return entry;
}

Result<std::vector<LoadedSkill>> Installer::load(audit::AuditLog* log) const {
  return load_installed(paths_, log);
}

Result<std::vector<LoadedSkill>> load_installed(const config::StatePaths& paths,
                                                audit::AuditLog* log) {
  const SkillsLock lock = CHITIN_TRY(load_lock(paths.skills_lock_file()));
  auto keys = TrustStore(paths.skill_trust_dir()).list();
  std::vector<LoadedSkill> loaded;
  for (const auto& [name, entry] : lock.skills) {
    LoadedSkill skill{name, entry, paths.skills_dir() + "/" + name, nullptr, false, {}, {}};
    auto folder = sys::open_file(skill.dir, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    if (!folder) {
      skill.problem = "its folder is missing or not a directory";
    } else if (!entry.quarantined && !keys) {
      skill.problem = "the trust store cannot be read: " + keys.error().message;
    } else {
      skill.folder = std::make_shared<const UniqueFd>(std::move(*folder));
      // Through the descriptor ("/." so that readers opening the folder O_NOFOLLOW still
      // pass through the /proc magic link, which is not the final component).
      const std::string via = fmt::format("/proc/self/fd/{}/.", skill.folder->get());
      const VerifyOutcome outcome =
          entry.quarantined ? verify_files(via) : verify_skill(via, *keys);
      if (!outcome.ok()) {
        skill.problem = fmt::format("{}: {}", to_string(outcome.status), outcome.detail);
      } else if (outcome.manifest_hash != entry.manifest) {
        skill.problem = "its manifest differs from the one recorded at install";
      } else if (!entry.quarantined && outcome.key_id != entry.key_id) {
        skill.problem = fmt::format("it is now signed by key {}, not by {} as installed",
                                    outcome.key_id, entry.key_id);
      } else if (auto text = sys::read_regular_file(via + "/SKILL.md", kMaxSkillMdBytes); !text) {
        skill.problem = text.error().describe();
      } else if (auto doc = parse_skill_md(*text, skill.dir + "/SKILL.md"); !doc) {
        skill.problem = doc.error().message;
      } else {
        skill.ok = true;
        skill.document = std::move(*doc);
      }
    }
    if (!skill.ok && log != nullptr) {
      CHITIN_TRY(log->append(audit::Event{
          "skill.integrity_failed", "chitin", "", {{"name", name}, {"problem", skill.problem}}}));
    }
    loaded.push_back(std::move(skill));
  }
  return loaded;
}

Result<void> Installer::remove(const std::string& name, audit::AuditLog& log) const {
  CHITIN_RETURN_IF_ERROR(check_skill_name(name));
  SkillsLock lock = CHITIN_TRY(load_lock(paths_.skills_lock_file()));
  const std::string dir = paths_.skills_dir() + "/" + name;
  const auto it = lock.skills.find(name);
  const bool present = CHITIN_TRY(sys::status_if_exists(dir)).has_value();
  if (it == lock.skills.end() && !present) {
    return fail(ErrorCode::kNotFound, "no skill named '{}' is installed (see 'chitin skill list')",
                name);
  }
  CHITIN_TRY(log.append(
      audit::Event{"skill.remove",
                   "cli",
                   "",
                   {{"name", name},
                    {"version", it == lock.skills.end() ? nlohmann::json()
                                                        : nlohmann::json(it->second.version)}}}));
  if (present) {
    const std::string doomed = paths_.skills_dir() + "/.removing-" + crypto::random_token("", 9);
    if (::rename(dir.c_str(), doomed.c_str()) != 0) {
      return errno_fail("cannot remove " + dir);
    }
    CHITIN_RETURN_IF_ERROR(sys::remove_tree(doomed));
  }
  lock.skills.erase(name);
  return save_lock(paths_.skills_lock_file(), lock);
}

}  // namespace chitin::skills
