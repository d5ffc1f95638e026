#pragma once
// The static skill scanner (docs/skill-scanner.md): YARA content rules over every file and
// over text recovered from encodings (base64, hex, \x escapes) and from invisible-character
// smuggling, plus C++ checks for structure: hidden Unicode, bundled archives and binaries,
// raw-IP URLs, a malformed SKILL.md, and a bundled script that uses network, binaries or
// secrets its permission manifest does not declare.
//
// The scanner is a triage tool; the sandbox and the permission manifest are the control.
// A Scanner is immutable after create() and safe to use from several threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "skills/skill_md.h"

namespace chitin::skills {

enum class Severity : std::uint8_t { kInfo, kLow, kMedium, kHigh, kCritical };

std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view name);

struct Finding {
  std::string rule;  // e.g. "exec.download_and_run"
  Severity severity = Severity::kInfo;
  std::string file;      // relative to the scanned skill (or the path given)
  std::size_t line = 0;  // 1-based; 0 when the finding is about the whole file
  std::string message;
};

struct ScanReport {
  std::vector<Finding> findings;
  std::size_t files = 0;
  std::uint64_t bytes = 0;

  [[nodiscard]] std::optional<Severity> max_severity() const;
  [[nodiscard]] bool at_or_above(Severity threshold) const;
  void merge(ScanReport other);
};

nlohmann::json to_json(const ScanReport& report);

// Per-file limit (the bundle's own per-file limit): a larger file is not scanned and is a high
// finding, so it cannot be installed.
inline constexpr std::size_t kMaxScannedFileBytes = 32 << 20;

class YaraRules;

class Scanner {
 public:
  static Result<Scanner> create();
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  // Scans a skill folder: SKILL.md (parsed; its permission manifest is what bundled scripts
  // are checked against) and every file under it. Symlinks and special files are findings.
  Result<ScanReport> scan_skill(const std::string& dir) const;
  // Scans one file's bytes as if it were `name` inside a skill with `permissions`.
  ScanReport scan_file(std::string_view name, std::string_view content,
                       const Permissions& permissions) const;

 private:
  explicit Scanner(std::unique_ptr<YaraRules> rules);
  std::unique_ptr<YaraRules> rules_;
};

}  // namespace chitin::skills
