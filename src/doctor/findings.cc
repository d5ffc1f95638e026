#include "doctor/findings.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include "sys/file_ops.h"

namespace chitin::doctor {

Finding finding(std::string id, Severity severity, int miit, std::string title,
                std::string evidence, std::string remediation) {
  return Finding{std::move(id),          severity, miit, std::move(title), std::move(evidence),
                 std::move(remediation), "",       0};
}

std::string mode_text(unsigned mode) { return fmt::format("{:04o}", mode & 07777); }

void check_permissions(std::vector<Finding>& out, const std::string& path,
                       const PermissionCheck& check) {
  auto status = sys::status_if_exists(path);
  if (!status || !*status) {
    return;
  }
  unsigned mode = (*status)->mode;
  const bool link = (*status)->is_symlink;
  if (link) {
    out.push_back(finding(fmt::format("{}.symlink", check.id), Severity::kWarn, kMiitPrivilege,
                          fmt::format("{} is a symlink", path), "lstat shows a symbolic link",
                          "replace the link with the real directory or file"));
    // What it points to is what others can read or change.
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0) {
      return;
    }
    mode = target.st_mode & 07777;
  }
  const unsigned want = check.directory ? 0700 : 0600;
  const std::string remediation =
      fmt::format("chmod {} {} (doctor --fix does this)", mode_text(mode & want), path);
  const auto add = [&](std::string suffix, Severity severity, std::string_view who) {
    Finding f = finding(fmt::format("{}.perms_{}", check.id, suffix), severity, 3,
                        fmt::format("{} is {} by {}", path,
                                    suffix.ends_with("writable") ? "writable" : "readable", who),
                        fmt::format("mode {}", mode_text(mode)), remediation);
    if (!link && (*status)->is_directory == check.directory) {
      // --fix never chmods through a link (it could point anywhere), nor a directory named
      // where a file was expected (logging.file: "/home/user")
      f.fix_path = path;
      f.fix_mode = mode & want;
    } else {
      f.remediation = "replace the link with the real file, then chmod it";
    }
    out.push_back(std::move(f));
  };
  const bool weighty = check.secret || check.sensitive;
  if ((mode & 0002) != 0) {
    add(check.merge_writable ? "writable" : "world_writable", Severity::kCritical, "every user");
  } else if ((mode & 0020) != 0) {
    add(check.merge_writable ? "writable" : "group_writable",
        weighty ? Severity::kCritical : Severity::kWarn, "its group");
  }
  if ((mode & 0004) != 0) {
    add(check.merge_readable ? "readable" : "world_readable",
        weighty ? Severity::kCritical : Severity::kWarn, "every user");
  } else if ((mode & 0040) != 0) {
    add(check.merge_readable ? "readable" : "group_readable",
        check.secret ? Severity::kCritical : Severity::kWarn, "its group");
  }
}

WalkOutcome walk_files(const std::string& root,
                       const std::function<bool(const std::string&)>& prune,
                       const std::function<void(const std::string&, std::string_view)>& visit,
                       const WalkLimits& limits) {
  WalkOutcome outcome;
  std::vector<std::string> pending = {root};
  while (!pending.empty()) {
    if (outcome.files >= limits.max_files || outcome.bytes >= limits.max_bytes) {
      outcome.truncated = true;
      break;
    }
    const std::string dir = pending.back();
    pending.pop_back();
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
      continue;
    }
    while (const dirent* entry = ::readdir(handle)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") {
        continue;
      }
      const std::string path = dir + "/" + name;
      auto status = sys::status_of(path);
      if (!status || status->is_symlink) {
        continue;
      }
      if (status->is_directory) {
        if (!prune(path)) {
          pending.push_back(path);
        }
        continue;
      }
      if (!status->is_regular) {
        continue;
      }
      if (outcome.files >= limits.max_files || outcome.bytes >= limits.max_bytes) {
        outcome.truncated = true;
        break;
      }
      auto text = sys::read_regular_file(path, limits.max_file_bytes);
      if (!text) {
        outcome.skipped_large +=
            static_cast<std::size_t>(status->size) > limits.max_file_bytes ? 1 : 0;
        continue;
      }
      ++outcome.files;
      outcome.bytes += text->size();
      visit(path, *text);
    }
    ::closedir(handle);
  }
  return outcome;
}

}  // namespace chitin::doctor
