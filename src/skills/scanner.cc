#include "skills/scanner.h"

#include <fcntl.h>
#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "base/encoding.h"
#include "base/log.h"
#include "skills/content_checks.h"
#include "skills/scan_rules.h"
#include "skills/script_check.h"
#include "skills/yara_rules.h"
#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

constexpr std::size_t kMaxFiles = 2000;
constexpr std::size_t kMaxDepth = 16;
constexpr std::uint64_t kMaxTotalBytes = 256ULL << 20;
constexpr int kMaxDecodeDepth = 2;

Severity severity_from_meta(std::string_view name) {
  return parse_severity(name).value_or(Severity::kHigh);
}

void add_yara_findings(const YaraRules& rules, std::string_view file, std::string_view text,
                       std::vector<Finding>& out) {
  auto matches = rules.scan(text);
  if (!matches) {
    out.push_back(Finding{"scanner.error", Severity::kHigh, std::string(file), 0,
                          matches.error().message + "; the file was not fully scanned"});
    return;
  }
  for (const YaraMatch& match : *matches) {
    out.push_back(
        Finding{match.id, severity_from_meta(match.severity), std::string(file),
                line_at(text, match.offset),
                fmt::format("{}: {}", match.message, snippet_at(text, match.offset, 100))});
  }
}

// Text recovered from an encoding: scanned again; what it hides is reported at the blob.
void scan_decoded(const YaraRules& rules, std::string_view file, std::string_view text, int depth,
                  std::vector<Finding>& out) {
  for (const DecodedBlob& blob : decode_blobs(text)) {
    std::vector<Finding> inner;
    add_yara_findings(rules, file, blob.text, inner);
    if (depth < kMaxDecodeDepth) {
      scan_decoded(rules, file, blob.text, depth + 1, inner);
    }
    for (const Finding& finding : inner) {
      out.push_back(Finding{"obfuscation.encoded_payload",
                            std::max(Severity::kHigh, finding.severity), std::string(file),
                            blob.line,
                            fmt::format("{} text decodes to something that matches {} ({})",
                                        blob.kind, finding.rule, finding.message)});
    }
    if (inner.empty()) {
      out.push_back(Finding{"obfuscation.encoded_text", Severity::kLow, std::string(file),
                            blob.line,
                            fmt::format("{} text decodes to {} bytes of readable text: \"{}\"",
                                        blob.kind, blob.text.size(), log::escaped(blob.text, 60))});
    }
  }
}

// One finding per (rule, line): the most severe wins.
void deduplicate(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line, a.rule) < std::tie(b.file, b.line, b.rule);
  });
  std::vector<Finding> out;
  for (Finding& finding : findings) {
    if (!out.empty() && out.back().file == finding.file && out.back().line == finding.line &&
        out.back().rule == finding.rule) {
      if (finding.severity > out.back().severity) {
        out.back() = std::move(finding);
      }
      continue;
    }
    out.push_back(std::move(finding));
  }
  // Most severe first, then by place.
  std::stable_sort(out.begin(), out.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  findings = std::move(out);
}

struct SkillWalk {
  const Scanner& scanner;
  const Permissions& permissions;
  ScanReport report;
  std::size_t directories = 0;

