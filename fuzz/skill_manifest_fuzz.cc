// Fuzz target: skill.manifest and minisign signature/key parsing. Any input must parse or
// fail cleanly; a manifest that parses must print back to exactly the same bytes (it is
// canonical by construction).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "skills/bundle.h"
#include "skills/minisign.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto files = chitin::skills::parse_manifest(text)) {
    if (chitin::skills::format_manifest(*files) != text) {
      std::abort();
    }
  }
  (void)chitin::skills::parse_signature(text);
  (void)chitin::skills::parse_public_key(text);
  (void)chitin::skills::parse_secret_key(text);
  return 0;
}
