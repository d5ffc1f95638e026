// Fuzz target: strict base64/hex decoders. Whatever decodes must re-encode to the same text
// (canonical encodings only), and decoding must never crash.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/encoding.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using chitin::Base64Variant;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Base64Variant variant : {Base64Variant::kStandard, Base64Variant::kUrlNoPadding}) {
    if (auto decoded = chitin::base64_decode(text, variant)) {
      if (chitin::base64_encode(*decoded, variant) != text) {
        std::abort();
      }
    }
  }
  if (auto decoded = chitin::hex_decode(text)) {
    if (decoded->size() * 2 != text.size()) {
      std::abort();
    }
  }
  (void)chitin::is_valid_utf8(text);
  return 0;
}