  Result<void> walk(int dir_fd, const std::string& prefix, std::size_t depth) {
    if (depth > kMaxDepth) {
      report.findings.push_back(
          Finding{"bundle.too_deep", Severity::kHigh, prefix, 0,
                  fmt::format("nested deeper than {} levels; not scanned", kMaxDepth)});
      return {};
    }
    for (const sys::DirectoryEntry& entry :
         CHITIN_TRY(sys::list_directory(dir_fd, kMaxFiles + 1))) {
      const std::string path = prefix.empty() ? entry.name : prefix + "/" + entry.name;
      if (entry.status.is_symlink) {
        report.findings.push_back(Finding{"bundle.symlink", Severity::kHigh, path, 0,
                                          "symlink: it can point outside the skill; skills may "
                                          "hold only regular files"});
        continue;
      }
      if (entry.status.is_directory) {
        if (++directories > kMaxFiles) {
          return fail(ErrorCode::kLimitExceeded,
                      "more than {} directories; the skill is too large to scan", kMaxFiles);
        }
        UniqueFd child = CHITIN_TRY(sys::open_at(dir_fd, entry.name, O_RDONLY | O_DIRECTORY));
        CHITIN_RETURN_IF_ERROR(walk(child.get(), path, depth + 1));
        continue;
      }
      if (!entry.status.is_regular) {
        report.findings.push_back(Finding{"bundle.special_file", Severity::kHigh, path, 0,
                                          "device, FIFO or socket in a skill"});
        continue;
      }
      if (report.files >= kMaxFiles || report.bytes > kMaxTotalBytes) {
        return fail(ErrorCode::kLimitExceeded,
                    "more than {} files or {} bytes; the skill is too large to scan", kMaxFiles,
                    kMaxTotalBytes);
      }
      UniqueFd fd = CHITIN_TRY(sys::open_at(dir_fd, entry.name, O_RDONLY | O_NONBLOCK));
      auto content = sys::read_all(fd.get(), kMaxScannedFileBytes, path);
      if (!content) {
        if (content.error().code != ErrorCode::kLimitExceeded) {
          return fail(content.error());
        }
        report.findings.push_back(Finding{
            "bundle.large_file", Severity::kHigh, path, 0,
            fmt::format("larger than {} bytes: it cannot be scanned", kMaxScannedFileBytes)});
        ++report.files;
        continue;
      }
      report.merge(scanner.scan_file(path, *content, permissions));
    }
    return {};
  }
};

}  // namespace

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (const Severity s :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (to_string(s) == name) {
      return s;
    }
  }
  return std::nullopt;
}

std::optional<Severity> ScanReport::max_severity() const {
  std::optional<Severity> max;
  for (const Finding& finding : findings) {
    if (!max || finding.severity > *max) {
      max = finding.severity;
    }
  }
  return max;
}

bool ScanReport::at_or_above(Severity threshold) const {
  const auto max = max_severity();
  return max && *max >= threshold;
}

void ScanReport::merge(ScanReport other) {
  findings.insert(findings.end(), std::make_move_iterator(other.findings.begin()),
                  std::make_move_iterator(other.findings.end()));
  files += other.files;
  bytes += other.bytes;
}

nlohmann::json to_json(const ScanReport& report) {
  nlohmann::json findings = nlohmann::json::array();
  std::map<std::string, int> counts = {
      {"info", 0}, {"low", 0}, {"medium", 0}, {"high", 0}, {"critical", 0}};
  for (const Finding& f : report.findings) {
    findings.push_back({{"rule", f.rule},
                        {"severity", to_string(f.severity)},
                        {"file", f.file},
                        {"line", f.line},
                        {"message", f.message}});
    ++counts[std::string(to_string(f.severity))];
  }
  const auto max = report.max_severity();
  return {{"findings", findings},
          {"summary",
           {{"files", report.files},
            {"bytes", report.bytes},
            {"findings", report.findings.size()},
            {"by_severity", counts},
            {"max_severity", max ? nlohmann::json(to_string(*max)) : nlohmann::json()}}}};
}

