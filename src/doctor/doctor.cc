#include "doctor/doctor.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "audit/verify.h"
#include "config/config.h"
#include "config/schema.h"
#include "doctor/skill_checks.h"
#include "sandbox/selftest.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

constexpr std::size_t kMaxScannedFileBytes = 1 << 20;
constexpr std::size_t kMaxScannedFiles = 10000;
constexpr std::size_t kMaxScannedBytes = std::size_t{256} << 20;

// Marks of secrets that must never sit in plaintext under the state directory (outside the
// files made to hold them). The privacy filter's catalogue will widen this (#6).
constexpr std::string_view kSecretMarks[] = {"chtn_gw_", "sk-ant-", "sk-proj-",        "AKIA",
                                             "ghp_",     "xoxb-",   "PRIVATE KEY-----"};

Finding finding(std::string id, Severity severity, int miit, std::string title,
                std::string evidence, std::string remediation) {
  return Finding{std::move(id),          severity, miit, std::move(title), std::move(evidence),
                 std::move(remediation), "",       0};
}

std::string mode_text(unsigned mode) { return fmt::format("{:04o}", mode & 07777); }

// Permission findings for a directory (want 0700) or a private file (want 0600).
void check_permissions(std::vector<Finding>& out, const std::string& path, std::string_view id,
                       bool directory, bool secret) {
  auto status = sys::status_if_exists(path);
  if (!status || !*status) {
    return;
  }
  const auto& st = **status;
  if (st.is_symlink) {
    out.push_back(finding(fmt::format("{}.symlink", id), Severity::kWarn, 3,
                          fmt::format("{} is a symlink", path), "lstat shows a symbolic link",
                          "replace the link with the real directory or file"));
    return;
  }
  const unsigned want = directory ? 0700 : 0600;
  const unsigned mode = st.mode;
  // OpenClaw's names where it has them: fs.state_dir.perms_readable (any "others can read"),
  // fs.config.perms_writable (any "others can write").
  const bool state_dir = id == "fs.state_dir";
  const bool config_file = id == "fs.config";
  const auto name = [&](std::string_view suffix) {
    if (state_dir && suffix.ends_with("_readable")) {
      return fmt::format("{}.perms_readable", id);
    }
    if (config_file && suffix.ends_with("_writable")) {
      return fmt::format("{}.perms_writable", id);
    }
    return fmt::format("{}.perms_{}", id, suffix);
  };
  Finding f;
  if ((mode & 0002) != 0) {
    f = finding(name("world_writable"), Severity::kCritical, 3,
                fmt::format("{} is writable by every user", path),
                fmt::format("mode {}", mode_text(mode)),
                fmt::format("chmod {} {} (chitin doctor --fix does this)", mode_text(want), path));
  } else if ((mode & 0020) != 0) {
    f = finding(
        name("group_writable"), secret || config_file ? Severity::kCritical : Severity::kWarn, 3,
        fmt::format("{} is writable by its group", path), fmt::format("mode {}", mode_text(mode)),
        fmt::format("chmod {} {} (chitin doctor --fix does this)", mode_text(want), path));
  } else if ((mode & 0004) != 0) {
    f = finding(
        name("world_readable"), secret || config_file ? Severity::kCritical : Severity::kWarn, 3,
        fmt::format("{} is readable by every user", path), fmt::format("mode {}", mode_text(mode)),
        fmt::format("chmod {} {} (chitin doctor --fix does this)", mode_text(want), path));
  } else if ((mode & 0040) != 0) {
    f = finding(name("group_readable"), secret ? Severity::kCritical : Severity::kWarn, 3,
                fmt::format("{} is readable by its group", path),
                fmt::format("mode {}", mode_text(mode)),
                fmt::format("chmod {} {} (chitin doctor --fix does this)", mode_text(want), path));
  } else {
    return;
  }
  f.fix_path = path;
  f.fix_mode = mode & want;
  out.push_back(std::move(f));
}

