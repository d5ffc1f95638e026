// Fuzz target: detect -> redact -> restore on arbitrary bytes with the whole built-in catalog.
// Entities must be ordered, disjoint and inside the input; restore must give the input back
// whenever each placeholder stands for one spelling; streamed restore must equal restore.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "privacy/redactor.h"
#include "privacy/restore.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chitin::privacy;
  static const auto detector =
      Detector::create({.dictionaries = {{"FUZZ_TERM", {"Blue Falcon", "青鸟"}}},
                        .patterns = {{"FUZZ_ID", "ZX-[0-9]{4}", ""}},
                        .min_score = 0.5F,
                        .cache_dir = CHITIN_PRIVACY_CACHE});
  if (!detector) {
    std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entities = (*detector)->detect(text);
  if (!entities) {
    return 0;  // bounded refusals (floods) are allowed; crashes are not
  }
  std::size_t previous_end = 0;
  for (const Entity& entity : *entities) {
    if (entity.start < previous_end || entity.end <= entity.start || entity.end > size ||
        entity.type >= (*detector)->types().size()) {
      std::abort();
    }
    previous_end = entity.end;
  }
  Vault vault;
  Redactor redactor(**detector, vault);
  std::vector<Entity> found;
  auto redacted = redactor.redact(text, &found);
  if (!redacted) {
    return 0;
  }
  bool one_spelling = true;
  for (const Entity& entity : found) {
    const EntityType& type = (*detector)->types()[entity.type];
    for (const VaultEntry& entry : vault.entries()) {
      if (entry.label == type.label &&
          entry.canonical ==
              canonical_value(type, text.substr(entity.start, entity.end - entity.start)) &&
          entry.original != text.substr(entity.start, entity.end - entity.start)) {
        one_spelling = false;
      }
    }
  }
  const std::string restored = restore(*redacted, vault);
  if (one_spelling && restored != text) {
    std::abort();
  }
  RestoreStream stream(vault);
  std::string streamed = stream.feed(std::string_view(*redacted).substr(0, redacted->size() / 2));
  streamed += stream.feed(std::string_view(*redacted).substr(redacted->size() / 2));
  streamed += stream.finish();
  if (streamed != restored) {
    std::abort();
  }
  return 0;
}
