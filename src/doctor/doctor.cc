#include "doctor/doctor.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "audit/verify.h"
#include "base/unique_fd.h"
#include "config/config.h"
#include "config/schema.h"
#include "doctor/findings.h"
#include "doctor/skill_checks.h"
#include "sandbox/selftest.h"
#include "sys/file_ops.h"

namespace chitin::doctor {

namespace {

// Marks of secrets that must never sit in plaintext under the state directory (outside the
// files made to hold them). The privacy filter's catalogue will widen this (#6).
constexpr std::string_view kSecretMarks[] = {"chtn_gw_", "sk-ant-", "sk-proj-",        "AKIA",
                                             "ghp_",     "xoxb-",   "PRIVATE KEY-----"};

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

// Walks the state directory for secret marks in files not made to hold secrets. Bounded:
// files over 1 MiB are skipped, and the walk stops after 10,000 files or 256 MiB.
void scan_for_plaintext_secrets(std::vector<Finding>& out, const config::StatePaths& paths) {
  const std::vector<std::string> skip = {paths.gateway_token_file(), paths.keys_dir(),
                                         paths.audit_dir(), paths.secrets_dir()};
  const auto skipped = [&](const std::string& path) {
    return std::find(skip.begin(), skip.end(), path) != skip.end();
  };
  walk_files(
      paths.home, skipped,
      [&](const std::string& path, std::string_view text) {
        if (skipped(path)) {
          return;
        }
        for (std::string_view mark : kSecretMarks) {
          if (text.find(mark) != std::string_view::npos) {
            out.push_back(
                finding("secrets.plaintext_in_state_dir", Severity::kCritical, kMiitPrivilege,
                        fmt::format("{} holds what looks like a secret in plaintext", path),
                        fmt::format("contains the mark '{}'", mark),
                        "move the value into the encrypted secrets store (chitin secrets set) and "
                        "delete it here"));
            return;
          }
        }
      },
      WalkLimits{});
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
    out.push_back(finding("chitin.version", Severity::kInfo, kMiitOfficialBuilds,
                          fmt::format("Chitin {}", options.version), "",
                          "keep Chitin up to date from its official source"));
  }
  // Files and permissions.
  check_permissions(out, paths.home,
                    {.id = "fs.state_dir", .directory = true, .merge_readable = true});
  check_permissions(out, paths.config_file(),
                    {.id = "fs.config", .merge_writable = true, .sensitive = true});
  check_permissions(out, paths.gateway_token_file(), {.id = "fs.gateway_token", .secret = true});
  check_permissions(out, paths.keys_dir(),
                    {.id = "fs.keys_dir", .directory = true, .secret = true});
  check_permissions(out, paths.audit_secret_key_file(), {.id = "fs.audit_key", .secret = true});
  check_permissions(out, paths.audit_dir(), {.id = "fs.audit_dir", .directory = true});
  check_permissions(out, paths.secrets_dir(),
                    {.id = "fs.secrets_dir", .directory = true, .secret = true});
  check_permissions(out, paths.secrets_dir() + "/store",
                    {.id = "fs.secrets_store", .secret = true});
  check_permissions(out, paths.keys_dir() + "/secrets.key",
                    {.id = "fs.secrets_key", .secret = true});
  check_permissions(out, paths.keys_dir() + "/egress-ca.key",
                    {.id = "fs.egress_ca_key", .secret = true});
  check_permissions(out, paths.skill_trust_dir(), {.id = "fs.skill_trust_dir", .directory = true});
  check_permissions(out, paths.skills_lock_file(), {.id = "fs.skills_lock"});
  // Privilege.
  if (::geteuid() == 0) {
    out.push_back(finding("process.running_as_root", Severity::kWarn, kMiitPrivilege,
                          "Chitin runs as root", "effective uid 0",
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
      out.push_back(finding("config.insecure_or_dangerous_flags", Severity::kWarn, kMiitPrivilege,
                            fmt::format("{} is on", key), "set in chitin.toml",
                            fmt::format("remove {} unless you accept what it weakens", key)));
    }
    if (!config::is_loopback_literal(config->gateway.bind)) {
      out.push_back(finding("gateway.bind_non_loopback", Severity::kWarn, kMiitExposure,
                            fmt::format("the gateway listens on {}", config->gateway.bind),
                            "TLS and token auth are required there, but it is reachable from "
                            "other machines",
                            "bind 127.0.0.1 and reach it over SSH or a VPN"));
    }
    for (const std::string& rule : config->egress.allow) {
      if (rule.starts_with("*.")) {
        out.push_back(
            finding("egress.allow_wildcard", Severity::kWarn, kMiitPrivilege,
                    fmt::format("egress rule '{}' allows every name under a domain", rule),
                    "egress.allow in chitin.toml", "list the exact hosts tools need"));
      }
    }
  }
  // Audit trail.
  auto public_key = config::load_audit_public_key(paths);
  if (!public_key) {
    out.push_back(finding("audit.key_unreadable", Severity::kCritical, kMiitAudit,
                          "the audit public key cannot be read", public_key.error().describe(),
                          "restore keys/audit.pub from a backup"));
  } else {
    auto verified = audit::verify_log(paths.audit_dir(), *public_key);
    if (!verified) {
      out.push_back(finding("audit.log_unreadable", Severity::kCritical, kMiitAudit,
                            "the audit log cannot be read", verified.error().describe(),
                            "check the permissions of audit/"));
    } else if (!verified->ok()) {
      out.push_back(finding("audit.log_damaged", Severity::kCritical, kMiitAudit,
                            "the audit log does not verify",
                            fmt::format("{} at seq {}: {}", audit::to_string(verified->damage),
                                        verified->bad_seq, verified->message),
                            "keep the directory as evidence, investigate, then move it aside to "
                            "start a new log"));
    } else if (verified->records == 0) {
      out.push_back(finding("audit.log_empty", Severity::kWarn, kMiitAudit,
                            "the audit log has no records", "",
                            "run chitin init, which starts the log"));
    }
  }
  // Sandbox.
  if (options.run_sandbox_selftest && !selftest_cached(options.selftest_cache)) {
    auto selftest = sandbox::run_selftest(sandbox::RunOptions{});
    if (!selftest || !selftest->ok()) {
      out.push_back(
          finding("sandbox.tier_unavailable", Severity::kCritical, kMiitPrivilege,
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

namespace {

// The fix target opened without following a final symlink, when it lies inside `root`
// (intermediate symlinks resolved) and is a regular file or directory; else why not.
Result<UniqueFd> open_fix_target(const std::string& root, const std::string& path) {
  char real_root[PATH_MAX];
  char real_path[PATH_MAX];
  if (::realpath(root.c_str(), real_root) == nullptr ||
      ::realpath(path.c_str(), real_path) == nullptr) {
    return errno_fail(fmt::format("cannot resolve {}", path));
  }
  const std::string inside(real_root);
  const std::string target(real_path);
  if (target != inside && !target.starts_with(inside + "/")) {
    return fail(ErrorCode::kPermission, "{} is outside {}", path, root);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return errno_fail(fmt::format("cannot open {} (a symlink is never followed)", path));
  }
  UniqueFd file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return errno_fail(fmt::format("cannot stat {}", path));
  }
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::kInvalidInput, "{} is neither a file nor a directory", path);
  }
  return file;
}

}  // namespace

Result<FixOutcome> apply_fixes(const std::string& backup_dir, const Report& report) {
  FixOutcome outcome;
  // One path can carry two findings (written and read by others): fixed once.
  std::vector<const Finding*> fixes;
  nlohmann::json backup = nlohmann::json::array();
  for (const Finding& f : report.findings) {
    if (f.fix_path.empty() || std::any_of(fixes.begin(), fixes.end(), [&](const Finding* seen) {
          return seen->fix_path == f.fix_path;
        })) {
      continue;
    }
    auto target = open_fix_target(backup_dir, f.fix_path);
    if (!target) {
      outcome.skipped.push_back(fmt::format("{}: {}", f.fix_path, target.error().describe()));
      continue;
    }
    struct stat st {};
    if (::fstat(target->get(), &st) != 0) {
      return errno_fail(fmt::format("cannot stat {}", f.fix_path));
    }
    backup.push_back({{"path", f.fix_path}, {"mode", mode_text(st.st_mode & 07777)}});
    fixes.push_back(&f);
  }
  if (fixes.empty()) {
    return outcome;
  }
  outcome.backup_file =
      fmt::format("{}/doctor-backup-{}.json", backup_dir, static_cast<long>(std::time(nullptr)));
  CHITIN_TRY(sys::write_file_atomic(outcome.backup_file, backup.dump(2) + "\n", 0600,
                                    sys::WriteMode::kCreateOnly));
  for (const Finding* f : fixes) {
    auto target = open_fix_target(backup_dir, f->fix_path);
    if (!target) {
      outcome.skipped.push_back(fmt::format("{}: {}", f->fix_path, target.error().describe()));
      continue;
    }
    struct stat st {};
    if (::fstat(target->get(), &st) != 0 || ::fchmod(target->get(), f->fix_mode) != 0) {
      return errno_fail(fmt::format("cannot chmod {}", f->fix_path));
    }
    outcome.fixed.push_back(fmt::format("{}: {} -> {}", f->fix_path, mode_text(st.st_mode & 07777),
                                        mode_text(f->fix_mode)));
  }
  return outcome;
}

}  // namespace chitin::doctor