// Walks the state directory for secret marks in files not made to hold secrets. Bounded:
// files over 1 MiB are skipped, and the walk stops after 10,000 files or 256 MiB.
// What a selftest result depends on: the kernel, this boot (sysctls can change) and the
// sandbox helper binary. Empty when any of it cannot be read (then nothing is cached).
std::string selftest_key() {
  auto release = sys::read_file("/proc/sys/kernel/osrelease", 256);
  auto boot = sys::read_file("/proc/sys/kernel/random/boot_id", 256);
  auto helper = sandbox::helper_path();
  if (!release || !boot || !helper) {
    return {};
  }
  struct stat st {};
  if (::stat(helper->c_str(), &st) != 0) {
    return {};
  }
  return fmt::format("{}|{}|{}|{}|{}.{}|{}", *release, *boot, *helper, st.st_size,
                     st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino);
}

constexpr std::int64_t kSelftestCacheSeconds = 24 * 3600;

bool selftest_cached(const std::string& cache) {
  if (cache.empty()) {
    return false;
  }
  auto text = sys::read_file(cache, 4096);
  if (!text) {
    return false;
  }
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  const std::string key = selftest_key();
  return !key.empty() && json.is_object() && json.contains("key") && json["key"].is_string() &&
         json["key"].get<std::string>() == key && json.contains("time") &&
         json["time"].is_number_integer() &&
         std::time(nullptr) - json["time"].get<std::int64_t>() < kSelftestCacheSeconds &&
         std::time(nullptr) >= json["time"].get<std::int64_t>();
}

// Only a pass is remembered: a failure is checked again next time.
void remember_selftest(const std::string& cache) {
  const std::string key = selftest_key();
  if (cache.empty() || key.empty()) {
    return;
  }
  const nlohmann::json json{{"key", key}, {"time", static_cast<std::int64_t>(std::time(nullptr))}};
  (void)sys::write_file_atomic(cache, json.dump(), 0600, sys::WriteMode::kReplace);
}

void scan_for_plaintext_secrets(std::vector<Finding>& out, const config::StatePaths& paths) {
  const std::vector<std::string> skip = {paths.gateway_token_file(), paths.keys_dir(),
                                         paths.audit_dir(), paths.secrets_dir()};
  std::vector<std::string> pending = {paths.home};
  std::size_t files = 0;
  std::size_t bytes = 0;
  while (!pending.empty() && files < kMaxScannedFiles && bytes < kMaxScannedBytes) {
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
      if (std::find(skip.begin(), skip.end(), path) != skip.end()) {
        continue;
      }
      auto status = sys::status_of(path);
      if (!status || status->is_symlink) {
        continue;
      }
      if (status->is_directory) {
        pending.push_back(path);
        continue;
      }
      if (!status->is_regular || ++files > kMaxScannedFiles) {
        continue;
      }
      auto text = sys::read_file(path, kMaxScannedFileBytes);
      if (!text) {
        continue;
      }
      bytes += text->size();
      for (std::string_view mark : kSecretMarks) {
        if (text->find(mark) != std::string::npos) {
          out.push_back(finding(
              "secrets.plaintext_in_state_dir", Severity::kCritical, 3,
              fmt::format("{} holds what looks like a secret in plaintext", path),
              fmt::format("contains the mark '{}'", mark),
              "move the value into the encrypted secrets store (chitin secrets set, #9) and "
              "delete it here"));
          break;
        }
      }
    }
    ::closedir(handle);
  }
}

}  // namespace

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarn:
      return "warn";
    case Severity::kCritical:
      return "critical";
  }
  return "?";
}

int Report::count(Severity severity) const {
  int n = 0;
  for (const Finding& f : findings) {
    n += f.severity == severity ? 1 : 0;
  }
  return n;
}

