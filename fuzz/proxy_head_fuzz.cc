// Fuzz target: the egress proxy's request head parser (bytes from inside the sandbox). Any
// input gives a request or an error; an accepted host never carries bytes outside the DNS /
// IP-literal alphabet (the allow-list and the resolver must see the same name).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "egress/http_head.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto length = chitin::egress::head_length(text);
  if (!length || *length == 0) {
    return 0;
  }
  auto request = chitin::egress::parse_proxy_request(text.substr(0, *length));
  if (request) {
    for (char c : request->host) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == ':';
      if (!ok) {
        std::abort();
      }
    }
    if (!request->connect) {
      (void)chitin::egress::origin_head(*request);
    }
  }
  return 0;
}
