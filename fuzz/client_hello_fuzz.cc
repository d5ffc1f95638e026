// Fuzz target: SNI extraction from a TLS ClientHello (bytes from inside the sandbox).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "egress/tls_sni.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto result = chitin::egress::extract_sni(bytes);
  if (result.status == chitin::egress::SniStatus::kFound && result.name.size() > 65535) {
    std::abort();
  }
  return 0;
}
