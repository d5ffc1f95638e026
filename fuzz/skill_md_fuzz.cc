// Fuzz target: SKILL.md frontmatter and permission manifest parsing (yaml-cpp behind our
// bounds). Any input must give a document or an error, never a crash; a parsed manifest's
// entries must pass the same checks the parser applied.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "skills/skill_md.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = chitin::skills::parse_skill_md(text, "SKILL.md");
  if (doc) {
    for (const auto& path : doc->permissions.fs_read) {
      if (!chitin::skills::check_filesystem_path(path)) {
        std::abort();
      }
    }
    for (const auto& host : doc->permissions.hosts) {
      if (!chitin::skills::check_host_rule(host)) {
        std::abort();
      }
    }
    if (!chitin::skills::check_skill_name(doc->name)) {
      std::abort();
    }
  }
  return 0;
}
