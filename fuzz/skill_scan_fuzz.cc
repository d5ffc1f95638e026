// Fuzz target: the skill scanner's content checks on one file (the shell lexer, the base64/
// hex/escape decoders, invisible-Unicode handling, URL and command extraction, YARA). Any
// bytes must scan without a crash, and every finding must point inside the input.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "skills/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto scanner = chitin::skills::Scanner::create();
  if (!scanner) {
    std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::size_t lines = 1;
  for (const char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  chitin::skills::Permissions permissions;
  permissions.declared = true;
  permissions.hosts = {"api.example.com"};
  permissions.exec = {"curl"};
  for (const std::string_view name : {"run.sh", "tool.py", "SKILL.md"}) {
    const auto report = scanner->scan_file(name, text, permissions);
    for (const auto& finding : report.findings) {
      if (finding.line > lines || finding.rule.empty()) {
        std::abort();
      }
    }
  }
  return 0;
}