nlohmann::json Report::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const Finding& f : findings) {
    list.push_back(
        {{"checkId", f.check_id},
         {"severity", to_string(f.severity)},
         {"miit", f.miit_item == 0 ? std::string() : std::string(kMiitItems[f.miit_item])},
         {"title", f.title},
         {"evidence", f.evidence},
         {"remediation", f.remediation},
         {"fixable", !f.fix_path.empty()}});
  }
  return {{"summary",
           {{"critical", count(Severity::kCritical)},
            {"warn", count(Severity::kWarn)},
            {"info", count(Severity::kInfo)}}},
          {"findings", list}};
}

std::string Report::to_text() const {
  std::string out;
  for (Severity severity : {Severity::kCritical, Severity::kWarn, Severity::kInfo}) {
    for (const Finding& f : findings) {
      if (f.severity != severity) {
        continue;
      }
      out += fmt::format("[{}] {}: {}\n", to_string(f.severity), f.check_id, f.title);
      if (!f.evidence.empty()) {
        out += fmt::format("    evidence: {}\n", f.evidence);
      }
      if (f.miit_item != 0) {
        out += fmt::format("    MIIT: {}\n", kMiitItems[f.miit_item]);
      }
      if (!f.remediation.empty()) {
        out += fmt::format("    fix: {}\n", f.remediation);
      }
    }
  }
  out += fmt::format("{} critical, {} warn, {} info\n", count(Severity::kCritical),
                     count(Severity::kWarn), count(Severity::kInfo));
  return out;
}

Result<Report> run_doctor(const config::StatePaths& paths, const Options& options) {
  Report report;
  auto& out = report.findings;
  if (!options.version.empty()) {
    out.push_back(finding("chitin.version", Severity::kInfo, 1,
                          fmt::format("Chitin {}", options.version), "",
                          "keep Chitin up to date from its official source"));
  }
  // Files and permissions.
  check_permissions(out, paths.home, "fs.state_dir", true, false);
  check_permissions(out, paths.config_file(), "fs.config", false, false);
  check_permissions(out, paths.gateway_token_file(), "fs.gateway_token", false, true);
  check_permissions(out, paths.keys_dir(), "fs.keys_dir", true, true);
  check_permissions(out, paths.audit_secret_key_file(), "fs.audit_key", false, true);
  check_permissions(out, paths.audit_dir(), "fs.audit_dir", true, false);
  check_permissions(out, paths.secrets_dir(), "fs.secrets_dir", true, true);
  check_permissions(out, paths.secrets_dir() + "/store", "fs.secrets_store", false, true);
  check_permissions(out, paths.keys_dir() + "/secrets.key", "fs.secrets_key", false, true);
  check_permissions(out, paths.keys_dir() + "/egress-ca.key", "fs.egress_ca_key", false, true);
  check_permissions(out, paths.skill_trust_dir(), "fs.skill_trust_dir", true, false);
  check_permissions(out, paths.skills_lock_file(), "fs.skills_lock", false, false);
  // Privilege.
  if (::geteuid() == 0) {
    out.push_back(finding("process.running_as_root", Severity::kWarn, 3, "Chitin runs as root",
                          "effective uid 0",
                          "run Chitin as an ordinary user; the sandbox needs no root"));
  }
  // Configuration.
  auto config = config::load_config(paths.config_file());
  if (!config) {
    out.push_back(finding("config.invalid", Severity::kCritical, 0,
                          fmt::format("{} does not load", paths.config_file()),
                          config.error().describe(), "fix the file (chitin config check)"));
  } else {
    for (const std::string& key : config::dangerous_settings(*config)) {
      out.push_back(finding("config.insecure_or_dangerous_flags", Severity::kWarn, 3,
                            fmt::format("{} is on", key), "set in chitin.toml",
                            fmt::format("remove {} unless you accept what it weakens", key)));
    }
    if (!config::is_loopback_literal(config->gateway.bind)) {
      out.push_back(finding("gateway.bind_non_loopback", Severity::kWarn, 2,
                            fmt::format("the gateway listens on {}", config->gateway.bind),
                            "TLS and token auth are required there, but it is reachable from "
                            "other machines",
                            "bind 127.0.0.1 and reach it over SSH or a VPN"));
    }
    for (const std::string& rule : config->egress.allow) {
      if (rule.starts_with("*.")) {
        out.push_back(
            finding("egress.allow_wildcard", Severity::kWarn, 3,
                    fmt::format("egress rule '{}' allows every name under a domain", rule),
                    "egress.allow in chitin.toml", "list the exact hosts tools need"));
      }
    }
  }
  // Audit trail.
  auto public_key = config::load_audit_public_key(paths);
  if (!public_key) {
    out.push_back(finding("audit.key_unreadable", Severity::kCritical, 6,
                          "the audit public key cannot be read", public_key.error().describe(),
                          "restore keys/audit.pub from a backup"));
  } else {
    auto verified = audit::verify_log(paths.audit_dir(), *public_key);
    if (!verified) {
      out.push_back(finding("audit.log_unreadable", Severity::kCritical, 6,
                            "the audit log cannot be read", verified.error().describe(),
                            "check the permissions of audit/"));
    } else if (!verified->ok()) {
      out.push_back(finding("audit.log_damaged", Severity::kCritical, 6,
                            "the audit log does not verify",
                            fmt::format("{} at seq {}: {}", audit::to_string(verified->damage),
                                        verified->bad_seq, verified->message),
                            "keep the directory as evidence, investigate, then move it aside to "
                            "start a new log"));
    } else if (verified->records == 0) {
      out.push_back(finding("audit.log_empty", Severity::kWarn, 6, "the audit log has no records",
                            "", "run chitin init, which starts the log"));
    }
  }
  // Sandbox.
  if (options.run_sandbox_selftest && !selftest_cached(options.selftest_cache)) {
    auto selftest = sandbox::run_selftest(sandbox::RunOptions{});
    if (!selftest || !selftest->ok()) {
      out.push_back(
          finding("sandbox.tier_unavailable", Severity::kCritical, 3,
                  "tools cannot be sandboxed at tier T1 on this machine, so none will run",
                  selftest ? fmt::format("tier {}; {}", selftest->tier,
                                         sandbox::required_features_missing(*selftest))
                           : selftest.error().describe(),
                  "see chitin sandbox selftest for what the kernel lacks"));
    } else {
      remember_selftest(options.selftest_cache);
    }
  }
  check_skills(out, paths);
  scan_for_plaintext_secrets(out, paths);
  return report;
}