Scanner::Scanner(std::unique_ptr<YaraRules> rules) : rules_(std::move(rules)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

Result<Scanner> Scanner::create() {
  auto rules = CHITIN_TRY(YaraRules::compile(yara_rule_source()));
  return Scanner(std::move(rules));
}

ScanReport Scanner::scan_file(std::string_view name, std::string_view content,
                              const Permissions& permissions) const {
  ScanReport report;
  report.files = 1;
  report.bytes = content.size();
  std::vector<Finding>& out = report.findings;
  const std::string file(name);
  switch (classify(name, content)) {
    case FileKind::kArchive:
      out = check_archive(name, content);
      return report;
    case FileKind::kExecutable:
      out.push_back(Finding{"binary.executable", Severity::kHigh, file, 0,
                            "compiled program in a skill: it cannot be reviewed; build it from "
                            "source in the sandbox instead"});
      return report;
    case FileKind::kMedia:
    case FileKind::kOtherBinary:
      // Leading bytes prove nothing ("GIF89a=0" is a valid Python line, one NUL is easy to
      // add): binary-looking files get the content rules too; only real binaries are noted.
      if (!is_valid_utf8(content) && !is_script(name, content)) {
        if (classify(name, content) == FileKind::kOtherBinary) {
          out.push_back(Finding{"binary.opaque", Severity::kLow, file, 0,
                                "binary file of unknown type; scanned as bytes only"});
        }
        add_yara_findings(*rules_, name, content, out);
        deduplicate(out);
        return report;
      }
      break;
    case FileKind::kText:
      break;
  }
  add_yara_findings(*rules_, name, content, out);
  InvisibleText invisible = check_invisible(name, content);
  out.insert(out.end(), invisible.findings.begin(), invisible.findings.end());
  if (invisible.had_invisible) {
    // Rules see the text as a reader would, with the invisible characters gone.
    std::vector<Finding> hidden;
    add_yara_findings(*rules_, name, invisible.visible, hidden);
    for (Finding& finding : hidden) {
      finding.message += " (split up by invisible characters)";
      out.push_back(std::move(finding));
    }
    if (!invisible.tag_text.empty()) {
      std::vector<Finding> smuggled;
      add_yara_findings(*rules_, name, invisible.tag_text, smuggled);
      for (const Finding& finding : smuggled) {
        out.push_back(Finding{"unicode.hidden", Severity::kCritical, file, invisible.tag_line,
                              fmt::format("text hidden in Unicode Tag characters matches {} "
                                          "({})",
                                          finding.rule, finding.message)});
      }
    }
  }
  const std::string_view visible =
      invisible.had_invisible ? std::string_view(invisible.visible) : content;
  scan_decoded(*rules_, name, visible, 1, out);
  const auto ips = check_raw_ip_urls(name, visible);
  out.insert(out.end(), ips.begin(), ips.end());
  if (is_script(name, content)) {
    const auto mismatches = check_script_against_manifest(name, visible, permissions);
    out.insert(out.end(), mismatches.begin(), mismatches.end());
  }
  deduplicate(out);
  return report;
}

Result<ScanReport> Scanner::scan_skill(const std::string& dir) const {
  ScanReport report;
  Permissions permissions;
  const std::string skill_md = dir + "/SKILL.md";
  auto text = sys::read_regular_file(skill_md, kMaxSkillMdBytes);
  if (!text) {
    report.findings.push_back(Finding{"skill.malformed", Severity::kHigh, "SKILL.md", 0,
                                      text.error().sys_errno == ENOENT
                                          ? std::string("no SKILL.md: this is not a skill")
                                          : text.error().describe()});
  } else if (auto doc = parse_skill_md(*text, "SKILL.md"); !doc) {
    report.findings.push_back(
        Finding{"skill.malformed", Severity::kHigh, "SKILL.md", 0, doc.error().message});
  } else {
    permissions = doc->permissions;
    for (const InstallSpec& spec : doc->install) {
      if (spec.kind == "download") {
        report.findings.push_back(Finding{
            "install.download_spec", Severity::kMedium, "SKILL.md", 0,
            fmt::format("install[] downloads '{}'; Chitin never runs installer specs, review "
                        "it before running it yourself",
                        log::escaped(spec.target, 100))});
      }
    }
  }
  UniqueFd fd = CHITIN_TRY(sys::open_file(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  SkillWalk walk{*this, permissions, {}, 0};
  CHITIN_RETURN_IF_ERROR(walk.walk(fd.get(), "", 0));
  report.merge(std::move(walk.report));
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  return report;
}

}  // namespace chitin::skills
