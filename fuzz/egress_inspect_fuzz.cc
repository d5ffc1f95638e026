// Fuzz target: a request read inside an intercepted tunnel, inspected with one granted secret
// bound to api.example.com. Invariants: a request that is let through to any other host never
// carries the granted value, and no request ever carries the stored, ungranted one.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "egress/inspect.h"
#include "fuzz_target.h"

namespace {

constexpr std::string_view kGranted = "granted-value-7Q2x";
constexpr std::string_view kStored = "stored-value-9Z4k";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  using namespace chitin::egress;
  static const std::vector<GrantedSecret> granted = [] {
    GrantedSecret secret;
    secret.name = "demo";
    secret.value = std::string(kGranted);
    secret.hosts = *parse_rules({"api.example.com"});
    secret.header = "x-api-key";
    secret.body = true;
    return std::vector<GrantedSecret>{secret};
  }();
  static const chitin::secrets::LeakScanner stored(
      {{"demo", std::string(kGranted)}, {"other", std::string(kStored)}});
  const bool bound = (data[0] & 1) != 0;
  const std::string host = bound ? "api.example.com" : "evil.example.com";
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto length = head_length(text);
  if (!length || *length == 0) {
    return 0;
  }
  auto request = parse_tunnelled_request(text.substr(0, *length), host, 443);
  if (!request) {
    return 0;
  }
  const std::string_view body = text.substr(*length, request->content_length);
  SecretScan scan;
  scan.granted = &granted;
  scan.stored = &stored;
  auto result = inspect_request(*request, body, 443, scan);
  if (!result || result->blocked) {
    return 0;
  }
  if (result->outbound.find(kStored) != std::string::npos ||
      (!bound && result->outbound.find(kGranted) != std::string::npos)) {
    std::abort();
  }
  return 0;
}