Result<FixOutcome> apply_fixes(const config::StatePaths& paths, const Report& report) {
  FixOutcome outcome;
  nlohmann::json backup = nlohmann::json::array();
  for (const Finding& f : report.findings) {
    if (f.fix_path.empty()) {
      continue;
    }
    auto status = CHITIN_TRY(sys::status_of(f.fix_path));
    backup.push_back({{"path", f.fix_path}, {"mode", mode_text(status.mode)}});
  }
  if (backup.empty()) {
    return outcome;
  }
  // The previous modes are written before anything changes, so every fix can be undone.
  outcome.backup_file =
      fmt::format("{}/doctor-backup-{}.json", paths.home, static_cast<long>(std::time(nullptr)));
  CHITIN_TRY(sys::write_file_atomic(outcome.backup_file, backup.dump(2) + "\n", 0600,
                                    sys::WriteMode::kCreateOnly));
  for (const Finding& f : report.findings) {
    if (f.fix_path.empty()) {
      continue;
    }
    const auto status = CHITIN_TRY(sys::status_of(f.fix_path));
    if (::chmod(f.fix_path.c_str(), f.fix_mode) != 0) {
      return errno_fail(fmt::format("cannot chmod {}", f.fix_path));
    }
    outcome.fixed.push_back(
        fmt::format("{}: {} -> {}", f.fix_path, mode_text(status.mode), mode_text(f.fix_mode)));
  }
  return outcome;
}

}  // namespace chitin::doctor
