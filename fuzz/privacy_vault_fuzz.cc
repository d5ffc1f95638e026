// Fuzz target: the vault's decrypted-contents parser (length-prefixed fields, counts, limits)
// and restore through whatever vault it yields.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "privacy/restore.h"
#include "privacy/vault.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chitin::privacy;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto vault = Vault::parse_contents(bytes, "fuzz");
  if (!vault) {
    return 0;
  }
  // Every entry must come back through restore from its canonical placeholder.
  for (const VaultEntry& entry : vault->entries()) {
    const std::string placeholder = "⟦" + entry.label + "_" + std::to_string(entry.number) + "⟧";
    const std::string* original = vault->original(entry.label, entry.number);
    if (original == nullptr || *original != entry.original) {
      std::abort();
    }
    const bool restorable =
        !entry.label.empty() && entry.label[0] >= 'A' && entry.label[0] <= 'Z' &&
        entry.label.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
            std::string::npos &&
        entry.label.back() != '_' && entry.label.size() <= 48 && entry.number < 10000000000ULL;
    if (restorable && restore(placeholder, *vault) != entry.original) {
      std::abort();
    }
  }
  return 0;
}
