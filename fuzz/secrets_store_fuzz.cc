// Fuzz target: the secrets store's decrypted contents (a damaged or hand-edited store) and
// OpenClaw SecretRefs (from imported configs). Any input gives a value or an error; what is
// accepted survives a round trip through serialize_contents.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "secrets/secret_ref.h"
#include "secrets/store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)chitin::secrets::parse_secret_ref(text);
  auto secrets = chitin::secrets::parse_contents(text, "fuzz");
  if (secrets) {
    auto again =
        chitin::secrets::parse_contents(chitin::secrets::serialize_contents(*secrets), "fuzz");
    if (!again || again->size() != secrets->size()) {
      std::abort();
    }
  }
  return 0;
}
